"""Blob stores: content-addressed bytes (sealed documents, uploads) behind one interface.

`FileStore` keeps files under a folder of the instance (the embedded default); `PostgresStore` keeps
them in the database in chunks, so every node of a cluster sees the same bytes. Both address bytes by
SHA-256, never rewrite a blob and check the digest when reading.
"""

from __future__ import annotations

from repair.blobs.base import CHUNK_SIZE, BlobStore, digest_of_file
from repair.blobs.filesystem import FileStore
from repair.blobs.postgres import PostgresStore

KINDS = ("fs", "postgresql")

__all__ = ["CHUNK_SIZE", "KINDS", "BlobStore", "FileStore", "PostgresStore", "digest_of_file", "open_store"]


def open_store(kind: str, *, folder, engine=None) -> BlobStore:
    """The store of `kind` ("fs": files under `folder`; "postgresql": chunks in `engine`'s database)."""
    if kind == "fs":
        return FileStore(folder)
    if kind == "postgresql":
        if engine is None or engine.dialect.name != "postgresql":
            raise ValueError("PostgreSQL 文件库需要 PostgreSQL 数据库 / "
                             "REPAIR_BLOB_STORE=postgresql needs a PostgreSQL REPAIR_DATABASE_URL")
        return PostgresStore(engine)
    raise ValueError(f"未知的文件库 / REPAIR_BLOB_STORE must be one of {', '.join(KINDS)}, got {kind!r}")
