"""Run the app under gunicorn (a production WSGI server), not Flask's development server."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from repair.web import build_app

        return build_app()


def _child_exit(_server, worker) -> None:
    """A gunicorn worker ended: drop its live gauges from the shared metrics files."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def run_gunicorn(*, host: str, port: int, workers: int, instance_path: Path, json_logs: bool = False) -> None:
    """Serve on host:port with `workers` processes (each builds its own app and connection pool).

    Everything gunicorn keeps on disk lives in this node's instance folder — its pid file, its control socket
    and the request-latency files the workers share for /metrics (PROMETHEUS_MULTIPROC_DIR, emptied at
    start) — so several `repair serve` processes on one machine never step on each other.
    """
    run = Path(instance_path) / "run"
    metrics = run / "prometheus"
    shutil.rmtree(metrics, ignore_errors=True)
    metrics.mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics)
    options = {"bind": f"{host}:{port}", "workers": workers, "accesslog": "-", "timeout": 60,
               "pidfile": str(run / "gunicorn.pid"), "control_socket": str(run / "gunicorn.ctl"),
               "child_exit": _child_exit}
    if json_logs:
        options["logconfig_dict"] = {"version": 1, "disable_existing_loggers": False,
                                     "formatters": {"json": {"()": "repair.web.observability.JsonFormatter"}},
                                     "handlers": {"console": {"class": "logging.StreamHandler",
                                                              "formatter": "json"}},
                                     "root": {"level": "INFO", "handlers": ["console"]},
                                     "loggers": {"gunicorn.error": {"level": "INFO", "handlers": ["console"],
                                                                    "propagate": False},
                                                 "gunicorn.access": {"level": "INFO", "handlers": ["console"],
                                                                     "propagate": False}}}
    _Gunicorn(options).run()
