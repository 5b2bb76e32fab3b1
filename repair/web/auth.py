"""Sign-in and sign-out for the HTML pages: server-side sessions, CSRF, role checks.

The cookie (signed by Flask) carries a random session id; the `user_sessions` row is the authority, so
logout, a password or role change, a lock or the security administrator end a session at once, wherever the
cookie was copied. The JSON API (`/api/`) never reads the session: it authenticates by bearer token only,
which is why it is exempt from CSRF checks.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from functools import wraps

from flask import Blueprint, Flask, abort, flash, g, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.routing import BuildError

from repair.config import Settings
from repair.domain.actors import Actor
from repair.domain.roles import ROLES, role_title
from repair.errors import AuthenticationFailed, RateLimited, SessionEnded
from repair.services.security import sessions
from repair.services.security.signin import PENDING_LIFETIME, SignInStep, sign_in
from repair.services.setup.runtime import local_now
from repair.web.context import runtime
from repair.web.hardening import safe_next

bp = Blueprint("auth", __name__)

API_PREFIX = "/api/"
# Where each role lands after signing in; the audience blueprints provide these endpoints.
HOME_BY_ROLE: dict[str, str] = {
    "enterprise": "portal.index",
    "officer": "desk.index",
    "reviewer": "desk.index",
    "auditor": "audit.index",
    "admin": "admin.index",
    "security_admin": "security.index",
    "audit_admin": "security_log.index",
}
# Reachable while a password change is forced (everything else redirects to the change form).
DURING_FORCED_CHANGE = {"account.password", "auth.logout", "static", "desk.static", "i18n.switch",
                        "public.index", "public.healthz", "public.readyz"}
CSRF_MESSAGE = "页面已过期或来源无法验证，请刷新页面后重试 / CSRF token missing or invalid"
csrf = CSRFProtect()


def init_app(app: Flask, settings: Settings) -> None:
    """Session cookie flags, CSRF on every HTML form, the signed-in actor and the sign-in views."""
    app.config.update(
        # The Flask cookie only carries the session id, CSRF secret and language; lifetimes are server-side.
        PERMANENT_SESSION_LIFETIME=settings.security.session_absolute_hours * 3600,
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


def client_ip() -> str:
    """The client's address (the real one behind REPAIR_TRUSTED_PROXIES, see repair.web.hardening)."""
    return request.remote_addr or "unknown"


def start_session(token: str, next_url: str | None = None) -> None:
    """A fresh cookie holding only the new session id: nothing planted beforehand survives (fixation)."""
    language = session.get("lang")
    session.clear()
    session.permanent = True
    session["sid"] = token
    if language:
        session["lang"] = language


@bp.before_app_request
def load_signed_in_actor():
    g.actor = None
    g.must_change_password = False
    token = session.get("sid")
    if not token or request.path.startswith(API_PREFIX):
        return None
    rt, now = runtime(), local_now()
    try:
        # A read-only transaction: checking a session never takes the database's write lock.
        with rt.uow(read_only=True) as uow:
            live = sessions.read_session(uow, token, rt.settings.security, now)
    except SessionEnded:
        session.pop("sid", None)
        return None
    if live.stale:
        with rt.uow() as uow:
            sessions.touch_session(uow, token, now)
    g.actor = live.actor
    g.must_change_password = live.must_change_password
    if live.must_change_password and request.endpoint not in DURING_FORCED_CHANGE:
        return redirect(url_for("account.password"))
    return None


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The sign-in page; a right password leads to the second factor where it applies, then to the role's pages."""
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        if current_actor() is not None:
            return redirect(next_url or landing_url(current_actor().role))
        return render_template("auth/login.html", next=next_url, username="", error=None)
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    if not username or not password:
        return login_page(next_url, username, "请输入用户名和密码 / username and password are required", 200)
    rt = runtime()
    try:
        with rt.uow() as uow:
            step = sign_in(uow, rt.settings.security, username, password, ip=client_ip(),
                           user_agent=request.user_agent.string, now=local_now())
    except RateLimited as error:
        return login_page(next_url, username, str(error), 429, {"Retry-After": str(error.retry_after)})
    except AuthenticationFailed as error:
        return login_page(next_url, username, str(error), 200)
    return after_first_factor(step, next_url)


def after_first_factor(step: SignInStep, next_url: str | None):
    """Redirect after a password (or the unified identity platform): to the second factor when it applies, else
    into the new server-side session (the forced password change first, where due)."""
    if step.session is None:
        language = session.get("lang")
        session.clear()
        if language:
            session["lang"] = language
        session["pending"] = {"uid": step.user_id, "at": local_now().timestamp(), "step": step.next_step,
                              "next": next_url}
        return redirect(url_for("account.second_factor" if step.next_step == "totp" else "account.enrol"))
    start_session(step.session)
    if step.must_change_password:
        return redirect(url_for("account.password"))
    return redirect(next_url or landing_url(step.role))


def pending_sign_in() -> dict | None:
    """The half-done sign-in of this browser (right password, second factor outstanding), if still fresh."""
    pending = session.get("pending")
    if not isinstance(pending, dict) or not isinstance(pending.get("uid"), int):
        return None
    if local_now().timestamp() - float(pending.get("at", 0)) > PENDING_LIFETIME.total_seconds():
        session.pop("pending", None)
        return None
    g.pending_sign_in = True
    return pending


@bp.post("/logout")
def logout():
    """Sign out (POST with a CSRF token, so no third-party page can sign a user out); the session row ends."""
    token = session.get("sid")
    if token:
        with runtime().uow() as uow:
            sessions.end_session(uow, token, ip=client_ip(), now=local_now())
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    flash("您已安全退出 / signed out")
    return redirect(url_for("auth.login"))


def login_page(next_url: str | None, username: str, error: str, status: int, headers: dict | None = None):
    """The sign-in page showing `error` (also used by the unified identity sign-in's refusals)."""
    page = render_template("auth/login.html", next=next_url, username=username, error=error)
    return page, status, headers or {}
