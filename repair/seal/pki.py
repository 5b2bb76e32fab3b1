"""Key material: a generated development PKI, production PKCS#12 seals, and a per-process signer cache."""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID
from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
from pyhanko.sign.signers import SimpleSigner
from pyhanko_certvalidator.registry import SimpleCertificateStore

from repair.config import Settings
from repair.errors import SealError, ValidationError

ROOT_CA_NAME = "某区电子印章测试根CA"
ISSUER_ORG = "某区人民政府"
DEVELOPMENT_UNIT = "开发用 / DEVELOPMENT ONLY"
CA_CERT_FILE = "ca.cert.pem"
_CA_KEY_FILE = "ca.key.pem"
TSA_FILES = ("tsa.key.pem", "tsa.cert.pem")
OCSP_FILES = ("ocsp.key.pem", "ocsp.cert.pem")
CRL_FILE = "ca.crl"
REVOCATIONS_FILE = "revocations.json"
_DEPARTMENTS_DIR = "departments"
# Where the development certificates say their OCSP responder and CRL live: the `/pki/…` routes of
# `repair serve` on its default address. Our own validation answers these in-process (repair.seal.authority).
DEV_PKI_BASE_URL = "http://127.0.0.1:8000/pki"
# The CA and the service certificates start in the past so that tests may verify "as of" earlier times;
# department certificates start at their issuance (issue 11: notBefore is the issuance time).
_DEV_NOT_BEFORE = datetime(2020, 1, 1, tzinfo=timezone.utc)
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")

_signers: dict[tuple[str, int, str | None], SimpleSigner] = {}


@dataclass(frozen=True)
class SealIdentity:
    """Who a department seal certificate names: code, full legal name, USCC and district.

    Built by the caller from the department configuration (or, lacking it, the department rows);
    `uscc` goes into organizationIdentifier, `district` into localityName.
    """

    code: str
    name: str
    uscc: str | None = None
    district: str | None = None


def _identity(item) -> SealIdentity:
    return item if isinstance(item, SealIdentity) else SealIdentity(*item)


def _check_code(code: str) -> str:
    if not _CODE.match(code):
        raise ValidationError(f"部门代码无效 / invalid department code: {code!r}", field="department")
    return code


def _write_atomically(path: Path, data: bytes, mode: int) -> None:
    # Several worker processes may look at keys_dir at once: never expose a half-written file.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def _name(common_name: str, serial: str | None = None, identity: SealIdentity | None = None) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "CN")]
    if identity is not None and identity.district:
        attributes.append(x509.NameAttribute(NameOID.LOCALITY_NAME, identity.district))
    organisation = identity.name if identity is not None else ISSUER_ORG
    attributes += [
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, DEVELOPMENT_UNIT),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ]
    if identity is not None and identity.uscc:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, identity.uscc))
    if serial is not None:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial))
    return x509.Name(attributes)


def _key_usage(**enabled: bool) -> x509.KeyUsage:
    names = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
             "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only")
    return x509.KeyUsage(**{name: enabled.get(name, False) for name in names})


def _save(key_path: Path, cert_path: Path, key, cert: x509.Certificate) -> None:
    pem_key = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    _write_atomically(key_path, pem_key, 0o600)
    _write_atomically(cert_path, cert.public_bytes(serialization.Encoding.PEM), 0o644)


def _ensure_ca(keys_dir: Path):
    key_path, cert_path = keys_dir / _CA_KEY_FILE, keys_dir / CA_CERT_FILE
    if key_path.exists() and cert_path.exists():
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        return key, x509.load_pem_x509_certificate(cert_path.read_bytes())
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(ROOT_CA_NAME)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(_DEV_NOT_BEFORE).not_valid_after(datetime.now(timezone.utc) + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _save(key_path, cert_path, key, cert)
    return key, cert


def _revocation_pointers(base_url: str) -> list[tuple[x509.ExtensionType, bool]]:
    """AIA (OCSP responder) and CRL distribution point of a certificate issued by the development CA."""
    return [
        (x509.AuthorityInformationAccess([x509.AccessDescription(
            AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(f"{base_url}/ocsp"))]), False),
        (x509.CRLDistributionPoints([x509.DistributionPoint(
            [x509.UniformResourceIdentifier(f"{base_url}/crl")], None, None, None)]), False),
    ]


def _issue(ca_key, ca_cert, subject: x509.Name, *, not_before: datetime, days: int,
           extensions: list[tuple[x509.ExtensionType, bool]]):
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(ca_cert.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(not_before).not_valid_after(datetime.now(timezone.utc) + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return key, builder.sign(ca_key, hashes.SHA256())


def _ensure_services(keys_dir: Path, ca_key, ca_cert, base_url: str) -> None:
    """The timestamp authority and OCSP responder keys, both certified by the development CA."""
    tsa_key, tsa_cert = (keys_dir / f for f in TSA_FILES)
    if not (tsa_key.exists() and tsa_cert.exists()):
        key, cert = _issue(ca_key, ca_cert, _name("某区电子印章测试时间戳服务 TSA"), not_before=_DEV_NOT_BEFORE,
                           days=3650, extensions=[
                               (_key_usage(digital_signature=True, content_commitment=True), True),
                               # RFC 3161 §2.3: the TSA certificate has exactly this EKU, marked critical.
                               (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), True),
                               *_revocation_pointers(base_url)])
        _save(tsa_key, tsa_cert, key, cert)
    ocsp_key, ocsp_cert = (keys_dir / f for f in OCSP_FILES)
    if not (ocsp_key.exists() and ocsp_cert.exists()):
        key, cert = _issue(ca_key, ca_cert, _name("某区电子印章测试 OCSP 响应器"), not_before=_DEV_NOT_BEFORE,
                           days=3650, extensions=[
                               (_key_usage(digital_signature=True), True),
                               (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), False),
                               # RFC 6960 §4.2.2.2.1: the responder's own certificate is not checked.
                               (x509.OCSPNoCheck(), False)])
        _save(ocsp_key, ocsp_cert, key, cert)


def _attribute(cert: x509.Certificate, oid) -> str | None:
    values = cert.subject.get_attributes_for_oid(oid)
    return values[0].value if values else None


def _is_current(cert_path: Path, identity: SealIdentity, ca_cert: x509.Certificate) -> bool:
    if not cert_path.exists():
        return False
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    return (
        cert.issuer == ca_cert.subject
        and _attribute(cert, NameOID.COMMON_NAME) == identity.name
        and _attribute(cert, NameOID.SERIAL_NUMBER) == identity.code
        and _attribute(cert, NameOID.ORGANIZATION_IDENTIFIER) == (identity.uscc or None)
        and _attribute(cert, NameOID.LOCALITY_NAME) == (identity.district or None)
        and cert.not_valid_after_utc > datetime.now(timezone.utc) + timedelta(days=30)
        and not is_revoked(cert_path.parent.parent, cert.serial_number)
    )


def _issue_department(keys_dir: Path, ca_key, ca_cert, identity: SealIdentity, base_url: str) -> None:
    key_path, cert_path = _department_paths(keys_dir, identity.code)
    key, cert = _issue(ca_key, ca_cert, _name(identity.name, serial=identity.code, identity=identity),
                       not_before=datetime.now(timezone.utc).replace(microsecond=0), days=3 * 365, extensions=[
                           (_key_usage(digital_signature=True, content_commitment=True), True),
                           *_revocation_pointers(base_url)])
    _save(key_path, cert_path, key, cert)


def ensure_development_pki(keys_dir: Path, departments: Sequence[SealIdentity | tuple[str, str]],
                           *, base_url: str = DEV_PKI_BASE_URL) -> None:
    """Create (idempotently) the development PKI under `keys_dir`.

    A root CA, a timestamp authority and an OCSP responder certified by it, and an EC P-256 seal key and
    certificate per department (`SealIdentity` or `(code, name)`), re-issued when the identity changed,
    the certificate nears expiry or was revoked.
    """
    keys_dir = Path(keys_dir)
    (keys_dir / _DEPARTMENTS_DIR).mkdir(parents=True, exist_ok=True)
    ca_key, ca_cert = _ensure_ca(keys_dir)
    _ensure_services(keys_dir, ca_key, ca_cert, base_url)
    for identity in map(_identity, departments):
        key_path, cert_path = _department_paths(keys_dir, _check_code(identity.code))
        if key_path.exists() and _is_current(cert_path, identity, ca_cert):
            continue
        _issue_department(keys_dir, ca_key, ca_cert, identity, base_url)


@dataclass(frozen=True)
class Revocation:
    """One revoked development certificate: serial, department, when, why (RFC 5280 reason code)."""

    serial: int
    department: str
    revoked_at: datetime
    reason: str
    reason_code: str = "key_compromise"
    by: str = ""


def revocations(keys_dir: Path) -> tuple[Revocation, ...]:
    """Every revocation recorded in the development PKI, oldest first."""
    path = Path(keys_dir) / REVOCATIONS_FILE
    if not path.is_file():
        return ()
    return tuple(
        Revocation(int(item["serial"]), item["department"], datetime.fromisoformat(item["revoked_at"]),
                   item["reason"], item.get("reason_code", "key_compromise"), item.get("by", ""))
        for item in json.loads(path.read_text(encoding="utf-8"))
    )


def is_revoked(keys_dir: Path, serial: int) -> bool:
    """Whether the development CA has revoked the certificate with this serial number."""
    return any(r.serial == serial for r in revocations(keys_dir))


REASON_CODES = ("key_compromise", "affiliation_changed", "superseded", "cessation_of_operation")


def revoke_department_key(keys_dir: Path, identity: SealIdentity | tuple[str, str], *, reason: str,
                          now: datetime, reason_code: str = "key_compromise", by: str = "",
                          base_url: str = DEV_PKI_BASE_URL) -> Revocation:
    """Revoke the department's current development certificate as of `now` and issue a new key.

    The revocation is recorded in `revocations.json` (the OCSP responder and the CRL read it); `now` is
    truncated to whole seconds because CRL times carry no fractions (RFC 5280 §4.1.2.5.2).
    """
    identity = _identity(identity)
    keys_dir = Path(keys_dir)
    if not reason or not reason.strip():
        raise ValidationError("吊销必须说明理由 / a revocation needs a reason", field="reason")
    if reason_code not in REASON_CODES:
        raise ValidationError(f"吊销原因代码无效 / reason code must be one of {', '.join(REASON_CODES)}",
                              field="reason_code")
    key_path, cert_path = _department_paths(keys_dir, _check_code(identity.code))
    if not cert_path.is_file():
        raise SealError(f"部门 {identity.code} 没有开发用签章证书 / no development certificate for {identity.code}")
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    record = Revocation(cert.serial_number, identity.code, now.astimezone(timezone.utc).replace(microsecond=0),
                        reason.strip(), reason_code, by)
    entries = [
        {"serial": str(r.serial), "department": r.department, "revoked_at": r.revoked_at.isoformat(),
         "reason": r.reason, "reason_code": r.reason_code, "by": r.by}
        for r in (*revocations(keys_dir), record)
    ]
    _write_atomically(keys_dir / REVOCATIONS_FILE,
                      json.dumps(entries, ensure_ascii=False, indent=1).encode("utf-8"), 0o644)
    ca_key, ca_cert = _ensure_ca(keys_dir)
    _issue_department(keys_dir, ca_key, ca_cert, identity, base_url)
    return record


def certificate_identity(keys_dir: Path, code: str) -> SealIdentity | None:
    """The identity named by the department's current development certificate (None if it has none)."""
    cert_path = _department_paths(Path(keys_dir), _check_code(code))[1]
    if not cert_path.is_file():
        return None
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    return SealIdentity(code, _attribute(cert, NameOID.COMMON_NAME) or code,
                        _attribute(cert, NameOID.ORGANIZATION_IDENTIFIER), _attribute(cert, NameOID.LOCALITY_NAME))


def _department_paths(keys_dir: Path, code: str) -> tuple[Path, Path]:
    folder = keys_dir / _DEPARTMENTS_DIR
    return folder / f"{code}.key.pem", folder / f"{code}.cert.pem"


def _cached(path: Path, load, password: str | None = None) -> SimpleSigner:
    # Keyed on mtime (and passphrase) so that replaced key material is picked up without a restart.
    key = (str(path), path.stat().st_mtime_ns, password)
    signer = _signers.get(key)
    if signer is None:
        signer = _signers[key] = load()
    return signer


def _load_p12(path: Path, password: str | None) -> SimpleSigner:
    try:
        return SimpleSigner.load_pkcs12_data(
            path.read_bytes(), other_certs=(), passphrase=password.encode() if password else None
        )
    except ValueError as error:
        raise SealError(f"无法读取签章证书 {path.name}（密码错误或文件损坏） / cannot load PKCS#12 {path}") from error


def _load_development(keys_dir: Path, code: str) -> SimpleSigner:
    key_path, cert_path = _department_paths(keys_dir, code)
    registry = SimpleCertificateStore.from_certs([load_cert_from_pemder(str(keys_dir / CA_CERT_FILE))])
    return SimpleSigner(
        signing_key=load_private_key_from_pemder(str(key_path), passphrase=None),
        signing_cert=load_cert_from_pemder(str(cert_path)),
        cert_registry=registry,
    )


def load_signer(dept_code: str, settings: Settings) -> SimpleSigner:
    """The department's cached signer: `<seal_p12_dir>/<CODE>.p12` if configured, else the development key."""
    code = _check_code(dept_code)
    if settings.seal_p12_dir is not None:
        path = Path(settings.seal_p12_dir) / f"{code}.p12"
        if not path.is_file():
            raise SealError(f"未找到部门 {code} 的签章证书 / no seal certificate {path}")
        return _cached(path, lambda: _load_p12(path, settings.seal_p12_password), settings.seal_p12_password)
    key_path, cert_path = _department_paths(settings.keys_dir, code)
    if not (key_path.is_file() and cert_path.is_file() and (settings.keys_dir / CA_CERT_FILE).is_file()):
        raise SealError(
            f"未找到部门 {code} 的开发用签章密钥，请先初始化 / no development seal key for department {code} "
            f"in {settings.keys_dir} (run ensure_development_pki / `repair init`)"
        )
    return _cached(cert_path, lambda: _load_development(settings.keys_dir, code))
