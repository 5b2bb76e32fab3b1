"""Display names: the one place that turns a stored code into the words a person reads, in Chinese or English.

Pages, reports and exports call `name(kind, code, lang)` (the catalog is `display_names`; amounts, days and
times are formatted by `display_formats`, re-exported here); letters keep their own legal wording but may call
it for simple names. Codes are the identifiers the system stores (workflow, state, trigger, department,
penalty type, tier, channel, record kind, deadline status …). Chinese titles of workflows, states, triggers
and stages also live in `workflows/*.yaml`; a test keeps both in step. A workflow may name a shared code its
own way (an anomaly-list case is 准予移出, not 准予修复), so `name()` takes the workflow when it knows it.
An unknown code is returned unchanged, never hidden.
"""

from __future__ import annotations

import datetime as dt
import re

from repair.domain.display_formats import day, money, money_in_words, moment  # noqa: F401  (one import for pages)
from repair.domain.display_names import NAMES, WORKFLOW_NAMES, language


def name(kind: str, code: str | None, lang: str = "zh", *, workflow: str | None = None) -> str:
    """The display name of `code` (a `kind` of NAMES) in `lang`; unknown codes come back unchanged, None as ''."""
    if code is None:
        return ""
    index = 1 if language(lang) == "en" else 0
    names = WORKFLOW_NAMES.get((kind, workflow or ""), {}).get(code) or NAMES.get(kind, {}).get(code)
    return names[index] if names else str(code)


def penalty_types(text: str | None, lang: str = "zh") -> str:
    """The penalty types of a record ("罚款;责令改正" as stored) as a readable list."""
    parts = [p.strip() for p in re.split(r"[;；,，、]", text or "") if p.strip()]
    return (", " if language(lang) == "en" else "、").join(name("penalty_type", p, lang) for p in parts)


def department(code: str | None, lang: str = "zh", stored_name: str | None = None) -> str:
    """A department's name: the stored Chinese name in Chinese, the English one if known, never a bare code
    when a name exists."""
    if language(lang) == "zh":
        return stored_name or name("department", code, "zh")
    known = NAMES["department"].get(code or "")
    return known[1] if known else (stored_name or code or "")


def deadline_status(status: str, due: dt.date | str | None = None, met_on: dt.date | str | None = None,
                    lang: str = "zh") -> str:
    """A time limit's status: a clock met after its due date reads 超期完成 (met_late), whatever was stored."""
    if status == "met" and due and met_on and str(met_on) > str(due):
        status = "met_late"
    return name("deadline_status", status, lang)


def record_status(status: str, *, published: bool = True, max_publicity_end: dt.date | None = None,
                  as_of: dt.date | None = None, lang: str = "zh") -> str:
    """A record's publicity status as of a day: a published record whose maximum publicity ended has stopped."""
    if status == "published":
        if not published:
            status = "not_published"
        elif max_publicity_end is not None and as_of is not None and as_of >= max_publicity_end:
            status = "stopped"
    return name("record_status", status, lang)


# " / " between the Chinese and the English half of a message; tolerant of a missing space after full-width
# punctuation ("（第 2 版）/ correct …") but not splitting "PDF/JPEG".
_HALVES = re.compile(r"(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef\w])\s*/\s+(?=[A-Za-z'\"(])"
                     r"|(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])\s*/\s*(?=[A-Za-z'\"(])")


def in_language(message: str | None, lang: str = "zh") -> str:
    """One language's half of a bilingual message "中文 / English" (the whole message if it has one half)."""
    if not message:
        return ""
    text = str(message)
    for match in _HALVES.finditer(text):
        head = text[:match.start()]
        if re.search(r"[\u4e00-\u9fff]", head):
            return text[match.end():].strip() if language(lang) == "en" else head.strip()
    return text



def duration(limit: int | None, unit: str = "workdays", lang: str = "zh") -> str:
    """A time limit such as 3个工作日 / 3 working days."""
    if limit is None:
        return "—"
    return f"{limit}{name('unit', unit, lang)}"
