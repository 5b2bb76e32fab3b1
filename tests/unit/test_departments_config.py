"""The department file: the demo file loads, every value is checked, seal text per letter kind."""

import re

import pytest

from repair.domain.departments import (DepartmentConfigError, demo_departments_yaml, load_departments,
                                       parse_departments, placeholder_warning)


def test_demo_file_loads_with_placeholders(tmp_path):
    path = tmp_path / "departments.yaml"
    path.write_text(demo_departments_yaml(), encoding="utf-8")
    directory = load_departments(path)
    scjg = directory.get("SCJG")
    assert scjg.full_name == "上海市浦东新区市场监督管理局" and scjg.channel == "samr"
    assert scjg.seal_text("penalty_decision") == "行政处罚专用章"
    assert scjg.seal_text("repair_decision") == "信用修复专用章"
    assert scjg.reconsideration_body == "上海市浦东新区人民政府"
    assert directory.by_uscc_or_name(scjg.uscc) == scjg
    assert directory.by_uscc_or_name("上海市浦东新区市场监督管理局") == scjg
    assert set(directory.placeholders) == {"FGW", "SCJG", "YJJ", "SWW", "RSJ"}
    assert "示例" in placeholder_warning(directory)


def test_real_values_clear_the_warning(tmp_path):
    text = re.sub(r"(?m)^ *placeholder: true\n", "", demo_departments_yaml())
    directory = parse_departments(text, "x.yaml")
    assert directory.placeholders == () and placeholder_warning(directory) is None


def test_absent_file_is_an_empty_directory(tmp_path):
    assert load_departments(tmp_path / "none.yaml").departments == ()


@pytest.mark.parametrize("old, new, key", [
    ("uscc: 11310115002500025U", "uscc: 11310115002500025A", "departments[SCJG].uscc"),
    ("channel: samr", "channel: gsxt", "departments[SCJG].channel"),
    ("penalty_decision: 行政处罚专用章", "penalty_notice: 行政处罚专用章", "departments[FGW].seals.penalty_notice"),
])
def test_invalid_values_name_the_key(old, new, key):
    with pytest.raises(DepartmentConfigError) as error:
        parse_departments(demo_departments_yaml().replace(old, new, 1), "d.yaml")
    assert error.value.key == key
