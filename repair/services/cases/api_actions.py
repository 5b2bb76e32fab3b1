"""What a JSON API client does to cases: apply for a visible record, fire a trigger under If-Match.

What an actor may not see does not exist for them (NotFound, HTTP 404), so probing never reveals another
party's cases. The responses are built by `repair.readmodels.api`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select

from repair.domain.actors import Actor
from repair.errors import (
    IneligibleApplication,
    NotEligible,
    NotFound,
    StaleVersion,
    TransitionRefused,
)
from repair.services.cases.desk_actions import DEDICATED_WORKFLOWS
from repair.services.cases.facts import eligibility
from repair.services.cases.verbs import FireResult, fire, local_date, submit_application
from repair.services.jobs.steps import check_after_step, produce_documents
from repair.store.models import Case, Record
from repair.store.uow import UnitOfWork

log = logging.getLogger(__name__)

# Conditions an applicant fixes in the request body; every other failed condition is about the record.
CONDITION_FIELDS = {"commitment_signed": "commitment_signed"}


def visible_case(uow: UnitOfWork, actor: Actor, case_no: str):
    """The case's id, version, workflow, department and USCC if `actor` may see it; else NotFound."""
    row = uow.session.execute(select(Case.id, Case.version, Case.workflow, Case.department_code, Case.uscc)
                              .where(Case.case_no == case_no)).first()
    if row is None or not actor.may_see(row.department_code, row.uscc):
        raise NotFound(f"案件不存在 / no case {case_no!r}")
    return row


def _produce_all(runtime, ids: tuple[int, ...], now: datetime) -> None:
    """Render (and seal) freshly reserved documents, or queue them for the workers (PostgreSQL); one that
    fails stays reserved for `produce_pending`."""
    for problem in produce_documents(runtime, ids, now=now):
        log.error("a document could not be produced now: %s", problem)


def create_case(runtime, actor: Actor, *, record_id: int, commitment_signed: bool, reason: str | None,
                now: datetime) -> tuple[str, tuple[int, ...]]:
    """Submit an application for a visible record and produce its documents; returns the case number and
    the documents' ids."""
    with runtime.uow() as uow:
        record = uow.session.get(Record, record_id)
        if record is None or not actor.may_see(record.authority_code, record.uscc):
            raise NotFound(f"记录不存在 / no record {record_id}")
        try:
            case = submit_application(runtime, uow, record_id=record_id, actor=actor, now=now,
                                      commitment_signed=commitment_signed, reason=reason)
        except NotEligible as error:
            raise _explained(runtime, uow, record, error, commitment_signed, now) from error
    _produce_all(runtime, case.documents, now)
    return case.case_no, tuple(case.documents)


def _explained(runtime, uow: UnitOfWork, record: Record, error: NotEligible, commitment_signed: bool,
               now: datetime) -> IneligibleApplication:
    uow.session.rollback()
    verdict = eligibility(uow, record, as_of=local_date(now), commitment_signed=commitment_signed,
                          repeat_window_months=runtime.settings.repeat_repair_window_months,
                          repeat_basis=runtime.settings.repeat_repair_basis,
                          repairable_kinds=runtime.workflows.repairable_kinds())
    conditions = {c.code: c for c in verdict.failed}
    details = []
    for code in error.failed:
        found = conditions.get(code)
        message = f"{found.title}：{found.detail}" if found else str(error)
        details.append({"field": CONDITION_FIELDS.get(code, "record_id"), "code": code, "message": message})
    return IneligibleApplication(str(error), error.failed, details)


def fire_event(runtime, actor: Actor, case_no: str, *, trigger: str, reason: str | None,
               matches: Callable[[int], bool], now: datetime) -> FireResult:
    """Fire `trigger` if the client's version still `matches` (else StaleVersion), then produce its documents.

    A version that changes between this check and the commit surfaces as ConcurrencyConflict (a lost race).
    """
    with runtime.uow() as uow:
        case = visible_case(uow, actor, case_no)
        if not matches(case.version):
            raise StaleVersion(f"案件当前版本为 {case.version}，与 If-Match 不符，请重新读取后再试 / "
                               f"the case is at version {case.version}; reload and retry")
        if case.workflow in DEDICATED_WORKFLOWS:
            raise TransitionRefused("两书同达案件请通过送达功能办理 / paired deliveries are served on their own pages",
                                    ["workflow"])
        result = fire(runtime, uow, case_no, trigger, actor=actor, now=now, reason=reason,
                      expected_version=case.version)
    check_after_step(runtime, result, now)  # the automatic fulfilment check, after the step committed
    _produce_all(runtime, result.documents, now)
    return result
