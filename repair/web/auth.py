"""Sign-in and sign-out for the HTML pages: signed cookie sessions, CSRF, role checks.

The session holds only the username and the sign-in time; the actor is re-loaded from the database on
every request, so a deactivated user is out at once. The JSON API (`/api/`) never reads the session:
it authenticates by bearer token only, which is why it is exempt from CSRF checks.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import wraps

from flask import (Blueprint, Flask, abort, flash, g, redirect, render_template, request,
                   session, url_for)
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.routing import BuildError

from repair.config import Settings
from repair.domain.actors import Actor
from repair.domain.errors import AuthenticationFailed, NotFound, RateLimited
from repair.domain.roles import ROLES, role_title
from repair.services.auth import authenticate
from repair.services.runtime import local_now
from repair.services.users import load_actor
from repair.web.context import runtime

bp = Blueprint("auth", __name__)

API_PREFIX = "/api/"
SESSION_LIFETIME = timedelta(hours=8)
# Where each role lands after signing in; the audience blueprints provide these endpoints.
HOME_BY_ROLE: dict[str, str] = {
    "enterprise": "portal.index",
    "officer": "desk.index",
    "reviewer": "desk.index",
    "auditor": "audit.index",
    "admin": "admin.index",
}
CSRF_MESSAGE = "页面已过期或来源无法验证，请刷新页面后重试 / CSRF token missing or invalid"
csrf = CSRFProtect()


def init_app(app: Flask, settings: Settings) -> None:
    """Session cookie flags, CSRF on every HTML form, the signed-in actor and the sign-in views."""
    app.config.update(
        PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME,
        # Tokens live as long as the session; the default one hour would reject slow form filling.
        WTF_CSRF_TIME_LIMIT=None,
        # Checked below for everything outside the bearer-token API.
        WTF_CSRF_CHECK_DEFAULT=False,
    )
    # Secure unless told otherwise: plain-HTTP sites set REPAIR_INSECURE_COOKIES; debug and tests run on http.
    app.config["SESSION_COOKIE_SECURE"] = not (settings.insecure_cookies or app.debug or app.testing)
    csrf.init_app(app)
    app.jinja_env.globals["role_title"] = role_title

    @app.before_request
    def check_csrf():
        if app.config.get("WTF_CSRF_ENABLED", True) and not request.path.startswith(API_PREFIX):
            csrf.protect()

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError):
        return render_template("error.html", code=400, message=CSRF_MESSAGE), 400

    app.register_blueprint(bp)


def session_secret(settings: Settings) -> str:
    """The configured secret key, else one kept in the instance folder so every worker signs alike."""
    if settings.secret_key:
        return settings.secret_key
    path = settings.instance_path / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f"secret_key.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32))
        try:
            # link() never replaces: of several workers starting at once, the first complete key wins.
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(draft)
    return path.read_text(encoding="ascii").strip()


def current_actor() -> Actor | None:
    """The signed-in actor of this HTML request, or None."""
    return g.get("actor")


def require_roles(*roles: str) -> Callable:
    """Decorate a view: anonymous users go to the sign-in page, other roles get a 403 page."""
    unknown = [role for role in roles if role not in ROLES]
    if not roles or unknown:
        raise ValueError(f"require_roles needs known roles, got {roles!r}")

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args, **kwargs):
            actor = current_actor()
            if actor is None:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if actor.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return guarded

    return decorate


def landing_url(role: str) -> str:
    """Where a role lands after signing in (the home page until its audience pages exist)."""
    try:
        return url_for(HOME_BY_ROLE[role])
    except (KeyError, BuildError):
        return url_for("public.index")


@bp.before_app_request
def load_signed_in_actor() -> None:
    g.actor = None
    username = session.get("username")
    if not username or request.path.startswith(API_PREFIX):
        return
    signed_in_at = session.get("signed_in_at", 0)
    # Cookies are re-issued on every request; this caps a session at 8 hours from sign-in regardless.
    if local_now().timestamp() - signed_in_at > SESSION_LIFETIME.total_seconds():
        session.clear()
        return
    try:
        with runtime().uow(read_only=True) as uow:
            g.actor = load_actor(uow, username)
    except NotFound:
        session.clear()


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The sign-in page; on success the session is renewed and the user sent to their role's pages."""
    next_url = _safe_next(request.values.get("next"))
    if request.method == "GET":
        if current_actor() is not None:
            return redirect(next_url or landing_url(current_actor().role))
        return render_template("auth/login.html", next=next_url, username="", error=None)
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    if not username or not password:
        return _login_page(next_url, username, "请输入用户名和密码 / username and password are required", 200)
    now = local_now()
    try:
        with runtime().uow() as uow:
            actor = authenticate(uow, username, password, ip=_client_ip(), now=now)
    except RateLimited as error:
        return _login_page(next_url, username, str(error), 429, {"Retry-After": str(error.retry_after)})
    except AuthenticationFailed as error:
        return _login_page(next_url, username, str(error), 200)
    # A fresh session on every sign-in: nothing planted beforehand survives (session fixation).
    session.clear()
    session.permanent = True
    session["username"] = actor.username
    session["signed_in_at"] = now.timestamp()
    return redirect(next_url or landing_url(actor.role))


@bp.post("/logout")
def logout():
    """Sign out (POST with a CSRF token, so no third-party page can sign a user out)."""
    session.clear()
    flash("您已安全退出 / signed out")
    return redirect(url_for("auth.login"))


def _login_page(next_url: str | None, username: str, error: str, status: int, headers: dict | None = None):
    page = render_template("auth/login.html", next=next_url, username=username, error=error)
    return page, status, headers or {}


def _safe_next(value: str | None) -> str | None:
    # Only paths on this site: "//host" and "/\host" would send the user elsewhere.
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    if value.startswith(("/login", "/logout")):
        return None
    return value


def _client_ip() -> str:
    return request.remote_addr or "unknown"

