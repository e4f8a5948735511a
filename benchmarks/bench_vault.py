"""Vault figures: bulk build, single append (SQLite included), prove_lock. Prints min/median.

    python benchmarks/bench_vault.py                 # 2^20 locks, depth 20
    python benchmarks/bench_vault.py --log2 16       # a smaller vault
    python benchmarks/bench_vault.py --log2 16 --appends 1000 --proofs 0   # appends only
    python benchmarks/bench_vault.py --kernels-only  # Poseidon kernels, hashes per CPU-second
    python benchmarks/bench_vault.py --kernels-only --ab-build 16   # + in-memory build A/B

It refuses to run on the reference backend (native_only.py).

First the Poseidon kernels: the default one (8-lane AVX-512 IFMA when the CPU has it) and the
one-at-a-time one, interleaved, in hashes per CPU-second of the process (all its threads: a
load-proof figure) for t = 3 (a node) and t = 7 (a leaf).

Targets (issue 17): bulk build of 2^20 locks <= 20 s on 2 cores; append of one lock, durable
(synchronous=FULL), median <= 1 ms. Issue 5: prove_lock on a 2^20-lock vault (path lookup +
witness + proof) <= 0.6 s. Also prints the constraint counts of CollateralLock(20) and
CollateralLock(32). Not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from zkcollat.curve.backend import get_backend  # noqa: E402
from zkcollat.groth16.prove import prove  # noqa: E402
from zkcollat.groth16.setup import setup  # noqa: E402
from zkcollat.relayer.prover import lock_inputs, prove_lock  # noqa: E402
from zkcollat.statements import CollateralLock  # noqa: E402
from zkcollat.vault import Lock, Vault  # noqa: E402
from zkcollat.vault.tree import PoseidonTree  # noqa: E402
from zkcollat.vault.vault import leaves_of_locks  # noqa: E402


def make_locks(start: int, n: int) -> list[Lock]:
    return [
        Lock(i, 0x70997970C51812DC3A010C7D01B50E0D17DC79C8 + i, 42161,
             0xC02AAA39B223FE8D0A0E5C4F27EAD9083C756CC2, 10**18 + i, 1_900_000_000 + i % 1000)
        for i in range(start, start + n)
    ]


def timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def append_samples(vault: Vault, locks: list[Lock]) -> list[float]:
    out = []
    for lk in locks:
        t = time.perf_counter()
        vault.append(lk, block_number=2)
        out.append(time.perf_counter() - t)
    return out


def report(name: str, samples: list[float], unit: str = "ms") -> None:
    k = 1e3 if unit == "ms" else 1.0
    print(f"{name:<48} min {min(samples) * k:9.3f} {unit}   median "
          f"{statistics.median(samples) * k:9.3f} {unit}   (n={len(samples)})")


def bench_kernels(n: int = 1 << 14, rounds: int = 3) -> None:
    """Both native Poseidon kernels on the same inputs, interleaved; best of ``rounds``."""
    from zkcollat.curve.native import _poseidon

    for k in (2, 6):
        h = _poseidon(k)
        flat = b"".join(((i * 0x9E3779B97F4A7C15) % (1 << 250)).to_bytes(32, "big")
                        for i in range(n * k))
        best = {"default": 0.0, "scalar": 0.0}
        for _ in range(rounds):
            outs = []
            for name, f in (("default", h.hash_many), ("scalar", h.hash_many_scalar)):
                t = time.process_time()
                outs.append(f(flat))
                best[name] = max(best[name], n / (time.process_time() - t))
            assert outs[0] == outs[1], "the Poseidon kernels disagree"
        kind = "AVX-512 IFMA, 8 lanes" if h.vector_kernel else "one at a time (no IFMA)"
        gain = best["default"] / best["scalar"]
        print(f"Poseidon t={k + 1}: default kernel ({kind}) {best['default']:>9.0f} hashes per "
              f"CPU-second; one-at-a-time {best['scalar']:>9.0f} (x{gain:.2f})")


def ab_build(log2: int, rounds: int = 2) -> None:
    """The in-memory bulk build (leaves, then levels) of 2^log2 locks with the default
    Poseidon kernel and with the one-at-a-time one, interleaved in this process: CPU seconds
    of the process (all threads) and wall seconds per phase; both must give the same root."""
    from zkcollat.curve.native import _poseidon

    locks = make_locks(0, 1 << log2)
    backend = get_backend()
    default = backend.poseidon_packed

    def scalar(n_inputs: int, inputs: bytes) -> bytes:
        return bytes(_poseidon(n_inputs).hash_many_scalar(inputs))

    roots = set()
    for _ in range(rounds):
        for name, f in (("default", default), ("one-at-a-time", scalar)):
            backend.poseidon_packed = f  # type: ignore[method-assign]
            try:
                w0, c0 = time.perf_counter(), time.process_time()
                leaves = leaves_of_locks(locks)
                w1, c1 = time.perf_counter(), time.process_time()
                tree = PoseidonTree.from_leaves_packed(20, leaves)
                w2, c2 = time.perf_counter(), time.process_time()
            finally:
                del backend.poseidon_packed  # back to the class's method
            roots.add(tree.root)
            print(f"in-memory build of 2^{log2} locks, {name:<13} leaves {c1 - c0:7.3f} CPU-s "
                  f"{w1 - w0:7.3f} s wall; levels {c2 - c1:7.3f} CPU-s {w2 - w1:7.3f} s wall")
    assert len(roots) == 1, "the kernels built different trees"
    print(f"same root with both kernels: {roots.pop():#066x}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--log2", type=int, default=20, help="vault of 2^N locks (default 20)")
    ap.add_argument("--depth", type=int, default=20)
    ap.add_argument("--appends", type=int, default=200, help="single appends to time")
    ap.add_argument("--proofs", type=int, default=5,
                    help="prove_lock runs to time (0: skip the setup and prove_lock)")
    ap.add_argument("--store", type=Path, default=None,
                    help="keep the SQLite vault here; if it exists, reuse it (no bulk build)")
    ap.add_argument("--kernels-only", action="store_true",
                    help="only the Poseidon kernels' hashes per CPU-second")
    ap.add_argument("--ab-build", type=int, default=0, metavar="LOG2",
                    help="also build a 2^LOG2-lock tree in memory with each kernel (A/B)")
    args = ap.parse_args()
    from native_only import require_native  # benchmarks/ is the script's folder

    require_native("bench_vault.py")
    bench_kernels()
    if args.ab_build:
        ab_build(args.ab_build)
    if args.kernels_only:
        return
    n = 1 << args.log2
    print(f"backend: {type(get_backend()).__name__}; vault of 2^{args.log2} = {n} locks, "
          f"depth {args.depth}")
    for d in (20, 32):
        print(f"CollateralLock({d}): {CollateralLock(d).compile().n_constraints} constraints")

    room = 2 * args.appends  # two append series below (synchronous FULL and NORMAL)
    if n + room > 1 << args.depth:  # 2^20 locks fill a depth-20 tree: leave room to append
        n = (1 << args.depth) - room
        print(f"bulk-building {n} locks, leaving {room} slots for the single appends")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "vault.sqlite" if args.store is None else args.store
        if path.exists():  # --store of an earlier run: time the resume, skip the bulk build
            t = time.perf_counter()
            vault = Vault.open(path, args.depth)
            print(f"{'reopen existing store (no rebuild)':<48} {time.perf_counter() - t:9.3f} s"
                  f"   ({vault.size} locks)")
            bench_appends_and_proofs(vault, path, args)
            return
        t = time.perf_counter()
        locks = make_locks(0, n)
        print(f"{'make Lock records (validated)':<48} {time.perf_counter() - t:9.3f} s")
        vault = Vault.open(path, args.depth)
        assert vault.store is not None
        # the bulk build, phase by phase (what Vault.insert_many does in one call)
        t0 = time.perf_counter()
        leaves = leaves_of_locks(locks)
        t1 = time.perf_counter()
        updates = vault.tree.plan(leaves)
        t2 = time.perf_counter()
        root = int.from_bytes(updates[-1][2][:32], "big")
        vault.store.commit(locks, updates, n, root, block_number=1)
        t3 = time.perf_counter()
        vault.tree.apply(updates)
        vault._block_roots = vault.store.block_roots()
        t4 = time.perf_counter()
        print(f"{'bulk build: leaves, batch Poseidon(6)':<48} {t1 - t0:9.3f} s")
        print(f"{'bulk build: tree levels, batch Poseidon(2)':<48} {t2 - t1:9.3f} s")
        print(f"{'bulk build: SQLite transaction (locks, nodes)':<48} {t3 - t2:9.3f} s")
        print(f"{'bulk build: TOTAL (SQLite-backed, one txn)':<48} {t4 - t0:9.3f} s   "
              "(target <= 20 s for 2^20)")
        print(f"{'  of which in-memory tree (leaves + levels)':<48} {t2 - t0:9.3f} s")
        vault.close()
        del updates

        del locks
        t = time.perf_counter()
        vault = Vault.open(path)
        print(f"{'reopen (resume without rebuilding)':<48} {time.perf_counter() - t:9.3f} s")
        assert vault.size == n and vault.root == root
        bench_appends_and_proofs(vault, path, args)


def bench_appends_and_proofs(vault: Vault, path: Path, args: argparse.Namespace) -> None:
    for sync in ("FULL", "NORMAL"):
        vault.close()
        vault = Vault.open(path, synchronous=sync)
        extra = make_locks(vault.size, args.appends)
        report(f"append one lock (SQLite synchronous={sync})", append_samples(vault, extra))
    mem = Vault(args.depth)
    report("append one lock (in memory, no SQLite)",
           append_samples(mem, make_locks(0, min(args.appends, 1 << args.depth))))
    if args.proofs <= 0:
        vault.close()
        return

    cs = CollateralLock(args.depth).compile()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = time.perf_counter()
        pk, _ = setup(cs, seed=b"bench")
        print(f"{'setup (development key, once)':<48} {time.perf_counter() - t:9.3f} s")
    prove_lock(vault, 7, 1, 1, pk=pk, cs=cs, dest_chain_id=42161)  # warm the key's vectors
    ids = [(i * 7919) % vault.size for i in range(args.proofs)]
    samples = []
    for i in ids:
        t = time.perf_counter()
        prove_lock(vault, i, 10**18, 1_900_000_000, pk=pk, cs=cs, dest_chain_id=42161)
        samples.append(time.perf_counter() - t)
    report("prove_lock (path + witness + proof)", samples, "s")
    samples = []
    for i in ids:
        t = time.perf_counter()
        lock_inputs(vault, i, 1, 1)
        samples.append(time.perf_counter() - t)
    report("  path lookup + inputs", samples)
    inputs = lock_inputs(vault, 3, 1, 1)
    report("  witness (cs.solve)", [timed(lambda: cs.solve(inputs)) for _ in ids])
    w = cs.solve(inputs)
    report("  Groth16 prove", [timed(lambda: prove(pk, cs, w)) for _ in ids], "s")
    vault.close()


if __name__ == "__main__":
    main()
