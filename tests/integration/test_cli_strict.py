"""A strict, one-line command line (issue 13, point 4): every finding of the outside test as a regression test.

Exit codes: 0 success, 1 a check found problems, 2 bad input, 3 refused, 4 conflict, 5 `sync reconcile` could not
compare; every error one line on stderr.
"""

import subprocess

import pytest

from tests.conftest import at


@pytest.fixture
def repair(cli_env):
    def run(*args, stdin: str | bytes | None = None):
        return subprocess.run([".venv/bin/repair", *map(str, args)], capture_output=True, env=cli_env,
                              input=stdin.encode() if isinstance(stdin, str) else stdin, timeout=120)

    return run


def _bad(result, *words):
    err = result.stderr.decode("utf-8")
    assert result.returncode == 2, (result.returncode, err)
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    for word in words:
        assert word in err, err
    return err


@pytest.mark.parametrize("value", ["20250101", "2025-W01-3", "2025-02-30", "1899-12-31", "9999-12-31"])
def test_dates_are_yyyy_mm_dd_between_1900_and_2200(world, repair, value):
    _bad(repair("calendar", "add-workdays", value, "3"), value)
    _bad(repair("rules", "window", "--channel", "ndrc", "--tier", "general", "--decided-on", value), value)
    _bad(repair("calendar", "add-workdays", "--batch", "-", stdin=f"{value} 3\n"), value)


@pytest.mark.parametrize("args, allowed", [
    (("case", "list", "--state", "bogus"), "concluded"),
    (("case", "list", "--workflow", "bogus"), "penalty_repair"),
    (("case", "list", "--department", "NOPE"), "FGW"),
    (("records", "list", "--kind", "bogus"), "administrative_penalty"),
    (("records", "list", "--authority", "NOPE"), "SCJG"),
    (("sync", "outbox", "--portal", "nope"), "creditchina"),
    (("sync", "run", "--once", "--portal", "nope"), "gsxt"),
    (("sync", "reconcile", "--portal", "nope"), "shanghai"),
    (("sync", "outbox", "--status", "nope"), "pending"),
    (("users", "add", "x", "--role", "boss"), "auditor"),
    (("audit", "report", "--from", "2026-01-01", "--to", "2026-12-31", "--format", "csv", "--out", "r.csv",
      "--department", "NOPE"), "FGW"),
])
def test_unknown_enumerated_values_are_refused_with_the_allowed_ones(world, repair, args, allowed):
    _bad(repair(*args), allowed)


def test_uscc_filters_are_checked(world, repair):
    _bad(repair("records", "list", "--uscc", "91310115MA1K4QWE8N"), "91310115MA1K4QWE8N")
    assert repair("records", "list", "--uscc", "91310115MA1K4QWE8M").returncode == 0


def test_users_add_refuses_options_that_do_not_apply_and_bad_usernames(world, repair):
    _bad(repair("users", "add", "bad name", "--role", "admin"), "bad name")
    _bad(repair("users", "add", "a/b", "--role", "auditor"), "a/b")
    _bad(repair("users", "add", "aud2", "--role", "auditor", "--department", "FGW"), "--department")
    _bad(repair("users", "add", "off2", "--role", "officer", "--department", "FGW", "--uscc", "91310115MA1K4QWE8M"),
         "--uscc")
    _bad(repair("users", "add", "ent2", "--role", "enterprise", "--uscc", "91310115MA1K4QWE8M", "--department",
                "FGW"), "--department")
    assert repair("users", "add", "new.officer-2", "--role", "officer", "--department", "FGW").returncode == 0


def test_click_usage_errors_are_one_line(world, repair):
    _bad(repair("case", "list", "--bogus"), "--bogus")
    _bad(repair("nosuchcommand"), "nosuchcommand")
    _bad(repair("case", "list", "--limit", "0"), "--limit")


@pytest.mark.parametrize("content", [b"date,kind,name\n2027-02-08,holiday,\xb4\xba\xbd\xda\n", b"\x00\xff\xfe\x81" * 40])
def test_undecodable_files_exit_2_naming_the_path(world, repair, tmp_path, content):
    path = tmp_path / "data.csv"
    path.write_bytes(content)
    _bad(repair("calendar", "load", path, "--actor", "admin"), str(path), "UTF-8")
    _bad(repair("sync", "import-recognitions", path), str(path), "UTF-8")
    _bad(repair("calendar", "load", tmp_path / "missing.csv", "--actor", "admin"), "missing.csv")


def test_an_out_path_in_a_missing_folder_exits_2_before_any_work(world, repair, tmp_path):
    missing = tmp_path / "no" / "such" / "report.csv"
    _bad(repair("audit", "report", "--from", "2026-01-01", "--to", "2026-12-31", "--format", "csv", "--out", missing),
         str(missing.parent))
    _bad(repair("letters", "get", "1", "--out", missing), str(missing.parent))


def test_a_closed_stdout_ends_quietly(world, cli_env, tmp_path):
    lines = "".join(f"2026-01-05 {i % 40}\n" for i in range(50_000))
    source = tmp_path / "batch.txt"
    source.write_text(lines, encoding="utf-8")
    pipeline = subprocess.run(f".venv/bin/repair calendar add-workdays --batch {source} | head -1; "
                              "echo \"status=${PIPESTATUS[0]}\"", shell=True, executable="/bin/bash",
                              capture_output=True, text=True, env=cli_env, timeout=120)
    assert pipeline.stdout.splitlines() == ["2026-01-05", "status=2"]  # n = 0: the day itself
    assert pipeline.stderr == ""


def test_reconcile_never_says_0_when_a_portal_could_not_be_compared(world, make_case, repair, cli_env):
    # The file-drop portals leave no status feedback in a fresh instance: nothing can be compared.
    result = repair("sync", "reconcile")
    assert result.returncode == 5, result.stderr
    assert "未比对 / not compared" in result.stderr.decode("utf-8")
