"""Language switch: Simplified Chinese by default, English from catalogs keyed by the Chinese text.

Templates write `{{ _("中文") }}`; each area keeps its English strings in
`repair/web/translations/en/<area>.json` (merged at start), so pages stay readable while a catalog grows.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from flask import Blueprint, Flask, redirect, request, session, url_for

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


def init_app(app: Flask) -> None:
    """Install `_` and the language in every template."""
    app.register_blueprint(bp)
    app.jinja_env.globals.update(_=gettext, current_language=current_language)
