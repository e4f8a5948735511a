"""Issue 13 through the command line: exit codes, block roots, file modes, committees."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from zkcollat.cli import main
from zkcollat.db import public_mode

from .conftest import EXEC_CHAIN, VAULT_ADDRESS, World, fails, run


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def _sign(vault: Path, block: str, out: Path, key: Path, *, code: int = 0) -> str:
    args = [
        "attest",
        "sign",
        "--key",
        str(key),
        "--source-chain",
        "1",
        "--vault-address",
        VAULT_ADDRESS,
        "--from-vault",
        str(vault),
        "--block",
        block,
        "--timestamp",
        "1800000000",
        "--chain-id",
        EXEC_CHAIN,
        "-o",
        str(out),
    ]
    if code:
        return fails(*args, code=code)
    return run(*args).stdout


def test_sign_block_is_what_vault_root_reports(world: World, tmp_path: Path) -> None:
    for block in ("100", "101"):
        out = tmp_path / f"att{block}.json"
        _sign(world.vault, block, out, world.keys[0])
        signed = json.loads(out.read_text())["attestation"]
        reported = json.loads(
            run("vault", "root", str(world.vault), "--block", block, "--json").stdout
        )
        assert int(signed["root"], 16) == int(reported["root"])
        assert signed["blockNumber"] == block == str(reported["recordedBlock"])
    # a block with no row of its own: refused (never the current root labelled block N)
    err = _sign(world.vault, "150", tmp_path / "x.json", world.keys[0], code=2)
    assert "no root recorded for block 150" in err and "101" in err
    assert not (tmp_path / "x.json").exists()


def test_damaged_block_root_is_refused_everywhere(world: World, tmp_path: Path) -> None:
    vault = tmp_path / "v.sqlite"
    shutil.copy(world.vault, vault)
    conn = sqlite3.connect(vault)
    conn.execute("UPDATE block_roots SET root = '12345' WHERE block_key = ?", (100 - 2**63,))
    conn.commit()
    conn.close()
    assert "not the tree's root" in fails("vault", "root", str(vault), "--block", "100")
    assert "not the tree's root" in _sign(vault, "100", tmp_path / "a.json", world.keys[0], code=2)
    assert not (tmp_path / "a.json").exists()
    # the undamaged block still works, and vault check says the vault is damaged: exit 1
    run("vault", "root", str(vault), "--block", "101")
    res = CliRunner().invoke(main, ["vault", "check", str(vault), "--json"])
    assert res.exit_code == 1 and json.loads(res.stdout)["ok"] is False
    assert "block 100" in res.stderr and "Traceback" not in res.output


def test_vault_check_exit_codes(world: World, tmp_path: Path) -> None:
    run("vault", "check", str(world.vault))
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    assert "empty (0 bytes)" in fails("vault", "check", str(empty), code=2)  # not a vault
    assert empty.read_bytes() == b""
    for cmd in (
        ["vault", "add", str(empty), "--locks", str(world.dir / "locks.json")],
        ["vault", "root", str(empty)],
    ):
        assert "not a vault" in fails(*cmd)
        assert empty.read_bytes() == b""  # never initialised over


@pytest.mark.parametrize("mask", [0o022, 0o077])
def test_public_outputs_follow_the_umask_secrets_are_0600(
    world: World, tmp_path: Path, mask: int
) -> None:
    old = os.umask(mask)
    try:
        expected = public_mode()
        run("attest", "keygen", "-o", str(tmp_path / "k.key"))
        run("vault", "export", str(world.vault), "-o", str(tmp_path / "snap.json"))
        run("export", "solidity", str(world.vk), "-o", str(tmp_path / "V.sol"))
        run(
            "attest",
            "committee",
            "--threshold",
            "2",
            *map(str, world.keys),
            "-o",
            str(tmp_path / "c.json"),
        )
        _sign(world.vault, "100", tmp_path / "att.json", world.keys[0])
        run("vault", "init", str(tmp_path / "v.sqlite"), "--depth", "4")
    finally:
        os.umask(old)
    assert expected == 0o666 & ~mask
    assert _mode(tmp_path / "k.key") == 0o600
    for name in ("snap.json", "V.sol", "c.json", "att.json", "v.sqlite"):
        assert _mode(tmp_path / name) == expected, name


def test_keygen_never_overwrites(world: World, tmp_path: Path) -> None:
    key = tmp_path / "k.key"
    key.write_text("keep me")
    fails("attest", "keygen", "-o", str(key))
    assert key.read_text() == "keep me"


def test_development_committee_announced_once_per_command(world: World, tmp_path: Path) -> None:
    dev = tmp_path / "dev.json"
    run(
        "attest",
        "committee",
        "--threshold",
        "1",
        "--development",
        *map(str, world.keys),
        "-o",
        str(dev),
    )
    signed = tmp_path / "att.json"
    _sign(world.vault, "100", signed, world.keys[0])
    res = CliRunner().invoke(
        main,
        [
            "attest",
            "verify",
            str(signed),
            "--committee",
            str(dev),
            "--chain-id",
            EXEC_CHAIN,
            "--now",
            "1800000000",
        ],
    )
    assert res.exit_code == 0, res.output
    lines = [ln for ln in res.stderr.splitlines() if "development committee" in ln]
    assert len(lines) == 1 and lines[0].startswith("warning: ")
    assert "1 of 3 members" in lines[0]


def test_zero_address_member_refused(world: World, tmp_path: Path) -> None:
    err = fails(
        "attest",
        "committee",
        "--threshold",
        "2",
        str(world.keys[0]),
        str(world.keys[1]),
        "0x" + "00" * 20,
        "-o",
        str(tmp_path / "c.json"),
    )
    assert "zero address" in err


def test_verify_malformed_or_swapped_files_exit_2(world: World, tmp_path: Path) -> None:
    vk, pub, proof = str(world.vk), str(world.public), str(world.proof)
    for args in (
        [vk, proof, pub],
        [pub, vk, proof],
        [proof, pub, vk],
        [vk, pub, vk],
        [vk, vk, proof],
    ):
        err = fails("verify", *args, code=2)
        errors = [ln for ln in err.splitlines() if not ln.startswith("warning: ")]
        assert len(errors) == 1 and errors[0].startswith("error: "), err
        assert "file '" in errors[0]  # names the file
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 150_000)
    assert "deeper than the limit" in fails("verify", vk, str(deep), proof, code=2)
    digits = tmp_path / "digits.json"
    digits.write_text("[" + "9" * 5000 + "]")
    assert "5000 digits" in fails("verify", vk, str(digits), proof, code=2)
    binary = tmp_path / "bin.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    assert "not UTF-8" in fails("verify", vk, pub, str(binary), code=2)
