"""The progress bars' cost (issue 20): a tree hashed whole (one native call per level) against
the same tree cut into the bars' chunks (``ReportingHasher``, 16,384 hashes a call). Prints
min/median CPU time (process_time) and wall time of each, measured interleaved (A, B, A, B...).

    python benchmarks/bench_progress.py                  # 2^18 locks, depth 20, 5 runs each
    python benchmarks/bench_progress.py --log2 20 --runs 3

It refuses to run on the reference backend (native_only.py). Not a test: it asserts only that
both ways give the same bytes.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from zkcollat.vault import Lock  # noqa: E402
from zkcollat.vault.tree import PoseidonTree, ReportingHasher, TreeHasher  # noqa: E402
from zkcollat.vault.vault import leaves_of_locks  # noqa: E402


def build(locks: list[Lock], depth: int, hasher: TreeHasher | None) -> tuple[bytes, float, float]:
    c, w = time.process_time(), time.perf_counter()
    leaves = leaves_of_locks(locks, hasher)
    tree = PoseidonTree.from_leaves_packed(depth, leaves, hasher)
    return bytes(tree.levels[depth]), time.process_time() - c, time.perf_counter() - w


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--log2", type=int, default=18, help="2^N locks (default 18)")
    ap.add_argument("--depth", type=int, default=20)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--chunk", type=int, default=1 << 14, help="hashes per call (the bars')")
    args = ap.parse_args()
    from native_only import require_native  # benchmarks/ is the script's folder

    require_native("bench_progress.py")
    n = 1 << args.log2
    locks = [
        Lock(i, 0x70997970C51812DC3A010C7D01B50E0D17DC79C8 + i, 42161,
             0xC02AAA39B223FE8D0A0E5C4F27EAD9083C756CC2, 10**18 + i, 1_900_000_000)
        for i in range(n)
    ]
    done = [0]
    chunked = ReportingHasher(lambda k: done.__setitem__(0, done[0] + k), chunk=args.chunk)
    cpu: dict[str, list[float]] = {"whole": [], "chunked": []}
    wall: dict[str, list[float]] = {"whole": [], "chunked": []}
    roots = set()
    for _ in range(args.runs):
        for name, h in (("whole", None), ("chunked", chunked)):
            root, c, w = build(locks, args.depth, h)
            roots.add(root)
            cpu[name].append(c)
            wall[name].append(w)
    assert len(roots) == 1, "the chunked build gave another root"
    print(f"{n} locks, depth {args.depth}, chunks of {args.chunk} hashes, {args.runs} runs each")
    for name in ("whole", "chunked"):
        print(f"  {name:<8} CPU min {min(cpu[name]):7.3f} s  median "
              f"{statistics.median(cpu[name]):7.3f} s   wall min {min(wall[name]):7.3f} s  "
              f"median {statistics.median(wall[name]):7.3f} s")
    ratio = statistics.median(cpu["chunked"]) / statistics.median(cpu["whole"])
    print(f"  chunked / whole, median CPU: {ratio:.3f}")


if __name__ == "__main__":
    main()
