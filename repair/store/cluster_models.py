"""Shared state for several machines: content-addressed blobs in chunks, and encrypted instance files."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from repair.store.base import Base


class Blob(Base):
    """One stored byte string, addressed by its SHA-256; its bytes are the rows of `blob_chunks`."""

    __tablename__ = "blobs"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    chunks: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class BlobChunk(Base):
    """A slice of a blob (at most 1 MiB) so no statement ever moves a whole document at once."""

    __tablename__ = "blob_chunks"
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class InstanceFile(Base):
    """A file of the instance folder's keys directory, AES-GCM encrypted with a key derived from the secret."""

    __tablename__ = "instance_files"
    path: Mapped[str] = mapped_column(String(255), primary_key=True)
    nonce: Mapped[bytes] = mapped_column(LargeBinary)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    mode: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
