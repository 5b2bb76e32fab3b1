"""The development PKI's online services: an RFC 3161 timestamp authority, an RFC 6960 OCSP responder
and RFC 5280 CRLs, answered with certomancer's responder implementations over the keys under `keys_dir`.

They speak DER in and DER out. `repair seal` uses them in-process (`LocalTimeStamper`, `local_fetchers`:
the same request and response bytes as over HTTP, without a socket), and `wsgi_app` serves them over
HTTP (`repair serve` mounts it at `/pki`; tests run it on a loopback port), so an outside validator can
fetch from them as well.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from asn1crypto import core, ocsp, tsp, x509
from asn1crypto import crl as asn1_crl
from certomancer.services import (
    CRLBuilder,
    RevocationInfoInterface,
    SimpleOCSPResponder,
    TimeStamper,
    choose_signed_digest,
)
from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
from pyhanko.sign.timestamps import TimeStamper as PyHankoTimeStamper
from pyhanko_certvalidator.fetchers.api import CertificateFetcher, CRLFetcher, Fetchers, OCSPFetcher
from pyhanko_certvalidator.fetchers.common_utils import format_ocsp_request

from repair.errors import SealError
from repair.seal import pki

CRL_VALIDITY = timedelta(days=7)
OCSP_VALIDITY = timedelta(hours=1)
# TSA policy OID under the "private enterprise" arc reserved for documentation-only use.
_TSA_POLICY = tsp.ObjectIdentifier("1.3.6.1.4.1.55555.1.1")

_authorities: dict[tuple, "DevelopmentAuthority"] = {}
_lock = threading.Lock()


class TimeStampRejection(core.Sequence):
    """A TimeStampResp without a token (RFC 3161 §2.4.2: timeStampToken is OPTIONAL; asn1crypto's
    TimeStampResp insists on one, so rejections are encoded, and read, with this type)."""

    _fields = [("status", tsp.PKIStatusInfo)]


class _Revocations(RevocationInfoInterface):
    """The OCSP responder's view of `revocations.json`: revoked once the revocation time has passed."""

    def __init__(self, ca_cert: x509.Certificate, revoked: tuple[pki.Revocation, ...]):
        self._ca_cert = ca_cert
        self._revoked = {r.serial: r for r in revoked}

    def get_issuer_cert(self) -> x509.Certificate:
        return self._ca_cert

    def check_revocation_status(self, cid: ocsp.CertId, at_time: datetime):
        record = self._revoked.get(cid["serial_number"].native)
        if record is None or record.revoked_at > at_time:
            return ocsp.CertStatus(name="good", value=None), []
        return ocsp.CertStatus(name="revoked", value={
            "revocation_time": record.revoked_at, "revocation_reason": record.reason_code}), []


class DevelopmentAuthority:
    """TSA, OCSP responder and CRL issuer of the development CA whose files are in `keys_dir`."""

    def __init__(self, keys_dir: Path):
        self.keys_dir = Path(keys_dir)
        load = lambda name: load_cert_from_pemder(str(self.keys_dir / name))  # noqa: E731
        key = lambda name: load_private_key_from_pemder(str(self.keys_dir / name), passphrase=None)  # noqa: E731
        self.ca_cert = load(pki.CA_CERT_FILE)
        self._ca_key = key(pki._CA_KEY_FILE)
        self.tsa_cert, self.ocsp_cert = load(pki.TSA_FILES[1]), load(pki.OCSP_FILES[1])
        self._tsa_key, self._ocsp_key = key(pki.TSA_FILES[0]), key(pki.OCSP_FILES[0])
        self._timestamper = TimeStamper(self.tsa_cert, self._tsa_key, certs_to_embed=[self.ca_cert],
                                        policy=_TSA_POLICY)

    @property
    def certificates(self) -> list[x509.Certificate]:
        """The CA and service certificates (for validation contexts and DSS)."""
        return [self.ca_cert, self.tsa_cert, self.ocsp_cert]

    def timestamp(self, request: bytes) -> bytes:
        """Answer a DER TimeStampReq with a DER TimeStampResp, stamped with this machine's clock."""
        try:
            parsed = tsp.TimeStampReq.load(request)
            parsed.native  # noqa: B018 - parse fully: a malformed request is rejected here, not half-answered
        except ValueError:
            return TimeStampRejection({"status": tsp.PKIStatusInfo({
                "status": "rejection", "fail_info": tsp.PKIFailureInfo({"bad_data_format"})})}).dump()
        return self._timestamper.request_tsa_response(parsed).dump()

    def ocsp(self, request: bytes, now: datetime | None = None) -> bytes:
        """Answer a DER OCSPRequest with a signed DER OCSPResponse as of `now` (default: the clock)."""
        at = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(microsecond=0)
        try:
            parsed = ocsp.OCSPRequest.load(request)
            parsed.native  # noqa: B018
        except ValueError:
            return SimpleOCSPResponder.build_error_response("malformed_request").dump()
        responder = SimpleOCSPResponder(
            self.ocsp_cert, self._ocsp_key, choose_signed_digest("sha256", self.ocsp_cert.public_key), at,
            _Revocations(self.ca_cert, pki.revocations(self.keys_dir)), validity=OCSP_VALIDITY,
        )
        return responder.build_ocsp_response(parsed).dump()

    def crl(self, now: datetime | None = None) -> bytes:
        """The current DER CRL as of `now`, re-issued (and published to `ca.crl`) when stale or outdated."""
        at = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(microsecond=0)
        revoked = [r for r in pki.revocations(self.keys_dir) if r.revoked_at <= at]
        path = self.keys_dir / pki.CRL_FILE
        if path.is_file():
            current = asn1_crl.CertificateList.load(path.read_bytes())
            tbs = current["tbs_cert_list"]
            listed = {entry["user_certificate"].native for entry in tbs["revoked_certificates"]}
            if (tbs["this_update"].native <= at < tbs["next_update"].native - timedelta(days=1)
                    and listed == {r.serial for r in revoked}):
                return path.read_bytes()
        builder = CRLBuilder(self.ca_cert.subject, self._ca_key,
                             choose_signed_digest("sha256", self.ca_cert.public_key),
                             self.ca_cert.public_key.sha1)
        entries = [CRLBuilder.format_revoked_cert(r.serial, asn1_crl.CRLReason(r.reason_code), r.revoked_at)
                   for r in revoked]
        number = int(at.timestamp())  # monotonic enough for one development CA, and needs no counter file
        data = builder.build_crl(number, at, at + CRL_VALIDITY, entries).dump()
        pki._write_atomically(path, data, 0o644)
        return data


def development_authority(keys_dir: Path) -> DevelopmentAuthority:
    """The cached authority for `keys_dir`; reloaded when its key files change (e.g. re-issued)."""
    keys_dir = Path(keys_dir)
    files = [pki.CA_CERT_FILE, pki._CA_KEY_FILE, *pki.TSA_FILES, *pki.OCSP_FILES]
    if (keys_dir / pki._CA_KEY_FILE).is_file() and not all((keys_dir / f).is_file() for f in files):
        pki.ensure_development_pki(keys_dir, [])  # a CA made before the services existed: add them now
    try:
        key = (str(keys_dir.resolve()), *(os.stat(keys_dir / f).st_mtime_ns for f in files))
    except FileNotFoundError as error:
        raise SealError(
            f"开发用 PKI 不完整，请先初始化 / the development PKI in {keys_dir} is incomplete "
            f"(run `repair init`): {error.filename}") from error
    with _lock:
        authority = _authorities.get(key)
        if authority is None:
            authority = _authorities[key] = DevelopmentAuthority(keys_dir)
        return authority


class LocalTimeStamper(PyHankoTimeStamper):
    """pyHanko timestamper that hands its DER request to the development TSA in-process."""

    def __init__(self, authority: DevelopmentAuthority):
        super().__init__(include_nonce=True)
        self._authority = authority

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        return tsp.TimeStampResp.load(self._authority.timestamp(req.dump()))


class RecordingOCSPFetcher(OCSPFetcher):
    """An OCSP fetcher that remembers what it fetched (pyHanko embeds those responses in the DSS);
    subclasses say how a DER request becomes a response."""

    def __init__(self):
        self._fetched: list = []

    def exchange(self, request: ocsp.OCSPRequest) -> ocsp.OCSPResponse:
        raise NotImplementedError

    async def fetch(self, cert, authority):
        request = format_ocsp_request(cert, authority, certid_hash_algo="sha256", request_nonces=True)
        response = self.exchange(request)
        self._fetched.append((cert.issuer_serial, response))
        return response

    def fetched_responses(self) -> Iterable[ocsp.OCSPResponse]:
        return [response for _, response in self._fetched]

    def fetched_responses_for_cert(self, cert) -> Iterable[ocsp.OCSPResponse]:
        return [response for tag, response in self._fetched if tag == cert.issuer_serial]


class RecordingCRLFetcher(CRLFetcher):
    """A CRL fetcher that remembers what it fetched; subclasses say where the one CRL comes from."""

    def __init__(self):
        self._fetched: dict = {}

    def load(self) -> asn1_crl.CertificateList:
        raise NotImplementedError

    async def fetch(self, cert, *, use_deltas=None):
        crl = self.load()
        self._fetched[cert.issuer_serial] = [crl]
        return [crl]

    def fetched_crls(self) -> Iterable[asn1_crl.CertificateList]:
        return [crl for crls in self._fetched.values() for crl in crls]

    def fetched_crls_for_cert(self, cert) -> Iterable[asn1_crl.CertificateList]:
        return self._fetched[cert.issuer_serial]


class _LocalOCSP(RecordingOCSPFetcher):
    def __init__(self, authority: DevelopmentAuthority, now: datetime | None):
        super().__init__()
        self._authority, self._now = authority, now

    def exchange(self, request: ocsp.OCSPRequest) -> ocsp.OCSPResponse:
        return ocsp.OCSPResponse.load(self._authority.ocsp(request.dump(), self._now))


class _LocalCRL(RecordingCRLFetcher):
    def __init__(self, authority: DevelopmentAuthority, now: datetime | None):
        super().__init__()
        self._authority, self._now = authority, now

    def load(self) -> asn1_crl.CertificateList:
        return asn1_crl.CertificateList.load(self._authority.crl(self._now))


class _LocalCertificates(CertificateFetcher):
    def __init__(self, authority: DevelopmentAuthority):
        self._authority = authority

    async def fetch_cert_issuers(self, cert):
        for candidate in self._authority.certificates:
            if candidate.subject == cert.issuer:
                yield candidate

    async def fetch_crl_issuers(self, certificate_list):
        for candidate in self._authority.certificates:
            if candidate.subject == certificate_list.issuer:
                yield candidate

    def fetched_certs(self) -> Iterable[x509.Certificate]:
        return list(self._authority.certificates)


def local_fetchers(authority: DevelopmentAuthority, now: datetime | None = None) -> Fetchers:
    """certvalidator fetchers answered by the development OCSP responder and CRL issuer as of `now`."""
    return Fetchers(ocsp_fetcher=_LocalOCSP(authority, now), crl_fetcher=_LocalCRL(authority, now),
                    cert_fetcher=_LocalCertificates(authority))


def wsgi_app(keys_dir: Path):
    """A WSGI app serving `POST /tsa` (RFC 3161), `POST /ocsp` (RFC 6960) and `GET /crl` (RFC 5280)."""
    from werkzeug.wrappers import Request, Response

    @Request.application
    def app(request: Request) -> Response:
        try:
            authority = development_authority(keys_dir)
        except SealError as error:
            return Response(f"{error}\n", status=503, mimetype="text/plain")
        path = request.path.rstrip("/").rsplit("/", 1)[-1]
        if path == "tsa" and request.method == "POST":
            return Response(authority.timestamp(request.get_data()), mimetype="application/timestamp-reply")
        if path == "ocsp" and request.method == "POST":
            return Response(authority.ocsp(request.get_data()), mimetype="application/ocsp-response")
        if path == "crl" and request.method == "GET":
            return Response(authority.crl(), mimetype="application/pkix-crl")
        if path == "ca" and request.method == "GET":
            return Response(authority.ca_cert.dump(), mimetype="application/pkix-cert")
        return Response("not found\n", status=404, mimetype="text/plain")

    return app
