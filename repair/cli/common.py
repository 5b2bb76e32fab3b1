"""Helpers shared by the command modules: the runtime, dates and JSON output."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

import click

# Imports of the services, the database and the letters stay inside the functions: a command that does not use
# them (e.g. `repair uscc check`) must not pay for loading them.
FIRST_YEAR, LAST_YEAR = 1900, 2200
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def runtime():
    """The runtime for this command (settings from REPAIR_* variables), closed when the command ends.

    A command finishes its own work (jobs run in this process, REPAIR_JOBS notwithstanding): `repair case
    fire` prints the sealed letter, `repair letters paired` the sealed pair; web nodes queue for workers.
    """
    from repair.config import load_settings
    from repair.services.setup.runtime import Runtime, build_runtime

    ctx = click.get_current_context()
    found = ctx.find_object(Runtime)
    if found is None:
        found = build_runtime(load_settings().with_overrides(jobs="inline"))
        ctx.find_root().obj = found
        ctx.find_root().call_on_close(found.dispose)
    return found


def now():
    """The current instant in the district's time zone."""
    from repair.services.setup.runtime import local_now

    return local_now()


def echo_json(data) -> None:
    """Print data as pretty UTF-8 JSON."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def parse_day(value: str) -> date:
    """A strict YYYY-MM-DD date within FIRST_YEAR..LAST_YEAR, else ValueError with a bilingual reason."""
    text = str(value).strip()
    if not _ISO_DATE.fullmatch(text):
        raise ValueError(f"日期格式应为 YYYY-MM-DD / expected YYYY-MM-DD, got {value!r}")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"日期不存在 / no such date {value!r}") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValueError(f"日期应在 {FIRST_YEAR}–{LAST_YEAR} 年之间 / date must lie in {FIRST_YEAR}..{LAST_YEAR}, "
                         f"got {value!r}")
    return day


class DateType(click.ParamType):
    """A YYYY-MM-DD date (no other ISO forms) between 1900 and 2200, with a bilingual error."""

    name = "date"

    def convert(self, value, param, ctx):
        if isinstance(value, date):
            return value
        try:
            return parse_day(value)
        except ValueError as error:
            self.fail(str(error), param, ctx)


class OneOf(click.ParamType):
    """One of a set of values known only at run time (workflow states, portals…); the error lists them.

    `fold` maps the value before the check (department codes are upper case: `scjg` means `SCJG`)."""

    name = "value"

    def __init__(self, values: Callable[[], Iterable[str]], what: str, fold: Callable[[str], str] | None = None):
        self._values, self.what, self._fold = values, what, fold

    def convert(self, value, param, ctx):
        allowed = sorted(set(self._values()))
        if self._fold is not None and isinstance(value, str):
            value = self._fold(value)
        if value in allowed:
            return value
        self.fail(f"未知的{self.what} {value!r}，可选 / unknown {value!r}, expected one of: {', '.join(allowed)}",
                  param, ctx)


def department_codes() -> set[str]:
    """The department codes in the database (for --department / --authority options)."""
    from sqlalchemy import select

    from repair.store.models import Department

    rt = runtime()
    with rt.uow(read_only=True) as uow:
        return set(uow.session.scalars(select(Department.code)))


class UsccFilter(click.ParamType):
    """A unified social credit code used as a filter: it must be a valid code (else no row could ever match)."""

    name = "uscc"

    def convert(self, value, param, ctx):
        from repair.domain.uscc import check_uscc

        result = check_uscc(value)
        if not result.valid:
            self.fail(f"统一社会信用代码无效 / invalid USCC {value!r}: {result.reason}", param, ctx)
        return result.code


def writable_out(path: str) -> Path:
    """An --out path whose folder exists and is writable, else ValidationError (exit 2) with path and reason."""
    import os

    from repair.errors import ValidationError

    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise ValidationError(f"输出路径是目录：{path} / --out {path} is a directory", "out")
    if not folder.is_dir():
        raise ValidationError(f"输出目录不存在：{folder} / --out folder {folder} does not exist", "out")
    if not os.access(folder, os.W_OK):
        raise ValidationError(f"输出目录不可写：{folder} / --out folder {folder} is not writable", "out")
    return target


DATE = DateType()


def read_text_file(path: str, encoding: str = "utf-8-sig") -> str:
    """A text file's contents (`-`: standard input), or ValidationError (exit 2) naming the path and the reason."""
    import sys

    from repair.errors import ValidationError

    try:
        if path == "-":
            return sys.stdin.buffer.read().decode(encoding)
        with open(path, encoding=encoding) as handle:
            return handle.read()
    except UnicodeDecodeError as error:
        raise ValidationError(f"文件不是 UTF-8 文本：{path}（第 {error.start} 字节）/ {path} is not UTF-8 text "
                              f"(byte {error.start})", "file") from None
    except OSError as error:
        raise ValidationError(f"无法读取文件：{path}（{error.strerror}）/ cannot read {path}: {error.strerror}",
                              "file") from None


class OutFile(click.ParamType):
    """An output file (`--out`): its folder must exist and be writable; checked before any work is done."""

    name = "file"

    def convert(self, value, param, ctx):
        from repair.errors import ValidationError

        try:
            return writable_out(value)
        except ValidationError as error:
            self.fail(str(error), param, ctx)


class OutDir(click.ParamType):
    """An output folder (`--out DIR`): created if its parent exists; it must end up a writable folder."""

    name = "dir"

    def convert(self, value, param, ctx):
        import os

        target = Path(value)
        try:
            target.mkdir(exist_ok=True)
        except OSError as error:
            self.fail(f"无法创建输出目录：{value}（{error.strerror}）/ cannot create --out folder {value}: "
                      f"{error.strerror}", param, ctx)
        if not target.is_dir() or not os.access(target, os.W_OK):
            self.fail(f"输出目录不可写：{value} / --out folder {value} is not writable", param, ctx)
        return target
