"""`repair rules window` and `repair uscc check`."""

from __future__ import annotations

from datetime import date

import click

from repair.cli.common import DATE, echo_json, now
from repair.domain.uscc import check_uscc


@click.group("rules")
def rules() -> None:
    """公示期规则 / publicity-window rules by effective date."""


@rules.command("window")
@click.option("--channel", type=click.Choice(["ndrc", "samr"]), required=True)
@click.option("--tier", type=click.Choice(["minor", "general", "serious"]), required=True)
@click.option("--decided-on", type=DATE, required=True)
@click.option("--published-on", type=DATE)
@click.option("--sector", type=click.Choice(["food", "drug", "special_equipment", "work_safety", "fire_safety"]))
@click.option("--as-of", type=DATE, help="适用规则的日期（默认今天）/ the day the rules are applied")
@click.option("--json", "as_json", is_flag=True)
def window(channel, tier, decided_on: date, published_on, sector, as_of, as_json) -> None:
    """计算最短、最长公示期届满日与最早申请日 / compute the publicity window (从旧兼从轻)."""
    from repair.domain.rules import applicable_window  # (loads the regimes only when asked)

    as_of = as_of or now().date()
    choice = applicable_window(channel, as_of=as_of, tier=tier, decided_on=decided_on, published_on=published_on,
                               sector=sector)
    if as_json:
        echo_json({**choice.as_json(), "as_of": as_of.isoformat()})
        return
    result = choice.applied
    click.echo(f"适用规则 / regime: {result.regime}（{result.basis}）")
    click.echo(f"依据 / derivation: {choice.derivation}")
    click.echo(f"最短公示期届满 / min publicity end: {result.min_publicity_end or '—'}")
    click.echo(f"最长公示期届满 / max publicity end: {result.max_publicity_end or '—'}")
    click.echo(f"最早可申请日 / earliest application: {result.earliest_application or '—'}")
    for note in result.notes:
        click.echo(f"  · {note}")


@click.group("uscc")
def uscc() -> None:
    """统一社会信用代码 / unified social credit code."""


@uscc.command("check")
@click.argument("codes", nargs=-1, required=True)
def check(codes: tuple[str, ...]) -> None:
    """校验代码；全部有效时退出码为 0 / check codes; exit 0 only if all are valid."""
    all_valid = True
    for code in codes:
        result = check_uscc(code)
        if result.valid:
            click.echo(f"{code} valid" + "".join(f" (warning: {w})" for w in result.warnings))
        else:
            all_valid = False
            click.echo(f"{code} invalid: {result.reason}")
    if not all_valid:
        raise SystemExit(1)
