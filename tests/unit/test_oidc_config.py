"""REPAIR_OIDC_*: unified identity sign-in is off unless an issuer is configured, and refuses half a configuration."""

from __future__ import annotations

import pytest

from repair.config import load_settings
from repair.services.security.federated import provider_mfa

BASE = {"REPAIR_INSTANCE_PATH": "/tmp/repair-oidc-config"}
ON = {**BASE, "REPAIR_OIDC_ISSUER": "https://idp.example.gov.cn/oidc", "REPAIR_OIDC_CLIENT_ID": "repair",
      "REPAIR_OIDC_CLIENT_SECRET": "s3cret"}


def test_off_by_default():
    assert load_settings(BASE).oidc is None


def test_defaults_and_overrides():
    oidc = load_settings(ON).oidc
    assert (oidc.uscc_claim, oidc.username_claim, oidc.scope, oidc.mfa_acr, oidc.redirect_uri) == \
        ("uscc", "preferred_username", "openid profile", (), None)
    assert oidc.metadata_url == "https://idp.example.gov.cn/oidc/.well-known/openid-configuration"
    custom = load_settings({**ON, "REPAIR_OIDC_USCC_CLAIM": "creditCode", "REPAIR_OIDC_USERNAME_CLAIM": "",
                            "REPAIR_OIDC_MFA_ACR": "level3, level4", "REPAIR_OIDC_MFA_AMR": "otp,hwk",
                            "REPAIR_OIDC_REDIRECT_URI": "https://repair.example/login/oidc/callback"}).oidc
    assert (custom.uscc_claim, custom.username_claim, custom.mfa_acr, custom.mfa_amr) == \
        ("creditCode", "", ("level3", "level4"), ("otp", "hwk"))


@pytest.mark.parametrize("change", [{"REPAIR_OIDC_CLIENT_ID": ""}, {"REPAIR_OIDC_CLIENT_SECRET": ""},
                                    {"REPAIR_OIDC_ISSUER": "http://idp.example.gov.cn"}])
def test_half_or_insecure_configuration_is_refused(change):
    with pytest.raises(ValueError, match="REPAIR_OIDC"):
        load_settings({**ON, **change})


def test_plain_http_only_on_loopback():
    assert load_settings({**ON, "REPAIR_OIDC_ISSUER": "http://127.0.0.1:8080"}).oidc.issuer == "http://127.0.0.1:8080"


def test_provider_mfa_by_configured_acr_or_amr_only():
    oidc = load_settings({**ON, "REPAIR_OIDC_MFA_ACR": "level3", "REPAIR_OIDC_MFA_AMR": "otp"}).oidc
    assert provider_mfa({"acr": "level3"}, oidc) and provider_mfa({"amr": ["pwd", "otp"]}, oidc)
    assert not provider_mfa({"acr": "level1", "amr": ["pwd"]}, oidc) and not provider_mfa({"amr": "otp"}, oidc)
    assert not provider_mfa({"acr": "level3"}, load_settings(ON).oidc)
