"""The `repair` console script: a stable interface other tools and tests rely on.

Exit codes (documented in the README): 0 success, 1 a check found problems (`audit verify`, `sync reconcile`
differences, an invalid USCC), 2 bad input (including click's usage errors, unreadable files, unwritable `--out`
paths and a closed standard output), 3 transition not allowed now, 4 concurrent conflict, 5 `sync reconcile`
could not compare a portal. Every error is one line on stderr, never a traceback. Command modules are imported
only when their command runs (repair.cli.commands), so a light command starts fast.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from repair.errors import (
    ConcurrencyConflict,
    DomainError,
    NotEligible,
    TransitionRefused,
)

EXIT_CHECK_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_REFUSED = 3
EXIT_CONFLICT = 4
EXIT_NOT_COMPARED = 5


def exit_code_for(error: DomainError) -> int:
    """Map a named domain error to the CLI's exit code."""
    if isinstance(error, (TransitionRefused, NotEligible)):
        return EXIT_REFUSED
    if isinstance(error, ConcurrencyConflict):
        return EXIT_CONFLICT
    return EXIT_BAD_INPUT


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in str(text).strip().splitlines() if part.strip())


class RepairGroup(click.Group):
    """The top-level group: commands imported on first use; domain and file errors as one line and an exit code."""

    def list_commands(self, ctx):
        from repair.cli.commands import COMMANDS

        return sorted(set(COMMANDS) | set(self.commands))

    def get_command(self, ctx, name):
        if name in self.commands:
            return self.commands[name]
        from repair.cli.commands import COMMANDS

        spec = COMMANDS.get(name)
        if spec is None:
            return None
        command = getattr(importlib.import_module(spec[0]), spec[1])
        self.commands[name] = command
        return command

    def format_commands(self, ctx, formatter):
        """The command list from the table's help lines: `repair --help` imports no command module."""
        from repair.cli.commands import COMMANDS

        rows = [(name, COMMANDS[name][2] if name in COMMANDS else self.commands[name].get_short_help_str())
                for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except DomainError as error:
            click.echo(f"错误 / error: {_one_line(error)}", err=True)
            ctx.exit(exit_code_for(error))
        except BrokenPipeError:  # the reader went away (e.g. `| head`): stop quietly
            ctx.exit(_quiet_closed_stdout())
        except (click.exceptions.Exit, click.ClickException, SystemExit, KeyboardInterrupt):
            raise
        except UnicodeDecodeError as error:
            click.echo(f"错误 / error: 输入不是 UTF-8 文本 / input is not UTF-8 text ({error.reason} at byte "
                       f"{error.start})", err=True)
            ctx.exit(EXIT_BAD_INPUT)
        except OSError as error:
            where = f"{error.filename}: " if error.filename else ""
            click.echo(f"错误 / error: 无法读写文件 / cannot use {where}{error.strerror or error}", err=True)
            ctx.exit(EXIT_BAD_INPUT)
        except Exception as error:  # a one-line message, never a traceback, for what we did not foresee
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
            click.echo(f"内部错误 / internal error: {type(error).__name__}: {first_line}", err=True)
            ctx.exit(EXIT_CHECK_FAILED)


@click.group(cls=RepairGroup)
def cli() -> None:
    """信用修复案件管理 / credit-repair case management."""


def _register() -> None:
    """Kept for callers that registered the commands eagerly; the group now finds them on demand."""


def _quiet_closed_stdout() -> int:
    """Exit code for a closed standard output; later writes (and the final flush) go nowhere instead of failing."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return EXIT_BAD_INPUT


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point: click's usage errors become one line and exit 2."""
    try:
        code = cli.main(args=argv, prog_name="repair", standalone_mode=False)
        sys.stdout.flush()
    except click.exceptions.NoArgsIsHelpError as error:
        click.echo(error.ctx.get_help() if error.ctx else str(error))
        return EXIT_BAD_INPUT
    except click.ClickException as error:
        click.echo(f"错误 / error: {_one_line(error.format_message())}", err=True)
        return EXIT_BAD_INPUT if isinstance(error, (click.UsageError, click.FileError)) else error.exit_code
    except click.exceptions.Abort:
        click.echo("已取消 / aborted", err=True)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        return _quiet_closed_stdout()
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    return code if isinstance(code, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
