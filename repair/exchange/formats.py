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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from repair.errors import ValidationError

FORMATS = ("csv", "jsonl", "xlsx")
_EXTENSIONS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".xlsx": "xlsx"}
WHOLE_ROW = "*"  # the `field` of a reject that concerns the row as a whole


@dataclass(frozen=True)
class ColumnSet:
    """The columns a file may have: all `required`, any of `optional`; `ignore_extra` drops unknown ones.

    `normalise` maps a header cell to the name used in `required`/`optional` (e.g. full-width brackets and
    spaces in 双公示 headers), so rows are always keyed by those names.
    """

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    ignore_extra: bool = False
    normalise: Callable[[str], str] | None = None

    def key(self, cell: str) -> str:
        """The column name a header cell stands for."""
        return self.normalise(cell) if self.normalise else cell

    def matches(self, header: Sequence[str]) -> bool:
        """Whether every required column is present (used to detect which set a file uses)."""
        found = {self.key(c) for c in header}
        return all(f in found for f in self.required)


def _column_set(fields) -> ColumnSet:
    return fields if isinstance(fields, ColumnSet) else ColumnSet("", tuple(fields))


def choose_columns(header: Sequence[str], choices) -> ColumnSet:
    """The column set whose required columns the header has most of (the first one on a tie)."""
    sets = [_column_set(c) for c in choices] if isinstance(choices, (list, tuple)) and choices and \
        all(isinstance(c, ColumnSet) for c in choices) else [_column_set(choices)]
    def present(columns: ColumnSet) -> int:
        found = {columns.key(c) for c in header}
        return sum(1 for f in columns.required if f in found)

    return max(sets, key=present)  # max keeps the first of equals: the native set wins a tie


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


def check_header(found: Sequence[str], fields: Sequence[str], where: str, optional: Sequence[str] = (),
                 ignore_extra: bool = False) -> None:
    """Refuse a header that lacks a required column, adds an unknown one or repeats one (order is free)."""
    missing = [f for f in fields if f not in found]
    extra = [] if ignore_extra else [f for f in found if f not in fields and f not in optional]
    repeated = sorted({f for f in found if list(found).count(f) > 1})
    if missing or extra or repeated:
        parts = ([f"缺少列 missing: {', '.join(missing)}"] if missing else []) + \
                ([f"多余列 unexpected: {', '.join(extra)}"] if extra else []) + \
                ([f"重复列 repeated: {', '.join(repeated)}"] if repeated else [])
        raise ValidationError(f"{where} 表头不符 / header mismatch: {'; '.join(parts)}", "file")


def _header_check(header: Sequence[str], choices, where: str) -> tuple[ColumnSet, list[str]]:
    """Pick the column set, check the header against it, and return it with the normalised names."""
    columns = choose_columns(header, choices)
    names = [columns.key(c) for c in header]
    check_header(names, columns.required, where, columns.optional, columns.ignore_extra)
    return columns, names


@contextmanager
def read_table(path: Path, fmt: str, fields) -> Iterator[Iterator[RawRow]]:
    """Open the file, check its header now, and yield an iterator over its data rows.

    `fields` is a list of column names, a `ColumnSet`, or a tuple of `ColumnSet`s to choose from by header;
    rows carry only the known columns, keyed by their normalised names.
    """
    opener = {"csv": _csv_rows, "jsonl": _jsonl_rows, "xlsx": _xlsx_rows}[fmt]
    rows = opener(path, fields)
    try:
        next(rows)  # runs up to the header check, so a bad file fails before any row is stored
        yield rows
    finally:
        rows.close()


def _known(columns: ColumnSet, names: Sequence[str], cells: Sequence[str]) -> dict[str, str]:
    known = set(columns.required) | set(columns.optional)
    return {name: cell for name, cell in zip(names, cells) if name in known}


def _csv_rows(path: Path, fields) -> Iterator[RawRow]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = [cell.strip() for cell in next(reader, [])]
        if not any(header):
            raise ValidationError(f"{path.name} 是空文件 / empty file", "file")
        columns, names = _header_check(header, fields, path.name)
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
                yield RawRow(number, _known(columns, names, cells))


def _jsonl_rows(path: Path, fields) -> Iterator[RawRow]:
    with path.open(encoding="utf-8-sig") as handle:
        checked, columns = False, _column_set(fields)
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
                columns, _names = _header_check(list(item), fields, path.name)
                checked = True
                yield RawRow(0, None)
            if problem:
                yield RawRow(number, None, problem)
                continue
            item = {columns.key(key): value for key, value in item.items()}
            known = set(columns.required) | set(columns.optional)
            odd = set(columns.required) - set(item) | ((set(item) - known) if not columns.ignore_extra else set())
            if odd:
                yield RawRow(number, None, "字段与首行不一致 / keys differ from the expected fields: "
                                           + ", ".join(sorted(odd)))
            else:
                yield RawRow(number, {key: _json_text(value) for key, value in item.items() if key in known})
        if not checked:
            raise ValidationError(f"{path.name} 是空文件 / empty file", "file")


def _json_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(_json_text(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _xlsx_rows(path: Path, fields) -> Iterator[RawRow]:
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
        columns, names = _header_check(names, fields, path.name)
        yield RawRow(0, None)
        for number, cells in enumerate(rows, start=2):
            texts = [_cell_text(cell) for cell in cells]
            if not any(t.strip() for t in texts):
                continue
            if any(t.strip() for t in texts[len(names):]):
                yield RawRow(number, None, f"列数多于表头 / more cells than the {len(names)} header columns")
                continue
            texts += [""] * (len(names) - len(texts))
            yield RawRow(number, _known(columns, names, texts))
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
