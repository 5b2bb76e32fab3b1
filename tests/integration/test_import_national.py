"""`repair import records` with the national 双公示 column set and with the optional APL Art. 59 columns:
amounts in 万元 as exact yuan, authorities by USCC or name, tiers from penalty types, clear rejects, and letters
that a new user gets right without editing anything."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook
from pypdf import PdfReader
from sqlalchemy import select

from repair.cli import main
from repair.domain.departments import demo_departments_yaml
from repair.exchange.validation import RECORD_FIELDS
from repair.services.exchange.imports import import_records
from repair.store.models import Record
from tests.conftest import USCC

HEADER = ["行政相对人名称", "行政相对人类别", "行政相对人代码-1（统一社会信用代码）", "行政相对人代码_2(工商注册号)",
          "法定代表人", "行政处罚决定书文号", "违法行为类型", "违法事实", "处罚依据", "处罚类别", "处罚内容",
          "罚款金额（万元）", "没收违法所得、没收非法财物的金额（万元）", "暂扣或吊销证照名称及编号", "处罚决定日期",
          "处罚有效期", "公示截止期", "处罚机关", "处罚机关统一社会信用代码", "数据来源单位",
          "数据来源单位统一社会信用代码", "备注"]
FGW_USCC = "113101150025000171"


def row(number: str, types: str, fine: str = "", confiscated: str = "", authority: str = "上海市浦东新区发展和改革委员会",
        authority_uscc: str = FGW_USCC, kind: str = "法人及非法人组织", decided: str = "2026/05/06 00:00:00",
        licence: str = "") -> list[str]:
    return ["上海示例贸易有限公司", kind, USCC, "", "张伟", number, "价格违法", "未按规定明码标价",
            "《中华人民共和国价格法》第四十二条", types, "见决定书", fine, confiscated, licence, decided, "2099-12-31",
            "2027-05-06", authority, authority_uscc, "区发展改革委", "", ""]


GOOD = [
    row("沪浦发改罚〔2026〕101号", "罚款；没收违法所得", fine="1.5", confiscated="0.25"),
    row("沪浦发改罚〔2026〕102号", "警告", authority="区发展改革委", authority_uscc=""),
    row("沪浦发改罚〔2026〕103号", "吊销许可证件、罚款", fine="0.000123", licence="价格鉴证机构资质证书（沪价鉴012号）",
        decided="2026年5月8日"),
]
BAD = [  # (row, column, reason fragment)
    (row("沪浦发改罚〔2026〕104号", "其他"), "处罚类别", "cannot decide the tier"),
    (row("沪浦发改罚〔2026〕105号", "罚款", fine="1.0000001"), "罚款金额(万元)", "fractions of a fen"),
    (row("沪浦发改罚〔2026〕106号", "罚款"), "罚款金额(万元)", "a fine without an amount"),
    (row("沪浦发改罚〔2026〕107号", "警告", authority="某某局", authority_uscc=""), "处罚机关", "matches no configured"),
    (row("沪浦发改罚〔2026〕108号", "行政拘留"), "处罚类别", "out of scope"),
    (row("沪浦发改罚〔2026〕109号", "警告", kind="自然人"), "行政相对人类别", "natural persons"),
]


@pytest.fixture
def configured(world, settings):
    settings.departments_file.write_text(demo_departments_yaml(), encoding="utf-8")
    return world


def write_csv(path, rows, header=HEADER):
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def records(runtime) -> dict[str, Record]:
    with runtime.uow(read_only=True) as uow:
        return {r.decision_no: r for r in uow.session.scalars(select(Record))}


def test_national_rows_become_records_and_bad_ones_are_rejected_by_column(configured, tmp_path, now):
    path = write_csv(tmp_path / "sgs.csv", [GOOD[0], BAD[0][0], GOOD[1], BAD[1][0], BAD[2][0], GOOD[2], BAD[3][0],
                                            BAD[4][0], BAD[5][0]])
    summary = import_records(configured, path, actor="admin", now=now)
    assert (summary.stored, summary.rejected) == (3, 6)
    stored = records(configured)
    fine = stored["沪浦发改罚〔2026〕101号"]
    assert (fine.authority_code, fine.channel, fine.tier) == ("FGW", "ndrc", "general")
    assert fine.fine_amount == Decimal("15000.00") and fine.penalty_types == "罚款;没收违法所得"
    assert fine.penalty_content["没收违法所得"] == "人民币2,500.00元" and fine.legal_representative == "张伟"
    assert fine.decided_on == date(2026, 5, 6) and fine.legal_basis == "《中华人民共和国价格法》第四十二条"
    assert stored["沪浦发改罚〔2026〕102号"].tier == "minor"
    revoked = stored["沪浦发改罚〔2026〕103号"]
    assert revoked.tier == "serious" and revoked.fine_amount == Decimal("1.23")
    assert revoked.penalty_types == "罚款;吊销许可证件" and revoked.decided_on == date(2026, 5, 8)
    assert "沪价鉴012号" in revoked.penalty_content["吊销许可证件"]
    with summary.rejects_path.open(encoding="utf-8-sig") as handle:
        rejects = list(csv.DictReader(handle))
    got = [(int(r["row"]), r["field"], r["reason"]) for r in rejects]
    for (bad, column, fragment), line in zip(BAD, (3, 5, 6, 8, 9, 10)):
        assert any(n == line and f == column and fragment in reason for n, f, reason in got), (line, column, got)
    again = import_records(configured, path, actor="admin", now=now)
    assert (again.stored, again.unchanged, again.rejected) == (0, 3, 6)


def test_tier_mapping_is_configurable(configured, tmp_path, now, monkeypatch):
    runtime = configured
    monkeypatch.setattr(runtime, "settings", runtime.settings.with_overrides(tier_map="其他=general,警告=general"))
    summary = import_records(runtime, write_csv(tmp_path / "sgs.csv", [BAD[0][0], GOOD[1]]), actor="admin", now=now)
    assert summary.rejected == 0
    assert {r.tier for r in records(runtime).values()} == {"general"}


def test_xlsx_and_jsonl_national_files_read_alike(configured, tmp_path, now):
    book = Workbook()
    sheet = book.active
    sheet.append([h.replace("（", "(").replace("）", ")") + " " for h in HEADER])
    sheet.append(GOOD[0])
    book.save(tmp_path / "sgs.xlsx")
    assert import_records(configured, tmp_path / "sgs.xlsx", actor="admin", now=now).stored == 1
    line = json.dumps(dict(zip(HEADER, GOOD[1])), ensure_ascii=False)
    (tmp_path / "sgs.jsonl").write_text(line + "\n", encoding="utf-8")
    assert import_records(configured, tmp_path / "sgs.jsonl", actor="admin", now=now).stored == 1
    assert records(configured)["沪浦发改罚〔2026〕101号"].fine_amount == Decimal("15000.00")


def test_optional_columns_are_read_and_an_old_file_leaves_them_alone(configured, tmp_path, now):
    header = [*RECORD_FIELDS, "party_address", "violated_provision", "evidence", "penalty_content", "procedure",
              "served_on"]
    values = ["FGW", "沪浦发改罚〔2026〕201号", USCC, "上海示例贸易有限公司", "2026-03-02", "2026-03-09",
              "罚款;责令停产停业", "5000", "serious", "", "《中华人民共和国价格法》第四十二条", "哄抬价格",
              "上海市浦东新区张江路1号", "《中华人民共和国价格法》第十四条第三项", "现场检查笔录；询问笔录",
              "责令停产停业:停业整顿15日", "2026-02-10;held:2026-02-20", "2026-03-04"]
    path = write_csv(tmp_path / "full.csv", [values], header)
    assert import_records(configured, path, actor="admin", now=now).stored == 1
    record = records(configured)["沪浦发改罚〔2026〕201号"]
    assert record.evidence == ["现场检查笔录", "询问笔录"] and record.served_on == date(2026, 3, 4)
    assert record.penalty_content == {"责令停产停业": "停业整顿15日"}
    assert record.procedure == {"notified_on": "2026-02-10", "hearing": "held", "hearing_on": "2026-02-20"}
    old = write_csv(tmp_path / "old.csv", [values[:len(RECORD_FIELDS)]], RECORD_FIELDS)
    assert import_records(configured, old, actor="admin", now=now).unchanged == 1
    assert records(configured)["沪浦发改罚〔2026〕201号"].violated_provision == "《中华人民共和国价格法》第十四条第三项"


@pytest.mark.pdf
def test_a_new_user_imports_a_national_file_and_gets_true_letters(configured, tmp_path, now, cli_env, capsys):
    """`repair init` writes the demo department file, the 双公示 file maps onto it, `repair letters paired` works."""
    configured.settings.departments_file.unlink()
    assert main(["init"]) == 0
    assert "示例数据" in capsys.readouterr().err  # placeholders in use: warned
    assert main(["departments", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {"code", "name", "uscc", "channel"} <= set(listed[0])
    assert {(d["code"], d["uscc"]) for d in listed} >= {("FGW", FGW_USCC)}
    path = write_csv(tmp_path / "sgs.csv", [GOOD[0]])
    assert main(["import", "records", str(path)]) == 0
    capsys.readouterr()
    assert main(["letters", "paired", "沪浦发改罚〔2026〕101号", "--out", str(tmp_path / "out"), "--json"]) == 0
    files = json.loads(capsys.readouterr().out)["files"]
    texts = {re.sub(r".*-", "", f): re.sub(r"\s+", "", "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(Path(f).read_bytes())).pages)) for f in files}
    decision, notice = texts["penalty_decision.pdf"], texts["rights_notice.pdf"]
    for phrase in ("上海市浦东新区发展和改革委员会", "罚款人民币15,000.00元（大写：壹万伍仟元整）", "没收违法所得人民币2,500.00元",
                   "自收到本决定书之日起十五日内", "上海市浦东新区人民政府申请行政复议", "法定代表人：张伟"):
        assert phrase in decision, phrase
    assert "“信用中国”网站" in notice and "国家企业信用信息公示系统" not in notice and "一般失信行为信息" in notice
