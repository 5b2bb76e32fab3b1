"""Recomputing provisional due dates when calendar data for their year arrives."""

from __future__ import annotations

from datetime import datetime

from repair.calendar import WorkCalendar
from repair.domain.clocks import change, earliest_running, recompute
from repair.services.history import append_event, utc_naive
from repair.store.case_repo import load_case, open_provisional_case_numbers, save_case, save_deadlines
from repair.store.uow import UnitOfWork


def recompute_provisional(uow: UnitOfWork, calendar: WorkCalendar, *, actor, now: datetime) -> list[dict]:
    """Recompute every open provisional deadline with `calendar`; record each move in the case history."""
    moved = []
    for case_no in open_provisional_case_numbers(uow):
        case = load_case(uow, case_no)
        changes = []
        for deadline in case.deadlines:
            if not deadline.provisional:
                continue
            old_due = deadline.due
            recompute(calendar, deadline)
            if (deadline.due, deadline.provisional) != (old_due, True):
                changes.append(change(deadline, "recomputed", old_due=old_due.isoformat(),
                                      shift_days=(deadline.due - old_due).days))
        if not changes:
            continue
        expected = case.version
        case.version += 1
        case.due = earliest_running(case.deadlines)
        append_event(uow, case, trigger="recompute_deadline", from_state=case.state, to_state=case.state,
                     actor=actor.username, at=now, reason="载入新的工作日日历 / calendar data loaded",
                     payload={"deadlines": changes})
        save_case(uow, case, expected_version=expected, updated_at=utc_naive(now))
        save_deadlines(uow, case, [])
        moved.extend({"case_no": case_no, **c} for c in changes)
    return moved
