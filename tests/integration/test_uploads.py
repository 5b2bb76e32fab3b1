"""Uploaded materials: type from the content, 10 MB limit, stored under their SHA-256."""

import hashlib

import pytest

from repair.errors import NotFound, ValidationError
from repair.services.cluster.blobs import blob_store
from repair.services.documents.issuing import read_blob
from repair.services.documents.uploads import (
    MAX_UPLOAD_BYTES,
    IncomingFile,
    add_uploads,
    check_files,
    sniff,
    upload_for,
)
from tests.conftest import actor

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
EXE = b"MZ\x90\x00" + b"\x00" * 32


def test_type_comes_from_the_bytes_not_the_name():
    assert sniff(PDF) == "application/pdf"
    assert sniff(PNG) == "image/png"
    assert sniff(JPEG) == "image/jpeg"
    assert sniff(EXE) is None
    checked = check_files([IncomingFile("scan.pdf", PNG)])
    assert checked[0][1] == "image/png"
    with pytest.raises(ValidationError) as refused:
        check_files([IncomingFile("receipt.pdf", EXE)])
    assert refused.value.field == "files" and "不是 PDF、JPEG 或 PNG" in str(refused.value)


def test_size_limit_is_ten_megabytes():
    check_files([IncomingFile("big.pdf", PDF + b"0" * (MAX_UPLOAD_BYTES - len(PDF)))])
    with pytest.raises(ValidationError, match="超过 10 MB.*10 MB limit"):
        check_files([IncomingFile("big.pdf", PDF + b"0" * (MAX_UPLOAD_BYTES + 1 - len(PDF)))])


def test_stored_by_sha256_and_only_the_owner_reads_it(world, make_record, now):
    record_id = make_record()
    with world.uow() as uow:
        rows = add_uploads(world, uow, [IncomingFile("C:\\fakepath\\收据.pdf", PDF), IncomingFile("", b"")],
                           record_id=record_id, uscc=actor("ent").uscc, purpose="application",
                           actor=actor("ent"), now=now)
        uow.commit()
        upload_id, digest, filename = rows[0].id, rows[0].sha256, rows[0].filename
    assert len(rows) == 1 and filename == "收据.pdf"
    assert digest == hashlib.sha256(PDF).hexdigest()
    store = blob_store(world, "uploads")  # files under the instance on SQLite, the blobs table on PostgreSQL
    assert list(store.digests()) == [digest] and read_blob(world, digest, area="uploads") == PDF
    view, data = upload_for(world, upload_id, actor("ent"))
    assert data == PDF and view["content_type"] == "application/pdf" and view["size"] == len(PDF)
    with pytest.raises(NotFound):
        upload_for(world, upload_id, actor("other_ent"))
    with pytest.raises(NotFound):
        upload_for(world, upload_id + 99, actor("ent"))
