"""`repair departments list`: the departments (认定单位) as configured and as stored."""

from __future__ import annotations

import click

from repair.cli.common import echo_json, runtime


@click.group("departments")
def departments() -> None:
    """认定单位 / departments (full names, USCC, channels) from the department file."""


@departments.command("list")
@click.option("--json", "as_json", is_flag=True)
def list_(as_json: bool) -> None:
    """列出认定单位 / list the departments (keys code, name, uscc, channel, …)."""
    from repair.services.setup.departments import department_overview

    overview = department_overview(runtime())
    if overview["warning"]:
        click.echo(overview["warning"], err=True)
    if as_json:
        echo_json(overview["departments"])
        return
    for d in overview["departments"]:
        mark = "（示例）" if d["placeholder"] else ("（未配置）" if not d["configured"] else "")
        click.echo(f"{d['code']:<8} {d['channel']:<5} {d['uscc'] or '—':<18} {d['name']}{mark}")
