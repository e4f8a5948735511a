"""Hostile files against every command that reads one (issue 13).

Every run must end with exit status 0, 1 (checked and false) or 2 (bad input), and when it is
not 0: one ``error:`` or ``INVALID:`` line on stderr (``warning:`` lines aside), no traceback,
no ``internal error`` (an exception the code did not expect), and no partial output (files
the command would write do not exist afterwards; a vault it would append to is unchanged).

Inputs: the corpus of ``tests/vectors/malformed/`` (see its ``make.py``), the valid files of
the CLI world swapped into each other's places, and hypothesis mutations of the valid files
(truncations, bit flips, numbers made huge or negative, deep nesting, wrong JSON types).
The default run tries a few mutations per file; ``pytest -m slow`` tries many more.

The venue (``zkcollat margin``) is fuzzed the same way: the files its commands take (config,
committee, verifying key, signer and account keys, proofs, signed roots) and the files of its
folder (``venue.sqlite``, ``config.json``, ``verification_key.json``, ``signer.key``), each
run on a fresh copy of a venue with a market; a failed command leaves the venue's state as it
was (same SQL dump) and ``init`` leaves no folder behind.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zkcollat.cli import main
from zkcollat.vault import Vault

from .conftest import (
    ALICE,
    ALICE_SECRET,
    BOB,
    EXAMPLE_VENUE,
    EXEC_CHAIN,
    REGISTRY,
    VAULT_ADDRESS,
    World,
)
from .conftest import NOW as VENUE_NOW

CORPUS = Path(__file__).resolve().parents[1] / "vectors" / "malformed"
NOW = "1800000000"
DAY = 86_400
PUT = f"ETH-{(VENUE_NOW // DAY + 30) * DAY}-{2800 * 10**8}-P"

#: kind of file -> commands that read it; "X" is the file under test, "OUT" a path the command
#: would write (must not exist afterwards if it fails), "VAULT" a fresh copy of the world's vault
Command = list[str]


def _commands(w: World) -> dict[str, list[Command]]:
    vk, pub, proof = str(w.vk), str(w.public), str(w.proof)
    att = str(w.dir / "fuzz_att.json")
    return _merge({
        "vk": [["verify", "X", pub, proof], ["export", "solidity", "X", "-o", "OUT"]],
        "public": [["verify", vk, "X", proof], ["export", "calldata", "X", proof]],
        "proof": [["verify", vk, pub, "X"], ["export", "calldata", pub, "X"]],
        "committee": [["attest", "verify", att, "--committee", "X", "--chain-id", EXEC_CHAIN,
                       "--now", NOW]],
        "attestation": [["attest", "verify", "X", "--committee", str(w.committee),
                         "--chain-id", EXEC_CHAIN, "--now", NOW]],
        "locks": [["vault", "add", "VAULT", "--locks", "X", "--block", "500"]],
        "snapshot": [["vault", "import", "X", "OUT"]],
        "vault": [["vault", "root", "X"], ["vault", "check", "X"], ["vault", "path", "X", "0"]],
        "zkpk": [["prove", "--pk", "X", "--vault", str(w.vault), "--lock", "0", "--threshold",
                  "1", "--min-expiry", "1", "--dest-chain", EXEC_CHAIN, "--proof", "OUT",
                  "--public", "OUT2"]],
    }, _venue_commands(w))


def _venue_commands(w: World) -> dict[str, list[Command]]:
    """``zkcollat margin``: "VENUE" is a fresh copy of the fuzz venue (its state must not change
    when a command fails); "VENUE:name" the same with its file ``name`` replaced by X;
    "NEWVENUE" a folder ``init`` would create (must not exist when it fails)."""
    vk, committee, cfg = str(w.vk), str(w.committee), str(EXAMPLE_VENUE)
    m = ["margin", "--venue", "VENUE", "--now", str(VENUE_NOW)]
    init = ["margin", "--venue", "NEWVENUE", "--now", str(VENUE_NOW), "init"]
    key = str(w.dir / "fuzz_alice.key")
    return {
        "venue_config": [[*init, "--config", "X", "--committee", committee, "--vk", vk]],
        "committee": [[*init, "--config", cfg, "--committee", "X", "--vk", vk]],
        "vk": [[*init, "--config", cfg, "--committee", committee, "--vk", "X"]],
        "key": [[*init, "--config", cfg, "--committee", committee, "--vk", vk,
                 "--signer-key", "X"],
                [*m, "withdraw", "--key", "X", "10"],
                [*m, "release", "--key", "X", "1", VAULT_ADDRESS, "0"],
                [*m, "order", "place", "--key", "X", PUT, "buy", "1", "10"]],
        "proof": [[*m, "credit", ALICE, str(w.public), "X"]],
        "public": [[*m, "credit", ALICE, "X", str(w.proof)]],
        "attestation": [[*m, "submit-root", "X"]],
        "venue": [[*("VENUE:venue.sqlite" if a == "VENUE" else a for a in m), "account", ALICE],
                  [*("VENUE:venue.sqlite" if a == "VENUE" else a for a in m), "audit"]],
        "venue_file_config": [
            [*("VENUE:config.json" if a == "VENUE" else a for a in m), "account", ALICE],
            [*("VENUE:config.json" if a == "VENUE" else a for a in m), "book", PUT]],
        "venue_file_vk": [
            [*("VENUE:verification_key.json" if a == "VENUE" else a for a in m), "credit",
             ALICE, str(w.public), str(w.proof)]],
        "venue_file_key": [
            [*("VENUE:signer.key" if a == "VENUE" else a for a in m), "release", "--key", key,
             "1", VAULT_ADDRESS, "0"]],
    }


def _merge(*tables: dict[str, list[Command]]) -> dict[str, list[Command]]:
    out: dict[str, list[Command]] = {}
    for t in tables:
        for k, v in t.items():
            out.setdefault(k, []).extend(v)
    return out


@pytest.fixture(scope="module")
def valid(world: World, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One valid file of each kind."""
    d = tmp_path_factory.mktemp("fuzz_valid")
    runner = CliRunner()
    att = world.dir / "fuzz_att.json"
    if not att.exists():
        for key in world.keys[:2]:
            res = runner.invoke(main, [
                "attest", "sign", "--key", str(key), "--source-chain", "1", "--vault-address",
                "0x0000000000000000000000000000000000000011", "--from-vault", str(world.vault),
                "--block", "100", "--timestamp", "1799999000", "--chain-id", EXEC_CHAIN,
                "-o", str(att), *(["--append"] if att.exists() else [])])
            assert res.exit_code == 0, res.output
    snap = d / "snapshot.json"
    assert runner.invoke(main, ["vault", "export", str(world.vault), "-o", str(snap)]).exit_code \
        == 0
    venue = _fuzz_venue(world)
    return {"vk": world.vk, "public": world.public, "proof": world.proof,
            "committee": world.committee, "attestation": att, "locks": world.dir / "locks.json",
            "snapshot": snap, "vault": world.vault, "zkpk": world.pk,
            "venue_config": EXAMPLE_VENUE, "key": world.dir / "fuzz_alice.key",
            "venue": venue / "venue.sqlite", "venue_file_config": venue / "config.json",
            "venue_file_vk": venue / "verification_key.json",
            "venue_file_key": venue / "signer.key"}


def _fuzz_venue(world: World) -> Path:
    """The venue every margin command runs on (copied for each run): the committee's root of
    the world's vault accepted, a market, a listed put, Bob's cash."""
    venue = world.dir / "fuzz_venue"
    (world.dir / "fuzz_alice.key").write_text(f"0x{ALICE_SECRET:064x}\n")
    if venue.exists():
        return venue
    bundle = world.dir / "fuzz_venue_att.json"
    runner = CliRunner()

    def ok(*args: str) -> None:
        res = runner.invoke(main, list(args))
        assert res.exit_code == 0, (args, res.output)

    ok("attest", "sign", "--key", str(world.keys[0]), "--key", str(world.keys[1]),
       "--source-chain", "1", "--vault-address", VAULT_ADDRESS, "--from-vault", str(world.vault),
       "--block", "101", "--timestamp", str(VENUE_NOW - 20), "--chain-id", EXEC_CHAIN,
       "--registry", REGISTRY, "-o", str(bundle))
    m = ["margin", "--venue", str(venue), "--now", str(VENUE_NOW)]
    ok(*m, "init", "--config", str(EXAMPLE_VENUE), "--committee", str(world.committee),
       "--vk", str(world.vk))
    ok(*m, "submit-root", str(bundle))
    ok(*m, "market", "ETH", "--spot", "3000", "--iv-pct", "60")
    ok(*m, "list-instrument", "ETH", str((VENUE_NOW // DAY + 30) * DAY), "2800", "P")
    ok(*m, "deposit", BOB, "100000")
    return venue


def _venue_state(venue: Path) -> list[str]:
    """The venue's state as SQL (file bytes may change on a mere read: WAL, checkpoints)."""
    conn = sqlite3.connect(f"file:{venue / 'venue.sqlite'}?mode=ro", uri=True)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def _run(world: World, cmd: Command, x: Path, work: Path) -> None:
    """Run ``cmd`` with ``x`` as its file and check the rules of the module docstring."""
    outs = [work / "out.bin", work / "out2.bin"]
    for o in outs:
        o.unlink(missing_ok=True)
    vault = work / "vault.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{vault}{suffix}").unlink(missing_ok=True)
    if "VAULT" in cmd:
        shutil.copy(world.vault, vault)
    before = vault.read_bytes() if vault.exists() else None
    venue, new_venue = work / "venue", work / "new_venue"
    shutil.rmtree(venue, ignore_errors=True)
    shutil.rmtree(new_venue, ignore_errors=True)
    venue_before = None
    for a in cmd:
        if a == "VENUE" or a.startswith("VENUE:"):
            shutil.copytree(world.dir / "fuzz_venue", venue)
            if a.startswith("VENUE:"):
                replaced = venue / a.split(":", 1)[1]
                if replaced.name == "venue.sqlite":
                    for suffix in ("-wal", "-shm"):
                        Path(f"{replaced}{suffix}").unlink(missing_ok=True)
                shutil.copy(x, replaced)
            else:
                venue_before = _venue_state(venue)
    args = [str(x) if a == "X" else str(outs[0]) if a == "OUT" else str(outs[1]) if a == "OUT2"
            else str(vault) if a == "VAULT" else str(new_venue) if a == "NEWVENUE"
            else str(venue) if a == "VENUE" or a.startswith("VENUE:") else a for a in cmd]
    res = CliRunner().invoke(main, args)
    where = f"zkcollat {' '.join(cmd)} with X = {x.name}"
    assert res.exit_code in (0, 1, 2), (where, res.output, res.exception)
    assert "Traceback" not in res.output, (where, res.output)
    assert "internal error" not in res.stderr, (where, res.stderr)
    if res.exit_code == 0:
        return
    lines = [ln for ln in res.stderr.splitlines() if ln and not ln.startswith("warning: ")]
    assert len(lines) == 1 and lines[0].startswith(("error: ", "INVALID: ")), (where,
                                                                                res.stderr)
    for o in outs:
        assert not o.exists(), (where, "partial output", o)
    assert not new_venue.exists(), (where, "partial output: a venue folder")
    if venue_before is not None:
        assert _venue_state(venue) == venue_before, (where, "the venue changed")
    if before is not None:
        with Vault.open(vault) as v:  # nothing appended
            assert v.size == 3, where
            v.check_integrity()


def _corpus() -> list[Path]:
    return sorted(p for p in CORPUS.iterdir() if p.suffix in (".json", ".sqlite"))


@pytest.mark.parametrize("bad", _corpus(), ids=lambda p: p.name)
def test_corpus_against_every_command(world: World, valid: dict[str, Path], tmp_path: Path,
                                      bad: Path) -> None:
    cmds = _commands(world)
    sqlite_kinds = ("vault", "venue")
    kinds = (list(sqlite_kinds) if bad.suffix == ".sqlite"
             else [k for k in cmds if k not in sqlite_kinds])
    for kind in kinds:
        for cmd in cmds[kind]:
            _run(world, cmd, bad, tmp_path)


@pytest.mark.parametrize("bad", [p for p in _corpus() if p.suffix == ".json"],
                         ids=lambda p: p.name)
def test_corpus_on_the_reference_backend(world: World, tmp_path: Path, bad: Path) -> None:
    """The reference (py_ecc) backend once crashed the interpreter on deeply nested points."""
    for cmd in _commands(world)["vk"][:1] + _commands(world)["proof"]:
        _run(world, ["--backend", "reference", *cmd], bad, tmp_path)


def test_swapped_files(world: World, valid: dict[str, Path], tmp_path: Path) -> None:
    cmds = _commands(world)
    for kind, commands in cmds.items():
        for other_kind, other in valid.items():
            if other_kind == kind:
                continue
            for cmd in commands:
                _run(world, cmd, other, tmp_path)


# --- mutations ---------------------------------------------------------------------------------


def _mutations(data: bytes) -> st.SearchStrategy[bytes]:
    n = len(data)
    digits = [i for i, c in enumerate(data[:200_000]) if 48 <= c <= 57] or [0]
    return st.one_of(
        st.integers(0, max(n - 1, 0)).map(lambda k: data[:k]),
        st.tuples(st.integers(0, max(n - 1, 0)), st.integers(0, 7)).map(
            lambda t: data[: t[0]] + bytes([data[t[0]] ^ (1 << t[1])]) + data[t[0] + 1 :]
            if n else data),
        st.tuples(st.sampled_from(digits),
                  st.sampled_from([b"9" * 5000, b"-1", b"1e999", b"18446744073709551616",
                                   b"21888242871839275222246405745257275088548364400416034343698"
                                   b"204186575808495617", b"0x10", b"\"\"", b"[]"])).map(
            lambda t: data[: t[0]] + t[1] + data[t[0] + 1 :]),
        st.integers(65, 3000).map(lambda d: b"[" * d + data + b"]" * d),
        st.sampled_from([b"{}", b"[]", b"null", b'"x"', b"1", b"[[[]]]",
                         b'{"locks": {}}', b'{"attestation": {}, "signatures": [1]}']),
    )


def _fuzz(kind: str, examples: int) -> Callable[..., None]:
    @settings(max_examples=examples, deadline=None, derandomize=examples <= 20,
              suppress_health_check=[HealthCheck.function_scoped_fixture,
                                     HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(data=st.data())
    def run(world: World, valid: dict[str, Path], tmp_path: Path, data: st.DataObject) -> None:
        original = valid[kind].read_bytes()
        mutated = data.draw(_mutations(original))
        x = tmp_path / f"mutated-{kind}{valid[kind].suffix}"
        x.write_bytes(mutated)
        for suffix in ("-wal", "-shm"):
            Path(f"{x}{suffix}").unlink(missing_ok=True)
        for cmd in _commands(world)[kind]:
            _run(world, cmd, x, tmp_path)

    return run


KINDS = ["vk", "public", "proof", "committee", "attestation", "locks", "snapshot", "vault",
         "zkpk", "venue_config", "key", "venue", "venue_file_config", "venue_file_vk",
         "venue_file_key"]


@pytest.mark.parametrize("kind", KINDS)
def test_mutations(world: World, valid: dict[str, Path], tmp_path: Path, kind: str) -> None:
    _fuzz(kind, 6)(world, valid, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_mutations_many(world: World, valid: dict[str, Path], tmp_path: Path,
                        kind: str) -> None:
    _fuzz(kind, 150)(world, valid, tmp_path)


def test_corpus_is_complete() -> None:
    names = {p.name for p in _corpus()}
    assert {"deep_array.json", "digits_5000.json", "binary.json", "zero_bytes.sqlite",
            "foreign.sqlite", "wrong_types.json"} <= names
    assert json.loads((CORPUS / "empty_array.json").read_text()) == []
