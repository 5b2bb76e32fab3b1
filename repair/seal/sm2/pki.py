"""SM2 key material: a development SM2 CA with one SM2 certificate and one GB/T 38540 seal per department.

Files live beside the EC P-256 development keys, under `<keys_dir>/sm2/`:
`ca.cert.pem`, `ca.key.pem`, `departments/<CODE>.{key.pem,cert.pem,seal.der}`. Production sets
`REPAIR_SM2_SEAL_DIR` to a folder with the same three files per department (key, certificate issued by the
district's SM2 CA, seal made by the seal-making authority) and `REPAIR_SM2_TRUST_ROOTS` to that CA's PEM.
Certificates carry id-ecPublicKey on curve 1.2.156.10197.1.301 and are signed SM2-with-SM3
(1.2.156.10197.1.501); asn1crypto encodes them because `cryptography` cannot sign with SM2.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from asn1crypto import keys, pem, x509

from repair.config import Settings
from repair.errors import SealError

# Same department-code rule and atomic key writes as the EC P-256 development PKI.
from repair.seal.pki import _check_code, _write_atomically
from repair.seal.sm2 import algorithms as sm
from repair.seal.sm2.ses import SealProfile, make_seal, parse_seal

ROOT_CA_NAME = "某区电子印章测试根CA（SM2）"
ISSUER_ORG = "某区人民政府"
DEVELOPMENT_UNIT = "开发用 / DEVELOPMENT ONLY"
SM2_DIR = "sm2"
CA_CERT_FILE = "ca.cert.pem"
_CA_KEY_FILE = "ca.key.pem"
_DEPARTMENTS_DIR = "departments"
_DEV_NOT_BEFORE = datetime(2020, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Sm2Signer:
    """Everything one department needs to seal an OFD: SM2 key, its certificate (DER) and its SES_Seal (DER)."""

    code: str
    name: str
    key: sm.PrivateKey
    certificate: bytes
    seal: bytes


_signers: dict[tuple, Sm2Signer] = {}


def _name(common_name: str, serial: str | None = None) -> x509.Name:
    fields = {"country_name": "CN", "organization_name": ISSUER_ORG,
              "organizational_unit_name": DEVELOPMENT_UNIT, "common_name": common_name}
    if serial is not None:
        fields["serial_number"] = serial
    return x509.Name.build(fields, use_printable=False)


def _extension(oid: str, critical: bool, value) -> dict:
    return {"extn_id": oid, "critical": critical, "extn_value": value}


def issue_certificate(
    *, subject: x509.Name, subject_key: sm.PrivateKey | sm.PublicKey, issuer: x509.Name,
    issuer_key: sm.PrivateKey, ca: bool, not_after: datetime, not_before: datetime = _DEV_NOT_BEFORE,
) -> bytes:
    """A DER X.509 v3 certificate with an SM2 key, signed SM2-with-SM3 by `issuer_key`."""
    spki = keys.PublicKeyInfo.load(sm.public_key_info(subject_key))
    issuer_spki = keys.PublicKeyInfo.load(sm.public_key_info(issuer_key))
    usage = {"key_cert_sign", "crl_sign"} if ca else {"digital_signature", "non_repudiation"}
    extensions = [
        _extension("basic_constraints", True, {"ca": ca, "path_len_constraint": 0 if ca else None}),
        _extension("key_usage", True, usage),
        _extension("key_identifier", False, spki.sha1),
    ]
    if not ca:
        extensions.append(_extension("authority_key_identifier", False, {"key_identifier": issuer_spki.sha1}))
    # Whole seconds: DER time values carry no fraction (OpenSSL rejects one in notAfter).
    not_before, not_after = (t.astimezone(timezone.utc).replace(microsecond=0) for t in (not_before, not_after))
    tbs = x509.TbsCertificate({
        "version": "v3",
        "serial_number": int.from_bytes(secrets.token_bytes(16), "big") >> 1,
        "signature": {"algorithm": sm.OID_SM2_WITH_SM3},
        "issuer": issuer,
        "validity": {"not_before": x509.Time({"utc_time": not_before}),
                     "not_after": x509.Time({"general_time": not_after})},
        "subject": subject,
        "subject_public_key_info": spki,
        "extensions": extensions,
    })
    signature = sm.sign(issuer_key, tbs.dump())
    cert = x509.Certificate({
        "tbs_certificate": tbs,
        "signature_algorithm": {"algorithm": sm.OID_SM2_WITH_SM3},
        "signature_value": signature,
    })
    return cert.dump()


def certificate_from_pem(data: bytes) -> bytes:
    """DER bytes of the (first) certificate in a PEM or DER file."""
    if pem.detect(data):
        _, _, data = pem.unarmor(data)
    return data


def _pem(der: bytes) -> bytes:
    return pem.armor("CERTIFICATE", der)


def _ensure_ca(folder: Path) -> tuple[sm.PrivateKey, bytes]:
    key_path, cert_path = folder / _CA_KEY_FILE, folder / CA_CERT_FILE
    if key_path.exists() and cert_path.exists():
        return sm.load_private_key(key_path.read_bytes()), certificate_from_pem(cert_path.read_bytes())
    key = sm.generate_key()
    name = _name(ROOT_CA_NAME)
    cert = issue_certificate(subject=name, subject_key=key, issuer=name, issuer_key=key, ca=True,
                             not_after=datetime.now(timezone.utc) + timedelta(days=3650))
    _write_atomically(key_path, sm.private_key_pem(key), 0o600)
    _write_atomically(cert_path, _pem(cert), 0o644)
    return key, cert


def _is_current(cert_path: Path, name: str, code: str, ca_cert: bytes) -> bool:
    if not cert_path.exists():
        return False
    cert = x509.Certificate.load(certificate_from_pem(cert_path.read_bytes()))
    subject = cert.subject.native
    return (
        cert.issuer == x509.Certificate.load(ca_cert).subject
        and subject.get("common_name") == name
        and subject.get("serial_number") == code
        and cert["tbs_certificate"]["validity"]["not_after"].native > datetime.now(timezone.utc) + timedelta(days=30)
    )


def _department_paths(folder: Path, code: str) -> tuple[Path, Path, Path]:
    base = folder / _DEPARTMENTS_DIR
    return base / f"{code}.key.pem", base / f"{code}.cert.pem", base / f"{code}.seal.der"


def ensure_sm2_pki(keys_dir: Path, departments: Sequence[tuple[str, str]]) -> None:
    """Create (idempotently) the SM2 development CA, and per (code, name) an SM2 key, certificate and seal."""
    folder = Path(keys_dir) / SM2_DIR
    (folder / _DEPARTMENTS_DIR).mkdir(parents=True, exist_ok=True)
    ca_key, ca_cert = _ensure_ca(folder)
    for code, name in departments:
        key_path, cert_path, seal_path = _department_paths(folder, _check_code(code))
        if key_path.exists() and seal_path.exists() and _is_current(cert_path, name, code, ca_cert):
            continue
        key = sm.generate_key()
        cert = issue_certificate(
            subject=_name(name, serial=code), subject_key=key,
            issuer=x509.Certificate.load(ca_cert).subject, issuer_key=ca_key, ca=False,
            not_after=datetime.now(timezone.utc) + timedelta(days=3 * 365),
        )
        seal = make_seal(
            SealProfile(code=code, name=name, signer_certificates=(cert,),
                        valid_from=_DEV_NOT_BEFORE, valid_to=datetime.now(timezone.utc) + timedelta(days=3 * 365)),
            maker_key=ca_key, maker_certificate=ca_cert,
        )
        _write_atomically(key_path, sm.private_key_pem(key), 0o600)
        _write_atomically(cert_path, _pem(cert), 0o644)
        _write_atomically(seal_path, seal, 0o644)


def sm2_trust_roots(settings: Settings) -> list[bytes]:
    """DER certificates trusted for SM2 seals: the development SM2 CA (if any) and REPAIR_SM2_TRUST_ROOTS."""
    paths = [settings.keys_dir / SM2_DIR / CA_CERT_FILE]
    paths = [p for p in paths if p.is_file()] + list(settings.sm2_trust_roots)
    try:
        return [certificate_from_pem(Path(p).read_bytes()) for p in paths]
    except OSError as error:
        raise SealError(f"无法读取 SM2 信任根证书 / cannot read SM2 trust roots: {error}") from error


def _seal_folder(settings: Settings) -> Path:
    return Path(settings.sm2_seal_dir) if settings.sm2_seal_dir else settings.keys_dir / SM2_DIR


def missing_sm2_seals(settings: Settings, codes: Sequence[str]) -> list[str]:
    """The departments whose SM2 key, certificate or seal is not in the seal folder (production or development)."""
    folder = _seal_folder(settings)
    return [code for code in codes if not all(p.is_file() for p in _department_paths(folder, code))]


def load_sm2_signer(dept_code: str, settings: Settings) -> Sm2Signer:
    """The department's SM2 key, certificate and seal (cached per process, reloaded when the files change)."""
    code = _check_code(dept_code)
    folder = _seal_folder(settings)
    paths = _department_paths(folder, code)
    if not all(p.is_file() for p in paths):
        raise SealError(
            f"未找到部门 {code} 的 SM2 签章密钥、证书或印章 / no SM2 key, certificate or seal for department "
            f"{code} in {folder} (run `repair init`)"
        )
    cache_key = tuple((str(p), p.stat().st_mtime_ns) for p in paths)
    signer = _signers.get(cache_key)
    if signer is None:
        key = sm.load_private_key(paths[0].read_bytes())
        cert = certificate_from_pem(paths[1].read_bytes())
        seal = paths[2].read_bytes()
        name = x509.Certificate.load(cert).subject.native.get("common_name", code)
        if parse_seal(seal).signer_certificates and cert not in parse_seal(seal).signer_certificates:
            raise SealError(f"部门 {code} 的印章未列出其签章证书 / the seal of {code} does not list its certificate")
        signer = _signers[cache_key] = Sm2Signer(code=code, name=name, key=key, certificate=cert, seal=seal)
    return signer
