"""`repair worker` and `repair blobs …`: running on several machines."""

from __future__ import annotations

import click

from repair.cli import EXIT_CHECK_FAILED
from repair.cli.common import echo_json, runtime


@click.command("worker")
@click.option("--concurrency", default=1, type=click.IntRange(1, 64), show_default=True,
              help="jobs run at once by this process")
@click.option("--queues", default="", help="comma-separated queues (default: all)")
@click.option("--until-idle", is_flag=True, help="stop when no job is waiting (batch use, tests)")
def worker(concurrency: int, queues: str, until_idle: bool) -> None:
    """运行后台作业（PostgreSQL）/ run background jobs from the shared PostgreSQL queue."""
    from repair.services.cluster.keys import pull_keys, require_configured_secret
    from repair.services.jobs.worker import run_worker
    from repair.web.observability import configure_json_logging

    rt = runtime()
    if rt.engine.dialect.name != "postgresql":
        raise click.UsageError("后台作业进程需要 PostgreSQL；SQLite 上作业在进程内运行 / "
                               "`repair worker` needs PostgreSQL; on SQLite jobs run in-process")
    require_configured_secret(rt.settings)
    configure_json_logging()
    pull_keys(rt)
    chosen = tuple(q.strip() for q in queues.split(",") if q.strip()) or None
    run_worker(rt, concurrency=concurrency, queues=chosen, wait=not until_idle)


@click.group("blobs")
def blobs() -> None:
    """文书与材料文件库 / blob stores of documents and uploads."""


@blobs.command("migrate")
@click.option("--to", "target", type=click.Choice(["postgresql"]), required=True)
@click.option("--json", "as_json", is_flag=True)
def migrate(target: str, as_json: bool) -> None:
    """把实例目录中的文件迁入数据库并逐一校验哈希 / copy files into the database, verifying every digest."""
    from repair.services.cluster.blobs import migrate_blobs

    report = migrate_blobs(runtime(), to=target)
    summary = {"copied": report.copied, "already_present": report.present, "verified": report.verified,
               "problems": report.problems}
    if as_json:
        echo_json(summary)
    else:
        click.echo(f"已复制 / copied: {report.copied}  已存在 / already present: {report.present}  "
                   f"已校验 / verified: {report.verified}")
        for problem in report.problems:
            click.echo(f"问题 / problem: {problem}", err=True)
    if report.problems:
        raise click.exceptions.Exit(EXIT_CHECK_FAILED)
