"""WSGI entry point: `gunicorn wsgi:app` (or `repair serve`)."""

from repair import create_app

app = create_app()
