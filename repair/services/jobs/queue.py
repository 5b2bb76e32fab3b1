"""Submitting, listing and retrying jobs; procrastinate (PostgreSQL) in queue mode, in-process inline.

Queue mode (`REPAIR_JOBS=queue`, the default on PostgreSQL): `submit` inserts a procrastinate job on one
of our own connections — inside the caller's transaction when it passes `uow`, so the job exists exactly
when the step that needs it is committed — and `repair worker` processes on any machine run it with
retries; a job naming a lock (e.g. one document) never runs twice at once. Inline mode (`REPAIR_JOBS=
inline`, the embedded default on SQLite): the same task function runs right away in the caller's process,
so `./run.sh` needs no worker.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from procrastinate import exceptions as procrastinate_errors
from procrastinate import sql as procrastinate_sql
from sqlalchemy import text

from repair.errors import NotFound, ValidationError
from repair.services.jobs.tasks import TASKS

log = logging.getLogger(__name__)
MODES = ("inline", "queue")


def mode(runtime) -> str:
    """"queue" or "inline" (settings.jobs; queue needs PostgreSQL)."""
    chosen = runtime.settings.jobs
    if chosen == "queue" and runtime.engine.dialect.name != "postgresql":
        raise ValidationError("作业队列需要 PostgreSQL / REPAIR_JOBS=queue needs PostgreSQL", "jobs")
    return chosen


def submit(runtime, task: str, *, uow=None, **kwargs) -> int | None:
    """Run `task(**kwargs)` in the background (queue mode: returns the job id) or right now (inline).

    In inline mode a failure is logged and swallowed, as a failed job would be: the caller's step is
    committed whatever happens to the job, and the work can be resumed (e.g. `repair letters resume`).
    """
    spec = TASKS[task]
    if mode(runtime) == "inline":
        try:
            spec.function(runtime, **kwargs)
        except Exception:  # noqa: BLE001 - a job's failure never undoes the step that asked for it
            log.exception("in-process job %s%r failed", task, kwargs)
        return None
    from repair.services.jobs.worker import deferring_app

    options = {}
    if spec.lock_key is not None:
        key = f"{task}:{kwargs.get(spec.lock_key)}"
        # lock: never two at once; queueing lock: never two waiting (the second would do nothing).
        options.update(lock=key, queueing_lock=key)
    deferrer = deferring_app(runtime).tasks[f"repair:{task}"]
    try:
        if uow is not None:
            return deferrer.configure(connection=_driver(uow.connection), **options).defer(**kwargs)
        with runtime.engine.begin() as conn:
            return deferrer.configure(connection=_driver(conn), **options).defer(**kwargs)
    except procrastinate_errors.AlreadyEnqueued:
        return None  # the same work is already waiting


def _driver(connection):
    """The psycopg connection under a SQLAlchemy connection (procrastinate inserts through it)."""
    return connection.connection.driver_connection


@dataclass(frozen=True)
class JobView:
    """A job as the administrators' page shows it."""

    id: int
    task: str
    queue: str
    status: str
    attempts: int
    args: dict
    lock: str | None
    deferred_at: datetime | None
    last_event: str | None
    last_event_at: datetime | None


_LIST = text("""
SELECT j.id, j.task_name, j.queue_name, j.status, j.attempts, j.args, j.lock,
       (SELECT min(e.at) FROM procrastinate_events e WHERE e.job_id = j.id AND e.type = 'deferred') AS deferred_at,
       last.type AS last_event, last.at AS last_event_at
  FROM procrastinate_jobs j
  LEFT JOIN LATERAL (SELECT e.type::text AS type, e.at FROM procrastinate_events e WHERE e.job_id = j.id
                     ORDER BY e.id DESC LIMIT 1) last ON true
 WHERE j.status::text = ANY(:statuses)
 ORDER BY j.id DESC
 LIMIT :limit
""")
_COUNTS = text("""
SELECT j.queue_name, j.status::text, count(*),
       EXTRACT(EPOCH FROM now() - min(COALESCE(d.at, j.scheduled_at)))
  FROM procrastinate_jobs j
  LEFT JOIN LATERAL (SELECT min(e.at) AS at FROM procrastinate_events e
                     WHERE e.job_id = j.id AND e.type = 'deferred') d ON true
 WHERE j.status IN ('todo', 'doing', 'failed')
 GROUP BY j.queue_name, j.status
""")


def _has_queue(runtime) -> bool:
    if runtime.engine.dialect.name != "postgresql":
        return False
    with runtime.engine.connect() as conn:
        return conn.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar() is not None


def list_jobs(runtime, *, statuses=("todo", "doing", "failed"), limit: int = 200) -> list[JobView]:
    """Pending, running and failed jobs, newest first (none in inline mode: jobs run in-process)."""
    if not _has_queue(runtime):
        return []
    with runtime.engine.connect() as conn:
        rows = conn.execute(_LIST, {"statuses": list(statuses), "limit": limit}).all()
    return [JobView(id=r.id, task=r.task_name.removeprefix("repair:"), queue=r.queue_name, status=r.status,
                    attempts=r.attempts, args=dict(r.args or {}), lock=r.lock, deferred_at=r.deferred_at,
                    last_event=r.last_event, last_event_at=r.last_event_at) for r in rows]


def job_counts(runtime) -> list[dict]:
    """Per queue and status: how many jobs, and the age in seconds of the oldest (for /metrics)."""
    if not _has_queue(runtime):
        return []
    with runtime.engine.connect() as conn:
        return [{"queue": q, "status": s, "count": n, "oldest_seconds": float(age or 0)}
                for q, s, n, age in conn.execute(_COUNTS).all()]


def retry_job(runtime, job_id: int, *, actor, now: datetime) -> None:
    """Put a failed job back in its queue (administrators only)."""
    if actor.role != "admin":
        raise NotFound(f"作业不存在 / no job {job_id}")
    failed = [job for job in list_jobs(runtime, statuses=("failed",), limit=100000) if job.id == job_id]
    if not failed:
        raise NotFound(f"没有可重试的失败作业 / no failed job {job_id}")
    from repair.services.jobs.worker import deferring_app

    connector = deferring_app(runtime).connector.get_sync_connector()
    with runtime.engine.begin() as conn:
        connector.execute_query_all_with_connection(
            _driver(conn), query=procrastinate_sql.queries["retry_job"], job_id=job_id, retry_at=now,
            new_priority=None, new_queue_name=None, new_lock=None)
    log.info("job %s retried by %s", job_id, actor.username)
