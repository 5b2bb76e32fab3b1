"""API: the dishonesty records an actor may see."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from repair.readmodels import api as api_views
from repair.web.api_auth import api_actor, require_token
from repair.web.api_common import page_args, paged
from repair.web.context import runtime

bp = Blueprint("records", __name__)


@bp.get("/records")
@require_token()
def index():
    """Records in the actor's scope, by id; `?kind=` filters."""
    page, per_page = page_args()
    with runtime().uow(read_only=True) as uow:
        items, total = api_views.record_page(uow, api_actor(), kind=request.args.get("kind") or None, page=page,
                                             per_page=per_page)
    return paged(items, total, page, per_page)


@bp.get("/records/<int:record_id>")
@require_token()
def show(record_id: int):
    """One record."""
    with runtime().uow(read_only=True) as uow:
        return jsonify(api_views.record_for(uow, api_actor(), record_id))
