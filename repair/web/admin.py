"""三员分立 pages: the system administrator's accounts (/admin/), the security administrator's roles, locks,
sessions and second factors (/security/), and the audit administrator's security log (/security-log/)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from repair.errors import DomainError, NotFound
from repair.services.security import admin as duties
from repair.services.security import log
from repair.services.security.sessions import list_sessions
from repair.services.setup.runtime import local_now
from repair.web.auth import client_ip, current_actor, require_roles
from repair.web.context import runtime
from repair.web.hardening import UnsafeRequest, bounded_int

admin_bp = Blueprint("admin", __name__, url_prefix="/admin")
security_bp = Blueprint("security", __name__, url_prefix="/security")
log_bp = Blueprint("security_log", __name__, url_prefix="/security-log")
PER_PAGE = 50


@admin_bp.get("/")
@require_roles("admin")
def index():
    """Accounts, and the form to add one (it gets a temporary password, changed at first sign-in)."""
    with runtime().uow(read_only=True) as uow:
        accounts = duties.accounts(uow, local_now())
    return render_template("admin/index.html", accounts=accounts, roles=duties.BUSINESS_ROLES, temporary=None)


@admin_bp.post("/users")
@require_roles("admin")
def create_user():
    """Add a business account; the temporary password is shown once."""
    form = request.form
    try:
        with runtime().uow() as uow:
            temporary = duties.create_user(uow, current_actor(), username=form.get("username", ""),
                                           role=form.get("role", ""), department=form.get("department") or None,
                                           uscc=form.get("uscc") or None, display_name=form.get("display_name", ""),
                                           now=local_now(), ip=client_ip())
    except DomainError as error:
        flash(str(error))
        return redirect(url_for(".index"))
    with runtime().uow(read_only=True) as uow:
        accounts = duties.accounts(uow, local_now())
    return render_template("admin/index.html", accounts=accounts, roles=duties.BUSINESS_ROLES,
                           temporary=(form.get("username", "").strip(), temporary))


@security_bp.get("/")
@require_roles("security_admin")
def index():  # noqa: F811 - one `index` per blueprint
    """Every account with its lock and second-factor state; a user's sessions on request."""
    username = request.args.get("user") or None
    rt = runtime()
    with rt.uow(read_only=True) as uow:
        accounts = duties.accounts(uow, local_now())
        try:
            sessions = list_sessions(uow, username, rt.settings.security, local_now()) if username else None
        except NotFound:
            sessions = None
    return render_template("admin/security.html", accounts=accounts, roles=duties.BUSINESS_ROLES,
                           user=username, sessions=sessions)


@security_bp.post("/users/<username>/<action>")
@require_roles("security_admin")
def act(username: str, action: str):
    """lock | unlock | end-sessions | reset-mfa | role (with `role`)."""
    verbs = {"lock": duties.lock, "unlock": duties.unlock, "end-sessions": duties.end_sessions,
             "reset-mfa": duties.reset_second_factor}
    try:
        with runtime().uow() as uow:
            if action == "role":
                duties.change_role(uow, current_actor(), username, request.form.get("role", ""), now=local_now(),
                                   ip=client_ip())
            elif action in verbs:
                verbs[action](uow, current_actor(), username, now=local_now(), ip=client_ip())
            else:
                raise NotFound(f"未知操作 / unknown action {action!r}")
    except NotFound as error:
        return render_template("error.html", code=404, message=str(error)), 404
    except DomainError as error:
        flash(str(error))
        return redirect(url_for(".index", user=username))
    flash(f"已完成 / done: {username} {action}")
    return redirect(url_for(".index", user=username))


@log_bp.get("/")
@require_roles("audit_admin")
def index():  # noqa: F811 - one `index` per blueprint
    """The security log, newest first, filtered by kind, subject and dates; with its chain check."""
    page = bounded_int(request.args.get("page"), 1)
    filters = _filters()
    with runtime().uow(read_only=True) as uow:
        events, total = log.list_events(uow, page=page, per_page=PER_PAGE, **filters)
        report = log.verify_security_log(uow) if page == 1 else None
    return render_template("admin/security_log.html", events=events, total=total, page=page, per_page=PER_PAGE,
                           report=report, kinds=log.KINDS, filters=filters,
                           active={k: str(v) for k, v in filters.items() if v})


@log_bp.get("/export.csv")
@require_roles("audit_admin")
def export():
    """The filtered security log as CSV; the export itself is logged."""
    filters = _filters()
    with runtime().uow() as uow:
        body = log.export_logged(uow, actor=current_actor().username, ip=client_ip(), now=local_now(), **filters)
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=security-log.csv"})


def _filters() -> dict:
    kind = request.args.get("kind") or None
    if kind is not None and kind not in log.KINDS:
        raise UnsafeRequest("未知的事件类型 / unknown event kind")
    return {"kind": kind, "subject": (request.args.get("subject") or "").strip()[:64] or None,
            "since": _day("since"), "until": _day("until")}


def _day(name: str) -> date | None:
    raw = request.args.get(name) or ""
    if not raw:
        return None
    try:
        if len(raw) != 10:
            raise ValueError
        return date.fromisoformat(raw)
    except ValueError:
        raise UnsafeRequest(f"{name} 须为 YYYY-MM-DD / {name} must be YYYY-MM-DD") from None
