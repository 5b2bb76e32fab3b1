"""`repair audit verify`."""

from __future__ import annotations

import click

from repair.cli.common import echo_json, runtime
from repair.services.security.log import verify_security_log


@click.group("audit")
def audit() -> None:
    """审计 / audit."""


@audit.command("verify")
@click.option("--json", "as_json", is_flag=True)
def verify(as_json: bool) -> None:
    """校验历史哈希链、案件各行与历史重放是否一致、文书与材料的 SHA-256；有问题时退出码 1
    / verify every chain, every case row against its replayed history, every stored file (exit 1 on a difference)."""
    from repair.services.audit.integrity import verify_all

    rt = runtime()
    with rt.uow(read_only=True) as uow:
        report = verify_all(rt, uow)
        security = verify_security_log(uow)  # the security log's own chain (repair.services.security.log)
    intact = report.intact and security.intact
    if as_json:
        echo_json({"intact": intact, "cases_checked": report.checked("cases"),
                   "security_log": {"intact": security.intact, "events_checked": security.events_checked,
                                    "problems": security.problems},
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
        for problem in security.problems:
            click.echo(f"安全日志 / security log: {problem}")
        click.echo(f"已校验安全日志 {security.events_checked} 条 / security log checked: "
                   f"{'完好 / intact' if security.intact else '被破坏 / broken'}")
    if not intact:
        raise SystemExit(1)


# The report lives in its own module; registered here so it is `repair audit report`.
from repair.cli.audit_report import report  # noqa: E402

audit.add_command(report)
