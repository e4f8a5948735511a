"""How the command line talks: a usage error is one line (what was wrong, then the command's
usage, exit 2, no traceback); a warning is printed at most once per command, and none with
--quiet."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.cli.conftest import World, fails, run
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


SHORT = ["0x1", "0x" + "ab" * 19, "0x" + "ab" * 21, "ab" * 20, "0x" + "g" * 40, "1234"]


@pytest.mark.parametrize("bad", SHORT)
def test_addresses_are_strict_everywhere(world: World, tmp_path: Path, bad: str) -> None:
    """Issue 20: every address on the command line is 0x + 40 hex digits, as on the venue's
    side; a short or long one is refused naming the option (no 0x1 read as 0x00..01)."""
    from tests.cli.test_attest_margin_cli import _venue

    v, _bundle = _venue(world, tmp_path)
    ok = "0x" + "0a" * 20
    prove = ["prove", "--pk", str(world.pk), "--vault", str(world.vault), "--lock", "0"]
    prove += ["--threshold", "1", "--min-expiry", "1", "--dest-chain", "42161"]
    sign = ["attest", "sign", "--key", str(world.keys[0]), "--source-chain", "1"]
    sign += ["--from-vault", str(world.vault), "--block", "100", "--chain-id", "42161"]
    sign += ["-o", str(tmp_path / "a.json")]
    cases = [
        ([*prove, "--owner", bad], "'--owner'"),
        ([*sign, "--vault-address", bad], "'--vault-address'"),
        ([*sign, "--vault-address", ok, "--registry", bad], "'--registry'"),
        (
            [
                "attest",
                "verify",
                str(world.p("x.json")),
                "--committee",
                str(world.committee),
                "--chain-id",
                "1",
                "--registry",
                bad,
            ],
            "'--registry'",
        ),
        ([*v, "account", bad], "'ACCOUNT'"),
        ([*v, "deposit", bad, "100"], "'ACCOUNT'"),
        ([*v, "trades", "--account", bad], "'--account'"),
        ([*v, "asset-price", "1", bad, "--price", "3000"], "'ASSET'"),
        ([*v, "release", "--key", str(world.keys[0]), "1", bad, "3"], "'VAULT'"),
        ([*v, "reports", bad], "'[ACCOUNT]'"),
    ]
    for args, option in cases:
        err = fails(*args)
        assert err.startswith(f"error: Invalid value for {option}: '{bad}' is not an address"), (
            args,
            err,
        )
    err = fails("attest", "committee", "--threshold", "2", bad, ok, ok, "-o", str(tmp_path / "c"))
    assert "is not an address (0x followed by 40 hex digits) nor a key file" in err or (
        "does not exist" in err and not bad.startswith("0x")
    )
    # a full address in capitals is the same account
    out = run(*prove, "--owner", "0x" + "AB" * 20, ok=False)
    assert "not the expected owner 0x" + "ab" * 20 in out.stderr
