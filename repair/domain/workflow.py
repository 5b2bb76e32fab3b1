"""Workflows as frozen data, and firing a transition through one shared pytransitions Machine.

`workflow_load.load_workflows` builds these objects from `workflows/*.yaml`. The Machine is a pure
rules engine: it holds no model (one `CaseFlow` per firing, never an ORM row), has no callbacks and
no `to_<state>` shortcuts; every refusal is raised as a named error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from transitions import Machine
from transitions.core import EventData

from repair.domain.guards import GUARDS, CaseFacts, Guard, extension_available
from repair.domain.roles import role_title
from repair.errors import TransitionRefused, UnknownTrigger, ValidationError


@dataclass(frozen=True)
class StateDef:
    """A workflow state; `outcome` marks the case concluded, `final` means no way out."""

    name: str
    title: str
    final: bool = False
    outcome: str | None = None


@dataclass(frozen=True)
class ClockEvents:
    """When a clock starts or stops: on entering one of `enter`, or on firing one of `fire`."""

    enter: tuple[str, ...] = ()
    fire: tuple[str, ...] = ()


@dataclass(frozen=True)
class Extension:
    """How far, on what basis and how many times a clock may be extended."""

    limit: int
    unit: str
    basis: str
    confirmed: bool
    max: int


@dataclass(frozen=True)
class ClockDef:
    """A time limit on a stage of the workflow (which may span several states)."""

    stage: str
    title: str
    limit: int
    unit: str
    basis: str
    confirmed: bool
    starts: ClockEvents
    stops: ClockEvents
    pauses: tuple[str, ...] = ()
    extension: Extension | None = None


@dataclass(frozen=True)
class TransitionDef:
    """One declared transition; `dest` None means internal (the state stays)."""

    trigger: str
    title: str
    sources: tuple[str, ...]
    dest: str | None
    roles: tuple[str, ...]
    guards: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    letter: str | None = None
    extends: str | None = None
    check: bool = False

    @property
    def internal(self) -> bool:
        """True when firing keeps the current state (e.g. extend, confirm_sync)."""
        return self.dest is None


@dataclass(frozen=True)
class Firing:
    """The result of a successful firing."""

    trigger: str
    source: str
    dest: str
    transition: TransitionDef


@dataclass
class CaseFlow:
    """The tiny model the Machine moves: a state and the facts its guards read."""

    state: str
    facts: CaseFacts


@dataclass(frozen=True)
class Workflow:
    """A validated workflow definition with its shared Machine."""

    name: str
    version: int
    title: str
    channel: str | None
    applies_to: tuple[str, ...]
    roles: tuple[str, ...]
    initial: str
    states: Mapping[str, StateDef]
    clocks: tuple[ClockDef, ...]
    transitions: tuple[TransitionDef, ...]
    path: Path
    _index: dict[tuple[str, str], tuple[TransitionDef, tuple[Guard, ...]]] = field(
        init=False, repr=False, compare=False)
    _machine: Machine = field(init=False, repr=False, compare=False)
    _guards_by_trigger: dict[str, frozenset[str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        guards = [self._resolve_guards(t) for t in self.transitions]
        index = {(t.trigger, s): (t, g) for t, g in zip(self.transitions, guards) for s in t.sources}
        by_trigger: dict[str, frozenset[str]] = {}
        for t in self.transitions:
            by_trigger[t.trigger] = by_trigger.get(t.trigger, frozenset()) | frozenset(t.guards)
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_guards_by_trigger", by_trigger)
        object.__setattr__(self, "_machine", self._build_machine(guards))

    def guard_names(self, trigger: str) -> frozenset[str]:
        """The named guards any transition of `trigger` checks (so the service gathers only their facts)."""
        return self._guards_by_trigger.get(trigger, frozenset())

    def _resolve_guards(self, t: TransitionDef) -> tuple[Guard, ...]:
        named = tuple(GUARDS[g] for g in t.guards)
        if t.extends is None:
            return named
        ext = self.clock(t.extends).extension
        assert ext is not None  # the loader rejects `extends:` on a clock without extension
        return named + (extension_available(t.extends, ext.max),)

    def _build_machine(self, guards: list[tuple[Guard, ...]]) -> Machine:
        # Only keys pytransitions understands; ours (title, letter, clocks ...) stay in the dataclasses.
        states = [{"name": s.name, "final": s.final} for s in self.states.values()]
        transitions = [
            {"trigger": t.trigger, "source": list(t.sources), "dest": t.dest,
             "conditions": [_condition(g) for g in t_guards]}
            for t, t_guards in zip(self.transitions, guards)
        ]
        return Machine(model=None, states=states, transitions=transitions, initial=self.initial,
                       auto_transitions=False, send_event=True, model_attribute="state",
                       name=f"{self.name}@{self.version}")

    def clock(self, stage: str) -> ClockDef:
        """Return the clock of `stage` (KeyError if the workflow has none)."""
        for c in self.clocks:
            if c.stage == stage:
                return c
        raise KeyError(stage)

    def is_open(self, state: str) -> bool:
        """True while the case in `state` is not concluded (no outcome, not final)."""
        s = self.states[state]
        return not s.final and s.outcome is None

    def triggers_from(self, state: str) -> list[str]:
        """List the triggers declared from `state`, in file order."""
        return list(self._machine.get_triggers(state))

    def allowed(self, state: str, facts: CaseFacts) -> list[TransitionDef]:
        """List what `facts.actor` may do now in `state`: role, scope and guards all pass."""
        if not facts.actor_in_scope:
            return []
        return [t for t, guards in (self._index[(trig, state)] for trig in self.triggers_from(state))
                if facts.actor_role in t.roles and all(g.check(facts) for g in guards)]

    def fire(self, state: str, trigger: str, facts: CaseFacts) -> Firing:
        """Fire `trigger` from `state`; return where it leads or raise the named refusal."""
        if trigger not in self._machine.events:
            raise UnknownTrigger(f"流程「{self.title}」没有操作 {trigger} / "
                                 f"unknown trigger {trigger!r} in workflow {self.name!r}")
        found = self._index.get((trigger, state))
        if found is None:
            label = self.states[state].title if state in self.states else state
            raise TransitionRefused(f"当前状态「{label}」不允许操作「{self._title(trigger)}」 / "
                                    f"trigger {trigger!r} is not allowed from state {state!r}",
                                    failed=["state"])
        t, guards = found
        if facts.actor_role not in t.roles:
            raise TransitionRefused(f"角色「{role_title(facts.actor_role)}」无权执行「{t.title}」 / "
                                    f"role {facts.actor_role!r} may not fire {trigger!r}", failed=["role"])
        if not facts.actor_in_scope:
            raise TransitionRefused(f"{facts.actor} 不在本案管辖范围内，无权执行「{t.title}」 / "
                                    f"actor {facts.actor!r} is out of scope for this case", failed=["scope"])
        if "reason" in t.requires and not (facts.reason or "").strip():
            raise ValidationError(f"「{t.title}」须填写理由 / a reason is required for {trigger!r}",
                                  field="reason")
        flow = CaseFlow(state, facts)
        # False means a condition failed; the state check above rules out MachineError.
        if not self._machine.events[trigger].trigger(flow):
            failed = [g for g in guards if not g.check(facts)]
            raise TransitionRefused(f"「{t.title}」条件不满足：" + "；".join(g.describe(facts) for g in failed),
                                    failed=[g.name for g in failed])
        return Firing(trigger=trigger, source=state, dest=flow.state, transition=t)

    def _title(self, trigger: str) -> str:
        return next(t.title for t in self.transitions if t.trigger == trigger)


def _condition(guard: Guard) -> Callable[[EventData], bool]:
    return lambda ev: guard.check(ev.model.facts)
