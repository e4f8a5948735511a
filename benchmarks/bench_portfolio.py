"""Portfolio(D, k, 4) against k separate CollateralLock(D) proofs: the README's table.

    python benchmarks/bench_portfolio.py                      # D = 20, k = 1 8 32, 5 runs
    python benchmarks/bench_portfolio.py --slots 8 --runs 3 --no-gas
    python benchmarks/bench_portfolio.py --slots 32 --runs 3 --no-gas --phases   # where time goes

For each k, one vault holds k locks of one owner in three assets (and other owners' locks);
the portfolio proves all k at once, the baseline proves each lock alone with CollateralLock(D).
Both sides use one key made before timing (setup is not timed), and both are timed the same
way: a proof is the witness (``cs.solve`` from the vault's inputs) plus ``groth16.prove``, the
baseline's time is the sum of its k proofs. Each side proves once before timing (untimed), so
that neither side's figures hold the one-off work of a first proof: decoding the key into the
native prover, the native copy of the matrices, the solver program. Printed, each as min /
median over ``--runs``:

* constraints (the portfolio's; the baseline's k x one CollateralLock(D));
* prove time, and the speed-up (baseline median / portfolio median);
* proof size: the proofs' bytes (each proof is A, B, C: 256 bytes as EVM words) and the
  calldata of the on-chain verification (``verifyPortfolio`` once, ``verifyCollateralLock``
  k times);
* verify time (``groth16.verify``; the baseline's k verifications);
* gas of the on-chain verification, whole transactions (21,000 base and calldata included) in a
  local revm, from the verifiers generated for these very keys (``--no-gas`` skips solc).

``--phases`` adds, per side, where the prover's time goes (CPU seconds of the whole process,
both threads, and wall): the witness, the rows A.w, B.w, C.w, the quotient H (seven FFTs over
the domain), each of the five MSMs, each timed alone through the same native kernels the
one-call prover runs; and the work each side asks for, counted: points in each MSM (identity
points of the key dropped, zero scalars skipped), the bucket additions of arkworks' signed-window
Pippenger for those sizes, and FFT butterflies. These counts are exact and do not depend on
the load of the machine.

Refuses to run without the native backend (benchmarks/native_only.py). Figures only: nothing is
asserted, and timings on a busy machine are meaningless.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.native_only import require_native  # noqa: E402
from zkcollat.groth16.keys import Proof, ProvingKey  # noqa: E402
from zkcollat.groth16.prove import fullprove, prove  # noqa: E402
from zkcollat.groth16.setup import setup  # noqa: E402
from zkcollat.groth16.verify import verify  # noqa: E402
from zkcollat.r1cs.system import ConstraintSystem  # noqa: E402
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


R_BITS = 254  # the bit size of r: arkworks cuts scalars into windows of these bits


def cpu_wall(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """CPU seconds of the whole process (every thread) and wall seconds of one call."""
    c, t = time.process_time(), time.perf_counter()
    out = fn()
    return time.process_time() - c, time.perf_counter() - t, out


def pippenger_adds(scalars: list[int]) -> int:
    """Curve additions of arkworks 0.6's MSM (``msm_signed``) over these scalars: zeros skipped,
    each 1 added once; every other scalar goes through the signed-window Pippenger (a scalar
    below 2^64 counted as a full one: a handful per circuit), whose cost is one bucket addition
    per scalar and window plus two additions per bucket and window to sum the buckets, with
    c = floor(ceil(log2 n) * 0.69) + 2 bits per window, on chunks of the scalars of
    ``threads / 2`` (arkworks gives each chunk two threads)."""
    ones = sum(1 for x in scalars if x == 1)
    n = sum(1 for x in scalars if x > 1)
    if n == 0:
        return ones
    chunks = max(1, (os.cpu_count() or 1) // 2)
    total = ones
    for size in [n // chunks] * (chunks - 1) + [n - (n // chunks) * (chunks - 1)]:
        c = 3 if size < 32 else (math.ceil(math.log2(size)) * 69) // 100 + 2
        windows = -(-R_BITS // c)
        total += size * windows + windows * 2 * (1 << c)
    return total


MSMS = (("a", "A", "G1"), ("b_g1", "B", "G1"), ("b_g2", "B", "G2"), ("l", "L", "G1"),
        ("h", "H", "G1"))


def phases(pk: ProvingKey, cs: ConstraintSystem, inputs: list[dict[str, object]],
           runs: int) -> dict[str, Any]:
    """Where one side's proving time goes (see the module docstring), summed over ``inputs``:
    ``{phase: (cpu s, wall s)}``, each the least of ``runs``, and the work counted."""
    from zkcollat.curve.backend import get_backend

    vec = pk.vectors(get_backend())
    best: dict[str, tuple[float, float]] = {}
    adds = {"G1": 0, "G2": 0}
    points = {name: 0 for name, _, _ in MSMS}
    for run in range(runs):
        t = _phases_once(pk, cs, inputs, vec, adds if run == 0 else None,
                         points if run == 0 else None)
        for name, (c, w) in t.items():
            old = best.get(name)
            best[name] = (c, w) if old is None else (min(old[0], c), min(old[1], w))
    n = pk.domain_size
    return {"times": best, "adds": adds, "points": points,
            "butterflies": len(inputs) * 7 * (n // 2) * (n.bit_length() - 1)}


def _phases_once(pk: ProvingKey, cs: ConstraintSystem, inputs: list[dict[str, object]],
                 vec: dict[str, Any], adds: dict[str, int] | None,
                 points: dict[str, int] | None) -> dict[str, tuple[float, float]]:
    from zkcollat.curve.backend import get_backend
    from zkcollat.groth16.qap import witness_rows

    b = get_backend()
    t: dict[str, list[float]] = {}

    def add(name: str, fn: Callable[[], Any]) -> Any:
        c, w, out = cpu_wall(fn)
        acc = t.setdefault(name, [0.0, 0.0])
        acc[0] += c
        acc[1] += w
        return out

    for x in inputs:
        add("one-call prove (fullprove)", lambda x=x: fullprove(pk, cs, x))
        w = add("witness (native solver)", lambda x=x: cs.solve_packed(x))
        rows = add("rows A.w, B.w, C.w", lambda w=w: witness_rows(cs, w, b))
        h = add("H: 7 FFTs of the domain", lambda rows=rows: b.quotient_packed(*rows))
        h = h[: (pk.domain_size - 1) * 32]
        n_pub = pk.n_public
        for name, label, group in MSMS:
            scalars = h if name == "h" else w[(n_pub + 1) * 32:] if name == "l" else w
            q = vec[name]
            add(f"MSM {label} ({group})",
                lambda q=q, scalars=scalars: q.msm(scalars))
            if adds is not None and points is not None:
                values = [int.from_bytes(scalars[i:i + 32], "big")
                          for i in range(0, len(scalars), 32)]
                kept = values if q.indices is None else [values[i] for i in q.indices]
                points[name] += len(kept)
                adds[group] += pippenger_adds(kept)
    return {k: (v[0], v[1]) for k, v in t.items()}


def print_phases(k: int, sides: list[tuple[str, dict[str, Any]]]) -> None:
    print(f"\nWhere the time goes, k = {k}: CPU s (all threads) / wall s, each phase timed alone, "
          "least of --runs (the one-call prover overlaps H with the other MSMs)")
    names = list(sides[0][1]["times"])
    for label, ph in sides:
        total_cpu = ph["times"]["one-call prove (fullprove)"][0]
        print(f"  {label}")
        for name in names:
            c, w = ph["times"][name]
            share = "" if name.startswith("one-call") else f" ({100 * c / total_cpu:4.1f}%)"
            print(f"    {name:40s} {c:8.3f} / {w:8.3f}{share}")
        parts = sum(c for name, (c, _) in ph["times"].items() if not name.startswith("one-call"))
        print(f"    {'other (one-call minus the parts)':40s} {total_cpu - parts:8.3f}")
    print("  work (exact counts, independent of the load):")
    for label, ph in sides:
        pts = ", ".join(f"{lab} {ph['points'][n]:,}" for n, lab, _ in MSMS)
        print(f"    {label}: MSM points {pts}; bucket additions G1 {ph['adds']['G1']:,}, "
              f"G2 {ph['adds']['G2']:,}; FFT butterflies {ph['butterflies']:,}")
    (_, p), (_, s) = sides
    for key in ("G1", "G2"):
        print(f"    {key} additions, singles / portfolio: {s['adds'][key] / p['adds'][key]:.2f}x")
    print(f"    FFT butterflies, singles / portfolio: {s['butterflies'] / p['butterflies']:.2f}x")


def bench(depth: int, k: int, assets: int, runs: int, gas: bool,
          show_phases: bool = False) -> dict[str, Any]:
    vault, mine = make_vault(depth, k)
    sums: dict[int, int] = {}
    for lk in mine:
        sums[lk.asset_id] = sums.get(lk.asset_id, 0) + lk.amount
    public = portfolio_public(vault, [lk.lock_id for lk in mine], sums, MIN_EXPIRY,
                              dest_chain_id=DEST, owner=OWNER, slots=k, assets=assets)
    # --- both keys first (setup is not timed)
    pcs = Portfolio(depth, k, assets).compile()
    ppk, pvk = setup(pcs)
    p_inputs = portfolio_inputs(vault, public)
    scs = CollateralLock(depth).compile()
    spk, svk = setup(scs)
    s_inputs = [lock_inputs(vault, lk.lock_id, lk.amount, MIN_EXPIRY) for lk in mine]
    s_public = [CollateralLockPublic.from_dict({n: x[n] for n in CollateralLockPublic.names()})
                for x in s_inputs]

    def prove_portfolio() -> Proof:
        return prove(ppk, pcs, pcs.solve(p_inputs))

    def prove_singles() -> list[Proof]:
        return [prove(spk, scs, scs.solve(x)) for x in s_inputs]

    # One untimed proof each: the key decoded into the native prover, the matrices and the
    # solver program built, on both sides alike.
    prove_portfolio()
    prove(spk, scs, scs.solve(s_inputs[0]))
    # Interleaved, so that a change in the machine's load falls on both sides.
    p_prove: list[float] = []
    s_prove: list[float] = []
    for _ in range(runs):
        t, p_proof = timed(prove_portfolio, 1)
        p_prove += t
        t, s_proofs = timed(prove_singles, 1)
        s_prove += t
    p_verify, ok = timed(lambda: verify(pvk, public.to_list(), p_proof), runs)
    assert ok
    s_verify, oks = timed(
        lambda: [verify(svk, p.to_list(), pr) for p, pr in zip(s_public, s_proofs, strict=True)],
        runs)
    assert all(oks)
    if show_phases:
        print_phases(k, [(f"Portfolio({depth}, {k})", phases(ppk, pcs, [p_inputs], runs)),
                         (f"{k} x CollateralLock({depth})", phases(spk, scs, s_inputs, runs))])
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
    ap.add_argument("--phases", action="store_true",
                    help="also print where each side's proving time goes, and the work counted")
    args = ap.parse_args()
    require_native("bench_portfolio.py")
    print(f"Portfolio({args.depth}, k, {args.assets}) vs k x CollateralLock({args.depth}); "
          f"times in ms, min / median of {args.runs} runs (witness + proof)\n")
    print("| k | proofs | constraints | public inputs | prove ms | verify ms | proof bytes | "
          "calldata bytes | gas |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for k in args.slots:
        r = bench(args.depth, k, args.assets, args.runs, not args.no_gas, args.phases)
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
