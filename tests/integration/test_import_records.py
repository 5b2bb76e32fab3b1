"""`repair import records`: valid rows stored beside rejected ones, idempotent re-import, change history,
the same outcome from CSV, JSON Lines and XLSX, one-line refusal of a bad file, resume after a crash."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import time
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select

from repair.domain.uscc import make_uscc
from repair.exchange.validation import RECORD_FIELDS
from repair.services.cases.history import utc_naive
from repair.services.exchange.imports import import_records
from repair.store.db import make_engine
from repair.store.import_models import ImportReject, ImportRun, RecordChange
from repair.store.models import Record
from tests.conftest import USCC

GOOD = [
    ["FGW", "沪浦发改罚〔2026〕1号", USCC, "上海示例贸易有限公司", "2026-03-02", "2026-03-09", "罚款; 警告",
     "5000", "general", "", "《价格法》第四十条", "哄抬价格"],
    ["SCJG", "沪浦市监罚〔2026〕7号", "91310000132149237G", "上海另一家食品有限公司", "2026-04-01", "2026-04-08",
     "罚款", "12000.50", "serious", "food", "《食品安全法》第一百二十四条", "生产不合格食品"],
    ["FGW", "沪浦发改罚〔2026〕3号", make_uscc("12345678"), "上海第三有限公司", "2026-05-06", "", "警告",
     "", "minor", "", "", ""],
]
BAD = [  # (row, field, reason fragment)
    (["FGW", "沪浦发改罚〔2026〕4号", "91310115MA1K4QWE8N", "甲公司", "2026-03-02", "2026-03-09", "罚款", "100",
      "general", "", "", ""], "uscc", "check character"),
    (["XXX", "沪浦罚〔2026〕5号", USCC, "乙公司", "2026-03-02", "2026-03-09", "罚款", "100", "general", "", "", ""],
     "authority_code", "unknown authority"),
    (["FGW", "沪浦发改罚〔2026〕6号", USCC, "丙公司", "2026-03-02", "2026-03-09", "罚款", "100", "severe", "", "", ""],
     "tier", "must be one of minor|general|serious"),
    (["FGW", "沪浦发改罚〔2026〕7号", USCC, "丁公司", "2026-02-30", "2026-03-09", "罚款", "100", "general", "", "", ""],
     "decided_on", "invalid date"),
    (["FGW", "沪浦发改罚〔2026〕8号", USCC, "戊公司", "2026-03-09", "2026-03-02", "罚款", "100", "general", "", "", ""],
     "published_on", "published_on is before decided_on"),
]


def write_csv(path, rows, header=RECORD_FIELDS):
    with path.open("w", encoding="utf-8-sig", newline="") as handle:  # with a BOM, as Excel saves it
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def mixed_rows():
    """Good and bad rows interleaved: CSV rows 2, 4, 6 … are good."""
    return [GOOD[0], BAD[0][0], GOOD[1], BAD[1][0], BAD[2][0], BAD[3][0], GOOD[2], BAD[4][0]]


BAD_CSV_ROWS = [3, 5, 6, 7, 9]


@pytest.fixture
def repair(cli_env):
    def run(*args):
        return subprocess.run([".venv/bin/repair", *args], capture_output=True, text=True, env=cli_env,
                              timeout=120)

    return run


def stored(runtime) -> list[tuple]:
    """Every record's imported columns (no ids or timestamps), sorted."""
    columns = [getattr(Record, name) for name in ("kind", "channel", "status", *RECORD_FIELDS)]
    with runtime.uow(read_only=True) as uow:
        return sorted(tuple(row) for row in uow.session.execute(select(*columns)).all())


def read_rejects(path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_valid_rows_stored_rejects_named_exit_1(world, repair, tmp_path):
    source = write_csv(tmp_path / "penalties.csv", mixed_rows())
    result = repair("import", "records", str(source))
    assert result.returncode == 1, result.stderr
    assert "read 8" in result.stdout and "stored 3" in result.stdout and "rejected 5" in result.stdout
    assert result.stderr == ""  # no progress bar when stderr is not a terminal

    rejects = read_rejects(tmp_path / "penalties.csv.rejects.csv")
    assert [int(r["row"]) for r in rejects] == BAD_CSV_ROWS
    for reject, (cells, field, reason) in zip(rejects, BAD):
        assert reject["field"] == field
        assert reject["value"] == cells[RECORD_FIELDS.index(field)]
        assert reason in reject["reason"]

    with world.uow(read_only=True) as uow:
        records = {r.decision_no: r for r in uow.session.scalars(select(Record))}
    assert sorted(records) == sorted(row[1] for row in GOOD)
    first, food, minor = (records[row[1]] for row in GOOD)
    assert (first.kind, first.channel, first.status, first.penalty_types, first.fine_amount) == (
        "administrative_penalty", "ndrc", "published", "罚款;警告", Decimal("5000"))
    assert (food.channel, food.sector, food.fine_amount, food.published_on) == (
        "samr", "food", Decimal("12000.50"), date(2026, 4, 8))
    assert (minor.fine_amount, minor.published_on, minor.sector, minor.tier) == (None, None, None, "minor")


def test_reimport_changes_nothing_and_a_changed_row_is_recorded(world, now, tmp_path):
    source = write_csv(tmp_path / "penalties.csv", mixed_rows())
    first = import_records(world, source, actor="importer", now=now)
    before = stored(world)
    again = import_records(world, source, actor="importer", now=now)
    assert (first.stored, first.updated, first.unchanged, first.rejected) == (3, 0, 0, 5)
    assert (again.stored, again.updated, again.unchanged, again.rejected) == (0, 0, 3, 5)
    assert again.run_id != first.run_id and stored(world) == before

    changed = [list(row) for row in mixed_rows()]
    changed[0][7], changed[0][11] = "6000", "哄抬价格（复核后）"
    write_csv(source, changed)
    third = import_records(world, source, actor="importer", now=now)
    assert (third.stored, third.updated, third.unchanged, third.rejected) == (0, 1, 2, 5)
    with world.uow(read_only=True) as uow:
        record = uow.session.scalar(select(Record).where(Record.decision_no == GOOD[0][1]))
        history = uow.session.scalars(select(RecordChange)).all()
    assert (record.fine_amount, record.facts) == (Decimal("6000"), "哄抬价格（复核后）")
    assert len(history) == 1
    change = history[0]
    assert (change.record_id, change.entity, change.import_run_id, change.actor) == (
        record.id, "record", third.run_id, "importer")
    assert change.changes == {"fine_amount": ["5000.00", "6000"], "facts": ["哄抬价格", "哄抬价格（复核后）"]}
    assert change.changed_at == utc_naive(now)


def _write_jsonl(path, rows):
    with path.open("w", encoding="utf-8") as handle:
        for cells in rows:
            item = dict(zip(RECORD_FIELDS, cells))
            item["penalty_types"] = [t.strip() for t in item["penalty_types"].split(";")]
            item["fine_amount"] = float(item["fine_amount"]) if item["fine_amount"] else None
            handle.write(json.dumps(item, ensure_ascii=False) + "\n")
    return path


def _write_xlsx(path, rows):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(list(RECORD_FIELDS))
    for cells in rows:
        typed = list(cells)
        for index in (4, 5):  # real date cells, as a spreadsheet user would type them
            try:
                typed[index] = date.fromisoformat(typed[index]) if typed[index] else None
            except ValueError:
                pass
        typed[7] = float(typed[7]) if typed[7] else None
        sheet.append(typed)
    book.save(path)
    return path


def test_jsonl_and_xlsx_give_the_same_result_as_csv(world, now, tmp_path):
    rows = mixed_rows()
    outcomes = {}
    for fmt, writer in (("csv", write_csv), ("jsonl", _write_jsonl), ("xlsx", _write_xlsx)):
        summary = import_records(world, writer(tmp_path / f"penalties.{fmt}", rows), actor="system", now=now)
        rejects = [(int(r["row"]), r["field"]) for r in read_rejects(summary.rejects_path)]
        outcomes[fmt] = (summary.stored, summary.rejected, stored(world), rejects)
        with world.uow() as uow:
            for model in (RecordChange, ImportReject, ImportRun, Record):
                uow.session.execute(delete(model))
            uow.commit()
    assert outcomes["xlsx"] == outcomes["csv"]
    # JSON Lines has no header line, so its row numbers (line numbers) are one lower.
    stored_csv, rejected_csv, records_csv, rejects_csv = outcomes["csv"]
    assert outcomes["jsonl"] == (stored_csv, rejected_csv, records_csv, [(r - 1, f) for r, f in rejects_csv])
    assert [r for r, _ in rejects_csv] == BAD_CSV_ROWS


@pytest.mark.parametrize("header, fragment", [
    (RECORD_FIELDS[:-1], "missing: facts"),
    ((*RECORD_FIELDS, "remarks"), "unexpected: remarks"),
])
def test_wrong_header_is_one_line_exit_2(world, repair, tmp_path, header, fragment):
    padded = GOOD[0] + [""] * (len(header) - len(GOOD[0]))
    source = write_csv(tmp_path / "penalties.csv", [padded], header=header)
    result = repair("import", "records", str(source))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "表头不符" in lines[0] and fragment in lines[0], result.stderr
    assert stored(world) == []


def test_unknown_format_is_exit_2(world, repair, tmp_path):
    source = tmp_path / "penalties.txt"
    source.write_text("x\n", encoding="utf-8")
    result = repair("import", "records", str(source))
    assert result.returncode == 2 and "unknown file format" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    forced = write_csv(tmp_path / "penalties.data", [GOOD[0]])
    assert repair("import", "records", str(forced), "--format", "csv").returncode == 0
    assert len(stored(world)) == 1


def test_progress_bar_on_a_terminal(world, cli_env, tmp_path):
    import fcntl
    import pty
    import select as selectors
    import struct
    import termios

    source = write_csv(tmp_path / "penalties.csv", GOOD)
    terminal, child_side = pty.openpty()
    fcntl.ioctl(child_side, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a 100-column terminal
    try:
        result = subprocess.run([".venv/bin/repair", "import", "records", str(source)], env=cli_env,
                                stdout=subprocess.PIPE, stderr=child_side, text=True, timeout=120)
        shown = b""
        while selectors.select([terminal], [], [], 0.5)[0]:
            chunk = os.read(terminal, 65536)
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(child_side)
        os.close(terminal)
    assert result.returncode == 0 and "stored 3" in result.stdout
    assert "处罚信息" in shown.decode() and "3/3" in shown.decode()


def big_rows(count: int, bad_every: int = 97) -> list[list[str]]:
    """`count` rows for FGW, every `bad_every`-th with a broken USCC."""
    rows = []
    for i in range(count):
        code = make_uscc(f"{i:08d}")
        if i % bad_every == bad_every - 1:
            code = code[:-1] + ("0" if code[-1] != "0" else "1")
        rows.append(["FGW", f"沪浦发改罚〔2026〕{i + 1}号", code, f"企业{i}", "2026-01-05", "2026-01-12", "罚款",
                     str(100 + i), "general", "", "《行政处罚法》", ""])
    return rows


def test_resume_after_a_crash_in_batch_three_ends_like_an_uninterrupted_run(world, now, tmp_path):
    source = write_csv(tmp_path / "big.csv", big_rows(250, bad_every=23))

    def crash_after_two_batches(done: int) -> None:
        if done >= 100:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_records(world, source, actor="system", now=now, batch_size=50,
                       progress=crash_after_two_batches)
    with world.uow(read_only=True) as uow:
        run = uow.session.scalar(select(ImportRun))
        assert (run.status, run.last_row, run.rows_read) == ("running", 100, 100)
    resumed = import_records(world, source, actor="system", now=now, batch_size=50)
    resumed_end = (stored(world), read_rejects(resumed.rejects_path),
                   (resumed.rows_read, resumed.stored, resumed.rejected))
    assert resumed.resumed_after == 100 and resumed.run_id == run.id

    with world.uow() as uow:
        for model in (RecordChange, ImportReject, ImportRun, Record):
            uow.session.execute(delete(model))
        uow.commit()
    whole = import_records(world, source, actor="system", now=now, batch_size=50)
    assert whole.resumed_after == 0
    totals = (whole.rows_read, whole.stored, whole.rejected)
    assert (stored(world), read_rejects(whole.rejects_path), totals) == resumed_end
    assert resumed_end[2] == (250, 240, 10)


@pytest.mark.slow
def test_kill_9_mid_import_then_rerun_gives_the_full_result(world, cli_env, settings, tmp_path):
    rows = big_rows(60_000)
    source = write_csv(tmp_path / "big.csv", rows)
    process = subprocess.Popen([".venv/bin/repair", "import", "records", str(source), "--batch-size", "500"],
                               env=cli_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    engine = make_engine(settings.database_url)
    try:
        committed = 0
        deadline = time.monotonic() + 60
        while committed < 1000 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.01)
            with engine.connect() as conn:
                committed = conn.scalar(select(func.max(ImportRun.last_row))) or 0
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        with engine.connect() as conn:
            status, last_row = conn.execute(select(ImportRun.status, ImportRun.last_row)).one()
            partial = conn.scalar(select(func.count(Record.id)))
        assert status == "running" and 1000 <= last_row < len(rows), (status, last_row)
        assert partial < len(rows)
    finally:
        engine.dispose()

    rerun = subprocess.run([".venv/bin/repair", "import", "records", str(source), "--batch-size", "500"],
                           env=cli_env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 1, rerun.stderr
    bad = [i for i in range(len(rows)) if i % 97 == 96]
    assert f"read {len(rows)}" in rerun.stdout and f"rejected {len(bad)}" in rerun.stdout
    assert f"stored {len(rows) - len(bad)}" in rerun.stdout and "resumed" in rerun.stdout
    engine = make_engine(settings.database_url)
    with engine.connect() as conn:
        numbers = conn.scalars(select(Record.decision_no)).all()
        runs = conn.execute(select(ImportRun.status, ImportRun.rows_read)).all()
    engine.dispose()
    expected = {row[1] for i, row in enumerate(rows) if i not in set(bad)}
    assert len(numbers) == len(expected) and set(numbers) == expected
    assert runs == [("finished", len(rows))]
    assert [int(r["row"]) for r in read_rejects(tmp_path / "big.csv.rejects.csv")] == [i + 2 for i in bad]
