"""`repair audit report`: the compliance figures of a period as CSV, XLSX, JSON or a sealed PDF."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from repair.cli.common import DateType, OneOf, OutFile, department_codes, now, runtime
from repair.services.audit.reports import FORMATS, audit_report, render


@click.command("report")
@click.option("--from", "start", type=DateType(), required=True, help="期限起算日不早于 / first day (YYYY-MM-DD)")
@click.option("--to", "end", type=DateType(), required=True, help="期限起算日不晚于 / last day (YYYY-MM-DD)")
@click.option("--department", type=OneOf(department_codes, "部门 / department", fold=str.upper), default=None,
              help="部门代码 / department code (default: all)")
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True)
@click.option("--out", type=OutFile(), required=True)
@click.option("--today", type=DateType(), default=None, help="统计截至日 / as-of day (default: today)")
def report(start: date, end: date, department: str | None, fmt: str, out: Path, today: date | None) -> None:
    """生成时限合规审计报告 / write the time-limit compliance report (PDF sealed by the auditing department)."""
    rt = runtime()
    moment = now()
    with rt.uow(read_only=True) as uow:
        data = audit_report(rt, uow, start=start, end=end, today=today or moment.date(),
                            department=department.upper() if department else None, now=moment)
    out.write_bytes(render(rt, data, fmt, now=moment))
    figures = data["departments"]
    click.echo(f"已生成 {out}（{fmt}）：{len(data['rows'])} 行合规数据，{len(figures)} 个部门，"
               f"{len(data['overdue_open_cases'])} 条逾期未办结，{len(data['drift'])} 条日历变动")
