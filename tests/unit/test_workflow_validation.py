"""Every kind of broken workflow file is a WorkflowConfigError naming the file and the key path."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from repair.domain.workflow_load import load_workflow
from repair.errors import WorkflowConfigError


def base() -> dict:
    """A small valid workflow that each case below breaks in exactly one way."""
    return {
        "name": "mini", "version": 1, "title": "迷你流程", "channel": "ndrc",
        "applies_to": ["administrative_penalty"], "roles": ["officer", "reviewer"], "initial": "open",
        "states": [
            {"name": "open", "title": "办理中"},
            {"name": "done", "title": "已办结", "outcome": "granted"},
            {"name": "closed", "title": "已关闭", "final": True},
        ],
        "clocks": [{
            "stage": "decide", "title": "决定", "limit": 3, "unit": "workdays", "basis": "测试依据",
            "confirmed": True, "starts": {"enter": ["open"]}, "stops": {"enter": ["done"]}, "pauses": [],
            "extension": {"limit": 5, "unit": "workdays", "basis": "测试", "confirmed": False, "max": 1},
        }],
        "transitions": [
            {"trigger": "finish", "title": "办结", "source": "open", "dest": "done", "roles": ["officer"],
             "guards": ["eligible"], "letter": "acceptance_notice"},
            {"trigger": "close", "title": "关闭", "source": "done", "dest": "closed", "roles": ["reviewer"],
             "requires": ["reason"]},
            {"trigger": "extend", "title": "延期", "source": "open", "dest": None, "roles": ["officer"],
             "requires": ["reason"], "extends": "decide"},
        ],
    }


@pytest.fixture
def letters(tmp_path: Path) -> Path:
    d = tmp_path / "letters"
    d.mkdir()
    (d / "acceptance_notice.html").write_text("<p>受理通知书</p>", encoding="utf-8")
    return d


def write(tmp_path: Path, doc: dict, stem: str = "mini") -> Path:
    path = tmp_path / f"{stem}.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _set(path: str, value):
    """Return a mutation setting `path` (dotted, with integer list indexes) to `value`."""
    def mutate(doc: dict) -> None:
        *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        target = doc
        for p in parents:
            target = target[p]
        target[last] = value
    return mutate


def _delete(path: str):
    def mutate(doc: dict) -> None:
        *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        target = doc
        for p in parents:
            target = target[p]
        del target[last]
    return mutate


def _append(path: str, item):
    def mutate(doc: dict) -> None:
        target = doc
        for p in [int(p) if p.isdigit() else p for p in path.split(".")]:
            target = target[p]
        target.append(copy.deepcopy(item))
    return mutate


REOPEN = {"trigger": "reopen", "title": "重开", "source": "closed", "dest": "open", "roles": ["officer"]}
LIMBO_STATE = {"name": "limbo", "title": "悬置"}
TO_LIMBO = {"trigger": "park", "title": "搁置", "source": "open", "dest": "limbo", "roles": ["officer"]}
SECOND_FINISH = {"trigger": "finish", "title": "再办结", "source": "open", "dest": "closed",
                 "roles": ["officer"]}
DUP_CLOCK = {"stage": "decide", "title": "再决定", "limit": 1, "unit": "days", "basis": "x", "confirmed": True,
             "starts": {"enter": ["open"]}, "stops": {"enter": ["done"]}}

CASES = {
    "unknown top-level key": (_set("colour", "red"), "colour", "未知键"),
    "unknown state key": (_set("states.0.timeout", 3), "states[0].timeout", "unknown key"),
    "unknown transition key": (_set("transitions.1.conditions", ["x"]), "transitions[1].conditions", "未知键"),
    "unknown clock key": (_set("clocks.0.deadline", 1), "clocks[0].deadline", "未知键"),
    "unknown extension key": (_set("clocks.0.extension.days", 1), "clocks[0].extension.days", "未知键"),
    "unknown starts key": (_set("clocks.0.starts.leave", ["open"]), "clocks[0].starts.leave", "未知键"),
    "missing title": (_delete("title"), "title", "缺少必填键"),
    "missing state title": (_delete("states.1.title"), "states[1].title", "missing required key"),
    "missing transition roles": (_delete("transitions.0.roles"), "transitions[0].roles", "缺少必填键"),
    "missing clocks": (_delete("clocks"), "clocks", "缺少必填键"),
    "name differs from stem": (_set("name", "other"), "name", "文件名"),
    "version zero": (_set("version", 0), "version", "正整数"),
    "version string": (_set("version", "1"), "version", "正整数"),
    "version boolean": (_set("version", True), "version", "正整数"),
    "undeclared source": (_set("transitions.0.source", "nowhere"), "transitions[0].source", "未声明的状态"),
    "undeclared source in list": (_set("transitions.0.source", ["open", "ghost"]), "transitions[0].source[1]",
                                  "undeclared state"),
    "undeclared dest": (_set("transitions.0.dest", "ghost"), "transitions[0].dest", "未声明的状态"),
    "undeclared initial": (_set("initial", "ghost"), "initial", "未声明的状态"),
    "unknown guard": (_set("transitions.0.guards", ["eligible", "magic"]), "transitions[0].guards[1]",
                      "未知的条件"),
    "injected guard written by hand": (_set("transitions.2.guards", ["extension_available"]),
                                       "transitions[2].guards[0]", "unknown guard"),
    "unknown role in transition": (_set("transitions.0.roles", ["wizard"]), "transitions[0].roles[0]",
                                   "未知的角色"),
    "unknown role in file roles": (_append("roles", "wizard"), "roles[2]", "unknown role"),
    "role not declared in file": (_set("transitions.0.roles", ["admin"]), "transitions[0].roles[0]",
                                  "not listed in the file's roles"),
    "letter template missing": (_set("transitions.0.letter", "no_such_letter"), "transitions[0].letter",
                                "文书模板不存在"),
    "unreachable state": (_append("states", {"name": "island", "title": "孤岛", "final": True}), "states[3]",
                          "不可达"),
    "final state with exits": (_append("transitions", REOPEN), "states[2]", "终态不得有出口"),
    "non-final state without exits": (lambda d: (_append("states", LIMBO_STATE)(d),
                                                 _append("transitions", TO_LIMBO)(d)),
                                      "states[3]", "非终态必须有出口"),
    "duplicate trigger and source": (_append("transitions", SECOND_FINISH), "transitions[3].source", "重复"),
    "clock starts in unknown state": (_set("clocks.0.starts.enter", ["ghost"]), "clocks[0].starts.enter[0]",
                                      "未知的状态"),
    "clock stops on unknown trigger": (_set("clocks.0.stops", {"fire": ["ghost"]}), "clocks[0].stops.fire[0]",
                                       "unknown trigger"),
    "clock pauses in unknown state": (_set("clocks.0.pauses", ["ghost"]), "clocks[0].pauses[0]", "未知的状态"),
    "clock starts on nothing": (_set("clocks.0.starts", {}), "clocks[0].starts", "enter 或 fire"),
    "duplicate clock stage": (_append("clocks", DUP_CLOCK), "clocks[1].stage", "重复"),
    "extends unknown clock": (_set("transitions.2.extends", "ghost"), "transitions[2].extends", "未知的时限阶段"),
    "extends clock without extension": (_set("clocks.0.extension", None), "transitions[2].extends", "不允许延期"),
    "extends on a state-changing transition": (_set("transitions.2.dest", "done"), "transitions[2].extends",
                                               "内部转换"),
    "unit not allowed": (_set("clocks.0.unit", "hours"), "clocks[0].unit", "取值无效"),
    "extension unit not allowed": (_set("clocks.0.extension.unit", "weeks"), "clocks[0].extension.unit",
                                   "取值无效"),
    "limit zero": (_set("clocks.0.limit", 0), "clocks[0].limit", "正整数"),
    "limit fractional": (_set("clocks.0.limit", 2.5), "clocks[0].limit", "正整数"),
    "confirmed missing": (_delete("clocks.0.confirmed"), "clocks[0].confirmed", "缺少必填键"),
    "extension confirmed missing": (_delete("clocks.0.extension.confirmed"), "clocks[0].extension.confirmed",
                                    "缺少必填键"),
    "confirmed not boolean": (_set("clocks.0.confirmed", "yes"), "clocks[0].confirmed", "true 或 false"),
    "outcome not allowed": (_set("states.1.outcome", "approved"), "states[1].outcome", "取值无效"),
    "channel not allowed": (_set("channel", "mof"), "channel", "取值无效"),
    "unknown record kind": (_set("applies_to", ["parking_ticket"]), "applies_to[0]", "未知的记录类型"),
    "unknown requirement": (_set("transitions.1.requires", ["signature"]), "transitions[1].requires[0]",
                            "未知的要求"),
    "duplicate state": (_set("states.1.name", "open"), "states[1].name", "状态重复"),
    "states not a list": (_set("states", {"open": "办理中"}), "states", "列表"),
    "state name not an identifier": (_set("states.0.name", "Open State"), "states[0].name", "标识符"),
}


def test_base_document_is_valid(tmp_path: Path, letters: Path):
    wf = load_workflow(write(tmp_path, base()), letters)
    assert (wf.name, wf.initial) == ("mini", "open")
    assert [t.trigger for t in wf.transitions] == ["finish", "close", "extend"]


@pytest.mark.parametrize("mutate,key,fragment", CASES.values(), ids=CASES.keys())
def test_broken_file_names_file_and_key(tmp_path: Path, letters: Path, mutate, key: str, fragment: str):
    doc = base()
    mutate(doc)
    path = write(tmp_path, doc)
    with pytest.raises(WorkflowConfigError) as info:
        load_workflow(path, letters)
    assert info.value.key == key
    assert info.value.path == str(path)
    assert fragment in str(info.value)
    assert str(info.value).startswith(f"{path}: {key}: ")


@pytest.mark.parametrize("text,line", [
    ("name: mini\nversion: 1\nstates: [open, done\n", 4),
    ("name: mini\nversion: 1\n  title: 缩进错误\n", 3),
])
def test_invalid_yaml_names_the_line(tmp_path: Path, letters: Path, text: str, line: int):
    path = tmp_path / "mini.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(WorkflowConfigError) as info:
        load_workflow(path, letters)
    assert info.value.key == f"line {line}"
    assert "YAML 语法错误" in str(info.value)


def test_duplicate_yaml_key_is_refused_with_its_line(tmp_path: Path, letters: Path):
    text = yaml.safe_dump(base(), allow_unicode=True, sort_keys=False) + "title: 第二个标题\n"
    path = tmp_path / "mini.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(WorkflowConfigError) as info:
        load_workflow(path, letters)
    assert info.value.key == f"line {text.count(chr(10))}"
    assert "duplicate key 'title'" in str(info.value)


def test_top_level_must_be_a_mapping(tmp_path: Path, letters: Path):
    path = tmp_path / "mini.yaml"
    path.write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(WorkflowConfigError) as info:
        load_workflow(path, letters)
    assert info.value.key == "(top)"
