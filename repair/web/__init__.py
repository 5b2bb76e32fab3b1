"""The web application: blueprints per audience; views stay thin."""

from __future__ import annotations

import secrets

from flask import Flask

from repair.config import Settings, load_settings
from repair.services.runtime import Runtime


def build_app(config: dict | Settings | None = None) -> Flask:
    """Build the Flask app around one Runtime (engine, workflows, calendar cache)."""
    settings = config if isinstance(config, Settings) else load_settings()
    app = Flask(__name__, template_folder=str(settings.templates_dir))
    app.config.update(
        SECRET_KEY=settings.secret_key or secrets.token_hex(32),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        JSON_AS_ASCII=False,
    )
    if isinstance(config, dict):
        app.config.update(config)
    runtime = Runtime(settings)
    app.extensions["repair"] = runtime

    from repair.web import errors, public

    app.register_blueprint(public.bp)
    errors.register(app)
    return app
