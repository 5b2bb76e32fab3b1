"""Operations: a request id on every request and log line, JSON logs, and /metrics for Prometheus.

Request latency is a histogram per endpoint kept by each process; under `repair serve` the gunicorn
workers share it through prometheus-client's multiprocess files (PROMETHEUS_MULTIPROC_DIR, set by the
server before the workers start). Queue depth, clocks and sync backlog are read from the database at
scrape time, so any node reports the whole cluster's figures.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid
from datetime import datetime, timezone

from flask import Blueprint, Flask, Response, g, has_request_context, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from repair.web.context import runtime

bp = Blueprint("metrics", __name__)
REQUEST_SECONDS = Histogram("repair_http_request_duration_seconds", "Time to answer an HTTP request",
                            ["endpoint", "method", "status"],
                            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def init_app(app: Flask) -> None:
    """Request ids, latency histogram and the /metrics endpoint."""
    app.before_request(_start)
    app.after_request(_finish)
    app.register_blueprint(bp)


def _start() -> None:
    # Keep the id nginx (or a client) sent so one request can be followed across machines.
    offered = request.headers.get("X-Request-ID", "")
    g.request_id = offered if _REQUEST_ID.match(offered) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    started = g.pop("request_started", None)
    if started is not None:
        REQUEST_SECONDS.labels(request.endpoint or "unmatched", request.method,
                               str(response.status_code)).observe(time.perf_counter() - started)
    response.headers["X-Request-ID"] = g.get("request_id", "")
    return response


class _ClusterCollector:
    """Figures read from the shared database at scrape time."""

    def __init__(self, rt):
        self.runtime = rt

    def collect(self):
        from repair.readmodels.operations import clock_counts, sync_backlog
        from repair.services.jobs import job_counts

        depth = GaugeMetricFamily("repair_jobs", "Jobs by queue and status", labels=["queue", "status"])
        age = GaugeMetricFamily("repair_jobs_oldest_age_seconds", "Age of the oldest job by queue and status",
                                labels=["queue", "status"])
        for row in job_counts(self.runtime):
            depth.add_metric([row["queue"], row["status"]], row["count"])
            age.add_metric([row["queue"], row["status"]], row["oldest_seconds"])
        yield depth
        yield age
        today = datetime.now(timezone.utc).astimezone().date()
        open_clocks = GaugeMetricFamily("repair_clocks_open", "Running or paused stage clocks per department",
                                        labels=["department"])
        overdue = GaugeMetricFamily("repair_clocks_overdue", "Running clocks past their due date per department",
                                    labels=["department"])
        for row in clock_counts(self.runtime, today):
            open_clocks.add_metric([row["department"]], row["open"])
            overdue.add_metric([row["department"]], row["overdue"])
        yield open_clocks
        yield overdue
        backlog = GaugeMetricFamily("repair_sync_backlog", "Sync outbox messages not delivered, by portal and status",
                                    labels=["portal", "status"])
        oldest = GaugeMetricFamily("repair_sync_backlog_oldest_age_seconds", "Age of the oldest pending message",
                                   labels=["portal"])
        for row in sync_backlog(self.runtime):
            backlog.add_metric([row["portal"], row["status"]], row["count"])
            if row["status"] == "pending":
                oldest.add_metric([row["portal"]], row["oldest_seconds"])
        yield backlog
        yield oldest


@bp.get("/metrics")
def metrics():
    """Prometheus exposition (scraped from inside the network; nginx does not publish it)."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REQUEST_SECONDS)
    registry.register(_ClusterCollector(runtime()))
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id (inside a request), exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
                 "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        if has_request_context():
            entry["request_id"] = g.get("request_id")
            entry["method"], entry["path"] = request.method, request.path
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_json_logging(level: int = logging.INFO) -> None:
    """Send every log record to stderr as JSON (servers and workers; the CLI keeps its plain lines)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
