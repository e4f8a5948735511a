"""Benchmark of the BN254 core on both backends: MSM (G1, G2), FFT, 4-pair pairing check.

Prints min and median over several runs. The reference backend is pure Python and is only
run at the smallest size (it would take minutes at 2^16); pass --reference-sizes to change.

    python benchmarks/bench_core.py            # native at 2^10, 2^14, 2^16; reference at 2^8
    python benchmarks/bench_core.py --quick    # smaller sizes, for a smoke run
"""

from __future__ import annotations

import argparse
import random

from timing import min_median as timed  # benchmarks/ is the script's folder

from zkcollat.curve import G1_GENERATOR, G2_GENERATOR, load_backend
from zkcollat.curve.backend import Backend
from zkcollat.field import R, pack_fr


def points(backend: Backend, n: int, g2: bool) -> list:
    """n distinct points: multiples of the generator by a native MSM-free walk (cheap setup)."""
    nat = load_backend("native")
    base = nat.g2_mul(G2_GENERATOR, 7) if g2 else nat.g1_mul(G1_GENERATOR, 7)
    add = nat.g2_add if g2 else nat.g1_add
    out, acc = [], base
    for _ in range(n):
        out.append(acc)
        acc = add(acc, base)
    return out


def report(name: str, backend: str, size: str, t: tuple[float, float], target: str = "") -> None:
    print(
        f"{name:<18} {backend:<10} {size:>8}   min {t[0] * 1e3:10.2f} ms"
        f"   median {t[1] * 1e3:10.2f} ms  {target}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes only")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--reference-sizes", type=int, nargs="*", default=[8], metavar="LOG2")
    args = ap.parse_args()
    from native_only import require_native  # benchmarks/ is the script's folder

    require_native("bench_core.py")
    sizes = [10, 12] if args.quick else [10, 14, 16]
    ref_sizes = [s for s in args.reference_sizes if s <= max(sizes)]
    rng = random.Random(1)
    targets = {("g1", 16): "(target <= 300 ms)", ("g2", 16): "(target <= 1000 ms)"}
    for name in ("native", "reference"):
        b = load_backend(name)
        runs = args.runs if name == "native" else 1
        for log in sizes if name == "native" else ref_sizes:
            n = 1 << log
            ks = pack_fr(rng.randrange(R) for _ in range(n))
            for group in ("g1", "g2"):
                vec = (b.g2_vector if group == "g2" else b.g1_vector)(points(b, n, group == "g2"))
                report(
                    f"{group.upper()} MSM",
                    name,
                    f"2^{log}",
                    timed(lambda vec=vec, ks=ks: vec.msm(ks), runs),
                    targets.get((group, log), "") if name == "native" else "",
                )
        flog = 12 if args.quick else 16
        if name == "reference":
            flog = min(flog, 12)
        vals = [rng.randrange(R) for _ in range(1 << flog)]
        packed = pack_fr(vals)
        report(
            "FFT (packed)",
            name,
            f"2^{flog}",
            timed(lambda b=b, packed=packed: b.fft_packed(packed), runs),
            "(target <= 30 ms)" if name == "native" and flog == 16 else "",
        )
        report(
            "FFT (int list)",
            name,
            f"2^{flog}",
            timed(lambda b=b, vals=vals: b.fft(vals), runs),
            "(includes int <-> bytes conversion)" if name == "native" else "",
        )
        g, q = G1_GENERATOR, G2_GENERATOR
        pairs = [
            (b.g1_mul(g, 2), b.g2_mul(q, 3)),
            (b.g1_mul(g, 4), b.g2_mul(q, 5)),
            (b.g1_neg(g), b.g2_mul(q, 13)),
            (b.g1_neg(g), b.g2_mul(q, 13)),
        ]
        report(
            "4-pair check",
            name,
            "4",
            timed(lambda b=b, pairs=pairs: b.pairing_check(pairs), runs),
            "(target <= 5 ms)" if name == "native" else "",
        )


if __name__ == "__main__":
    main()
