"""`repair workflows check` and `repair workflows diagram NAME`."""

from __future__ import annotations

import click

from repair.cli.common import runtime
from repair.domain.diagram import mermaid


@click.group("workflows")
def workflows() -> None:
    """流程定义 / workflow definitions."""


@workflows.command("check")
def check() -> None:
    """载入并校验全部流程文件 / load and validate every workflow file."""
    registry = runtime().workflows
    for wf in sorted(registry.current.values(), key=lambda w: w.name):
        click.echo(f"{wf.name} v{wf.version} ok: {wf.title} ({len(wf.states)} states, "
                   f"{len(wf.transitions)} transitions, {len(wf.clocks)} clocks)")


@workflows.command("diagram")
@click.argument("name")
@click.option("--current", help="高亮的当前状态 / state to highlight")
def diagram(name: str, current: str | None) -> None:
    """输出 mermaid 状态图 / print the mermaid state diagram."""
    click.echo(mermaid(runtime().workflows.named(name), current=current))
