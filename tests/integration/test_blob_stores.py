"""Blob stores behind one interface: the file store everywhere, the PostgreSQL store on PostgreSQL."""

from __future__ import annotations

import hashlib
import os

import pytest

from repair.blobs import CHUNK_SIZE, open_store
from repair.blobs.base import BlobCorrupt, BlobMissing
from repair.services.cluster.blobs import blob_store, store_kind

KINDS = ["fs", "postgresql"] if os.environ.get("REPAIR_TEST_DATABASE_URL") else ["fs"]


@pytest.fixture(params=KINDS)
def store(request, runtime, tmp_path):
    return open_store(request.param, folder=tmp_path / "blobs", engine=runtime.engine)


def test_bytes_come_back_by_their_digest_in_chunks(store, tmp_path):
    data = os.urandom(2 * CHUNK_SIZE + 123)
    digest = store.put(data)
    assert digest == hashlib.sha256(data).hexdigest()
    assert store.put(data) == digest  # idempotent: stored once
    assert store.exists(digest) and store.read(digest) == data
    chunks = list(store.chunks(digest))
    assert [len(c) for c in chunks] == [CHUNK_SIZE, CHUNK_SIZE, 123]
    source = tmp_path / "big.bin"
    source.write_bytes(data[:CHUNK_SIZE + 1])
    streamed = store.put_file(source)
    assert store.read(streamed) == data[:CHUNK_SIZE + 1]
    assert store.read(store.put(b"")) == b""
    assert set(store.digests()) == {digest, streamed, hashlib.sha256(b"").hexdigest()}


def test_a_missing_blob_is_named(store):
    with pytest.raises(BlobMissing):
        store.read("0" * 64)
    assert not store.exists("0" * 64)


def test_changed_bytes_are_refused(store, runtime):
    digest = store.put(b"%PDF-1.4 original bytes")
    if store.kind == "fs":
        store.path(digest).write_bytes(b"%PDF-1.4 changed bytes!")
    else:
        with runtime.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE blob_chunks SET data = 'changed'::bytea WHERE sha256 = %(d)s", {"d": digest})
    with pytest.raises(BlobCorrupt, match="哈希不符"):
        store.read(digest)


def test_the_default_follows_the_database(runtime):
    expected = "postgresql" if runtime.engine.dialect.name == "postgresql" else "fs"
    assert store_kind(runtime.settings, runtime.engine) == expected
    assert blob_store(runtime, "documents").kind == expected


def test_postgresql_store_needs_postgresql(tmp_path):
    from repair.store.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(ValueError, match="needs a PostgreSQL"):
        open_store("postgresql", folder=tmp_path, engine=engine)
    with pytest.raises(ValueError, match="must be one of"):
        open_store("s3", folder=tmp_path, engine=engine)
    engine.dispose()
