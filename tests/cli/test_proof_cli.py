"""``zkcollat circuit | setup | prove | verify | export``: results checked against the library,
and every refusal with its exit status (2 bad input, 1 invalid proof) and message."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.cli.conftest import DEPTH, EXEC_CHAIN, MIN_EXPIRY, THRESHOLD, World, fails, run
from zkcollat.cli import main
from zkcollat.field import R
from zkcollat.formats.r1cs_bin import read_r1cs
from zkcollat.formats.snarkjs import proof_from_json, public_from_json, read_json, vk_from_json
from zkcollat.formats.wtns import read_wtns
from zkcollat.groth16.verify import verify
from zkcollat.relayer.prover import lock_inputs
from zkcollat.solidity import calldata_json, soliditycalldata, verify_proof_calldata
from zkcollat.statements import BalanceThreshold, CollateralLock
from zkcollat.vault import Vault


def test_circuit_info() -> None:
    out = json.loads(run("circuit", "info", "collateral_lock", "--depth", "5", "--json").stdout)
    cs = CollateralLock(5).compile()
    assert out["constraints"] == cs.n_constraints and out["public_inputs"] == 7
    assert out["public"] == [
        "root",
        "destChainId",
        "owner",
        "assetId",
        "lockId",
        "threshold",
        "minExpiry",
    ]
    assert out["private_inputs"] == 2 + 2 * 5
    text = run("circuit", "info", "balance_threshold", "--bits", "64").stdout
    assert f"constraints  {BalanceThreshold(64).compile().n_constraints}" in text
    assert "private      2: amount, blinding" in text
    assert "pathElements[3]" in run("circuit", "info", "merkle_inclusion", "--depth", "3").stdout
    assert "is not one of" in fails("circuit", "info", "no_such_circuit")
    fails("circuit", "info", "collateral_lock", "--depth", "0")


def test_circuit_export_and_witness(world: World, tmp_path: Path) -> None:
    r1cs = tmp_path / "c.r1cs"
    run("circuit", "export", "collateral_lock", "--depth", str(DEPTH), "-o", str(r1cs))
    cs = CollateralLock(DEPTH).compile()
    f = read_r1cs(r1cs)
    assert f.n_constraints == cs.n_constraints
    assert "already exists" in fails("circuit", "export", "collateral_lock", "-o", str(r1cs))
    assert "does not exist" in fails(
        "circuit", "export", "collateral_lock", "-o", str(tmp_path / "no" / "c.r1cs")
    )
    with Vault.open(world.vault) as v:
        inputs = lock_inputs(v, 0, int(THRESHOLD), int(MIN_EXPIRY))
    inp = tmp_path / "input.json"
    inp.write_text(
        json.dumps(
            {k: [str(x) for x in v] if isinstance(v, list) else str(v) for k, v in inputs.items()}
        )
    )
    wtns = tmp_path / "w.wtns"
    run("circuit", "witness", "collateral_lock", "--depth", str(DEPTH), str(inp), "-o", str(wtns))
    assert read_wtns(wtns) == cs.solve(inputs)
    bad = dict(inputs, threshold=str(11 * 10**18))  # above the lock's 10 WETH
    inp.write_text(json.dumps({k: v if not isinstance(v, int) else str(v) for k, v in bad.items()}))
    assert "amount" in fails(
        "circuit",
        "witness",
        "collateral_lock",
        "--depth",
        str(DEPTH),
        str(inp),
        "-o",
        str(tmp_path / "w2.wtns"),
    )
    inp.write_text("{")
    assert "is not valid JSON" in fails(
        "circuit",
        "witness",
        "collateral_lock",
        "--depth",
        str(DEPTH),
        str(inp),
        "-o",
        str(tmp_path / "w3"),
    )


def test_setup_writes_development_keys(world: World) -> None:
    vk_json = json.loads(world.vk.read_text())
    assert vk_json["nPublic"] == 7 and vk_json["zkcollat_ceremony"] is False
    assert vk_json["zkcollat_circuit"] == "collateral_lock"
    res = CliRunner().invoke(
        main,
        [
            "setup",
            "collateral_lock",
            "--depth",
            str(DEPTH),
            "--pk",
            str(world.pk),
            "--vk",
            str(world.vk),
        ],
    )
    assert res.exit_code == 2 and "already exists" in res.stderr


def test_setup_warns(tmp_path: Path) -> None:
    res = run(
        "setup",
        "balance_threshold",
        "--bits",
        "8",
        "--pk",
        str(tmp_path / "b.zkpk"),
        "--vk",
        str(tmp_path / "b.json"),
        "--json",
    )
    assert "no multi-party ceremony" in res.stderr
    assert json.loads(res.stdout)["ceremony"] is False


def test_portfolio_info_and_setup(tmp_path: Path) -> None:
    out = json.loads(run("circuit", "info", "portfolio", "--depth", "2", "--slots", "3",
                         "--assets", "2", "--json").stdout)
    assert out["params"] == {"depth": 2, "slots": 3, "assets": 2}
    assert out["public"] == ["root", *(f"packed[{w}]" for w in range(5))]
    fails("circuit", "info", "portfolio", "--slots", "0")
    fails("circuit", "info", "portfolio", "--assets", "17")
    res = run("setup", "portfolio", "--depth", "2", "--slots", "2", "--assets", "1", "--pk",
              str(tmp_path / "p.zkpk"), "--vk", str(tmp_path / "p.json"), "--json")
    assert json.loads(res.stdout)["params"] == {"depth": 2, "slots": 2, "assets": 1}
    vk = vk_from_json(read_json(tmp_path / "p.json", "verification key"))
    assert vk.n_public == 1 + 4  # root and the packed words of k = 2, m = 1
    # the key names its circuit: export solidity gives the portfolio verifier for k = 2, m = 1
    run("export", "solidity", str(tmp_path / "p.json"), "-o", str(tmp_path / "P.sol"))
    src = (tmp_path / "P.sol").read_text()
    assert "contract PortfolioVerifier is" in src and "uint64[2] calldata lockIds" in src
    # k = 3, m = 1 has as many public inputs as k = 2, m = 1: the recorded parameters decide
    assert "made for slots = 2" in fails("export", "solidity", str(tmp_path / "p.json"),
                                         "--statement", "portfolio", "--slots", "3")


def test_prove_and_verify(world: World) -> None:
    vk = vk_from_json(read_json(world.vk, "vk"))
    public = public_from_json(read_json(world.public, "public"))
    proof = proof_from_json(read_json(world.proof, "proof"))
    assert verify(vk, public, proof)
    with Vault.open(world.vault) as v:
        assert public == [
            v.root,
            int(EXEC_CHAIN),
            v.get_lock(0).owner,
            v.get_lock(0).asset_id,
            0,
            int(THRESHOLD),
            int(MIN_EXPIRY),
        ]
    res = run("verify", str(world.vk), str(world.public), str(world.proof))
    assert res.stdout.startswith("OK: the proof is valid")
    assert "development key" in res.stderr
    assert (
        json.loads(
            run("verify", str(world.vk), str(world.public), str(world.proof), "--json").stdout
        )["valid"]
        is True
    )


def test_verify_rejects_with_exit_1(world: World, tmp_path: Path) -> None:
    # a higher threshold than the one proven
    pub = json.loads(world.public.read_text())
    pub[5] = str(int(pub[5]) + 1)
    (tmp_path / "pub.json").write_text(json.dumps(pub))
    err = fails("verify", str(world.vk), str(tmp_path / "pub.json"), str(world.proof), code=1)
    assert "INVALID: pairing check failed" in err
    # a public input >= r is rejected, never reduced: a malformed file, exit 2 (issue 13)
    pub = json.loads(world.public.read_text())
    pub[5] = str(int(pub[5]) + R)
    (tmp_path / "pub.json").write_text(json.dumps(pub))
    assert "is not below the field modulus r" in fails(
        "verify", str(world.vk), str(tmp_path / "pub.json"), str(world.proof), code=2
    )
    # a wrong number of public inputs: the files do not belong together, exit 2
    (tmp_path / "pub.json").write_text(json.dumps(json.loads(world.public.read_text())[:6]))
    assert "has 6 values; the verification key" in fails(
        "verify", str(world.vk), str(tmp_path / "pub.json"), str(world.proof), code=2
    )
    # the wrong key for the proof: another setup of the same circuit
    other_pk, other_vk = tmp_path / "o.zkpk", tmp_path / "o.json"
    run(
        "setup",
        "collateral_lock",
        "--depth",
        str(DEPTH),
        "--pk",
        str(other_pk),
        "--vk",
        str(other_vk),
    )
    res = CliRunner().invoke(
        main, ["verify", str(other_vk), str(world.public), str(world.proof), "--json"]
    )
    assert res.exit_code == 1 and json.loads(res.stdout)["valid"] is False
    assert "INVALID: pairing check failed" in res.stderr
    # a point off the curve: a malformed proof file, exit 2
    proof = json.loads(world.proof.read_text())
    proof["pi_a"][1] = str(int(proof["pi_a"][1]) + 1)
    (tmp_path / "proof.json").write_text(json.dumps(proof))
    assert "pi_a" in fails(
        "verify", str(world.vk), str(world.public), str(tmp_path / "proof.json"), code=2
    )


def test_verify_bad_files_exit_2(world: World, tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{oops")
    assert "proof file" in fails(
        "verify", str(world.vk), str(world.public), str(tmp_path / "missing.json")
    )
    assert "is not valid JSON" in fails(
        "verify", str(world.vk), str(world.public), str(tmp_path / "bad.json")
    )
    assert "verification key file" in fails(
        "verify", str(tmp_path / "bad.json"), str(world.public), str(world.proof)
    )
    (tmp_path / "vk.json").write_text(json.dumps({"protocol": "plonk"}))
    assert "plonk" in fails(
        "verify", str(tmp_path / "vk.json"), str(world.public), str(world.proof)
    )
    fails("verify", str(world.vk))  # click usage error: missing arguments


def test_prove_refusals(world: World, tmp_path: Path) -> None:
    base = [
        "prove",
        "--pk",
        str(world.pk),
        "--vault",
        str(world.vault),
        "--threshold",
        THRESHOLD,
        "--min-expiry",
        MIN_EXPIRY,
        "--dest-chain",
        EXEC_CHAIN,
        "--proof",
        str(tmp_path / "p.json"),
        "--public",
        str(tmp_path / "q.json"),
    ]
    assert "lock 9 is not in the vault" in fails(*base, "--lock", "9")
    err = fails(*base[:5], "--threshold", str(3 * 10**18), *base[7:], "--lock", "1")
    assert "above lock 1's amount" in err
    assert "destination chain 10" in fails(*base, "--lock", "2")
    assert "owner" in fails(*base, "--lock", "0", "--owner", "0x" + "1" * 40)
    assert "needs --lock" in fails(*base)
    assert "either --vault" in fails("prove", "--pk", str(world.pk))
    assert "proving key file" in fails(
        "prove", "--pk", str(tmp_path / "no.zkpk"), "--vault", str(world.vault), "--lock", "0"
    )
    (tmp_path / "junk.zkpk").write_bytes(b"not a key")
    assert "bad magic" in fails(
        *base[:1], "--pk", str(tmp_path / "junk.zkpk"), *base[3:], "--lock", "0"
    )
    # a key for another circuit (depth 3, not the vault's depth 4)
    pk3 = tmp_path / "pk3.zkpk"
    run(
        "setup",
        "collateral_lock",
        "--depth",
        "3",
        "--pk",
        str(pk3),
        "--vk",
        str(tmp_path / "vk3.json"),
    )
    assert "another circuit" in fails(*base[:1], "--pk", str(pk3), *base[3:], "--lock", "0")
    assert not (tmp_path / "p.json").exists()


def test_prove_several_locks_and_from_input(world: World, tmp_path: Path) -> None:
    out = json.loads(
        run(
            "prove",
            "--pk",
            str(world.pk),
            "--vault",
            str(world.vault),
            "--lock",
            "0",
            "--lock",
            "1",
            "--threshold",
            "10",
            "--min-expiry",
            "1",
            "--dest-chain",
            EXEC_CHAIN,
            "--proof",
            str(tmp_path / "p.json"),
            "--public",
            str(tmp_path / "q.json"),
            "--json",
        ).stdout
    )
    assert [r["lockId"] for r in out["proofs"]] == [0, 1]
    for lid in (0, 1):
        assert (
            run(
                "verify",
                str(world.vk),
                str(tmp_path / f"q_{lid}.json"),
                str(tmp_path / f"p_{lid}.json"),
            ).exit_code
            == 0
        )
    with Vault.open(world.vault) as v:
        inputs = lock_inputs(v, 1, 10, 1)
    inp = tmp_path / "input.json"
    inp.write_text(
        json.dumps(
            {k: [str(x) for x in v] if isinstance(v, list) else str(v) for k, v in inputs.items()}
        )
    )
    run(
        "prove",
        "--pk",
        str(world.pk),
        "--input",
        str(inp),
        "--proof",
        str(tmp_path / "i.json"),
        "--public",
        str(tmp_path / "ip.json"),
    )
    assert (
        run("verify", str(world.vk), str(tmp_path / "ip.json"), str(tmp_path / "i.json")).exit_code
        == 0
    )
    inp.write_text(json.dumps({"root": "1"}))
    assert "missing" in fails("prove", "--pk", str(world.pk), "--input", str(inp))
    assert "does not exist" in fails(
        "prove", "--pk", str(world.pk), "--input", str(tmp_path / "nope.json")
    )


def test_prove_against_a_past_root(world: World, tmp_path: Path) -> None:
    run(
        "prove",
        "--pk",
        str(world.pk),
        "--vault",
        str(world.vault),
        "--lock",
        "1",
        "--size",
        "2",
        "--threshold",
        "1",
        "--min-expiry",
        "1",
        "--dest-chain",
        EXEC_CHAIN,
        "--proof",
        str(tmp_path / "p.json"),
        "--public",
        str(tmp_path / "q.json"),
    )
    with Vault.open(world.vault) as v:
        assert json.loads((tmp_path / "q.json").read_text())[0] == str(v.root_at(2)) != str(v.root)
    assert (
        run("verify", str(world.vk), str(tmp_path / "q.json"), str(tmp_path / "p.json")).exit_code
        == 0
    )
    assert "held 2 locks" in fails(
        "prove",
        "--pk",
        str(world.pk),
        "--vault",
        str(world.vault),
        "--lock",
        "2",
        "--size",
        "2",
        "--threshold",
        "1",
        "--min-expiry",
        "1",
        "--dest-chain",
        EXEC_CHAIN,
    )


def test_export_solidity_and_calldata(world: World, tmp_path: Path) -> None:
    sol = tmp_path / "V.sol"
    run("export", "solidity", str(world.vk), "-o", str(sol))
    text = sol.read_text()
    assert "contract CollateralLockVerifier " in text and "GENERATED by zkcollat" in text
    generic = run("export", "solidity", str(world.vk), "--generic").stdout
    assert "contract Groth16Verifier" in generic and "verifyCollateralLock" not in generic
    proof = proof_from_json(read_json(world.proof, "proof"))
    public = public_from_json(read_json(world.public, "public"))
    res = run("export", "calldata", str(world.public), str(world.proof))
    assert res.stdout.strip() == soliditycalldata(proof, public)
    res = run("export", "calldata", str(world.public), str(world.proof), "--format", "json")
    assert json.loads(res.stdout) == calldata_json(proof, public)
    res = run("export", "calldata", str(world.public), str(world.proof), "--format", "hex")
    assert res.stdout.strip() == "0x" + verify_proof_calldata(proof, public).hex()
    assert "does not exist" in fails(
        "export", "calldata", str(world.public), str(tmp_path / "none.json")
    )
    (tmp_path / "bad.json").write_text(json.dumps({"pi_a": ["1", "2"]}))
    assert "proof" in fails("export", "calldata", str(world.public), str(tmp_path / "bad.json"))
    assert "does not exist" in fails("export", "solidity", str(tmp_path / "none.json"))


def test_debug_shows_the_traceback(world: World, tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["--debug", "vault", "root", str(tmp_path / "none.sqlite")])
    # the traceback is printed and the exit code is the one without --debug (issue 13)
    assert res.exit_code == 2
    assert "Traceback (most recent call last)" in res.stderr
    assert "error: vault file" in res.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["vault", "--help"],
        ["circuit", "--help"],
        ["setup", "--help"],
        ["prove", "--help"],
        ["verify", "--help"],
        ["export", "--help"],
        ["attest", "--help"],
        ["margin", "--help"],
        ["demo", "--help"],
    ],
)
def test_help_has_examples(args: list[str]) -> None:
    out = run(*args).stdout
    assert "Example" in out or "zkcollat demo" in out


def test_top_level_script_runs(tmp_path: Path) -> None:
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    res = subprocess.run(
        [
            sys.executable,
            str(root / "cli.py"),
            "circuit",
            "info",
            "merkle_inclusion",
            "--depth",
            "2",
            "--json",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["public"] == ["root", "leaf"]
    assert shutil.which("zkcollat") is not None


def test_a_mode_missing_options_names_every_one() -> None:
    from zkcollat.cli._common import CliInputError
    from zkcollat.cli.proof_cmd import _require_options

    _require_options("a portfolio proof", ("--lock", ("1",)), ("--min-expiry", 0))  # all given
    with pytest.raises(CliInputError) as e:
        _require_options(
            "a portfolio proof",
            ("--lock", ()),
            ("--asset-threshold", ("0x" + "11" * 20 + "=1",)),
            ("--min-expiry", None),
        )
    assert str(e.value) == "a portfolio proof needs --lock, --min-expiry"


def test_prove_pk_checks_b2_once_and_refuses_a_point_outside_g2(
    world: World, tmp_path: Path
) -> None:
    """``prove --pk`` with a key whose B2 check the cache does not record (made elsewhere, or
    the cache emptied since ``setup``) checks B2 in G2 first and records it; a key with a B2
    point outside G2 is refused by name (exit 2) and nothing is written, where it used to give
    a proof that no verifier accepts."""
    import dataclasses
    import warnings

    from tests.curve.test_backend import _twist_point_outside_subgroup
    from zkcollat.formats import b2record, pkey

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pk = pkey.load(world.pk)
    entry = Path(b2record.entry(pk.b_g2_query, "std"))
    entry.unlink(missing_ok=True)
    args = ["--vault", str(world.vault), "--lock", "0", "--threshold", THRESHOLD,
            "--min-expiry", MIN_EXPIRY, "--dest-chain", EXEC_CHAIN]
    proof, public = tmp_path / "p.json", tmp_path / "s.json"
    run("prove", "--pk", str(world.pk), *args, "--proof", str(proof), "--public", str(public))
    assert entry.exists()
    assert verify(vk_from_json(read_json(world.vk, "vk")),
                  public_from_json(read_json(public, "public")),
                  proof_from_json(read_json(proof, "proof")))
    j = next(i for i in range(pk.n_wires) if pk.b_g2_query[128 * i : 128 * i + 128] != bytes(128))
    bad_b2 = (pk.b_g2_query[: 128 * j] + _twist_point_outside_subgroup().to_native_bytes()
              + pk.b_g2_query[128 * (j + 1) :])
    bad = tmp_path / "bad.zkpk"
    pkey.save(dataclasses.replace(pk, b_g2_query=bad_b2), bad)
    out = tmp_path / "bad_proof.json"
    message = fails("prove", "--pk", str(bad), *args, "--proof", str(out), "--public",
                    str(tmp_path / "bad_public.json"))
    want = f"the key's B2 query (b_g2_query): point[{j}] is not in the r-order subgroup G2"
    assert want in message
    assert not out.exists() and not Path(b2record.entry(bad_b2, "std")).exists()
