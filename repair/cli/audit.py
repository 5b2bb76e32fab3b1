"""`repair audit verify`."""

from __future__ import annotations

import click

from repair.cli.common import echo_json, runtime


@click.group("audit")
def audit() -> None:
    """审计 / audit."""


@audit.command("verify")
@click.option("--json", "as_json", is_flag=True)
def verify(as_json: bool) -> None:
    """校验历史哈希链、案件各行与历史重放是否一致、文书与材料的 SHA-256；有问题时退出码 1
    / verify every chain, every case row against its replayed history, every stored file (exit 1 on a difference)."""
    from repair.services.audit import verify_all

    rt = runtime()
    with rt.uow(read_only=True) as uow:
        report = verify_all(rt, uow)
    if as_json:
        echo_json({"intact": report.intact, "cases_checked": report.checked("cases"),
                   "events_checked": report.checked("events"),
                   "checked": {r.name: r.checked for r in report.results}, "broken": report.broken})
    else:
        for subject, problems in sorted(report.broken.items()):
            for problem in problems:  # one line per field: the subject and the field are on it
                click.echo(f"{subject}: 历史被篡改 / tampered — {problem}")
        counted = {what: n for r in report.results for what, n in r.checked.items()}
        extra = "".join(f"、{counted[what]} {label}" for what, label in (("documents", "份文书"), ("uploads", "份材料"))
                        if what in counted)
        status = "完好 / intact" if report.intact else f"{len(report.broken)} 处被篡改 / {len(report.broken)} tampered"
        click.echo(f"已校验 {counted.get('cases', 0)} 个案件、{counted.get('events', 0)} 条事件{extra}：{status}")
    if not report.intact:
        raise SystemExit(1)


# The report lives in its own module; registered here so it is `repair audit report`.
from repair.cli.audit_report import report  # noqa: E402

audit.add_command(report)
