"""Eligibility to apply for repair: every condition evaluated, every failure named with its dates."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from repair.domain.eligibility import EligibilityInput, assess
from repair.domain.rules import get_regime, publicity_window
from repair.errors import ValidationError

CODES = ("min_publicity_reached", "not_expired", "kind_repairable", "obligations_fulfilled",
         "commitment_signed",
         "no_false_materials", "no_recent_repair")


def window(regime="ndrc-2026", tier="general", decided_on=date(2026, 11, 30), published_on=None, sector=None,
           penalty_types=()):
    return publicity_window(get_regime(regime), tier=tier, decided_on=decided_on, published_on=published_on,
                            sector=sector, penalty_types=penalty_types)


def ready(**changes) -> EligibilityInput:
    """A general NDRC penalty decided 2026-11-30 (min 2027-02-28, max 2027-11-30), everything in order."""
    base = EligibilityInput(window=window(), as_of=date(2027, 3, 1), record_kind="administrative_penalty",
                            fulfilment_complete=True, fulfilment_missing=(), commitment_signed=True)
    return replace(base, **changes)


def test_everything_in_order_is_eligible():
    verdict = assess(ready())
    assert verdict.eligible
    assert verdict.failed == ()
    assert tuple(c.code for c in verdict.conditions) == CODES
    assert all(c.passed for c in verdict.conditions)
    assert verdict.earliest_application == date(2027, 2, 28)


def test_application_allowed_on_the_minimum_end_date_itself():
    assert assess(ready(as_of=date(2027, 2, 28))).eligible
    verdict = assess(ready(as_of=date(2027, 2, 27)))
    assert verdict.failed_codes == ("min_publicity_reached",)
    assert verdict.failed[0].detail == "最短公示期至 2027-02-28 届满，尚差 1 天"


def test_every_failed_condition_is_listed_with_dates():
    verdict = assess(ready(
        as_of=date(2026, 11, 26), record_kind="serious_dishonesty_list", fulfilment_complete=False,
        fulfilment_missing=("罚款缴纳", "整改验收"), commitment_signed=False, false_materials_found=True,
        last_granted_repair_on=date(2026, 6, 1), repeat_window_months=12))
    assert not verdict.eligible
    assert verdict.failed_codes == ("min_publicity_reached", "kind_repairable", "obligations_fulfilled",
                                    "commitment_signed", "no_false_materials", "no_recent_repair")
    details = {c.code: c.detail for c in verdict.failed}
    assert details["min_publicity_reached"] == "最短公示期至 2027-02-28 届满，尚差 94 天"
    assert details["obligations_fulfilled"] == "尚未履行：罚款缴纳、整改验收"
    assert "serious_dishonesty_list" in details["kind_repairable"]
    assert details["no_recent_repair"] == "上次修复 2026-06-01 获准，2027-06-01 前不得再次申请（本地规则：1年内限修复一次）"
    assert len(verdict.conditions) == len(CODES)
    assert all(c.title for c in verdict.conditions)
    assert verdict.earliest_application == date(2027, 6, 1)  # the repeat rule ends after the minimum period


def test_expired_publication_leaves_nothing_to_repair():
    verdict = assess(ready(as_of=date(2027, 11, 30)))
    assert verdict.failed_codes == ("not_expired",)
    assert verdict.failed[0].detail == "2027-11-30 最长公示期已届满，已停止公示，无需修复"
    assert assess(ready(as_of=date(2027, 11, 29))).eligible


def test_unpublished_minor_penalty_is_not_eligible():
    verdict = assess(ready(window=window(regime="ndrc-2023", tier="minor")))
    assert verdict.failed_codes == ("min_publicity_reached", "not_expired")
    assert "不予公示" in verdict.failed[1].detail
    assert verdict.earliest_application is None


def test_auto_stop_minor_samr_penalty_needs_no_application():
    auto = window(regime="samr-2025", tier="minor", published_on=date(2026, 12, 10))
    verdict = assess(ready(window=auto, as_of=date(2027, 1, 10)))
    assert verdict.failed_codes == ("min_publicity_reached", "kind_repairable")
    assert "自动停止公示" in verdict.failed[1].detail
    after = assess(ready(window=auto, as_of=date(2027, 3, 10)))
    assert "not_expired" in after.failed_codes
    assert "已自动停止公示" in after.failed[1].detail


def test_non_repairable_penalty_type_fails_kind_repairable():
    blocked = window(regime="samr-2025", tier="serious", published_on=date(2026, 12, 10),
                     penalty_types=("责令停产停业",))
    verdict = assess(ready(window=blocked, as_of=date(2028, 1, 1)))
    assert "kind_repairable" in verdict.failed_codes
    assert "责令停产停业：不得提前停止公示" in next(c for c in verdict.failed if c.code == "kind_repairable").detail


def test_minor_ndrc_2026_penalty_is_repairable_once_fulfilled():
    minor = window(tier="minor")
    assert assess(ready(window=minor, as_of=date(2026, 11, 30))).eligible
    unpaid = assess(ready(window=minor, as_of=date(2026, 11, 30), fulfilment_complete=False))
    assert unpaid.failed_codes == ("obligations_fulfilled",)
    assert unpaid.failed[0].detail == "履行情况尚未核实完毕"


def test_complete_flag_with_missing_items_is_not_fulfilled():
    assert assess(ready(fulfilment_missing=("整改验收",))).failed_codes == ("obligations_fulfilled",)


def test_repeat_rule_is_off_unless_configured():
    verdict = assess(ready(last_granted_repair_on=date(2027, 1, 1)))
    assert verdict.eligible
    assert verdict.conditions[-1].detail == "未配置重复修复限制"


def test_repeat_rule_window_boundaries():
    recent = ready(last_granted_repair_on=date(2026, 5, 1), repeat_window_months=12)
    assert assess(replace(recent, as_of=date(2027, 4, 30))).failed_codes == ("no_recent_repair",)
    assert assess(replace(recent, as_of=date(2027, 4, 30))).earliest_application == date(2027, 5, 1)
    assert assess(replace(recent, as_of=date(2027, 5, 1))).eligible
    first_time = assess(ready(repeat_window_months=12))
    assert first_time.eligible and first_time.conditions[-1].detail == "此前未获准信用修复"


def test_a_refusal_under_the_repeat_rule_cites_the_configured_local_rule():
    basis = "《某区公共信用信息修复管理办法》第十二条"
    cited = ready(last_granted_repair_on=date(2026, 5, 1), repeat_window_months=12, repeat_basis=basis,
                  as_of=date(2027, 4, 30))
    assert assess(cited).failed[0].detail == (
        f"上次修复 2026-05-01 获准，2027-05-01 前不得再次申请（{basis}：1年内限修复一次）")


def test_the_repeat_window_needs_the_citation_of_its_local_rule():
    from repair.config import load_settings

    with pytest.raises(ValueError, match="REPAIR_REPEAT_REPAIR_BASIS"):
        load_settings({"REPAIR_REPEAT_REPAIR_WINDOW_MONTHS": "12"})
    with pytest.raises(ValueError, match="applies only with"):
        load_settings({"REPAIR_REPEAT_REPAIR_BASIS": "《办法》第十二条"})
    settings = load_settings({"REPAIR_REPEAT_REPAIR_WINDOW_MONTHS": "12",
                              "REPAIR_REPEAT_REPAIR_BASIS": " 《办法》第十二条 "})
    assert (settings.repeat_repair_window_months, settings.repeat_repair_basis) == (12, "《办法》第十二条")


def test_no_earliest_date_when_the_repeat_bar_outlasts_publication():
    verdict = assess(ready(last_granted_repair_on=date(2027, 3, 1), repeat_window_months=12))
    assert verdict.failed_codes == ("no_recent_repair",)
    assert verdict.earliest_application is None  # 2028-03-01 comes after the 2027-11-30 end of publication


def test_configured_repairable_kinds():
    verdict = assess(ready(repairable_kinds=frozenset({"business_anomaly_list"})))
    assert verdict.failed_codes == ("kind_repairable",)


@pytest.mark.parametrize("changes, field", [
    ({"as_of": "2027-03-01"}, "as_of"),
    ({"record_kind": ""}, "record_kind"),
    ({"repeat_window_months": 0}, "repeat_window_months"),
    ({"repeat_window_months": True}, "repeat_window_months"),
    ({"fulfilment_missing": "罚款"}, "fulfilment_missing"),
])
def test_invalid_input_names_the_field(changes, field):
    with pytest.raises(ValidationError) as error:
        assess(ready(**changes))
    assert error.value.field == field
