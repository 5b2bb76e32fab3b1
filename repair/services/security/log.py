"""The security log: append-only, one SHA-256 chain over all events, read and exported by the audit administrator.

Appending takes the `security_log` counter row (locked until commit), so concurrent writers chain in order on
PostgreSQL as on SQLite; the event commits or rolls back with the action it records.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from repair.domain.history import GENESIS
from repair.domain.seclog import KINDS, SecurityFacts, chain_hash, chain_problems
from repair.store.counters import next_value
from repair.store.models import Counter
from repair.store.security_models import SecurityEvent
from repair.store.uow import UnitOfWork

COUNTER = "security_log"
RETENTION = timedelta(days=180)  # GB/T 22239 8.1.4.3 d): kept at least six months; nothing ever deletes rows
BATCH = 5000


def record(uow: UnitOfWork, kind: str, *, actor: str, subject: str = "", ip: str = "", now: datetime,
           **detail) -> None:
    """Append one event to the chain in the caller's transaction (the caller commits)."""
    if kind not in KINDS:
        raise ValueError(f"unknown security event kind {kind!r}")
    seq = next_value(uow, COUNTER)
    prev = GENESIS if seq == 1 else uow.session.scalar(select(SecurityEvent.hash).where(SecurityEvent.seq == seq - 1))
    facts = SecurityFacts(seq=seq, at=_naive(now), kind=kind, actor=actor[:64], subject=(subject or "")[:64],
                          ip=(ip or "")[:45], detail={k: v for k, v in detail.items() if v is not None})
    uow.session.add(SecurityEvent(seq=seq, at=facts.at, kind=kind, actor=facts.actor, subject=facts.subject,
                                  ip=facts.ip, detail=dict(facts.detail), prev_hash=prev or GENESIS,
                                  hash=chain_hash(prev or GENESIS, facts)))
    uow.flush()


@dataclass(frozen=True)
class SecurityLogReport:
    """The result of recomputing the security log's chain."""

    events_checked: int
    problems: list[str]

    @property
    def intact(self) -> bool:
        return not self.problems


def verify_security_log(uow: UnitOfWork) -> SecurityLogReport:
    """Recompute the whole chain in seq order (streamed), against the counter of events ever appended."""
    expected = uow.session.scalar(select(Counter.value).where(Counter.key == COUNTER)) or 0

    def rows():
        last = 0
        while True:
            batch = uow.session.scalars(select(SecurityEvent).where(SecurityEvent.seq > last)
                                        .order_by(SecurityEvent.seq).limit(BATCH)).all()
            if not batch:
                return
            for row in batch:
                yield _facts(row), row.prev_hash, row.hash
            last = batch[-1].seq

    problems = chain_problems(rows(), expected)
    count = uow.session.scalar(select(func.count()).select_from(SecurityEvent)) or 0
    return SecurityLogReport(events_checked=count, problems=problems)


def list_events(uow: UnitOfWork, *, page: int, per_page: int, kind: str | None = None,
                subject: str | None = None, since: date | None = None, until: date | None = None
                ) -> tuple[list[dict], int]:
    """One page of events, newest first, with optional filters; and how many match."""
    query = _filtered(select(SecurityEvent), kind, subject, since, until)
    total = uow.session.scalar(_filtered(select(func.count()).select_from(SecurityEvent), kind, subject, since, until))
    rows = uow.session.scalars(query.order_by(SecurityEvent.seq.desc()).limit(per_page).offset((page - 1) * per_page))
    return [_view(r) for r in rows], total or 0


def export_csv(uow: UnitOfWork, *, kind: str | None = None, subject: str | None = None,
               since: date | None = None, until: date | None = None) -> str:
    """Matching events oldest first as CSV (UTF-8 with BOM, so spreadsheet software reads the Chinese)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(["seq", "at", "kind", "kind_title", "actor", "subject", "ip", "detail", "hash"])
    query = _filtered(select(SecurityEvent), kind, subject, since, until).order_by(SecurityEvent.seq)
    for row in uow.session.scalars(query):
        view = _view(row)
        # A leading =, +, - or @ would make a spreadsheet evaluate the cell (CSV injection).
        writer.writerow([_cell(v) for v in (view["seq"], view["at"], view["kind"], view["kind_title"],
                                            view["actor"], view["subject"], view["ip"], view["detail"],
                                            view["hash"])])
    return out.getvalue()


def _filtered(query, kind, subject, since, until):
    if kind:
        query = query.where(SecurityEvent.kind == kind)
    if subject:
        query = query.where(SecurityEvent.subject == subject)
    if since:
        query = query.where(SecurityEvent.at >= datetime.combine(since, datetime.min.time()))
    if until:
        query = query.where(SecurityEvent.at < datetime.combine(until + timedelta(days=1), datetime.min.time()))
    return query


def _facts(row: SecurityEvent) -> SecurityFacts:
    return SecurityFacts(seq=row.seq, at=row.at, kind=row.kind, actor=row.actor, subject=row.subject, ip=row.ip,
                         detail=row.detail or {})


def _view(row: SecurityEvent) -> dict:
    detail = ", ".join(f"{k}={v}" for k, v in sorted((row.detail or {}).items()))
    return {"seq": row.seq, "at": row.at.isoformat(timespec="seconds"), "kind": row.kind,
            "kind_title": KINDS.get(row.kind, row.kind), "actor": row.actor, "subject": row.subject,
            "ip": row.ip, "detail": detail, "hash": row.hash}


def _cell(value) -> str:
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _naive(now: datetime) -> datetime:
    return now.replace(tzinfo=None)


def note(runtime, kind: str, *, actor: str, ip: str, now: datetime, **detail) -> None:
    """Record one event in a transaction of its own (downloads and exports, which change nothing else)."""
    with runtime.uow() as uow:
        record(uow, kind, actor=actor, ip=ip, now=now, **detail)
        uow.commit()


def export_logged(uow: UnitOfWork, *, actor: str, ip: str, now: datetime, **filters) -> str:
    """The filtered security log as CSV; the export itself is logged and committed (audit of the auditors)."""
    body = export_csv(uow, **filters)
    record(uow, "security_log_exported", actor=actor, ip=ip, now=now, **{k: str(v) for k, v in filters.items() if v})
    uow.commit()
    return body
