"""Late-case drill-down: the breached stage, working days over, suspensions and extensions with reasons and
actors, and the case replayed as of past dates."""

from __future__ import annotations

from datetime import date

import pytest

from repair.errors import NotFound
from repair.services.audit.replay import case_timeline
from tests.integration.test_compliance_figures import TODAY, build_timelines


@pytest.fixture
def timelines(world, make_case, fire):
    return build_timelines(world, make_case, fire)


def timeline(world, case_no, as_of=None):
    with world.uow(read_only=True) as uow:
        return case_timeline(world, uow, case_no, today=TODAY, as_of=as_of)


def by_stage(t):
    return {d["stage"]: d for d in t["deadlines"]}


def test_late_case_names_the_breached_stages_and_days_over(world, timelines):
    t = timeline(world, timelines["B"])
    assert t["state"] == "granted"
    assert [(b["stage"], b["due"], b["met_on"], b["workdays_over"]) for b in t["breaches"]] == [
        ("feedback", "2026-11-23", "2026-11-24", 1), ("decision", "2026-11-19", "2026-11-24", 3)]
    decision = by_stage(t)["decision"]
    assert decision["paused_days"] == 5 and "补正期间暂停 5 日顺延" in decision["derivation"]
    assert [(c["change"], c["due"]) for c in decision["trail"]] == [
        ("started", "2026-11-12"), ("paused", "2026-11-12"), ("resumed", "2026-11-19"), ("met", "2026-11-19")]
    assert {(s["stage"], s["reason"], s["actor"], s["started_on"], s["ended_on"], s["workdays"])
            for s in t["suspensions"]} == {
        (stage, "缺少缴款凭证", "fgw_officer", "2026-11-05", "2026-11-12", 5) for stage in ("decision", "feedback")}


def test_extension_reason_and_actor(world, timelines):
    t = timeline(world, timelines["C"])
    assert [(e["stage"], e["days"], e["reason"], e["actor"]) for e in t["extensions"]] == [
        ("decision", 10, "需赴现场核查", "fgw_officer")]
    assert [b["stage"] for b in t["breaches"]] == ["feedback"]
    assert by_stage(t)["decision"]["workdays_over"] is None


def test_replay_as_of_a_past_date(world, timelines):
    paused = timeline(world, timelines["B"], as_of=date(2026, 11, 10))
    assert paused["state"] == "awaiting_supplement" and paused["as_of"] == "2026-11-10"
    assert {s: (d["status"], d["due"]) for s, d in by_stage(paused).items()} == {
        "acceptance": ("met", "2026-11-05"), "decision": ("paused", "2026-11-12"), "feedback": ("paused", "2026-11-16")}
    assert [s["ended_on"] for s in paused["suspensions"]] == [None, None]
    assert [e["trigger"] for e in paused["events"]] == ["submit", "accept", "request_supplement"]
    # On 11-20 the decision (due 11-19 after the pause) is one working day late and still running.
    late = timeline(world, timelines["B"], as_of=date(2026, 11, 20))
    assert late["state"] == "under_review"
    assert [(b["stage"], b["status"], b["workdays_over"]) for b in late["breaches"]] == [("decision", "running", 1)]
    assert by_stage(late)["decision"]["derivation"].endswith("截止 2026-11-19")
    assert by_stage(paused)["decision"]["derivation"] is None  # the stored one explains a later due date
    before = timeline(world, timelines["B"], as_of=date(2026, 11, 1))
    assert before["state"] is None and before["deadlines"] == [] and before["events"] == []


def test_replay_follows_the_calendar_recomputation(world, timelines):
    before_load = timeline(world, timelines["F"], as_of=date(2026, 12, 28))
    assert (by_stage(before_load)["decision"]["due"], by_stage(before_load)["decision"]["provisional"]) == (
        "2027-01-07", True)
    after = by_stage(timeline(world, timelines["F"]))["decision"]
    assert [(c["change"], c["due"], c.get("old_due")) for c in after["trail"]] == [
        ("started", "2027-01-07", None), ("recomputed", "2027-01-08", "2027-01-07"), ("met", "2027-01-08", None)]
    assert after["provisional"] is False and after["workdays_over"] is None


def test_unknown_case(world):
    with pytest.raises(NotFound):
        timeline(world, "FGW-2026-999999")
