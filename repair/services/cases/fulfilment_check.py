"""The automatic fulfilment check (履行核查) against the fulfilment data shared between departments.

A penalty case is checked when a step brings it into `fulfilment_check` (accept, supply) and when new
fulfilment data arrives for its record (import, API). Complete evidence advances the case by firing
`confirm_fulfilment` as the system actor (the event carries the evidence, which is pinned on the case);
partial evidence is recorded as a `fulfilment_checks` row listing what is missing and the case waits for
the officer, who may request a supplement with those items as the reason. Every check runs in its own
transaction after the step that caused it committed, so a failed check never undoes that step.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from repair.domain.actors import SYSTEM, SYSTEM_ACTOR
from repair.domain.display import in_language
from repair.domain.history import utc_naive
from repair.services.cases.evidence import current_evidence, pinned_evidence
from repair.services.cases.facts import fulfilment_of
from repair.services.cases.verbs import FireResult, fire
from repair.store.case_repo import load_case
from repair.store.evidence_models import FulfilmentCheck
from repair.store.models import Case, Record
from repair.store.uow import UnitOfWork

STAGE = "fulfilment_check"
CONFIRM = "confirm_fulfilment"
# The shared data (部门间履罚信息共享) speaks of penalties: fine payments and verified corrections. Other record
# kinds (anomaly list, inspections, commitments) have obligations only the officer can verify.
CHECKED_KINDS = ("administrative_penalty",)
AUTO_REASON = "部门间共享的履行信息显示处罚已全部履行，系统自动确认 / shared fulfilment data shows the penalty fulfilled"
SUPPLEMENT_PREFIX = "经核查部门间共享的履行信息，尚缺以下材料，请补正："
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckOutcome:
    """One automatic check: what the shared data showed and whether the case advanced."""

    case_no: str
    cause: str
    complete: bool
    missing: tuple[str, ...]
    digest: str
    state: str
    advanced: FireResult | None = None

    def view(self) -> dict:
        """Plain data for JSON answers."""
        return {"case_no": self.case_no, "complete": self.complete, "missing": list(self.missing),
                "digest": self.digest, "state": self.state,
                "advanced_seq": self.advanced.seq if self.advanced else None}


def check_fulfilment(runtime, case_no: str, now: datetime, *, cause: str = "manual") -> CheckOutcome | None:
    """Check a case waiting in `fulfilment_check` against the shared data; fire `confirm_fulfilment` if complete.

    Returns None when the case is not waiting in that stage, its record kind is not checked automatically,
    or its workflow does not let the system confirm. Commits its own transaction.
    """
    with runtime.uow() as uow:
        case = load_case(uow, case_no)
        wf = runtime.workflows.get(uow, case.workflow, case.workflow_version)
        record = uow.session.get(Record, case.record_id)
        confirm = [t for t in wf.transitions if t.trigger == CONFIRM and STAGE in t.sources]
        if case.state != STAGE or record.kind not in CHECKED_KINDS or not any(SYSTEM in t.roles for t in confirm):
            return None
        status = fulfilment_of(uow, record)
        evidence = current_evidence(uow, record.id)
        # The confirming event is the case's next one: the case row is locked (PostgreSQL) or the writer is
        # alone (SQLite) until this transaction commits.
        uow.session.add(FulfilmentCheck(
            case_id=case.id, checked_at=utc_naive(now), cause=cause[:40], complete=status.complete,
            missing=list(status.missing), digest=evidence.digest,
            advanced_seq=case.event_count + 1 if status.complete else None))
        uow.session.flush()
        advanced = None
        if status.complete:
            advanced = fire(runtime, uow, case_no, CONFIRM, actor=SYSTEM_ACTOR, now=now, reason=AUTO_REASON,
                            expected_version=case.version)
        else:
            uow.commit()
        return CheckOutcome(case_no=case_no, cause=cause, complete=status.complete, missing=status.missing,
                            digest=evidence.digest, state=advanced.to_state if advanced else case.state,
                            advanced=advanced)


def after_step(runtime, result: FireResult, now: datetime) -> CheckOutcome | None:
    """Run the check when a committed step brought a case into `fulfilment_check` (entry points call this).

    The step has committed and stands whatever happens here: a check that fails (another officer moved the
    case meanwhile, the database hiccuped) is logged and leaves the case for the officer.
    """
    if result.to_state != STAGE or result.from_state == STAGE:
        return None
    return _checked(runtime, result.case_no, now, result.trigger)


def check_records(runtime, record_ids: Iterable[int] | None, now: datetime, *, cause: str) -> list[CheckOutcome]:
    """New fulfilment data arrived: check each waiting case of these records (all waiting cases if None).

    A case is checked only when its record's rows differ from what its last check saw, so repeating
    unchanged data records nothing.
    """
    with runtime.uow(read_only=True) as uow:
        query = (select(Case.case_no, Case.id, Case.record_id).join(Record, Record.id == Case.record_id)
                 .where(Case.state == STAGE, Case.is_open.is_(True), Record.kind.in_(CHECKED_KINDS)))
        if record_ids is not None:
            query = query.where(Case.record_id.in_(sorted(set(record_ids))))
        waiting = [row for row in uow.session.execute(query.order_by(Case.case_no))
                   if _last_digest(uow, row.id) != current_evidence(uow, row.record_id).digest]
    outcomes = [_checked(runtime, row.case_no, now, cause) for row in waiting]
    return [outcome for outcome in outcomes if outcome is not None]


def _checked(runtime, case_no: str, now: datetime, cause: str) -> CheckOutcome | None:
    try:
        return check_fulfilment(runtime, case_no, now, cause=cause)
    except Exception:  # noqa: BLE001 - the caller's data or step is committed; the officer can still confirm
        log.exception("automatic fulfilment check of %s failed (cause %s)", case_no, cause)
        return None


def _last_digest(uow: UnitOfWork, case_id: int) -> str | None:
    return uow.session.scalar(select(FulfilmentCheck.digest).where(FulfilmentCheck.case_id == case_id)
                              .order_by(FulfilmentCheck.id.desc()).limit(1))


def case_checks(uow: UnitOfWork, case_id: int) -> list[dict]:
    """The case's automatic checks, newest first, and its pinned evidence (for the desk, portal and API)."""
    rows = uow.session.scalars(select(FulfilmentCheck).where(FulfilmentCheck.case_id == case_id)
                               .order_by(FulfilmentCheck.id.desc()))
    return [{"checked_at": r.checked_at.isoformat(), "cause": r.cause, "complete": r.complete,
             "missing": list(r.missing), "digest": r.digest, "advanced_seq": r.advanced_seq} for r in rows]


def case_evidence_view(uow: UnitOfWork, case_id: int) -> dict | None:
    """The evidence last pinned on the case (digest, rows, who and when), or None."""
    pinned = pinned_evidence(uow, case_id)
    if pinned is None:
        return None
    return {"digest": pinned.digest, "rows": list(pinned.rows), "pinned_at": pinned.pinned_at.isoformat(),
            "pinned_by": pinned.pinned_by, "event_seq": pinned.event_seq,
            "sources": sorted({row["source"] for row in pinned.rows})}


def supplement_reason(uow: UnitOfWork, case_id: int) -> str | None:
    """The reason offered for a supplement request: what the latest incomplete check found missing."""
    latest = uow.session.scalar(select(FulfilmentCheck).where(FulfilmentCheck.case_id == case_id)
                                .order_by(FulfilmentCheck.id.desc()).limit(1))
    if latest is None or latest.complete or not latest.missing:
        return None
    items = "；".join(f"{number}. {in_language(item)}" for number, item in enumerate(latest.missing, start=1))
    return SUPPLEMENT_PREFIX + items
