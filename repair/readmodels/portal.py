"""What an enterprise sees online: its records, the prefilled application, the progress of its cases.

Every function is scoped to the actor: another enterprise's record or case is `NotFound`, never visible.
What it does (apply, supplement, withdraw) is `repair.services.cases.applications`.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import func, select

from repair.domain import display
from repair.domain.actors import Actor
from repair.domain.clocks import shown_status
from repair.domain.roles import role_title
from repair.readmodels.checks import fulfilment_checks, shared_fulfilment
from repair.readmodels.documents import list_documents
from repair.services.calendar.overrides import calendar_for
from repair.services.cases.applications import NOT_APPLICATION, case_in_scope
from repair.services.cases.facts import case_facts, eligibility, window_for
from repair.services.cases.verbs import CHECKED_IN_STAGE
from repair.services.documents.uploads import case_uploads
from repair.services.exchange.prefill import prefill_application
from repair.services.setup.runtime import LOCAL_TZ
from repair.store.case_repo import load_case
from repair.store.contact_models import ApplicationContact
from repair.store.models import Case, CaseEvent, Record, User
from repair.store.uow import UnitOfWork

PAGE_SIZE = 20


def records_page(runtime, actor: Actor, *, today: date, page: int = 1) -> dict:
    """The enterprise's records with publicity window, earliest application date and what it may do now."""
    with runtime.uow(read_only=True) as uow:
        mine = Record.uscc == (actor.uscc or "")
        total = uow.session.scalar(select(func.count()).select_from(Record).where(mine))
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(page, 1), pages)
        records = uow.session.scalars(select(Record).where(mine)
                                      .order_by(Record.decided_on.desc(), Record.id.desc())
                                      .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
        latest = _latest_cases(uow, [r.id for r in records])
        items = [_record_row(runtime, uow, r, latest.get(r.id), today) for r in records]
    return {"rows": items, "page": page, "pages": pages, "total": total}


def _latest_cases(uow: UnitOfWork, record_ids: list[int]) -> dict[int, dict]:
    rows = uow.session.execute(select(Case.record_id, Case.case_no, Case.is_open, Case.state)
                               .where(Case.record_id.in_(record_ids), Case.workflow != NOT_APPLICATION)
                               .order_by(Case.id))
    return {r.record_id: {"case_no": r.case_no, "open": r.is_open, "state": r.state} for r in rows}


def _record_row(runtime, uow: UnitOfWork, record: Record, case: dict | None, today: date) -> dict:
    window = window_for(record, as_of=today)
    # The applicant signs the commitment on the form; fulfilment is checked later, in its own stage.
    verdict = eligibility(uow, record, as_of=today, commitment_signed=True,
                          repeat_window_months=runtime.settings.repeat_repair_window_months,
                          repeat_basis=runtime.settings.repeat_repair_basis,
                          repairable_kinds=runtime.workflows.repairable_kinds())
    # A failed condition is shown by its finding (the detail, e.g. "最短公示期至 … 届满"), never by its title,
    # which names what is required.
    blocking = [{"code": c.code, "title": c.title, "detail": c.detail, "finding": c.detail}
                for c in verdict.failed if c.code not in CHECKED_IN_STAGE]
    open_case = case["case_no"] if case and case["open"] else None
    earliest = verdict.earliest_application
    status = shown_record_status(record.status, window, today)
    stopped = next((c for c in verdict.failed if c.code == "not_expired"), None)
    return {
        "id": record.id, "decision_no": record.decision_no, "kind": display.name("record_kind", record.kind),
        "kind_code": record.kind, "tier_code": record.tier,
        "authority": record.authority_code, "decided_on": record.decided_on.isoformat(),
        "status": status, "stored_status": record.status, "status_title": display.name("record_status", status),
        "no_repair_needed": stopped.detail if stopped and status != "published" else None,
        "tier": display.name("tier", record.tier),
        "min_publicity_end": _iso(window.min_publicity_end),
        "max_publicity_end": _iso(window.max_publicity_end),
        "earliest_application": _iso(earliest),
        "possible_from": _iso(earliest) if earliest and earliest > today else None,
        "can_apply": status == "published" and not blocking and open_case is None,
        "blocking": blocking if status == "published" else [],
        "open_case": open_case, "last_case": case["case_no"] if case and not case["open"] else None,
    }


def shown_record_status(stored: str, window, today: date) -> str:
    """The publicity status as of today: a published record past its maximum publicity has stopped."""
    if stored != "published":
        return stored
    if not window.published:
        return "not_published"
    end = window.max_publicity_end
    return "stopped" if end is not None and today >= end else "published"


def application_page(runtime, record_id: int, actor: Actor, *, today: date) -> dict:
    """The prefilled application form's data: fields with sources, and whether an application is possible."""
    with runtime.uow(read_only=True) as uow:
        fields = prefill_application(uow, record_id, actor)
        record = uow.session.get(Record, record_id)
        row = _record_row(runtime, uow, record, _latest_cases(uow, [record_id]).get(record_id), today)
    return {"record": row, "fields": fields}



def case_progress(runtime, case_no: str, actor: Actor, *, today: date) -> dict:
    """A case as its applicant sees it: stage, timeline, running deadlines, documents, uploads, actions."""
    with runtime.uow(read_only=True) as uow:
        case = case_in_scope(uow, case_no, actor)
        wf = runtime.workflows.get(uow, case.workflow, case.workflow_version)
        events = uow.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                     .order_by(CaseEvent.seq)).all()
        roles = dict(uow.session.execute(select(User.username, User.role)
                                         .where(User.username.in_({e.actor for e in events}))).all())
        titles = {"submit": "提交申请", **{t.trigger: t.title for t in wf.transitions}}
        timeline = [{"seq": e.seq, "title": titles.get(e.trigger, e.trigger), "trigger": e.trigger,
                     "to_state": e.to_state,
                     "to": wf.states[e.to_state].title if e.to_state in wf.states else e.to_state,
                     "actor": _actor_label(e.actor, roles.get(e.actor), actor),
                     "at": _local(e.at),
                     "reason": e.reason} for e in events]
        supplement = next((e.reason for e in reversed(events) if e.trigger == "request_supplement"), None)
        contact = uow.session.get(ApplicationContact, case.id)
        return {
            "case_no": case.case_no, "state": case.state, "state_title": wf.states[case.state].title,
            "workflow_title": wf.title, "workflow": case.workflow, "version": case.version,
            "fulfilment_checks": fulfilment_checks(uow, case.id),
            "shared_fulfilment": shared_fulfilment(uow, case.record_id), "open": case.is_open,
            "submitted_on": case.submitted_on.isoformat(), "decision_no": case.record.decision_no,
            "record_id": case.record_id, "timeline": timeline,
            "deadlines": _deadlines(calendar_for(runtime, uow), case, today),
            "documents": list_documents(uow, case_no=case.case_no),
            "uploads": case_uploads(uow, case.id),
            "supplement_request": supplement if case.state == "awaiting_supplement" else None,
            "contact": {"handler_name": contact.handler_name, "handler_phone": contact.handler_phone}
            if contact else None,
            "actions": _allowed(uow, wf, case.case_no, actor, today),
        }



def _actor_label(username: str, role: str | None, viewer: Actor) -> str:
    # Officers are shown by function, never by name; the enterprise sees its own users' names.
    if role == "enterprise" and username == viewer.username:
        return f"{role_title(role)}（{username}）"
    return role_title(role or ("system" if username == "system" else "enterprise"))


def _deadlines(calendar, case: Case, today: date) -> list[dict]:
    rows = []
    for d in case.deadlines:
        if d.status == "cancelled":
            continue
        row = {"stage": d.stage, "title": d.title, "due": d.due.isoformat(),
               "status": shown_status(d.status, d.due, d.met_on), "met_on": d.met_on.isoformat() if d.met_on else None,
               "provisional": d.provisional, "left": None, "overdue": None, "limit": d.limit_days,
               "unit": d.unit}
        if d.status == "running":
            if d.due >= today:
                row["left"] = calendar.count_workdays(today, d.due)
            else:
                row["overdue"] = calendar.count_workdays(d.due, today)
        rows.append(row)
    return rows


def _allowed(uow: UnitOfWork, wf, case_no: str, actor: Actor, today: date) -> list[str]:
    state = load_case(uow, case_no, for_update=False)
    guards = frozenset().union(*(wf.guard_names(t) for t in wf.triggers_from(state.state)))
    facts = case_facts(uow, wf, state, actor, reason=None, guards=guards, today=today)
    return [t.trigger for t in wf.allowed(state.state, facts)]



def _local(stored: datetime) -> str:
    # Event times are stored as naive UTC; the applicant reads Shanghai time.
    return stored.replace(tzinfo=timezone.utc).astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None
