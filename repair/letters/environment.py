"""The Jinja environment over `letters/`: autoescaped, strict, with Chinese date and money filters."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import jinja2

from repair.errors import LetterError

LETTER_KEYS: tuple[str, ...] = (
    "penalty_decision",
    "rights_notice",
    "application_form",
    "commitment_letter",
    "acceptance_notice",
    "refusal_notice",
    "supplement_notice",
    "repair_decision",
)

_DIGITS = "〇一二三四五六七八九"


def _small_number_zh(n: int) -> str:
    """1..31 as written in official dates: 十一, 二十, 三十一."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    head = "" if tens == 1 else _DIGITS[tens]
    return f"{head}十{_DIGITS[ones] if ones else ''}"


def zh_date(value: date) -> str:
    """Date in Chinese numerals, e.g. 二〇二六年十一月二十六日."""
    year = "".join(_DIGITS[int(d)] for d in f"{value.year:04d}")
    return f"{year}年{_small_number_zh(value.month)}月{_small_number_zh(value.day)}日"


def ymd(value: date) -> str:
    """Date as used in running text, e.g. 2026年11月26日."""
    return f"{value.year}年{value.month}月{value.day}日"


def yuan(value: int | float | Decimal | str) -> str:
    """An amount of money in yuan with thousands separators, e.g. 20,000.00元."""
    return f"{Decimal(str(value)):,.2f}元"


@lru_cache(maxsize=4)
def letters_environment(letters_dir: Path) -> jinja2.Environment:
    """One environment per letters folder (templates are compiled once per process)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(letters_dir)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(zh_date=zh_date, ymd=ymd, yuan=yuan)
    return env


_MISSING = re.compile(r"has no attribute '([^']+)'|'([^']+)' is undefined|no element '?([^']+?)'?$")


def render_html(key: str, context: Mapping, letters_dir: Path) -> str:
    """Render letter `key` to HTML; a missing field raises LetterError naming the letter and the field."""
    if key not in LETTER_KEYS:
        raise LetterError(f"未知文书类型 / unknown letter key: {key!r} (known: {', '.join(LETTER_KEYS)})")
    template = letters_environment(letters_dir).get_template(f"{key}.html")
    try:
        return template.render(context)
    except jinja2.UndefinedError as error:
        match = _MISSING.search(str(error))
        field = next((g for g in match.groups() if g), str(error)) if match else str(error)
        raise LetterError(
            f"文书 {key} 缺少字段 {field} / letter {key} is missing field {field!r} ({error})"
        ) from error
