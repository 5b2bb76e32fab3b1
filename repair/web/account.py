"""The second sign-in step (TOTP or recovery code), TOTP enrolment by QR code, and changing one's password."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from markupsafe import Markup

from repair.domain.passwords import HISTORY, MIN_CLASSES, MIN_LENGTH
from repair.errors import AuthenticationFailed, PasswordPolicyViolation, RateLimited, ValidationError
from repair.services.security.passwords import change_own_password
from repair.services.security.signin import enrolment, finish_enrolment
from repair.services.security.signin import second_factor as check_second_factor
from repair.services.setup.runtime import local_now
from repair.web.auth import client_ip, current_actor, landing_url, pending_sign_in, start_session
from repair.web.context import runtime

bp = Blueprint("account", __name__)
RULES = (f"至少 {MIN_LENGTH} 位，包含大写字母、小写字母、数字、其他字符中的至少 {MIN_CLASSES} 类，"
         f"不得包含用户名，不得与最近 {HISTORY} 次密码相同。")


@bp.route("/login/second-factor", methods=["GET", "POST"])
def second_factor():
    """Ask for the six-digit code of the authenticator app (or a recovery code)."""
    pending = pending_sign_in()
    if pending is None or pending.get("step") != "totp":
        return redirect(url_for("auth.login"))
    if request.method == "GET":
        return render_template("account/second_factor.html", error=None)
    rt = runtime()
    try:
        with rt.uow() as uow:
            step = check_second_factor(uow, rt.settings.security, pending["uid"], request.form.get("code", ""),
                                       ip=client_ip(), user_agent=request.user_agent.string, now=local_now())
    except RateLimited as error:
        return render_template("account/second_factor.html", error=str(error)), 429
    except AuthenticationFailed as error:
        return render_template("account/second_factor.html", error=str(error)), 200
    return _signed_in(step, pending.get("next"))


@bp.route("/login/enrol", methods=["GET", "POST"])
def enrol():
    """First sign-in of a role that needs a second factor: scan the QR code, confirm with a first code."""
    pending = pending_sign_in()
    if pending is None or pending.get("step") != "enrol":
        return redirect(url_for("auth.login"))
    rt = runtime()
    error = None
    if request.method == "POST":
        try:
            with rt.uow() as uow:
                step, codes = finish_enrolment(uow, rt.settings.security, pending["uid"], request.form.get("code", ""),
                                               ip=client_ip(), user_agent=request.user_agent.string,
                                               now=local_now())
        except (ValidationError, AuthenticationFailed, RateLimited) as problem:
            error = str(problem)
        else:
            _signed_in(step, pending.get("next"))
            target = url_for("account.password") if step.must_change_password else (
                pending.get("next") or landing_url(step.role))
            return render_template("account/recovery_codes.html", codes=codes, target=target)
    with rt.uow() as uow:
        secret, uri, svg = enrolment(uow, rt.settings.security, pending["uid"], now=local_now())
    # segno's SVG is generated from our own URI: plain markup, no script.
    return render_template("account/enrol.html", secret=secret, uri=uri, qr=Markup(svg), error=error)


@bp.route("/account/password", methods=["GET", "POST"])
def password():
    """Change one's own password (forced at first sign-in of an account an administrator made, and on expiry)."""
    actor = current_actor()
    if actor is None:
        return redirect(url_for("auth.login", next=url_for("account.password")))
    if request.method == "GET":
        return render_template("account/password.html", rules=RULES, error=None, forced=g.must_change_password)
    new = request.form.get("new_password", "")
    if new != request.form.get("confirm_password", ""):
        return _password_page("两次输入的新密码不一致 / the new passwords differ")
    try:
        with runtime().uow() as uow:
            change_own_password(uow, actor.username, request.form.get("current_password", ""), new,
                                ip=client_ip(), now=local_now(), keep_session=session.get("sid"))
    except (PasswordPolicyViolation, AuthenticationFailed, ValidationError) as problem:
        return _password_page(str(problem))
    flash("密码已修改，其他会话已全部退出 / password changed; every other session has ended")
    return redirect(landing_url(actor.role))


def _password_page(error: str):
    return render_template("account/password.html", rules=RULES, error=error, forced=g.must_change_password), 200


def _signed_in(step, next_url):
    start_session(step.session)
    if step.must_change_password:
        return redirect(url_for("account.password"))
    return redirect(next_url or landing_url(step.role))
