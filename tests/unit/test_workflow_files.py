"""The six shipped workflow files load and carry the time limits and bases of domain.md §4."""

from __future__ import annotations

from pathlib import Path

import pytest

from repair.domain.workflow import Workflow
from repair.domain.workflow_load import load_workflows

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS_DIR = ROOT / "workflows"
LETTERS_DIR = ROOT / "letters"


@pytest.fixture(scope="module")
def workflows() -> dict[str, Workflow]:
    return load_workflows(WORKFLOWS_DIR, LETTERS_DIR)


def test_all_six_workflows_load_against_the_real_letters(workflows):
    assert sorted(workflows) == ["anomaly_list_removal", "commitment_breach_repair",
                                 "inspection_negative_repair", "paired_delivery", "penalty_repair",
                                 "samr_penalty_repair"]
    letters = {t.letter for wf in workflows.values() for t in wf.transitions if t.letter}
    assert letters == {"penalty_decision", "rights_notice", "acceptance_notice", "refusal_notice",
                       "supplement_notice", "repair_decision"}
    assert all((LETTERS_DIR / f"{key}.html").is_file() for key in letters)


@pytest.mark.parametrize("name,channel,kinds", [
    ("penalty_repair", "ndrc", ("administrative_penalty", "serious_dishonesty_list")),
    ("samr_penalty_repair", "samr", ("administrative_penalty",)),
    ("anomaly_list_removal", "samr", ("business_anomaly_list",)),
    ("inspection_negative_repair", None, ("inspection_negative",)),
    ("commitment_breach_repair", None, ("commitment_breach",)),
    ("paired_delivery", None, ("administrative_penalty",)),
])
def test_channel_and_record_kinds(workflows, name, channel, kinds):
    wf = workflows[name]
    # The penalty workflows are at v2 (grant re-checks the pinned fulfilment evidence).
    version = 2 if name in ("penalty_repair", "samr_penalty_repair") else 1
    assert (wf.channel, wf.applies_to, wf.version) == (channel, kinds, version)
    assert wf.path == WORKFLOWS_DIR / f"{name}.yaml"


def _limits(wf: Workflow) -> dict[str, tuple[int, str, bool]]:
    return {c.stage: (c.limit, c.unit, c.confirmed) for c in wf.clocks}


@pytest.mark.parametrize("name,expected", [
    ("penalty_repair", {"acceptance": (3, "workdays", True), "decision": (7, "workdays", False),
                        "feedback": (10, "workdays", True), "sharing": (3, "workdays", True)}),
    ("samr_penalty_repair", {"acceptance": (2, "workdays", False), "decision": (7, "workdays", True),
                             "push": (3, "workdays", True)}),
    ("anomaly_list_removal", {"removal": (5, "workdays", True), "sharing": (3, "workdays", True)}),
    ("inspection_negative_repair", {"acceptance": (3, "workdays", False), "decision": (7, "workdays", False),
                                    "sharing": (3, "workdays", False)}),
    ("commitment_breach_repair", {"acceptance": (3, "workdays", False), "decision": (7, "workdays", False),
                                  "sharing": (3, "workdays", False)}),
    ("paired_delivery", {"service": (7, "workdays", True)}),
])
def test_time_limits(workflows, name, expected):
    assert _limits(workflows[name]) == expected


def test_bases_cite_the_sources(workflows):
    pr = workflows["penalty_repair"]
    assert pr.clock("acceptance").basis == "国办发〔2025〕22号"
    assert "22号" in pr.clock("feedback").basis and "第58号" in pr.clock("feedback").basis
    assert "第38条" in pr.clock("sharing").basis
    assert "第107号" in workflows["samr_penalty_repair"].clock("decision").basis
    assert "第68号" in workflows["anomaly_list_removal"].clock("removal").basis
    assert workflows["paired_delivery"].clock("service").basis == "《行政处罚法》第61条、第85条；国办发〔2025〕22号"
    assert all("第8项" in c.basis for c in workflows["inspection_negative_repair"].clocks[:2])


def test_penalty_repair_states_and_outcomes(workflows):
    wf = workflows["penalty_repair"]
    assert list(wf.states) == ["submitted", "fulfilment_check", "awaiting_supplement", "under_review",
                               "granted", "concluded", "refused", "denied", "withdrawn", "revoked"]
    assert {n for n, s in wf.states.items() if s.final} == {"refused", "denied", "withdrawn", "revoked"}
    assert wf.states["concluded"].outcome == "granted" and not wf.states["concluded"].final
    assert [n for n in wf.states if wf.is_open(n)] == ["submitted", "fulfilment_check", "awaiting_supplement",
                                                       "under_review", "granted"]


def test_penalty_repair_decision_clock(workflows):
    decision = workflows["penalty_repair"].clock("decision")
    assert decision.starts.enter == ("fulfilment_check",)
    assert decision.stops.enter == ("granted", "denied", "withdrawn")
    assert decision.pauses == ("awaiting_supplement",)
    assert (decision.extension.limit, decision.extension.max, decision.extension.confirmed) == (10, 1, False)
    sharing = workflows["penalty_repair"].clock("sharing")
    assert (sharing.starts.enter, sharing.stops.fire) == (("concluded", "revoked"), ("confirm_sync",))


def test_penalty_repair_transitions(workflows):
    t = {t.trigger: t for t in workflows["penalty_repair"].transitions}
    assert t["withdraw"].sources == ("submitted", "fulfilment_check", "awaiting_supplement", "under_review")
    assert [n for n, d in t.items() if d.check] == ["confirm_fulfilment"]
    assert [n for n, d in t.items() if "reason" in d.requires] == [
        "refuse", "request_supplement", "deny", "withdraw", "revoke", "extend"]
    assert (t["extend"].dest, t["extend"].extends) == (None, "decision")
    assert (t["grant"].roles, t["grant"].guards) == (("reviewer",), ("four_eyes", "eligible", "evidence_unchanged"))


def test_paired_delivery_serves_only_sealed_documents(workflows):
    wf = workflows["paired_delivery"]
    serving = [t for t in wf.transitions if t.dest == "served"]
    assert {t.trigger for t in serving} == {"serve_on_spot", "serve_by_post", "serve_electronic",
                                            "acknowledge"}
    assert all("documents_sealed" in t.guards for t in serving)
    cancel = next(t for t in wf.transitions if t.trigger == "cancel")
    assert cancel.sources == ("drafting", "decision_prepared", "prepared", "awaiting_service")
    assert wf.clock("service").starts.enter == ("awaiting_service",)
