"""`repair sync …` from the command line, including a worker process killed (-9) after the portal answered
and before the receipt was recorded: the next worker re-sends under the same idempotency key."""

import json
import subprocess
import sys
from datetime import timedelta

from sqlalchemy import select

from repair.config import CHECKOUT, load_settings
from repair.services.exchange.delivery import run_once
from repair.services.setup.runtime import local_now
from repair.store.sync_models import OutboxMessage
from tests.fakeportal import FakePortal, conclude

CLI = "import sys; from repair.cli import main; sys.exit(main(sys.argv[1:]))"
KILLED_AFTER_SEND = """
import os, signal, sys
import repair.store.outbox as outbox
outbox.mark_sent = lambda *args, **kwargs: os.kill(os.getpid(), signal.SIGKILL)
from repair.cli import main
sys.exit(main(["sync", "run", "--once"]))
"""


def repair(env, *args):
    return subprocess.run([sys.executable, "-c", CLI, *args], capture_output=True, text=True, env=env,
                          cwd=CHECKOUT, timeout=120)


def http_env(cli_env, portal) -> dict:
    return {**cli_env, "REPAIR_SYNC_PORTALS": "creditchina", "REPAIR_SYNC_CREDITCHINA_ADAPTER": "http",
            "REPAIR_SYNC_CREDITCHINA_URL": portal.url, "REPAIR_SYNC_CREDITCHINA_SECRET": "portal-secret",
            "REPAIR_SYNC_READ_TIMEOUT": "2", "REPAIR_SYNC_LEASE_SECONDS": "120"}


def test_kill_9_between_sending_and_recording(world, make_case, fire, cli_env):
    with FakePortal() as portal:
        env = http_env(cli_env, portal)
        world.settings = load_settings(env)
        case_no = conclude(make_case, fire)
        killed = subprocess.run([sys.executable, "-c", KILLED_AFTER_SEND], capture_output=True, text=True,
                                env=env, cwd=CHECKOUT, timeout=120)
        assert killed.returncode == -9, killed.stderr
        with world.uow(read_only=True) as uow:
            row = uow.session.scalars(select(OutboxMessage)).one()
        assert (row.status, row.attempts, row.receipt_id) == ("pending", 1, None)
        assert len(portal.stored) == 1  # the portal has it; we do not know yet
        later = local_now() + timedelta(minutes=3)  # past the 120 s lease
        summary = run_once(world, clock=lambda: later)
        with world.uow(read_only=True) as uow:
            row = uow.session.scalars(select(OutboxMessage)).one()
        assert (summary.sent, summary.confirmed) == (1, [case_no])
        assert (row.status, row.attempts, row.receipt_id) == ("sent", 2, "ACK-0001")
        assert "interrupted" in row.last_error
        assert portal.deliveries[row.message_id] == 2 and len(portal.stored) == 1


def test_run_outbox_and_dead_letters_commands(world, make_case, fire, cli_env):
    with FakePortal() as portal:
        env = http_env(cli_env, portal)
        world.settings = load_settings(env)
        case_no = conclude(make_case, fire)
        portal.fault({"status": 400})
        first = repair(env, "sync", "run", "--once")
        assert first.returncode == 0, first.stderr
        assert "dead 1" in first.stdout and "HTTP 400" in first.stderr
        listed = repair(env, "sync", "dead-letters", "--json")
        dead = json.loads(listed.stdout)
        assert [(d["case_no"], d["status"], d["attempts"]) for d in dead] == [(case_no, "dead", 1)]
        refused = repair(env, "sync", "dead-letters", "--retry", str(dead[0]["id"]), "--actor", "fgw_officer")
        assert refused.returncode == 3
        retried = repair(env, "sync", "dead-letters", "--retry", str(dead[0]["id"]))
        assert retried.returncode == 0 and "requeued" in retried.stdout
        second = repair(env, "sync", "run", "--once", "--json")
        assert json.loads(second.stdout)["confirmed"] == [case_no]
        rows = json.loads(repair(env, "sync", "outbox", "--json").stdout)
        assert [(r["status"], r["attempts"], r["receipt_id"]) for r in rows] == [("sent", 1, "ACK-0001")]
    missing = repair(env, "sync", "dead-letters", "--retry", "999")
    assert missing.returncode == 2 and "999" in missing.stderr
