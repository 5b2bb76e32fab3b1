"""Strict reading of one YAML workflow file: syntax errors and duplicate keys name their line, and
`Reader` checks the shape of each value, naming the key path (e.g. `transitions[3].guards[0]`)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NoReturn

import yaml

from repair.errors import WorkflowConfigError

IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")


class _StrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml parses ~10x faster
    """SafeLoader that refuses duplicate mapping keys (PyYAML silently keeps the last one)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set[str] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                if key_node.value in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key_node.value!r}", key_node.start_mark)
                seen.add(key_node.value)
        return super().construct_mapping(node, deep)


def read_yaml(path: Path) -> Any:
    """Parse `path` strictly; a syntax error becomes a WorkflowConfigError naming the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise WorkflowConfigError(str(path), "(file)", f"无法读取文件 / cannot read file: {err}") from err
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a (C)SafeLoader subclass
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else 0
        raise WorkflowConfigError(str(path), f"line {line}",
                                  f"YAML 语法错误 / invalid YAML at line {line}: {err.problem}") from err
    except yaml.YAMLError as err:
        raise WorkflowConfigError(str(path), "(file)", f"YAML 语法错误 / invalid YAML: {err}") from err


def child(parent: str, key: str | int) -> str:
    """Return the key path of `key` below `parent` (`a.b`, `a[3]`)."""
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else key


class Reader:
    """Typed accessors over parsed YAML that raise WorkflowConfigError(path, key, message)."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, key: str, message: str) -> NoReturn:
        """Raise the error for `key` of this file."""
        raise WorkflowConfigError(str(self.path), key or "(top)", message)

    def mapping(self, value: Any, key: str, required: Iterable[str], optional: Iterable[str] = ()) -> dict:
        """Check `value` is a mapping with all `required` keys and nothing unknown."""
        if not isinstance(value, dict):
            self.fail(key, f"应为映射 / expected a mapping, got {type(value).__name__}")
        required = tuple(required)
        allowed = set(required) | set(optional)
        for k in value:
            if k not in allowed:
                self.fail(child(key, str(k)),
                          f"未知键 / unknown key {k!r} (allowed: {', '.join(sorted(allowed))})")
        for k in required:
            if k not in value:
                self.fail(child(key, k), f"缺少必填键 / missing required key {k!r}")
        return value

    def text(self, value: Any, key: str) -> str:
        """Check `value` is a non-empty string."""
        if not isinstance(value, str) or not value.strip():
            self.fail(key, f"应为非空字符串 / expected a non-empty string, got {value!r}")
        return value

    def ident(self, value: Any, key: str) -> str:
        """Check `value` is a lower-case identifier (safe in mermaid and as a Python name)."""
        if not isinstance(value, str) or not IDENTIFIER.match(value):
            self.fail(key, f"应为小写标识符 / expected an identifier like 'fulfilment_check', got {value!r}")
        return value

    def flag(self, value: Any, key: str) -> bool:
        """Check `value` is a boolean."""
        if not isinstance(value, bool):
            self.fail(key, f"应为 true 或 false / expected a boolean, got {value!r}")
        return value

    def positive_int(self, value: Any, key: str) -> int:
        """Check `value` is an integer > 0 (booleans are not integers here)."""
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            self.fail(key, f"应为正整数 / expected a positive integer, got {value!r}")
        return value

    def choice(self, value: Any, key: str, allowed: Iterable[Any]) -> Any:
        """Check `value` is one of `allowed`."""
        allowed = tuple(allowed)
        if value not in allowed:
            shown = ", ".join("null" if a is None else str(a) for a in allowed)
            self.fail(key, f"取值无效 / {value!r} is not one of: {shown}")
        return value

    def idents(self, value: Any, key: str, allowed: Iterable[str] | None = None,
               what: tuple[str, str] = ("值", "value")) -> tuple[str, ...]:
        """Check `value` is a list of identifiers, each in `allowed` when given."""
        if not isinstance(value, list):
            self.fail(key, f"应为列表 / expected a list, got {value!r}")
        known = None if allowed is None else set(allowed)
        for i, item in enumerate(value):
            self.ident(item, child(key, i))
            if known is not None and item not in known:
                self.fail(child(key, i), f"未知的{what[0]} / unknown {what[1]} {item!r}")
        return tuple(value)
