"""How Portfolio's public values reach the verifier: packed words, one input each, or a hash.

    python benchmarks/bench_portfolio_encoding.py [--slots 8 32] [--assets 4]

Gas and constraints are deterministic (no timing), so these figures hold on any machine.
For Portfolio(D, k, m) the public values are root, destChainId, owner, minExpiry, k lockIds,
m assetIds and m thresholds (n = 4 + k + 2m values). Three encodings:

* **one input each** (n public inputs): each uint value range-checked in the circuit with
  its own bit decomposition (bits + 1 constraints); the verifier pays an ecMul + ecAdd and a
  calldata word per input. Gas: the generated verifier's ``verifyProof`` with n inputs.
* **packed** (what the statement does: root + W words, docs/protocol.md s.4.4): the same
  range checks, one decomposition per word (bits + 1 per word), measured from the circuit's
  ``unpack`` scope; gas: ``verifyPortfolio`` of the generated ``PortfolioVerifier`` (typed
  arguments, packed in memory by the contract).
* **hashed** (2 inputs: root and h = a Poseidon chain over the other n - 1 values, 5 at a
  time, since the widest Poseidon of the npm ``poseidon-solidity`` package is T6): the range
  checks plus the chain in the circuit; on chain the 2-input verifier plus the chain, each link
  a call of poseidon-solidity's ``PoseidonT6.hash`` (its execution gas measured here in revm;
  the verifier contract would pay that plus a call's overhead).

Verification gas depends on the number of public inputs, not on the circuit, so the verifiers
here use synthetic keys (tests/solidity/synthetic.py) with valid proofs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.jstools import node_modules  # noqa: E402
from tests.solidity.synthetic import synthetic_case  # noqa: E402
from zkcollat.field import R  # noqa: E402
from zkcollat.gadgets.poseidon import poseidon_cost  # noqa: E402
from zkcollat.solidity.calldata import encode_words, selector, verify_proof_calldata  # noqa: E402
from zkcollat.solidity.evm import LocalEvm  # noqa: E402
from zkcollat.solidity.portfolio import (  # noqa: E402
    generate_portfolio_verifier,
    verify_portfolio_calldata,
)
from zkcollat.solidity.solc import compile_sources  # noqa: E402
from zkcollat.solidity.verifier import generate_verifier  # noqa: E402
from zkcollat.statements import Portfolio, PortfolioPublic  # noqa: E402
from zkcollat.statements.portfolio import layout, word_bits  # noqa: E402

HASH_WIDTH = 5  # PoseidonT6: 5 inputs


def worst_case_public(k: int, m: int) -> PortfolioPublic:
    """Every value at the top of its range (most non-zero calldata bytes)."""
    return PortfolioPublic(
        root=R - 1, destChainId=(1 << 64) - 1, owner=(1 << 160) - 1, minExpiry=(1 << 64) - 1,
        lockIds=tuple(range((1 << 64) - k, 1 << 64)),
        assetIds=tuple((1 << 160) - 1 - j for j in range(m)),
        thresholds=tuple([(1 << 128) - 1] * m),
    )


def chain_links(n_values: int) -> int:
    """Poseidon calls of a chain h = H5(v0..v4), h = H5(h, next 4), ... over n_values."""
    if n_values <= HASH_WIDTH:
        return 1
    return 1 + -(-(n_values - HASH_WIDTH) // (HASH_WIDTH - 1))


def verify_gas(vk_n: int, label: str) -> int:
    case = synthetic_case(label, tuple(range(1, vk_n + 1)))
    comp = compile_sources({"V.sol": generate_verifier(case.vk, "V")}, node_modules())
    evm = LocalEvm()
    res = evm.call(evm.deploy(comp["V"].bytecode), verify_proof_calldata(case.proof, case.public))
    assert res.success and res.as_bool(), res.reason
    return res.gas_used


def portfolio_gas(k: int, m: int) -> int:
    public = worst_case_public(k, m)
    case = synthetic_case(f"portfolio {k} {m}", tuple(public.to_list()))
    comp = compile_sources({"P.sol": generate_portfolio_verifier(case.vk, k, m)}, node_modules())
    evm = LocalEvm()
    res = evm.call(evm.deploy(comp["PortfolioVerifier"].bytecode),
                   verify_portfolio_calldata(case.proof, public))
    assert res.success and res.as_bool(), res.reason
    return res.gas_used


def poseidon_t6_gas() -> int:
    """Execution gas of one PoseidonT6.hash(uint[5]) call (library called directly)."""
    src = (node_modules() / "poseidon-solidity" / "PoseidonT6.sol").read_text()
    comp = compile_sources({"PoseidonT6.sol": src}, node_modules())
    evm = LocalEvm()
    addr = evm.deploy(comp["PoseidonT6"].bytecode)
    data = selector("hash(uint256[5])") + encode_words([R - 1 - i for i in range(5)])
    res = evm.call(addr, data)
    assert res.success, res.reason
    return res.execution_gas


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--slots", type=int, nargs="+", default=[8, 32])
    ap.add_argument("--assets", type=int, default=4)
    ap.add_argument("--depth", type=int, default=4,
                    help="tree depth of the circuit compiled for the unpack count (any works)")
    args = ap.parse_args()
    from native_only import require_native  # benchmarks/ is the script's folder

    require_native("bench_portfolio_encoding.py")
    t6 = poseidon_t6_gas()
    print(f"PoseidonT6.hash (poseidon-solidity, 5 inputs): {t6:,} execution gas per call\n")
    print("| k | m | encoding | public inputs | constraints (encoding) | verification gas |")
    print("| ---: | ---: | --- | ---: | ---: | ---: |")
    for k in args.slots:
        m = args.assets
        n_values = 4 + k + 2 * m
        checks = (k + 2) * 65 + (m + 1) * 161 + m * 129  # each uint: bits + 1
        cs = Portfolio(args.depth, k, m).compile()
        unpack = sum(n for scope, n in cs.stats().by_scope.items()
                     if scope.startswith("portfolio/unpack"))
        words = layout(k, m)
        assert unpack == sum(word_bits(w) + 1 for w in words), unpack
        links = chain_links(n_values - 1)
        hash_constraints = checks + links * poseidon_cost(HASH_WIDTH)
        rows = [
            ("one input each", n_values, checks, verify_gas(n_values, f"each {k}")),
            ("packed (chosen)", 1 + len(words), unpack, portfolio_gas(k, m)),
            (f"hashed ({links} x PoseidonT6)", 2, hash_constraints,
             verify_gas(2, f"hash {k}") + links * t6),
        ]
        for name, n_pub, cons, gas in rows:
            print(f"| {k} | {m} | {name} | {n_pub} | {cons:,} | {gas:,} |", flush=True)


if __name__ == "__main__":
    main()
