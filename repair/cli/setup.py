"""`repair init`, `repair demo`, `repair serve`."""

from __future__ import annotations

import click

from repair.cli.common import now, runtime


@click.command("init")
def init() -> None:
    """创建或升级数据库并生成开发用印章密钥 / create or migrate the database (idempotent)."""
    from repair.services.setup.init import initialise

    summary = initialise(runtime(), now=now())
    click.echo(f"数据库 / database: {summary['database']}")
    click.echo(f"实例目录 / instance: {summary['instance']}")
    for name in summary["workflows_registered"]:
        click.echo(f"登记流程 / registered workflow: {name}")
    if summary["sm2_keys"]:
        click.echo(f"SM2 开发用印章（OFD）/ SM2 development seals (OFD): {summary['sm2_keys']}")
    if summary["departments_file_written"]:
        click.echo(f"已生成演示部门配置 / demo department file written: {summary['departments_file']}")
    if summary["sm2_missing"]:
        click.echo("缺少 SM2 印章，这些部门的 OFD 文书无法签章 / no SM2 seal in REPAIR_SM2_SEAL_DIR (<CODE>.key.pem, "
                   f"<CODE>.cert.pem, <CODE>.seal.der) for: {', '.join(summary['sm2_missing'])}", err=True)
    if summary["warning"]:
        click.echo(summary["warning"], err=True)
    click.echo("初始化完成 / initialised")


@click.command("demo")
def demo() -> None:
    """载入演示数据并打印演示账号 / load demo data and print the demo logins."""
    from repair.services.setup.demo import load_demo
    from repair.services.setup.init import initialise

    rt = runtime()
    initialise(rt, now=now())
    summary = load_demo(rt, now=now(), progress=lambda text: click.echo(text, err=True))
    click.echo(f"演示数据 / demo data: {summary['enterprises']} enterprises, {summary['records']} records, "
               f"{summary['cases']} cases")
    click.echo("演示账号（密码均为 / every password: %s）:" % summary["password"])
    roles = rt.settings.security.mfa_roles
    for login in summary["logins"]:
        mark = "  + 动态口令 / TOTP" if login["role"] in roles and summary["totp_secret"] else ""
        click.echo(f"  {login['username']:<22} {login['role']:<14} {login['department'] or login['uscc'] or ''}{mark}")
    if summary["totp_secret"]:
        click.echo(f"动态口令密钥（标注 TOTP 的账户共用，可添加到任一身份验证器应用）/ TOTP secret of the accounts marked "
                   f"TOTP: {summary['totp_secret']}")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, type=click.IntRange(1, 65535), show_default=True)
@click.option("--workers", default=2, type=click.IntRange(1, 64), show_default=True)
def serve(host: str, port: int, workers: int) -> None:
    """用生产级 WSGI 服务器（gunicorn）运行网站 / run the web app under gunicorn."""
    from repair.config import load_settings
    from repair.services.cluster.keys import require_configured_secret
    from repair.web.server import run_gunicorn

    settings = load_settings()
    # On PostgreSQL every node must sign sessions and decrypt the shared keys with the same secret.
    require_configured_secret(settings)
    run_gunicorn(host=host, port=port, workers=workers, instance_path=settings.instance_path,
                 json_logs=settings.database_url.startswith("postgres"))
