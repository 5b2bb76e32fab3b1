"""Graph-level checks of a parsed workflow: exits, reachability and duplicate (trigger, source)."""

from __future__ import annotations

from repair.domain.workflow import StateDef, TransitionDef
from repair.domain.workflow_yaml import Reader, child


def check_graph(r: Reader, initial: str, states: dict[str, StateDef],
                transitions: tuple[TransitionDef, ...]) -> None:
    """Raise WorkflowConfigError for the first structural defect found.

    An internal transition (dest null) is not an exit: a final state may still have one (e.g. confirm_sync
    on `revoked`), and it does not rescue a non-final state from being a dead end.
    """
    seen: dict[tuple[str, str], int] = {}
    for i, t in enumerate(transitions):
        for s in t.sources:
            if (t.trigger, s) in seen:
                r.fail(child(child("transitions", i), "source"),
                       f"操作与来源状态重复 / duplicate (trigger, source) ({t.trigger!r}, {s!r}), "
                       f"first at transitions[{seen[(t.trigger, s)]}]")
            seen[(t.trigger, s)] = i
    exits: dict[str, set[str]] = {s: set() for s in states}
    for t in transitions:
        if t.dest is not None:
            for s in t.sources:
                exits[s].add(t.dest)
    for i, (name, state) in enumerate(states.items()):
        if state.final and exits[name]:
            r.fail(child("states", i), f"终态不得有出口 / final state {name!r} has exits to "
                                       f"{', '.join(sorted(exits[name]))}")
        if not state.final and not exits[name]:
            r.fail(child("states", i), f"非终态必须有出口 / non-final state {name!r} has no exit "
                                       f"(mark it final: true)")
    reached, todo = {initial}, [initial]
    while todo:
        for nxt in exits[todo.pop()] - reached:
            reached.add(nxt)
            todo.append(nxt)
    for i, name in enumerate(states):
        if name not in reached:
            r.fail(child("states", i), f"状态不可达 / state {name!r} is unreachable from {initial!r}")
