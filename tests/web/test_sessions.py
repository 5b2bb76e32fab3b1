"""Server-side sessions: idle timeout, absolute lifetime, revocation on password, role change and lock, the
security administrator's list and end; session and token checks take no write lock."""

from __future__ import annotations

import dataclasses
import sqlite3
import threading
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, select, text

import repair.web.auth
from repair import create_app
from repair.services.setup.runtime import local_now
from repair.store.security_models import UserSession
from tests.conftest import WEB_PASSWORD, csrf_of, finish_sign_in, otp_for


def sign_in(app, username: str, password: str = WEB_PASSWORD):
    client = app.test_client()
    token = csrf_of(client.get("/login").get_data(as_text=True))
    response = finish_sign_in(app, client, client.post("/login", data={"username": username, "password": password,
                                                                         "csrf_token": token}), username)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def signed_in(client) -> bool:
    return client.get("/desk/").status_code == 200


@pytest.fixture
def clock(monkeypatch):
    moment = {"now": local_now()}
    monkeypatch.setattr(repair.web.auth, "local_now", lambda: moment["now"])
    return moment


def test_idle_for_thirty_minutes_ends_the_session(web, clock):
    client = sign_in(web, "fgw_officer")
    clock["now"] += timedelta(minutes=29)
    assert signed_in(client)
    clock["now"] += timedelta(minutes=30, seconds=1)
    assert not signed_in(client)


def test_idle_timeout_is_configurable(web, settings, registry, clock):
    app = create_app(settings.with_overrides(security=dataclasses.replace(settings.security, session_idle_minutes=5)))
    app.extensions["repair"].__dict__["workflows"] = registry
    client = sign_in(app, "fgw_officer")
    clock["now"] += timedelta(minutes=6)
    result = signed_in(client)
    app.extensions["repair"].dispose()
    assert not result


def test_a_password_change_ends_every_other_session_and_token(web, clock):
    laptop, phone = sign_in(web, "fgw_officer"), sign_in(web, "fgw_officer")
    api = web.test_client().post("/api/v1/auth/token", json={"username": "fgw_officer", "password": WEB_PASSWORD})
    bearer = {"Authorization": f"Bearer {api.get_json()['token']}"}
    token = csrf_of(laptop.get("/account/password").get_data(as_text=True))
    new = "New-Pass-2026!"
    changed = laptop.post("/account/password", data={"current_password": WEB_PASSWORD, "new_password": new,
                                                     "confirm_password": new, "csrf_token": token})
    assert changed.status_code == 302
    assert signed_in(laptop) and not signed_in(phone)
    assert web.test_client().get("/api/v1/me", headers=bearer).status_code == 401
    sign_in(web, "fgw_officer", new)


def test_security_admin_lists_and_ends_sessions_and_role_changes_end_them(web, world, now, clock):
    from repair.services.security.users import add_user
    from tests.security_support import enrol_all

    with world.uow() as uow:
        add_user(uow, username="sec", role="security_admin", password=WEB_PASSWORD, now=now)
        uow.commit()
    web.extensions["test_totp"].update(enrol_all(world, ("security_admin",), now))
    officer = sign_in(web, "fgw_officer")
    admin = sign_in(web, "sec")
    page = admin.get("/security/?user=fgw_officer").get_data(as_text=True)
    assert 'id="sessions"' in page and "有效" in page
    token = csrf_of(page)
    assert admin.post("/security/users/fgw_officer/end-sessions", data={"csrf_token": token}).status_code == 302
    assert not signed_in(officer)
    officer = sign_in(web, "fgw_officer")
    assert admin.post("/security/users/fgw_officer/role", data={"role": "reviewer", "csrf_token": token}).status_code == 302
    assert not signed_in(officer)
    officer = sign_in(web, "fgw_officer2")
    assert admin.post("/security/users/fgw_officer2/lock", data={"csrf_token": token}).status_code == 302
    assert not signed_in(officer)
    refused = officer.post("/login", data={"username": "fgw_officer2", "password": WEB_PASSWORD,
                                           "csrf_token": csrf_of(officer.get("/login").get_data(as_text=True))})
    assert "锁定" in refused.get_data(as_text=True)
    assert admin.post("/security/users/fgw_officer2/unlock", data={"csrf_token": token}).status_code == 302
    sign_in(web, "fgw_officer2")


def test_last_seen_is_written_at_most_once_a_minute(web, clock):
    client = sign_in(web, "fgw_officer")
    runtime = web.extensions["repair"]

    def last_seen():
        with runtime.uow(read_only=True) as uow:
            return uow.session.scalar(select(UserSession.last_seen_at))

    first = last_seen()
    clock["now"] += timedelta(seconds=30)
    assert signed_in(client) and last_seen() == first
    clock["now"] += timedelta(seconds=31)
    assert signed_in(client) and last_seen() > first


def test_session_and_token_checks_take_no_write_lock(web, settings):
    client = sign_in(web, "fgw_officer")
    api = web.test_client().post("/api/v1/auth/token", json={"username": "fgw_officer", "password": WEB_PASSWORD})
    bearer = {"Authorization": f"Bearer {api.get_json()['token']}"}
    assert web.test_client().get("/api/v1/me", headers=bearer).status_code == 200  # last use noted now
    assert signed_in(client)
    # Another transaction holds the write lock (SQLite) / blocks writers of both tables (PostgreSQL).
    url = settings.database_url
    if url.startswith("sqlite"):
        holder = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        release = holder.rollback
    else:
        engine = create_engine(url)
        connection = engine.connect()
        connection.execute(text("LOCK TABLE user_sessions, api_tokens IN EXCLUSIVE MODE"))

        def release():
            connection.rollback()
            connection.close()
            engine.dispose()
    answers = {}

    def read():
        answers["api"] = web.test_client().get("/api/v1/me", headers=bearer).status_code
        answers["page"] = client.get("/desk/").status_code

    worker = threading.Thread(target=read)
    worker.start()
    worker.join(timeout=10)
    finished = not worker.is_alive()
    release()
    worker.join()
    assert finished and answers == {"api": 200, "page": 200}


def test_api_token_needs_the_second_factor_for_reviewers(web):
    client = web.test_client()
    without = client.post("/api/v1/auth/token", json={"username": "fgw_reviewer", "password": WEB_PASSWORD})
    assert without.status_code == 401 and "otp" in without.get_json()["detail"]
    wrong = client.post("/api/v1/auth/token", json={"username": "fgw_reviewer", "password": WEB_PASSWORD,
                                                    "otp": "000000"})
    assert wrong.status_code == 401
    right = client.post("/api/v1/auth/token", json={"username": "fgw_reviewer", "password": WEB_PASSWORD,
                                                    "otp": otp_for(web, "fgw_reviewer")})
    assert right.status_code == 201
