"""Portfolio(D, k, 4) against k separate CollateralLock(D) proofs: the README's table.

    python benchmarks/bench_portfolio.py                      # D = 20, k = 1 8 32, 5 runs
    python benchmarks/bench_portfolio.py --slots 8 --runs 3 --no-gas

For each k, one vault holds k locks of one owner in three assets (and other owners' locks);
the portfolio proves all k at once, the baseline proves each lock alone with CollateralLock(D).
Both sides use one key made before timing (setup is not timed), and both are timed the same
way: a proof is the witness (``cs.solve`` from the vault's inputs) plus ``groth16.prove``, the
baseline's time is the sum of its k proofs. Printed, each as min / median over ``--runs``:

* constraints (the portfolio's; the baseline's k x one CollateralLock(D));
* prove time, and the speed-up (baseline median / portfolio median);
* proof size: the proofs' bytes (each proof is A, B, C: 256 bytes as EVM words) and the
  calldata of the on-chain verification (``verifyPortfolio`` once, ``verifyCollateralLock``
  k times);
* verify time (``groth16.verify``; the baseline's k verifications);
* gas of the on-chain verification, whole transactions (21,000 base and calldata included) in a
  local revm, from the verifiers generated for these very keys (``--no-gas`` skips solc).

Refuses to run without the native backend (benchmarks/native_only.py). Figures only: nothing is
asserted, and timings on a busy machine are meaningless.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.native_only import require_native  # noqa: E402
from zkcollat.groth16.keys import Proof  # noqa: E402
from zkcollat.groth16.prove import prove  # noqa: E402
from zkcollat.groth16.setup import setup  # noqa: E402
from zkcollat.groth16.verify import verify  # noqa: E402
from zkcollat.relayer.portfolio import portfolio_inputs, portfolio_public  # noqa: E402
from zkcollat.relayer.prover import lock_inputs  # noqa: E402
from zkcollat.statements import CollateralLock, CollateralLockPublic, Portfolio  # noqa: E402
from zkcollat.vault import Lock, Vault  # noqa: E402

OWNER, DEST, MIN_EXPIRY = 0xC0FFEE01, 42161, 1_900_000_000
ASSETS = (0xC02AAA39B223FE8D0A0E5C4F27EAD9083C756CC2, 0xA0B86991C6218B36C1D19D4A2E9EB0CE3606EB48,
          0x2260FAC5E5542A773AA44FBCB6EDAC8DA0C6C5B3)
PROOF_BYTES = 256  # A (2 words), B (4 words), C (2 words)


def stats(ts: list[float]) -> tuple[float, float]:
    return min(ts), statistics.median(ts)


def timed(fn: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    ts, out = [], None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        ts.append(time.perf_counter() - t)
    return ts, out


def make_vault(depth: int, k: int) -> tuple[Vault, list[Lock]]:
    """k locks of OWNER (assets in turn), with another owner's lock after every fourth."""
    vault, locks, mine = Vault(depth), [], []
    i = 0
    while len(mine) < k:
        other = i % 5 == 4
        lk = Lock(i, 0xB0B if other else OWNER, DEST, ASSETS[len(mine) % 3],
                  10**18 + i, MIN_EXPIRY + 86_400 + i)
        locks.append(lk)
        if not other:
            mine.append(lk)
        i += 1
    vault.insert_many(locks)
    return vault, mine


def gas_of(contracts: dict[str, str], name: str, calls: list[bytes]) -> int:
    from tests.jstools import node_modules
    from zkcollat.solidity.evm import LocalEvm
    from zkcollat.solidity.solc import compile_sources

    comp = compile_sources(contracts, node_modules())
    evm = LocalEvm()
    addr = evm.deploy(comp[name].bytecode)
    total = 0
    for data in calls:
        res = evm.call(addr, data)
        if not (res.success and res.as_bool()):
            raise SystemExit(f"{name}: the on-chain verification failed ({res.reason})")
        total += res.gas_used
    return total


def bench(depth: int, k: int, assets: int, runs: int, gas: bool) -> dict[str, Any]:
    vault, mine = make_vault(depth, k)
    sums: dict[int, int] = {}
    for lk in mine:
        sums[lk.asset_id] = sums.get(lk.asset_id, 0) + lk.amount
    public = portfolio_public(vault, [lk.lock_id for lk in mine], sums, MIN_EXPIRY,
                              dest_chain_id=DEST, owner=OWNER, slots=k, assets=assets)
    # --- the portfolio
    pcs = Portfolio(depth, k, assets).compile()
    ppk, pvk = setup(pcs)
    p_inputs = portfolio_inputs(vault, public)

    def prove_portfolio() -> Proof:
        return prove(ppk, pcs, pcs.solve(p_inputs))

    p_prove, p_proof = timed(prove_portfolio, runs)
    p_verify, ok = timed(lambda: verify(pvk, public.to_list(), p_proof), runs)
    assert ok
    # --- k single proofs
    scs = CollateralLock(depth).compile()
    spk, svk = setup(scs)
    s_inputs = [lock_inputs(vault, lk.lock_id, lk.amount, MIN_EXPIRY) for lk in mine]
    s_public = [CollateralLockPublic.from_dict({n: x[n] for n in CollateralLockPublic.names()})
                for x in s_inputs]

    def prove_singles() -> list[Proof]:
        return [prove(spk, scs, scs.solve(x)) for x in s_inputs]

    s_prove, s_proofs = timed(prove_singles, runs)
    s_verify, oks = timed(
        lambda: [verify(svk, p.to_list(), pr) for p, pr in zip(s_public, s_proofs, strict=True)],
        runs)
    assert all(oks)
    from zkcollat.solidity.calldata import verify_collateral_lock_calldata
    from zkcollat.solidity.portfolio import generate_portfolio_verifier, verify_portfolio_calldata

    p_call = verify_portfolio_calldata(p_proof, public)
    s_calls = [verify_collateral_lock_calldata(pr, p.to_dict())
               for p, pr in zip(s_public, s_proofs, strict=True)]
    row: dict[str, Any] = {
        "k": k,
        "constraints": (pcs.n_constraints, k * scs.n_constraints),
        "prove": (stats(p_prove), stats(s_prove)),
        "verify": (stats(p_verify), stats(s_verify)),
        "proof_bytes": (PROOF_BYTES, k * PROOF_BYTES),
        "calldata_bytes": (len(p_call), sum(len(c) for c in s_calls)),
        "public_inputs": (pcs.n_public, k * scs.n_public),
        "gas": None,
    }
    if gas:
        from zkcollat.solidity import generate_collateral_lock_verifier

        row["gas"] = (
            gas_of({"P.sol": generate_portfolio_verifier(pvk, k, assets)}, "PortfolioVerifier",
                   [p_call]),
            gas_of({"C.sol": generate_collateral_lock_verifier(svk)}, "CollateralLockVerifier",
                   s_calls),
        )
    return row


def fmt_t(s: tuple[float, float]) -> str:
    return f"{s[0] * 1e3:,.0f} / {s[1] * 1e3:,.0f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--depth", type=int, default=20)
    ap.add_argument("--slots", type=int, nargs="+", default=[1, 8, 32])
    ap.add_argument("--assets", type=int, default=4)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-gas", action="store_true", help="skip the on-chain gas (solc + revm)")
    args = ap.parse_args()
    require_native("bench_portfolio.py")
    print(f"Portfolio({args.depth}, k, {args.assets}) vs k x CollateralLock({args.depth}); "
          f"times in ms, min / median of {args.runs} runs (witness + proof)\n")
    print("| k | proofs | constraints | public inputs | prove ms | verify ms | proof bytes | "
          "calldata bytes | gas |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for k in args.slots:
        r = bench(args.depth, k, args.assets, args.runs, not args.no_gas)
        for side, label in ((0, f"Portfolio({args.depth}, {k})"),
                            (1, f"{k} x CollateralLock({args.depth})")):
            gas = "-" if r["gas"] is None else f"{r['gas'][side]:,}"
            print(f"| {k} | {label} | {r['constraints'][side]:,} | {r['public_inputs'][side]} | "
                  f"{fmt_t(r['prove'][side])} | {fmt_t(r['verify'][side])} | "
                  f"{r['proof_bytes'][side]:,} | {r['calldata_bytes'][side]:,} | {gas} |")
        speed = r["prove"][1][1] / r["prove"][0][1]
        print(f"|   | speed-up (median) | | | {speed:.2f}x | "
              f"{r['verify'][1][1] / r['verify'][0][1]:.2f}x | | | |", flush=True)


if __name__ == "__main__":
    main()
