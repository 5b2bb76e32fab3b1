"""The keys folder shared through the database: pushed by `repair init`, materialised by every node.

Everything under `<instance>/keys/` (development CA, department keys, and whatever else other parts put
there: timestamp and revocation material, SM2 keys) is mirrored, file by file, into `instance_files`,
encrypted with a key derived from REPAIR_SECRET_KEY. A node on PostgreSQL therefore needs only the
database URL and the secret: at start it writes the folder into its own scratch instance.
"""

from __future__ import annotations

import logging

from repair.blobs import vault
from repair.errors import ValidationError

log = logging.getLogger(__name__)


def shared(runtime) -> bool:
    """True when key material is kept in the database (PostgreSQL with a configured secret key)."""
    return runtime.engine.dialect.name == "postgresql" and bool(runtime.settings.secret_key)


def pull_keys(runtime) -> list[str]:
    """Write the stored key files into this node's keys folder (no-op unless `shared`)."""
    if not shared(runtime):
        return []
    written = vault.pull(runtime.engine, runtime.settings.keys_dir, runtime.settings.secret_key)
    if written:
        log.info("materialised %d key files from the database", len(written))
    return written


def push_keys(runtime) -> list[str]:
    """Store this node's key files that are new or changed (no-op unless `shared`)."""
    if not shared(runtime):
        return []
    return vault.push(runtime.engine, runtime.settings.keys_dir, runtime.settings.secret_key)


def require_configured_secret(settings) -> None:
    """`repair serve` / `repair worker` on PostgreSQL need REPAIR_SECRET_KEY: a generated local secret
    would sign sessions differently on every machine and could not decrypt the shared keys."""
    if settings.database_url.startswith("postgres") and not settings.secret_key:
        raise ValidationError("PostgreSQL 部署必须设置 REPAIR_SECRET_KEY（所有节点相同）/ REPAIR_SECRET_KEY must "
                              "be set (the same on every node) when the database is PostgreSQL", "secret_key")
