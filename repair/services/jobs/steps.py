"""What runs after a step commits: its documents and the automatic fulfilment check, as jobs.

Queue mode (PostgreSQL, `repair worker`): each reserved document becomes a `produce_document` job locked by
its id (never rendered or sealed twice at once; a document already produced is left alone, so a retried job
after a killed worker changes nothing), and a case entering `fulfilment_check` becomes a `check_fulfilment`
job locked by its case number. Inline mode (the embedded default): the same work runs right away in the
caller's process, with the problems returned to show the user, as before jobs existed.
"""

from __future__ import annotations

from datetime import datetime

from repair.errors import DomainError
from repair.services.jobs.queue import mode, submit


def produce_documents(runtime, document_ids, *, now: datetime) -> list[str]:
    """Render and seal the step's reserved documents (or queue them); returns problems met now."""
    if mode(runtime) == "queue":
        # No `now`: a seal carries the time it is applied (the worker's clock), the time its timestamp and
        # revocation data are fetched; the letter's date was fixed when the step reserved it.
        for document_id in document_ids:
            submit(runtime, "produce_document", document_id=document_id)
        return []
    from repair.services.documents.issuing import produce

    problems = []
    for document_id in document_ids:
        try:
            produce(runtime, document_id, now=now)
        except DomainError as error:  # the step stands; the document stays reserved for a later run
            problems.append(str(error))
    return problems


def check_after_step(runtime, result, now: datetime):
    """The automatic fulfilment check of a step that entered `fulfilment_check` (queued, or run now)."""
    from repair.services.cases.fulfilment_check import STAGE, after_step

    if mode(runtime) != "queue":
        return after_step(runtime, result, now)
    if result.to_state == STAGE and result.from_state != STAGE:
        submit(runtime, "check_fulfilment", case_no=result.case_no, cause=result.trigger, now=now.isoformat())
    return None


def after_commit(runtime, result, now: datetime) -> list[str]:
    """Both: the fulfilment check first (it may fire a further step), then the documents."""
    check_after_step(runtime, result, now)
    return produce_documents(runtime, result.documents, now=now)
