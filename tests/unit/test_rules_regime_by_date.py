"""Which regime applies on which date, the 从旧兼从轻 flag, and the regime data file itself."""

from __future__ import annotations

from datetime import date
from importlib import resources

import pytest

from repair.domain.regimes import TIERS, default_catalog, load_catalog
from repair.domain.rules import applicable_window, favourable_regime, publicity_window, regime_in_force
from repair.errors import RegimeConfigError, ValidationError


@pytest.mark.parametrize("channel, day, regime_id", [
    ("ndrc", "2023-05-01", "ndrc-2023"),
    ("ndrc", "2026-03-31", "ndrc-2023"),
    ("ndrc", "2026-04-01", "ndrc-2026"),
    ("ndrc", "2030-01-01", "ndrc-2026"),
    ("samr", "2021-09-01", "samr-2021"),
    ("samr", "2025-12-24", "samr-2021"),
    ("samr", "2025-12-25", "samr-2025"),
    ("samr", "2026-04-01", "samr-2025"),
])
def test_regime_switches_exactly_on_the_effective_date(channel, day, regime_id):
    assert regime_in_force(channel, date.fromisoformat(day)).id == regime_id


@pytest.mark.parametrize("channel, day", [("ndrc", "2023-04-30"), ("samr", "2021-08-31")])
def test_date_before_the_first_regime_is_refused(channel, day):
    with pytest.raises(ValidationError, match="早于") as error:
        regime_in_force(channel, date.fromisoformat(day))
    assert error.value.field == "on"


@pytest.mark.parametrize("channel", ["gsxt", "NDRC", "", None])
def test_unknown_channel_is_refused(channel):
    with pytest.raises(ValidationError, match="未知的修复渠道") as error:
        regime_in_force(channel, date(2026, 6, 1))
    assert error.value.field == "channel"


def test_window_of_the_same_record_changes_with_the_regime():
    record = {"tier": "general", "decided_on": date(2026, 3, 20), "published_on": None, "sector": None}
    before = publicity_window(regime_in_force("ndrc", date(2026, 3, 31)), **record)
    after = publicity_window(regime_in_force("ndrc", date(2026, 4, 1)), **record)
    assert before.max_publicity_end == date(2029, 3, 20)
    assert after.max_publicity_end == date(2027, 3, 20)


def ndrc_flag(as_of: date, pinned: str = "ndrc-2023", **record):
    return favourable_regime("ndrc", pinned=pinned, as_of=as_of, **record)


def food_record(tier: str) -> dict:
    return {"tier": tier, "decided_on": date(2026, 3, 20), "published_on": None, "sector": "food"}


def test_general_food_penalty_pinned_to_2023_is_better_off_under_2026():
    found = ndrc_flag(date(2026, 4, 1), **food_record("general"))
    assert found is not None
    regime, window = found
    assert regime.id == "ndrc-2026"
    # ndrc-2023: 1 year minimum (food), 3 years maximum; ndrc-2026 general: 3 months / 1 year.
    assert window.earliest_application == date(2026, 6, 20)
    assert window.max_publicity_end == date(2027, 3, 20)


def test_serious_food_penalty_gains_nothing_from_2026():
    # ndrc-2023 food: min 1 year, max 3 years; ndrc-2026 serious: min 1 year, max 3 years, so equal.
    assert ndrc_flag(date(2026, 6, 1), **food_record("serious")) is None


def test_serious_penalty_outside_the_listed_sectors_would_be_worse_under_2026():
    record = food_record("serious") | {"sector": None}  # 3 months minimum in 2023, 1 year in 2026
    assert ndrc_flag(date(2026, 6, 1), **record) is None


def test_general_penalty_outside_sectors_gains_a_shorter_maximum():
    record = food_record("general") | {"sector": None}
    regime, window = ndrc_flag(date(2026, 6, 1), **record)
    assert regime.id == "ndrc-2026"
    assert window.earliest_application == date(2026, 6, 20)  # same as under ndrc-2023
    assert window.max_publicity_end == date(2027, 3, 20)  # instead of 2029-03-20


def test_no_flag_before_the_newer_regime_starts():
    assert ndrc_flag(date(2026, 3, 31), **food_record("general")) is None


def test_unpublished_minor_penalty_cannot_be_improved():
    assert ndrc_flag(date(2026, 6, 1), **food_record("minor")) is None


def test_earlier_end_of_publicity_outweighs_a_later_application():
    # Edited data: ndrc-2026 serious = 1 year minimum (later than 3 months) but 2 years maximum (earlier than
    # 3 years). Domain §3: more favourable = earlier end of publicity, then earlier application.
    text = packaged_text().replace("        min_months: 12\n        max_months: 36\n",
                                   "        min_months: 12\n        max_months: 24\n", 1)
    catalog = load_catalog(text, "edited.yaml")
    record = food_record("serious") | {"sector": None}
    assert catalog.get("ndrc-2026").tier("serious").max_months == 24
    regime, window = ndrc_flag(date(2026, 6, 1), catalog=catalog, **record)
    assert regime.id == "ndrc-2026" and window.max_publicity_end == date(2028, 3, 20)
    assert window.earliest_application == date(2027, 3, 20)  # later than under ndrc-2023, applied as a whole


def test_one_answer_names_both_regimes_and_the_choice():
    choice = applicable_window("ndrc", as_of=date(2026, 11, 26), tier="general", decided_on=date(2025, 6, 2))
    assert choice.regime == "ndrc-2026" and [w.regime for w in choice.considered] == ["ndrc-2023", "ndrc-2026"]
    assert choice.applied.max_publicity_end == date(2026, 6, 2)
    assert "ndrc-2023" in choice.derivation and "ndrc-2026" in choice.derivation and "从旧兼从轻" in choice.derivation
    before = applicable_window("ndrc", as_of=date(2026, 3, 31), tier="general", decided_on=date(2025, 6, 2))
    assert before.regime == "ndrc-2023" and len(before.considered) == 1
    assert before.applied.max_publicity_end == date(2028, 6, 2)


def test_old_regime_kept_when_the_new_one_is_not_more_favourable():
    # serious, no sector: ndrc-2023 3 months / 3 years; ndrc-2026 1 year / 3 years: same end, later application.
    choice = applicable_window("ndrc", as_of=date(2026, 11, 26), tier="serious", decided_on=date(2025, 6, 2))
    assert choice.regime == "ndrc-2023" and "新规则并不更有利" in choice.derivation
    pinned = applicable_window("ndrc", as_of=date(2026, 11, 26), tier="general", decided_on=date(2025, 6, 2),
                               pinned="ndrc-2023")
    assert pinned.regime == "ndrc-2026" and "案件提交时确定的规则" in pinned.derivation


def test_a_newer_regime_that_does_not_publish_is_favourable():
    text = packaged_text()
    auto_stop_minor = ("      minor:\n        published: true\n        auto_stop: true\n"
                       "        max_months: 3\n"
                       "        repairable: false\n        notes: [轻微：警告类处罚")
    assert auto_stop_minor in text
    unpublished_minor = ("      minor:\n        published: false\n        repairable: false\n"
                         "        notes: [轻微：警告类处罚")
    edited = text.replace(auto_stop_minor, unpublished_minor)
    catalog = load_catalog(edited, "edited.yaml")
    record = {"tier": "minor", "decided_on": date(2025, 12, 1), "published_on": date(2025, 12, 10),
              "sector": None}
    regime, window = favourable_regime("samr", pinned="samr-2021", as_of=date(2026, 1, 5), catalog=catalog,
                                       **record)
    assert regime.id == "samr-2025" and not window.published
    assert favourable_regime("samr", pinned="samr-2021", as_of=date(2026, 1, 5), **record) is None


def test_newest_regime_has_nothing_newer():
    assert ndrc_flag(date(2027, 1, 1), pinned="ndrc-2026", **food_record("general")) is None


def test_samr_drug_penalty_published_in_2025_flags_order_107():
    record = {"tier": "general", "decided_on": date(2025, 11, 10), "published_on": date(2025, 12, 1),
              "sector": "drug"}
    regime, window = favourable_regime("samr", pinned="samr-2021", as_of=date(2026, 1, 5), **record)
    assert regime.id == "samr-2025"
    assert window.earliest_application == date(2026, 3, 1)  # instead of 2026-12-01
    assert window.max_publicity_end == date(2026, 12, 1)  # instead of 2028-12-01


def test_non_repairable_samr_penalty_still_gains_a_shorter_publication():
    record = {"tier": "general", "decided_on": date(2025, 11, 10), "published_on": date(2025, 12, 1),
              "sector": None, "penalty_types": ["吊销营业执照"]}
    regime, window = favourable_regime("samr", pinned="samr-2021", as_of=date(2026, 1, 5), **record)
    assert regime.id == "samr-2025" and not window.repairable
    assert window.max_publicity_end == date(2026, 12, 1)
    serious = record | {"tier": "serious"}
    assert favourable_regime("samr", pinned="samr-2021", as_of=date(2026, 1, 5), **serious) is None


@pytest.mark.parametrize("pinned", ["samr-2021", "ndrc-2019"])
def test_pinned_regime_must_belong_to_the_channel(pinned):
    with pytest.raises(ValidationError) as error:
        favourable_regime("ndrc", pinned=pinned, as_of=date(2026, 6, 1), **food_record("general"))
    assert error.value.field == "pinned"


def test_packaged_data_answers_every_tier_of_every_regime():
    catalog = default_catalog()
    assert [r.id for r in catalog.regimes] == ["ndrc-2023", "ndrc-2026", "samr-2021", "samr-2025"]
    assert dict(catalog.sectors).keys() == {"food", "drug", "special_equipment", "work_safety", "fire_safety"}
    for regime in catalog.regimes:
        assert tuple(rule.tier for rule in regime.tiers) == TIERS
    samr = catalog.get("samr-2025")
    assert "限制开展生产经营活动" in samr.non_repairable_penalty_types
    assert catalog.get("ndrc-2026").non_repairable_penalty_types == frozenset()


def packaged_text() -> str:
    return resources.files("repair.domain").joinpath("regimes.yaml").read_text(encoding="utf-8")


def test_numbers_come_from_the_data_file():
    text = packaged_text().replace("    min_months: 3\n        max_months: 12\n",
                                   "    min_months: 2\n        max_months: 12\n", 1)
    catalog = load_catalog(text, "edited.yaml")
    window = publicity_window(catalog.get("ndrc-2026"), tier="general", decided_on=date(2026, 5, 31),
                              published_on=None, sector=None, catalog=catalog)
    assert window.min_publicity_end == date(2026, 7, 31)


@pytest.mark.parametrize("old, new, key", [
    ("    period_runs_from: decided_on\n", "    period_runs_from: decided_on\n    colour: red\n", "colour"),
    ("        max_months: 36\n        repairable: true\n        sector_min_months: {food: 12,",
     "        repairable: true\n        sector_min_months: {food: 12,", "max_months"),
    ("        min_months: 12\n        max_months: 36\n", "        min_months: 40\n        max_months: 36\n",
     "min_months"),
    ("        min_months: 0\n", "", "min_months"),
    ("in_force_until: 2026-03-31", "in_force_until: 2026-03-30", "in_force_until"),
    ("in_force_until: 2025-12-24", "in_force_until: 2025-12-25", "in_force_until"),
    ("{food: 12, drug: 12, special_equipment: 12}", "{food: 12, tobacco: 12}", "sector_min_months"),
    ("        same_as: general\n", "        same_as: serious\n", "same_as"),
    ("      minor:\n        published: false\n        repairable: false\n",
     "      minor:\n        published: false\n        repairable: true\n", "published"),
    ("period_runs_from: published_on", "period_runs_from: penalty_date", "period_runs_from"),
    ("in_force_from: 2026-04-01", "in_force_from: 2026-04-01T00:00:00", "in_force_from"),
    ("  - id: samr-2025", "  - id: samr-2021", "regimes"),
])
def test_broken_data_is_refused_naming_the_key(old, new, key):
    text = packaged_text()
    assert old in text
    with pytest.raises(RegimeConfigError) as error:
        load_catalog(text.replace(old, new, 1), "broken.yaml")
    assert error.value.path == "broken.yaml"
    assert key in error.value.key


def test_yaml_syntax_error_is_a_config_error():
    with pytest.raises(RegimeConfigError, match="YAML"):
        load_catalog("regimes: [", "bad.yaml")
