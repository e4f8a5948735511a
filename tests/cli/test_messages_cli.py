"""How the command line talks: a usage error is one line (what was wrong, then the command's
usage, exit 2, no traceback); a warning is printed at most once per command, and none with
--quiet."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.cli.conftest import World, run
from zkcollat.cli import main


@pytest.mark.parametrize(
    ("args", "what", "usage"),
    [
        (["--bogus"], "No such option '--bogus'", "main [OPTIONS] COMMAND [ARGS]..."),
        (["nosuch"], "No such command 'nosuch'", "main [OPTIONS] COMMAND [ARGS]..."),
        (["vault", "add"], "Missing argument 'PATH'", "main vault add [OPTIONS] PATH"),
        (
            ["margin", "account", "0x1", "--mode", "cross"],
            "'cross' is not one of 'standard', 'portfolio'",
            "main margin account [OPTIONS] ACCOUNT",
        ),
        (["margin", "--now", "soon", "account", "0x1"], "'soon' is not a time", "main margin"),
        (
            ["vault", "init", "v.sqlite", "--depth", "x"],
            "'x' is not a valid integer",
            "main vault init",
        ),
    ],
)
def test_usage_errors_are_one_line(args: list[str], what: str, usage: str) -> None:
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 2, r.output
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("error: ") and what in lines[0]
    assert f"(usage: {usage}" in lines[0] and lines[0].endswith("; --help for more)")


def test_warning_once_and_quiet(world: World, tmp_path: Path) -> None:
    # verify loads a development key: the warning appears once, and not at all with --quiet
    args = ["verify", str(world.vk), str(world.public), str(world.proof)]
    r = run(*args)
    warnings = [x for x in r.stderr.splitlines() if x.startswith("warning:")]
    assert len(warnings) == 1 and "development key" in warnings[0]
    q = run("--quiet", *args)
    assert q.stderr == "" and q.stdout.startswith("OK: the proof is valid")
    assert run("-q", *args).stderr == ""
