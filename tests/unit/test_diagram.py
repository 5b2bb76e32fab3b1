"""The mermaid state diagram of a workflow: Chinese labels, every edge, the current state highlighted."""

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
    assert src.startswith("stateDiagram-v2\n")
    for s in wf.states.values():
        assert f'state "{s.title}" as {s.name}' in src
    edges = re.findall(r"^  (\w+) --> (\w+): (\w+) \(", src, flags=re.M)
    expected = [(s, t.dest or s, t.trigger) for t in wf.transitions for s in t.sources]
    assert edges == expected
    assert f"[*] --> {wf.initial}" in src
    assert _highlighted(src) == []


def _highlighted(src: str) -> list[str]:
    return [line.split()[1] for line in src.splitlines()
            if line.strip().startswith("class ") and line.split()[-1] == CURRENT_CLASS]


@pytest.mark.parametrize("current", ["submitted", "under_review", "concluded"])
def test_current_state_is_highlighted(workflows, current):
    src = mermaid(workflows["penalty_repair"], current)
    assert _highlighted(src) == [current]
    assert f"classDef {CURRENT_CLASS} " in src


def test_labels_show_trigger_and_chinese_title(workflows):
    src = mermaid(workflows["penalty_repair"])
    assert "  under_review --> granted: grant (准予修复)\n" in src
    assert "  concluded --> concluded: confirm_sync (确认已同步)\n" in src
    assert "  denied --> [*]\n" in src


def test_unknown_current_state_is_refused(workflows):
    with pytest.raises(ValidationError) as info:
        mermaid(workflows["penalty_repair"], "nowhere")
    assert info.value.field == "current"
