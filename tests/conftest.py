"""Shared fixtures: a fresh database per test (SQLite file copy, or truncated PostgreSQL schema),
a runtime, a fixed clock, and factories for departments, users, records and cases."""

from __future__ import annotations

import os
import re
import shutil
import uuid
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from repair.config import CHECKOUT, Settings
from repair.domain.actors import Actor
from repair.services.cases.workflows import WorkflowRegistry
from repair.services.setup.runtime import LOCAL_TZ, Runtime
from repair.store.db import make_engine, normalise_url
from repair.store.migrate import upgrade
from repair.store.models import Base, Department, Fulfilment, Record
from tests.security_support import enrol_all, one_time_code

PG_ADMIN_URL = os.environ.get("REPAIR_TEST_DATABASE_URL")


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgresql` (job queue, cluster) are deselected unless the run is against PostgreSQL."""
    if PG_ADMIN_URL and PG_ADMIN_URL.startswith("postgres"):
        return
    kept = [item for item in items if item.get_closest_marker("postgresql") is None]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    """Migrate one database per test run; yields ("sqlite", file) or ("postgresql", url)."""
    if PG_ADMIN_URL:
        admin = create_engine(normalise_url(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
        name = f"repair_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = normalise_url(PG_ADMIN_URL).rsplit("/", 1)[0] + "/" + name
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield ("postgresql", url)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        engine.dispose()
        yield ("sqlite", path)


@pytest.fixture
def database_url(database_template, tmp_path) -> str:
    """A database at the latest migration, empty, for this test alone."""
    kind, where = database_template
    if kind == "sqlite":
        target = tmp_path / "repair.db"
        shutil.copyfile(where, target)
        return f"sqlite:///{target}"
    engine = create_engine(where)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        # The job queue's tables (made by `repair init` or a jobs test) are emptied too.
        queue = [t for t in ("procrastinate_jobs", "procrastinate_events", "procrastinate_periodic_defers",
                             "procrastinate_workers") if conn.execute(text("SELECT to_regclass(:t)"), {"t": t}).scalar()]
        if queue:
            conn.execute(text(f"TRUNCATE {', '.join(queue)} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return where


@pytest.fixture(scope="session")
def registry() -> WorkflowRegistry:
    """The real workflows, loaded once."""
    return WorkflowRegistry(CHECKOUT / "workflows", CHECKOUT / "letters")


@pytest.fixture
def settings(database_url, tmp_path) -> Settings:
    instance = tmp_path / "instance"
    instance.mkdir(exist_ok=True)
    return Settings(instance_path=instance, database_url=database_url)


@pytest.fixture
def runtime(settings, registry, now):
    rt = Runtime(settings)
    rt.__dict__["workflows"] = registry
    with rt.uow() as uow:
        registry.register_current(uow, now)
        uow.commit()
    yield rt
    rt.dispose()


@pytest.fixture
def cli_env(settings, runtime, monkeypatch) -> dict:
    """Environment for running the `repair` CLI against this test's database and instance."""
    env = {**os.environ, "REPAIR_DATABASE_URL": settings.database_url,
           "REPAIR_INSTANCE_PATH": str(settings.instance_path)}
    monkeypatch.setenv("REPAIR_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("REPAIR_INSTANCE_PATH", str(settings.instance_path))
    return env


@pytest.fixture
def now() -> datetime:
    """A fixed instant: Thursday 2026-11-26 10:00 in Shanghai."""
    return datetime(2026, 11, 26, 10, 0, tzinfo=LOCAL_TZ)


def at(day: str, hour: int = 10) -> datetime:
    """An instant on a given local day (helper for timelines)."""
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), LOCAL_TZ).replace(hour=hour)


@pytest.fixture
def world(runtime, now):
    """A small district: two departments, their officers and reviewers, one enterprise user each."""
    from repair.services.security.users import add_user

    with runtime.uow() as uow:
        uow.session.add_all([
            Department(code="FGW", name="区发展改革委", channel="ndrc"),
            Department(code="SCJG", name="区市场监管局", channel="samr"),
        ])
        uow.session.flush()
        for code in ("FGW", "SCJG"):
            low = code.lower()
            add_user(uow, username=f"{low}_officer", role="officer", department=code, now=now)
            add_user(uow, username=f"{low}_officer2", role="officer", department=code, now=now)
            add_user(uow, username=f"{low}_reviewer", role="reviewer", department=code, now=now)
        add_user(uow, username="ent", role="enterprise", uscc=USCC, now=now)
        add_user(uow, username="other_ent", role="enterprise", uscc=OTHER_USCC, now=now)
        add_user(uow, username="auditor", role="auditor", now=now)
        add_user(uow, username="admin", role="admin", now=now)
        uow.commit()
    return runtime


USCC = "91310115MA1K4QWE8M"
OTHER_USCC = "91310000132149237G"


def actor(username: str) -> Actor:
    """The actor for a `world` username."""
    if username in ("ent", "other_ent"):
        return Actor(username, "enterprise", uscc=USCC if username == "ent" else OTHER_USCC)
    if username in ("auditor", "admin", "system"):
        return Actor(username, username)
    department = username.split("_")[0].upper()
    return Actor(username, "reviewer" if username.endswith("reviewer") else "officer", department=department)


@pytest.fixture
def make_record(world, now):
    """Create a record (defaults: an FGW general penalty from 2026-03-02, fine 5,000 paid)."""
    counter = iter(range(1, 10_000))

    def make(*, paid: bool = True, **fields) -> int:
        number = next(counter)
        values = dict(kind="administrative_penalty", authority_code="FGW", decision_no=f"沪浦发改罚〔2025〕{number}号",
                      uscc=USCC, party_name="上海示例贸易有限公司", channel="ndrc", tier="general", sector=None,
                      decided_on=date(2026, 3, 2), published_on=date(2026, 3, 9), penalty_types="罚款",
                      fine_amount=Decimal("5000.00"), legal_basis="《行政处罚法》", facts="示例违法事实",
                      status="published", created_at=now.replace(tzinfo=None), updated_at=now.replace(tzinfo=None))
        values.update(fields)
        with world.uow() as uow:
            record = Record(**values)
            uow.session.add(record)
            uow.session.flush()
            if paid and record.fine_amount:
                uow.session.add(Fulfilment(record_id=record.id, kind="fine_payment", amount=record.fine_amount,
                                           occurred_on=date(2026, 3, 20), reference="JK1", source="财政",
                                           recorded_at=now.replace(tzinfo=None)))
            uow.commit()
            return record.id

    return make


@pytest.fixture
def make_case(world, make_record, now):
    """Submit an application for a new record; returns the case number."""
    from repair.services.cases.verbs import submit_application

    def make(*, when: datetime | None = None, record_id: int | None = None, **record_fields) -> str:
        rid = record_id or make_record(**record_fields)
        with world.uow() as uow:
            case = submit_application(world, uow, record_id=rid, actor=actor("ent"), now=when or now,
                                      commitment_signed=True)
            return case.case_no

    return make


@pytest.fixture
def fire(world):
    """Fire a trigger as a `world` user."""
    from repair.services.cases.verbs import fire as fire_service

    def do(case_no: str, trigger: str, username: str, when: datetime, reason: str | None = None, **kw):
        with world.uow() as uow:
            return fire_service(world, uow, case_no, trigger, actor=actor(username), now=when, reason=reason, **kw)

    return do


@pytest.fixture
def show(world, now):
    """Read a case's detail view."""
    from repair.readmodels.cases import case_detail

    def read(case_no: str) -> dict:
        with world.uow(read_only=True) as uow:
            return case_detail(world, uow, case_no, today=now.date())

    return read


def repo_path(*parts: str) -> Path:
    """A path inside the checkout."""
    return CHECKOUT.joinpath(*parts)


@pytest.fixture
def sealing(world):
    """Development keys for the `world` departments (so letters can be sealed)."""
    from repair.services.setup.init import ensure_keys

    ensure_keys(world, [("FGW", "区发展改革委"), ("SCJG", "区市场监管局")])
    return world


WEB_PASSWORD = "correct horse 9"


@pytest.fixture
def web(world, settings, registry, now):
    """The Flask app over `world`, every `world` user signing in with WEB_PASSWORD (one scrypt hash, shared)."""
    from sqlalchemy import update
    from werkzeug.security import generate_password_hash

    from repair import create_app
    from repair.store.models import User

    with world.uow() as uow:
        uow.session.execute(update(User).values(password_hash=generate_password_hash(WEB_PASSWORD, method="scrypt")))
        uow.commit()
    app = create_app(settings)
    app.extensions["repair"].__dict__["workflows"] = registry
    # Users whose role signs in with a second factor have enrolled one (known secrets, see security_support).
    app.extensions["test_totp"] = enrol_all(world, settings.security.mfa_roles, now)
    yield app
    app.extensions["repair"].dispose()


def csrf_of(page: str) -> str:
    """The CSRF token embedded in a rendered form."""
    import re

    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def otp_for(app, username: str) -> str | None:
    """A fresh one-time code for `username` when their role needs one (else None)."""
    state = app.extensions.get("test_totp", {})
    return one_time_code(state, username) if username in state else None


def finish_sign_in(app, client, response, username: str):
    """Answer the second-factor step a sign-in may lead to; returns the final response (a 302 when signed in)."""
    if response.status_code == 302 and response.headers["Location"].startswith("/login/second-factor"):
        page = client.get("/login/second-factor").get_data(as_text=True)
        response = client.post("/login/second-factor", data={"code": otp_for(app, username),
                                                              "csrf_token": csrf_of(page)})
    elif response.status_code == 302 and response.headers["Location"].startswith("/login/enrol"):
        # Not enrolled yet (e.g. just made a reviewer): scan the "QR code" like a user would.
        page = client.get("/login/enrol").get_data(as_text=True)
        secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
        app.extensions.setdefault("test_totp", {})[username] = {"secret": secret, "last": None, "codes": []}
        client.post("/login/enrol", data={"code": otp_for(app, username), "csrf_token": csrf_of(page)})
        response = client.get("/login")  # signed in: the sign-in page sends the user to their pages
    return response


@pytest.fixture
def login(web):
    """A test client signed in as a `world` user (with the second factor where the role needs it)."""

    def sign_in(username: str):
        client = web.test_client()
        token = csrf_of(client.get("/login").get_data(as_text=True))
        response = client.post("/login", data={"username": username, "password": WEB_PASSWORD, "csrf_token": token})
        response = finish_sign_in(web, client, response, username)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return sign_in
