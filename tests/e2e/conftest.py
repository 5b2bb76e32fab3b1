"""A real server for browser tests: `repair init`, a small district set up through the CLI and the services,
`repair serve` (gunicorn) on a free port of 127.0.0.1 with its own instance folder and SQLite database, and
Debian's Chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
import urllib.request
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pyotp
import pytest

from repair.config import CHECKOUT, Settings
from repair.services.setup.runtime import Runtime, local_now
from repair.store.models import Department, Fulfilment, Record

CHROMIUM = "/usr/bin/chromium"
REPAIR = CHECKOUT / ".venv" / "bin" / "repair"
# The browser of a Chinese user, whose own controls (a file input's button, a date field) speak Chinese too:
# headless Chromium takes its interface language from LANGUAGE (chromium-l10n has the zh-CN strings).
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--lang=zh-CN"]
CHROMIUM_LANGUAGE = {"LANGUAGE": "zh_CN", "LANG": "zh_CN.UTF-8", "LC_ALL": "zh_CN.UTF-8"}
PASSWORD = "e2e correct horse 9"
USCC = "91310115MA1K4QWE8M"
USERS = (("e2e_ent", "enterprise", "--uscc", USCC), ("e2e_officer", "officer", "--department", "FGW"),
         ("e2e_reviewer", "reviewer", "--department", "FGW"))
TIMEOUT_MS = 60_000
# REPAIR_UPDATE_SCREENSHOTS=1 writes the screenshots into docs/screenshots/ (how the README images are refreshed).
UPDATE_SHOTS = os.environ.get("REPAIR_UPDATE_SCREENSHOTS") == "1"
SHOTS = CHECKOUT / "docs" / "screenshots"
MAX_SHOT_BYTES = 400 * 1024


def screenshot(page, name: str, folder) -> None:
    """A full-page PNG of the current page, kept small enough for the README."""
    target = SHOTS if UPDATE_SHOTS else folder
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert 0 < path.stat().st_size < MAX_SHOT_BYTES, f"{path.name}: {path.stat().st_size} bytes"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cli(env: dict, *args: str, stdin: str | None = None) -> str:
    """Run the `repair` console script; fail the test with its message if it fails."""
    done = subprocess.run([str(REPAIR), *args], env=env, input=stdin, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def seed(settings: Settings) -> dict:
    """The department and one penalty of the enterprise, decided 200 days ago and paid (shared by 财政)."""
    today = local_now().date()
    decided = today - timedelta(days=200)
    runtime = Runtime(settings)
    try:
        with runtime.uow() as uow:
            if uow.session.get(Department, "FGW") is None:  # `repair init` adds those of departments.yaml
                uow.session.add(Department(code="FGW", name="区发展改革委", channel="ndrc"))
                uow.session.flush()
            moment = local_now().replace(tzinfo=None)
            record = Record(kind="administrative_penalty", authority_code="FGW",
                            decision_no="沪浦发改罚〔2026〕501号", uscc=USCC, party_name="上海示例贸易有限公司",
                            channel="ndrc", tier="general", sector=None,
                            decided_on=decided, published_on=decided + timedelta(days=7), penalty_types="罚款",
                            fine_amount=Decimal("5000.00"), legal_basis="《中华人民共和国价格法》第四十二条",
                            facts="未按规定明码标价", status="published", created_at=moment, updated_at=moment)
            uow.session.add(record)
            uow.session.flush()
            uow.session.add(Fulfilment(record_id=record.id, kind="fine_payment", amount=record.fine_amount,
                                       occurred_on=min(decided + timedelta(days=18), date.today()),
                                       reference="JK2026-0501", source="区财政局", recorded_at=moment))
            uow.commit()
            return {"record_id": record.id, "decision_no": record.decision_no}
    finally:
        runtime.dispose()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app served by gunicorn over its own database; yields base URL, settings and the seeded record."""
    instance = tmp_path_factory.mktemp("e2e-instance")
    database_url = f"sqlite:///{instance / 'repair.db'}"
    port = free_port()
    # Plain http on 127.0.0.1: the session cookie must not be Secure-only, or the browser never sends it back.
    env = {**os.environ, "REPAIR_DATABASE_URL": database_url, "REPAIR_INSTANCE_PATH": str(instance),
           "REPAIR_INSECURE_COOKIES": "1"}
    env.pop("REPAIR_TEST_DATABASE_URL", None)
    cli(env, "init")
    settings = Settings(instance_path=instance, database_url=database_url)
    seeded = seed(settings)
    secrets = {}
    for username, role, option, value in USERS:
        added = cli(env, "users", "add", username, "--role", role, option, value, "--password-stdin",
                    stdin=PASSWORD + "\n")
        found = re.search(r"TOTP secret: ([A-Z2-7]+)", added)  # roles with a second factor get one
        if found:
            secrets[username] = found.group(1)
    cli(env, "init")  # again: now that FGW exists, its development seal key is made
    log = (instance / "server.log").open("w")
    process = subprocess.Popen([str(REPAIR), "serve", "--port", str(port), "--workers", "2"], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process, instance / "server.log")
        yield {"base": base, "env": env, "totp": secrets, **seeded}
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def wait_until_up(base: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "server did not start within 60 s:\n" + log.read_text()
        time.sleep(0.2)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
                                              env={**os.environ, **CHROMIUM_LANGUAGE})
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def sign_in(browser, server):
    """A new browser context (its own cookies) signed in as a user; closed after the test."""
    contexts = []

    def open_as(username: str):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True,
                                      locale="zh-CN")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{server['base']}/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("form.login button[type=submit]")
        page.wait_for_load_state()
        if "/login/second-factor" in page.url:  # reviewers sign in with their authenticator's code
            page.fill("input[name=code]", pyotp.TOTP(server["totp"][username]).now())
            page.click("form.login button[type=submit]")
            page.wait_for_load_state()
        assert "/login" not in page.url, page.content()
        return page

    yield open_as
    for context in contexts:
        context.close()
