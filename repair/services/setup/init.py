"""`repair init`: create or migrate the database, register workflows, make development seal keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from repair.domain.departments import load_departments, placeholder_warning
from repair.services.setup.departments import ensure_department_file, sync_departments
from repair.store.migrate import upgrade
from repair.store.models import Department


def initialise(runtime, *, now: datetime) -> dict:
    """Idempotently prepare the instance folder, the schema, workflow versions and development keys."""
    settings = runtime.settings
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    settings.documents_dir.mkdir(parents=True, exist_ok=True)
    upgrade(runtime.engine)
    written = ensure_department_file(settings)
    with runtime.uow() as uow:
        added = runtime.workflows.register_current(uow, now)
        created = sync_departments(uow, settings)
        departments = [(d.code, d.name) for d in uow.session.scalars(select(Department).order_by(Department.code))]
        uow.commit()
    # PostgreSQL: the job queue's schema, and the keys folder kept in the database (encrypted with the secret
    # key) for every other node; a second machine's `repair init` adopts the keys the first one made.
    from repair.services.cluster.keys import pull_keys, push_keys
    from repair.services.jobs.worker import ensure_schema

    ensure_schema(runtime.engine)
    pull_keys(runtime)
    ensure_keys(runtime, departments)
    push_keys(runtime)
    sm2_missing = []
    if settings.sm2_seal_dir is not None and "ofd" in settings.document_formats:
        from repair.seal.sm2.pki import missing_sm2_seals

        sm2_missing = missing_sm2_seals(settings, [code for code, _name in departments])
    return {"sm2_missing": sm2_missing, "database": settings.database_url, "instance": str(settings.instance_path),
            "sm2_keys": None if settings.sm2_seal_dir is not None or not departments
            else str(settings.keys_dir / "sm2"),
            "workflows_registered": added, "departments": len(departments), "departments_created": created,
            "departments_file": str(settings.departments_file), "departments_file_written": written,
            "warning": placeholder_warning(load_departments(settings.departments_file))}


def ensure_keys(runtime, departments: list[tuple[str, str]]) -> None:
    """Development seal keys beside each other: the EC P-256 CA and department keys (PDF, PAdES) unless
    production PKCS#12 files are configured (REPAIR_SEAL_P12_DIR), and the SM2 CA with a key, certificate and
    GB/T 38540 seal per department (OFD) under keys/sm2/ unless production SM2 seals are (REPAIR_SM2_SEAL_DIR)."""
    if not departments:
        return
    from repair.services.seals import seal_identities

    # Certificates name the full name, USCC and district from departments.yaml where it lists the department.
    identities = seal_identities(runtime, departments)
    if runtime.settings.seal_p12_dir is None:
        from repair.seal import ensure_development_pki

        ensure_development_pki(runtime.settings.keys_dir, identities)
    if runtime.settings.sm2_seal_dir is None:
        from repair.seal.sm2 import ensure_sm2_pki

        ensure_sm2_pki(runtime.settings.keys_dir, [(identity.code, identity.name) for identity in identities])
