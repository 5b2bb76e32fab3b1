"""Background jobs: procrastinate workers on PostgreSQL, the same jobs in-process on SQLite."""

from repair.services.jobs.queue import (
    JobView,
    job_counts,
    list_jobs,
    retry_job,
    submit,
)

__all__ = ["JobView", "job_counts", "list_jobs", "retry_job", "submit"]
