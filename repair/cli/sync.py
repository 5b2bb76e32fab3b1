"""`repair sync …`: deliver conclusions to the portals, reconcile, dead letters, inbound recognitions."""

from __future__ import annotations

import click

from repair.cli import EXIT_CHECK_FAILED, EXIT_NOT_COMPARED
from repair.cli.common import DATE, OneOf, echo_json, now, read_text_file, runtime
from repair.services.security.users import load_actor


def _portals():
    return {p.name for p in runtime().settings.sync_portals}


PORTAL = OneOf(_portals, "门户 / portal")


@click.group("sync")
def sync() -> None:
    """修复结论同步与互认 / sync of repair conclusions with the credit portals."""


@sync.command("run")
@click.option("--once", is_flag=True, help="只处理一轮到期消息 / a single pass")
@click.option("--portal", type=PORTAL, help="只投递到此门户 / only this portal")
@click.option("--interval", type=click.FloatRange(0.1), default=30.0, show_default=True, help="轮询间隔（秒）")
@click.option("--max-seconds", type=click.FloatRange(1), help="运行多久后退出 / stop after this long")
@click.option("--json", "as_json", is_flag=True)
def run(once: bool, portal: str | None, interval: float, max_seconds: float | None, as_json: bool) -> None:
    """投递到期的修复结论（失败按指数退避重试）/ deliver due conclusions with retries."""
    from repair.services.exchange.delivery import run_loop, run_once

    rt = runtime()
    if once:
        summary = run_once(rt, clock=now, portal=portal)
    else:
        summary = run_loop(rt, clock=now, interval=interval, max_seconds=max_seconds, portal=portal)
    if as_json:
        echo_json(summary.__dict__)
        return
    click.echo(f"已送达 {summary.sent}，待重试 {summary.retried}，转入死信 {summary.dead}，已确认同步 "
               f"{len(summary.confirmed)} 件 / sent {summary.sent}, retrying {summary.retried}, "
               f"dead {summary.dead}, confirmed {len(summary.confirmed)}")
    for line in summary.errors:
        click.echo(f"  {line}", err=True)


@sync.command("outbox")
@click.option("--status", type=click.Choice(["pending", "sent", "dead"]))
@click.option("--case", "case_no")
@click.option("--portal", type=PORTAL)
@click.option("--json", "as_json", is_flag=True)
def outbox_(status, case_no, portal, as_json) -> None:
    """发件箱：状态、次数、最近错误、回执 / the outbox: status, attempts, last error, receipt."""
    from repair.services.exchange.sync import outbox_rows

    rows = outbox_rows(runtime(), status=status, case_no=case_no, portal=portal)
    _print_rows(rows, as_json)


@sync.command("dead-letters")
@click.option("--retry", "retry_id", type=int, help="重新排队此编号的死信 / requeue this dead letter")
@click.option("--actor", default="admin", show_default=True, help="管理员用户名 / administrator username")
@click.option("--json", "as_json", is_flag=True)
def dead_letters(retry_id: int | None, actor: str, as_json: bool) -> None:
    """列出死信，或用 --retry 重新排队 / list dead letters, or requeue one with --retry."""
    from repair.services.exchange.sync import outbox_rows, requeue_dead_letter

    rt = runtime()
    if retry_id is None:
        _print_rows(outbox_rows(rt, status="dead"), as_json)
        return
    with rt.uow(read_only=True) as uow:
        who = load_actor(uow, actor)
    row = requeue_dead_letter(rt, retry_id, actor=who, now=now())
    click.echo(f"#{row['id']} {row['portal']} {row['case_no']} 已重新排队 / requeued")


@sync.command("reconcile")
@click.option("--portal", type=PORTAL)
@click.option("--since", type=DATE, help="只比对此日期以后的结论 / conclusions since YYYY-MM-DD")
@click.option("--json", "as_json", is_flag=True)
def reconcile_(portal: str | None, since, as_json: bool) -> None:
    """比对各门户的状态与本地结论；有差异时退出码 1，有门户未能比对时 5
    / compare portal statuses with ours (exit 1 on differences, 5 when a portal could not be compared)."""
    from datetime import datetime

    from repair.services.exchange.sync import portal_adapters, reconcile
    from repair.services.setup.runtime import LOCAL_TZ

    rt = runtime()
    start = datetime.combine(since, datetime.min.time(), LOCAL_TZ) if since else None
    report = reconcile(rt, portal_adapters(rt, now, portal), since=start)
    differences = report["differences"]
    if as_json:
        echo_json({"differences": [d.as_json() for d in differences], "unavailable": report["unavailable"]})
    else:
        for d in differences:
            click.echo(f"{d.portal:<12} {d.case_no:<18} {d.title}：本地 {d.ours or '—'}"
                       f"{'（' + d.our_status + '）' if d.our_status else ''}，门户 {d.theirs or '—'}")
        for name, why in report["unavailable"].items():
            click.echo(f"{name:<12} 未比对 / not compared: {why}", err=True)
        unavailable = report["unavailable"]
        click.echo(f"差异 {len(differences)} 处 / {len(differences)} differences"
                   + (f"；{len(unavailable)} 个门户未比对 / {len(unavailable)} portals not compared"
                      if unavailable else ""))
    if differences:
        raise SystemExit(EXIT_CHECK_FAILED)
    if report["unavailable"]:  # nothing different among what was compared, but not everything was
        raise SystemExit(EXIT_NOT_COMPARED)


@sync.command("import-recognitions")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--json", "as_json", is_flag=True)
def import_recognitions(file: str, as_json: bool) -> None:
    """导入其他门户的修复结论（JSON Lines）/ import repairs concluded on other portals (JSON Lines)."""
    from repair.services.exchange.recognition import import_lines

    text = read_text_file(file)
    summary = import_lines(runtime(), text.splitlines(), now=now())
    if as_json:
        echo_json(summary)
    else:
        click.echo(f"新认定 {summary['recorded']}，重复 {summary['duplicates']}，标记冲突 {summary['flagged']}，"
                   f"错误 {len(summary['errors'])} / recorded {summary['recorded']}, duplicates "
                   f"{summary['duplicates']}, flagged {summary['flagged']}, errors {len(summary['errors'])}")
        for line in summary["errors"]:
            click.echo(f"  {line}", err=True)
    if summary["errors"]:
        raise SystemExit(2)


@sync.command("portal-token")
@click.argument("portal", type=PORTAL)
@click.option("--days", type=click.IntRange(1, 366), default=90, show_default=True)
def portal_token(portal: str, days: int) -> None:
    """为门户客户端签发访问令牌（只显示一次）/ issue a portal client's API token (shown once)."""
    from repair.services.exchange.recognition import issue_portal_token

    token, username, expires = issue_portal_token(runtime(), portal, days=days, now=now())
    click.echo(f"{username} 令牌（有效期至 {expires:%Y-%m-%d}）/ token for {username}:")
    click.echo(token)


def _print_rows(rows: list[dict], as_json: bool) -> None:
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        click.echo(f"#{r['id']:<5} {r['portal']:<12} {r['case_no']:<18} {r['outcome']:<8} {r['status']:<7} "
                   f"次数 {r['attempts']} 回执 {r['receipt_id'] or '—'} 下次 {r['next_attempt_at']}")
        if r["last_error"]:
            click.echo(f"       {r['last_error'].splitlines()[-1]}")
