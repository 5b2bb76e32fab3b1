"""The officer desk's queue: the department's cases, filtered, marked by their clocks, one page at a time.

The case page's data lives in `repair.readmodels.case_page`; the desk's actions in
`repair.services.cases.desk_actions`. Every function here is scoped to the
actor's department: a case of another department is `NotFound`, never a hint that it exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from repair.calendar import WorkCalendar
from repair.domain.actors import Actor
from repair.errors import ValidationError
from repair.services.calendar.overrides import calendar_for
from repair.services.cases.desk_actions import department_officers, require_desk
from repair.store.models import Case, Record
from repair.store.uow import UnitOfWork

PAGE_SIZE = 50
MINE, UNASSIGNED = "mine", "unassigned"
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


