"""The procrastinate app, its schema, and `repair worker`: run jobs, recover those of dead workers."""

from __future__ import annotations

import asyncio
import logging
import os
import socket

import procrastinate
from sqlalchemy import text
from sqlalchemy.engine import make_url

from repair.errors import ConcurrencyConflict, DomainError, SealError, ValidationError
from repair.services.jobs.tasks import PERIODIC, QUEUES, TASKS

log = logging.getLogger(__name__)
_apps: dict[str, procrastinate.App] = {}
_worker_runtime = None  # the runtime every task of this worker process uses


def _conninfo(database_url: str) -> str:
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


class _Retry(procrastinate.RetryStrategy):
    """Exponential retries for faults (database, disk, a portal down); a domain error is final."""

    def get_retry_decision(self, *, exception, job):
        # A lost race and a seal service failure (timestamp, revocation data) are worth another try.
        if isinstance(exception, DomainError) and not isinstance(exception, (ConcurrencyConflict, SealError)):
            return None
        return super().get_retry_decision(exception=exception, job=job)


def _blueprint() -> procrastinate.Blueprint:
    blueprint = procrastinate.Blueprint()
    for name, spec in TASKS.items():
        def run(_function=spec.function, **kwargs):
            return _function(_worker_runtime, **kwargs)
        retry = _Retry(max_attempts=spec.max_attempts - 1, exponential_wait=2) \
            if spec.max_attempts > 1 else False
        blueprint.task(name=name, queue=spec.queue, retry=retry)(run)
    for name, cron in PERIODIC.items():
        spec = TASKS[name]

        def tick(timestamp: int, _function=spec.function):
            return _function(_worker_runtime)
        # One deferral per tick for the whole cluster (procrastinate records each tick in the database).
        blueprint.periodic(cron=cron, periodic_id=name)(
            blueprint.task(name=f"periodic_{name}", queue=spec.queue, retry=False,
                           queueing_lock=f"periodic_{name}")(tick))
    return blueprint


def procrastinate_app(runtime) -> procrastinate.App:
    """One procrastinate App per database (its connection pool opens only in a worker)."""
    url = runtime.settings.database_url
    if url not in _apps:
        app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=_conninfo(url)))
        app.add_tasks_from(_blueprint(), namespace="repair")
        _apps[url] = app
    return _apps[url]


def deferring_app(runtime) -> procrastinate.App:
    """The same tasks over procrastinate's synchronous connector: web nodes and the CLI insert jobs through
    one of their own (SQLAlchemy) connections with it, never opening a pool of their own."""
    key = "sync:" + runtime.settings.database_url
    if key not in _apps:
        app = procrastinate.App(connector=procrastinate.SyncPsycopgConnector(
            conninfo=_conninfo(runtime.settings.database_url)))
        app.add_tasks_from(_blueprint(), namespace="repair")
        _apps[key] = app
    return _apps[key]


def ensure_schema(engine) -> bool:
    """Create procrastinate's tables and functions if absent (PostgreSQL only); True if created now."""
    if engine.dialect.name != "postgresql":
        return False
    with engine.begin() as conn:
        # One initialiser at a time: two `repair init` on two machines must not both create the schema.
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('repair:procrastinate-schema'))"))
        if conn.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar() is not None:
            return False
        conn.connection.driver_connection.execute(procrastinate.schema.SchemaManager.get_schema())
    return True


async def _recover_stalled(app: procrastinate.App, *, every: float, heartbeat_timeout: float) -> None:
    """Put back the running jobs of workers whose heartbeat stopped (killed, machine lost)."""
    while True:
        try:
            for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=heartbeat_timeout):
                log.warning("job %s (%s) of a stalled worker goes back to its queue", job.id, job.task_name)
                await app.job_manager.retry_job(job)
        except Exception:  # noqa: BLE001 - recovery must outlive a database hiccup
            log.exception("stalled-job recovery failed")
        await asyncio.sleep(every)


def run_worker(runtime, *, concurrency: int = 1, queues: tuple[str, ...] | None = None, wait: bool = True,
               heartbeat: float | None = None) -> None:
    """Run jobs until stopped (SIGINT/SIGTERM finish the running jobs first; `wait=False` stops when idle)."""
    global _worker_runtime
    _worker_runtime = runtime
    unknown = set(queues or ()) - set(QUEUES)
    if unknown:
        raise ValidationError(f"未知队列 / unknown queues: {', '.join(sorted(unknown))} "
                              f"(known: {', '.join(QUEUES)})", "queues")
    heartbeat = heartbeat or runtime.settings.worker_heartbeat
    app = procrastinate_app(runtime)

    async def main() -> None:
        async with app.open_async():
            recovery = asyncio.create_task(_recover_stalled(app, every=heartbeat,
                                                            heartbeat_timeout=heartbeat * 3))
            try:
                await app.run_worker_async(
                    queues=list(queues) if queues else None, concurrency=concurrency, wait=wait,
                    name=f"{socket.gethostname()}:{os.getpid()}", update_heartbeat_interval=heartbeat,
                    stalled_worker_timeout=heartbeat * 3, delete_jobs="successful")
            finally:
                recovery.cancel()

    asyncio.run(main())
