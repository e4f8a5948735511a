"""How cost grows with size (issue 17): times against size on log-log axes, as JSON and a plot.

    python benchmarks/bench_growth.py                       # every series, threads 2 and 1
    python benchmarks/bench_growth.py --quick               # small sizes (a smoke run)
    python benchmarks/bench_growth.py --gnark gnark.json    # overlay gnark's points
    python benchmarks/bench_growth.py --replot benchmarks/.cache/growth.json --gnark g.json
                                                            # redraw only, measure nothing

Series (medians and minima of ``--runs`` runs, one process per thread count with
``RAYON_NUM_THREADS`` set, so that the thread pool has that size from its start):

* CollateralLock(D), D in 8, 16, 20, 32: witness solve, prove (from the solved witness),
  verify, and the peak RSS of a fresh process proving from a key file;
* a synthetic circuit of 2^12 .. 2^20 constraints: a chain of blocks of one Poseidon(2)
  (240 constraints) and 16 multiplications; setup is not timed, prove and verify are;
* the vault, 2^10 .. 2^20 locks (depth 20, 2 threads only): bulk build in memory (leaves and
  levels), one append to a SQLite vault (synchronous=FULL), one inclusion path.

Writes ``--out`` (JSON, default benchmarks/.cache/growth.json) and ``--plot`` (PNG, default
docs/growth.png). ``--gnark FILE``: a JSON object ``{"series": {"<name>": [[size, seconds],
...]}}`` from gnark's harness, drawn dashed in the same axes (the shared harness times
CollateralLock(20) only today; the other sizes need its depth made a flag). Only a quiet
machine's run belongs in the docs. Not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

Series = dict[str, list[list[float]]]


def _timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return min(samples), statistics.median(samples)


def _chain_circuit(n_constraints: int) -> tuple[Any, dict[str, int]]:
    """A circuit of about ``n_constraints`` constraints (blocks of a Poseidon(2) and 16
    multiplications) and its inputs."""
    from zkcollat.field import R
    from zkcollat.gadgets.poseidon import poseidon
    from zkcollat.hash import poseidon_hash
    from zkcollat.r1cs import Api, Circuit, Private, Public

    blocks = max(1, n_constraints // 256)

    class Chain(Circuit):
        y = Public()
        x = Private()

        def define(self, api: Api) -> None:
            s = api.mul(self.x, self.x)
            for _ in range(blocks):
                s = poseidon(api, [s, self.x])
                for _ in range(16):
                    s = api.mul(s, s) + self.x
            api.assert_equal(s, self.y)

    x = 0x1234567
    s = x * x % R
    for _ in range(blocks):
        s = poseidon_hash([s, x])
        for _ in range(16):
            s = (s * s + x) % R
    return Chain(), {"y": s, "x": x}


def _groth16_series(name: str, cs: Any, inputs: dict[str, Any], size: float, runs: int,
                    out: dict[str, Series]) -> None:
    from zkcollat.groth16.prove import prove
    from zkcollat.groth16.setup import setup
    from zkcollat.groth16.verify import verify

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pk, vk = setup(cs, seed=b"growth")
    w = cs.solve(inputs)
    proof = prove(pk, cs, w)  # warms the key's native vectors
    public = cs.public_values(w)
    for kind, fn in (("witness", lambda: cs.solve(inputs)), ("prove", lambda: prove(pk, cs, w)),
                     ("verify", lambda: verify(vk, public, proof))):
        mn, md = _timed(fn, runs)
        out.setdefault(f"{name} {kind}", {"min": [], "median": []})
        out[f"{name} {kind}"]["min"].append([size, mn])
        out[f"{name} {kind}"]["median"].append([size, md])
        print(f"  {name} {kind:<8} size {size:>9.0f}: min {mn * 1e3:10.2f} ms, "
              f"median {md * 1e3:10.2f} ms", flush=True)


def worker(args: argparse.Namespace) -> dict[str, Any]:
    """One thread count: the Groth16 series (and, with 2 threads, the vault)."""
    from bench_groth16 import lock_inputs, peak_memory_prove

    from zkcollat.statements import CollateralLock

    out: dict[str, Any] = {}
    for d in args.depths:
        cs = CollateralLock(d).compile()
        _groth16_series("CollateralLock", cs, lock_inputs(d), cs.n_constraints, args.runs, out)
        out.setdefault("CollateralLock constraints", []).append([d, cs.n_constraints])
        if args.memory:
            mb = peak_memory_prove(d)
            out.setdefault("CollateralLock prove peak RSS (MB)", []).append([cs.n_constraints, mb])
            print(f"  CollateralLock({d}) prove from a key file: peak RSS {mb:.1f} MB", flush=True)
    for k in args.synthetic:
        circuit, inputs = _chain_circuit(1 << k)
        cs = circuit.compile()
        _groth16_series("synthetic", cs, inputs, cs.n_constraints, args.runs, out)
    if args.vault and os.environ.get("RAYON_NUM_THREADS") == "2":
        _vault_series(args, out)
    return out


def _vault_series(args: argparse.Namespace, out: dict[str, Any]) -> None:
    from bench_vault import make_locks

    from zkcollat.vault import Vault
    from zkcollat.vault.tree import PoseidonTree
    from zkcollat.vault.vault import leaves_of_locks

    for k in args.vault:
        n = 1 << k
        locks = make_locks(0, n)
        t = time.perf_counter()
        PoseidonTree.from_leaves_packed(20, leaves_of_locks(locks))
        build = time.perf_counter() - t
        out.setdefault("vault bulk build", {"min": [], "median": []})
        out["vault bulk build"]["min"].append([n, build])
        out["vault bulk build"]["median"].append([n, build])
        with tempfile.TemporaryDirectory() as tmp:
            vault = Vault.open(Path(tmp) / "v.sqlite", 20)
            vault.insert_many(locks, block_number=1)
            extra = make_locks(n, args.appends)
            samples = []
            for lk in extra:
                t = time.perf_counter()
                vault.append(lk, block_number=2)
                samples.append(time.perf_counter() - t)
            out.setdefault("vault append (FULL)", {"min": [], "median": []})
            out["vault append (FULL)"]["min"].append([n, min(samples)])
            out["vault append (FULL)"]["median"].append([n, statistics.median(samples)])
            ids = [(i * 7919) % n for i in range(args.appends)]
            paths = []
            for i in ids:
                t = time.perf_counter()
                vault.generate_proof(i)
                paths.append(time.perf_counter() - t)
            out.setdefault("vault path", {"min": [], "median": []})
            out["vault path"]["min"].append([n, min(paths)])
            out["vault path"]["median"].append([n, statistics.median(paths)])
            vault.close()
        print(f"  vault 2^{k}: bulk build {build:.3f} s, append median "
              f"{statistics.median(samples) * 1e3:.3f} ms", flush=True)


def plot(results: dict[str, Any], gnark: dict[str, Any] | None, path: Path) -> None:
    """Three log-log panels: Groth16 times against constraints, peak RSS of a proof from a
    key file against constraints, the vault against locks. One colour per series, solid for
    2 threads and dotted for 1; gnark's points dashed with crosses."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = sorted({name for data in results["threads"].values() for name in data}
                   | set((gnark or {}).get("series", {})))
    palette = plt.get_cmap("tab20").colors
    colour = {name: palette[i % len(palette)] for i, name in enumerate(names)}
    fig, (times, memory, vault) = plt.subplots(1, 3, figsize=(18, 5.5))
    for threads, data in sorted(results["threads"].items()):
        style = "-" if threads == "2" else ":"
        for name, series in sorted(data.items()):
            if isinstance(series, dict):
                pts = series["median"]
                ax = vault if name.startswith("vault") else times
                label = name if name.startswith("vault") else f"{name}, {threads} thr"
            elif "RSS" in name:
                pts, ax, label = series, memory, f"{name}, {threads} thr"
            else:
                continue  # constraint counts: in the JSON only
            ax.loglog([p[0] for p in pts], [p[1] for p in pts], style, marker="o",
                      color=colour[name], label=label)
    for name, pts in sorted((gnark or {}).get("series", {}).items()):
        times.loglog([p[0] for p in pts], [p[1] for p in pts], "--", marker="x",
                     color=colour[name], label=f"gnark: {name}")
    times.set(xlabel="constraints", ylabel="seconds (median)",
              title="Groth16: witness, prove, verify")
    memory.set(xlabel="constraints", ylabel="MB", title="peak RSS, proving from a key file")
    vault.set(xlabel="locks", ylabel="seconds (median)", title="vault (2 threads)")
    for ax in (times, memory, vault):
        ax.grid(True, which="both", alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
    fig.suptitle(f"zkcollat cost growth ({results['machine']}; {results['command']})",
                 fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--threads", default="2,1")
    ap.add_argument("--no-memory", dest="memory", action="store_false")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / ".cache" / "growth.json")
    ap.add_argument("--plot", type=Path, default=ROOT / "docs" / "growth.png")
    ap.add_argument("--gnark", type=Path, default=None)
    ap.add_argument("--worker", type=Path, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--appends", type=int, default=100)
    ap.add_argument("--replot", type=Path, default=None,
                    help="draw --plot from this JSON of an earlier run (with --gnark), measure "
                         "nothing")
    args = ap.parse_args()
    if args.replot is not None:
        gnark = json.loads(args.gnark.read_text()) if args.gnark else None
        plot(json.loads(args.replot.read_text()), gnark, args.plot)
        print(f"wrote {args.plot} from {args.replot}")
        return
    from native_only import require_native  # benchmarks/ is the script's folder

    require_native("bench_growth.py")
    if args.quick:
        args.depths, args.synthetic, args.vault = [4, 8], [10, 11], [6, 8]
        args.runs = min(args.runs, 3)
    else:
        args.depths, args.synthetic, args.vault = [8, 16, 20, 32], list(range(12, 21)), list(
            range(10, 21, 2))
    if args.worker is not None:
        args.worker.write_text(json.dumps(worker(args)))
        return
    results: dict[str, Any] = {
        "machine": f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start",
        "command": " ".join(sys.argv), "threads": {},
    }
    for threads in args.threads.split(","):
        print(f"== RAYON_NUM_THREADS={threads}", flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            part = Path(tmp) / "part.json"
            cmd = [sys.executable, __file__, "--worker", str(part), "--runs", str(args.runs),
                   "--appends", str(args.appends)]
            cmd += ["--quick"] if args.quick else []
            cmd += [] if args.memory else ["--no-memory"]
            subprocess.run(cmd, check=True, env={**os.environ, "RAYON_NUM_THREADS": threads})
            results["threads"][threads] = json.loads(part.read_text())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1))
    gnark = json.loads(args.gnark.read_text()) if args.gnark else None
    plot(results, gnark, args.plot)
    print(f"wrote {args.out} and {args.plot}")


if __name__ == "__main__":
    main()
