"""Inbound mutual recognition: a repair concluded on another portal marks our record repaired, with the
source in the history (a `recognised` event, or the `recognitions` table when there is no case); an open
local case is flagged to its officer; every import is idempotent on (source, reference)."""

import json
import subprocess
import sys

from sqlalchemy import select

from repair.config import CHECKOUT
from repair.services.exchange.recognition import issue_portal_token
from repair.services.setup.runtime import local_now
from repair.store.models import Record
from repair.store.sync_models import Recognition
from tests.conftest import WEB_PASSWORD, at
from tests.fakeportal import conclude

CLI = "import sys; from repair.cli import main; sys.exit(main(sys.argv[1:]))"


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def recognitions(world):
    with world.uow(read_only=True) as uow:
        return uow.session.scalars(select(Recognition).order_by(Recognition.id)).all()


def record_status(world, record_id):
    with world.uow(read_only=True) as uow:
        return uow.session.get(Record, record_id).status


def test_portal_posts_a_recognition_for_a_record_without_case(world, web, make_record):
    record_id = make_record()
    token, username, _ = issue_portal_token(world, "gsxt", days=30, now=local_now())
    client = web.test_client()
    body = {"reference": "GSXT-2026-0042", "decision_no": "沪浦发改罚〔2025〕1号", "authority": "FGW",
            "uscc": "91310115MA1K4QWE8M", "concluded_on": "2026-11-20"}
    created = client.post("/api/v1/recognitions", json=body, headers=bearer(token))
    assert created.status_code == 201, created.get_data(as_text=True)
    assert created.get_json() == {"status": "recorded", "record_id": record_id, "case_no": None, "flagged": False}
    assert record_status(world, record_id) == "repaired"
    again = client.post("/api/v1/recognitions", json=body, headers=bearer(token))
    assert (again.status_code, again.get_json()["status"]) == (200, "duplicate")
    rows = recognitions(world)
    assert [(r.record_id, r.case_id, r.source, r.reference, r.concluded_on.isoformat(), r.received_by)
            for r in rows] == [(record_id, None, "gsxt", "GSXT-2026-0042", "2026-11-20", username)]


def test_only_portal_clients_may_post(world, web, make_record):
    make_record()
    client = web.test_client()
    assert client.post("/api/v1/recognitions", json={}).status_code == 401
    officer = client.post("/api/v1/auth/token", json={"username": "fgw_officer", "password": WEB_PASSWORD})
    answer = client.post("/api/v1/recognitions", json={}, headers=bearer(officer.get_json()["token"]))
    assert answer.status_code == 403 and answer.mimetype == "application/problem+json"
    token, _, _ = issue_portal_token(world, "creditchina", days=1, now=local_now())
    bad = client.post("/api/v1/recognitions", json={"reference": "", "concluded_on": "2026-13-01"},
                      headers=bearer(token))
    assert bad.status_code == 422
    assert {e["field"] for e in bad.get_json()["errors"]} == {"reference", "decision_no", "concluded_on"}
    unknown = client.post("/api/v1/recognitions", json={"reference": "R1", "decision_no": "不存在的文号",
                                                        "concluded_on": "2026-11-20"}, headers=bearer(token))
    assert unknown.status_code == 404
    mismatch = client.post("/api/v1/recognitions", json={"reference": "R2", "decision_no": "沪浦发改罚〔2025〕1号",
                                                         "uscc": "91310000132149237G", "concluded_on": "2026-11-20"},
                           headers=bearer(token))
    assert mismatch.status_code == 422 and recognitions(world) == []


def test_import_file_notes_closed_cases_and_flags_open_ones(world, make_case, fire, cli_env, tmp_path, show):
    closed = conclude(make_case, fire)  # record 1, concluded here already
    fire(closed, "confirm_sync", "system", at("2026-11-09"))
    fire(closed, "revoke", "fgw_reviewer", at("2026-11-10"), reason="发现申请材料虚假")  # published again
    open_case = make_case(when=at("2026-11-16"))  # record 2, still being handled here
    lines = [{"source": "shanghai", "reference": "SH-1", "decision_no": "沪浦发改罚〔2025〕1号",
              "concluded_on": "2026-11-20"},
             {"source": "creditchina", "reference": "CC-9", "decision_no": "沪浦发改罚〔2025〕2号",
              "concluded_on": "2026-11-21"},
             {"source": "nowhere", "reference": "X", "decision_no": "沪浦发改罚〔2025〕2号", "concluded_on": "2026-11-21"}]
    path = tmp_path / "recognitions.jsonl"
    path.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\nnot json\n",
                    encoding="utf-8")

    def run(*args):
        return subprocess.run([sys.executable, "-c", CLI, *args], capture_output=True, text=True, env=cli_env,
                              cwd=CHECKOUT, timeout=120)

    first = run("sync", "import-recognitions", str(path), "--json")
    summary = json.loads(first.stdout)
    assert first.returncode == 2
    assert (summary["recorded"], summary["duplicates"], summary["flagged"]) == (2, 0, 1)
    assert [e.split(":")[0] for e in summary["errors"]] == ["第 3 行 / line 3", "第 4 行 / line 4"]
    assert record_status(world, 1) == record_status(world, 2) == "repaired"
    closed_events = show(closed)["events"]
    assert closed_events[-1]["trigger"] == "recognised" and "shanghai" in closed_events[-1]["reason"]
    open_events = [e["trigger"] for e in show(open_case)["events"]]
    assert open_events[-2:] == ["recognised", "flag"] and show(open_case)["state"] == "submitted"
    shown = run("case", "show", open_case)
    assert "flag" in shown.stdout and "请 FGW 经办人 核查" in shown.stdout
    second = json.loads(run("sync", "import-recognitions", str(path), "--json").stdout)
    assert (second["recorded"], second["duplicates"]) == (0, 2)
    assert [(r.source, r.flagged) for r in recognitions(world)] == [("shanghai", False), ("creditchina", True)]
    assert len(show(open_case)["events"]) == len(open_events)  # nothing appended twice
