"""Administrator-maintained calendar overrides (CSV `date,kind,name`) for years the library lacks."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from typing import Literal, cast

from repair.errors import CalendarDataError

OverrideKind = Literal["holiday", "workday"]
KINDS = ("holiday", "workday")
HEADER = ["date", "kind", "name"]
MAX_NAME_LENGTH = 60
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class DayOverride:
    """A day set by the administrator: a holiday (even on a weekday) or a workday (even on a weekend)."""

    day: date
    kind: OverrideKind
    name: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise CalendarDataError(f"日历覆盖类型错误：{self.kind!r}，应为 holiday 或 workday"
                                    f" / invalid override kind {self.kind!r}, expected holiday or workday")
        if not self.name.strip():
            raise CalendarDataError(f"日历覆盖 {self.day} 缺少名称 / override {self.day} has no name")


def _line_error(line: int, zh: str, en: str) -> CalendarDataError:
    return CalendarDataError(f"日历覆盖数据第 {line} 行：{zh} / calendar overrides line {line}: {en}")


def _parse_row(line: int, row: list[str]) -> DayOverride:
    if len(row) != 3:
        raise _line_error(line, f"应有 3 列（date,kind,name），实际 {len(row)} 列",
                          f"expected 3 columns (date,kind,name), got {len(row)}")
    raw_day, kind, name = (cell.strip() for cell in row)
    if not _ISO_DATE.fullmatch(raw_day):
        raise _line_error(line, f"日期格式错误：{raw_day!r}，应为 YYYY-MM-DD",
                          f"invalid date {raw_day!r}, expected YYYY-MM-DD")
    try:
        day = date.fromisoformat(raw_day)
    except ValueError:
        raise _line_error(line, f"日期不存在：{raw_day}", f"no such date {raw_day}") from None
    if kind not in KINDS:
        raise _line_error(line, f"类型错误：{kind!r}，应为 holiday（放假）或 workday（上班）",
                          f"invalid kind {kind!r}, expected holiday or workday")
    if not name:
        raise _line_error(line, "名称为空", "name is empty")
    if len(name) > MAX_NAME_LENGTH:
        raise _line_error(line, f"名称超过 {MAX_NAME_LENGTH} 个字符",
                          f"name longer than {MAX_NAME_LENGTH} characters")
    return DayOverride(day, cast(OverrideKind, kind), name)


def parse_overrides_csv(text: str) -> list[DayOverride]:
    """Parse an override CSV (header `date,kind,name`; blank lines and `#` comments ignored).

    Text without any data line (empty file) gives no overrides. Raises CalendarDataError naming the
    offending line for a bad header, date, kind, name or a repeated date.
    """
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")), strict=True)
    numbered = ((reader.line_num, row) for row in reader)
    overrides: list[DayOverride] = []
    first_line: dict[date, int] = {}
    header_seen = False
    try:
        rows = list(numbered)
    except csv.Error as exc:
        raise _line_error(reader.line_num, f"CSV 格式错误：{exc}", f"malformed CSV: {exc}") from None
    for line, row in rows:
        if not any(cell.strip() for cell in row) or row[0].lstrip().startswith("#"):
            continue
        if not header_seen:
            if [cell.strip().lower() for cell in row] != HEADER:
                raise _line_error(line, f"表头应为 date,kind,name，实际为 {','.join(row)!r}",
                                  f"header must be date,kind,name, got {','.join(row)!r}")
            header_seen = True
            continue
        override = _parse_row(line, row)
        if override.day in first_line:
            raise _line_error(line, f"日期 {override.day} 重复（首次出现在第 {first_line[override.day]} 行）",
                              f"date {override.day} repeated (first on line {first_line[override.day]})")
        first_line[override.day] = line
        overrides.append(override)
    return overrides
