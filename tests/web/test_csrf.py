"""Every HTML form needs its CSRF token; the bearer-token JSON API does not."""

import re

import pytest

from repair import create_app
from repair.services.security.users import add_user

PASSWORD = "correct horse 9"


@pytest.fixture
def client(world, settings, registry, now):
    with world.uow() as uow:
        add_user(uow, username="alice", role="officer", department="FGW", password=PASSWORD, now=now)
        uow.commit()
    app = create_app(settings)
    app.extensions["repair"].__dict__["workflows"] = registry
    yield app.test_client()
    app.extensions["repair"].dispose()


def token_on(client, path: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def signed_in(client) -> bool:
    with client.session_transaction() as session:
        return session.get("sid") is not None  # the server-side session's id


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_login_without_a_valid_token_is_a_chinese_400(client, token):
    client.get("/login")
    data = {"username": "alice", "password": PASSWORD}
    if token is not None:
        data["csrf_token"] = token
    response = client.post("/login", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "页面已过期或来源无法验证" in page and "Traceback" not in page
    assert not signed_in(client)


def test_logout_without_a_token_is_refused_and_keeps_the_session(client):
    token = token_on(client, "/login")
    client.post("/login", data={"username": "alice", "password": PASSWORD, "csrf_token": token})
    assert signed_in(client)
    response = client.post("/logout")
    assert response.status_code == 400 and "页面已过期" in response.get_data(as_text=True)
    assert signed_in(client)
    assert client.post("/logout", data={"csrf_token": token_on(client, "/")}).status_code == 302
    assert not signed_in(client)


def test_token_from_another_session_is_refused(client):
    stolen = token_on(client, "/login")
    other = client.application.test_client()
    other.get("/login")
    response = other.post("/login", data={"username": "alice", "password": PASSWORD, "csrf_token": stolen})
    assert response.status_code == 400


def test_token_in_a_header_is_accepted(client):
    token = token_on(client, "/login")
    response = client.post("/login", data={"username": "alice", "password": PASSWORD},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 302 and signed_in(client)


def test_bearer_api_needs_no_csrf_token(client):
    response = client.post("/api/v1/auth/token", json={"username": "alice", "password": PASSWORD})
    assert response.status_code == 201 and response.get_json()["token"]
