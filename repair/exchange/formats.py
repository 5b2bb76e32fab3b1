"""Table files (CSV, JSON Lines, XLSX) read as numbered rows of text, after a strict header check.

A file whose format is unknown or whose header lacks or adds columns is refused as a whole
(`ValidationError`, field `file`); a single malformed row (wrong column count, broken JSON line) comes
back as a `RawRow` carrying its problem so the importer can reject that row alone.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from repair.domain.errors import ValidationError

FORMATS = ("csv", "jsonl", "xlsx")
_EXTENSIONS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".xlsx": "xlsx"}
WHOLE_ROW = "*"  # the `field` of a reject that concerns the row as a whole


@dataclass(frozen=True)
class RawRow:
    """One data row: its number in the file, its text values, or the problem that makes it unreadable."""

    number: int
    values: dict[str, str] | None
    problem: str | None = None


def detect_format(path: Path, override: str | None = None) -> str:
    """The format named by `override`, else by the file extension; ValidationError when unknown."""
    fmt = (override or _EXTENSIONS.get(path.suffix.lower(), "")).lower()
    if fmt not in FORMATS:
        raise ValidationError(f"无法识别的文件格式 {path.name}（支持 .csv、.jsonl/.ndjson、.xlsx，或用 --format 指定）/ "
                              f"unknown file format: {path.name} (expected csv, jsonl or xlsx)", "file")
    return fmt


def file_digest(path: Path, fmt: str) -> tuple[str, int]:
    """SHA-256 of the file and a row estimate; text formats must be valid UTF-8 throughout."""
    digest, lines = hashlib.sha256(), 0
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
                lines += chunk.count(b"\n")
                if fmt != "xlsx":
                    decoder.decode(chunk)
            if fmt != "xlsx":
                decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        raise ValidationError(f"文件不是 UTF-8 编码 / file is not UTF-8: {path.name} (byte {error.start})",
                              "file") from error
    except OSError as error:
        raise ValidationError(f"无法读取文件 / cannot read file: {path} ({error.strerror})", "file") from error
    return digest.hexdigest(), lines


def check_header(found: Sequence[str], fields: Sequence[str], where: str) -> None:
    """Refuse a header that lacks, adds or repeats a column (column order is free)."""
    missing = [f for f in fields if f not in found]
    extra = [f for f in found if f not in fields]
    repeated = sorted({f for f in found if list(found).count(f) > 1})
    if missing or extra or repeated:
        parts = ([f"缺少列 missing: {', '.join(missing)}"] if missing else []) + \
                ([f"多余列 unexpected: {', '.join(extra)}"] if extra else []) + \
                ([f"重复列 repeated: {', '.join(repeated)}"] if repeated else [])
        raise ValidationError(f"{where} 表头不符 / header mismatch: {'; '.join(parts)}", "file")


@contextmanager
def read_table(path: Path, fmt: str, fields: Sequence[str]) -> Iterator[Iterator[RawRow]]:
    """Open the file, check its header now, and yield an iterator over its data rows."""
    opener = {"csv": _csv_rows, "jsonl": _jsonl_rows, "xlsx": _xlsx_rows}[fmt]
    rows = opener(path, tuple(fields))
    try:
        next(rows)  # runs up to the header check, so a bad file fails before any row is stored
        yield rows
    finally:
        rows.close()


def _csv_rows(path: Path, fields: tuple[str, ...]) -> Iterator[RawRow]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = [cell.strip() for cell in next(reader, [])]
        if not any(header):
            raise ValidationError(f"{path.name} 是空文件 / empty file", "file")
        check_header(header, fields, path.name)
        yield RawRow(0, None)
        ended = reader.line_num
        for cells in reader:
            # A quoted value may span lines: a row is numbered by the line it starts on.
            number, ended = ended + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(header):
                yield RawRow(number, None, f"列数应为 {len(header)}，实为 {len(cells)} / "
                                           f"expected {len(header)} columns, got {len(cells)}")
            else:
                yield RawRow(number, dict(zip(header, cells)))


def _jsonl_rows(path: Path, fields: tuple[str, ...]) -> Iterator[RawRow]:
    with path.open(encoding="utf-8-sig") as handle:
        checked = False
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as error:
                item, problem = None, f"不是合法的 JSON / invalid JSON: {error.msg}"
            else:
                problem = None if isinstance(item, dict) else "应为 JSON 对象 / expected a JSON object"
            if not checked:
                # The first object stands for the header: a file of the wrong shape is refused whole.
                if problem:
                    raise ValidationError(f"{path.name} 第{number}行：{problem}", "file")
                check_header(list(item), fields, path.name)
                checked = True
                yield RawRow(0, None)
            if problem:
                yield RawRow(number, None, problem)
            elif set(item) != set(fields):
                yield RawRow(number, None, "字段与首行不一致 / keys differ from the expected fields: "
                                           + ", ".join(sorted(set(item) ^ set(fields))))
            else:
                yield RawRow(number, {key: _json_text(value) for key, value in item.items()})
        if not checked:
            raise ValidationError(f"{path.name} 是空文件 / empty file", "file")


def _json_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(_json_text(v) for v in value)
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _xlsx_rows(path: Path, fields: tuple[str, ...]) -> Iterator[RawRow]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises zipfile, KeyError and its own errors for a damaged file
        raise ValidationError(f"无法读取 XLSX 文件 / unreadable XLSX file: {path.name} "
                              f"({type(error).__name__})", "file") from error
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = list(next(rows, ()))
        while header and header[-1] is None:
            header.pop()
        names = [_cell_text(cell).strip() for cell in header]
        if not names:
            raise ValidationError(f"{path.name} 的第一个工作表是空的 / the first sheet is empty", "file")
        check_header(names, fields, path.name)
        yield RawRow(0, None)
        for number, cells in enumerate(rows, start=2):
            texts = [_cell_text(cell) for cell in cells]
            if not any(t.strip() for t in texts):
                continue
            if any(t.strip() for t in texts[len(names):]):
                yield RawRow(number, None, f"列数多于表头 / more cells than the {len(names)} header columns")
                continue
            texts += [""] * (len(names) - len(texts))
            yield RawRow(number, dict(zip(names, texts)))
    finally:
        book.close()


def _cell_text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat() if cell.time() == dt.time() else cell.isoformat(sep=" ")
    if isinstance(cell, dt.date):
        return cell.isoformat()
    if isinstance(cell, float):
        # repr is the shortest text that reads back as the same float: 12.3, not 12.300000000000001.
        return str(int(cell)) if cell.is_integer() else repr(cell)
    return str(cell)
