"""The layer rules of docs/architecture.md, read from the source: who may import whom, who may commit, no circles.

Every import counts, also one inside a function: a late import hides a dependency from the interpreter, not
from the design. `from repair.pkg import mod` counts as importing the module `repair.pkg.mod`.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "repair"
FRAMEWORKS = ("flask", "werkzeug", "sqlalchemy", "weasyprint", "pyhanko", "alembic", "jinja2")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def source_modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts}


MODULES = source_modules()


def imports_of(path: Path) -> set[str]:
    """Every module the file imports, resolved to a module of ours where it names one."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            submodules = {f"{node.module}.{a.name}" for a in node.names} & MODULES.keys()
            found.update(submodules)
            if len(submodules) < len(node.names):
                found.add(node.module)
    return found


IMPORTS = {name: imports_of(path) for name, path in MODULES.items()}


def layer_of(module: str) -> str:
    """The layer a module belongs to: `repair.services`, `repair.readmodels`, `repair.store` …"""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else module


def offenders(layers: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(f"{m} imports {i}" for m, found in IMPORTS.items() if layer_of(m) in layers
                  for i in found if any(i == f or i.startswith(f + ".") for f in forbidden))


def test_domain_and_calendar_use_no_framework_and_no_upper_layer():
    upper = ("repair.store", "repair.services", "repair.readmodels", "repair.web", "repair.cli", "repair.letters",
             "repair.seal", "repair.ofd", "repair.sync", "repair.exchange", "repair.blobs")
    assert offenders(("repair.domain", "repair.calendar"), FRAMEWORKS + upper) == []


def test_store_and_adapters_never_reach_up_into_services_or_the_interfaces():
    adapters = ("repair.store", "repair.letters", "repair.seal", "repair.ofd", "repair.sync", "repair.exchange",
                "repair.blobs")
    assert offenders(adapters, ("repair.services", "repair.readmodels", "repair.web", "repair.cli")) == []


def test_services_and_read_models_know_nothing_of_the_interfaces():
    assert offenders(("repair.services", "repair.readmodels"), ("repair.web", "repair.cli", "flask")) == []
    assert offenders(("repair.services",), ("repair.readmodels",)) == []


def test_only_services_commit():
    """A read never commits; a verb commits through its unit of work (the store's uow owns the call)."""
    committing = set()
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "commit":
                committing.add(name)
    allowed = {m for m in committing if m.startswith("repair.services.") or m == "repair.store.uow"}
    assert sorted(committing - allowed) == []


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in graph.get(node, ()):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


@pytest.mark.parametrize("level", ["package", "module"])
def test_no_import_circles(level):
    graph: dict[str, set[str]] = defaultdict(set)
    for module, found in IMPORTS.items():
        source = layer_of(module) if level == "package" else module
        for target in found:
            if target in MODULES:
                target = layer_of(target) if level == "package" else target
                if target != source:
                    graph[source].add(target)
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
