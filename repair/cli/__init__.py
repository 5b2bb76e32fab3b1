"""The `repair` console script: a stable interface other tools and tests rely on.

Exit codes: 0 success, 1 a check found problems (e.g. `audit verify`), 2 bad input,
3 transition not allowed now, 4 concurrent conflict. Errors are one line, never a traceback.
"""

from __future__ import annotations

import sys

import click

from repair.domain.errors import (
    ConcurrencyConflict,
    DomainError,
    NotEligible,
    TransitionRefused,
)

EXIT_CHECK_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_REFUSED = 3
EXIT_CONFLICT = 4


def exit_code_for(error: DomainError) -> int:
    """Map a named domain error to the CLI's exit code."""
    if isinstance(error, (TransitionRefused, NotEligible)):
        return EXIT_REFUSED
    if isinstance(error, ConcurrencyConflict):
        return EXIT_CONFLICT
    return EXIT_BAD_INPUT


class RepairGroup(click.Group):
    """A click group that turns domain errors into one-line messages and exit codes."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except DomainError as error:
            click.echo(f"错误 / error: {error}", err=True)
            ctx.exit(exit_code_for(error))
        except (click.exceptions.Exit, click.ClickException, SystemExit, KeyboardInterrupt):
            raise
        except Exception as error:  # a one-line message, never a traceback, for what we did not foresee
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
            click.echo(f"内部错误 / internal error: {type(error).__name__}: {first_line}", err=True)
            ctx.exit(EXIT_CHECK_FAILED)


@click.group(cls=RepairGroup)
def cli() -> None:
    """信用修复案件管理 / credit-repair case management."""


def _register() -> None:
    from repair.cli import commands

    for command in commands.ALL:
        cli.add_command(command)


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point."""
    _register()
    try:
        cli.main(args=argv, prog_name="repair", standalone_mode=True)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
