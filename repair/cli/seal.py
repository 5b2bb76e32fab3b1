"""`repair seal …`: verify sealed documents, archive them at B-LTA, revoke development seal keys."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from repair.config import load_settings
from repair.errors import SealError

EXIT_NOT_VERIFIED = 1


@click.group()
def seal() -> None:
    """电子印章 / electronic seals."""


def _yes_no(value: bool) -> str:
    return "是 / yes" if value else "否 / no"


def _when(value: datetime | None) -> str:
    return value.isoformat() if value else "-"


class InstantType(click.ParamType):
    """An ISO 8601 date-time with a time zone (e.g. 2030-01-01T00:00:00+08:00)."""

    name = "datetime"

    def convert(self, value, param, ctx):
        try:
            parsed = datetime.fromisoformat(value)
        except (TypeError, ValueError):
            self.fail(f"时间格式应为 ISO 8601 / expected an ISO 8601 date-time, got {value!r}", param, ctx)
        if parsed.tzinfo is None:
            self.fail("时间须带时区 / the date-time needs a time zone (e.g. +08:00)", param, ctx)
        return parsed


def _read(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError as error:
        raise SealError(f"无法读取文件 / cannot read {file}: {error.strerror}") from error


def _print_report(report) -> None:
    if not report.signed:
        click.echo("签章 / signed: 否 / no (not signed)")
        return
    click.echo(f"签章人 / signer: {report.signer}")
    click.echo(f"部门 / department: {report.department or '-'}")
    click.echo(f"签章时间 / signing time: {_when(report.signing_time)}")
    modified = "" if report.intact else " (modified)"
    click.echo(f"未被篡改 / intact: {_yes_no(report.intact)}{modified}")
    click.echo(f"受信任 / trusted: {_yes_no(report.trusted)}{'' if report.trusted else ' (不受信任 / untrusted)'}")
    click.echo(f"签章后被修改 / modified after signing: {_yes_no(report.modified_after_signing)}")
    click.echo(f"级别 / level: {report.level or '-'}")
    click.echo(f"覆盖范围 / coverage: {report.coverage}")
    for item in report.signatures:
        kind = "签章 / signature" if item.kind == "signature" else "文档时间戳 / document timestamp"
        verdict = "有效 / valid" if item.ok else "无效 / invalid"
        click.echo(f"  #{item.index} {kind} {item.field}: {item.signer}"
                   f"{f'（{item.department}）' if item.department else ''}, {verdict}")
        source = "可信时间戳 / timestamped" if item.timestamped else "自述 / claimed"
        click.echo(f"     时间 / at: {_when(item.signed_at)} ({source})"
                   f", 级别 / level: {item.level or '-'}, intact: {_yes_no(item.intact)}, "
                   f"trusted: {_yes_no(item.trusted)}, modified after: {_yes_no(item.modified_after)}")
        if item.revoked_at:
            click.echo(f"     证书吊销时间 / certificate revoked at: {_when(item.revoked_at)}")
        for problem in item.problems:
            click.echo(f"     ! {problem}")


@seal.command("verify")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="输出 JSON / print the report as JSON")
@click.option("--at", "at", type=InstantType(), default=None,
              help="按此时间核验 / verify as of this instant (default: now)")
@click.pass_context
def verify(ctx: click.Context, file: Path, as_json: bool, at: datetime | None) -> None:
    """核验 PDF/OFD 的全部电子印章 / verify every seal of FILE (exit 0 only if all intact, trusted, unmodified)."""
    from repair.services.seals.verification import verify_document

    report = verify_document(_read(file), load_settings(), now=at)
    if as_json:
        click.echo(report.as_json())
    else:
        _print_report(report)
        click.echo(report.summary_zh)
    if not report.ok:
        ctx.exit(EXIT_NOT_VERIFIED)


@seal.command("archive")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="输出文件（默认覆盖原文件旁的 .lta.pdf） / output file (default FILE with .lta.pdf)")
def archive(file: Path, out: Path | None) -> None:
    """归档：加入最新验证数据和文档时间戳（B-LTA） / archive FILE at PAdES B-LTA; rerun to renew."""
    from repair.cli.common import runtime
    from repair.services.seals import archive_file

    target = out or file.with_suffix(".lta.pdf")
    report = archive_file(runtime(), file, target)
    click.echo(f"已归档 / archived: {target} ({report['level']})")


@seal.command("revoke")
@click.argument("department")
@click.option("--reason", required=True, help="吊销理由 / why the key is revoked")
@click.option("--code", "reason_code", default="key_compromise",
              type=click.Choice(["key_compromise", "affiliation_changed", "superseded", "cessation_of_operation"]),
              help="RFC 5280 吊销原因 / RFC 5280 reason code")
@click.option("--actor", default="admin", help="操作人 / who revokes")
def revoke(department: str, reason: str, reason_code: str, actor: str) -> None:
    """吊销部门的开发用签章证书并签发新证书 / revoke DEPARTMENT's development seal key and issue a new one."""
    from repair.cli.common import now, runtime
    from repair.services.seals import revoke_seal

    record = revoke_seal(runtime(), department.strip().upper(), reason=reason, actor=actor, now=now(),
                         reason_code=reason_code)
    click.echo(f"已吊销 / revoked: {record.department} 证书序列号 / serial {record.serial:x} "
               f"于 / at {record.revoked_at.isoformat()}（{record.reason}）；已签发新证书 / new key issued")
