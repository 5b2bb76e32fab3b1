"""Two web nodes and two workers on one PostgreSQL database (issue 15), each with its own instance folder.

An enterprise applies through node A, an officer accepts and a reviewer grants through node B, the workers
check fulfilment and seal; the sealed decision downloads byte for byte the same from both nodes. Then a worker
is killed with SIGKILL while it seals: the other worker finishes the job, nothing is sealed twice and no
document number is skipped.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time

import json
import urllib.error
import urllib.request

import pytest
from sqlalchemy import text, update
from werkzeug.security import generate_password_hash

from repair.store.models import User
from tests.conftest import WEB_PASSWORD

pytestmark = [pytest.mark.postgresql, pytest.mark.slow, pytest.mark.pdf]
SECRET = "cluster-test-secret-0123456789abcdef"


class Answer:
    """An HTTP answer: status, headers, bytes (and JSON)."""

    def __init__(self, status: int, headers, content: bytes):
        self.status_code, self.headers, self.content = status, headers, content
        self.text = content.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.content)


def http(method: str, url: str, *, json_body=None, headers: dict | None = None, timeout: float = 60) -> Answer:
    data = None if json_body is None else json.dumps(json_body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={
        **(headers or {}), **({"Content-Type": "application/json"} if data is not None else {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Answer(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        with error:  # closes its socket (a ResourceWarning otherwise, an error under filterwarnings=error)
            return Answer(error.code, error.headers, error.read())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Cluster:
    """The processes of one test; every one of them is stopped at the end."""

    def __init__(self, database_url: str, tmp_path):
        self.tmp = tmp_path
        self.env = {**os.environ, "REPAIR_DATABASE_URL": database_url, "REPAIR_SECRET_KEY": SECRET,
                    "REPAIR_MFA_ROLES": "", "REPAIR_JOBS": "queue", "REPAIR_WORKER_HEARTBEAT": "1",
                    "REPAIR_INSECURE_COOKIES": "1"}
        self.processes: dict[str, subprocess.Popen] = {}
        self.ports: dict[str, int] = {}

    def instance(self, name: str) -> dict:
        return {**self.env, "REPAIR_INSTANCE_PATH": str(self.tmp / name)}

    def run(self, name: str, *args: str) -> subprocess.CompletedProcess:
        result = subprocess.run([".venv/bin/repair", *args], env=self.instance(name), capture_output=True,
                                text=True, timeout=180)
        assert result.returncode == 0, result.stderr
        return result

    def start(self, name: str, *args: str) -> None:
        with open(self.tmp / f"{name}.log", "w") as log:  # the child keeps its own descriptor
            self.processes[name] = subprocess.Popen([".venv/bin/repair", *args], env=self.instance(name),
                                                    stdout=log, stderr=subprocess.STDOUT)

    def serve(self, name: str) -> str:
        port = self.ports[name] = free_port()
        self.start(name, "serve", "--port", str(port), "--workers", "1")
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if http("GET", f"{base}/healthz", timeout=2).status_code == 200:
                    return base
            except OSError:
                pass
            assert self.processes[name].poll() is None, self.log(name)
            assert time.monotonic() < deadline, f"{name} did not start\n{self.log(name)}"
            time.sleep(0.2)

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGCONT)
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def token(base: str, username: str) -> dict:
    response = http("POST", f"{base}/api/v1/auth/token", json_body={"username": username, "password": WEB_PASSWORD})
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def fire(base: str, headers: dict, case_no: str, trigger: str) -> dict:
    version = http("GET", f"{base}/api/v1/cases/{case_no}", headers=headers).json()["version"]
    response = http("POST", f"{base}/api/v1/cases/{case_no}/events", json_body={"trigger": trigger},
                    headers={**headers, "If-Match": f'"{version}"'})
    assert response.status_code == 201, response.text
    return response.json()


def wait_for(what, check, timeout: float = 120.0):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def sql(engine, statement: str, **params):
    with engine.connect() as conn:
        return conn.execute(text(statement), params).all()


@pytest.fixture
def cluster(world, settings, tmp_path):
    with world.uow() as uow:
        uow.session.execute(update(User).values(password_hash=generate_password_hash(WEB_PASSWORD, method="scrypt")))
        uow.commit()
    running = Cluster(settings.database_url, tmp_path)
    try:
        yield running
    finally:
        running.stop()


def test_two_nodes_two_workers_one_database(cluster, world, make_record):
    record_id = make_record()
    cluster.run("node-a", "init")  # keys made once, kept in the database encrypted with the secret
    assert sql(world.engine, "SELECT count(*) FROM instance_files")[0][0] > 0
    a, b = cluster.serve("node-a"), cluster.serve("node-b")
    cluster.start("worker-1", "worker", "--concurrency", "1")
    cluster.start("worker-2", "worker", "--concurrency", "1")
    # Node B and the workers made no keys: they took them from the database.
    assert (cluster.tmp / "node-b" / "keys").is_dir() and not (cluster.tmp / "node-b" / "keys" / "secret_key").exists()

    ent, officer, reviewer = token(a, "ent"), token(b, "fgw_officer"), token(b, "fgw_reviewer")
    created = http("POST", f"{a}/api/v1/cases", json_body={"record_id": record_id, "commitment_signed": True},
                   headers=ent)
    assert created.status_code == 201, created.text
    case_no = created.json()["case_no"]
    fire(b, officer, case_no, "accept")
    # The automatic fulfilment check runs on a worker and moves the case on.
    wait_for("the fulfilment check", lambda: http("GET", f"{b}/api/v1/cases/{case_no}",
                                                  headers=reviewer).json()["state"] == "under_review")
    fire(b, reviewer, case_no, "grant")
    sealed = fire(b, officer, case_no, "seal")
    assert sealed["to"] == "concluded"

    def decision():
        listed = http("GET", f"{a}/api/v1/cases/{case_no}/documents", headers=ent).json()["items"]
        return next((d for d in listed if d["kind"] == "repair_decision" and d["status"] == "sealed"), None)

    document = wait_for("the sealed decision", decision)
    from_a = http("GET", f"{a}/api/v1/documents/{document['id']}/pdf", headers=ent)
    from_b = http("GET", f"{b}/api/v1/documents/{document['id']}/pdf", headers=officer)
    assert from_a.status_code == from_b.status_code == 200
    assert from_a.content == from_b.content and from_a.content.startswith(b"%PDF")
    assert from_a.headers["ETag"].strip('"') == document["sha256"]
    assert b"repair_http_request_duration_seconds" in http("GET", f"{b}/metrics").content

    # A worker dies (SIGKILL) while sealing: worker 2 is paused so that worker 1 takes the job.
    cluster.processes["worker-2"].send_signal(signal.SIGSTOP)
    again = http("POST", f"{a}/api/v1/cases", json_body={"record_id": make_record(), "commitment_signed": True},
                 headers=ent).json()["case_no"]
    fire(b, officer, again, "accept")
    doing = wait_for("worker 1 sealing the acceptance notice", lambda: sql(
        world.engine, "SELECT id FROM procrastinate_jobs WHERE task_name = 'repair:produce_document' "
                      "AND status = 'doing'"), timeout=60)
    cluster.processes["worker-1"].send_signal(signal.SIGKILL)
    cluster.processes["worker-1"].wait(timeout=30)
    job_id = doing[0][0]
    assert sql(world.engine, "SELECT status FROM procrastinate_jobs WHERE id = :j", j=job_id)[0][0] == "doing"
    cluster.processes["worker-2"].send_signal(signal.SIGCONT)
    # Worker 2 sees worker 1's heartbeat stop, puts the job back and runs it.
    wait_for("the job finished by worker 2", lambda: not sql(
        world.engine, "SELECT 1 FROM procrastinate_jobs WHERE id = :j AND status <> 'succeeded'", j=job_id)
        and sql(world.engine, "SELECT 1 FROM documents d JOIN cases c ON c.id = d.case_id "
                              "WHERE c.case_no = :c AND d.kind = 'acceptance_notice' AND d.status = 'sealed'",
                c=again), timeout=120)

    documents = sql(world.engine, "SELECT doc_no, status, sha256 FROM documents WHERE department_code = 'FGW' "
                                  "AND kind NOT IN ('penalty_decision', 'application_form', 'commitment_letter') "
                                  "ORDER BY id")
    assert all(status == "sealed" for _, status, _ in documents), documents
    numbers = [int(re.search(r"〔\d{4}〕(\d+)号", doc_no).group(1)) for doc_no, _, _ in documents]
    assert numbers == list(range(1, len(numbers) + 1))  # one document per number, none skipped
    assert len({doc_no for doc_no, _, _ in documents}) == len(documents)  # none sealed twice
    assert sql(world.engine, "SELECT count(*) FROM procrastinate_jobs WHERE status = 'failed'")[0][0] == 0
