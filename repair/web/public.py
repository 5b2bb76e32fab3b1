"""Public pages: the home page and the health check."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, send_from_directory

from repair.readmodels.overview import system_overview
from repair.services.security.health import database_ready
from repair.web.context import runtime

bp = Blueprint("public", __name__)


@bp.get("/")
def index():
    """Home page: what the system does, its workflows and their statutory time limits."""
    return render_template("index.html", overview=system_overview(runtime()))


@bp.get("/favicon.ico")
def favicon():
    """The site icon for browsers that ask for /favicon.ico before reading the page's <link rel=icon>."""
    return send_from_directory(current_app.static_folder, "favicon.svg", mimetype="image/svg+xml", max_age=86400)


@bp.get("/healthz")
def healthz():
    """Liveness for load balancers: the process answers; nothing else is revealed."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """Readiness: the database answers (503 when it does not); no data is revealed."""
    try:
        database_ready(runtime())
    except Exception:  # any failure to reach the database means "not ready"; the log has the cause
        current_app.logger.exception("readiness check failed")
        return jsonify(status="unavailable"), 503
    return jsonify(status="ready")
