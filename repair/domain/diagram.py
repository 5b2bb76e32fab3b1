"""Render a workflow as a mermaid flowchart: display names only (no trigger ids), current state highlighted.

Written directly rather than through `GraphMachine(graph_engine="mermaid")`: that one needs the machine as
its own model, drops the title and cannot label states with our names. A flowchart rather than a
`stateDiagram-v2`: its layout places each edge label as a node of its own, so labels do not overlap, and
several steps between the same two states share one edge; a step that stays in its state is written in
the state's box.
"""

from __future__ import annotations

from collections.abc import Callable

from repair.domain import display
from repair.domain.workflow import Workflow
from repair.errors import ValidationError

CURRENT_CLASS = "current"


def _label(text: str) -> str:
    # A double quote ends a label; mermaid reads #…; as an entity and | ends an edge label.
    return text.replace('"', "'").replace("#", "＃").replace("|", "｜").replace(";", "；")


def mermaid(workflow: Workflow, current: str | None = None, lang: str = "zh",
            names: Callable[[str, str], str] | None = None) -> str:
    """Return mermaid source for `workflow` in `lang`, marking `current` (a state name) with a highlight class."""
    if current is not None and current not in workflow.states:
        raise ValidationError(f"未知状态 / unknown state {current!r} in {workflow.name!r}", field="current")
    name = names or (lambda kind, code: display.name(kind, code, lang, workflow=workflow.name))
    lines = ["flowchart TD",
             f"  classDef {CURRENT_CLASS} fill:#fde2e1,stroke:#b71c1c,stroke-width:3px,color:#8e0000",
             "  classDef ended fill:#eef5ee,stroke:#5b8c5a,color:#1b3d1b",
             "  classDef start fill:#333,stroke:#333"]
    edges: dict[tuple[str, str], list[str]] = {}
    for t in workflow.transitions:
        for source in t.sources:
            labels = edges.setdefault((source, t.dest or source), [])
            title = name("trigger", t.trigger)
            if title not in labels:
                labels.append(title)
    separator = " / " if display.language(lang) == "en" else "、"
    # A step that stays in its state (延长办理期限, 确认已同步) is written inside the state's box: a loop's label
    # would sit on the labels of the edges around it.
    for s in workflow.states.values():
        shape = ('(["', '"])') if s.final else ('("', '")')
        text = _label(name("state", s.name))
        stays = edges.pop((s.name, s.name), None)
        if stays:
            text += "<br/><small>" + _label(("Also: " if lang == "en" else "可") + separator.join(stays)) + "</small>"
        lines.append(f"  {s.name}{shape[0]}{text}{shape[1]}")
    lines.append("  start_((\" \")):::start --> " + workflow.initial)
    for (source, dest), labels in edges.items():
        lines.append(f'  {source} -->|"{_label(separator.join(labels))}"| {dest}')
    for s in workflow.states.values():
        if not workflow.is_open(s.name) and s.name != current:
            lines.append(f"  class {s.name} ended")
    if current is not None:
        lines.append(f"  class {current} {CURRENT_CLASS}")
    return "\n".join(lines) + "\n"
