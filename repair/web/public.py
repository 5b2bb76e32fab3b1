"""Public pages: the home page and the health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template

from repair.services.overview import system_overview
from repair.web.context import runtime

bp = Blueprint("public", __name__)


@bp.get("/")
def index():
    """Home page: what the system does, its workflows and their statutory time limits."""
    return render_template("index.html", overview=system_overview(runtime()))


@bp.get("/healthz")
def healthz():
    """Liveness and database check for load balancers."""
    return jsonify(system_overview(runtime(), brief=True))
