"""A case and its stage clocks as plain mutable data, loaded for one firing and written back.

The firing path works on these instead of ORM objects so each transition costs a handful of
explicit statements (see `repair.store.case_repo`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass
class DeadlineState:
    """One stage clock of a case. `dirty` marks it for writing back."""

    stage: str
    title: str
    limit_days: int
    unit: str
    basis: str
    confirmed: bool
    started_on: date
    due: date
    provisional: bool
    derivation: str
    status: str = "running"  # running | paused | met | cancelled
    paused_days: int = 0
    extended_days: int = 0
    paused_since: date | None = None
    met_on: date | None = None
    # Days the clock ran, set when met (see repair.domain.clocks.days_used); None while not met or unsettled.
    days_used: int | None = None
    id: int | None = None
    dirty: bool = field(default=False, compare=False)


@dataclass
class CaseState:
    """The columns of a case that a firing reads or changes, with its open deadlines."""

    case_no: str
    record_id: int
    workflow: str
    workflow_version: int
    state: str
    version: int
    department_code: str
    uscc: str
    regime: str | None
    submitted_on: date
    applicant: str | None
    commitment_signed_at: datetime | None
    is_open: bool
    due: date | None
    head_hash: str
    event_count: int
    deadlines: list[DeadlineState] = field(default_factory=list)
    id: int | None = None
    assigned_to: str | None = None
    documents: tuple[int, ...] = ()  # documents reserved by the latest step (for the caller to produce)


@dataclass(frozen=True)
class SuspensionStarted:
    """A clock stopped for 补正 (written as a deadline_suspensions row)."""

    deadline: DeadlineState
    started_on: date
    reason: str
    actor: str


@dataclass(frozen=True)
class SuspensionEnded:
    """The open suspension of a clock ended after `workdays` days."""

    deadline: DeadlineState
    ended_on: date
    workdays: int


@dataclass(frozen=True)
class ExtensionGranted:
    """A clock was extended (written as a deadline_extensions row)."""

    deadline: DeadlineState
    days: int
    reason: str
    actor: str
    at: datetime


ClockEffect = SuspensionStarted | SuspensionEnded | ExtensionGranted
