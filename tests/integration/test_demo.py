"""`repair demo` fills a working district: departments, users per role, enterprises, records, cases in every state."""

import re
import subprocess

import pytest
from sqlalchemy import func, select

from repair.domain.uscc import check_uscc
from repair.store.models import Case, Department, Enterprise, Record, User


@pytest.mark.slow  # renders and seals every demo letter: about half a minute
def test_demo_data_covers_every_state_of_every_repair_workflow(runtime, cli_env, registry):
    result = subprocess.run([".venv/bin/repair", "demo"], capture_output=True, text=True, env=cli_env, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "fgw_officer" in result.stdout and "demo-pass-2026" in result.stdout
    assert "secadmin" in result.stdout and "auditadmin" in result.stdout
    assert re.search(r"TOTP: [A-Z2-7]{32}$", result.stdout, re.M)  # the second factor of the marked accounts
    with runtime.uow(read_only=True) as uow:
        departments = uow.session.scalars(select(Department.name)).all()
        assert set(departments) == {"区发展改革委", "区市场监管局", "区应急局", "区商务委", "区人社局"}
        roles = set(uow.session.execute(select(User.role, User.department_code)).all())
        for code in ("FGW", "SCJG", "YJJ", "SWW", "RSJ"):
            assert {("officer", code), ("reviewer", code)} <= roles
        assert {r for r, _ in roles} == {"officer", "reviewer", "auditor", "admin", "security_admin", "audit_admin",
                                         "enterprise"}
        codes = uow.session.scalars(select(Enterprise.uscc)).all()
        assert len(codes) >= 50 and all(check_uscc(c).valid for c in codes)
        records = uow.session.execute(select(Record.kind, Record.tier, Record.decided_on)).all()
        assert len(records) >= 200
        assert {r.kind for r in records} >= {"administrative_penalty", "business_anomaly_list",
                                             "inspection_negative", "commitment_breach"}
        assert {r.tier for r in records} == {"minor", "general", "serious"}
        assert min(r.decided_on for r in records).year == 2023 and max(r.decided_on for r in records).year == 2026
        reached = set(uow.session.execute(select(Case.workflow, Case.state).distinct()).all())
        for wf in registry.current.values():
            if wf.name == "paired_delivery":
                continue
            missing = {s for s in wf.states if (wf.name, s) not in reached}
            assert not missing, f"{wf.name} has no demo case in {missing}"
        assert uow.session.scalar(select(func.count()).select_from(Case)) >= 50
    again = subprocess.run([".venv/bin/repair", "demo"], capture_output=True, text=True, env=cli_env, timeout=300)
    assert again.returncode == 0 and "已存在" in again.stderr
    verify = subprocess.run([".venv/bin/repair", "audit", "verify"], capture_output=True, text=True, env=cli_env,
                            timeout=300)
    assert verify.returncode == 0, verify.stdout
