"""`repair calendar …`: working days, administrator overrides."""

from __future__ import annotations

import sys
from datetime import date

import click

from repair.cli.common import DATE, echo_json, now, parse_day, read_text_file, runtime
from repair.errors import ValidationError
from repair.services.calendar.overrides import calendar_for, load_overrides
from repair.services.security.users import load_actor


@click.group("calendar")
def calendar() -> None:
    """工作日日历 / working-day calendar."""


@calendar.command("add-workdays")
@click.argument("start", type=DATE, required=False)
@click.argument("n", type=click.IntRange(0, 100000), required=False)
@click.option("--json", "as_json", is_flag=True, help="输出 due、provisional、derivation")
@click.option("--batch", type=click.Path(dir_okay=False, allow_dash=True), help="每行 'YYYY-MM-DD N' 的文件，- 为标准输入")
def add_workdays(start: date | None, n: int | None, as_json: bool, batch) -> None:
    """START 之后第 N 个工作日（次日起算）/ the N-th working day after START."""
    rt = runtime()
    with rt.uow(read_only=True) as uow:
        cal = calendar_for(rt, uow)
    if batch is not None:
        if start is not None:
            raise ValidationError("--batch 与 START N 不能同时使用 / use either --batch or START N")
        _batch(cal, read_text_file(batch).splitlines())
        return
    if start is None or n is None:
        raise ValidationError("需要 START 和 N / START and N are required (or --batch FILE)")
    result = cal.due(start, n, explain=True)
    if as_json:
        echo_json({"start": start.isoformat(), "n": n, "due": result.due.isoformat(),
                   "provisional": result.provisional, "derivation": result.derivation})
    else:
        click.echo(result.due.isoformat() + (" provisional" if result.provisional else ""))


def _batch(cal, stream) -> None:
    out = sys.stdout
    for number, line in enumerate(stream, 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        parts = text.split()
        try:
            start, n = parse_day(parts[0]), int(parts[1])
            if len(parts) != 2 or not 0 <= n <= 100000:
                raise ValueError
        except (ValueError, IndexError):
            raise ValidationError(f"第 {number} 行格式应为 'YYYY-MM-DD N' / line {number}: expected 'YYYY-MM-DD N', "
                                  f"got {text!r}") from None
        result = cal.due(start, n, explain=False)
        out.write(result.due.isoformat() + (" provisional\n" if result.provisional else "\n"))


@calendar.command("load")
@click.argument("csv_file", type=click.Path(dir_okay=False))
@click.option("--official", "official_year", type=click.IntRange(1900, 2200), metavar="YEAR",
              help="文件是该年国务院公布的全年安排（使该年不再暂估）/ the file is YEAR's whole official schedule")
@click.option("--actor", default="system", show_default=True, help="操作的管理员用户名")
def load(csv_file: str, official_year: int | None, actor: str) -> None:
    """载入日历数据（date,kind,name）并重算受影响的截止日 / load calendar data and recompute the due dates it moves.

    Without --official the rows are overrides of single days; with --official YEAR they are YEAR's whole
    official schedule (see README, "Working-day calendar")."""
    rt = runtime()
    text = read_text_file(csv_file)
    with rt.uow() as uow:
        who = load_actor(uow, actor)
        summary = load_overrides(rt, uow, text, actor=who, now=now(), official_year=official_year)
    layer = f"{official_year} 年官方全年安排 / official schedule for {official_year}" if official_year else \
        "覆盖 / overrides"
    years = ", ".join(map(str, summary["years"]))
    click.echo(f"已载入 {summary['loaded']} 条{layer}（年份 {years}）/ loaded {summary['loaded']} days")
    for move in summary["moved"]:
        click.echo(f"  {move['case_no']} {move['stage']}: {move['old_due']} → {move['due']}"
                   f"{' (provisional)' if move['provisional'] else ''}")
    click.echo(f"重算截止日 {len(summary['moved'])} 个 / {len(summary['moved'])} due dates recomputed")


@calendar.command("show")
@click.argument("year", type=click.IntRange(1900, 2200))
@click.option("--json", "as_json", is_flag=True, help="含每一天的来源 / with every day's source")
def show(year: int, as_json: bool) -> None:
    """列出某年的节假日与调休上班日及其来源 / list a year's holidays and make-up workdays with their source."""
    rt = runtime()
    with rt.uow(read_only=True) as uow:
        cal = calendar_for(rt, uow)
    days = cal.year_days(year)
    provisional = year not in cal.known_years
    if as_json:
        echo_json({"year": year, "provisional": provisional,
                   "days": [{"date": d.day.isoformat(), "kind": d.kind, "name": d.name, "source": d.source}
                            for d in days],
                   "every_day": [{"date": d.day.isoformat(), "workday": d.workday, "kind": d.kind,
                                  "name": d.name, "source": d.source} for d in cal.every_day(year)]})
        return
    if provisional:
        click.echo(f"{year} 年无官方全年安排，未列出的日期按暂估规则 / no official schedule for {year}: provisional")
    for d in days:
        kind = "放假" if d.kind == "holiday" else "调休上班"
        click.echo(f"{d.day.isoformat()}  {kind}  {d.name}  ({d.source})")
