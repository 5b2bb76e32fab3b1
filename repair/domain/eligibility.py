"""Eligibility to apply for credit repair: every condition evaluated and reported (domain.md §3).

Date convention (as in `rules.publicity_window`): an application may be made *on* the minimum
publicity end date, and publication has ended *on* the maximum publicity end date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from repair.domain.rules import PublicityWindow, add_months, format_months
from repair.errors import ValidationError

# Record kinds with a repair workflow (domain.md §4); `serious_dishonesty_list` has none yet.
DEFAULT_REPAIRABLE_KINDS = frozenset(
    {"administrative_penalty", "business_anomaly_list", "inspection_negative", "commitment_breach"})


@dataclass(frozen=True)
class EligibilityInput:
    """Everything the eligibility rules look at, for one record on one day."""

    window: PublicityWindow
    as_of: dt.date
    record_kind: str
    fulfilment_complete: bool
    fulfilment_missing: tuple[str, ...]
    commitment_signed: bool
    false_materials_found: bool = False
    last_granted_repair_on: dt.date | None = None
    repeat_window_months: int | None = None
    # The citation of the local rule behind the repeat window (e.g. a district's 信用修复办法 and its article).
    repeat_basis: str | None = None
    repairable_kinds: frozenset[str] = DEFAULT_REPAIRABLE_KINDS


@dataclass(frozen=True)
class Condition:
    """One eligibility condition: stable `code`, Chinese title, outcome and a dated explanation."""

    code: str
    title: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class Verdict:
    """All conditions, the failed ones, and the first day the dated conditions allow an application."""

    eligible: bool
    conditions: tuple[Condition, ...]
    failed: tuple[Condition, ...]
    earliest_application: dt.date | None

    @property
    def failed_codes(self) -> tuple[str, ...]:
        """Codes of the failed conditions, in evaluation order."""
        return tuple(c.code for c in self.failed)


def assess(inp: EligibilityInput) -> Verdict:
    """Evaluate every eligibility condition for `inp` (none short-circuits)."""
    _validate(inp)
    repeat_until = _repeat_until(inp)
    conditions = (
        _min_publicity(inp),
        _not_expired(inp),
        _kind_repairable(inp),
        _obligations(inp),
        Condition("commitment_signed", "已签署信用修复承诺书", inp.commitment_signed,
                  "已签署并同意公开信用承诺" if inp.commitment_signed else "尚未签署信用修复承诺书"),
        Condition("no_false_materials", "未发现提供虚假材料", not inp.false_materials_found,
                  "未发现虚假材料" if not inp.false_materials_found else "发现申请材料虚假，不予修复"),
        _no_recent_repair(inp, repeat_until),
    )
    failed = tuple(c for c in conditions if not c.passed)
    return Verdict(not failed, conditions, failed, _earliest(inp.window, repeat_until))


def _min_publicity(inp: EligibilityInput) -> Condition:
    title, end = "最短公示期已届满", inp.window.min_publicity_end
    if end is None:
        return Condition("min_publicity_reached", title, False, "该信息无可申请修复的最短公示期（不公示、自动停止或不可修复）")
    if inp.as_of >= end:
        return Condition("min_publicity_reached", title, True, f"最短公示期已于 {end.isoformat()} 届满")
    return Condition("min_publicity_reached", title, False,
                     f"最短公示期至 {end.isoformat()} 届满，尚差 {(end - inp.as_of).days} 天")


def _not_expired(inp: EligibilityInput) -> Condition:
    title, end, window = "信息仍在公示期内", inp.window.max_publicity_end, inp.window
    if not window.published:
        return Condition("not_expired", title, False, "该信息依规不予公示，无需修复")
    if end is not None and inp.as_of >= end:
        verb = "已自动停止公示" if window.auto_stop else "最长公示期已届满，已停止公示"
        return Condition("not_expired", title, False, f"{end.isoformat()} {verb}，无需修复")
    return Condition("not_expired", title, True, f"公示至 {end.isoformat()}" if end else "仍在公示")


def _kind_repairable(inp: EligibilityInput) -> Condition:
    reasons = []
    if inp.record_kind not in inp.repairable_kinds:
        reasons.append(f"信息类别 {inp.record_kind} 暂无修复流程")
    if inp.window.published and not inp.window.repairable:
        reasons.append("；".join(inp.window.notes) or "依规不可提前修复")
    detail = "；".join(reasons) if reasons else f"信息类别 {inp.record_kind} 有修复流程，适用 {inp.window.regime} 规则"
    return Condition("kind_repairable", "信息可以修复", not reasons, detail)


def _obligations(inp: EligibilityInput) -> Condition:
    passed = inp.fulfilment_complete and not inp.fulfilment_missing
    if passed:
        detail = "法定责任和义务已履行完毕"
    elif inp.fulfilment_missing:
        detail = "尚未履行：" + "、".join(inp.fulfilment_missing)
    else:
        detail = "履行情况尚未核实完毕"
    return Condition("obligations_fulfilled", "已履行法定责任和义务", passed, detail)


def _repeat_until(inp: EligibilityInput) -> dt.date | None:
    if inp.repeat_window_months is None or inp.last_granted_repair_on is None:
        return None
    return add_months(inp.last_granted_repair_on, inp.repeat_window_months)


def _no_recent_repair(inp: EligibilityInput, until: dt.date | None) -> Condition:
    title = "近期未获准信用修复"
    if inp.repeat_window_months is None:
        return Condition("no_recent_repair", title, True, "未配置重复修复限制")
    if until is None:
        return Condition("no_recent_repair", title, True, "此前未获准信用修复")
    span = format_months(inp.repeat_window_months)
    last = inp.last_granted_repair_on.isoformat()
    if inp.as_of >= until:
        return Condition("no_recent_repair", title, True, f"上次修复 {last} 获准，已满{span}")
    return Condition("no_recent_repair", title, False,
                     f"上次修复 {last} 获准，{until.isoformat()} 前不得再次申请"
                     f"（{inp.repeat_basis or '本地规则'}：{span}内限修复一次）")


def _earliest(window: PublicityWindow, repeat_until: dt.date | None) -> dt.date | None:
    # The first day on which every date-bound condition passes, if that comes before publication ends.
    if window.earliest_application is None:
        return None
    day = max(window.earliest_application, repeat_until or window.earliest_application)
    if window.max_publicity_end is not None and day >= window.max_publicity_end:
        return None
    return day


def _validate(inp: EligibilityInput) -> None:
    if not isinstance(inp.as_of, dt.date) or isinstance(inp.as_of, dt.datetime):
        raise ValidationError(f"日期格式错误 / invalid date for as_of: {inp.as_of!r}", "as_of")
    if not isinstance(inp.record_kind, str) or not inp.record_kind:
        raise ValidationError("信息类别不能为空 / record_kind is required", "record_kind")
    months = inp.repeat_window_months
    if months is not None and (isinstance(months, bool) or not isinstance(months, int) or months <= 0):
        raise ValidationError(f"重复修复限制期应为正整数（月） / repeat_window_months must be positive: {months!r}",
                              "repeat_window_months")
    if isinstance(inp.fulfilment_missing, str):
        raise ValidationError("未履行事项应为列表 / fulfilment_missing must be a tuple of items", "fulfilment_missing")
