"""Benchmark: web latency with 100,000 cases — the officer queue's first page and `GET /api/v1/cases`,
beside a trivial endpoint of the same app as the framework baseline.

Run as `.venv/bin/python bench/web.py [--cases 100000] [--requests 300] [--rebuild]`. The data set is the
audit bench's synthetic district (bench/_audit_data.py: eight departments, FGW the busiest, a year of cases with
hash-chained events) generated once with bulk Core inserts and cached as bench/out/web-<cases>.db; each run
serves a copy (signing in writes rows) with `repair serve --workers 2` (gunicorn) on a free port.

Measured from this process, sequentially (one request at a time, a new connection per request as gunicorn's
sync workers close it), the endpoints interleaved round-robin so that drift hits them alike, after a warm-up:
- `GET /desk/` signed in (session cookie) as an officer of FGW, the biggest department;
- `GET /api/v1/cases` with that officer's bearer token (first page, 50 per page, with the total);
- `GET /healthz` (baseline: one indexed COUNT of open cases, the cheapest route that goes through the app and
  its database; a static file would measure only file serving).
Target: each p95 under 150 ms and within 5x the baseline's p95.
Last line: {"metric": "web_p95_ms", "value": max p95 of the two, "baseline": baseline p95,
"ratio": value/baseline, plus p50/p95 per endpoint}.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This folder holds calendar.py: keep it off the path before anything imports the stdlib's `calendar`.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import argparse  # noqa: E402
import http.cookiejar  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import urllib.parse  # noqa: E402
import urllib.request  # noqa: E402
from datetime import date  # noqa: E402

from sqlalchemy import update  # noqa: E402

from bench._audit_data import generate  # noqa: E402
from repair.config import CHECKOUT, Settings  # noqa: E402
from repair.services.security.users import add_user  # noqa: E402
from repair.services.setup.runtime import Runtime, local_now  # noqa: E402
from repair.store.db import make_engine  # noqa: E402
from repair.store.migrate import heads, upgrade  # noqa: E402
from repair.store.models import Case  # noqa: E402

OFFICER, PASSWORD = "fgw_officer1", "bench password 9"
YEAR, TODAY = 2025, date(2026, 1, 15)
TARGET_MS, TARGET_RATIO = 150.0, 5.0


def database(cases: int, rebuild: bool) -> Path:
    """The cached data set (generated when missing, stale or asked for), with the officer and workflows."""
    out = _HERE / "out"
    out.mkdir(exist_ok=True)
    path, stamp = out / f"web-{cases}.db", out / f"web-{cases}.json"
    key = {"heads": sorted(heads()), "cases": cases, "generator": 1}
    if not rebuild and path.exists() and stamp.exists() and json.loads(stamp.read_text())["key"] == key:
        return path
    path.unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    began = time.perf_counter()
    counts = generate(engine, cases=cases, year=YEAR, today=TODAY)
    engine.dispose()
    runtime = Runtime(Settings(instance_path=Path(tempfile.mkdtemp(prefix="bench-web-")), database_url=url))
    with runtime.uow() as uow:
        runtime.workflows.register_current(uow, local_now())
        # The generator writes version 1; the cases run on the versions registered now.
        for name, workflow in runtime.workflows.current.items():
            uow.session.execute(update(Case).where(Case.workflow == name)
                                .values(workflow_version=workflow.version))
        add_user(uow, username=OFFICER, role="officer", department="FGW", password=PASSWORD,
                 now=local_now())
        uow.commit()
    with runtime.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    runtime.dispose()
    print(f"generated {counts} in {time.perf_counter() - began:.1f} s")
    stamp.write_text(json.dumps({"key": key, "counts": counts}))
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(db: Path, workdir: Path, workers: int) -> tuple[subprocess.Popen, str]:
    """`repair serve` over a copy of the data set; returns the process and its base URL once it answers."""
    copy = workdir / "web.db"
    shutil.copyfile(db, copy)
    port = free_port()
    env = {**os.environ, "REPAIR_DATABASE_URL": f"sqlite:///{copy}", "REPAIR_INSTANCE_PATH": str(workdir),
           "REPAIR_INSECURE_COOKIES": "1"}
    log = (workdir / "server.log").open("w")
    process = subprocess.Popen([str(CHECKOUT / ".venv/bin/repair"), "serve", "--port", str(port), "--workers",
                                str(workers)], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=5):
                return process, base
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("server did not start:\n" + (workdir / "server.log").read_text())
            time.sleep(0.2)


def officer_session(base: str) -> tuple[urllib.request.OpenerDirector, str]:
    """A cookie-carrying opener signed in as the officer, and the officer's API bearer token."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(f"{base}/login").read().decode()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"username": OFFICER, "password": PASSWORD, "csrf_token": csrf}).encode()
    landed = opener.open(f"{base}/login", data=form)
    assert landed.url.endswith("/desk/"), landed.url
    credentials = json.dumps({"username": OFFICER, "password": PASSWORD}).encode()
    request = urllib.request.Request(f"{base}/api/v1/auth/token", method="POST", data=credentials,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return opener, json.loads(response.read())["token"]


def timed(call) -> tuple[float, bytes]:
    began = time.perf_counter()
    body = call()
    return (time.perf_counter() - began) * 1000, body


def percentile(values: list[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    values = sorted(values)
    position = (len(values) - 1) * p
    low = int(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


def measure(base: str, requests: int, warmup: int = 20) -> dict[str, list[float]]:
    """Latencies in ms per endpoint, interleaved; every answer is checked to be the real page."""
    opener, token = officer_session(base)
    api = urllib.request.Request(f"{base}/api/v1/cases", headers={"Authorization": f"Bearer {token}"})
    calls = {
        "desk_queue": (lambda: opener.open(f"{base}/desk/").read(), b'id="queue"'),
        "api_cases": (lambda: urllib.request.urlopen(api).read(), b'"total"'),
        "baseline_healthz": (lambda: urllib.request.urlopen(f"{base}/healthz").read(), b'"status"'),
    }
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for round_no in range(warmup + requests):
        for name, (call, marker) in calls.items():
            elapsed, body = timed(call)
            assert marker in body, (name, body[:200])
            if round_no >= warmup:
                samples[name].append(elapsed)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    db = database(args.cases, args.rebuild)
    with tempfile.TemporaryDirectory(prefix="bench-web-") as workdir:
        process, base = serve(db, Path(workdir), args.workers)
        try:
            samples = measure(base, args.requests)
        finally:
            process.terminate()
            process.wait(timeout=30)
    figures = {name: {"p50": round(percentile(v, 0.5), 2), "p95": round(percentile(v, 0.95), 2),
                      "mean": round(sum(v) / len(v), 2)} for name, v in samples.items()}
    print(f"{args.cases} cases, {args.requests} sequential requests per endpoint (interleaved), "
          f"gunicorn --workers {args.workers}")
    for name, f in figures.items():
        print(f"  {name:<18} p50 {f['p50']:7.2f} ms   p95 {f['p95']:7.2f} ms   mean {f['mean']:7.2f} ms")
    value = max(figures["desk_queue"]["p95"], figures["api_cases"]["p95"])
    baseline = figures["baseline_healthz"]["p95"]
    ratio = round(value / baseline, 2)
    met = value < TARGET_MS and ratio <= TARGET_RATIO
    verdict = "met" if met else "MISSED"
    print(f"target p95 < {TARGET_MS:.0f} ms and <= {TARGET_RATIO:.0f}x baseline: {verdict}")
    print(json.dumps({"metric": "web_p95_ms", "value": value, "baseline": baseline, "ratio": ratio,
                      **{f"{name}_{k}": f[k] for name, f in figures.items() for k in ("p50", "p95")}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
