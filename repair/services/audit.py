"""Verifying that no case history was edited, deleted from or reordered."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from repair.domain.history import EventFacts, StoredEvent, chain_problems
from repair.store.models import Case, CaseEvent
from repair.store.uow import UnitOfWork

BATCH = 2000


@dataclass(frozen=True)
class ChainReport:
    """The result of verifying every case's chain."""

    cases_checked: int
    events_checked: int
    broken: dict[str, list[str]]  # case_no -> problems

    @property
    def intact(self) -> bool:
        return not self.broken


def _stored(row: CaseEvent, case_no: str) -> StoredEvent:
    facts = EventFacts(case_no=case_no, seq=row.seq, trigger=row.trigger, from_state=row.from_state,
                       to_state=row.to_state, actor=row.actor, at=row.at, reason=row.reason,
                       payload=row.payload or {}, workflow_version=row.workflow_version)
    return StoredEvent(facts=facts, prev_hash=row.prev_hash, hash=row.hash)


def verify_history(uow: UnitOfWork, progress=None) -> ChainReport:
    """Recompute every chain case by case (streamed in batches, so memory stays flat)."""
    broken: dict[str, list[str]] = {}
    cases_checked = events_checked = 0
    last_id = 0
    while True:
        cases = uow.session.execute(
            select(Case.id, Case.case_no, Case.head_hash, Case.event_count)
            .where(Case.id > last_id).order_by(Case.id).limit(BATCH)
        ).all()
        if not cases:
            break
        last_id = cases[-1].id
        ids = [c.id for c in cases]
        events: dict[int, list[CaseEvent]] = {i: [] for i in ids}
        for row in uow.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id.in_(ids)).order_by(CaseEvent.case_id, CaseEvent.seq,
                                                                         CaseEvent.id)
        ):
            events[row.case_id].append(row)
        for case in cases:
            rows = events[case.id]
            problems = chain_problems((_stored(r, case.case_no) for r in rows), case.head_hash, case.event_count)
            if problems:
                broken[case.case_no] = problems
            events_checked += len(rows)
        cases_checked += len(cases)
        uow.session.expunge_all()
        if progress is not None:
            progress(len(cases))
    return ChainReport(cases_checked=cases_checked, events_checked=events_checked, broken=broken)
