"""Key material: a generated development PKI, production PKCS#12 seals, and a per-process signer cache."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
from pyhanko.sign.signers import SimpleSigner
from pyhanko_certvalidator.registry import SimpleCertificateStore

from repair.config import Settings
from repair.domain.errors import SealError, ValidationError

ROOT_CA_NAME = "某区电子印章测试根CA"
ISSUER_ORG = "某区人民政府"
DEVELOPMENT_UNIT = "开发用 / DEVELOPMENT ONLY"
CA_CERT_FILE = "ca.cert.pem"
_CA_KEY_FILE = "ca.key.pem"
_DEPARTMENTS_DIR = "departments"
# Development certificates start in the past so that demos and tests may seal with a back-dated `at`.
_DEV_NOT_BEFORE = datetime(2020, 1, 1, tzinfo=timezone.utc)
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")

_signers: dict[tuple[str, int, str | None], SimpleSigner] = {}


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


def _name(common_name: str, serial: str | None = None) -> x509.Name:
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, ISSUER_ORG),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, DEVELOPMENT_UNIT),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ]
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


def _is_current(cert_path: Path, name: str, code: str, ca_cert: x509.Certificate) -> bool:
    if not cert_path.exists():
        return False
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    return (
        cert.issuer == ca_cert.subject
        and cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == name
        and cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == code
        and cert.not_valid_after_utc > datetime.now(timezone.utc) + timedelta(days=30)
    )


def ensure_development_pki(keys_dir: Path, departments: Sequence[tuple[str, str]]) -> None:
    """Create (idempotently) a development root CA and an EC P-256 seal key + certificate per (code, name)."""
    keys_dir = Path(keys_dir)
    (keys_dir / _DEPARTMENTS_DIR).mkdir(parents=True, exist_ok=True)
    ca_key, ca_cert = _ensure_ca(keys_dir)
    for code, name in departments:
        key_path, cert_path = _department_paths(keys_dir, _check_code(code))
        if key_path.exists() and _is_current(cert_path, name, code, ca_cert):
            continue
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder().subject_name(_name(name, serial=code)).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(_DEV_NOT_BEFORE)
            .not_valid_after(datetime.now(timezone.utc) + timedelta(days=3 * 365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(digital_signature=True, content_commitment=True), critical=True)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
            )
            .sign(ca_key, hashes.SHA256())
        )
        _save(key_path, cert_path, key, cert)


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
