"""One parser for every time on the command line: unix seconds, relative (+30d, -30s, from the
command's --now or the clock) and ISO dates; anything else refused naming the option."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.cli.conftest import ALICE, World, fails, run
from tests.cli.test_attest_margin_cli import _venue
from zkcollat.cli.times import clock, iso, parse_time, when

T0 = 1_900_000_000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1900000000", T0),
        ("0", 0),
        (str(2**64 - 1), 2**64 - 1),
        ("+30d", T0 + 30 * 86_400),
        ("+2h", T0 + 7_200),
        ("+90m", T0 + 5_400),
        ("+45s", T0 + 45),
        ("+1w", T0 + 7 * 86_400),
        ("+1d12h", T0 + 36 * 3_600),
        ("-30s", T0 - 30),
        (" +0s ", T0),
        ("2030-03-17", T0 - 64_000),  # midnight UTC: 17:46:40 earlier
        ("2030-03-17T17:46:40Z", T0),
        ("2030-03-17T19:46:40+02:00", T0),
        ("2030-03-17T17:46:40", T0),  # no offset: UTC
        ("2030-03-17 17:46", T0 - 40),
    ],
)
def test_parse_time_accepts(text: str, expected: int) -> None:
    assert parse_time(text, "--expiry", now=T0) == expected


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("", "is not a time"),
        ("30d", "is not a time"),
        ("+", "is not a time"),
        ("+30x", "is not a time"),
        ("+30 d", "is not a time"),
        ("+1.5d", "is not a time"),
        ("1.5", "is not a time"),
        ("1e9", "is not a time"),
        ("0x10", "is not a time"),
        ("NaN", "is not a time"),
        ("tomorrow", "is not a time"),
        ("2030-13-01", "not a valid date"),
        ("2030-02-30", "not a valid date"),
        ("2030-03-17T17:46:40.5Z", "fraction of a second"),
        (str(2**64), "not in [0, 2^64)"),
        ("-99999999w", "not in [0, 2^64)"),
        ("1969-12-31", "not in [0, 2^64)"),
        ("1" * 21, "is not a time"),
    ],
)
def test_parse_time_refuses(text: str, rule: str) -> None:
    with pytest.raises(ValueError, match="--expiry") as e:
        parse_time(text, "--expiry", now=T0)
    assert rule in str(e.value)


def test_relative_to_the_clock_without_now() -> None:
    before = int(time.time())
    got = parse_time("+1h", "t")
    assert before + 3_600 <= got <= int(time.time()) + 3_600


def test_shown_with_iso_dates() -> None:
    assert iso(T0) == "2030-03-17T17:46:40Z"
    assert when(T0) == "1900000000 (2030-03-17T17:46:40Z)"
    assert iso(2**64 - 1) == "beyond year 9999"


def test_times_on_the_command_line(world: World, tmp_path: Path) -> None:
    vault = tmp_path / "v.sqlite"
    run("vault", "init", str(vault), "--depth", "4")
    lock = [
        "--owner",
        ALICE,
        "--dest-chain",
        "42161",
        "--asset",
        "0x" + "01".rjust(40, "0"),
        "--amount",
        "5",
    ]
    before = int(time.time())
    run("vault", "add", str(vault), *lock, "--expiry", "+30d")
    after = int(time.time())
    run("vault", "add", str(vault), *lock, "--expiry", "2030-03-17T17:46:40Z")
    got = [
        int(json.loads(run("vault", "path", str(vault), str(i), "--json").stdout)["lock"]["expiry"])
        for i in (0, 1)
    ]
    assert before + 30 * 86_400 <= got[0] <= after + 30 * 86_400 and got[1] == T0
    err = fails("vault", "add", str(vault), *lock, "--expiry", "next week")
    assert "--expiry" in err and "'next week' is not a time" in err

    # margin: --now takes the same forms, and the subcommand's relative times count from it
    v, _bundle = _venue(world, tmp_path)
    v = [*v[:-2], "--now", "2030-03-17T17:46:40Z"]
    out = run(*v, "list-instrument", "ETH", "+30d", "2800", "P").stdout
    assert out.strip() == (
        f"listed ETH-{T0 + 30 * 86_400}-280000000000-P (expires 2030-04-16T17:46:40Z)"
    )
    err = fails(*v, "list-instrument", "ETH", "30 days", "2800", "P")
    assert "'30 days' is not a time" in err
    assert "--now" in fails("margin", "--now", "yesterday", "account", ALICE)


def test_the_commands_clock_from_the_environment(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ZKCOLLAT_NOW stops the commands' clock (the README's walkthrough runs at one second)."""
    monkeypatch.setenv("ZKCOLLAT_NOW", "2030-03-17T17:46:40Z")
    assert clock() == T0 and parse_time("+30d", "t") == T0 + 30 * 86_400
    v, _bundle = _venue(world, tmp_path)
    v = v[:-2]  # no --now: the venue runs at the environment's time
    out = run(*v, "list-instrument", "ETH", "+30d", "2800", "P").stdout
    assert out.strip() == (
        f"listed ETH-{T0 + 30 * 86_400}-280000000000-P (expires 2030-04-16T17:46:40Z)"
    )
    assert run(*v, "instruments", "--names").stdout == f"ETH-{T0 + 30 * 86_400}-280000000000-P\n"
    monkeypatch.setenv("ZKCOLLAT_NOW", str(T0 + 1))  # --now still wins over the environment
    out = run(*v, "--now", str(T0), "list-instrument", "ETH", "+1d", "2800", "P").stdout
    assert f"ETH-{T0 + 86_400}-" in out
    monkeypatch.setenv("ZKCOLLAT_NOW", "+1d")  # relative: from the system clock
    assert abs(clock() - (int(time.time()) + 86_400)) <= 5
    monkeypatch.setenv("ZKCOLLAT_NOW", "")
    assert abs(clock() - int(time.time())) <= 5
    monkeypatch.setenv("ZKCOLLAT_NOW", "yesterday")
    err = fails(*v, "account", ALICE)
    assert "ZKCOLLAT_NOW = 'yesterday' is not a time" in err
    with pytest.raises(ValueError, match="ZKCOLLAT_NOW"):
        clock()
