"""`repair import records|fulfilment FILE`: exit 0 all stored, 1 some rows rejected, 2 a bad file."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from tqdm import tqdm

from repair.cli import EXIT_CHECK_FAILED
from repair.cli.common import now, runtime
from repair.exchange.formats import FORMATS
from repair.services.exchange.imports import (
    DEFAULT_BATCH,
    MAX_BATCH,
    estimate_rows,
    import_fulfilment,
    import_records,
)


def _options(command):
    for option in reversed((
        click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path)),
        click.option("--format", "fmt", type=click.Choice(FORMATS), help="覆盖按扩展名识别的格式 / override format"),
        click.option("--rejects", type=click.Path(dir_okay=False, path_type=Path),
                     help="拒绝明细文件（默认 <FILE>.rejects.csv）/ rejects file"),
        click.option("--actor", default="system", show_default=True, help="操作人用户名 / acting username"),
        click.option("--batch-size", type=click.IntRange(1, MAX_BATCH), default=DEFAULT_BATCH,
                     show_default=True, help="每批提交的行数 / rows per committed batch"),
    )):
        command = option(command)
    return command


@click.group("import")
def import_() -> None:
    """导入处罚信息与履行信息 / import penalty records and fulfilment data."""


@import_.command("records")
@_options
def records(file: Path, fmt: str | None, rejects: Path | None, actor: str, batch_size: int) -> None:
    """导入行政处罚信息（CSV / JSON Lines / XLSX）/ import administrative-penalty records."""
    _run(import_records, file, fmt, rejects, actor, batch_size, "处罚信息")


@import_.command("fulfilment")
@_options
def fulfilment(file: Path, fmt: str | None, rejects: Path | None, actor: str, batch_size: int) -> None:
    """导入履行信息：罚款缴纳、整改核实 / import fulfilment facts (fine payments, corrections)."""
    _run(import_fulfilment, file, fmt, rejects, actor, batch_size, "履行信息")


def _run(service, file: Path, fmt, rejects, actor: str, batch_size: int, title: str) -> None:
    rt = runtime()
    show = sys.stderr.isatty()
    total = estimate_rows(file, fmt) if show else None
    with tqdm(total=total, disable=not show, unit="行", desc=title, file=sys.stderr) as bar:
        def advance(done: int) -> None:
            bar.update(done - bar.n)

        summary = service(rt, file, actor=actor, now=now(), fmt=fmt, rejects_path=rejects,
                          batch_size=batch_size, progress=advance)
        bar.total = bar.n  # the total was an estimate (a quoted value may span lines)
    click.echo(summary.line())
    if summary.rejected:
        click.get_current_context().exit(EXIT_CHECK_FAILED)
