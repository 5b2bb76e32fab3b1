"""Operations pages: /metrics for Prometheus, request ids, and the administrators' jobs page."""

from __future__ import annotations

import json
import logging

from repair.web.observability import JsonFormatter
from tests.conftest import at


def test_metrics_show_latency_by_endpoint_clocks_and_backlog(web, make_case):
    make_case(when=at("2026-11-02"))
    client = web.test_client()
    client.get("/healthz")
    body = client.get("/metrics").get_data(as_text=True)
    assert 'repair_http_request_duration_seconds_count{endpoint="' in body and 'method="GET",status="200"' in body
    # The case's acceptance and overall clocks run; both were due before today (tests run after 2026-11-16).
    assert 'repair_clocks_open{department="FGW"} 2.0' in body
    assert "# TYPE repair_clocks_overdue gauge" in body and "# TYPE repair_sync_backlog gauge" in body
    assert "# TYPE repair_jobs gauge" in body


def test_every_answer_names_its_request_and_keeps_an_offered_id(web):
    client = web.test_client()
    generated = client.get("/healthz").headers["X-Request-ID"]
    assert len(generated) == 32
    assert client.get("/healthz", headers={"X-Request-ID": "lb-42.a"}).headers["X-Request-ID"] == "lb-42.a"
    assert client.get("/healthz", headers={"X-Request-ID": "bad id <x>"}).headers["X-Request-ID"] != "bad id <x>"


def test_json_log_lines_carry_the_request_id(web):
    with web.test_request_context("/desk/", headers={"X-Request-ID": "abc123"}):
        web.preprocess_request()
        record = logging.LogRecord("repair", logging.INFO, __file__, 1, "hello %s", ("world",), None)
        entry = json.loads(JsonFormatter().format(record))
    assert (entry["message"], entry["request_id"], entry["path"]) == ("hello world", "abc123", "/desk/")


def test_jobs_page_is_for_administrators(web, login):
    page = login("admin").get("/desk/jobs/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "后台作业" in text and 'id="inline-mode"' in text  # SQLite: jobs run in-process, nothing waits
    assert login("fgw_officer").get("/desk/jobs/").status_code in (302, 403, 404)
