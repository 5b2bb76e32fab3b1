"""A folder of the instance kept in the database, encrypted with a key derived from the secret key.

`repair init` generates the development CA, department keys and whatever else belongs under the keys
folder; on PostgreSQL every file of that folder is pushed here (AES-256-GCM, the relative path bound as
associated data), and each node materialises the folder into its own scratch instance at start. The
layer knows nothing of what the files are, so new kinds of key material need no change here.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Engine, text

from repair.errors import ValidationError

_INFO = b"repair instance files v1"
_ROWS = text("SELECT path, nonce, ciphertext, sha256, mode FROM instance_files ORDER BY path")
_DIGESTS = text("SELECT path, sha256 FROM instance_files")
_UPSERT = text("INSERT INTO instance_files (path, nonce, ciphertext, sha256, mode, updated_at) "
               "VALUES (:path, :nonce, :ciphertext, :sha256, :mode, :at) ON CONFLICT (path) DO UPDATE SET "
               "nonce = EXCLUDED.nonce, ciphertext = EXCLUDED.ciphertext, sha256 = EXCLUDED.sha256, "
               "mode = EXCLUDED.mode, updated_at = EXCLUDED.updated_at")


def _cipher(secret: str) -> AESGCM:
    if not secret:
        raise ValidationError("需要 REPAIR_SECRET_KEY 才能加密共享密钥 / "
                              "REPAIR_SECRET_KEY is needed to keep key material in the database", "secret_key")
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret.encode())
    return AESGCM(key)


def _files(folder: Path):
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.name.startswith(".") and ".tmp" not in path.name:
            yield path.relative_to(folder).as_posix(), path


def push(engine: Engine, folder: Path, secret: str) -> list[str]:
    """Store every file of `folder` whose bytes differ from the stored copy; returns the paths written."""
    cipher, folder = _cipher(secret), Path(folder)
    if not folder.is_dir():
        return []
    written = []
    with engine.begin() as conn:
        stored = dict(conn.execute(_DIGESTS).all())
        for name, path in _files(folder):
            data = path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            if stored.get(name) == digest:
                continue
            nonce = os.urandom(12)
            conn.execute(_UPSERT, {"path": name, "nonce": nonce, "sha256": digest,
                                   "ciphertext": cipher.encrypt(nonce, data, name.encode()),
                                   "mode": path.stat().st_mode & 0o777,
                                   "at": datetime.now(timezone.utc).replace(tzinfo=None)})
            written.append(name)
    return written


def pull(engine: Engine, folder: Path, secret: str) -> list[str]:
    """Write every stored file into `folder` (atomically) where the local copy is absent or differs."""
    cipher, folder = _cipher(secret), Path(folder)
    written = []
    with engine.connect() as conn:
        rows = conn.execute(_ROWS).all()
    for name, nonce, ciphertext, digest, mode in rows:
        target = folder / name
        if folder.resolve() not in target.resolve().parents:
            raise ValidationError(f"共享文件路径无效 / stored instance file {name!r} escapes the folder", "path")
        if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == digest:
            continue
        try:
            data = cipher.decrypt(bytes(nonce), bytes(ciphertext), name.encode())
        except InvalidTag:
            raise ValidationError("REPAIR_SECRET_KEY 无法解密数据库中的密钥（密钥不一致？）/ REPAIR_SECRET_KEY "
                                  "does not decrypt the key material stored in the database", "secret_key") from None
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, prefix=".", delete=False) as handle:
            handle.write(data)
        os.chmod(handle.name, mode or 0o600)
        os.replace(handle.name, target)
        written.append(name)
    return written


def stored_paths(engine: Engine) -> list[str]:
    """The relative paths kept in the database."""
    with engine.connect() as conn:
        return [row[0] for row in conn.execute(_DIGESTS).all()]
