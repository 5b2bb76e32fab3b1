"""Publicity regimes as data: load and validate `regimes.yaml` into frozen dataclasses.

The file is checked strictly once at load time (unknown keys, missing numbers, inconsistent tiers,
overlapping or gapped in-force periods) so that the rule code can trust every value it reads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Set
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from repair.errors import RegimeConfigError

TIERS = ("minor", "general", "serious")
PERIOD_BASES = ("decided_on", "published_on")
_REGIME_KEYS = {"id", "channel", "title", "in_force_from", "in_force_until", "basis", "period_runs_from",
                "non_repairable_penalty_types", "tiers"}
# Optional regime keys: penalty types that, alone in a decision, are not published at all.
_OPTIONAL_REGIME_KEYS = {"unpublished_penalty_types"}
_TIER_KEYS = {"published", "auto_stop", "min_months", "max_months", "repairable", "sector_min_months",
              "notes"}
DEFAULT_PATH = "repair/domain/regimes.yaml"


@dataclass(frozen=True)
class TierRule:
    """How one tier is published under one regime."""

    tier: str
    published: bool
    auto_stop: bool
    repairable: bool
    min_months: int | None
    max_months: int | None
    sector_min_months: tuple[tuple[str, int], ...]
    notes: tuple[str, ...]

    def min_months_for(self, sector: str | None) -> int | None:
        """The minimum period in months, with the sector override applied when there is one."""
        return dict(self.sector_min_months).get(sector, self.min_months) if sector else self.min_months


@dataclass(frozen=True)
class Regime:
    """One set of publicity rules of one channel, in force between two dates (inclusive)."""

    id: str
    channel: str
    title: str
    in_force_from: dt.date
    in_force_until: dt.date | None
    basis: str
    period_runs_from: str
    non_repairable_penalty_types: frozenset[str]
    tiers: tuple[TierRule, ...]
    unpublished_penalty_types: frozenset[str] = frozenset()

    def tier(self, name: str) -> TierRule:
        """The rule for tier `name` (every regime answers for every tier)."""
        return next(rule for rule in self.tiers if rule.tier == name)

    def in_force_on(self, day: dt.date) -> bool:
        """Whether the regime applies on `day`."""
        return self.in_force_from <= day and (self.in_force_until is None or day <= self.in_force_until)


@dataclass(frozen=True)
class RegimeCatalog:
    """All regimes and the sector vocabulary, as loaded from the data file."""

    sectors: tuple[tuple[str, str], ...]
    regimes: tuple[Regime, ...]

    @property
    def channels(self) -> tuple[str, ...]:
        """Channel identifiers in file order."""
        return tuple(dict.fromkeys(r.channel for r in self.regimes))

    def sector_name(self, sector: str) -> str:
        """Chinese name of a sector identifier."""
        return dict(self.sectors)[sector]

    def for_channel(self, channel: str) -> tuple[Regime, ...]:
        """The channel's regimes, oldest first."""
        return tuple(sorted((r for r in self.regimes if r.channel == channel), key=lambda r: r.in_force_from))

    def get(self, regime_id: str) -> Regime | None:
        """The regime with this id, or None."""
        return next((r for r in self.regimes if r.id == regime_id), None)


@lru_cache(maxsize=1)
def default_catalog() -> RegimeCatalog:
    """The packaged regimes (loaded and validated once per process)."""
    text = resources.files("repair.domain").joinpath("regimes.yaml").read_text(encoding="utf-8")
    return load_catalog(text, DEFAULT_PATH)


def load_catalog(text: str, path: str = DEFAULT_PATH) -> RegimeCatalog:
    """Parse and validate regime data; raise RegimeConfigError naming file and key on any problem."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RegimeConfigError(path, "-", f"YAML 语法错误 / YAML syntax error: {exc}") from exc
    check = _Checker(path)
    data = check.mapping(data, "-", required={"sectors", "regimes"}, allowed={"sectors", "regimes"})
    sectors = check.mapping(data["sectors"], "sectors")
    for key, name in sectors.items():
        check.text(key, "sectors")
        check.text(name, f"sectors.{key}")
    raw_regimes = data["regimes"]
    if not isinstance(raw_regimes, list) or not raw_regimes:
        raise RegimeConfigError(path, "regimes", "应为非空列表 / must be a non-empty list")
    regimes = tuple(_regime(check, raw, f"regimes[{i}]", set(sectors)) for i, raw in enumerate(raw_regimes))
    ids = [r.id for r in regimes]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise RegimeConfigError(path, "regimes", f"编号重复 / duplicate id: {', '.join(duplicates)}")
    catalog = RegimeCatalog(tuple(sectors.items()), regimes)
    for channel in catalog.channels:
        _check_sequence(path, catalog.for_channel(channel))
    return catalog


def _regime(check: _Checker, raw: Any, key: str, sectors: set[str]) -> Regime:
    raw = check.mapping(raw, key, required=_REGIME_KEYS, allowed=_REGIME_KEYS | _OPTIONAL_REGIME_KEYS)
    regime_key = f"regimes[{raw.get('id', key)}]"
    basis = check.text(raw["period_runs_from"], f"{regime_key}.period_runs_from")
    if basis not in PERIOD_BASES:
        raise RegimeConfigError(check.path, f"{regime_key}.period_runs_from",
                                f"应为 {' / '.join(PERIOD_BASES)} 之一 / must be one of {PERIOD_BASES}")
    until = raw["in_force_until"]
    start = check.day(raw["in_force_from"], f"{regime_key}.in_force_from")
    if until is not None and check.day(until, f"{regime_key}.in_force_until") < start:
        raise RegimeConfigError(check.path, f"{regime_key}.in_force_until",
                                "早于生效日 / ends before it starts")
    penalty_types = raw["non_repairable_penalty_types"]
    unpublished = raw.get("unpublished_penalty_types", [])
    for name, value in (("non_repairable_penalty_types", penalty_types), ("unpublished_penalty_types", unpublished)):
        if not isinstance(value, list):
            raise RegimeConfigError(check.path, f"{regime_key}.{name}", "应为列表 / must be a list")
    tiers_raw = check.mapping(raw["tiers"], f"{regime_key}.tiers", required=set(TIERS), allowed=set(TIERS))
    tiers = _tiers(check, tiers_raw, f"{regime_key}.tiers", sectors)
    return Regime(
        id=check.text(raw["id"], f"{key}.id"),
        channel=check.text(raw["channel"], f"{regime_key}.channel"),
        title=check.text(raw["title"], f"{regime_key}.title"),
        in_force_from=start,
        in_force_until=until,
        basis=check.text(raw["basis"], f"{regime_key}.basis"),
        period_runs_from=basis,
        non_repairable_penalty_types=frozenset(
            check.text(p, f"{regime_key}.non_repairable_penalty_types") for p in penalty_types),
        tiers=tiers,
        unpublished_penalty_types=frozenset(
            check.text(p, f"{regime_key}.unpublished_penalty_types") for p in unpublished),
    )


def _tiers(check: _Checker, raw: dict, key: str, sectors: set[str]) -> tuple[TierRule, ...]:
    own = {name: _tier(check, name, spec, f"{key}.{name}", sectors)
           for name, spec in raw.items() if "same_as" not in (spec or {})}
    rules = dict(own)
    for name, spec in raw.items():
        if name in own:
            continue
        spec = check.mapping(spec, f"{key}.{name}", required={"same_as"}, allowed={"same_as", "notes"})
        base = own.get(spec["same_as"])
        if base is None:
            raise RegimeConfigError(check.path, f"{key}.{name}.same_as",
                                    f"须引用本规则中自行定义的档次 / must name a tier defined here: {spec['same_as']!r}")
        notes = check.notes(spec.get("notes", []), f"{key}.{name}.notes")
        rules[name] = replace(base, tier=name, notes=notes + base.notes)
    return tuple(rules[name] for name in TIERS)


def _tier(check: _Checker, name: str, spec: Any, key: str, sectors: set[str]) -> TierRule:
    spec = check.mapping(spec, key, required={"published", "repairable"}, allowed=_TIER_KEYS)
    published, repairable = check.flag(spec["published"], f"{key}.published"), check.flag(
        spec["repairable"], f"{key}.repairable")
    auto_stop = check.flag(spec.get("auto_stop", False), f"{key}.auto_stop")
    low, high = (check.months(spec.get(k), f"{key}.{k}") for k in ("min_months", "max_months"))
    overrides = check.mapping(spec.get("sector_min_months", {}), f"{key}.sector_min_months")
    problem = None
    if not published and (repairable or auto_stop or low is not None or high is not None or overrides):
        problem = "published", "不公示的档次不得设置公示期或修复 / an unpublished tier has no periods"
    elif auto_stop and (repairable or high is None or low is not None or overrides):
        problem = "auto_stop", "自动停止的档次只设 max_months 且不可修复 / auto-stop needs max_months only"
    elif published and high is None:
        problem = "max_months", "公示的档次须有最长公示期 / a published tier needs max_months"
    elif repairable and (low is None or low > high):
        problem = "min_months", "可修复的档次须有 min_months ≤ max_months / needs min_months ≤ max_months"
    if problem:
        raise RegimeConfigError(check.path, f"{key}.{problem[0]}", problem[1])
    for sector, months in overrides.items():
        if sector not in sectors:
            raise RegimeConfigError(check.path, f"{key}.sector_min_months",
                                    f"未知领域 / unknown sector: {sector!r}")
        if check.months(months, f"{key}.sector_min_months.{sector}") > high:
            raise RegimeConfigError(check.path, f"{key}.sector_min_months.{sector}",
                                    "超过最长公示期 / exceeds max_months")
    return TierRule(name, published, auto_stop, repairable, low, high, tuple(sorted(overrides.items())),
                    check.notes(spec.get("notes", []), f"{key}.notes"))


def _check_sequence(path: str, regimes: tuple[Regime, ...]) -> None:
    # Periods of one channel must chain day after day: a gap or overlap would leave a date ambiguous.
    for older, newer in zip(regimes, regimes[1:]):
        if older.in_force_until is None or older.in_force_until + dt.timedelta(days=1) != newer.in_force_from:
            raise RegimeConfigError(path, f"regimes[{older.id}].in_force_until",
                                    f"须在 {newer.id} 生效前一日终止 / must end the day before {newer.id} starts")


@dataclass(frozen=True)
class _Checker:
    path: str

    def fail(self, key: str, message: str) -> RegimeConfigError:
        return RegimeConfigError(self.path, key, message)

    def mapping(self, value: Any, key: str, *, required: Set[str] = frozenset(),
                allowed: Set[str] | None = None) -> dict:
        if not isinstance(value, dict):
            raise self.fail(key, "应为映射 / must be a mapping")
        missing, unknown = required - value.keys(), (value.keys() - allowed if allowed is not None else set())
        if missing:
            raise self.fail(f"{key}.{sorted(missing)[0]}", "缺少必填项 / missing required key")
        if unknown:
            raise self.fail(f"{key}.{sorted(unknown)[0]}", "未知字段 / unknown key")
        return value

    def text(self, value: Any, key: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "应为非空文本 / must be non-empty text")
        return value

    def flag(self, value: Any, key: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(key, "应为 true 或 false / must be a boolean")
        return value

    def day(self, value: Any, key: str) -> dt.date:
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            raise self.fail(key, "应为日期 YYYY-MM-DD / must be a date")
        return value

    def months(self, value: Any, key: str) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fail(key, "应为非负整数（月） / must be a non-negative number of months")
        return value

    def notes(self, value: Any, key: str) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise self.fail(key, "应为文本列表 / must be a list of text")
        return tuple(self.text(note, key) for note in value)
