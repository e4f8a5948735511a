"""Gas of ``verifyProof``: zkcollat's generated verifier against snarkjs's, same key, same EVM.

    python benchmarks/bench_gas.py [--inputs N ...] [--runs 200]

The CollateralLock(20) key and proof of tests/solidity/vectors/collateral_lock_20.json (7
public inputs; tests/solidity/make_real_vectors.py made them), then for each ``--inputs N``
a synthetic key and proof (tests/solidity/synthetic.py; the gas of a Groth16 verifier depends
on the number of public inputs, not on the circuit), each feed two contracts:
ours (zkcollat.solidity.generate_verifier) and snarkjs 0.7.6's, rendered from snarkjs's own
template ``node_modules/snarkjs/templates/verifier_groth16.sol.ejs`` with the same
verification_key.json through the ejs that snarkjs bundles, exactly as
``snarkjs zkey export solidityverifier`` renders it. Both are compiled by the same solc 0.8.30
run (optimizer on, ``--runs`` runs, 200 by default), deployed in one revm and called with the
same calldata.
snarkjs's contract is built in a temporary folder and never written to the repository.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.jstools import node_modules  # noqa: E402
from tests.solidity.synthetic import Case, synthetic_case  # noqa: E402
from zkcollat.field import P, R  # noqa: E402
from zkcollat.formats.snarkjs import (  # noqa: E402
    proof_from_json,
    public_from_json,
    vk_from_json,
    vk_to_json,
)
from zkcollat.solidity.calldata import (  # noqa: E402
    encode_words,
    selector,
    verify_proof_calldata,
    verify_proof_signature,
)
from zkcollat.solidity.evm import LocalEvm  # noqa: E402
from zkcollat.solidity.solc import DEFAULT_SETTINGS, compile_sources  # noqa: E402
from zkcollat.solidity.verifier import generate_verifier  # noqa: E402

_RENDER_SNARKJS = """
const path = require("path");
const fs = require("fs");
const nm = process.argv[1];
const ejs = require(path.join(nm, "ejs"));
const tmpl = fs.readFileSync(
  path.join(nm, "snarkjs", "templates", "verifier_groth16.sol.ejs"), "utf8");
let input = "";
process.stdin.on("data", (d) => { input += d; });
process.stdin.on("end", () => { process.stdout.write(ejs.render(tmpl, JSON.parse(input))); });
"""

# EIP-1108 prices: pairing 45000 + 34000 per pair (4 pairs), ecMul 6000, ecAdd 150.
def precompile_floor(n_public: int) -> int:
    return 45_000 + 34_000 * 4 + n_public * (6_000 + 150)


def render_snarkjs(vk_json: dict[str, object], nm: Path) -> str:
    proc = subprocess.run(
        ["node", "-e", _RENDER_SNARKJS, str(nm.resolve())],
        input=json.dumps(vk_json),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return proc.stdout


VECTOR = ROOT / "tests" / "solidity" / "vectors" / "collateral_lock_20.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, action="append", default=[],
                        help="also a synthetic key with this many public inputs")
    parser.add_argument("--runs", type=int, default=200, help="solc optimizer runs")
    args = parser.parse_args()
    from native_only import require_native  # benchmarks/ is the script's folder

    require_native("bench_gas.py")
    settings = {**DEFAULT_SETTINGS, "optimizer": {"enabled": True, "runs": args.runs}}
    cases = []
    if VECTOR.exists():
        d = json.loads(VECTOR.read_text())
        cases.append(Case("CollateralLock(20)", vk_from_json(d["verification_key"]),
                          proof_from_json(d["proof"]), tuple(public_from_json(d["public"]))))
    for n in args.inputs:
        pub = tuple((7 + 13 * i) ** 5 % R for i in range(n))
        cases.append(synthetic_case(f"synthetic({n})", pub))
    nm = node_modules()
    evm = LocalEvm()
    print(f"solc 0.8.30, optimizer runs = {args.runs}; gas of one verifyProof transaction")
    print(f"{'key':>18} {'verifier':>9} {'tx gas':>8} {'exec gas':>9} "
          f"{'precompiles':>11} {'overhead':>8} {'runtime bytes':>13}")
    for case in cases:
        n = case.vk.n_public
        sources = {
            "Ours.sol": generate_verifier(case.vk, "ZkcollatVerifier"),
            "Snarkjs.sol": render_snarkjs(vk_to_json(case.vk), nm),
        }
        comp = compile_sources(sources, nm, settings)
        data = verify_proof_calldata(case.proof, case.public)
        results = {}
        for label, contract in (("zkcollat", "ZkcollatVerifier"), ("snarkjs", "Groth16Verifier")):
            c = comp[contract]
            res = evm.call(evm.deploy(c.bytecode), data)
            if not res.as_bool():
                raise SystemExit(f"{label}'s verifier rejected a valid proof")
            results[label] = (res, c)
            floor = precompile_floor(n)
            print(f"{case.name:>18} {label:>9} {res.gas_used:>8} {res.execution_gas:>9} "
                  f"{floor:>11} {res.execution_gas - floor:>8} {len(c.runtime):>13}")
        ours, theirs = results["zkcollat"][0], results["snarkjs"][0]
        diff = theirs.gas_used - ours.gas_used
        print(f"{case.name:>18} {'saving':>9} {diff:>8} ({100 * diff / theirs.gas_used:.2f}% of "
              f"snarkjs's transaction, "
              f"{100 * diff / (theirs.execution_gas - precompile_floor(n)):.0f}% of "
              "its non-precompile execution)")
        # The second encoding of A that snarkjs's verifier accepts (A.y >= p, see tests).
        a = case.proof.a
        alias = (a.y + (1 << 256)) % P + P
        (bx1, bx0), (by1, by0) = case.proof.b.to_evm()
        aliased = selector(verify_proof_signature(n)) + encode_words(
            [a.x, alias, bx1, bx0, by1, by0, *case.proof.c.to_evm(), *case.public]
        )
        for label in ("zkcollat", "snarkjs"):
            addr = evm.deploy(results[label][1].bytecode)
            verdict = evm.call(addr, aliased).as_bool()
            print(f"{case.name:>18} {label:>9} accepts A.y' = A.y + k*p >= p: {verdict}")


if __name__ == "__main__":
    main()
