"""Helpers shared by the command modules: the runtime, dates and JSON output."""

from __future__ import annotations

import json
from datetime import date

import click

from repair.services.runtime import Runtime, build_runtime, local_now


def runtime() -> Runtime:
    """The runtime for this command (settings from REPAIR_* variables), closed when the command ends."""
    ctx = click.get_current_context()
    found = ctx.find_object(Runtime)
    if found is None:
        found = build_runtime()
        ctx.find_root().obj = found
        ctx.find_root().call_on_close(found.dispose)
    return found


def now():
    """The current instant in the district's time zone."""
    return local_now()


def echo_json(data) -> None:
    """Print data as pretty UTF-8 JSON."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


class DateType(click.ParamType):
    """A YYYY-MM-DD date with a bilingual error."""

    name = "date"

    def convert(self, value, param, ctx):
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            self.fail(f"日期格式应为 YYYY-MM-DD / expected YYYY-MM-DD, got {value!r}", param, ctx)


DATE = DateType()


def read_text_file(path: str, encoding: str = "utf-8-sig") -> str:
    """A text file's contents, or ValidationError (exit 2) naming the path and why it cannot be read."""
    from repair.domain.errors import ValidationError

    try:
        with open(path, encoding=encoding) as handle:
            return handle.read()
    except UnicodeDecodeError as error:
        raise ValidationError(f"文件不是 UTF-8 文本：{path}（第 {error.start} 字节）/ {path} is not UTF-8 text "
                              f"(byte {error.start})", "file") from None
    except OSError as error:
        raise ValidationError(f"无法读取文件：{path}（{error.strerror}）/ cannot read {path}: {error.strerror}",
                              "file") from None
