"""Where seals get trusted time and revocation data, and which roots they are validated against.

Development (no `REPAIR_SEAL_P12_DIR`): the development CA's own TSA, OCSP responder and CRL
(repair.seal.authority), in-process. Production: `REPAIR_TSA_URL` for RFC 3161 timestamps; OCSP and CRLs
fetched over HTTP from the URLs in the certificates, or from `REPAIR_OCSP_URL` / `REPAIR_CRL_URL` when set
(they also override the development services, e.g. to use them over a loopback port).
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp, x509
from pyhanko.keys import load_certs_from_pemder
from pyhanko.sign import timestamps
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import CRLFetchError, OCSPFetchError
from pyhanko_certvalidator.fetchers.api import CertificateFetcher, Fetchers
from pyhanko_certvalidator.fetchers.common_utils import process_ocsp_response_data

from repair.config import Settings
from repair.errors import SealError
from repair.seal import pki
from repair.seal.authority import (
    DevelopmentAuthority,
    LocalTimeStamper,
    RecordingCRLFetcher,
    RecordingOCSPFetcher,
    development_authority,
    local_fetchers,
)

_TIMEOUT = 10


def _http(url: str, body: bytes | None = None, content_type: str | None = None) -> bytes:
    """One HTTP exchange (GET, or POST of `body`); OSError on any transport or status failure."""
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type} if content_type else {})
    with urllib.request.urlopen(request, timeout=_TIMEOUT) as answer:  # noqa: S310 - configured URL
        return answer.read()


def is_development(settings: Settings) -> bool:
    """Seals come from the generated development PKI (no production PKCS#12 folder configured)."""
    return settings.seal_p12_dir is None


def _authority(settings: Settings) -> DevelopmentAuthority | None:
    if not is_development(settings) or not (settings.keys_dir / pki.CA_CERT_FILE).is_file():
        return None
    return development_authority(settings.keys_dir)


def trust_roots(settings: Settings) -> list[x509.Certificate]:
    """The development CA (if present) and every `REPAIR_TRUST_ROOTS` certificate."""
    paths = [settings.keys_dir / pki.CA_CERT_FILE] if (settings.keys_dir / pki.CA_CERT_FILE).is_file() else []
    paths += list(settings.trust_roots)
    try:
        return list(load_certs_from_pemder([str(p) for p in paths]))
    except (OSError, ValueError) as error:
        raise SealError(f"无法读取信任根证书 / cannot read trust roots {paths}: {error}") from error


@lru_cache(maxsize=16)
def _http_timestamper(url: str) -> timestamps.HTTPTimeStamper:
    # One instance per URL: pyHanko caches its size-estimation dummy token per timestamper.
    return timestamps.HTTPTimeStamper(url, timeout=_TIMEOUT)


def timestamper(settings: Settings) -> timestamps.TimeStamper | None:
    """The RFC 3161 client for signature and document timestamps, or None (production without a TSA)."""
    if settings.tsa_url:
        return _http_timestamper(settings.tsa_url)
    authority = _authority(settings)
    return _local_timestamper(authority) if authority is not None else None


@lru_cache(maxsize=16)
def _local_timestamper(authority: DevelopmentAuthority) -> LocalTimeStamper:
    return LocalTimeStamper(authority)


class _HttpOCSP(RecordingOCSPFetcher):
    """OCSP over HTTP POST (RFC 6960 appendix A) to one configured responder, whatever the certificate says."""

    def __init__(self, url: str):
        super().__init__()
        self._url = url

    def exchange(self, request: ocsp.OCSPRequest) -> ocsp.OCSPResponse:
        try:
            answer = _http(self._url, request.dump(), "application/ocsp-request")
        except OSError as error:
            raise OCSPFetchError(f"OCSP 服务不可用 / OCSP responder {self._url} failed: {error}") from error
        return process_ocsp_response_data(answer, ocsp_request=request, ocsp_url=self._url)


class _HttpCRL(RecordingCRLFetcher):
    """The CRL at one configured URL (HTTP GET, DER)."""

    def __init__(self, url: str):
        super().__init__()
        self._url = url

    def load(self) -> asn1_crl.CertificateList:
        try:
            crl = asn1_crl.CertificateList.load(_http(self._url))
            crl.native  # noqa: B018 - parse now so a broken CRL is a fetch error
        except (OSError, ValueError) as error:
            raise CRLFetchError(f"CRL 不可用 / CRL {self._url} failed: {error}") from error
        return crl


class _NoCertificates(CertificateFetcher):
    async def fetch_cert_issuers(self, cert):
        return
        yield  # an async generator that yields nothing

    async def fetch_crl_issuers(self, certificate_list):
        return
        yield

    def fetched_certs(self):
        return []


@dataclass(frozen=True)
class _Sources:
    fetchers: Fetchers | None  # None: certvalidator's own HTTP fetchers (URLs from the certificates)
    other_certs: tuple


def _sources(settings: Settings, now: datetime | None) -> _Sources:
    authority = _authority(settings)
    extra = tuple(authority.certificates) if authority is not None else ()
    if settings.ocsp_url or settings.crl_url:
        local = local_fetchers(authority, now) if authority is not None else None
        fetchers = Fetchers(
            ocsp_fetcher=_HttpOCSP(settings.ocsp_url) if settings.ocsp_url
            else (local.ocsp_fetcher if local else _HttpOCSP("http://invalid/")),
            crl_fetcher=_HttpCRL(settings.crl_url) if settings.crl_url
            else (local.crl_fetcher if local else _HttpCRL("http://invalid/")),
            cert_fetcher=local.cert_fetcher if local else _NoCertificates(),
        )
        return _Sources(fetchers, extra)
    if authority is not None:
        return _Sources(local_fetchers(authority, now), extra)
    return _Sources(None, extra)


# A context fixes its validation time when it is built, while a responder dates its answer when it is asked:
# on a loaded machine (or against a responder whose clock runs a little ahead) a fresh OCSP response or CRL is
# seconds newer than the validation time, which pyHanko's default tolerance of one second calls "too recent".
CLOCK_TOLERANCE = timedelta(seconds=60)


def signing_context(settings: Settings) -> ValidationContext:
    """Context used while sealing: fetches current revocation data, which pyHanko embeds in the DSS."""
    sources = _sources(settings, None)
    return ValidationContext(trust_roots=trust_roots(settings), other_certs=sources.other_certs,
                             allow_fetching=True, fetchers=sources.fetchers, revocation_mode="hard-fail",
                             time_tolerance=CLOCK_TOLERANCE)


def current_revinfo_context(settings: Settings, *, moment: datetime | None, now: datetime | None,
                            extra_certs: Iterable = (), crls: Iterable = (), ocsps: Iterable = (),
                            retroactive: bool = False) -> ValidationContext:
    """Context for verifying at `moment` (a trusted signing time, or None for now), with the embedded
    revocation data plus what the responders say now: a revocation dated after `moment` does not count."""
    sources = _sources(settings, now)
    return ValidationContext(
        trust_roots=trust_roots(settings), other_certs=[*sources.other_certs, *extra_certs],
        moment=moment, allow_fetching=True, fetchers=sources.fetchers, crls=list(crls), ocsps=list(ocsps),
        revocation_mode="hard-fail", retroactive_revinfo=retroactive, time_tolerance=CLOCK_TOLERANCE,
    )


def embedded_only_context(settings: Settings, *, moment: datetime | None, extra_certs: Iterable,
                          crls: Iterable, ocsps: Iterable) -> ValidationContext:
    """Context that may use nothing but the document's own validation data (the B-LT test)."""
    return ValidationContext(trust_roots=trust_roots(settings), other_certs=list(extra_certs), moment=moment,
                             allow_fetching=False, crls=list(crls), ocsps=list(ocsps),
                             revocation_mode="hard-fail", time_tolerance=CLOCK_TOLERANCE)
