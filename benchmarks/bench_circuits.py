"""Circuit-layer figures: constraint counts, compile and witness-solving time, Poseidon speed.

Run from the repository root::

    python benchmarks/bench_circuits.py [--depth 20] [--repeat 20] [--hashes 5000]

Prints min / median wall-clock times (``time.perf_counter``) for CollateralLock(D) of
PROTOCOL.md s.4.1 (the statement in ``zkcollat.statements``): compiling the definition once,
solving a witness (input parsing + solver + checks), the independent ``is_satisfied`` engine,
and the CSR matrices; then the Poseidon rate, one Python call per hash and through
``poseidon_many`` (the bulk path) on each available backend, and the constraint cost of each
gadget. Nothing here is asserted: figures only.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from timing import min_median as timed  # noqa: E402  (benchmarks/ is the script's folder)

from zkcollat.curve import poseidon_many  # noqa: E402
from zkcollat.curve.backend import available_backends, use_backend  # noqa: E402
from zkcollat.gadgets.bits import ALIAS_CHECK_COST  # noqa: E402
from zkcollat.gadgets.merkle import LEVEL_COST, merkle_root_plain, path_indices_of  # noqa: E402
from zkcollat.gadgets.poseidon import poseidon_cost  # noqa: E402
from zkcollat.hash import poseidon_hash  # noqa: E402
from zkcollat.r1cs import clear_cache  # noqa: E402
from zkcollat.statements import CollateralLock  # noqa: E402


def collateral_inputs(depth: int, seed: int = 1) -> dict[str, object]:
    rnd = random.Random(seed)
    lock = {
        "lockId": 41,
        "owner": rnd.getrandbits(160),
        "destChainId": 42161,
        "assetId": rnd.getrandbits(160),
        "amount": 25 * 10**18,
        "expiry": 1_900_000_000,
    }
    leaf = poseidon_hash(
        [lock[k] for k in ("lockId", "owner", "destChainId", "assetId", "amount", "expiry")]
    )
    elems = [rnd.getrandbits(253) for _ in range(depth)]
    idx = path_indices_of(rnd.randrange(2**depth), depth)
    return {
        "root": merkle_root_plain(leaf, elems, idx),
        "destChainId": lock["destChainId"],
        "owner": lock["owner"],
        "assetId": lock["assetId"],
        "lockId": lock["lockId"],
        "threshold": 20 * 10**18,
        "minExpiry": 1_800_000_000,
        "amount": str(lock["amount"]),
        "expiry": lock["expiry"],
        "pathElements": [str(e) for e in elems],
        "pathIndices": idx,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--depth", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--hashes", type=int, default=5000)
    args = ap.parse_args()
    from native_only import require_native  # benchmarks/ is the script's folder

    require_native("bench_circuits.py")

    print(f"== CollateralLock({args.depth})")
    clear_cache()
    t = time.perf_counter()
    cs = CollateralLock(args.depth).compile()
    print(f"compile (once, then cached):      {time.perf_counter() - t:.3f} s")
    s = cs.stats(scope_depth=2)
    print(
        f"constraints {s.constraints}, wires {s.wires}, public {s.public_inputs}, "
        f"private {s.private_inputs}, labels {s.labels}, "
        f"nnz A/B/C {s.nnz_a}/{s.nnz_b}/{s.nnz_c}"
    )
    for scope, n in sorted(s.by_scope.items()):
        print(f"  {scope:40s} {n}")
    inputs = collateral_inputs(args.depth)
    w = cs.solve(inputs)
    mn, md = timed(lambda: cs.solve(inputs), args.repeat)
    print(f"witness solving (parse+solve+check): min {mn * 1e3:.1f} ms, median {md * 1e3:.1f} ms")
    mn, md = timed(lambda: cs.is_satisfied(w), max(3, args.repeat // 4))
    print(f"is_satisfied (all constraints):      min {mn * 1e3:.1f} ms, median {md * 1e3:.1f} ms")
    t = time.perf_counter()
    cs._matrices = None  # measure the CSR build itself
    cs.matrices()
    print(f"CSR matrices (once):                  {(time.perf_counter() - t) * 1e3:.1f} ms")

    print("== Poseidon")
    batch = [[i, i + 1] for i in range(args.hashes)]
    t = time.perf_counter()
    for x in batch:
        poseidon_hash(x)
    dt = time.perf_counter() - t
    print(f"poseidon_hash, a Python call per hash (2 inputs): {args.hashes / dt:,.0f} hashes/s")
    for name in available_backends():
        with use_backend(name):
            n = args.hashes * (20 if name == "native" else 1)
            big = [[i, i + 1] for i in range(n)]
            t = time.perf_counter()
            poseidon_many(big)
            dt = time.perf_counter() - t
            print(f"poseidon_many on {name:9s} (2 inputs, {n} hashes): {n / dt:,.0f} hashes/s")
            six = [[i, 1, 2, 3, 4, 5] for i in range(n // 4)]
            t = time.perf_counter()
            poseidon_many(six)
            dt = time.perf_counter() - t
            print(
                f"poseidon_many on {name:9s} (6 inputs, {len(six)} hashes): "
                f"{len(six) / dt:,.0f} hashes/s"
            )

    print("== gadget costs (constraints)")
    print("Poseidon(n): " + ", ".join(f"{n}:{poseidon_cost(n)}" for n in range(1, 17)))
    print("to_bits(n) = n + 1 (n <= 253); to_bits(254, strict) = 255 + " + str(ALIAS_CHECK_COST))
    print(f"merkle level = {LEVEL_COST} (Poseidon(2) {poseidon_cost(2)} + boolean + swap)")
    print(
        "less_than/greater_eq bit forms = 3n + 4; assert_* forms = 3n + 3 (n-bit inputs "
        "range-checked inside; free when already checked)"
    )


if __name__ == "__main__":
    main()
