"""Sync verbs: enqueue a conclusion with the step that reached it, dead letters, reconciliation.

Which portal receives what is configuration (`Settings.sync_portals`): grants and revocations go to every
portal whose `workflows` include the case's workflow; denials only where the portal's `denials` list the
workflow (default: GSXT gets denials of the SAMR workflows, 信用中国 and Shanghai none).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select

from repair.config import PortalConfig
from repair.domain.actors import Actor
from repair.domain.casefile import CaseState
from repair.errors import NotFound, TransitionRefused, ValidationError
from repair.services.cases.history import utc_naive
from repair.store import outbox
from repair.store.document_models import Document
from repair.store.models import Department, Record
from repair.store.uow import UnitOfWork
from repair.sync.adapters import DeliveryFailed, PortalAdapter, adapter_for
from repair.sync.reconcile import Difference, compare

CONCLUSIONS = ("granted", "denied", "revoked")


def receives(portal: PortalConfig, workflow: str, outcome: str) -> bool:
    """Does `portal` get this workflow's `outcome`?"""
    if outcome not in CONCLUSIONS or ("*" not in portal.workflows and workflow not in portal.workflows):
        return False
    return outcome != "denied" or "*" in portal.denials or workflow in portal.denials


def enqueue_conclusion(runtime, uow: UnitOfWork, case: CaseState, outcome: str | None, firing,
                       now: datetime) -> list[str]:
    """Queue one message per receiving portal when a firing has just reached a conclusion (same transaction).

    Returns the new message ids; nothing for steps that reach no outcome or stay in their state.
    """
    if outcome not in CONCLUSIONS or firing.dest == firing.source:
        return []
    targets = [p.name for p in runtime.settings.sync_portals if receives(p, case.workflow, outcome)]
    if not targets:
        return []
    record = uow.connection.execute(
        select(Record.decision_no, Record.authority_code, Department.name)
        .join(Department, Department.code == Record.authority_code).where(Record.id == case.record_id)).one()
    payload = {"case_no": case.case_no, "decision_no": record.decision_no, "authority": record.authority_code,
               "authority_name": record.name, "uscc": case.uscc, "outcome": outcome,
               "decided_at": now.isoformat(timespec="seconds"), "workflow": case.workflow,
               "document_sha256": decision_digest(uow, case.id) if outcome != "revoked" else None}
    at = utc_naive(now)
    rows = [{"message_id": str(uuid.uuid4()), "portal": name, "case_id": case.id,
             "event_seq": case.event_count, "outcome": outcome, "payload": payload, "status": "pending",
             "attempts": 0, "next_attempt_at": at, "created_at": at} for name in targets]
    outbox.enqueue(uow, rows)
    return [row["message_id"] for row in rows]


def decision_digest(uow: UnitOfWork, case_id: int) -> str | None:
    """SHA-256 of the case's latest sealed repair decision (信用修复决定书), if sealed yet."""
    return uow.session.scalar(
        select(Document.sha256).where(Document.case_id == case_id, Document.kind == "repair_decision",
                                      Document.status == "sealed").order_by(Document.version.desc()).limit(1))


def outbox_rows(runtime, *, status: str | None = None, case_no: str | None = None,
                portal: str | None = None) -> list[dict]:
    """The outbox as plain data (administrators' view: status, attempts, last error, receipt)."""
    if status is not None and status not in ("pending", "sent", "dead"):
        raise ValidationError(f"状态无效 / invalid status {status!r}", "status")
    with runtime.uow(read_only=True) as uow:
        return [_view(row) for row in outbox.messages(uow, status=status, case_no=case_no, portal=portal)]


def requeue_dead_letter(runtime, message_row_id: int, *, actor: Actor, now: datetime) -> dict:
    """Put a dead message back in the queue (administrators only); commits."""
    if actor.role != "admin":
        raise TransitionRefused("仅管理员可重新投递 / only administrators may requeue dead letters", ["role"])
    note = f"\n[{utc_naive(now).isoformat(timespec='seconds')}Z] 由 {actor.username} 重新排队 / requeued"
    with runtime.uow() as uow:
        if not outbox.requeue(uow, message_row_id, now=utc_naive(now), note=note):
            raise NotFound(f"没有编号为 {message_row_id} 的死信 / no dead letter #{message_row_id}")
        row = outbox.load(uow, message_row_id)
        uow.commit()
    return _view(row)


def portal_adapters(runtime, clock: Callable[[], datetime], portal: str | None = None) -> list[PortalAdapter]:
    """Adapters of the configured portals (or of one of them)."""
    chosen = [p for p in runtime.settings.sync_portals if portal is None or p.name == portal]
    if not chosen:
        raise ValidationError(f"未配置的门户 / unknown portal {portal!r}", "portal")
    return [adapter_for(p, runtime.settings, clock) for p in chosen]


def reconcile(runtime, adapters: list[PortalAdapter], *, since: datetime | None = None) -> dict:
    """Compare each portal's reported statuses with our latest conclusions.

    Returns {"differences": [Difference…], "unavailable": {portal: why}} — a portal that gives no
    feedback (no status file) or cannot be reached is listed as unavailable, not as different.
    """
    differences: list[Difference] = []
    unavailable: dict[str, str] = {}
    for adapter in adapters:
        with runtime.uow(read_only=True) as uow:
            ours = outbox.latest_per_case(uow, adapter.name, utc_naive(since) if since else None)
        try:
            theirs = adapter.statuses(since)
        except DeliveryFailed as error:
            unavailable[adapter.name] = str(error)
            continue
        if theirs is None:
            unavailable[adapter.name] = "门户未提供状态反馈 / the portal left no status feedback"
            continue
        differences.extend(compare(adapter.name, ours, theirs))
    return {"differences": differences, "unavailable": unavailable}


def _view(row: dict) -> dict:
    return {"id": row["id"], "message_id": row["message_id"], "portal": row["portal"],
            "case_no": row.get("case_no") or row["payload"].get("case_no"), "outcome": row["outcome"],
            "status": row["status"], "attempts": row["attempts"],
            "next_attempt_at": _iso(row["next_attempt_at"]), "last_error": row["last_error"],
            "claimed_by": row["claimed_by"], "sent_at": _iso(row["sent_at"]), "receipt_id": row["receipt_id"],
            "receipt_at": row["receipt_at"], "created_at": _iso(row["created_at"])}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") + "Z" if value is not None else None
