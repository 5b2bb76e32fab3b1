"""`repair seal …`: check sealed documents from the command line."""

from __future__ import annotations

from pathlib import Path

import click

from repair.config import load_settings
from repair.domain.errors import SealError

EXIT_NOT_VERIFIED = 1


@click.group()
def seal() -> None:
    """电子印章 / electronic seals."""


def _yes_no(value: bool) -> str:
    return "是 / yes" if value else "否 / no"


@seal.command("verify")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="输出 JSON / print the report as JSON")
@click.pass_context
def verify(ctx: click.Context, file: Path, as_json: bool) -> None:
    """核验 PDF 的电子印章 / verify the seal of FILE.pdf (exit 0 only if intact and trusted)."""
    from repair.seal.verify import verify_pdf

    try:
        data = file.read_bytes()
    except OSError as error:
        raise SealError(f"无法读取文件 / cannot read {file}: {error.strerror}") from error
    report = verify_pdf(data, load_settings())
    if as_json:
        click.echo(report.as_json())
    elif not report.signed:
        click.echo("签章 / signed: 否 / no (not signed)")
    else:
        time = report.signing_time.isoformat() if report.signing_time else "-"
        click.echo(f"签章人 / signer: {report.signer}")
        click.echo(f"部门 / department: {report.department or '-'}")
        click.echo(f"签章时间 / signing time: {time}")
        click.echo(f"未被篡改 / intact: {_yes_no(report.intact)}" + ("" if report.intact else " (modified)"))
        untrusted = "" if report.trusted else " (不受信任 / untrusted)"
        click.echo(f"受信任 / trusted: {_yes_no(report.trusted)}{untrusted}")
        click.echo(f"覆盖范围 / coverage: {report.coverage}")
    if not as_json:
        click.echo(report.summary_zh)
    if not report.ok:
        ctx.exit(EXIT_NOT_VERIFIED)
