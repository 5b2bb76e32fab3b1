"""Render a workflow as a mermaid `stateDiagram-v2` (Chinese state labels, current state highlighted).

Written directly rather than through `GraphMachine(graph_engine="mermaid")`: that one needs the
machine as its own model, drops the title, and cannot label states with our Chinese titles.
"""

from __future__ import annotations

from repair.domain.workflow import Workflow
from repair.errors import ValidationError

CURRENT_CLASS = "current"


def _label(text: str) -> str:
    # A colon ends a mermaid edge label and a double quote ends a state label.
    return text.replace(":", "：").replace('"', "'")


def mermaid(workflow: Workflow, current: str | None = None) -> str:
    """Return mermaid source for `workflow`, marking `current` (a state name) with a highlight class."""
    if current is not None and current not in workflow.states:
        raise ValidationError(f"未知状态 / unknown state {current!r} in {workflow.name!r}", field="current")
    lines = ["stateDiagram-v2", "  direction LR",
             f"  classDef {CURRENT_CLASS} fill:#fde2e1,stroke:#c0392b,stroke-width:2px,color:#c0392b",
             "  classDef ended fill:#eef5ee,stroke:#5b8c5a"]
    for s in workflow.states.values():
        lines.append(f'  state "{_label(s.title)}" as {s.name}')
    lines.append(f"  [*] --> {workflow.initial}")
    for t in workflow.transitions:
        label = _label(f"{t.trigger} ({t.title})")
        for source in t.sources:
            lines.append(f"  {source} --> {t.dest or source}: {label}")
    for s in workflow.states.values():
        if s.final:
            lines.append(f"  {s.name} --> [*]")
        if not workflow.is_open(s.name) and s.name != current:
            lines.append(f"  class {s.name} ended")
    if current is not None:
        lines.append(f"  class {current} {CURRENT_CLASS}")
    return "\n".join(lines) + "\n"
