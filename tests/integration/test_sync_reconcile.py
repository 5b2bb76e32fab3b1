"""Reconciliation lists cases whose status on a portal differs from our latest conclusion."""

import json
import subprocess
import sys

from repair.config import CHECKOUT, PortalConfig
from repair.services.exchange.delivery import run_once
from repair.services.exchange.sync import portal_adapters, reconcile
from tests.conftest import at
from tests.fakeportal import FakePortal, conclude

T0 = at("2026-11-06", 11)
CLI = "import sys; from repair.cli import main; sys.exit(main(sys.argv[1:]))"


def kinds(report):
    return sorted((d.portal, d.case_no, d.kind, d.ours, d.theirs) for d in report["differences"])


def test_file_drop_status_feedback(world, make_case, fire, cli_env):
    delivered, pending = conclude(make_case, fire), conclude(make_case, fire)
    run_once(world, clock=lambda: T0)
    fire(pending, "revoke", "fgw_reviewer", at("2026-11-07"), reason="发现申请材料虚假")  # not sent yet
    feedback = world.settings.outbox_dir / "creditchina" / "status.jsonl"
    feedback.write_text("\n".join(json.dumps(line) for line in (
        {"case_no": delivered, "outcome": "granted"}, {"case_no": pending, "outcome": "granted"},
        {"case_no": "FGW-2026-999999", "outcome": "granted"})) + "\n", encoding="utf-8")
    report = reconcile(world, portal_adapters(world, lambda: T0))
    assert kinds(report) == [("creditchina", pending, "different_outcome", "revoked", "granted"),
                             ("creditchina", "FGW-2026-999999", "unknown_there", None, "granted")]
    assert [d.our_status for d in report["differences"] if d.case_no == pending] == ["pending"]
    assert set(report["unavailable"]) == {"shanghai", "gsxt"}  # no feedback file: not compared
    result = subprocess.run([sys.executable, "-c", CLI, "sync", "reconcile", "--portal", "creditchina"],
                            capture_output=True, text=True, env=cli_env, cwd=CHECKOUT, timeout=120)
    assert result.returncode == 1 and "差异 2 处 / 2 differences" in result.stdout
    feedback.write_text(json.dumps({"case_no": delivered, "outcome": "granted"}) + "\n"
                        + json.dumps({"case_no": pending, "outcome": "revoked"}) + "\n", encoding="utf-8")
    clean = subprocess.run([sys.executable, "-c", CLI, "sync", "reconcile", "--portal", "creditchina"],
                           capture_output=True, text=True, env=cli_env, cwd=CHECKOUT, timeout=120)
    assert clean.returncode == 0, clean.stdout + clean.stderr


def test_http_status_endpoint(world, make_case, fire):
    with FakePortal() as portal:
        world.settings = world.settings.with_overrides(sync_portals=(
            PortalConfig("creditchina", adapter="http", url=portal.url, secret="portal-secret"),))
        sent, lost = conclude(make_case, fire), conclude(make_case, fire)
        run_once(world, clock=lambda: T0)
        for key, body in list(portal.stored.items()):  # the portal lost one of them
            if body["case_no"] == lost:
                del portal.stored[key]
        report = reconcile(world, portal_adapters(world, lambda: T0))
    assert kinds(report) == [("creditchina", lost, "missing_there", "granted", None)]
    assert report["differences"][0].our_status == "sent" and report["unavailable"] == {}
    assert sent != lost
