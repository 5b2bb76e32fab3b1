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


@pytest.mark.postgresql
def test_blobs_migrate_moves_files_into_postgresql_and_checks_every_digest(world, make_record, cli_env, now):
    import json
    import subprocess

    from repair.services.documents.uploads import IncomingFile, add_uploads
    from tests.conftest import actor

    files = world.__class__(world.settings.with_overrides(blob_store="fs"))  # a node from before the cluster
    files.__dict__["workflows"] = world.workflows
    data = b"%PDF-1.4\n% receipt kept on disk\n%%EOF\n"
    with files.uow() as uow:
        add_uploads(files, uow, [IncomingFile("收据.pdf", data)], record_id=make_record(), uscc=actor("ent").uscc,
                    purpose="application", actor=actor("ent"), now=now)
        uow.commit()
    files.dispose()
    digest = hashlib.sha256(data).hexdigest()
    target = blob_store(world, "uploads")
    assert target.kind == "postgresql" and not target.exists(digest)

    def migrate():
        result = subprocess.run([".venv/bin/repair", "blobs", "migrate", "--to", "postgresql", "--json"],
                                env=cli_env, capture_output=True, text=True, timeout=120)
        return result.returncode, json.loads(result.stdout) if result.stdout else result.stderr

    code, first = migrate()
    assert code == 0 and (first["copied"], first["verified"], first["problems"]) == (1, 1, []), first
    assert target.read(digest) == data
    code, again = migrate()  # idempotent: nothing to copy, everything checked again
    assert code == 0 and (again["copied"], again["already_present"], again["verified"]) == (0, 1, 1)
    open_store("fs", folder=world.settings.uploads_dir, engine=None).path(digest).write_bytes(b"changed")
    code, broken = migrate()
    assert code == 1 and any("does not match its digest" in p for p in broken["problems"])
