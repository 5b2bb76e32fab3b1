"""Replaying a case's history and comparing every stored row of the case with the replay. Pure.

The history is the source of truth: the case row (state, version, event count, head hash, open flag, workflow
version, assignee, queue date), its deadlines and the suspension and extension rows of each deadline can all be
rebuilt from the events' `to_state`, `trigger`, `payload["assigned_to"]` and `payload["deadlines"]` changes.
A difference means a row was edited outside the engine; it is reported with the field that differs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

OPEN = ("running", "paused")
# Triggers written in the same step as the one before them, without a version of their own
# (a recognition appends `recognised` and `flag` and bumps the version once).
SAME_STEP_TRIGGERS = frozenset({"flag"})


@dataclass(frozen=True)
class ReplayEvent:
    """The fields of a history event the replay reads."""

    seq: int
    trigger: str
    to_state: str
    day: date  # the district's calendar day of the event
    payload: Mapping[str, Any]
    workflow_version: int
    hash: str


@dataclass
class _Clock:
    stage: str
    started_on: str | None = None
    due: str | None = None
    provisional: bool = False
    status: str = "running"
    met_on: str | None = None
    paused_days: int | None = 0  # None: not derivable from the history (met while paused, older events)
    extended_days: int = 0
    paused_since: str | None = None
    suspensions: list[list] = field(default_factory=list)  # [started_on, ended_on, workdays or None]
    extensions: list[int] = field(default_factory=list)


@dataclass
class Replay:
    """What the history says the case's rows must hold."""

    state: str | None = None
    version: int = 0
    event_count: int = 0
    head_hash: str | None = None
    workflow_versions: set[int] = field(default_factory=set)
    assigned_to: str | None = None
    clocks: dict[str, list[_Clock]] = field(default_factory=dict)


def _iso(value) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, (date, datetime)) else str(value)


def _apply_change(replay: Replay, change: Mapping[str, Any], day: date) -> None:
    stage, what = change.get("stage"), change.get("change")
    rows = replay.clocks.setdefault(stage, [])
    if what == "started":
        clock = _Clock(stage=stage, started_on=change.get("started_on"))
        rows.append(clock)
    else:
        clock = next((c for c in reversed(rows) if c.status in OPEN), None)
        if clock is None:
            return
        if what == "paused":
            clock.status, clock.paused_since = "paused", change.get("paused_on", day.isoformat())
            clock.suspensions.append([clock.paused_since, None, None])
        elif what == "resumed":
            before = clock.paused_days
            clock.status, clock.paused_since = "running", None
            clock.paused_days = change.get("paused_days", before)
            if clock.suspensions and clock.suspensions[-1][1] is None:
                spent = clock.paused_days - before if before is not None and clock.paused_days is not None else None
                clock.suspensions[-1][1:] = [day.isoformat(), spent]
        elif what == "extended":
            clock.extended_days += change.get("days", 0)
            clock.extensions.append(change.get("days", 0))
        elif what == "met":
            if clock.status == "paused":
                before = clock.paused_days
                clock.paused_days = change.get("paused_days")
                spent = clock.paused_days - before if before is not None and clock.paused_days is not None else None
                if clock.suspensions and clock.suspensions[-1][1] is None:
                    clock.suspensions[-1][1:] = [change.get("met_on", day.isoformat()), spent]
            clock.status, clock.met_on, clock.paused_since = "met", change.get("met_on"), None
        elif what == "cancelled":
            clock.status = "cancelled"
    if "due" in change:
        clock.due = change["due"]
    if "provisional" in change:
        clock.provisional = bool(change["provisional"])


def replay(events: Iterable[ReplayEvent]) -> Replay:
    """Rebuild the case's rows from its events (in seq order)."""
    result = Replay()
    for event in events:
        result.state = event.to_state
        result.event_count += 1
        result.head_hash = event.hash
        if event.trigger not in SAME_STEP_TRIGGERS:
            result.version += 1
        result.workflow_versions.add(event.workflow_version)
        if event.trigger == "assign":
            result.assigned_to = event.payload.get("assigned_to")
        for change in event.payload.get("deadlines", ()) or ():
            _apply_change(result, change, event.day)
    return result


def _differs(problems: list[str], where: str, name: str, stored, replayed) -> None:
    if stored != replayed:
        problems.append(f"{where}{name}: 存储值 {stored!r}，历史重放为 {replayed!r} / stored {stored!r}, "
                        f"history says {replayed!r}")


def row_problems(case: Mapping[str, Any], events: list[ReplayEvent], deadlines: list[Mapping[str, Any]],
                 suspensions: Mapping[int, list[Mapping[str, Any]]], extensions: Mapping[int, list[int]],
                 is_open: Callable[[str], bool] | None) -> list[str]:
    """Every field of the case row, its deadlines, suspensions and extensions that the history contradicts.

    `case` holds the case row's columns; `deadlines` the case's deadline rows in id order; `suspensions` and
    `extensions` the rows of each deadline id (suspensions in start order); `is_open(state)` says whether the
    case's workflow version keeps a case in that state open (None: the workflow version is unknown)."""
    problems: list[str] = []
    r = replay(events)
    _differs(problems, "", "state", case["state"], r.state)
    _differs(problems, "", "version", case["version"], r.version)
    _differs(problems, "", "event_count", case["event_count"], r.event_count)
    if events:
        _differs(problems, "", "head_hash", case["head_hash"], r.head_hash)
    stray = sorted(v for v in r.workflow_versions if v != case["workflow_version"])
    if stray:
        _differs(problems, "", "workflow_version", case["workflow_version"], stray[0])
    if is_open is None:
        problems.append(f"workflow_version: 流程版本 {case['workflow_version']} 未登记 / workflow version "
                        f"{case['workflow_version']} is not registered")
    elif r.state is not None:
        _differs(problems, "", "is_open", bool(case["is_open"]), is_open(r.state))
    _differs(problems, "", "assigned_to", case.get("assigned_to"), r.assigned_to)
    by_stage: dict[str, list[Mapping[str, Any]]] = {}
    for row in deadlines:
        by_stage.setdefault(row["stage"], []).append(row)
    running: list[str] = []
    for stage in sorted(set(by_stage) | set(r.clocks)):
        stored, replayed = by_stage.get(stage, []), r.clocks.get(stage, [])
        if len(stored) != len(replayed):
            _differs(problems, f"deadline {stage} ", "count", len(stored), len(replayed))
        for index, (row, clock) in enumerate(zip(stored, replayed), 1):
            where = f"deadline {stage}#{index} "
            if clock.status == "running" and clock.due:
                running.append(clock.due)
            for name, replayed_value in (("started_on", clock.started_on), ("due", clock.due),
                                         ("provisional", clock.provisional), ("status", clock.status),
                                         ("met_on", clock.met_on), ("extended_days", clock.extended_days),
                                         ("paused_since", clock.paused_since), ("paused_days", clock.paused_days)):
                if replayed_value is None and name in ("started_on", "due", "paused_days"):
                    continue  # not carried by older events
                stored_value = row[name]
                stored_value = bool(stored_value) if name == "provisional" else (
                    stored_value if isinstance(stored_value, int) and not isinstance(stored_value, bool)
                    else _iso(stored_value))
                _differs(problems, where, name, stored_value, replayed_value)
            _check_effects(problems, where, suspensions.get(row["id"], []), clock.suspensions,
                           extensions.get(row["id"], []), clock.extensions)
    _differs(problems, "", "due", _iso(case.get("due")), min(running) if running else None)
    return problems


def _check_effects(problems: list[str], where: str, stored_suspensions: list[Mapping[str, Any]],
                   replayed_suspensions: list[list], stored_extensions: list[int], replayed_extensions: list[int]):
    if len(stored_suspensions) != len(replayed_suspensions):
        _differs(problems, where, "suspensions", len(stored_suspensions), len(replayed_suspensions))
    for index, (row, (started, ended, workdays)) in enumerate(zip(stored_suspensions, replayed_suspensions), 1):
        at = f"{where}suspension#{index} "
        _differs(problems, at, "started_on", _iso(row["started_on"]), started)
        _differs(problems, at, "ended_on", _iso(row["ended_on"]), ended)
        if workdays is not None:
            _differs(problems, at, "workdays", row["workdays"], workdays)
    if sorted(stored_extensions) != sorted(replayed_extensions):
        _differs(problems, where, "extensions", sorted(stored_extensions), sorted(replayed_extensions))
