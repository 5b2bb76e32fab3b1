"""`repair users …`."""

from __future__ import annotations

import sys

import click

from repair.cli.common import echo_json, now, runtime
from repair.services.security.admin import add_console_user
from repair.services.security.mfa import provisioning_uri
from repair.services.security.users import list_users


@click.group("users")
def users() -> None:
    """用户与角色 / users and roles."""


@users.command("list")
@click.option("--json", "as_json", is_flag=True)
def list_(as_json: bool) -> None:
    """列出用户 / list users."""
    rt = runtime()
    with rt.uow(read_only=True) as uow:
        rows = list_users(uow)
    if as_json:
        echo_json(rows)
        return
    for u in rows:
        click.echo(f"{u['username']:<24} {u['role']:<10} {u['department'] or ''}{u['uscc'] or ''}")


@users.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(["enterprise", "officer", "reviewer", "auditor", "admin", "security_admin",
                                         "audit_admin"]), required=True,
              help="admin/security_admin/audit_admin: 三员分立，各为独立账户 / three separate administrator accounts")
@click.option("--department")
@click.option("--uscc")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取密码 / read the password from stdin")
def add(username: str, role: str, department: str | None, uscc: str | None, password_stdin: bool) -> None:
    """新增用户 / add a user."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    rt = runtime()
    with rt.uow() as uow:
        # The operator hands a TOTP secret over in person; the account signs in with its codes at once.
        secret = add_console_user(uow, username=username, role=role, department=department, uscc=uscc,
                                  password=password, mfa_roles=rt.settings.security.mfa_roles, now=now())
    click.echo(f"已添加用户 / added user {username} ({role})")
    if secret:
        click.echo(f"动态口令密钥 / TOTP secret: {secret}")
        click.echo(f"  {provisioning_uri(secret, username, rt.settings.security.totp_issuer)}")
