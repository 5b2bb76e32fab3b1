"""Publicity windows: every regime × tier × sector on concrete dates, month-end clamping, input errors."""

from __future__ import annotations

import json
from datetime import date

import pytest

from repair.domain.rules import add_months, format_months, get_regime, publicity_window
from repair.errors import ValidationError

DECIDED = date(2026, 11, 30)
PUBLISHED = date(2026, 12, 15)  # SAMR periods run from here, NDRC periods from DECIDED
SECTORS = [None, "food", "drug", "special_equipment", "work_safety", "fire_safety"]
NDRC_LONG_SECTORS = {"food", "drug", "special_equipment", "work_safety", "fire_safety"}
SAMR_LONG_SECTORS = {"food", "drug", "special_equipment"}


def window_of(regime_id: str, tier: str, **record):
    """The window of a record decided on DECIDED and published on PUBLISHED."""
    return publicity_window(get_regime(regime_id), tier=tier, decided_on=DECIDED, published_on=PUBLISHED,
                            **record)


def expected(regime: str, tier: str, sector: str | None):
    """(published, auto_stop, repairable, min_end, max_end) worked out by hand from domain.md §3."""
    d = date.fromisoformat
    if regime == "ndrc-2023":
        if tier == "minor":
            return False, False, False, None, None
        long = sector in NDRC_LONG_SECTORS
        return True, False, True, d("2027-11-30" if long else "2027-02-28"), d("2029-11-30")
    if regime == "ndrc-2026":
        return {
            "minor": (True, False, True, d("2026-11-30"), d("2027-02-28")),
            "general": (True, False, True, d("2027-02-28"), d("2027-11-30")),
            "serious": (True, False, True, d("2027-11-30"), d("2029-11-30")),
        }[tier]
    if tier == "minor":
        return True, True, False, None, d("2027-03-15")
    if regime == "samr-2021":
        long = sector in SAMR_LONG_SECTORS
        return True, False, True, d("2027-12-15" if long else "2027-06-15"), d("2029-12-15")
    return {
        "general": (True, False, True, d("2027-03-15"), d("2027-12-15")),
        "serious": (True, False, True, d("2027-12-15"), d("2029-12-15")),
    }[tier]


@pytest.mark.parametrize("sector", SECTORS)
@pytest.mark.parametrize("tier", ["minor", "general", "serious"])
@pytest.mark.parametrize("regime_id", ["ndrc-2023", "ndrc-2026", "samr-2021", "samr-2025"])
def test_window_for_every_regime_tier_and_sector(regime_id, tier, sector):
    window = publicity_window(get_regime(regime_id), tier=tier, decided_on=DECIDED, published_on=PUBLISHED,
                              sector=sector)
    published, auto_stop, repairable, min_end, max_end = expected(regime_id, tier, sector)
    assert (window.published, window.auto_stop, window.repairable) == (published, auto_stop, repairable)
    assert (window.min_publicity_end, window.max_publicity_end) == (min_end, max_end)
    assert window.earliest_application == (min_end if repairable else None)
    assert window.period_from == (DECIDED if regime_id.startswith("ndrc") else PUBLISHED)
    assert (window.regime, window.channel, window.tier) == (regime_id, regime_id.split("-")[0], tier)
    assert window.basis == get_regime(regime_id).basis


@pytest.mark.parametrize("start, months, result", [
    ("2026-11-30", 3, "2027-02-28"),
    ("2027-11-30", 3, "2028-02-29"),
    ("2026-01-31", 1, "2026-02-28"),
    ("2028-02-29", 12, "2029-02-28"),
    ("2026-08-31", 6, "2027-02-28"),
    ("2026-03-31", 1, "2026-04-30"),
    ("2026-05-15", 36, "2029-05-15"),
    ("2026-12-31", 0, "2026-12-31"),
    ("2026-12-31", 1, "2027-01-31"),
])
def test_add_months_clamps_to_month_end(start, months, result):
    assert add_months(date.fromisoformat(start), months) == date.fromisoformat(result)


def test_month_end_clamping_inside_windows():
    leap = publicity_window(get_regime("ndrc-2026"), tier="general", decided_on=date(2027, 11, 30),
                            published_on=None, sector=None)
    assert leap.min_publicity_end == date(2028, 2, 29)
    samr = publicity_window(get_regime("samr-2025"), tier="minor", decided_on=date(2026, 11, 20),
                            published_on=date(2026, 11, 30), sector=None)
    assert samr.max_publicity_end == date(2027, 2, 28) and samr.earliest_application is None
    samr_six = publicity_window(get_regime("samr-2021"), tier="general", decided_on=date(2025, 8, 1),
                                published_on=date(2025, 8, 31), sector=None)
    assert samr_six.min_publicity_end == date(2026, 2, 28)


def test_notes_explain_the_rules_in_chinese():
    food = publicity_window(get_regime("ndrc-2023"), tier="general", decided_on=DECIDED, published_on=None,
                            sector="food")
    assert "食品领域最短公示期1年" in food.notes
    assert "公示期自处罚决定之日（2026-11-30）起算：最短1年，最长3年" in food.notes
    minor = publicity_window(get_regime("ndrc-2026"), tier="minor", decided_on=DECIDED, published_on=None,
                             sector=None)
    assert any("原则上不公示" in note for note in minor.notes)
    hidden = publicity_window(get_regime("ndrc-2023"), tier="minor", decided_on=DECIDED, published_on=None,
                              sector=None)
    assert any("不予公示" in note for note in hidden.notes)
    serious = window_of("samr-2021", "serious", sector=None)
    assert any("不区分一般与严重" in note for note in serious.notes)
    fire_samr = publicity_window(get_regime("samr-2021"), tier="general", decided_on=DECIDED,
                                 published_on=PUBLISHED, sector="fire_safety")
    assert not any("领域最短公示期" in note for note in fire_samr.notes)


@pytest.mark.parametrize("regime_id", ["samr-2021", "samr-2025"])
@pytest.mark.parametrize("penalty", ["责令停产停业", "吊销许可证", "吊销营业执照", "限制从业", "降低资质等级", "限制开展生产经营活动"])
def test_samr_non_repairable_penalty_types(regime_id, penalty):
    window = window_of(regime_id, "serious", sector=None, penalty_types=["罚款", penalty])
    assert window.published and not window.repairable
    assert window.min_publicity_end is None and window.earliest_application is None
    assert window.max_publicity_end == date(2029, 12, 15)
    assert f"{penalty}：不得提前停止公示，不可申请信用修复" in window.notes


def test_ordinary_penalty_types_stay_repairable():
    window = window_of("samr-2025", "general", sector=None, penalty_types=["罚款", "没收违法所得"])
    assert window.repairable and window.earliest_application == date(2027, 3, 15)
    ndrc = publicity_window(get_regime("ndrc-2026"), tier="serious", decided_on=DECIDED, published_on=None,
                            sector=None, penalty_types=["吊销许可证"])
    assert ndrc.repairable  # the SAMR list is not an NDRC rule


def test_as_json_has_the_cli_keys_with_iso_dates():
    window = publicity_window(get_regime("ndrc-2026"), tier="general", decided_on=DECIDED, published_on=None,
                              sector="food")
    data = json.loads(json.dumps(window.as_json(), ensure_ascii=False))
    assert data["regime"] == "ndrc-2026"
    assert data["min_publicity_end"] == "2027-02-28"
    assert data["max_publicity_end"] == "2027-11-30"
    assert data["earliest_application"] == "2027-02-28"
    assert data["basis"] == "国办发〔2025〕22号；国家发展改革委令第36号（2025）"
    assert {"channel", "tier", "period_from", "published", "auto_stop", "repairable", "notes"} <= data.keys()
    hidden = publicity_window(get_regime("ndrc-2023"), tier="minor", decided_on=DECIDED, published_on=None,
                              sector=None).as_json()
    assert hidden["min_publicity_end"] is None and hidden["earliest_application"] is None
    assert hidden["published"] is False


@pytest.mark.parametrize("changes, field", [
    ({"tier": "severe"}, "tier"),
    ({"sector": "tobacco"}, "sector"),
    ({"sector": "Food"}, "sector"),
    ({"decided_on": "2026-11-30"}, "decided_on"),
    ({"published_on": date(2026, 11, 1)}, "published_on"),
    ({"published_on": "2026-12-15"}, "published_on"),
    ({"penalty_types": "罚款"}, "penalty_types"),
    ({"penalty_types": [""]}, "penalty_types"),
])
def test_invalid_inputs_name_the_field(changes, field):
    arguments = {"tier": "general", "decided_on": DECIDED, "published_on": PUBLISHED, "sector": None}
    arguments |= changes
    with pytest.raises(ValidationError) as error:
        publicity_window(get_regime("samr-2025"), **arguments)
    assert error.value.field == field
    assert " / " in str(error.value)


def test_samr_channel_needs_the_publication_date():
    with pytest.raises(ValidationError, match="须提供公示日期") as error:
        publicity_window(get_regime("samr-2021"), tier="general", decided_on=DECIDED, published_on=None,
                         sector=None)
    assert error.value.field == "published_on"


def test_unknown_regime_id():
    with pytest.raises(ValidationError) as error:
        get_regime("ndrc-2019")
    assert error.value.field == "regime"


@pytest.mark.parametrize("months, text", [(3, "3个月"), (12, "1年"), (36, "3年"), (18, "1年6个月"), (0, "0个月")])
def test_format_months(months, text):
    assert format_months(months) == text
