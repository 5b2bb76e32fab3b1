"""三员分立 and the security log: each administrator does only their duty; the log records sign-ins, failures,
sign-outs, locks, role and password changes, tokens, exports and downloads, chained and append-only, and
`repair audit verify` finds any edit."""

from __future__ import annotations

import csv
import io
import subprocess

import pytest
from sqlalchemy import select, text

from repair.services.security.users import add_user
from repair.store.security_models import SecurityEvent
from tests.conftest import WEB_PASSWORD, csrf_of, otp_for
from tests.security_support import enrol_all


@pytest.fixture
def admins(web, world, now):
    """The security and audit administrators besides the system administrator `admin`."""
    with world.uow() as uow:
        add_user(uow, username="sec", role="security_admin", password=WEB_PASSWORD, now=now)
        add_user(uow, username="aud", role="audit_admin", password=WEB_PASSWORD, now=now)
        uow.commit()
    web.extensions["test_totp"].update(enrol_all(world, ("security_admin", "audit_admin"), now))
    return web


@pytest.mark.parametrize("username, allowed, refused", [
    ("admin", "/admin/", ("/security/", "/security-log/", "/security-log/export.csv")),
    ("sec", "/security/", ("/admin/", "/security-log/", "/security-log/export.csv")),
    ("aud", "/security-log/", ("/admin/", "/security/", "/desk/", "/audit/")),
])
def test_each_administrator_reaches_only_their_own_pages(admins, login, username, allowed, refused):
    client = login(username)
    assert client.get(allowed).status_code == 200
    assert all(client.get(path).status_code == 403 for path in refused)


def test_no_one_grants_an_administrator_duty_from_the_web(admins, login):
    admin = login("admin")
    token = csrf_of(admin.get("/admin/").get_data(as_text=True))
    admin.post("/admin/users", data={"username": "sneaky", "role": "security_admin", "csrf_token": token})
    assert "控制台" in admin.get("/admin/").get_data(as_text=True)
    sec = login("sec")
    token = csrf_of(sec.get("/security/").get_data(as_text=True))
    sec.post("/security/users/fgw_officer/role", data={"role": "audit_admin", "csrf_token": token})
    sec.post("/security/users/admin/role", data={"role": "officer", "csrf_token": token})
    with admins.extensions["repair"].uow(read_only=True) as uow:
        roles = dict(uow.session.execute(text("SELECT username, role FROM users")).all())
    assert "sneaky" not in roles and roles["fgw_officer"] == "officer" and roles["admin"] == "admin"


def test_the_security_log_records_and_exports_and_verifies(admins, login, cli_env):
    client = admins.test_client()
    token = csrf_of(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": "fgw_officer", "password": "wrong", "csrf_token": token})
    officer = login("fgw_officer")
    officer.post("/logout", data={"csrf_token": csrf_of(officer.get("/desk/").get_data(as_text=True))})
    issued = client.post("/api/v1/auth/token", json={"username": "auditor", "password": WEB_PASSWORD,
                                                     "otp": otp_for(admins, "auditor")}).get_json()["token"]
    client.delete("/api/v1/auth/token", headers={"Authorization": f"Bearer {issued}"})
    sec = login("sec")
    token = csrf_of(sec.get("/security/").get_data(as_text=True))
    sec.post("/security/users/fgw_officer/lock", data={"csrf_token": token})
    sec.post("/security/users/fgw_officer/unlock", data={"csrf_token": token})
    sec.post("/security/users/fgw_officer2/role", data={"role": "reviewer", "csrf_token": token})

    aud = login("aud")
    page = aud.get("/security-log/").get_data(as_text=True)
    assert "哈希链完好" in page
    exported = aud.get("/security-log/export.csv")
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    kinds = {r["kind"] for r in rows}
    assert {"sign_in", "sign_in_failed", "sign_out", "token_issued", "token_revoked", "locked", "unlocked",
            "role_changed"} <= kinds
    assert exported.headers["Cache-Control"] == "no-store"
    with admins.extensions["repair"].uow(read_only=True) as uow:
        assert uow.session.scalar(select(SecurityEvent.kind).order_by(SecurityEvent.seq.desc()).limit(1)) == \
            "security_log_exported"

    def verify():
        return subprocess.run([".venv/bin/repair", "audit", "verify", "--json"], capture_output=True, text=True,
                              env=cli_env, timeout=120)

    assert verify().returncode == 0
    runtime = admins.extensions["repair"]
    with runtime.engine.begin() as connection:
        with pytest.raises(Exception, match="append-only"):  # the database refuses edits and deletes
            with connection.begin_nested():
                connection.execute(text("UPDATE security_events SET subject = 'someone' WHERE seq = 2"))
        # An intruder with the rights to drop the guard: the chain still tells.
        if runtime.engine.dialect.name == "sqlite":
            connection.execute(text("DROP TRIGGER security_events_no_update"))
        else:
            connection.execute(text("DROP TRIGGER security_events_no_change ON security_events"))
        connection.execute(text("UPDATE security_events SET subject = 'someone' WHERE seq = 2"))
    tampered = verify()
    assert tampered.returncode == 1 and "security event 2: content does not match" in tampered.stdout
