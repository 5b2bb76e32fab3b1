"""The blob stores a runtime uses, and moving existing files into PostgreSQL (`repair blobs migrate`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from repair.blobs import BlobStore, FileStore, digest_of_file, open_store
from repair.blobs.base import BlobCorrupt, verified_chunks
from repair.errors import ValidationError

# Each kind of blob keeps its own folder under the instance with the file store (and shares the table with
# the PostgreSQL one: the address is the content, so identical bytes are stored once).
AREAS = ("documents", "uploads")


def store_kind(settings, engine) -> str:
    """The configured kind, defaulting to PostgreSQL on PostgreSQL and files elsewhere."""
    return settings.blob_store or ("postgresql" if engine.dialect.name == "postgresql" else "fs")


def _folder(settings, area: str):
    return settings.documents_dir if area == "documents" else settings.uploads_dir


def blob_store(runtime, area: str, kind: str | None = None) -> BlobStore:
    """The store for `area` ("documents" or "uploads") of the runtime's configuration (or of `kind`)."""
    cache = runtime.__dict__.setdefault("_blob_stores", {})
    key = (area, kind)
    if key not in cache:
        chosen = kind or store_kind(runtime.settings, runtime.engine)
        cache[key] = open_store(chosen, folder=_folder(runtime.settings, area), engine=runtime.engine)
    return cache[key]


@dataclass
class MigrationReport:
    """What `migrate_blobs` did: blobs copied, already there, and every referenced digest checked."""

    copied: int = 0
    present: int = 0
    verified: int = 0
    problems: list[str] = field(default_factory=list)


def migrate_blobs(runtime, *, to: str, progress=None) -> MigrationReport:
    """Copy every file-store blob into the `to` store, then check every stored and referenced digest.

    Each file is hashed before it is copied (a file whose bytes no longer match its name is reported, not
    copied), read back from the target and hashed again; finally every digest a document or upload row
    names must be readable from the target. Idempotent: a rerun copies nothing and checks again.
    """
    if to != "postgresql":
        raise ValidationError("只能迁移到 PostgreSQL / blobs migrate supports --to postgresql", "to")
    if runtime.engine.dialect.name != "postgresql":
        raise ValidationError("迁移目标需要 PostgreSQL 数据库 / --to postgresql needs a PostgreSQL "
                              "REPAIR_DATABASE_URL", "to")
    report, checked = MigrationReport(), set()
    for area in AREAS:
        source = FileStore(_folder(runtime.settings, area))
        target = blob_store(runtime, area, kind=to)
        for digest in source.digests():
            path = source.path(digest)
            if digest_of_file(path) != digest:
                report.problems.append(f"{area}/{digest}: 文件内容与哈希不符 / file does not match its digest")
                continue
            if target.exists(digest):
                report.present += 1
            else:
                target.put_file(path)
                report.copied += 1
            _check(target, area, digest, report)
            checked.add((area, digest))
            if progress:
                progress(area, digest)
    for area, digest in _referenced(runtime):
        if (area, digest) not in checked:
                _check(blob_store(runtime, area, kind=to), area, digest, report)
    return report


def _check(store: BlobStore, area: str, digest: str, report: MigrationReport) -> None:
    try:
        for _ in verified_chunks(store, digest):  # streamed: a large blob is never held whole
            pass
        report.verified += 1
    except BlobCorrupt:
        report.problems.append(f"{area}/{digest}: 目标中的内容与哈希不符 / target bytes do not match")
    except Exception as error:  # noqa: BLE001 - a missing blob is a finding, not a crash
        report.problems.append(f"{area}/{digest}: {error}")


def _referenced(runtime):
    from repair.store.document_models import Document
    from repair.store.upload_models import Upload

    with runtime.uow(read_only=True) as uow:
        documents = list(uow.session.scalars(select(Document.sha256).where(Document.sha256.is_not(None)).distinct()))
        ofds = uow.session.scalars(select(Document.ofd_sha256).where(Document.ofd_sha256.is_not(None)).distinct())
        uploads = uow.session.scalars(select(Upload.sha256).distinct())
        return [("documents", d) for d in [*documents, *ofds]] + [("uploads", d) for d in uploads]
