"""Load and validate `workflows/*.yaml` into frozen `Workflow` objects, once, at start-up.

Every problem is a `WorkflowConfigError(path, key, message)` naming the file and the key path.
Graph-level checks (exits, reachability, duplicates) live in `workflow_check`.
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType
from typing import Any

from repair.domain.guards import GUARDS
from repair.domain.roles import ROLES
from repair.domain.workflow import (ClockDef, ClockEvents, Extension, StateDef, TransitionDef,
                                    Workflow)
from repair.domain.workflow_check import check_graph
from repair.domain.workflow_yaml import Reader, child, read_yaml

RECORD_KINDS = ("administrative_penalty", "serious_dishonesty_list", "business_anomaly_list",
                "inspection_negative", "commitment_breach")
CHANNELS = ("ndrc", "samr", None)
OUTCOMES = ("granted", "denied", "refused", "withdrawn", "revoked", "served", "cancelled")
UNITS = ("workdays", "days")
REQUIREMENTS = ("reason",)
ALL_NON_FINAL = "*"

_TOP = ("name", "version", "title", "channel", "applies_to", "roles", "initial", "states", "clocks",
        "transitions")
_TRANSITION_OPTIONAL = ("guards", "requires", "letter", "extends", "check")
_CLOCK_REQUIRED = ("stage", "title", "limit", "unit", "basis", "confirmed", "starts", "stops")


def load_workflows(directory: Path, letters_dir: Path) -> dict[str, Workflow]:
    """Load every `*.yaml` in `directory`, keyed by workflow name."""
    return {wf.name: wf for wf in (load_workflow(p, letters_dir) for p in sorted(directory.glob("*.yaml")))}


def load_workflow(path: Path, letters_dir: Path) -> Workflow:
    """Load and validate one workflow file; letters must exist as `letters_dir/<key>.html`."""
    r = Reader(path)
    doc = r.mapping(read_yaml(path), "", _TOP)
    name = r.ident(doc["name"], "name")
    if name != path.stem:
        r.fail("name", f"名称须与文件名一致 / name {name!r} must equal the file stem {path.stem!r}")
    roles = r.idents(doc["roles"], "roles", ROLES, ("角色", "role"))
    states = _states(r, doc["states"])
    initial = r.ident(doc["initial"], "initial")
    if initial not in states:
        r.fail("initial", f"未声明的状态 / undeclared state {initial!r}")
    transitions = tuple(_transition(r, t, child("transitions", i), states, roles, letters_dir)
                        for i, t in enumerate(_list(r, doc["transitions"], "transitions")))
    triggers = {t.trigger for t in transitions}
    clocks = tuple(_clock(r, c, child("clocks", i), states, triggers)
                   for i, c in enumerate(_list(r, doc["clocks"], "clocks", allow_empty=True)))
    _check_clock_refs(r, clocks, transitions)
    check_graph(r, initial, states, transitions)
    return Workflow(
        name=name, version=r.positive_int(doc["version"], "version"), title=r.text(doc["title"], "title"),
        channel=r.choice(doc["channel"], "channel", CHANNELS),
        applies_to=r.idents(doc["applies_to"], "applies_to", RECORD_KINDS, ("记录类型", "record kind")),
        roles=roles, initial=initial, states=MappingProxyType(states), clocks=clocks, transitions=transitions, path=path)


def _list(r: Reader, value: Any, key: str, allow_empty: bool = False) -> list:
    if not isinstance(value, list) or (not value and not allow_empty):
        r.fail(key, f"应为非空列表 / expected a non-empty list, got {value!r}")
    return value


def _states(r: Reader, value: Any) -> dict[str, StateDef]:
    states: dict[str, StateDef] = {}
    for i, raw in enumerate(_list(r, value, "states")):
        key = child("states", i)
        s = r.mapping(raw, key, ("name", "title"), ("final", "outcome"))
        name = r.ident(s["name"], child(key, "name"))
        if name in states:
            r.fail(child(key, "name"), f"状态重复 / duplicate state {name!r}")
        states[name] = StateDef(
            name=name, title=r.text(s["title"], child(key, "title")),
            final=r.flag(s.get("final", False), child(key, "final")),
            outcome=r.choice(s.get("outcome"), child(key, "outcome"), (None, *OUTCOMES)))
    return states


def _transition(r: Reader, raw: Any, key: str, states: dict[str, StateDef], roles: tuple[str, ...],
                letters_dir: Path) -> TransitionDef:
    t = r.mapping(raw, key, ("trigger", "title", "source", "dest", "roles"), _TRANSITION_OPTIONAL)
    trigger = r.ident(t["trigger"], child(key, "trigger"))
    if t["source"] == ALL_NON_FINAL:
        sources = tuple(s for s in states if not states[s].final)
    elif isinstance(t["source"], str):
        sources = (_state_ref(r, t["source"], child(key, "source"), states),)
    else:
        sources = r.idents(t["source"], child(key, "source"))
        for i, s in enumerate(sources):
            _state_ref(r, s, child(child(key, "source"), i), states)
        if not sources:
            r.fail(child(key, "source"), "至少须有一个来源状态 / at least one source state is required")
    dest = None if t["dest"] is None else _state_ref(r, t["dest"], child(key, "dest"), states)
    t_roles = r.idents(t["roles"], child(key, "roles"), ROLES, ("角色", "role"))
    if not t_roles:
        r.fail(child(key, "roles"), "至少须有一个角色 / at least one role is required")
    for i, role in enumerate(t_roles):
        if role not in roles:
            r.fail(child(child(key, "roles"), i),
                   f"角色未在文件 roles 中声明 / role {role!r} is not listed in the file's roles")
    letter = t.get("letter")
    if letter is not None:
        r.ident(letter, child(key, "letter"))
        if not (letters_dir / f"{letter}.html").is_file():
            r.fail(child(key, "letter"),
                   f"文书模板不存在 / letter template {letters_dir / f'{letter}.html'} does not exist")
    extends = t.get("extends")
    if extends is not None:
        r.ident(extends, child(key, "extends"))
        if dest is not None:
            r.fail(child(key, "extends"), "延期须为内部转换（dest: null） / `extends` needs dest: null")
    return TransitionDef(
        trigger=trigger, title=r.text(t["title"], child(key, "title")), sources=sources, dest=dest,
        roles=t_roles, guards=r.idents(t.get("guards", []), child(key, "guards"), GUARDS, ("条件", "guard")),
        requires=r.idents(t.get("requires", []), child(key, "requires"), REQUIREMENTS, ("要求", "requirement")),
        letter=letter, extends=extends, check=r.flag(t.get("check", False), child(key, "check")))


def _state_ref(r: Reader, value: Any, key: str, states: dict[str, StateDef]) -> str:
    r.ident(value, key)
    if value not in states:
        r.fail(key, f"未声明的状态 / undeclared state {value!r}")
    return value


def _clock(r: Reader, raw: Any, key: str, states: dict[str, StateDef], triggers: set[str]) -> ClockDef:
    c = r.mapping(raw, key, _CLOCK_REQUIRED, ("pauses", "extension"))
    return ClockDef(
        stage=r.ident(c["stage"], child(key, "stage")), title=r.text(c["title"], child(key, "title")),
        limit=r.positive_int(c["limit"], child(key, "limit")),
        unit=r.choice(c["unit"], child(key, "unit"), UNITS), basis=r.text(c["basis"], child(key, "basis")),
        confirmed=r.flag(c["confirmed"], child(key, "confirmed")),
        starts=_clock_events(r, c["starts"], child(key, "starts"), states, triggers),
        stops=_clock_events(r, c["stops"], child(key, "stops"), states, triggers),
        pauses=r.idents(c.get("pauses", []), child(key, "pauses"), states, ("状态", "state")),
        extension=_extension(r, c.get("extension"), child(key, "extension")))


def _clock_events(r: Reader, raw: Any, key: str, states: dict[str, StateDef],
                  triggers: set[str]) -> ClockEvents:
    e = r.mapping(raw, key, (), ("enter", "fire"))
    events = ClockEvents(enter=r.idents(e.get("enter", []), child(key, "enter"), states, ("状态", "state")),
                         fire=r.idents(e.get("fire", []), child(key, "fire"), triggers, ("操作", "trigger")))
    if not events.enter and not events.fire:
        r.fail(key, "须列出 enter 或 fire / list at least one state (enter) or trigger (fire)")
    return events


def _extension(r: Reader, raw: Any, key: str) -> Extension | None:
    if raw is None:
        return None
    e = r.mapping(raw, key, ("limit", "unit", "basis", "confirmed", "max"))
    return Extension(limit=r.positive_int(e["limit"], child(key, "limit")),
                     unit=r.choice(e["unit"], child(key, "unit"), UNITS),
                     basis=r.text(e["basis"], child(key, "basis")),
                     confirmed=r.flag(e["confirmed"], child(key, "confirmed")),
                     max=r.positive_int(e["max"], child(key, "max")))


def _check_clock_refs(r: Reader, clocks: tuple[ClockDef, ...],
                      transitions: tuple[TransitionDef, ...]) -> None:
    stages: dict[str, ClockDef] = {}
    for i, c in enumerate(clocks):
        if c.stage in stages:
            r.fail(child(child("clocks", i), "stage"), f"时限阶段重复 / duplicate clock stage {c.stage!r}")
        stages[c.stage] = c
    for i, t in enumerate(transitions):
        if t.extends is None:
            continue
        key = child(child("transitions", i), "extends")
        if t.extends not in stages:
            r.fail(key, f"未知的时限阶段 / unknown clock stage {t.extends!r}")
        if stages[t.extends].extension is None:
            r.fail(key, f"该时限不允许延期 / clock {t.extends!r} declares no extension")

