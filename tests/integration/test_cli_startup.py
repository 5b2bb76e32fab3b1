"""Light commands load only what they use (issue 13, point 5): no WeasyPrint, pyHanko, Flask or openpyxl.

Each command runs in a fresh interpreter (a subprocess) that reports which heavy modules ended up imported.
"""

import json
import subprocess
import sys

import pytest

from repair.cli import cli
from repair.cli.commands import COMMANDS

HEAVY = ("weasyprint", "pyhanko", "flask", "openpyxl")
PROBE = """
import json, sys
from repair.cli import main
try:
    code = main(sys.argv[1:])
finally:
    sys.stdout.flush()
heavy = sorted({name.split(".")[0] for name in sys.modules} & set(%r))
sys.stderr.write("\\nHEAVY=" + json.dumps(heavy) + "\\n")
sys.exit(code)
""" % (HEAVY,)


@pytest.mark.parametrize("args", [
    ["--help"],
    ["uscc", "check", "91310115MA1K4QWE8M"],
    ["calendar", "add-workdays", "2026-09-30", "3"],
    ["rules", "window", "--channel", "ndrc", "--tier", "general", "--decided-on", "2025-03-02"],
    ["workflows", "check"],
], ids=lambda args: " ".join(args[:2]))
def test_light_commands_import_no_heavy_module(cli_env, args):
    result = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=cli_env,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    heavy = json.loads(result.stderr.rsplit("HEAVY=", 1)[1])
    assert heavy == [], f"repair {' '.join(args)} imported {heavy}"


def test_the_help_table_matches_every_command():
    for name, (module, attribute, line) in COMMANDS.items():
        command = cli.get_command(None, name)
        assert command.name == name and command.get_short_help_str(limit=200) == line, (module, attribute)
