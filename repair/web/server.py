"""Run the app under gunicorn (a production WSGI server), not Flask's development server."""

from __future__ import annotations

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


def run_gunicorn(*, host: str, port: int, workers: int) -> None:
    """Serve on host:port with `workers` processes (each builds its own app and connection pool)."""
    _Gunicorn({"bind": f"{host}:{port}", "workers": workers, "accesslog": "-", "timeout": 60}).run()
