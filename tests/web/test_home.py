"""The home page, the health check and Chinese error pages."""

import pytest

from repair import create_app


@pytest.fixture
def client(runtime, settings, registry):
    app = create_app(settings)
    app.extensions["repair"].__dict__["workflows"] = registry
    yield app.test_client()
    app.extensions["repair"].dispose()


def test_home_lists_workflows_and_time_limits(client):
    page = client.get("/").get_data(as_text=True)
    assert "行政处罚信息信用修复" in page and "3个工作日" in page and "国办发〔2025〕22号" in page
    assert "待确认" in page


def test_healthz_says_only_that_the_process_is_up(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}  # no counts, nothing from the database


def test_errors_are_chinese_pages_without_traces(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)


def test_language_switch_to_english_and_back(client):
    english = client.get("/lang/en?next=/", follow_redirects=True).get_data(as_text=True)
    assert "District Public Credit Repair System" in english and 'lang="en"' in english
    assert "Procedures and time limits" in english
    chinese = client.get("/lang/zh?next=/", follow_redirects=True).get_data(as_text=True)
    assert "区公共信用信息修复系统" in chinese and "办理流程与时限" in chinese


def test_language_switch_never_redirects_off_site(client):
    response = client.get("/lang/en?next=//evil.example/")
    assert response.headers["Location"] == "/"
