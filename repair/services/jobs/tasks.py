"""What a job does: each task is a plain function of the runtime and JSON arguments.

The same function runs in a procrastinate worker (queue mode, PostgreSQL) or right away in the process
that submitted it (inline mode, the embedded default), so behaviour never depends on the mode.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TaskSpec:
    """A task: its function, queue, retry budget and whether it may run twice at once for one key."""

    function: object
    queue: str
    max_attempts: int = 5
    lock_key: str | None = None  # argument whose value names the lock (one job per value at a time)


def _when(value: str | None) -> datetime:
    from repair.services.setup.runtime import local_now

    return datetime.fromisoformat(value) if value else local_now()


def produce_document(runtime, *, document_id: int, now: str | None = None) -> str:
    """Render and (for authority letters) seal a reserved document; a finished one is left alone."""
    from repair.services.documents.issuing import produce

    document = produce(runtime, document_id, now=_when(now))
    return f"document {document_id} {document.status}"


def produce_reserved(runtime, *, now: str | None = None) -> str:
    """Finish every document still reserved (a step whose job was lost, or an interrupted batch)."""
    from repair.services.documents.issuing import produce_pending

    return f"{len(produce_pending(runtime, now=_when(now)))} documents finished"


def finish_stale_reserved(runtime, *, older_than_minutes: int = 10) -> str:
    """Finish every document reserved longer than a few minutes: its job was lost (the node died between
    the commit and the queueing) or failed for good before a fix. A document finished meanwhile by its own
    job is left alone (`produce` only commits over a reserved row)."""
    from datetime import timedelta

    from sqlalchemy import select

    from repair.services.cases.history import utc_naive
    from repair.services.documents.issuing import produce
    from repair.services.setup.runtime import local_now
    from repair.store.document_models import Document

    now = local_now()
    cutoff = utc_naive(now - timedelta(minutes=older_than_minutes))
    with runtime.uow(read_only=True) as uow:
        ids = list(uow.session.scalars(select(Document.id).where(Document.status == "reserved",
                                                                 Document.created_at < cutoff)))
    for document_id in ids:
        produce(runtime, document_id, now=now)
    return f"{len(ids)} stale reserved documents finished"


def check_fulfilment(runtime, *, case_no: str, cause: str, now: str | None = None) -> str:
    """The automatic fulfilment check of one case."""
    from repair.services.cases.fulfilment_check import check_fulfilment as check

    outcome = check(runtime, case_no, _when(now), cause=cause)
    return f"case {case_no} checked: {outcome}"


def deliver_sync(runtime, *, portal: str | None = None) -> str:
    """One delivery pass over the sync outbox (every portal, or one)."""
    from repair.services.exchange.delivery import run_once
    from repair.services.setup.runtime import local_now

    summary = run_once(runtime, clock=local_now, portal=portal)
    return f"sync: {summary}"


TASKS: dict[str, TaskSpec] = {
    "produce_document": TaskSpec(produce_document, "documents", lock_key="document_id"),
    "produce_reserved": TaskSpec(produce_reserved, "documents", max_attempts=1),
    "check_fulfilment": TaskSpec(check_fulfilment, "cases", lock_key="case_no"),
    "deliver_sync": TaskSpec(deliver_sync, "sync", max_attempts=3, lock_key="portal"),
    "finish_stale_reserved": TaskSpec(finish_stale_reserved, "documents", max_attempts=1),
}
# Run by the workers on a schedule (cron, UTC): sync deliveries every minute, lost documents every 5 minutes.
PERIODIC = {"deliver_sync": "* * * * *", "finish_stale_reserved": "*/5 * * * *"}
QUEUES = tuple(sorted({spec.queue for spec in TASKS.values()}))
