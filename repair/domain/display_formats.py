"""Amounts, days and times as a person reads them: ¥ with thousands separators on pages, capital numerals in
letters, one date and time format per language. Re-exported by `repair.domain.display`."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation


def _decimal(amount) -> Decimal | None:
    if amount is None or amount == "":
        return None
    try:
        return Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return None


def money(amount, lang: str = "zh") -> str:
    """An amount of yuan on a page: ¥ and thousands separators, two decimals ("¥102,000.00"); '—' when none."""
    value = _decimal(amount)
    return "—" if value is None else f"¥{value:,.2f}"


_DIGITS = "零壹贰叁肆伍陆柒捌玖"


_SMALL = ("", "拾", "佰", "仟")


_LARGE = ("", "万", "亿", "万亿")


def money_in_words(amount) -> str:
    """An amount in capital Chinese numerals as letters write it (人民币大写): 18000 → 壹万捌仟元整."""
    value = _decimal(amount)
    if value is None:
        return ""
    if value < 0:
        return "负" + money_in_words(-value)
    yuan, cents = divmod(int(value * 100), 100)
    words = _integer_words(yuan) + "元" if yuan else ""
    jiao, fen = divmod(cents, 10)
    if not cents:
        return (words or "零元") + "整"
    if jiao:
        words += _DIGITS[jiao] + "角"
    elif yuan:
        words += "零"
    if fen:
        words += _DIGITS[fen] + "分"
    return words


def _integer_words(number: int) -> str:
    groups = []
    while number:
        number, group = divmod(number, 10_000)
        groups.append(group)
    out, zero_pending = "", False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            zero_pending = bool(out)
            continue
        if zero_pending or (out and group < 1000):
            out += "零"
        out += _group_words(group) + _LARGE[index]
        zero_pending = False
    return out


def _group_words(group: int) -> str:
    out, zero = "", False
    for position in range(3, -1, -1):
        digit = group // 10 ** position % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += _DIGITS[digit] + _SMALL[position]
    return out


def day(value: dt.date | dt.datetime | str | None, lang: str = "zh") -> str:
    """A calendar day on pages and exports: ISO 8601 (2026-05-10) in both languages; '—' when none."""
    if value is None or value == "":
        return "—"
    if isinstance(value, dt.datetime):
        value = value.date()
    return value.isoformat() if isinstance(value, dt.date) else str(value)[:10]


def moment(value: dt.datetime | str | None, lang: str = "zh") -> str:
    """A time of day on pages and exports (already local): 2026-05-10 14:03; '—' when none."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        return value.replace("T", " ")[:16]
    return value.strftime("%Y-%m-%d %H:%M")
