"""Stage clocks: start, stop, pause (补正), resume and extend deadlines as a case moves. Pure."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Callable

from repair.calendar import WorkCalendar
from repair.domain.casefile import (
    CaseState,
    ClockEffect,
    DeadlineState,
    ExtensionGranted,
    SuspensionEnded,
    SuspensionStarted,
)
from repair.domain.workflow import ClockDef, Workflow

OPEN = ("running", "paused")
MET_LATE = "met_late"
# The statuses a reader sees: a clock met after its due date is `met_late` (超期完成), never on time.
STATUS_TITLES = {"running": "计时中", "paused": "已暂停", "met": "按时完成", MET_LATE: "超期完成",
                 "cancelled": "已取消"}
STATUS_TITLES_EN = {"running": "running", "paused": "paused", "met": "met on time", MET_LATE: "met late",
                    "cancelled": "cancelled"}


def shown_status(status: str, due: date | None, met_on: date | None) -> str:
    """The status to show and publish: `met_late` for a clock met after its due date, else the stored one.

    The stored status stays `met` (the history records the day it was met, the due date decides lateness),
    so every reader — desk, portal, audit figures, API — calls this instead of comparing dates itself."""
    if status == "met" and met_on is not None and due is not None and met_on > due:
        return MET_LATE
    return status


def compute_due(calendar: WorkCalendar, deadline) -> tuple[date, bool, str]:
    """Due date, provisional flag and a readable derivation for a deadline's current totals."""
    total = deadline.limit_days + deadline.paused_days + deadline.extended_days
    unit = "工作日" if deadline.unit == "workdays" else "自然日"
    parts = [f"{deadline.title}时限 {deadline.limit_days} 个{unit}"
             f"（依据：{deadline.basis}{'' if deadline.confirmed else '；待确认'}）"]
    if deadline.paused_days:
        parts.append(f"补正期间暂停 {deadline.paused_days} 日顺延")
    if deadline.extended_days:
        parts.append(f"延期 {deadline.extended_days} 日")
    if deadline.unit == "workdays":
        result = calendar.due(deadline.started_on, total)
        parts.append(result.derivation)
        return result.due, result.provisional, "；".join(parts)
    due = deadline.started_on + timedelta(days=total)
    parts.append(f"自 {deadline.started_on} 起算 {total} 个自然日 → 截止 {due}")
    return due, False, "；".join(parts)


def days_used(calendar: WorkCalendar, unit: str, started_on: date, met_on: date, paused_days: int) -> int | None:
    """Days a clock met on `met_on` ran, in its unit: days in (started_on, met_on] minus the paused days.

    None for a working-day clock whose span reaches a year the calendar only estimates: that count would change
    when the year's data is loaded, so the audit figures count it from the calendar instead."""
    if unit != "workdays":
        return (met_on - started_on).days - paused_days
    first_counted_year = started_on.year + (started_on.month == 12 and started_on.day == 31)
    if not calendar.known_years.issuperset(range(first_counted_year, met_on.year + 1)):
        return None
    return calendar.count_workdays(started_on, met_on) - paused_days


def recompute(calendar: WorkCalendar, deadline: DeadlineState) -> None:
    """Recompute due, provisional flag and derivation in place."""
    deadline.due, deadline.provisional, deadline.derivation = compute_due(calendar, deadline)
    deadline.dirty = True


def change(deadline: DeadlineState, what: str, **extra) -> dict:
    """A deadline change as recorded in the history event's payload."""
    return {"stage": deadline.stage, "change": what, "due": deadline.due.isoformat(),
            "provisional": deadline.provisional, **extra}


def start(clock: ClockDef, calendar: WorkCalendar, today: date) -> DeadlineState:
    """A new running deadline for `clock`, counted from `today`."""
    deadline = DeadlineState(stage=clock.stage, title=clock.title, limit_days=clock.limit, unit=clock.unit,
                             basis=clock.basis, confirmed=clock.confirmed, started_on=today, due=today,
                             provisional=False, derivation="")
    recompute(calendar, deadline)
    return deadline


class ClockRun:
    """The clock changes of one firing: deadline changes for the history and rows to write."""

    def __init__(self, calendar: Callable[[], WorkCalendar]):
        self._calendar_source = calendar
        self._calendar: WorkCalendar | None = None
        self.changes: list[dict] = []
        self.effects: list[ClockEffect] = []
        self.started: list[DeadlineState] = []

    @property
    def calendar(self) -> WorkCalendar:
        if self._calendar is None:
            self._calendar = self._calendar_source()
        return self._calendar

    def apply(self, wf: Workflow, case: CaseState, *, from_state: str | None, to_state: str, trigger: str,
              extends: str | None, today: date, actor: str, reason: str | None, now: datetime) -> None:
        """Update the case's open deadlines for one firing."""
        entered = to_state if to_state != from_state else None
        open_by_stage = {d.stage: d for d in case.deadlines if d.status in OPEN}
        for clock in wf.clocks:
            current = open_by_stage.get(clock.stage)
            stops = entered in clock.stops.enter or trigger in clock.stops.fire
            starts = entered in clock.starts.enter or trigger in clock.starts.fire
            if current is None:
                if starts and not stops:
                    new = start(clock, self.calendar, today)
                    case.deadlines.append(new)
                    self.started.append(new)
                    self.changes.append(change(new, "started", started_on=today.isoformat()))
                continue
            if stops:
                # A clock met while paused ends its suspension too: the history carries the days it stood still.
                resumed = {}
                if current.status == "paused":
                    self._resume(current, today)
                    resumed = {"paused_days": current.paused_days}
                current.status, current.met_on, current.dirty = "met", today, True
                current.days_used = days_used(self.calendar, current.unit, current.started_on, today,
                                              current.paused_days)
                self.changes.append(change(current, "met", met_on=today.isoformat(), **resumed))
            elif current.status == "running" and entered in clock.pauses:
                current.status, current.paused_since, current.dirty = "paused", today, True
                self.effects.append(SuspensionStarted(current, today, reason or "", actor))
                self.changes.append(change(current, "paused", paused_on=today.isoformat()))
            elif current.status == "paused" and entered is not None and entered not in clock.pauses:
                self._resume(current, today)
                self.changes.append(change(current, "resumed", paused_days=current.paused_days))
            if extends == clock.stage and current.status in OPEN and clock.extension is not None:
                current.extended_days += clock.extension.limit
                recompute(self.calendar, current)
                self.effects.append(ExtensionGranted(current, clock.extension.limit, reason or "", actor, now))
                self.changes.append(change(current, "extended", days=clock.extension.limit))
        if wf.states[to_state].final:
            # In a final state only internal triggers remain: a clock none of them can stop is moot.
            remaining = set(wf.triggers_from(to_state))
            for deadline in case.deadlines:
                if deadline.status in OPEN and not remaining & set(wf.clock(deadline.stage).stops.fire):
                    deadline.status, deadline.dirty = "cancelled", True
                    self.changes.append(change(deadline, "cancelled"))
        case.due = earliest_running(case.deadlines)

    def _resume(self, deadline: DeadlineState, today: date) -> None:
        since = deadline.paused_since or today
        if today <= since:
            days = 0
        elif deadline.unit == "workdays":
            days = self.calendar.count_workdays(since, today)
        else:
            days = (today - since).days
        self.effects.append(SuspensionEnded(deadline, today, days))
        deadline.paused_days += days
        deadline.paused_since = None
        deadline.status = "running"
        recompute(self.calendar, deadline)


def earliest_running(deadlines: list[DeadlineState]) -> date | None:
    """The case's queue date: its earliest running deadline."""
    running = [d.due for d in deadlines if d.status == "running"]
    return min(running) if running else None
