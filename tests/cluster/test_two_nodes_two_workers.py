"""Several machines on one PostgreSQL: two `repair serve` nodes with their own instance folders and two
`repair worker` processes. An enterprise applies through node A, an officer accepts and a reviewer grants
through node B; the sealed decision is the same bytes from both nodes; a worker killed while sealing
leaves its job to the other worker, with no document sealed twice and no number skipped.

Runs in .ci/run's PostgreSQL pass (REPAIR_TEST_DATABASE_URL); the SQLite pass has no shared database.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from repair.config import CHECKOUT
from repair.store.db import normalise_url

PG_ADMIN_URL = os.environ.get("REPAIR_TEST_DATABASE_URL")
pytestmark = [pytest.mark.pdf, pytest.mark.slow,
              pytest.mark.skipif(not PG_ADMIN_URL, reason="a cluster shares PostgreSQL: runs in the PostgreSQL pass")]
REPAIR = str(CHECKOUT / ".venv" / "bin" / "repair")
USCC = "91310115MA1K4QWE8M"
PASSWORD = "cluster-test-password"
SECRET = "cluster-test-secret-" + uuid.uuid4().hex


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Node:
    """One `repair serve` process and a tiny JSON client for it."""

    def __init__(self, env: dict, instance: Path, log: Path):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.process = subprocess.Popen([REPAIR, "serve", "--port", str(self.port), "--workers", "1"],
                                        env={**env, "REPAIR_INSTANCE_PATH": str(instance)},
                                        stdout=subprocess.DEVNULL, stderr=open(log, "wb"))
        self.tokens: dict[str, str] = {}

    def wait_ready(self, deadline: float) -> None:
        while True:
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2):
                    return
            except OSError:
                assert self.process.poll() is None, self.log.read_text()[-3000:]
                assert time.monotonic() < deadline, "node did not start"
                time.sleep(0.2)

    def call(self, method: str, path: str, user: str | None = None, body: dict | None = None,
             headers: dict | None = None) -> tuple[int, dict, bytes]:
        headers = dict(headers or {})
        if user is not None:
            headers["Authorization"] = f"Bearer {self.token(user)}"
        data = None
        if body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        request = urllib.request.Request(self.base + "/api/v1" + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def json(self, method: str, path: str, user: str, body: dict | None = None, headers: dict | None = None,
             expect: int = 200) -> dict:
        status, _headers, raw = self.call(method, path, user, body, headers)
        assert status == expect, (status, raw[:500])
        return json.loads(raw)

    def token(self, user: str) -> str:
        if user not in self.tokens:
            status, _h, raw = self.call("POST", "/auth/token", None, {"username": user, "password": PASSWORD})
            assert status == 201, raw
            self.tokens[user] = json.loads(raw)["token"]
        return self.tokens[user]

    def fire(self, case_no: str, trigger: str, user: str) -> dict:
        version = self.json("GET", f"/cases/{case_no}", user)["version"]
        return self.json("POST", f"/cases/{case_no}/events", user, {"trigger": trigger},
                         headers={"If-Match": f'"{version}"'}, expect=201)


def _worker(env: dict, instance: Path, log: Path) -> subprocess.Popen:
    return subprocess.Popen([REPAIR, "worker", "--concurrency", "1"],
                            env={**env, "REPAIR_INSTANCE_PATH": str(instance)},
                            stdout=subprocess.DEVNULL, stderr=open(log, "wb"))


def _seed(url: str, tmp_path: Path) -> int:
    """One department, its officer and reviewer, an enterprise user and a paid penalty record."""
    from repair.config import Settings
    from repair.services.runtime import Runtime
    from repair.services.users import add_user
    from repair.store.models import Department, Fulfilment, Record

    now = datetime(2026, 11, 26, 10, 0)
    runtime = Runtime(Settings(instance_path=tmp_path / "seed", database_url=url))
    with runtime.uow() as uow:
        uow.session.add(Department(code="FGW", name="区发展改革委", channel="ndrc", doc_prefix="沪浦发改"))
        uow.session.flush()
        add_user(uow, username="officer", role="officer", department="FGW", password=PASSWORD, now=now)
        add_user(uow, username="reviewer", role="reviewer", department="FGW", password=PASSWORD, now=now)
        add_user(uow, username="ent", role="enterprise", uscc=USCC, password=PASSWORD, now=now)
        record = Record(kind="administrative_penalty", authority_code="FGW", decision_no="沪浦发改罚〔2025〕1号",
                        uscc=USCC, party_name="上海示例贸易有限公司", channel="ndrc", tier="general", sector=None,
                        decided_on=date(2026, 3, 2), published_on=date(2026, 3, 9), penalty_types="罚款",
                        fine_amount=Decimal("5000.00"), legal_basis="《行政处罚法》", facts="示例违法事实",
                        status="published", created_at=now, updated_at=now)
        uow.session.add(record)
        uow.session.flush()
        uow.session.add(Fulfilment(record_id=record.id, kind="fine_payment", amount=record.fine_amount,
                                   occurred_on=date(2026, 3, 20), reference="JK1", source="财政", recorded_at=now))
        uow.commit()
        record_id = record.id
    runtime.dispose()
    return record_id


@pytest.fixture
def cluster_db():
    admin = create_engine(normalise_url(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
    name = f"repair_cluster_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield normalise_url(PG_ADMIN_URL).rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _wait(predicate, what: str, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_two_nodes_two_workers_share_everything(cluster_db, tmp_path):
    env = {**os.environ, "REPAIR_DATABASE_URL": cluster_db, "REPAIR_SECRET_KEY": SECRET,
           "REPAIR_WORKER_HEARTBEAT": "1", "REPAIR_INSECURE_COOKIES": "1"}
    env.pop("REPAIR_JOBS", None)
    env.pop("REPAIR_BLOB_STORE", None)
    init = tmp_path / "init"
    run = lambda *args: subprocess.run([REPAIR, *args], env={**env, "REPAIR_INSTANCE_PATH": str(init)},  # noqa: E731
                                       capture_output=True, text=True, timeout=120)
    assert run("init").returncode == 0
    record_id = _seed(cluster_db, tmp_path)
    done = run("init")  # now with a department: its development key is made and stored in the database
    assert done.returncode == 0, done.stderr

    engine = create_engine(cluster_db)
    processes: list[subprocess.Popen] = []
    try:
        node_a = Node(env, tmp_path / "node-a", tmp_path / "node-a.log")
        node_b = Node(env, tmp_path / "node-b", tmp_path / "node-b.log")
        workers = [_worker(env, tmp_path / f"worker-{i}", tmp_path / f"worker-{i}.log") for i in (1, 2)]
        processes += [node_a.process, node_b.process, *workers]
        deadline = time.monotonic() + 60
        node_a.wait_ready(deadline)
        node_b.wait_ready(deadline)
        # Node B and the workers never ran `repair init`: their keys came from the database.
        assert (tmp_path / "node-b" / "keys").is_dir() and any((tmp_path / "node-b" / "keys").rglob("*"))

        created = node_a.json("POST", "/cases", "ent", {"record_id": record_id, "commitment_signed": True},
                              expect=201)
        case_no = created["case_no"]
        node_b.fire(case_no, "accept", "officer")
        # The automatic fulfilment check runs as a job on a worker and moves the case on.
        _wait(lambda: node_b.json("GET", f"/cases/{case_no}", "officer")["state"] == "under_review",
              "the fulfilment check job")
        node_b.fire(case_no, "grant", "reviewer")

        # Hold worker 2 so worker 1 takes the sealing job, kill worker 1 in the middle of it, release worker 2.
        workers[1].send_signal(signal.SIGSTOP)
        node_b.fire(case_no, "seal", "officer")
        doing = _wait(lambda: _running_document_job(engine), "a worker sealing the decision")
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait(timeout=10)
        workers[1].send_signal(signal.SIGCONT)

        decision = _wait(lambda: _sealed_decision(node_a, case_no), "the other worker to seal the decision", 90)
        assert doing["document_id"] == decision["id"]
        _status, _h, from_a = node_a.call("GET", f"/documents/{decision['id']}/pdf", "ent")
        _status, _h, from_b = node_b.call("GET", f"/documents/{decision['id']}/pdf", "reviewer")
        assert from_a == from_b and from_a.startswith(b"%PDF-")
        assert hashlib.sha256(from_a).hexdigest() == decision["sha256"]

        with engine.connect() as conn:
            documents = conn.execute(text(
                "SELECT kind, doc_no, status, version FROM documents ORDER BY id")).all()
            unfinished = conn.execute(text(
                "SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing', 'failed')")).scalar()
        # Sealed once: one row per document, every one finished, no second version made by the retry.
        assert [(kind, status, version) for kind, _no, status, version in documents] == [
            ("application_form", "rendered", 1), ("commitment_letter", "rendered", 1),
            ("acceptance_notice", "sealed", 1), ("repair_decision", "sealed", 1)]
        numbers = [no for kind, no, _s, _v in documents if kind in ("acceptance_notice", "repair_decision")]
        assert [n.split("〕")[1] for n in numbers] == ["1号", "2号"]  # gapless: none skipped by the kill
        assert unfinished == 0
    finally:
        for process in processes:
            if process.poll() is None:
                try:
                    process.send_signal(signal.SIGCONT)
                except ProcessLookupError:
                    pass
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        engine.dispose()


def _running_document_job(engine) -> dict | None:
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT j.args FROM procrastinate_jobs j JOIN documents d ON d.id = (j.args->>'document_id')::int "
            "WHERE j.status = 'doing' AND j.task_name = 'repair:produce_document' "
            "AND d.kind = 'repair_decision'")).first()
    return dict(row.args) if row else None


def _sealed_decision(node: Node, case_no: str) -> dict | None:
    listed = node.json("GET", f"/cases/{case_no}/documents", "ent")["items"]
    found = [d for d in listed if d["kind"] == "repair_decision" and d["status"] == "sealed"]
    return found[0] if found else None
