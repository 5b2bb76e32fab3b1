"""Import reruns (issue 13, point 6): the rejects file never outlives its run, and unchanged rows are found with a
constant number of statements per batch on every database (no per-row round trips)."""

from __future__ import annotations

import csv
import subprocess

from sqlalchemy import event

from repair.domain.uscc import make_uscc
from repair.exchange.validation import RECORD_FIELDS
from repair.services.exchange.imports import import_records
from tests.conftest import at


def _rows(count: int, start: int = 0) -> list[list[str]]:
    return [["FGW", f"沪浦发改罚〔2026〕{i + 1}号", make_uscc(f"{i:08d}"), f"上海测试企业{i}有限公司", "2026-03-02",
             "2026-03-09", "罚款", f"{1000 + i}.50", "general", "", "《价格法》", "事实"] for i in range(start, start + count)]


def _write(path, rows, header=RECORD_FIELDS):
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _import(cli_env, path):
    return subprocess.run([".venv/bin/repair", "import", "records", str(path)], capture_output=True, text=True,
                          env=cli_env, timeout=120)


def test_the_rejects_file_is_rewritten_or_removed_on_every_run(world, cli_env, tmp_path):
    source = tmp_path / "penalties.csv"
    rejects = tmp_path / "penalties.csv.rejects.csv"
    bad = _rows(1)[0][:4] + ["2026-02-30"] + _rows(1)[0][5:]
    first = _import(cli_env, _write(source, [*_rows(2), bad]))
    assert first.returncode == 1, first.stderr  # rows were rejected
    assert "2026-02-30" in rejects.read_text(encoding="utf-8-sig")
    clean = _import(cli_env, _write(source, _rows(3)))
    assert clean.returncode == 0 and not rejects.exists(), clean.stdout
    _write(source, [bad])
    _import(cli_env, source)
    assert rejects.exists()
    refused = _import(cli_env, _write(source, _rows(1), header=["not", "the", "header"]))
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1
    assert not rejects.exists()  # the previous run's rejects do not pass for this run's


def test_unchanged_rows_cost_a_constant_number_of_statements(world, tmp_path):
    small, large = _write(tmp_path / "small.csv", _rows(40)), _write(tmp_path / "large.csv", _rows(400))
    statements = []

    def count(_conn, _cursor, _statement, parameters, _context, executemany):
        statements.append(0 if executemany else len(parameters or ()))

    for path in (small, large):
        import_records(world, path, actor="admin", now=at("2026-11-20"), batch_size=500)
    event.listen(world.engine, "before_cursor_execute", count)
    try:
        counted = []
        for path in (small, large):
            statements.clear()
            summary = import_records(world, path, actor="admin", now=at("2026-11-21"), batch_size=500)
            assert summary.unchanged == summary.rows_read
            counted.append(len(statements))
        largest_statement = max(statements)
    finally:
        event.remove(world.engine, "before_cursor_execute", count)
    assert counted[0] == counted[1] and counted[1] < 30, counted
    if world.engine.dialect.name == "postgresql":
        # The keys travel as one array per key column (PostgreSQL plans a long row-value IN list as an OR chain
        # rechecked row by row: 20 s for 5,000 keys): no statement's parameters grow with the batch.
        assert largest_statement < 50, largest_statement  # (a row-value IN of 400 keys: 800)
