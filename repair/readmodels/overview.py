"""A summary of the running system for the home page and the health check."""

from __future__ import annotations

from sqlalchemy import func, select

from repair.store.models import Case


def system_overview(runtime, *, brief: bool = False) -> dict:
    """Database reachability, open cases and the workflows with their stage clocks."""
    with runtime.uow(read_only=True) as uow:
        open_cases = uow.session.scalar(select(func.count()).select_from(Case).where(Case.is_open.is_(True)))
    data = {"status": "ok", "database": runtime.engine.dialect.name, "open_cases": open_cases}
    if brief:
        return data
    data["workflows"] = [
        {"name": wf.name, "title": wf.title, "version": wf.version,
         "clocks": [{"title": c.title, "stage": c.stage, "limit": c.limit, "unit": c.unit, "basis": c.basis, "confirmed": c.confirmed}
                    for c in wf.clocks]}
        for wf in sorted(runtime.workflows.current.values(), key=lambda w: w.name)
    ]
    return data
