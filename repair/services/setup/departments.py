"""Departments from the department file: written as a demo by `repair init`, synced into the database, listed."""

from __future__ import annotations

from sqlalchemy import select

from repair.domain.departments import demo_departments_yaml, load_departments, placeholder_warning
from repair.store.models import Department


def ensure_department_file(settings) -> bool:
    """Write the demo department file when none exists; True when it was written."""
    path = settings.departments_file
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(demo_departments_yaml(), encoding="utf-8")
    return True


def sync_departments(uow, settings) -> list[str]:
    """Create or update the stored departments from the file (codes, short names, channels, contacts, prefixes).

    Departments only in the database are left alone; returns the codes created.
    """
    directory = load_departments(settings.departments_file)
    created = []
    for profile in directory.departments:
        row = uow.session.get(Department, profile.code)
        if row is None:
            row = Department(code=profile.code)
            uow.session.add(row)
            created.append(profile.code)
        row.name, row.channel = profile.name, profile.channel
        row.address, row.phone = profile.address or row.address or "", profile.phone or row.phone or ""
        row.doc_prefix = profile.doc_prefix or row.doc_prefix or ""
    uow.session.flush()
    return created


def authority_keys(settings, uow) -> dict[str, str]:
    """USCC, full name, short name and code of every department → its code (for 双公示 处罚机关 columns)."""
    keys = {name: code for code, name in uow.session.execute(select(Department.code, Department.name))}
    for profile in load_departments(settings.departments_file).departments:
        for key in (profile.uscc, profile.full_name, profile.name, profile.code):
            keys[key] = profile.code
    return keys


def department_overview(runtime) -> dict:
    """Every department: configured ones from the file (with USCC), stored-only ones marked unconfigured."""
    directory = load_departments(runtime.settings.departments_file)
    with runtime.uow(read_only=True) as uow:
        stored = list(uow.session.scalars(select(Department).order_by(Department.code)))
    rows = [{"code": d.code, "name": d.full_name, "short_name": d.name, "uscc": d.uscc, "channel": d.channel,
             "district": d.district, "reconsideration_body": d.reconsideration_body, "court": d.court,
             "configured": True, "placeholder": d.placeholder} for d in directory.departments]
    known = {d.code for d in directory.departments}
    rows += [{"code": d.code, "name": d.name, "short_name": d.name, "uscc": None, "channel": d.channel,
              "district": None, "reconsideration_body": runtime.settings.district_government,
              "court": runtime.settings.district_court, "configured": False, "placeholder": False}
             for d in stored if d.code not in known]
    return {"departments": rows, "warning": placeholder_warning(directory), "file": str(runtime.settings.departments_file)}
