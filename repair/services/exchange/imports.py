"""Import penalty records and fulfilment facts from a file, and record one fulfilment fact (JSON API).

An import commits batch by batch; each batch's transaction also stores its rejected rows and moves
the run's resume point (`import_runs.last_row`, a count of data rows), so an interrupted import rerun
on the same file (same SHA-256) carries on after the last committed batch and ends exactly as an
uninterrupted one. Valid rows are stored even when others are refused.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from repair.domain.actors import Actor
from repair.domain.penalties import parse_tier_map
from repair.errors import NotFound, TransitionRefused, ValidationError
from repair.exchange.formats import RawRow, detect_format, file_digest, read_table
from repair.exchange.fulfilment_import import NO_RECORD, write_fulfilments
from repair.exchange.records_import import BatchCounts, write_records
from repair.exchange.validation import FULFILMENT_FIELDS, RECORD_COLUMNS, FulfilmentRules, RecordRules, Reject
from repair.services.cases.fulfilment_check import check_records
from repair.services.cases.history import utc_naive
from repair.services.cases.verbs import local_date
from repair.services.setup.departments import authority_keys
from repair.store.import_models import ImportReject, ImportRun
from repair.store.models import Department
from repair.store.uow import UnitOfWork

REJECTS_HEADER = ("row", "field", "value", "reason")
DEFAULT_BATCH = 5000
MAX_BATCH = 5000  # keeps a batch's key lookup under SQLite's bound-parameter limit


@dataclass(frozen=True)
class ImportSummary:
    """The totals of one import run over the whole file (a resumed run includes the earlier batches)."""

    run_id: int
    kind: str
    rows_read: int
    stored: int
    updated: int
    unchanged: int
    rejected: int
    resumed_after: int
    rejects_path: Path

    def line(self) -> str:
        """One bilingual summary line, as printed by `repair import`."""
        resumed = f"（从第 {self.resumed_after} 条之后续导 / resumed）" if self.resumed_after else ""
        rejects = f"，拒绝明细见 / rejects in {self.rejects_path}" if self.rejected else ""
        return (f"导入完成{resumed} / import finished: 读取 read {self.rows_read}，新增 stored {self.stored}，"
                f"更新 updated {self.updated}，未变 unchanged {self.unchanged}，拒绝 rejected {self.rejected}"
                f"{rejects}")


@dataclass(frozen=True)
class _Kind:
    name: str
    fields: tuple  # column names, or the column sets to choose from by header
    rules: type[RecordRules] | type[FulfilmentRules]
    write: Callable[..., BatchCounts]


_RECORDS = _Kind("records", RECORD_COLUMNS, RecordRules, write_records)
_FULFILMENT = _Kind("fulfilment", FULFILMENT_FIELDS, FulfilmentRules,
                    lambda connection, rows, **kw: write_fulfilments(connection, rows, **kw)[0])


def import_records(runtime, path: Path, *, actor: str, now: datetime, fmt: str | None = None,
                   rejects_path: Path | None = None, batch_size: int = DEFAULT_BATCH,
                   progress: Callable[[int], None] | None = None) -> ImportSummary:
    """Import penalty records (upsert by authority and decision number); see docs/import-formats.md."""
    return _import(runtime, _RECORDS, Path(path), actor=actor, now=now, fmt=fmt, rejects_path=rejects_path,
                   batch_size=batch_size, progress=progress)


def import_fulfilment(runtime, path: Path, *, actor: str, now: datetime, fmt: str | None = None,
                      rejects_path: Path | None = None, batch_size: int = DEFAULT_BATCH,
                      progress: Callable[[int], None] | None = None) -> ImportSummary:
    """Import fulfilment facts (idempotent by record, kind and reference), then check the waiting cases.

    See docs/import-formats.md; the check is `repair.services.cases.fulfilment_check.check_records`.
    """
    summary = _import(runtime, _FULFILMENT, Path(path), actor=actor, now=now, fmt=fmt, rejects_path=rejects_path,
                      batch_size=batch_size, progress=progress)
    check_records(runtime, None, now, cause="fulfilment_import")
    return summary


def estimate_rows(path: Path, fmt: str | None = None) -> int:
    """A cheap upper estimate of the data rows in a file (for a progress bar's total)."""
    path = Path(path)
    kind = detect_format(path, fmt)
    if kind == "xlsx":
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True)
        try:
            return max((book.worksheets[0].max_row or 1) - 1, 0)
        finally:
            book.close()
    lines = file_digest(path, kind)[1]
    return max(lines - 1, 0) if kind == "csv" else lines  # the CSV header line holds no data


def _import(runtime, kind: _Kind, path: Path, *, actor: str, now: datetime, fmt: str | None,
            rejects_path: Path | None, batch_size: int,
            progress: Callable[[int], None] | None) -> ImportSummary:
    if not 1 <= batch_size <= MAX_BATCH:
        raise ValidationError(f"批量大小应在 1–{MAX_BATCH} 之间 / batch size must be 1..{MAX_BATCH}", "batch_size")
    target = rejects_path or path.with_name(path.name + ".rejects.csv")
    # A previous run's rejects never outlive this run: removed now, written again only if this run rejects rows.
    _remove_rejects(target)
    fmt = detect_format(path, fmt)
    sha256, _ = file_digest(path, fmt)
    stamp = utc_naive(now)
    with read_table(path, fmt, kind.fields) as rows:
        run_id, resume_after, departments = _open_run(runtime, kind.name, path, sha256, actor, stamp)
        rules = _rules(runtime, kind, departments, local_date(now))
        ordinal, pending = 0, []
        for row in rows:
            ordinal += 1
            if ordinal <= resume_after:
                rules.check(row)  # only to remember its key; its outcome was committed before
                continue
            pending.append(row)
            if len(pending) == batch_size:
                _commit_batch(runtime, kind, rules, pending, ordinal, run_id, actor, stamp)
                pending = []
                if progress:
                    progress(ordinal)
        if pending:
            _commit_batch(runtime, kind, rules, pending, ordinal, run_id, actor, stamp)
        if progress:
            progress(ordinal)
    return _finish(runtime, run_id, kind.name, resume_after, target, stamp)


def _rules(runtime, kind: _Kind, departments: dict, today: date):
    """Row checks; records also map 双公示 处罚机关 to departments and penalty types to tiers (configurable)."""
    if kind.rules is not RecordRules:
        return kind.rules(departments, today)
    try:
        tier_map = parse_tier_map(runtime.settings.tier_map)
    except ValueError as error:
        raise ValidationError(f"REPAIR_TIER_MAP: {error}", "tier_map") from error
    with runtime.uow(read_only=True) as uow:
        authorities = authority_keys(runtime.settings, uow)
    return RecordRules(departments, today, authorities=authorities, tier_map=tier_map)


def _open_run(runtime, kind: str, path: Path, sha256: str, actor: str, stamp: datetime):
    """The interrupted run of this file to resume, or a new one; also the departments (code → channel)."""
    with runtime.uow() as uow:
        departments = dict(uow.session.execute(select(Department.code, Department.channel)).all())
        run = uow.session.scalar(
            select(ImportRun).where(ImportRun.kind == kind, ImportRun.file_sha256 == sha256,
                                    ImportRun.status == "running").order_by(ImportRun.id.desc()).limit(1))
        if run is None:
            run = ImportRun(kind=kind, file_name=path.name[-300:], file_sha256=sha256, actor=actor,
                            status="running", started_at=stamp, last_row=0, rows_read=0, rows_stored=0,
                            rows_updated=0, rows_unchanged=0, rows_rejected=0)
            uow.session.add(run)
            uow.commit()
        return run.id, run.last_row, departments


def _commit_batch(runtime, kind: _Kind, rules, rows: list[RawRow], last_ordinal: int, run_id: int,
                  actor: str, stamp: datetime) -> None:
    valid, rejects = [], []
    for row in rows:
        values, problems = rules.check(row)
        if values is None:
            rejects.extend(problems)
        else:
            valid.append((row.number, values))
    with runtime.uow() as uow:
        counts = kind.write(uow.connection, valid, run_id=run_id, actor=actor, stamp=stamp)
        rejects.extend(counts.rejects)
        if rejects:
            uow.connection.execute(insert(ImportReject), [
                {"import_run_id": run_id, "row": r.row, "field": r.field, "value": str(r.value),
                 "reason": r.reason} for r in rejects])
        run = uow.session.get(ImportRun, run_id)
        run.last_row = last_ordinal
        run.rows_read += len(rows)
        run.rows_stored += counts.stored
        run.rows_updated += counts.updated
        run.rows_unchanged += counts.unchanged
        run.rows_rejected += len({r.row for r in rejects})
        uow.commit()


def _finish(runtime, run_id: int, kind: str, resume_after: int, target: Path,
            stamp: datetime) -> ImportSummary:
    with runtime.uow() as uow:
        run = uow.session.get(ImportRun, run_id)
        run.status, run.finished_at = "finished", stamp
        uow.commit()
        rejects = uow.session.execute(select(ImportReject.row, ImportReject.field, ImportReject.value,
                                             ImportReject.reason).where(ImportReject.import_run_id == run_id)
                                      .order_by(ImportReject.row, ImportReject.id)).all()
        if rejects:
            _write_rejects(target, rejects)
        return ImportSummary(run_id=run.id, kind=kind, rows_read=run.rows_read, stored=run.rows_stored,
                             updated=run.rows_updated, unchanged=run.rows_unchanged,
                             rejected=run.rows_rejected, resumed_after=resume_after, rejects_path=target)


def _remove_rejects(target: Path) -> None:
    try:
        target.unlink(missing_ok=True)
    except OSError as error:
        raise ValidationError(f"无法删除旧的拒绝明细文件 / cannot remove the old rejects file: {target} "
                              f"({error.strerror})", "rejects") from error


def _write_rejects(target: Path, rejects: Iterable) -> None:
    # utf-8-sig: Excel, where these files are read, needs the BOM to show Chinese.
    try:
        with target.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(REJECTS_HEADER)
            writer.writerows(tuple(r) for r in rejects)
    except OSError as error:
        raise ValidationError(f"无法写入拒绝明细文件 / cannot write rejects file: {target} ({error.strerror})",
                              "rejects") from error


@dataclass(frozen=True)
class FulfilmentResult:
    """What `record_fulfilment` did: `outcome` is created, updated or unchanged."""

    fulfilment_id: int
    record_id: int
    outcome: str


def record_fulfilment(uow: UnitOfWork, *, authority_code: str, decision_no: str, kind: str,
                      amount: Decimal | int | str | None, occurred_on: date | str, reference: str,
                      source: str | None, actor: Actor, now: datetime) -> FulfilmentResult:
    """Record one fulfilment fact (fine payment or verified correction); sending it again changes nothing."""
    if actor.role not in ("officer", "admin", "system") or not actor.in_scope(authority_code, ""):
        raise TransitionRefused("无权登记该部门的履行信息 / not allowed to record fulfilment for this authority",
                                ["scope" if actor.role == "officer" else "role"])
    raw = {"authority_code": authority_code, "decision_no": decision_no, "kind": kind, "amount": amount,
           "occurred_on": occurred_on, "reference": reference, "source": source}
    text = {key: "" if value is None else value.isoformat() if isinstance(value, date) else str(value)
            for key, value in raw.items()}
    departments = dict(uow.session.execute(select(Department.code, Department.channel)
                                           .where(Department.code == text["authority_code"].strip())).all())
    values, rejects = FulfilmentRules(departments, local_date(now)).check(RawRow(1, text))
    if values is None:
        raise _as_error(rejects)
    try:
        return _store_fact(uow, values, actor.username, utc_naive(now))
    except IntegrityError:
        # Another writer stored the same (record, kind, reference) first: the retry sees theirs.
        uow.session.rollback()
        return _store_fact(uow, values, actor.username, utc_naive(now))


def _store_fact(uow: UnitOfWork, values: dict, actor: str, stamp: datetime) -> FulfilmentResult:
    counts, written = write_fulfilments(uow.connection, [(1, values)], run_id=None, actor=actor, stamp=stamp)
    if counts.rejects:
        raise _as_error(counts.rejects)
    uow.commit()
    fulfilment_id, record_id = written[0]
    outcome = "created" if counts.stored else "updated" if counts.updated else "unchanged"
    return FulfilmentResult(fulfilment_id=fulfilment_id, record_id=record_id, outcome=outcome)


def _as_error(rejects: list[Reject]) -> ValidationError | NotFound:
    """A missing record is NotFound (HTTP 404); any other refused field a ValidationError naming it."""
    message = "；".join(f"{r.field}: {r.reason}" for r in rejects)
    if rejects[0].reason == NO_RECORD:
        return NotFound(message)
    return ValidationError(message, rejects[0].field)
