"""`repair audit verify` checks every row against the replayed history, and every stored file (issue 13, point 2).

An edit made directly in the database (the case row, a deadline, a suspension, an extension, an uploaded file)
is found and named with its case (or upload) and field; the audit page shows the same.
"""

import json
import subprocess

import pytest
from sqlalchemy import text

from repair.services.cases.desk_actions import assign_cases
from repair.services.cluster.blobs import blob_store
from repair.services.documents.uploads import IncomingFile, add_uploads
from tests.conftest import actor, at

CASE = "(SELECT id FROM cases WHERE case_no = :case_no)"
STAGE_DEADLINE = f"(SELECT id FROM deadlines WHERE case_id = {CASE} AND stage = 'feedback')"


@pytest.fixture
def cases(world, make_case, fire):
    """Two FGW cases with a supplement round, an extension-free history and an assignment; one upload each."""
    made = []
    for _ in range(2):
        case_no = make_case(when=at("2026-11-02"), paid=False)
        fire(case_no, "accept", "fgw_officer", at("2026-11-03"))
        fire(case_no, "request_supplement", "fgw_officer", at("2026-11-04"), reason="缺少材料")
        fire(case_no, "supply", "ent", at("2026-11-06"))
        made.append(case_no)
    with world.uow() as uow:
        assign_cases(uow, made, "fgw_officer2", actor("fgw_officer"), at("2026-11-09"))
    with world.uow() as uow:
        record_id = uow.session.execute(text("SELECT record_id FROM cases WHERE case_no = :n"),
                                        {"n": made[0]}).scalar_one()
        add_uploads(world, uow, [IncomingFile("缴款凭证.pdf", b"%PDF-1.4\n% receipt\n%%EOF\n")],
                    record_id=record_id, uscc="91310115MA1K4QWE8M", purpose="supplement",
                    actor=actor("ent"), now=at("2026-11-06"))
        uow.commit()
    return made


def verify(cli_env, *extra):
    return subprocess.run([".venv/bin/repair", "audit", "verify", *extra], capture_output=True, text=True,
                          env=cli_env, timeout=120)


def sql(runtime, statement, **params):
    with runtime.engine.begin() as conn:
        conn.execute(text(statement), params)


def test_untouched_rows_verify_intact(cases, cli_env):
    result = verify(cli_env, "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    data = json.loads(result.stdout)
    assert data["intact"] is True and data["cases_checked"] == 2
    assert data["checked"]["files"]["uploads"] == 1


@pytest.mark.parametrize("statement, field", [
    (f"UPDATE cases SET state = 'concluded' WHERE id = {CASE}", "state"),
    (f"UPDATE cases SET version = version + 1 WHERE id = {CASE}", "version"),
    (f"UPDATE cases SET is_open = :no WHERE id = {CASE}", "is_open"),
    (f"UPDATE cases SET workflow_version = 1 WHERE id = {CASE}", "workflow_version"),
    (f"UPDATE cases SET assigned_to = 'fgw_officer' WHERE id = {CASE}", "assigned_to"),
    (f"UPDATE cases SET event_count = event_count - 1 WHERE id = {CASE}", "event_count"),
    (f"UPDATE cases SET head_hash = '{'0' * 64}' WHERE id = {CASE}", "head_hash"),
    (f"UPDATE deadlines SET due = '2030-01-01' WHERE id = {STAGE_DEADLINE}", "due"),
    (f"UPDATE deadlines SET status = 'met', met_on = '2026-11-10' WHERE id = {STAGE_DEADLINE}", "status"),
    (f"UPDATE deadlines SET paused_days = 0 WHERE id = {STAGE_DEADLINE}", "paused_days"),
    (f"UPDATE deadline_suspensions SET ended_on = '2026-11-05' WHERE deadline_id = {STAGE_DEADLINE}", "ended_on"),
    (f"DELETE FROM deadline_suspensions WHERE deadline_id = {STAGE_DEADLINE}", "suspensions"),
    (f"INSERT INTO deadline_extensions (deadline_id, days, reason, actor, at) "
     f"VALUES ({STAGE_DEADLINE}, 10, 'x', 'x', '2026-11-10 02:00:00')", "extensions"),
])
def test_a_row_edited_behind_the_engine_is_named_with_its_field(world, cases, cli_env, statement, field):
    victim, untouched = cases
    sql(world, statement, case_no=victim, no=False)
    result = verify(cli_env)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith(f"{victim}: ")]
    assert lines and any(f" {field}" in line or f"—{field}" in line or f"— {field}" in line for line in lines), \
        result.stdout
    assert untouched not in result.stdout


def test_a_changed_upload_is_named(world, cases, cli_env, settings):
    store = blob_store(world, "uploads")  # files on SQLite, the shared blobs table on PostgreSQL
    digest = next(store.digests())
    forged = b"%PDF-1.4\n% forged receipt\n%%EOF\n"
    if store.kind == "fs":
        store.path(digest).write_bytes(forged)
    else:
        with world.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE blob_chunks SET data = %(b)s WHERE sha256 = %(d)s", {"b": forged, "d": digest})
    result = verify(cli_env)
    assert result.returncode == 1
    assert any(line.startswith("upload ") and "sha256" in line for line in result.stdout.splitlines()), result.stdout


def test_the_audit_page_shows_the_same_finding(world, cases, cli_env, web, login):
    victim, _ = cases
    sql(world, f"UPDATE cases SET state = 'concluded' WHERE id = {CASE}", case_no=victim)
    client = login("auditor")
    page = client.get("/audit/?from=2026-01-01&to=2026-12-31").get_data(as_text=True)
    assert victim in page and "state" in page
