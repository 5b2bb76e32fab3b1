"""Publicity windows of penalty information under the regime in force on a date (domain.md §3).

Every number comes from `regimes.yaml`; this module only does the date arithmetic, the choice of
regime and the comparison behind the 从旧兼从轻 flag.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from repair.domain.penalties import split_penalties
from repair.domain.regimes import TIERS, Regime, RegimeCatalog, default_catalog
from repair.errors import ValidationError

_PERIOD_LABELS = {"decided_on": "处罚决定之日", "published_on": "公示之日"}


@dataclass(frozen=True)
class PublicityWindow:
    """When a record's publication ends and when a repair application can first be made."""

    regime: str
    channel: str
    tier: str
    period_from: dt.date
    published: bool
    auto_stop: bool
    repairable: bool
    min_publicity_end: dt.date | None
    max_publicity_end: dt.date | None
    earliest_application: dt.date | None
    basis: str
    notes: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        """Plain JSON-ready dict (ISO dates or None), as printed by `repair rules window --json`."""
        def iso(day: dt.date | None) -> str | None:
            return day.isoformat() if day else None

        return {
            "regime": self.regime, "channel": self.channel, "tier": self.tier,
            "period_from": iso(self.period_from), "published": self.published, "auto_stop": self.auto_stop,
            "repairable": self.repairable, "min_publicity_end": iso(self.min_publicity_end),
            "max_publicity_end": iso(self.max_publicity_end),
            "earliest_application": iso(self.earliest_application), "basis": self.basis,
            "notes": list(self.notes),
        }


def add_months(day: dt.date, months: int) -> dt.date:
    """Add calendar months; a day missing in the target month clamps to its last day (Civil Code practice)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def format_months(months: int) -> str:
    """Chinese duration: 3 → 3个月, 12 → 1年, 18 → 1年6个月."""
    years, rest = divmod(months, 12)
    return (f"{years}年" if years else "") + (f"{rest}个月" if rest or not years else "")


def regime_in_force(channel: str, on: dt.date, catalog: RegimeCatalog | None = None) -> Regime:
    """The channel's regime in force on `on`; ValidationError for an unknown channel or too early a date."""
    catalog = catalog or default_catalog()
    _require_date(on, "on")
    regimes = _channel_regimes(catalog, channel)
    for regime in regimes:
        if regime.in_force_on(on):
            return regime
    first = regimes[0].in_force_from.isoformat()
    raise ValidationError(f"{on.isoformat()} 早于 {channel} 渠道最早规则的生效日 {first} / "
                          f"no {channel} regime in force on {on.isoformat()}", "on")


def get_regime(regime_id: str, catalog: RegimeCatalog | None = None) -> Regime:
    """The regime with this id; ValidationError (field `regime`) when unknown."""
    regime = (catalog or default_catalog()).get(regime_id)
    if regime is None:
        raise ValidationError(f"未知的公示规则 / unknown regime: {regime_id!r}", "regime")
    return regime


def publicity_window(regime: Regime, *, tier: str, decided_on: dt.date, published_on: dt.date | None,
                     sector: str | None, penalty_types: Sequence[str] = (),
                     catalog: RegimeCatalog | None = None) -> PublicityWindow:
    """Compute the publicity window of one record under `regime` (inputs validated, errors name the field)."""
    catalog = catalog or default_catalog()
    if tier not in TIERS:
        raise ValidationError(f"失信程度无效 / invalid tier: {tier!r} (expected {', '.join(TIERS)})", "tier")
    sectors = dict(catalog.sectors)
    if sector is not None and sector not in sectors:
        raise ValidationError(f"行业领域无效 / invalid sector: {sector!r} (expected {', '.join(sectors)})",
                              "sector")
    _require_date(decided_on, "decided_on")
    if published_on is not None:
        _require_date(published_on, "published_on")
        if published_on < decided_on:
            raise ValidationError(f"公示日期 {published_on} 早于处罚决定日期 {decided_on} / "
                                  "published_on is before decided_on", "published_on")
    if regime.period_runs_from == "published_on" and published_on is None:
        raise ValidationError(f"{regime.id} 的公示期自公示之日起算，须提供公示日期 / "
                              "published_on is required for this channel", "published_on")
    if isinstance(penalty_types, str) or not all(isinstance(p, str) and p for p in penalty_types):
        raise ValidationError("处罚种类应为文本列表 / penalty_types must be a list of names", "penalty_types")

    rule = regime.tier(tier)
    start = decided_on if regime.period_runs_from == "decided_on" else published_on
    notes = list(rule.notes)
    penalties = split_penalties(penalty_types).penalties
    if penalties and set(penalties) <= regime.unpublished_penalty_types:
        rule = replace(rule, published=False, auto_stop=False, repairable=False, min_months=None, max_months=None)
        notes.append(f"仅予{'、'.join(penalties)}的处罚信息不予公示")
    blocked = sorted(set(penalty_types) & regime.non_repairable_penalty_types)
    repairable = rule.repairable and not blocked
    min_months = rule.min_months_for(sector)
    if rule.published:
        shortest = min_months if repairable else None
        notes.append(_period_note(regime, rule.auto_stop, start, shortest, rule.max_months))
    if sector and repairable and min_months != rule.min_months:
        notes.append(f"{sectors[sector]}领域最短公示期{format_months(min_months)}")
    notes.extend(f"{name}：不得提前停止公示，不可申请信用修复" for name in blocked if rule.published)
    min_end = add_months(start, min_months) if repairable else None
    return PublicityWindow(
        regime=regime.id, channel=regime.channel, tier=tier, period_from=start,
        published=rule.published, auto_stop=rule.auto_stop, repairable=repairable,
        min_publicity_end=min_end,
        max_publicity_end=add_months(start, rule.max_months) if rule.max_months is not None else None,
        earliest_application=min_end, basis=regime.basis, notes=tuple(notes),
    )


@dataclass(frozen=True)
class RegimeChoice:
    """The window applied to a record on a date, every window that was weighed, and why (从旧兼从轻)."""

    applied: PublicityWindow
    considered: tuple[PublicityWindow, ...]
    derivation: str

    @property
    def regime(self) -> str:
        """Id of the regime applied as a whole."""
        return self.applied.regime

    def as_json(self) -> dict[str, Any]:
        """The applied window (as `PublicityWindow.as_json`) plus the regimes weighed and the derivation."""
        return {**self.applied.as_json(), "considered": [w.regime for w in self.considered],
                "derivation": self.derivation}


def applicable_window(channel: str, *, as_of: dt.date, tier: str, decided_on: dt.date,
                      published_on: dt.date | None = None, sector: str | None = None,
                      penalty_types: Sequence[str] = (), pinned: str | None = None,
                      catalog: RegimeCatalog | None = None) -> RegimeChoice:
    """The one answer to "which regime, which dates" for letters, portal, API and `repair rules window`.

    The starting regime is `pinned` (a case's regime fixed at submission) or the one in force on the
    decision date. When a later regime is in force on `as_of`, both windows are computed and the one more
    favourable to the party (earlier end of publicity, then earlier application) is applied as a whole:
    Legislation Law Art. 104 (从旧兼从轻). Before the later regime took effect, the old one applies alone.
    """
    catalog = catalog or default_catalog()
    _require_date(as_of, "as_of")
    record = {"tier": tier, "decided_on": decided_on, "published_on": published_on, "sector": sector,
              "penalty_types": penalty_types, "catalog": catalog}
    current = regime_in_force(channel, as_of, catalog)
    if pinned is not None:
        base = catalog.get(pinned)
        if base is None or base.channel != channel:
            raise ValidationError(f"{pinned!r} 不是 {channel} 渠道的公示规则 / {pinned!r} is not a {channel} regime",
                                  "pinned")
        origin = "案件提交时确定的规则"
    else:
        _require_date(decided_on, "decided_on")
        base = next((r for r in _channel_regimes(catalog, channel) if r.in_force_on(decided_on)), None)
        origin = "处罚决定作出时施行的规则"
    if base is None or base.id == current.id or base.in_force_from > as_of:
        window = publicity_window(current, **record)
        why = (f"{as_of.isoformat()}施行{_label(current)}" if base is None or base.id != current.id
               else f"{origin}{_label(current)}，{as_of.isoformat()}仍在施行")
        return RegimeChoice(window, (window,), f"{why}，适用该规则。")
    old, new = publicity_window(base, **record), publicity_window(current, **record)
    applied = new if more_favourable(new, old) else old
    derivation = (f"{origin}为{_label(base)}（{_summary(old)}）；{as_of.isoformat()}施行{_label(current)}"
                  f"（{_summary(new)}）。依《中华人民共和国立法法》第一百零四条从旧兼从轻，整体适用对当事人更有利的"
                  f"{applied.regime}" + ("。" if applied is new else "（新规则并不更有利）。"))
    return RegimeChoice(applied, (old, new), derivation)


def favourable_regime(channel: str, *, pinned: str, as_of: dt.date, catalog: RegimeCatalog | None = None,
                      **record: Any) -> tuple[Regime, PublicityWindow] | None:
    """A newer regime in force on `as_of` applied instead of `pinned` (从旧兼从轻), else None.

    A thin view of `applicable_window` for callers that only need the flag.
    """
    catalog = catalog or default_catalog()
    choice = applicable_window(channel, pinned=pinned, as_of=as_of, catalog=catalog, **record)
    if choice.regime == pinned:
        return None
    return catalog.get(choice.regime), choice.applied


def more_favourable(new: PublicityWindow, old: PublicityWindow) -> bool:
    """Whether `new` is more favourable to the party: not published at all, else an earlier end of
    publicity, then (same end) an earlier first application date; a tie keeps the old regime."""
    return _favour_key(new) < _favour_key(old)


def _favour_key(window: PublicityWindow) -> tuple:
    if not window.published:
        return (0, dt.date.min, dt.date.min)
    return (1, window.max_publicity_end or dt.date.max, window.earliest_application or dt.date.max)


def _label(regime: Regime) -> str:
    return f"{regime.id}（{regime.basis}）"


def _summary(window: PublicityWindow) -> str:
    if not window.published:
        return "不予公示"
    end = f"公示至{window.max_publicity_end.isoformat()}" if window.max_publicity_end else "公示"
    earliest = (f"，最早{window.earliest_application.isoformat()}可申请修复" if window.earliest_application
                else "，不可提前修复")
    return end + earliest


def _period_note(regime: Regime, auto_stop: bool, start: dt.date, min_months: int | None,
                 max_months: int) -> str:
    origin = f"公示期自{_PERIOD_LABELS[regime.period_runs_from]}（{start.isoformat()}）起算"
    if auto_stop:
        return f"{origin}，满{format_months(max_months)}自动停止公示"
    if min_months is None:
        return f"{origin}，公示{format_months(max_months)}"
    shortest = "履行义务后即可申请修复" if min_months == 0 else f"最短{format_months(min_months)}"
    return f"{origin}：{shortest}，最长{format_months(max_months)}"


def _channel_regimes(catalog: RegimeCatalog, channel: str) -> tuple[Regime, ...]:
    regimes = catalog.for_channel(channel) if isinstance(channel, str) else ()
    if not regimes:
        known = ", ".join(catalog.channels)
        raise ValidationError(f"未知的修复渠道 / unknown channel: {channel!r} (expected {known})", "channel")
    return regimes


def _require_date(value: Any, field: str) -> None:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ValidationError(f"日期格式错误 / invalid date for {field}: {value!r}", field)
