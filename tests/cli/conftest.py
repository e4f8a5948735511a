"""A small world for the CLI tests, built once through the CLI itself: a depth-4 vault with
three locks, CollateralLock(4) development keys, a proof for lock 0, and a committee."""

from __future__ import annotations

import json
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.ceremony.makers import make_ptau, tiny_r1cs, tiny_witness
from zkcollat.attest.secp256k1 import PrivateKey
from zkcollat.ceremony.phase2 import circuit_from_r1cs, contribute, new_zkey
from zkcollat.cli import main
from zkcollat.curve import Backend
from zkcollat.formats.ptau import read_ptau
from zkcollat.formats.wtns import write_wtns

DEPTH = 4
#: Accounts act for themselves: their addresses are those of these keys (margin tests).
ALICE_SECRET, BOB_SECRET = 0xA11CE, 0xB0B
ALICE = PrivateKey.from_int(ALICE_SECRET).address
BOB = PrivateKey.from_int(BOB_SECRET).address
WETH = "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2"
VAULT_ADDRESS = "0x0000000000000000000000000000000000000011"  # the example venue's vault
REGISTRY = "0x00000000000000000000000000000000000000ab"
EXEC_CHAIN = "42161"
NOW = int(time.time())
THRESHOLD = str(8 * 10**18)
MIN_EXPIRY = str(NOW + 60 * 86_400)
EXAMPLE_VENUE = Path(__file__).resolve().parents[2] / "zkcollat" / "margin" / "example_venue.json"


def run(*args: str, ok: bool = True) -> Result:
    """Run ``zkcollat ARGS``; with ``ok`` the exit status must be 0."""
    result = CliRunner().invoke(main, list(args))
    if ok:
        assert result.exit_code == 0, (result.output, result.exception)
    return result


def fails(*args: str, code: int = 2) -> str:
    """Run a command that must fail with ``code``; return its stderr (one error line)."""
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == code, (result.output, result.exception)
    assert "Traceback" not in result.output
    return result.stderr


def locks_json() -> list[dict[str, str]]:
    expiry = str(NOW + 90 * 86_400)
    return [
        {
            "owner": ALICE,
            "destChainId": EXEC_CHAIN,
            "assetId": WETH,
            "amount": str(10 * 10**18),
            "expiry": expiry,
        },
        {
            "owner": BOB,
            "destChainId": EXEC_CHAIN,
            "assetId": WETH,
            "amount": str(25 * 10**17),
            "expiry": expiry,
        },
    ]


@dataclass(frozen=True)
class World:
    dir: Path
    vault: Path
    pk: Path
    vk: Path
    proof: Path
    public: Path
    keys: tuple[Path, Path, Path]
    committee: Path

    def p(self, name: str) -> str:
        return str(self.dir / name)


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    d = tmp_path_factory.mktemp("cli")
    vault = d / "vault.sqlite"
    (d / "locks.json").write_text(json.dumps(locks_json()))
    run("vault", "init", str(vault), "--depth", str(DEPTH))
    run("vault", "add", str(vault), "--locks", str(d / "locks.json"), "--block", "100")
    run(
        "vault",
        "add",
        str(vault),
        "--owner",
        "0x" + "ca7".rjust(40, "0"),
        "--dest-chain",
        "10",
        "--asset",
        WETH,
        "--amount",
        str(5 * 10**18),
        "--expiry",
        str(NOW + 90 * 86_400),
        "--block",
        "101",
    )
    pk, vk = d / "pk.zkpk", d / "vk.json"
    run("setup", "collateral_lock", "--depth", str(DEPTH), "--pk", str(pk), "--vk", str(vk))
    proof, public = d / "proof.json", d / "public.json"
    run(
        "prove",
        "--pk",
        str(pk),
        "--vault",
        str(vault),
        "--lock",
        "0",
        "--threshold",
        THRESHOLD,
        "--min-expiry",
        MIN_EXPIRY,
        "--dest-chain",
        EXEC_CHAIN,
        "--proof",
        str(proof),
        "--public",
        str(public),
    )
    keys = tuple(d / f"k{i}.key" for i in range(3))
    for k in keys:
        run("attest", "keygen", "-o", str(k))
    committee = d / "committee.json"
    run("attest", "committee", "--threshold", "2", *map(str, keys), "-o", str(committee))
    return World(d, vault, pk, vk, proof, public, keys, committee)  # type: ignore[arg-type]


@pytest.fixture
def keyed(tmp_path: Path, native: Backend) -> Path:
    """A directory holding a tiny ``.zkey`` with one contribution (``k.zkey``), a witness of
    its circuit (``w.wtns``) and one that is no solution (``bad.wtns``: the output is not what
    the inputs give), for the tests of whole ``prove --zkey --wtns`` processes."""
    warnings.simplefilter("ignore")
    zk = new_zkey(circuit_from_r1cs(tiny_r1cs()), read_ptau(make_ptau(3, 3, 5, 7)))
    contribute(zk)
    (tmp_path / "k.zkey").write_bytes(zk.to_bytes())
    write_wtns(tiny_witness(3, 5), tmp_path / "w.wtns")
    bad = tiny_witness(3, 5)
    bad[1] += 1
    write_wtns(bad, tmp_path / "bad.wtns")
    return tmp_path
