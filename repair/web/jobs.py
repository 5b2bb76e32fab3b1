"""/desk/jobs: pending, running and failed background jobs for administrators; a failed job can be retried."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for

from repair.errors import DomainError
from repair.services.jobs import job_counts, list_jobs, retry_job
from repair.services.jobs.queue import mode
from repair.services.setup.runtime import local_now
from repair.web.auth import current_actor, require_roles
from repair.web.context import runtime

bp = Blueprint("jobs", __name__, url_prefix="/desk/jobs")


@bp.get("/")
@require_roles("admin")
def index():
    """Jobs waiting, running or failed (newest first) and the depth of each queue."""
    rt = runtime()
    return render_template("jobs/index.html", jobs=list_jobs(rt), counts=job_counts(rt), mode=mode(rt))


@bp.post("/<int:job_id>/retry")
@require_roles("admin")
def retry(job_id: int):
    """Put a failed job back in its queue."""
    try:
        retry_job(runtime(), job_id, actor=current_actor(), now=local_now())
        flash(f"作业 {job_id} 已重新排队 / job {job_id} queued again")
    except DomainError as error:
        flash(str(error))
    return redirect(url_for(".index"))
