"""Materials enterprises upload: type checked from the content, size-limited, stored by SHA-256.

The bytes go to the configured blob store's uploads area (`<instance>/uploads/` with the file store, the
shared `blobs` table on PostgreSQL) through `issuing.store_blob` (content-addressed, never rewritten) before
the row is written, so a rolled-back transaction leaves at most an unreferenced blob,
never a row without its bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from repair.config import Settings
from repair.domain.actors import Actor
from repair.errors import NotFound, ValidationError
from repair.services.cases.history import utc_naive
from repair.services.documents.issuing import read_blob, store_blob
from repair.store.models import Case
from repair.store.uow import UnitOfWork
from repair.store.upload_models import Upload

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_FILES = 10
PURPOSES = ("application", "supplement")
# The browser's content type and the file name are the sender's claims; the leading bytes are evidence.
SIGNATURES = ((b"%PDF-", "application/pdf"), (b"\xff\xd8\xff", "image/jpeg"),
              (b"\x89PNG\r\n\x1a\n", "image/png"))


@dataclass(frozen=True)
class IncomingFile:
    """A file as received: the name the sender gave and its bytes (possibly cut at the size limit + 1)."""

    filename: str
    data: bytes


def uploads_dir(settings: Settings) -> Path:
    """Where uploaded bytes are kept with the file store (content-addressed)."""
    return settings.uploads_dir


def sniff(data: bytes) -> str | None:
    """The content type the bytes really have (PDF, JPEG or PNG), else None."""
    return next((kind for magic, kind in SIGNATURES if data.startswith(magic)), None)


def check_files(files: list[IncomingFile]) -> list[tuple[IncomingFile, str]]:
    """Each non-empty file with its sniffed type; ValidationError (field "files") names the first bad one."""
    chosen = [f for f in files if f.filename or f.data]
    if len(chosen) > MAX_FILES:
        raise ValidationError(f"每次最多上传 {MAX_FILES} 个文件 / at most {MAX_FILES} files per submission", "files")
    checked = []
    for f in chosen:
        name = f.filename or "未命名文件"
        if not f.data:
            raise ValidationError(f"文件「{name}」是空文件 / file {name!r} is empty", "files")
        if len(f.data) > MAX_UPLOAD_BYTES:
            raise ValidationError(f"文件「{name}」超过 10 MB 上限 / file {name!r} exceeds the 10 MB limit", "files")
        kind = sniff(f.data)
        if kind is None:
            raise ValidationError(f"文件「{name}」不是 PDF、JPEG 或 PNG 文件（按文件内容判断）/ "
                                  f"file {name!r} is not a PDF, JPEG or PNG (checked by content)", "files")
        checked.append((f, kind))
    return checked


def add_uploads(runtime, uow: UnitOfWork, files: list[IncomingFile], *, record_id: int, uscc: str,
                purpose: str, actor: Actor, now: datetime, case_id: int | None = None) -> list[Upload]:
    """Check and store the files and add their rows to the caller's transaction (the caller commits)."""
    if purpose not in PURPOSES:
        raise ValidationError(f"未知的材料用途 / unknown purpose {purpose!r}", "purpose")
    rows = []
    for f, kind in check_files(files):
        digest = store_blob(runtime, f.data, area="uploads")
        rows.append(Upload(record_id=record_id, case_id=case_id, uscc=uscc, purpose=purpose,
                           filename=_clean_name(f.filename), content_type=kind, size=len(f.data),
                           sha256=digest, uploaded_by=actor.username, uploaded_at=utc_naive(now)))
    uow.session.add_all(rows)
    uow.flush()
    return rows


def upload_view(upload: Upload) -> dict:
    """An upload as plain data."""
    return {"id": upload.id, "purpose": upload.purpose, "filename": upload.filename,
            "content_type": upload.content_type, "size": upload.size, "sha256": upload.sha256,
            "uploaded_by": upload.uploaded_by,
            "uploaded_at": upload.uploaded_at.isoformat(timespec="seconds"),
            "case_id": upload.case_id}


def case_uploads(uow: UnitOfWork, case_id: int) -> list[dict]:
    """Every upload linked to a case, oldest first."""
    rows = uow.session.scalars(select(Upload).where(Upload.case_id == case_id).order_by(Upload.id))
    return [upload_view(u) for u in rows]


def upload_for(runtime, upload_id: int, actor: Actor) -> tuple[dict, bytes]:
    """An upload and its bytes if `actor` may see it (its enterprise, the case's department, auditors)."""
    with runtime.uow(read_only=True) as uow:
        upload = uow.session.get(Upload, upload_id)
        department = None
        if upload is not None and upload.case_id is not None:
            department = uow.session.scalar(select(Case.department_code).where(Case.id == upload.case_id))
        allowed = upload is not None and (
            actor.role in ("auditor", "admin") or actor.in_scope(department or "", upload.uscc))
        if not allowed:
            # Never reveal whether another party's upload exists.
            raise NotFound(f"材料不存在 / no upload {upload_id}")
        view = upload_view(upload)
    data = read_blob(runtime, view["sha256"], area="uploads")
    return view, data


def _clean_name(filename: str) -> str:
    # Keep only the last path component: browsers may send "C:\\fakepath\\x.pdf".
    base = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return (base or "未命名文件")[:255]
