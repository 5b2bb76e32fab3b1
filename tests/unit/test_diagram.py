"""The mermaid diagram of a workflow: display names only, every edge, the current state highlighted."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from repair.domain.diagram import CURRENT_CLASS, mermaid
from repair.domain.workflow import Workflow
from repair.domain.workflow_load import load_workflows
from repair.errors import ValidationError

WORKFLOWS_DIR = Path(__file__).resolve().parents[2] / "workflows"
NAMES = sorted(p.stem for p in WORKFLOWS_DIR.glob("*.yaml"))
LETTER_KEYS = ("penalty_decision", "rights_notice", "acceptance_notice", "refusal_notice",
               "supplement_notice", "repair_decision")


@pytest.fixture(scope="module")
def workflows(tmp_path_factory) -> dict[str, Workflow]:
    letters = tmp_path_factory.mktemp("letters")
    for key in LETTER_KEYS:
        (letters / f"{key}.html").write_text("<p></p>", encoding="utf-8")
    return load_workflows(WORKFLOWS_DIR, letters)


@pytest.mark.parametrize("name", NAMES)
def test_every_state_title_and_edge_appears(workflows, name):
    wf = workflows[name]
    src = mermaid(wf)
    assert src.startswith("flowchart TD\n")
    for s in wf.states.values():
        assert re.search(rf'^  {s.name}\(\[?"{re.escape(s.title)}(<br/>.*)?"\]?\)$', src, flags=re.M), s.name
    edges = {(a, b): label for a, label, b in re.findall(r'^  (\w+) -->\|"([^"]+)"\| (\w+)$', src, flags=re.M)}
    expected = {(s, t.dest or s) for t in wf.transitions for s in t.sources if (t.dest or s) != s}
    assert set(edges) == expected
    for t in wf.transitions:
        for s in t.sources:
            if (t.dest or s) == s:  # a step that stays is written in the state's box
                assert re.search(rf'^  {s}\(\[?".*<small>可.*{re.escape(t.title)}.*</small>"', src, flags=re.M)
            else:
                assert t.title in edges[(s, t.dest or s)].split("、")
    assert f"--> {wf.initial}\n" in src
    assert _highlighted(src) == []


def test_no_trigger_ids_and_no_english_in_chinese_labels(workflows):
    for wf in workflows.values():
        src = mermaid(wf)
        labels = [re.sub(r"</?(br/|small)>", "", label) for label in re.findall(r'"([^"]*)"', src)]
        assert labels and all(not re.search(r"[A-Za-z]", label) for label in labels), wf.name


def _highlighted(src: str) -> list[str]:
    return [line.split()[1] for line in src.splitlines()
            if line.strip().startswith("class ") and line.split()[-1] == CURRENT_CLASS]


@pytest.mark.parametrize("current", ["submitted", "under_review", "concluded"])
def test_current_state_is_highlighted(workflows, current):
    src = mermaid(workflows["penalty_repair"], current)
    assert _highlighted(src) == [current]
    assert f"classDef {CURRENT_CLASS} " in src


def test_labels_are_display_names_in_either_language(workflows):
    src = mermaid(workflows["penalty_repair"])
    assert '  under_review -->|"准予修复"| granted\n' in src
    assert '  concluded("已办结<br/><small>可确认已同步</small>")\n' in src
    assert '  refused(["不予受理"])\n' in src
    english = mermaid(workflows["penalty_repair"], lang="en")
    assert '  under_review -->|"Grant"| granted\n' in english and '("Under review<br/><small>Also: Extend time limit</small>")' in english
    assert not re.search(r"[\u4e00-\u9fff]", english)


def test_unknown_current_state_is_refused(workflows):
    with pytest.raises(ValidationError) as info:
        mermaid(workflows["penalty_repair"], "nowhere")
    assert info.value.field == "current"
