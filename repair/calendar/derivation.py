"""Human-readable Chinese derivation of a due date: which days were skipped and why, which were counted."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from repair.calendar.days import DayInfo, DayLookup

WEEKEND = "周末"
_WEEKDAY_NAMES = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
_SOURCE_NOTE = {"official": "", "override": "（管理员维护数据）", "provisional": "（暂估）"}
_SOURCE_NOTE_INSIDE = {"official": "", "override": "，管理员维护数据", "provisional": "，暂估"}


def _skip_label(info: DayInfo) -> str:
    return info.name + _SOURCE_NOTE[info.source] if info.kind == "holiday" else WEEKEND


def _span_text(first: date, last: date, label: str, fmt: Callable[[date], str]) -> str:
    if first == last:
        if label == WEEKEND:
            label = ("周六", "周日")[first.weekday() - 5]
        return f"{fmt(first)} {label}"
    joiner = "/" if (last - first).days == 1 else " 至 "
    return f"{fmt(first)}{joiner}{fmt(last)} {label}"


def _counted_text(info: DayInfo, fmt: Callable[[date], str]) -> str:
    label = "调休上班" if info.day.weekday() >= 5 else "改为工作日"
    weekday = _WEEKDAY_NAMES[info.day.weekday()]
    return f"{fmt(info.day)} {label}（{weekday}{_SOURCE_NOTE_INSIDE[info.source]}）计入"


def explain_due(calendar: DayLookup, start: date, n: int, due: date, provisional: bool) -> str:
    """Derivation of `due` = n working days after `start`, e.g.
    "自 2026-09-30 起算 3 个工作日（次日起算）：跳过 10-01 至 10-07 国庆节；10-10 调休上班（星期六）计入 → 截止 2026-10-10".
    """
    head = f"自 {start.isoformat()} 起算 {n} 个工作日（次日起算）"
    if n == 0:
        return f"{head}：工作日数为 0，截止日即起算日 → 截止 {start.isoformat()}"

    def fmt(day: date) -> str:
        return day.strftime("%m-%d") if start.year == due.year else day.isoformat()

    spans: list[list] = []  # [first, last, label] of consecutive skipped days with the same reason
    counted: list[str] = []
    unknown_years: list[int] = []
    for ordinal in range(start.toordinal() + 1, due.toordinal() + 1):
        info = calendar.day_info(date.fromordinal(ordinal))
        if info.source == "provisional" and info.day.year not in unknown_years:
            unknown_years.append(info.day.year)
        if not info.workday:
            label = _skip_label(info)
            if spans and spans[-1][2] == label and spans[-1][1].toordinal() == ordinal - 1:
                spans[-1][1] = info.day
            else:
                spans.append([info.day, info.day, label])
        elif info.kind == "workday":
            counted.append(_counted_text(info, fmt))

    parts = ["跳过 " + "，".join(_span_text(first, last, label, fmt) for first, last, label in spans)
             if spans else "期间无非工作日"]
    if counted:
        parts.append("，".join(counted))
    parts.extend(f"{year} 年无官方数据，按周一至周五及固定法定节假日暂估" for year in unknown_years)
    tail = f" → 截止 {due.isoformat()}" + ("（暂估）" if provisional else "")
    return f"{head}：" + "；".join(parts) + tail
