"""Bearer tokens for the JSON API: issue, use, revoke, expiry, rate limit; errors as problem+json."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from repair import create_app
from repair.services.security.sessions import digest as token_digest
from repair.services.security.users import add_user
from repair.store.models import ApiToken, LoginAttempt, User

PASSWORD = "correct horse 9"
USCC = "91310115MA1K4QWE8M"


@pytest.fixture
def client(world, settings, registry, now):
    with world.uow() as uow:
        alice = add_user(uow, username="alice", role="officer", department="FGW", password=PASSWORD, now=now)
        add_user(uow, username="erin", role="enterprise", uscc=USCC, now=now)
        uow.session.flush()
        erin = update(User).where(User.username == "erin")
        uow.session.execute(erin.values(password_hash=alice.password_hash))
        uow.commit()
    app = create_app(settings)
    app.extensions["repair"].__dict__["workflows"] = registry
    yield app.test_client()
    app.extensions["repair"].dispose()


def issue(client, username="alice", password=PASSWORD):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password})


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def assert_problem(response, status: int, slug: str):
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["type"] == f"urn:repair:problem:{slug}" and body["title"]
    return body


def test_issue_and_use_a_token(client, world):
    response = issue(client)
    assert response.status_code == 201 and response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["token_type"] == "Bearer" and body["token"].startswith("rpr_")
    me = client.get("/api/v1/me", headers=bearer(body["token"]))
    assert me.status_code == 200
    assert me.get_json() == {"username": "alice", "role": "officer", "department": "FGW", "uscc": None}
    erin = issue(client, "erin").get_json()["token"]
    enterprise = client.get("/api/v1/me", headers=bearer(erin)).get_json()
    assert enterprise == {"username": "erin", "role": "enterprise", "department": None, "uscc": USCC}

    with world.uow(read_only=True) as uow:
        row = uow.session.scalars(select(ApiToken).order_by(ApiToken.id)).first()
        stored = (row.token_hash, row.expires_at - row.created_at, row.last_used_at is not None)
        issued = uow.session.scalars(select(LoginAttempt.outcome).where(LoginAttempt.channel == "api")).all()
    assert stored == (token_digest(body["token"]), timedelta(hours=8), True)
    assert issued == ["token_issued", "token_issued"]


def test_a_token_does_not_sign_in_the_html_pages(client):
    token = issue(client).get_json()["token"]
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    page = client.get("/", headers=bearer(token)).get_data(as_text=True)
    assert "退出登录" not in page and "alice" not in page


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Basic YWxpY2U6eA=="},
                                     {"Authorization": "Bearer "}])
def test_missing_token_is_401(client, headers):
    response = client.get("/api/v1/me", headers=headers)
    body = assert_problem(response, 401, "unauthorized")
    assert "缺少访问令牌" in body["detail"] and response.headers["WWW-Authenticate"].startswith("Bearer")


def test_unknown_token_is_401(client):
    response = client.get("/api/v1/me", headers=bearer("rpr_not-a-real-token"))
    body = assert_problem(response, 401, "unauthorized")
    assert "访问令牌无效" in body["detail"] and 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_revoked_token_is_401(client):
    token = issue(client).get_json()["token"]
    assert client.delete("/api/v1/auth/token", headers=bearer(token)).status_code == 204
    assert_problem(client.get("/api/v1/me", headers=bearer(token)), 401, "unauthorized")
    assert_problem(client.delete("/api/v1/auth/token", headers=bearer(token)), 401, "unauthorized")
    other = issue(client).get_json()["token"]  # revoking one token leaves the others alive
    assert client.get("/api/v1/me", headers=bearer(other)).status_code == 200


def test_expired_token_is_401(client, world):
    token = issue(client).get_json()["token"]
    with world.uow() as uow:
        for row in uow.session.scalars(select(ApiToken)):
            row.expires_at -= timedelta(hours=8, seconds=1)
        uow.commit()
    assert_problem(client.get("/api/v1/me", headers=bearer(token)), 401, "unauthorized")


def test_token_of_a_deactivated_user_is_401(client, world):
    token = issue(client).get_json()["token"]
    with world.uow() as uow:
        uow.session.execute(update(User).where(User.username == "alice").values(active=False))
        uow.commit()
    assert_problem(client.get("/api/v1/me", headers=bearer(token)), 401, "unauthorized")


@pytest.mark.parametrize("username, password", [("alice", "wrong password"), ("nobody", PASSWORD),
                                                ("fgw_officer", PASSWORD)])
def test_bad_credentials_are_401_with_one_message(client, username, password):
    body = assert_problem(issue(client, username, password), 401, "unauthorized")
    assert "用户名或密码错误" in body["detail"]


@pytest.mark.parametrize("payload, fields", [
    ({}, ["username", "password"]),
    ({"username": "alice"}, ["password"]),
    ({"username": " ", "password": 12345678}, ["username", "password"]),
])
def test_validation_errors_list_every_field(client, payload, fields):
    body = assert_problem(client.post("/api/v1/auth/token", json=payload), 422, "validation")
    assert [e["field"] for e in body["errors"]] == fields and all(e["message"] for e in body["errors"])


def test_body_must_be_json(client):
    response = client.post("/api/v1/auth/token", data="username=alice", content_type="text/plain")
    assert_problem(response, 400, "malformed-json")


def test_token_endpoint_is_rate_limited(client):
    for _ in range(5):
        assert issue(client, password="wrong password").status_code == 401
    response = issue(client)
    body = assert_problem(response, 429, "rate-limited")
    assert "登录失败次数过多" in body["detail"] and int(response.headers["Retry-After"]) > 0


def test_web_and_api_failures_share_one_limit(client):
    for _ in range(5):
        assert issue(client, password="wrong password").status_code == 401
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post("/login", data={"username": "alice", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 429


def test_role_restricted_api_view_is_403(settings, client):
    from repair.web.api_auth import require_token

    app = create_app(settings)
    app.add_url_rule("/api/v1/officers-only", "officers_only", require_token("officer")(lambda: {"ok": True}))
    other = app.test_client()
    erin = issue(other, "erin").get_json()["token"]
    alice = issue(other).get_json()["token"]
    forbidden = other.get("/api/v1/officers-only", headers=bearer(erin))
    allowed = other.get("/api/v1/officers-only", headers=bearer(alice))
    app.extensions["repair"].dispose()
    assert_problem(forbidden, 403, "forbidden")
    assert allowed.get_json() == {"ok": True}
