"""Benchmark (PostgreSQL): 两书 pairs sealed by one `repair worker` and by two, and API p95 on one node and two.

Makes its own database on the server (dropped at the end) and its own instance folders, runs `repair init`,
adds penalty records, then for each worker count queues the pairs (both documents numbered in the step, one
`produce_document` job each), starts the workers and times until every document is sealed. The API run
sends the same GET requests from 4 client threads to one `repair serve` node, then spread over two.
The last line is JSON.

    .venv/bin/python bench/cluster.py [--pairs 200] [--requests 400] [--url postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/calendar.py would shadow the standard library's calendar module (urllib's email parser imports it).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.request
import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import create_engine, func, select, text  # noqa: E402

from repair.config import load_settings  # noqa: E402
from repair.domain.actors import Actor  # noqa: E402
from repair.services.documents import deliveries  # noqa: E402
from repair.services.security.users import add_user  # noqa: E402
from repair.services.setup.runtime import LOCAL_TZ, Runtime  # noqa: E402
from repair.store.db import normalise_url  # noqa: E402
from repair.store.document_models import Document  # noqa: E402
from repair.store.models import ApiToken, Fulfilment, Record, User  # noqa: E402

REPAIR = str(Path(sys.executable).with_name("repair"))
SECRET = "bench-cluster-secret-0123456789abcdef"
USCC = "91310115MA1K4QWE8M"
OFFICER = Actor("bench_officer", "officer", department="FGW")


def records(rt: Runtime, prefix: str, count: int) -> list[str]:
    """`count` FGW penalty decisions (fine paid) and their decision numbers."""
    now = datetime.now(LOCAL_TZ).replace(tzinfo=None)
    numbers = [f"沪浦发改罚〔2026〕{prefix}{i}号" for i in range(1, count + 1)]
    with rt.uow() as uow:
        for number in numbers:
            record = Record(kind="administrative_penalty", authority_code="FGW", decision_no=number, uscc=USCC,
                            party_name="上海示例贸易有限公司", channel="ndrc", tier="general", sector=None,
                            decided_on=date(2026, 3, 2), published_on=date(2026, 3, 9), penalty_types="罚款",
                            fine_amount=Decimal("5000.00"), legal_basis="《行政处罚法》", facts="示例违法事实",
                            status="published", created_at=now, updated_at=now)
            uow.session.add(record)
            uow.session.flush()
            uow.session.add(Fulfilment(record_id=record.id, kind="fine_payment", amount=record.fine_amount,
                                       occurred_on=date(2026, 3, 20), reference="JK1", source="财政",
                                       recorded_at=now))
        uow.commit()
    return numbers


def bearer_token(rt: Runtime, username: str) -> str:
    """An 8-hour API token for `username`, stored as the sign-in would store it."""
    import secrets
    from datetime import timedelta

    from repair.services.security.sessions import digest

    token, local = "rpr_" + secrets.token_urlsafe(32), datetime.now(LOCAL_TZ).replace(tzinfo=None)
    with rt.uow() as uow:
        user_id = uow.session.scalar(select(User.id).where(User.username == username))
        uow.session.add(ApiToken(user_id=user_id, token_hash=digest(token), created_at=local,
                                 expires_at=local + timedelta(hours=8)))
        uow.commit()
    return token


def sealed_count(engine, since_id: int) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Document)
                            .where(Document.id > since_id, Document.status == "sealed")).scalar()


def seal_run(rt: Runtime, env: dict, tmp: Path, pairs: int, workers: int) -> dict:
    """Queue `pairs` deliveries, start `workers` worker processes, time until all 2×pairs are sealed."""
    with rt.engine.connect() as conn:
        since = conn.execute(select(func.coalesce(func.max(Document.id), 0))).scalar()
    numbers = records(rt, f"{workers}0", pairs)
    start = time.perf_counter()
    for number in numbers:
        deliveries.prepare(rt, decision_no=number, actor=OFFICER, now=datetime.now(LOCAL_TZ))
    queued = time.perf_counter() - start
    processes = []
    for i in range(workers):
        worker_env = {**env, "REPAIR_INSTANCE_PATH": str(tmp / f"worker-{workers}-{i}")}
        log = open(tmp / f"worker-{workers}-{i}.log", "w")
        processes.append(subprocess.Popen([REPAIR, "worker", "--concurrency", "1", "--queues", "documents"],
                                          env=worker_env, stdout=log, stderr=subprocess.STDOUT))
        log.close()
    start, first = time.perf_counter(), None
    try:
        while True:
            done = sealed_count(rt.engine, since)
            if done and first is None:
                first = (time.perf_counter(), done)
            if done >= 2 * pairs:
                break
            if any(p.poll() is not None for p in processes):
                raise SystemExit(f"a worker stopped; see {tmp}")
            time.sleep(0.05)
        total = time.perf_counter() - start
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=60)
    steady = total - (first[0] - start)  # from the first sealed document (workers warm) to the last
    return {"workers": workers, "pairs": pairs, "queue_seconds": round(queued, 2),
            "seconds_from_start": round(total, 2),
            "seconds_first_to_last": round(steady, 2),
            "pairs_per_second_steady": round((2 * pairs - first[1]) / 2 / steady, 2) if steady else None}


def serve(env: dict, tmp: Path, name: str, port: int) -> subprocess.Popen:
    node_env = {**env, "REPAIR_INSTANCE_PATH": str(tmp / name)}
    log = open(tmp / f"{name}.log", "w")
    process = subprocess.Popen([REPAIR, "serve", "--port", str(port), "--workers", "1"], env=node_env,
                               stdout=log, stderr=subprocess.STDOUT)
    log.close()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return process
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{name} did not start; see {tmp / (name + '.log')}")


def api_p95(bases: list[str], token: str, path: str, requests: int, clients: int = 4) -> dict:
    """p50/p95 of `requests` GETs from `clients` threads, round-robin over `bases`."""
    times: list[float] = []
    lock = threading.Lock()
    counter = iter(range(requests))

    def client():
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            request = urllib.request.Request(bases[i % len(bases)] + path,
                                             headers={"Authorization": f"Bearer {token}"})
            start = time.perf_counter()
            with urllib.request.urlopen(request, timeout=60) as response:
                response.read()
            elapsed = time.perf_counter() - start
            with lock:
                times.append(elapsed)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    times.sort()
    return {"nodes": len(bases), "requests": len(times), "p50_ms": round(statistics.median(times) * 1000, 1),
            "p95_ms": round(times[int(0.95 * (len(times) - 1))] * 1000, 1),
            "requests_per_second": round(len(times) / wall, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--url", default=os.environ.get("REPAIR_TEST_DATABASE_URL")
                        or "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    admin = create_engine(normalise_url(args.url), isolation_level="AUTOCOMMIT")
    name = f"repair_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = normalise_url(args.url).rsplit("/", 1)[0] + "/" + name
    try:
        with tempfile.TemporaryDirectory(prefix="repair-cluster-bench-") as folder:
            tmp = Path(folder)
            env = {**os.environ, "REPAIR_DATABASE_URL": url, "REPAIR_SECRET_KEY": SECRET, "REPAIR_MFA_ROLES": "",
                   "REPAIR_JOBS": "queue", "REPAIR_INSTANCE_PATH": str(tmp / "init")}
            subprocess.run([REPAIR, "init"], env=env, check=True, capture_output=True)
            settings = load_settings({**env, "REPAIR_INSTANCE_PATH": str(tmp / "bench")})
            rt = Runtime(settings)
            with rt.uow() as uow:
                add_user(uow, username="bench_officer", role="officer", department="FGW",
                         now=datetime.now(LOCAL_TZ))
                uow.commit()
            runs = [seal_run(rt, env, tmp, args.pairs, workers) for workers in (1, 2)]
            for run in runs:
                print(f"{run['workers']} worker(s): {run['pairs']} pairs sealed in {run['seconds_from_start']} s "
                      f"from start ({run['seconds_first_to_last']} s first to last document, "
                      f"{run['pairs_per_second_steady']} pairs/s); queueing took {run['queue_seconds']} s")
            speedup = runs[0]["seconds_from_start"] / runs[1]["seconds_from_start"]
            steady_speedup = runs[0]["seconds_first_to_last"] / runs[1]["seconds_first_to_last"]
            print(f"speed-up 2 workers / 1: {speedup:.2f}× from start, {steady_speedup:.2f}× steady "
                  f"(target ≥ 1.6× on 2 cores; cores here: {os.cpu_count()})")

            ports = [_free_port(), _free_port()]
            nodes = [serve(env, tmp, f"node-{i}", port) for i, port in enumerate(ports)]
            try:
                bases = [f"http://127.0.0.1:{port}" for port in ports]
                token = bearer_token(rt, "bench_officer")
                path = "/api/v1/cases?per_page=20"
                api_p95(bases, token, path, 40)  # warm both nodes
                one = api_p95(bases[:1], token, path, args.requests)
                two = api_p95(bases, token, path, args.requests)
            finally:
                for node in nodes:
                    node.terminate()
                for node in nodes:
                    node.wait(timeout=60)
            for row in (one, two):
                print(f"API {row['nodes']} node(s): p50 {row['p50_ms']} ms, p95 {row['p95_ms']} ms, "
                      f"{row['requests_per_second']} requests/s ({row['requests']} GET {path}, 4 clients)")
            rt.dispose()
            print(json.dumps({"seal": runs, "speedup": round(speedup, 2), "speedup_steady": round(steady_speedup, 2),
                              "api": [one, two], "cpus": os.cpu_count(),
                              "load_average": [round(x, 2) for x in os.getloadavg()]}, ensure_ascii=False))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


if __name__ == "__main__":
    main()
