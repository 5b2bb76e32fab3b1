"""Row checks and file readers of the import (no database)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from repair.errors import ValidationError
from repair.exchange.formats import RawRow, check_header, detect_format, read_table
from repair.exchange.validation import FULFILMENT_FIELDS, RECORD_FIELDS, FulfilmentRules, RecordRules

TODAY = date(2026, 11, 26)
DEPARTMENTS = {"FGW": "ndrc", "SCJG": "samr"}
VALID = dict(zip(RECORD_FIELDS, ["FGW", "沪浦发改罚〔2026〕1号", " 91310115ma1k4qwe8m ", "示例公司", "2026-03-02",
                                 "2026-03-09", "罚款; ;警告;", "5000.5", "general", "", "《价格法》", "事实"]))


def check(rules=None, number=2, **changes):
    return (rules or RecordRules(DEPARTMENTS, TODAY)).check(RawRow(number, {**VALID, **changes}))


def test_valid_row_is_typed_and_normalised():
    values, rejects = check()
    assert rejects == []
    assert values == {
        "kind": "administrative_penalty", "authority_code": "FGW", "decision_no": "沪浦发改罚〔2026〕1号",
        "uscc": "91310115MA1K4QWE8M", "channel": "ndrc", "party_name": "示例公司",
        "decided_on": date(2026, 3, 2), "published_on": date(2026, 3, 9), "penalty_types": "罚款;警告",
        "fine_amount": Decimal("5000.5"), "tier": "general", "sector": None, "legal_basis": "《价格法》",
        "facts": "事实"}


@pytest.mark.parametrize("changes, field, fragment", [
    ({"uscc": "91310115MA1K4QWE8N"}, "uscc", "check character"),
    ({"uscc": "9131011"}, "uscc", "length must be 18"),
    ({"authority_code": "NOPE"}, "authority_code", "unknown authority"),
    ({"authority_code": ""}, "authority_code", "required"),
    ({"decision_no": "  "}, "decision_no", "required"),
    ({"party_name": ""}, "party_name", "required"),
    ({"penalty_types": " ; "}, "penalty_types", "required"),
    ({"tier": "severe"}, "tier", "minor|general|serious"),
    ({"tier": ""}, "tier", "required"),
    ({"sector": "tobacco"}, "sector", "food|drug|special_equipment|work_safety|fire_safety"),
    ({"decided_on": "2026/03/02"}, "decided_on", "invalid date"),
    ({"decided_on": "2026-02-29"}, "decided_on", "invalid date"),
    ({"decided_on": "20260302"}, "decided_on", "invalid date"),
    ({"decided_on": ""}, "decided_on", "required"),
    ({"decided_on": "2026-11-27", "published_on": ""}, "decided_on", "future"),
    ({"published_on": "2026-11-27"}, "published_on", "future"),
    ({"published_on": "2026-03-01"}, "published_on", "before decided_on"),
    ({"fine_amount": "-1"}, "fine_amount", "negative"),
    ({"fine_amount": "1e3"}, "fine_amount", "invalid amount"),
    ({"fine_amount": "5,000"}, "fine_amount", "invalid amount"),
    ({"fine_amount": "5000.123"}, "fine_amount", "invalid amount"),
    ({"fine_amount": "1234567890123"}, "fine_amount", "invalid amount"),
    ({"party_name": "名" * 201}, "party_name", "longer than 200"),
    ({"decision_no": "号" * 101}, "decision_no", "longer than 100"),
    ({"facts": "事" * 10001}, "facts", "longer than 10000"),
    ({"authority_code": "SCJG", "published_on": ""}, "published_on", "required"),
])
def test_each_bad_field_is_named(changes, field, fragment):
    values, rejects = check(**changes)
    assert values is None
    assert [(r.row, r.field) for r in rejects] == [(2, field)]
    assert fragment in rejects[0].reason and " / " in rejects[0].reason
    assert rejects[0].value == {**VALID, **changes}[field]


def test_optional_fields_and_every_sector():
    for sector in ("food", "drug", "special_equipment", "work_safety", "fire_safety"):
        values, _ = check(sector=sector, fine_amount="", published_on="")
        assert (values["sector"], values["fine_amount"], values["published_on"]) == (sector, None, None)
    values, _ = check(authority_code="SCJG", fine_amount="0")
    assert (values["channel"], values["fine_amount"]) == ("samr", Decimal("0"))


def test_several_problems_in_one_row_are_all_reported():
    _, rejects = check(uscc="X", tier="bad", decided_on="2026-13-01")
    assert sorted(r.field for r in rejects) == ["decided_on", "tier", "uscc"]


def test_a_repeated_key_is_rejected_but_not_an_invalid_first_one():
    rules = RecordRules(DEPARTMENTS, TODAY)
    assert check(rules, 2)[1] == []
    values, rejects = check(rules, 5, party_name="另一公司")
    assert values is None and (rejects[0].field, rejects[0].reason.split(" / ")[1]) == (
        "decision_no", "duplicate of row 2")
    other = RecordRules(DEPARTMENTS, TODAY)
    assert check(other, 2, tier="x")[0] is None
    assert check(other, 3)[1] == []


def test_an_unreadable_row_is_rejected_whole():
    values, rejects = RecordRules(DEPARTMENTS, TODAY).check(RawRow(4, None, "列数不对 / wrong column count"))
    assert values is None and [(r.row, r.field, r.reason) for r in rejects] == [
        (4, "*", "列数不对 / wrong column count")]


def fact(**changes):
    base = dict(zip(FULFILMENT_FIELDS, ["FGW", "沪浦发改罚〔2026〕1号", "fine_payment", "5000", "2026-03-20",
                                        "JK1", "财政"]))
    return RawRow(2, {**base, **changes})


@pytest.mark.parametrize("changes, field", [
    ({"kind": "refund"}, "kind"), ({"amount": ""}, "amount"), ({"amount": "0"}, "amount"),
    ({"reference": ""}, "reference"), ({"occurred_on": "2026-11-30"}, "occurred_on"),
    ({"authority_code": "X"}, "authority_code"), ({"source": "s" * 101}, "source"),
])
def test_fulfilment_fields(changes, field):
    values, rejects = FulfilmentRules(DEPARTMENTS, TODAY).check(fact(**changes))
    assert values is None and [r.field for r in rejects] == [field]


def test_a_correction_needs_no_amount():
    values, rejects = FulfilmentRules(DEPARTMENTS, TODAY).check(fact(kind="correction", amount=""))
    assert rejects == [] and (values["kind"], values["amount"], values["occurred_on"]) == (
        "correction", None, date(2026, 3, 20))


def test_format_by_extension_or_override(tmp_path):
    assert [detect_format(tmp_path / n) for n in ("a.CSV", "a.jsonl", "a.ndjson", "a.xlsx")] == [
        "csv", "jsonl", "jsonl", "xlsx"]
    assert detect_format(tmp_path / "a.txt", "csv") == "csv"
    with pytest.raises(ValidationError, match="unknown file format"):
        detect_format(tmp_path / "a.xls")


def test_header_check_names_missing_extra_and_repeated_columns():
    check_header(list(reversed(RECORD_FIELDS)), RECORD_FIELDS, "f.csv")  # order is free
    with pytest.raises(ValidationError) as error:
        check_header([*RECORD_FIELDS[1:], "note", "note"], RECORD_FIELDS, "f.csv")
    message = str(error.value)
    assert "missing: authority_code" in message and "unexpected: note, note" in message
    assert "repeated: note" in message and "\n" not in message


def test_csv_rows_numbered_by_file_line_with_bom_and_blank_lines(tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes("\ufeffa,b\n1,2\n\n\"x\ny\",3\n4\n".encode("utf-8"))
    with read_table(path, "csv", ("a", "b")) as rows:
        got = list(rows)
    assert [(r.number, r.values) for r in got[:2]] == [(2, {"a": "1", "b": "2"}),
                                                         (4, {"a": "x\ny", "b": "3"})]
    assert got[2].number == 6 and got[2].values is None and "expected 2 columns" in got[2].problem


def test_jsonl_first_line_is_the_header_later_lines_are_rejected_alone(tmp_path):
    path = tmp_path / "r.jsonl"
    lines = ['{"a": 1, "b": ["x", "y"]}', "", '{"a": null}', "not json", '{"b": 2.5, "a": "z"}']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with read_table(path, "jsonl", ("a", "b")) as rows:
        got = [(r.number, r.values, bool(r.problem)) for r in rows]
    assert got == [(1, {"a": "1", "b": "x;y"}, False), (3, None, True), (4, None, True),
                   (5, {"b": "2.5", "a": "z"}, False)]
    path.write_text('{"a": 1}\n', encoding="utf-8")
    with pytest.raises(ValidationError, match="missing: b"), read_table(path, "jsonl", ("a", "b")):
        pass


def test_non_utf8_and_damaged_files_are_refused(tmp_path):
    from repair.exchange.formats import file_digest

    latin = tmp_path / "r.csv"
    latin.write_bytes("a,b\ncafé,1\n".encode("latin-1"))
    with pytest.raises(ValidationError, match="not UTF-8"):
        file_digest(latin, "csv")
    broken = tmp_path / "r.xlsx"
    broken.write_bytes(b"not a zip")
    with pytest.raises(ValidationError, match="unreadable XLSX"), read_table(broken, "xlsx", ("a",)):
        pass
