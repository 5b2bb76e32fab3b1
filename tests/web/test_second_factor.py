"""TOTP second factor: QR enrolment at the first sign-in of a role that needs it, recovery codes, codes that
work once, wrong codes counting toward the lock; and the password policy with its forced first change."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from sqlalchemy import update

from repair.store.models import User
from repair.store.security_models import AccountSecurity
from tests.conftest import WEB_PASSWORD, csrf_of


def password_step(client, username: str, password: str = WEB_PASSWORD):
    token = csrf_of(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


def code_step(client, code: str, path: str = "/login/second-factor"):
    token = csrf_of(client.get(path).get_data(as_text=True))
    return client.post(path, data={"code": code, "csrf_token": token})


@pytest.fixture
def fresh_reviewer(web):
    """fgw_reviewer as a new account: no second factor enrolled yet."""
    with web.extensions["repair"].uow() as uow:
        uow.session.execute(update(AccountSecurity).values(totp_secret=None, totp_enabled_at=None))
        uow.commit()
    return "fgw_reviewer"


def test_first_sign_in_enrols_by_qr_code_then_codes_work_once(web, fresh_reviewer):
    client = web.test_client()
    response = password_step(client, fresh_reviewer)
    assert response.headers["Location"] == "/login/enrol"
    assert client.get("/desk/").status_code == 302  # not signed in before the second factor
    page = client.get("/login/enrol").get_data(as_text=True)
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page and "<script" not in page.split("<main")[1]
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    assert client.get("/login/enrol").get_data(as_text=True).count(secret) == 1  # a reload shows the same secret
    assert "动态口令或恢复码错误" in code_step(client, "123456", "/login/enrol").get_data(as_text=True)
    totp = pyotp.TOTP(secret)
    step = int(time.time()) // 30
    done = code_step(client, totp.generate_otp(step), "/login/enrol")
    codes = re.findall(r"<li><code>([0-9a-f]{6}-[0-9a-f]{6})</code></li>", done.get_data(as_text=True))
    assert len(codes) == 10 and client.get("/desk/").status_code == 200

    again = web.test_client()
    assert password_step(again, fresh_reviewer).headers["Location"] == "/login/second-factor"
    replayed = code_step(again, totp.generate_otp(step))
    assert "动态口令或恢复码错误" in replayed.get_data(as_text=True)  # the same step is good once
    assert code_step(again, codes[0]).status_code == 302 and again.get("/desk/").status_code == 200

    third = web.test_client()
    password_step(third, fresh_reviewer)
    assert "动态口令或恢复码错误" in code_step(third, codes[0]).get_data(as_text=True)  # spent
    assert code_step(third, totp.generate_otp(step + 1)).status_code == 302


def test_wrong_codes_lock_the_account(web):
    client = web.test_client()
    for _ in range(5):
        assert password_step(client, "auditor").headers["Location"] == "/login/second-factor"
        code_step(client, "000000")
    locked = password_step(web.test_client(), "auditor")
    assert locked.status_code == 429


def test_officers_may_sign_in_with_the_password_alone(web):
    assert password_step(web.test_client(), "fgw_officer").headers["Location"] == "/desk/"


@pytest.mark.parametrize("new, problem", [
    ("Short-1", "至少 10 位"), ("onlylowercase", "至少 3 类"), ("Fgw_Officer-2026", "不得包含用户名"),
    ("correct horse 9", "最近 5 次"),
])
def test_the_password_policy(login, new, problem):
    client = login("fgw_officer")
    token = csrf_of(client.get("/account/password").get_data(as_text=True))
    page = client.post("/account/password", data={"current_password": WEB_PASSWORD, "new_password": new,
                                                  "confirm_password": new, "csrf_token": token})
    assert page.status_code == 200 and problem in page.get_data(as_text=True)


def test_none_of_the_last_five_passwords_comes_back(login):
    client = login("fgw_officer")
    passwords = [WEB_PASSWORD] + [f"Rotation-{i}-2026" for i in range(5)]
    for old, new in zip(passwords, passwords[1:]):
        token = csrf_of(client.get("/account/password").get_data(as_text=True))
        assert client.post("/account/password", data={"current_password": old, "new_password": new,
                                                       "confirm_password": new, "csrf_token": token}).status_code == 302
    token = csrf_of(client.get("/account/password").get_data(as_text=True))
    reuse = client.post("/account/password", data={"current_password": passwords[-1], "new_password": passwords[2],
                                                    "confirm_password": passwords[2], "csrf_token": token})
    assert "最近 5 次" in reuse.get_data(as_text=True)
    token = csrf_of(client.get("/account/password").get_data(as_text=True))
    sixth_back = client.post("/account/password", data={"current_password": passwords[-1], "new_password": passwords[0],
                                                         "confirm_password": passwords[0], "csrf_token": token})
    assert sixth_back.status_code == 302  # six changes ago: allowed again


def test_an_account_made_by_the_system_administrator_changes_its_password_first(web, login):
    admin = login("admin")
    token = csrf_of(admin.get("/admin/").get_data(as_text=True))
    page = admin.post("/admin/users", data={"username": "new_officer", "role": "officer", "department": "FGW",
                                            "csrf_token": token}).get_data(as_text=True)
    temporary = re.search(r'临时密码 <code>([^<]+)</code>', page).group(1)
    client = web.test_client()
    assert password_step(client, "new_officer", temporary).headers["Location"] == "/account/password"
    assert client.get("/desk/").headers["Location"] == "/account/password"  # nothing else until it is changed
    token = csrf_of(client.get("/account/password").get_data(as_text=True))
    changed = client.post("/account/password", data={"current_password": temporary, "new_password": "Mine-2026-ok",
                                                      "confirm_password": "Mine-2026-ok", "csrf_token": token})
    assert changed.headers["Location"] == "/desk/" and client.get("/desk/").status_code == 200


def test_an_expired_password_must_be_changed(web):
    with web.extensions["repair"].uow() as uow:
        user_id = uow.session.scalar(User.__table__.select().with_only_columns(User.id)
                                     .where(User.username == "fgw_officer"))
        uow.session.merge(AccountSecurity(user_id=user_id, must_change_password=False, failed_count=0,
                                          password_changed_at=__import__("datetime").datetime(2020, 1, 1)))
        uow.commit()
    client = web.test_client()
    assert password_step(client, "fgw_officer").headers["Location"] == "/account/password"
