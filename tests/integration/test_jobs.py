"""Background jobs: in-process on SQLite, procrastinate jobs run by `repair worker` on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from repair.services.jobs import list_jobs, retry_job
from repair.services.jobs.queue import submit
from repair.services.jobs.steps import after_commit
from repair.services.jobs.worker import ensure_schema, run_worker
from repair.store.document_models import Document
from tests.conftest import actor, at


def _documents(runtime):
    with runtime.uow(read_only=True) as uow:
        return {d.id: (d.status, d.doc_no) for d in uow.session.scalars(select(Document).order_by(Document.id))}


def test_inline_jobs_finish_the_step_in_the_callers_process(sealing, make_case, fire):
    assert sealing.settings.jobs == "inline"
    case_no = make_case(when=at("2026-11-02"))
    result = fire(case_no, "accept", "fgw_officer", at("2026-11-03"))
    assert after_commit(sealing, result, at("2026-11-03")) == []
    assert _documents(sealing)[result.documents[0]][0] == "sealed"
    assert list_jobs(sealing) == []  # nothing is ever queued in-process


@pytest.fixture
def queued(sealing):
    """The `world` runtime switched to queue mode, with procrastinate's schema and an empty queue."""
    ensure_schema(sealing.engine)
    with sealing.engine.begin() as conn:
        conn.execute(text("TRUNCATE procrastinate_jobs, procrastinate_periodic_defers RESTART IDENTITY CASCADE"))
    sealing.settings = sealing.settings.with_overrides(jobs="queue")
    return sealing


@pytest.mark.postgresql
def test_a_step_queues_its_letter_and_a_worker_seals_it_once(queued, make_case, fire):
    case_no = make_case(when=at("2026-11-02"))
    result = fire(case_no, "accept", "fgw_officer", at("2026-11-03"))
    after_commit(queued, result, at("2026-11-03"))
    document_id = result.documents[0]
    assert _documents(queued)[document_id][0] == "reserved"
    waiting = list_jobs(queued)
    assert {(j.task, j.status) for j in waiting} >= {("produce_document", "todo"), ("check_fulfilment", "todo")}
    # The same document queued again while waiting is one job (queueing lock).
    assert submit(queued, "produce_document", document_id=document_id) is None
    run_worker(queued, concurrency=2, wait=False, heartbeat=1)
    status, number = _documents(queued)[document_id]
    assert status == "sealed" and number == "FGW信受〔2026〕1号"
    assert [j for j in list_jobs(queued) if not j.task.startswith("periodic_")] == []  # done jobs are deleted


@pytest.mark.postgresql
def test_a_failed_job_is_listed_and_retried(queued, make_case, fire):
    case_no = make_case(when=at("2026-11-02"))
    job_id = submit(queued, "check_fulfilment", case_no="NO-SUCH-CASE", cause="test")
    run_worker(queued, wait=False, heartbeat=1)
    [failed] = [j for j in list_jobs(queued, statuses=("failed",)) if j.task == "check_fulfilment"]
    assert (failed.id, failed.task, failed.args["case_no"]) == (job_id, "check_fulfilment", "NO-SUCH-CASE")
    with pytest.raises(Exception):
        retry_job(queued, job_id, actor=actor("fgw_officer"), now=at("2026-11-03"))
    retry_job(queued, job_id, actor=actor("admin"), now=at("2026-11-03"))
    assert [j.status for j in list_jobs(queued) if j.id == job_id] == ["todo"]
    assert case_no
