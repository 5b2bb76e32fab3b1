"""The interface every blob store offers, and the digest helpers they share."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Iterator, Protocol

from repair.errors import NotFound, ValidationError

# 1 MiB: small enough that a statement or a read never holds much, large enough that a 10 MB upload is 10 rows.
CHUNK_SIZE = 1024 * 1024


class BlobStore(Protocol):
    """Bytes addressed by their SHA-256 (hex); a blob once stored never changes."""

    kind: str

    def put(self, data: bytes) -> str:
        """Store `data` (idempotent) and return its digest."""

    def put_file(self, path: Path) -> str:
        """Store a file's bytes, streaming it (never the whole file in memory); return its digest."""

    def chunks(self, digest: str) -> Iterator[bytes]:
        """The blob's bytes in order, at most CHUNK_SIZE at a time (not checked; see `read`)."""

    def read(self, digest: str) -> bytes:
        """The whole blob, checked against its digest (BlobCorrupt if it does not match)."""

    def exists(self, digest: str) -> bool:
        """True if the blob is stored."""

    def digests(self) -> Iterator[str]:
        """Every stored digest."""


class BlobMissing(NotFound):
    """The blob a row points at is not in the store."""


class BlobCorrupt(ValidationError):
    """A stored blob's bytes no longer match their digest."""

    def __init__(self, digest: str):
        super().__init__(f"文书文件已损坏（哈希不符）/ stored blob {digest} is corrupt", "document")


def missing(digest: str) -> BlobMissing:
    return BlobMissing(f"文件不存在 / blob {digest} is not stored")


def digest_of_file(path: Path) -> str:
    """SHA-256 of a file, read in chunks."""
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK_SIZE), b""):
            sha.update(block)
    return sha.hexdigest()


def assemble(store: BlobStore, digest: str) -> bytes:
    """Read a blob into one buffer chunk by chunk (one copy in memory), checking its digest."""
    sha, buffer = hashlib.sha256(), bytearray()
    for chunk in store.chunks(digest):
        sha.update(chunk)
        buffer += chunk
    if sha.hexdigest() != digest:
        raise BlobCorrupt(digest)
    return bytes(buffer)


def verified_chunks(store: BlobStore, digest: str) -> Iterator[bytes]:
    """Stream a blob and raise BlobCorrupt at the end if the bytes did not match (for large downloads)."""
    sha = hashlib.sha256()
    for chunk in store.chunks(digest):
        sha.update(chunk)
        yield chunk
    if sha.hexdigest() != digest:
        raise BlobCorrupt(digest)
