"""Appending to a case's hash-chained history (`case_events`)."""

from __future__ import annotations

from datetime import datetime

from repair.domain.casefile import CaseState
from repair.domain.history import EventFacts, chain_hash, utc_naive
from repair.store.case_repo import insert_event
from repair.store.uow import UnitOfWork

__all__ = ["append_event", "utc_naive"]


def append_event(uow: UnitOfWork, case: CaseState, *, trigger: str, from_state: str | None, to_state: str,
                 actor: str, at: datetime, reason: str | None = None, payload: dict | None = None) -> int:
    """Write the next event of the case, chained to the previous one; move the case's head. Returns its seq."""
    facts = EventFacts(case_no=case.case_no, seq=case.event_count + 1, trigger=trigger, from_state=from_state,
                       to_state=to_state, actor=actor, at=utc_naive(at), reason=reason, payload=payload or {},
                       workflow_version=case.workflow_version)
    digest = chain_hash(case.head_hash, facts)
    insert_event(uow, {
        "case_id": case.id, "seq": facts.seq, "trigger": trigger, "from_state": from_state, "to_state": to_state,
        "actor": actor, "at": facts.at, "reason": reason, "payload": dict(facts.payload),
        "workflow_version": facts.workflow_version, "prev_hash": case.head_hash, "hash": digest,
    })
    case.event_count, case.head_hash = facts.seq, digest
    return facts.seq
