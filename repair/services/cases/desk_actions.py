"""What department staff do from the desk: fire a step from a case page, assign cases to officers.

Every function is scoped to the actor's department: a case of another department is `NotFound`, never a hint
that it exists. The desk's pages are read by `repair.readmodels.desk` and `repair.readmodels.case_page`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from repair.domain.actors import Actor
from repair.errors import NotFound, TransitionRefused, ValidationError
from repair.services.cases.history import append_event, utc_naive
from repair.services.cases.verbs import FireResult, fire
from repair.services.jobs.steps import check_after_step, produce_documents
from repair.store.case_repo import load_case, save_case
from repair.store.models import Case, User
from repair.store.uow import UnitOfWork

DESK_ROLES = ("officer", "reviewer")
# Workflows driven from their own pages (两书同达 records the service method there), never from the desk.
DEDICATED_WORKFLOWS = frozenset({"paired_delivery"})
CASES = Case.__table__


def require_desk(actor: Actor) -> str:
    """The actor's department, if the actor is department staff (officer or reviewer)."""
    if actor.role not in DESK_ROLES or not actor.department:
        raise TransitionRefused("仅部门承办人员可使用办理台 / only department staff may use the desk", ["role"])
    return actor.department


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
