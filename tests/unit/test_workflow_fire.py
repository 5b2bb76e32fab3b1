"""Firing transitions: every (state, trigger) pair of every workflow, and each named refusal."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from repair.domain.guards import CaseFacts
from repair.domain.workflow import Workflow
from repair.domain.workflow_load import load_workflows
from repair.errors import TransitionRefused, UnknownTrigger, ValidationError

WORKFLOWS_DIR = Path(__file__).resolve().parents[2] / "workflows"
LETTER_KEYS = ("penalty_decision", "rights_notice", "acceptance_notice", "refusal_notice",
               "supplement_notice", "repair_decision")


def _pairs() -> list[tuple[str, str, str]]:
    """Every (workflow, state, trigger) named in the files, read as raw YAML at collection time."""
    pairs = []
    for path in sorted(WORKFLOWS_DIR.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        triggers = dict.fromkeys(t["trigger"] for t in doc["transitions"])
        pairs += [(doc["name"], s["name"], t) for s in doc["states"] for t in triggers]
    return pairs


@pytest.fixture(scope="module")
def workflows(tmp_path_factory) -> dict[str, Workflow]:
    # Firing does not depend on the templates' content, only on their existence.
    letters = tmp_path_factory.mktemp("letters")
    for key in LETTER_KEYS:
        (letters / f"{key}.html").write_text("<p></p>", encoding="utf-8")
    return load_workflows(WORKFLOWS_DIR, letters)


def facts(role: str = "officer", **changes) -> CaseFacts:
    """Facts under which every guard passes; override single fields to make one fail."""
    base = CaseFacts(actor="zhang.san", actor_role=role, actor_in_scope=True, reason="材料齐全",
                     fulfilment_complete=True, commitment_signed=True, documents_sealed=True,
                     electronic_consent=True, evidence_unchanged=True)
    return replace(base, **changes)


@pytest.mark.parametrize("name,state,trigger", _pairs())
def test_fire_succeeds_exactly_when_declared(workflows, name, state, trigger):
    wf = workflows[name]
    declared = [t for t in wf.transitions if t.trigger == trigger]
    match = next((t for t in declared if state in t.sources), None)
    actor = facts(role=(match or declared[0]).roles[0])
    if match is None:
        with pytest.raises(TransitionRefused) as info:
            wf.fire(state, trigger, actor)
        assert info.value.failed == ["state"]
        assert wf.states[state].title in str(info.value) and trigger in str(info.value)
        assert trigger not in wf.triggers_from(state)
    else:
        firing = wf.fire(state, trigger, actor)
        assert (firing.trigger, firing.source, firing.transition) == (trigger, state, match)
        assert firing.dest == (match.dest or state)
        assert trigger in wf.triggers_from(state)


def test_unknown_trigger(workflows):
    with pytest.raises(UnknownTrigger, match="pay_fine"):
        workflows["penalty_repair"].fire("submitted", "pay_fine", facts())


def test_the_checker_cannot_grant(workflows):
    checker = facts(role="reviewer", checkers=frozenset({"zhang.san"}))
    with pytest.raises(TransitionRefused) as info:
        workflows["penalty_repair"].fire("under_review", "grant", checker)
    assert info.value.failed == ["four_eyes"]
    assert "四眼原则：审核人不得为核查人 / four_eyes" in str(info.value)
    other = replace(checker, actor="li.si")
    assert workflows["penalty_repair"].fire("under_review", "grant", other).dest == "granted"


def test_every_failed_guard_is_named(workflows):
    actor = facts(role="reviewer", checkers=frozenset({"zhang.san"}),
                  eligibility_failures=("min_publicity", "fulfilment"))
    with pytest.raises(TransitionRefused) as info:
        workflows["penalty_repair"].fire("under_review", "grant", actor)
    assert info.value.failed == ["four_eyes", "eligible"]
    assert "符合信用修复条件（不符合：min_publicity、fulfilment） / eligible" in str(info.value)


def test_missing_fulfilment_is_listed(workflows):
    actor = facts(role="system", fulfilment_complete=False, fulfilment_missing=("罚款缴纳凭证",))
    with pytest.raises(TransitionRefused) as info:
        workflows["penalty_repair"].fire("fulfilment_check", "confirm_fulfilment", actor)
    assert info.value.failed == ["penalty_fulfilled"]
    assert "尚缺：罚款缴纳凭证" in str(info.value)


@pytest.mark.parametrize("trigger", ["serve_on_spot", "party_absent"])
def test_unsealed_documents_cannot_be_served(workflows, trigger):
    with pytest.raises(TransitionRefused) as info:
        workflows["paired_delivery"].fire("prepared", trigger, facts(documents_sealed=False))
    assert info.value.failed == ["documents_sealed"]


def test_role_refusal(workflows):
    with pytest.raises(TransitionRefused) as info:
        workflows["penalty_repair"].fire("under_review", "grant", facts(role="officer"))
    assert info.value.failed == ["role"]
    assert "经办人" in str(info.value) and "准予修复" in str(info.value)


def test_scope_refusal(workflows):
    with pytest.raises(TransitionRefused) as info:
        workflows["penalty_repair"].fire("submitted", "accept", facts(actor_in_scope=False))
    assert info.value.failed == ["scope"]


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_reason_required(workflows, reason):
    with pytest.raises(ValidationError) as info:
        workflows["penalty_repair"].fire("submitted", "refuse", facts(reason=reason))
    assert info.value.field == "reason"


@pytest.mark.parametrize("state,trigger,role", [
    ("fulfilment_check", "extend", "officer"), ("under_review", "extend", "officer"),
    ("concluded", "confirm_sync", "system"), ("revoked", "confirm_sync", "system"),
])
def test_internal_transitions_keep_the_state(workflows, state, trigger, role):
    firing = workflows["penalty_repair"].fire(state, trigger, facts(role=role))
    assert (firing.source, firing.dest, firing.transition.internal) == (state, state, True)


def test_extension_limited_by_clock_max(workflows):
    with pytest.raises(TransitionRefused) as info:
        workflows["penalty_repair"].fire("under_review", "extend", facts(extensions_used={"decision": 1}))
    assert info.value.failed == ["extension_available"]
    assert "延期次数未达上限（1次）" in str(info.value)
    used_elsewhere = facts(extensions_used={"feedback": 3})
    assert workflows["penalty_repair"].fire("under_review", "extend", used_elsewhere).dest == "under_review"


def test_allowed_lists_the_buttons(workflows):
    wf = workflows["penalty_repair"]
    assert [t.trigger for t in wf.allowed("fulfilment_check", facts())] == [
        "request_supplement", "confirm_fulfilment", "extend"]
    assert [t.trigger for t in wf.allowed("fulfilment_check", facts(fulfilment_complete=False))] == [
        "request_supplement", "extend"]
    assert [t.trigger for t in wf.allowed("under_review", facts(role="enterprise"))] == ["withdraw"]
    assert wf.allowed("under_review", facts(role="enterprise", actor_in_scope=False)) == []
    assert [t.trigger for t in wf.allowed("under_review", facts(role="reviewer"))] == ["grant", "deny"]


def test_firing_leaves_no_model_on_the_shared_machine(workflows):
    wf = workflows["penalty_repair"]
    wf.fire("submitted", "accept", facts())
    assert wf._machine.models == []
