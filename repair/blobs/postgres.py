"""Blobs in PostgreSQL: a `blobs` row per digest and its bytes in 1 MiB `blob_chunks` rows.

Writing happens in its own short transaction before the row that references the blob is committed —
the same contract as the file store's atomic rename: a rolled-back step leaves at most an unreferenced
blob, never a reference without bytes. Reading streams the chunks through a server-side cursor, so a
download never holds more than one chunk besides the caller's buffer.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator

from sqlalchemy import Engine, text

from repair.blobs.base import CHUNK_SIZE, assemble, digest_of_file, missing

_CLAIM = text("INSERT INTO blobs (sha256, size, chunks, created_at) VALUES (:d, :size, :n, :at) "
              "ON CONFLICT (sha256) DO NOTHING RETURNING sha256")
_CHUNK = text("INSERT INTO blob_chunks (sha256, seq, data) VALUES (:d, :seq, :data)")
_CHUNKS = text("SELECT data FROM blob_chunks WHERE sha256 = :d ORDER BY seq")
_EXISTS = text("SELECT chunks FROM blobs WHERE sha256 = :d")


class PostgresStore:
    """Content-addressed blobs shared by every node of a cluster."""

    kind = "postgresql"

    def __init__(self, engine: Engine):
        self.engine = engine

    def put(self, data: bytes) -> str:
        """Store `data` in chunks (memoryview slices: no copy of the whole) unless it is already stored."""
        digest = hashlib.sha256(data).hexdigest()
        view = memoryview(data)
        self._store(digest, len(data), (view[i:i + CHUNK_SIZE] for i in range(0, len(data), CHUNK_SIZE)))
        return digest

    def put_file(self, path: Path) -> str:
        """Stream a file in: one pass for the digest, one pass writing chunk by chunk."""
        digest = digest_of_file(path)
        size = Path(path).stat().st_size
        with open(path, "rb") as handle:
            self._store(digest, size, iter(lambda: handle.read(CHUNK_SIZE), b""))
        return digest

    def _store(self, digest: str, size: int, chunks: Iterable) -> None:
        count = max(1, -(-size // CHUNK_SIZE))
        with self.engine.begin() as conn:
            # The claim row serialises writers of the same digest: a second writer waits for the first
            # to commit, then finds the row and writes nothing.
            claimed = conn.execute(_CLAIM, {"d": digest, "size": size, "n": count,
                                            "at": datetime.now(timezone.utc).replace(tzinfo=None)}).first()
            if claimed is None:
                return
            seq = 0
            for seq, chunk in enumerate(chunks):
                conn.execute(_CHUNK, {"d": digest, "seq": seq, "data": bytes(chunk)})
            if size == 0:
                conn.execute(_CHUNK, {"d": digest, "seq": 0, "data": b""})

    def chunks(self, digest: str) -> Iterator[bytes]:
        """The blob's chunks in order, fetched one at a time (server-side cursor)."""
        with self.engine.connect() as conn:
            if conn.execute(_EXISTS, {"d": digest}).first() is None:
                raise missing(digest)
            result = conn.execution_options(stream_results=True, yield_per=1).execute(_CHUNKS, {"d": digest})
            for (data,) in result:
                yield bytes(data)

    def read(self, digest: str) -> bytes:
        """The whole blob, checked against its digest."""
        return assemble(self, digest)

    def exists(self, digest: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(_EXISTS, {"d": digest}).first() is not None

    def digests(self) -> Iterator[str]:
        with self.engine.connect() as conn:
            yield from conn.execute(text("SELECT sha256 FROM blobs ORDER BY sha256")).scalars()
