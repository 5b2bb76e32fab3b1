"""Seal keys and sealed files: certificate identities from the department configuration, revocation, archiving."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from repair.domain.departments import load_departments
from repair.errors import SealError, ValidationError
from repair.services.cluster.keys import push_keys
from repair.store.models import Department


def seal_identities(runtime, departments: list[tuple[str, str]] | None = None) -> list:
    """The certificate identity of every department: full name, USCC and district from the department
    configuration (`departments.yaml`) when it lists the department, else the department row's name."""
    from repair.seal import SealIdentity

    if departments is None:
        with runtime.uow(read_only=True) as uow:
            departments = [(d.code, d.name) for d in uow.session.scalars(select(Department).order_by(Department.code))]
    directory = load_departments(runtime.settings.departments_file)
    identities = []
    for code, name in departments:
        profile = directory.get(code)
        identities.append(SealIdentity(code, profile.full_name, profile.uscc, profile.district) if profile
                          else SealIdentity(code, name))
    return identities


def revoke_seal(runtime, code: str, *, reason: str, actor: str, now: datetime, reason_code: str = "key_compromise"):
    """Revoke department `code`'s development seal certificate as of `now` and issue it a new key.

    Documents sealed and timestamped before `now` keep verifying (the revocation time is shown); anything
    signed with the old key afterwards does not. Production keys are revoked at their CA instead.
    """
    from repair.seal import revoke_department_key

    if runtime.settings.seal_p12_dir is not None:
        raise SealError("生产环境的签章证书须向其发证机构申请吊销 / production seal certificates are revoked "
                        "by their CA, not here")
    from repair.seal.pki import SealIdentity, certificate_identity

    profile = load_departments(runtime.settings.departments_file).get(code)
    identity = (SealIdentity(code, profile.full_name, profile.uscc, profile.district) if profile
                else certificate_identity(runtime.settings.keys_dir, code))
    if identity is None:
        raise ValidationError(f"部门 {code} 没有开发用签章证书 / no development seal certificate for {code}",
                              field="department")
    record = revoke_department_key(runtime.settings.keys_dir, identity, reason=reason, now=now,
                                   reason_code=reason_code, by=actor)
    push_keys(runtime)  # on a PostgreSQL cluster, every node learns the revocation and the new key
    return record


def archive_file(runtime, source: Path, target: Path) -> dict:
    """Bring a sealed PDF to PAdES B-LTA (fresh validation data + a document timestamp) and write it to
    `target`; run again on the archived file to renew the timestamp chain before it expires."""
    from repair.seal import archive_pdf, verify_pdf

    try:
        data = Path(source).read_bytes()
    except OSError as error:
        raise SealError(f"无法读取文件 / cannot read {source}: {error.strerror}") from error
    before = verify_pdf(data, runtime.settings)
    if not before.ok:
        raise SealError(f"文书未通过验真，不能归档 / the document does not verify, not archived: {before.summary_zh}")
    archived = archive_pdf(data, runtime.settings)
    Path(target).write_bytes(archived)
    return verify_pdf(archived, runtime.settings).as_dict()
