"""`repair audit verify`."""

from __future__ import annotations

import click

from repair.cli.common import echo_json, runtime
from repair.services.audit import verify_history


@click.group("audit")
def audit() -> None:
    """审计 / audit."""


@audit.command("verify")
@click.option("--json", "as_json", is_flag=True)
def verify(as_json: bool) -> None:
    """校验每个案件的历史哈希链；有问题时退出码 1 / verify every history chain (exit 1 if broken)."""
    rt = runtime()
    with rt.uow(read_only=True) as uow:
        report = verify_history(uow)
    if as_json:
        echo_json({"intact": report.intact, "cases_checked": report.cases_checked,
                   "events_checked": report.events_checked, "broken": report.broken})
    else:
        for case_no, problems in sorted(report.broken.items()):
            click.echo(f"{case_no}: 历史被篡改 / chain broken")
            for problem in problems:
                click.echo(f"    {problem}")
        status = "完好 / intact" if report.intact else f"{len(report.broken)} 个案件的历史链被破坏 / broken"
        click.echo(f"已校验 {report.cases_checked} 个案件、{report.events_checked} 条事件：{status}")
    if not report.intact:
        raise SystemExit(1)


# The report lives in its own module; registered here so it is `repair audit report`.
from repair.cli.audit_report import report  # noqa: E402

audit.add_command(report)
