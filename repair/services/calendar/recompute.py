"""Recomputing open due dates when calendar data arrives or changes."""

from __future__ import annotations

from datetime import date, datetime

from repair.calendar import WorkCalendar
from repair.domain.clocks import change, earliest_running, recompute
from repair.services.cases.history import append_event, utc_naive
from repair.store.case_repo import load_case, open_case_numbers_spanning, save_case, save_deadlines
from repair.store.uow import UnitOfWork


def recompute_open(uow: UnitOfWork, calendar: WorkCalendar, first: date, last: date, *, actor,
                   now: datetime) -> list[dict]:
    """Recompute every open working-day deadline whose span (started_on, due] meets [first, last].

    Only those can change: a due date is the n-th working day after the start, so a day outside that span
    never moves it or its derivation. Each case with a changed deadline gets one `recompute_deadline`
    event naming every change (due date, provisional flag or derivation)."""
    moved = []
    for case_no in open_case_numbers_spanning(uow, first, last):
        case = load_case(uow, case_no)
        changes = []
        for deadline in case.deadlines:
            if deadline.unit != "workdays" or not (deadline.started_on < last and deadline.due >= first):
                continue
            before = (deadline.due, deadline.provisional, deadline.derivation)
            recompute(calendar, deadline)
            if (deadline.due, deadline.provisional, deadline.derivation) != before:
                changes.append(change(deadline, "recomputed", old_due=before[0].isoformat(),
                                      shift_days=(deadline.due - before[0]).days))
            else:
                deadline.dirty = False
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
