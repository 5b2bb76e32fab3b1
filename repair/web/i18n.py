"""Language switch: Simplified Chinese by default, English from catalogs keyed by the Chinese text.

Templates write `{{ _("中文") }}`; each area keeps its English strings in
`repair/web/translations/en/<area>.json` (merged at start), so pages stay readable while a catalog grows.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from flask import Blueprint, Flask, redirect, request, session, url_for

from repair.domain import display

LANGUAGES = ("zh", "en")
CATALOGS = Path(__file__).resolve().parent / "translations"

bp = Blueprint("i18n", __name__)


@cache
def catalog(language: str) -> dict[str, str]:
    """Every translation of `language`, merged from its JSON files."""
    merged: dict[str, str] = {}
    for path in sorted((CATALOGS / language).glob("*.json")):
        merged.update(json.loads(path.read_text(encoding="utf-8")))
    return merged


def current_language() -> str:
    """The session's language (zh unless the user switched)."""
    return session.get("lang", "zh") if session.get("lang") in LANGUAGES else "zh"


def gettext(text: str, **values) -> str:
    """The text in the current language (Chinese is the source), with {placeholders} filled."""
    translated = text if current_language() == "zh" else catalog(current_language()).get(text, text)
    return translated.format(**values) if values else translated


@bp.get("/lang/<code>")
def switch(code: str):
    """Remember the chosen language and go back where the user was (only to a path on this site)."""
    if code in LANGUAGES:
        session["lang"] = code
    from repair.web.hardening import safe_next

    return redirect(safe_next(request.args.get("next")) or url_for("public.index"))


TEXT_COOKIE = "text_size"


def large_text() -> bool:
    """Whether the browser chose the larger-text mode (适老化), kept in a cookie across sessions."""
    return request.cookies.get(TEXT_COOKIE) == "large"


@bp.get("/text/<size>")
def text_size(size: str):
    """Switch the larger-text mode on (`large`) or off (`normal`) and go back where the user was."""
    from repair.web.hardening import safe_next

    response = redirect(safe_next(request.args.get("next")) or url_for("public.index"))
    if size == "large":
        response.set_cookie(TEXT_COOKIE, "large", max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    elif size == "normal":
        response.delete_cookie(TEXT_COOKIE, samesite="Lax", httponly=True)
    return response


def half(message) -> str:
    """The current language's half of a bilingual "中文 / English" message (errors, flashes, reasons)."""
    return display.in_language(message, current_language())


def display_name(kind: str, code, workflow: str | None = None) -> str:
    """A stored code's display name in the current language (see repair.domain.display)."""
    return display.name(kind, code, current_language(), workflow=workflow)


def department_name(code, stored_name: str | None = None) -> str:
    """A department's name in the current language, never its bare code when a name is known."""
    return display.department(code, current_language(), stored_name if stored_name != code else None)


def deadline_status(status, due=None, met_on=None) -> str:
    """A time limit's status in the current language (met after the due date reads 超期完成)."""
    return display.deadline_status(status, due, met_on, current_language())


def duration(limit, unit: str = "workdays") -> str:
    """A time limit such as 3个工作日 / 3 working days."""
    return display.duration(limit, unit or "workdays", current_language())


def init_app(app: Flask) -> None:
    """Install `_`, the language and the display helpers in every template."""
    app.register_blueprint(bp)
    app.jinja_env.globals.update(_=gettext, current_language=current_language, large_text=large_text,
                                 dn=display_name,
                                 department_name=department_name, deadline_status=deadline_status,
                                 duration=duration)
    app.jinja_env.filters.update(half=half, money=lambda amount: display.money(amount, current_language()),
                                 day=display.day, moment=display.moment,
                                 penalty_types=lambda text: display.penalty_types(text, current_language()))
