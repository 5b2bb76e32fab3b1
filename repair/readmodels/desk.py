"""The officer desk: the department's queue, firing from a case page, and bulk assignment.

The case page's data lives in `repair.readmodels.case_page`. Every function here is scoped to the
actor's department: a case of another department is `NotFound`, never a hint that it exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update

from repair.calendar import WorkCalendar
from repair.domain.actors import Actor
from repair.domain.errors import NotFound, TransitionRefused, ValidationError
from repair.services.calendar.overrides import calendar_for
from repair.services.cases.verbs import FireResult, fire
from repair.services.jobs.steps import check_after_step, produce_documents
from repair.services.cases.history import append_event, utc_naive
from repair.store.case_repo import load_case, save_case
from repair.store.models import Case, Record, User
from repair.store.uow import UnitOfWork

PAGE_SIZE = 50
MINE, UNASSIGNED = "mine", "unassigned"
DESK_ROLES = ("officer", "reviewer")
# Workflows driven from their own pages (两书同达 records the service method there), never from the desk.
DEDICATED_WORKFLOWS = frozenset({"paired_delivery"})
CASES = Case.__table__
MARKS = {"overdue": "已超期", "due_soon": "即将到期", "on_track": "正常", "paused": "已暂停", "none": "无时限"}


@dataclass(frozen=True)
class QueueFilters:
    """What the queue is narrowed to; `assignee` is a username, `mine` or `unassigned`."""

    state: str | None = None
    workflow: str | None = None
    assignee: str | None = None
    overdue_only: bool = False
    page: int = 1


@dataclass(frozen=True)
class QueueRow:
    """One line of the queue."""

    case_no: str
    party_name: str
    decision_no: str
    workflow: str
    workflow_title: str
    state: str
    state_title: str
    due: date | None
    mark: str
    assigned_to: str | None

    @property
    def mark_title(self) -> str:
        return MARKS[self.mark]


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue, with what the filter and assignment forms offer."""

    rows: list[QueueRow]
    page: int
    has_next: bool
    officers: list[str]
    states: list[tuple[str, str]]
    workflows: list[tuple[str, str]]


def require_desk(actor: Actor) -> str:
    """The actor's department, if the actor is department staff (officer or reviewer)."""
    if actor.role not in DESK_ROLES or not actor.department:
        raise TransitionRefused("仅部门承办人员可使用办理台 / only department staff may use the desk", ["role"])
    return actor.department


def queue_statement(department: str, filters: QueueFilters, *, username: str, today: date):
    """The queue page as ONE statement: walks ix_cases_queue in due order (undated cases last), LIMIT/OFFSET.

    The page's ids are picked first, so deep pages skip rows on the index alone; only the page's rows
    are joined to their record.
    """
    order = (Case.due.asc().nulls_last(), Case.id)
    ids = select(Case.id).where(Case.department_code == department, Case.is_open.is_(True))
    if filters.state:
        ids = ids.where(Case.state == filters.state)
    if filters.workflow:
        ids = ids.where(Case.workflow == filters.workflow)
    if filters.assignee == MINE:
        ids = ids.where(Case.assigned_to == username)
    elif filters.assignee == UNASSIGNED:
        ids = ids.where(Case.assigned_to.is_(None))
    elif filters.assignee:
        ids = ids.where(Case.assigned_to == filters.assignee)
    if filters.overdue_only:
        ids = ids.where(Case.due < today)
    # One extra row tells whether a next page exists without a COUNT over the whole department.
    page = ids.order_by(*order).limit(PAGE_SIZE + 1).offset((max(filters.page, 1) - 1) * PAGE_SIZE)
    return (select(Case.case_no, Case.workflow, Case.workflow_version, Case.state, Case.due, Case.assigned_to,
                   Record.party_name, Record.decision_no)
            .join(Record, Record.id == Case.record_id)
            .where(Case.id.in_(page.scalar_subquery()))
            .order_by(*order))


def mark_of(due: date | None, paused: bool, today: date, calendar: WorkCalendar) -> str:
    """overdue / due_soon (within one working day) / on_track / paused / none (no running clock).

    `paused`: the case is in a state that stops a clock (补正), which is why it has no due date.
    """
    if due is None:
        return "paused" if paused else "none"
    if due < today:
        return "overdue"
    return "due_soon" if due <= calendar.add_workdays(today, 1) else "on_track"


def queue(runtime, uow: UnitOfWork, actor: Actor, filters: QueueFilters, *, today: date) -> QueuePage:
    """The department's open cases by due date, marked, filtered and paginated."""
    department = require_desk(actor)
    if filters.page < 1:
        raise ValidationError("页码须为正整数 / page must be a positive integer", "page")
    calendar = calendar_for(runtime, uow)
    statement = queue_statement(department, filters, username=actor.username, today=today)
    result = uow.session.execute(statement).all()
    rows = []
    for r in result[:PAGE_SIZE]:
        wf = runtime.workflows.get(uow, r.workflow, r.workflow_version)
        state = wf.states.get(r.state)
        rows.append(QueueRow(case_no=r.case_no, party_name=r.party_name, decision_no=r.decision_no,
                             workflow=r.workflow, workflow_title=wf.title, state=r.state,
                             state_title=state.title if state else r.state, due=r.due,
                             mark=mark_of(r.due, r.state in _pausing_states(wf), today, calendar),
                             assigned_to=r.assigned_to))
    workflows = list(runtime.workflows.current.values())
    states = sorted({(s.name, s.title) for wf in workflows for s in wf.states.values() if wf.is_open(s.name)},
                    key=lambda pair: pair[1])
    return QueuePage(rows=rows, page=filters.page, has_next=len(result) > PAGE_SIZE,
                     officers=department_officers(uow, department), states=states,
                     workflows=[(wf.name, wf.title) for wf in workflows])


def _pausing_states(wf) -> frozenset[str]:
    return frozenset(state for clock in wf.clocks for state in clock.pauses)


def department_officers(uow: UnitOfWork, department: str) -> list[str]:
    """Usernames of the department's active officers (who may be assigned cases)."""
    return list(uow.session.scalars(
        select(User.username).where(User.department_code == department, User.role == "officer",
                                    User.active.is_(True)).order_by(User.username)))


@dataclass(frozen=True)
class ActResult:
    """A step fired from the desk and what went wrong producing its documents (the step stands)."""

    fired: FireResult
    title: str
    document_errors: tuple[str, ...] = ()


def act(runtime, case_no: str, trigger: str, *, actor: Actor, now: datetime, reason: str | None,
        expected_version: int | None) -> ActResult:
    """Fire a trigger from the desk (own department only), then render and seal the step's documents.

    Documents are produced after the commit; one that fails stays reserved for `produce_pending`.
    """
    department = require_desk(actor)
    with runtime.uow() as uow:
        case = uow.session.execute(select(Case.department_code, Case.workflow, Case.workflow_version)
                                   .where(Case.case_no == case_no)).first()
        if case is None or case.department_code != department:
            raise NotFound(f"案件不存在 / no case {case_no!r}")
        if case.workflow in DEDICATED_WORKFLOWS:
            raise TransitionRefused("该类案件请在两书同达页面办理 / handled on the paired-delivery pages",
                                    ["workflow"])
        wf = runtime.workflows.get(uow, case.workflow, case.workflow_version)
        result = fire(runtime, uow, case_no, trigger, actor=actor, now=now, reason=reason,
                      expected_version=expected_version)
    check_after_step(runtime, result, now)  # the automatic fulfilment check, after the step committed
    errors = produce_documents(runtime, result.documents, now=now)  # queued for the workers on PostgreSQL
    title = next(t.title for t in wf.transitions if t.trigger == trigger)
    return ActResult(fired=result, title=title, document_errors=tuple(errors))


def assign_cases(uow: UnitOfWork, case_nos: list[str], assignee: str | None, actor: Actor,
                 now: datetime) -> list[str]:
    """Assign, reassign or (assignee None) unassign cases in one transaction; returns the cases changed.

    Each change is a history event `assign` (state unchanged) so it sits in the tamper-evident chain.
    """
    department = require_desk(actor)
    # A fixed locking order: two batches over the same cases cannot deadlock on PostgreSQL.
    case_nos = sorted({n.strip() for n in case_nos if n and n.strip()})
    if not case_nos:
        raise ValidationError("请选择要分派的案件 / select at least one case", "case_nos")
    assignee = (assignee or "").strip() or None
    if assignee is not None and assignee not in department_officers(uow, department):
        raise ValidationError(f"{assignee} 不是本部门在岗承办人 / {assignee!r} is not an active officer of "
                              f"{department}", "assignee")
    cases = [load_case(uow, case_no) for case_no in case_nos]
    foreign = [c.case_no for c in cases if c.department_code != department]
    if foreign:
        raise NotFound(f"案件不存在 / no case {foreign[0]!r}")
    changed = []
    for case in cases:
        previous = case.assigned_to
        if previous == assignee:
            continue
        expected = case.version
        case.version += 1
        append_event(uow, case, trigger="assign", from_state=case.state, to_state=case.state,
                     actor=actor.username, at=now, payload={"assigned_to": assignee, "previous": previous})
        save_case(uow, case, expected_version=expected, updated_at=utc_naive(now))
        uow.connection.execute(update(CASES).where(CASES.c.id == case.id).values(assigned_to=assignee))
        changed.append(case.case_no)
    uow.commit()
    return changed
