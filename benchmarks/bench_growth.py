"""How cost grows with size, ours and gnark's in one sitting (issue 17): JSON, a table, a plot.

    python benchmarks/bench_growth.py --quick                 # small sizes, 3 runs: a smoke run
    python benchmarks/bench_growth.py --max-log2 16 --runs 5  # the quiet run the docs show
    python benchmarks/bench_growth.py                         # every size up to 2^20
    python benchmarks/bench_growth.py --series lock --threads 2
    python benchmarks/bench_growth.py --replot benchmarks/.cache/growth.json   # redraw only

Series (``--series``, comma-separated):

* ``lock``: CollateralLock(D), D in 8, 16, 20, 32;
* ``synthetic``: a chain of blocks of one Poseidon(2) (240 constraints) and 16 multiplications,
  2^12 .. 2^20 constraints (up to ``--max-log2``);
* ``vault``: ours only, 2^10 .. 2^20 locks (up to ``--max-log2``), depth 20, each thread
  count: bulk build in memory, one append to a SQLite vault (synchronous=FULL), one inclusion
  path.

For each size of ``lock`` and ``synthetic``: our circuit is compiled and its development key
made once (``pkey.save``, the key carries the circuit), then for each thread count (``--threads``,
default 2 then 1) our side runs in a fresh process (``RAYON_NUM_THREADS``), followed at once by
gnark's (``benchmarks/gnark``, ``GOMAXPROCS``; its keys too are made once per size). Each side
times ``--runs`` runs of: the witness solve; prove, witness solve included (ours: ``fullprove``
from the key file's circuit, what ``zkcollat prove`` does in process; gnark's ``groth16.Prove``
solves its witness itself); verify. Each side also reports the peak RSS (VmHWM) of a fresh
process that loads its key from a file and proves once. The two circuits are checked to be the
same statement: gnark's program reproduces the lock input's Merkle root and the chain's output y
with circomlib's Poseidon, and both constraint counts are printed.

Writes ``--out`` (JSON), ``--table`` (Markdown: medians, ratio ours / gnark per size) and
``--plot`` (PNG, log-log: ours solid, gnark dashed, one colour per series and thread count).
Defaults write under benchmarks/.cache/; only a quiet machine's run belongs in docs/ (pass
``--table docs/growth.md --plot docs/growth.png``). ``--gnark FILE`` takes gnark's records (JSON
lines printed by ``gnarkgrowth``) instead of running gnark. Not a test: it asserts nothing
about times.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from timing import min_median  # noqa: E402

GNARK_DIR = ROOT / "benchmarks" / "gnark"
CACHE = ROOT / "benchmarks" / ".cache"
CONSTANTS = ROOT / "zkcollat" / "hash" / "poseidon_constants.json"
KINDS = ("prove", "verify", "witness")  # timed per record, seconds
SERIES = ("lock", "synthetic", "vault")
WITHIN = 1.05  # the bar: ours within 5% of gnark's curve, or below it
CHAIN_X = 0x1234567
BLOCK = 256  # constraints per chain block: one Poseidon(2) (240) and 16 multiplications

Record = dict[str, Any]


# ---------------------------------------------------------------- sizes


def sizes(quick: bool, max_log2: int) -> dict[str, list[int]]:
    """The sizes of each series: lock depths, synthetic and vault log2 sizes."""
    if quick:
        plan = {"lock": [4, 8], "synthetic": [10, 11], "vault": [6, 8]}
    else:
        plan = {"lock": [8, 16, 20, 32], "synthetic": list(range(12, 21)),
                "vault": list(range(10, 21, 2))}
    plan["synthetic"] = [k for k in plan["synthetic"] if k <= max_log2]
    plan["vault"] = [k for k in plan["vault"] if k <= max_log2]
    return plan


def parse_series(text: str) -> list[str]:
    chosen = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SERIES]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"--series takes a comma-separated subset of {', '.join(SERIES)}; got {text!r}")
    return chosen


def parse_threads(text: str) -> list[int]:
    try:
        threads = [int(t) for t in text.split(",")]
    except ValueError:
        threads = []
    if not threads or any(t < 1 for t in threads):
        raise argparse.ArgumentTypeError(f"--threads takes counts >= 1 like 2,1; got {text!r}")
    return threads


# ---------------------------------------------------------------- our side (worker processes)


def chain_circuit(n_constraints: int) -> tuple[Any, dict[str, int]]:
    """The synthetic circuit of about ``n_constraints`` constraints and its inputs."""
    from zkcollat.field import R
    from zkcollat.gadgets.poseidon import poseidon
    from zkcollat.hash import poseidon_hash
    from zkcollat.r1cs import Api, Circuit, Private, Public

    blocks = max(1, n_constraints // BLOCK)

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

    s = CHAIN_X * CHAIN_X % R
    for _ in range(blocks):
        s = poseidon_hash([s, CHAIN_X])
        for _ in range(16):
            s = (s * s + CHAIN_X) % R
    return Chain(), {"y": s, "x": CHAIN_X}


def prepare(series: str, param: int, keys: Path) -> Record:
    """Compile our circuit, make its development key (with the circuit) and write its inputs."""
    from bench_groth16 import lock_inputs

    from zkcollat.formats import pkey
    from zkcollat.groth16.setup import setup
    from zkcollat.statements import CollateralLock

    if series == "lock":
        cs = CollateralLock(param).compile()
        inputs: dict[str, Any] = lock_inputs(param)
    else:
        circuit, inputs = chain_circuit(1 << param)
        cs = circuit.compile()
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pk, _ = setup(cs)
    setup_s = time.perf_counter() - t
    pkey.save(pk, keys / "k.zkpk")
    (keys / "inputs.json").write_text(json.dumps(inputs))
    out: Record = {"constraints": cs.n_constraints, "wires": cs.n_wires, "setup_s": setup_s}
    if series == "synthetic":
        out["y"] = str(inputs["y"])
    return out


def _timed(fn: Callable[[], object], runs: int) -> dict[str, float]:
    lo, mid = min_median(fn, runs)
    return {"min": lo, "median": mid}


_PEAK_CHILD = """
import json, sys, warnings
warnings.simplefilter("ignore")
sys.path.insert(0, {root!r})
from zkcollat.formats import pkey
from zkcollat.groth16.prove import fullprove
pk = pkey.load({key!r})
fullprove(pk, pk.circuit, json.loads(open({inputs!r}).read()))
print([l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM:")][0])
"""


def peak_prove_rss_mb(keys: Path) -> float:
    """Peak RSS (VmHWM, MB) of a fresh process that loads the key file and proves once. VmHWM
    belongs to the new image; a child's ru_maxrss would carry the parent's size across exec."""
    code = _PEAK_CHILD.format(root=str(ROOT), key=str(keys / "k.zkpk"),
                              inputs=str(keys / "inputs.json"))
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return int(out.stdout.strip()) / 1024


def time_ours(keys: Path, runs: int, memory: bool) -> Record:
    """Our timings for the key in ``keys`` (this process's thread count)."""
    from zkcollat.formats import pkey
    from zkcollat.groth16.prove import fullprove
    from zkcollat.groth16.verify import verify

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pk = pkey.load(keys / "k.zkpk")
    cs = pk.circuit
    assert cs is not None, "the key carries no circuit"
    inputs = json.loads((keys / "inputs.json").read_text())
    proof, public = fullprove(pk, cs, inputs)  # untimed: first-use costs
    if not verify(pk.vk, public, proof):
        raise SystemExit("our proof does not verify")
    out: Record = {
        "witness": _timed(lambda: cs.solve_packed(inputs), runs),
        "prove": _timed(lambda: fullprove(pk, cs, inputs), runs),
        "verify": _timed(lambda: verify(pk.vk, public, proof), runs),
    }
    if memory:
        out["peak_rss_mb"] = peak_prove_rss_mb(keys)
    return out


def vault_series(log2s: Iterable[int], appends: int) -> list[Record]:
    from bench_vault import make_locks

    from zkcollat.vault import Vault
    from zkcollat.vault.tree import PoseidonTree
    from zkcollat.vault.vault import leaves_of_locks

    out = []
    PoseidonTree.from_leaves_packed(20, leaves_of_locks(make_locks(0, 16)))  # first-use costs
    for k in log2s:
        n = 1 << k
        locks = make_locks(0, n)
        t = time.perf_counter()
        PoseidonTree.from_leaves_packed(20, leaves_of_locks(locks))
        build = time.perf_counter() - t
        with tempfile.TemporaryDirectory() as tmp:
            vault = Vault.open(Path(tmp) / "v.sqlite", 20)
            vault.insert_many(locks, block_number=1)
            extra = make_locks(n, appends)
            append = _timed_each(vault.append, [((lk,), {"block_number": 2}) for lk in extra])
            path = _timed_each(vault.generate_proof,
                               [(((i * 7919) % n,), {}) for i in range(appends)])
            vault.close()
        out.append({"log2": k, "locks": n, "bulk build": {"min": build, "median": build},
                    "append (FULL)": append, "path": path})
        print(f"  vault 2^{k}: bulk build {build:.3f} s, append median "
              f"{append['median'] * 1e3:.3f} ms, path median {path['median'] * 1e3:.3f} ms",
              flush=True)
    return out


def _timed_each(fn: Callable[..., object],
                calls: Iterable[tuple[tuple[Any, ...], dict[str, Any]]]) -> dict[str, float]:
    """Min and median of one timed call of ``fn`` per ``(args, kwargs)``."""
    samples = []
    for a, kw in calls:
        t = time.perf_counter()
        fn(*a, **kw)
        samples.append(time.perf_counter() - t)
    return {"min": min(samples), "median": statistics.median(samples)}


# ---------------------------------------------------------------- gnark's side


def build_gnark(out: Path) -> Path:
    """``go build`` of benchmarks/gnark (modules from the Go module cache or proxy)."""
    go = shutil.which("go")
    if go is None:
        raise SystemExit("bench_growth.py: no `go` command (Go >= 1.26 builds benchmarks/gnark); "
                         "pass --no-gnark to measure ours only")
    out.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "GOFLAGS": "-mod=mod", "GOWORK": "off"}
    subprocess.run([go, "build", "-o", str(out), "."], cwd=GNARK_DIR, env=env, check=True)
    return out


def time_gnark(binary: Path, series: str, param: int, keys: Path, inputs: Path, runs: int,
               threads: int, memory: bool) -> Record:
    cmd = [str(binary), "lock" if series == "lock" else "chain",
           "-consts", str(CONSTANTS), "-runs", str(runs), "-keys", str(keys),
           f"-memory={str(memory).lower()}"]
    cmd += ["-depth", str(param), "-input", str(inputs)] if series == "lock" else [
        "-log2", str(param)]
    run = subprocess.run(cmd, check=True, capture_output=True, text=True,
                         env={**os.environ, "GOMAXPROCS": str(threads)})
    record: Record = json.loads(run.stdout)
    return record


# ---------------------------------------------------------------- the sitting


def _run_worker(args: list[str], threads: int) -> Record:
    with tempfile.TemporaryDirectory() as tmp:
        part = Path(tmp) / "part.json"
        subprocess.run([sys.executable, __file__, "--worker", str(part), *args], check=True,
                       env={**os.environ, "RAYON_NUM_THREADS": str(threads)})
        record: Record = json.loads(part.read_text())
        return record


def _ms(x: float) -> str:
    return f"{x * 1e3:.2f}"


def sitting(args: argparse.Namespace, plan: dict[str, list[int]],
            gnark_bin: Path | None) -> tuple[list[Record], list[Record]]:
    records: list[Record] = []
    for series in ("lock", "synthetic"):
        if series not in args.series:
            continue
        for param in plan[series]:
            label = f"CollateralLock({param})" if series == "lock" else f"synthetic 2^{param}"
            wall, cpu = time.perf_counter(), _children_cpu()
            with tempfile.TemporaryDirectory() as tmp:
                keys = Path(tmp)
                (keys / "gnark").mkdir()
                prep = _run_worker(["--prepare", series, str(param), str(keys)],
                                   max(args.threads))
                print(f"== {label}: ours {prep['constraints']} constraints "
                      f"(setup {prep['setup_s']:.1f} s)", flush=True)
                for threads in args.threads:
                    ours = _run_worker(["--time", str(keys), "--runs", str(args.runs)]
                                       + ([] if args.memory else ["--no-memory"]), threads)
                    ours.update(system="zkcollat", series=series, param=param, threads=threads,
                                constraints=prep["constraints"], wires=prep["wires"],
                                runs=args.runs)
                    records.append(ours)
                    line = (f"  {threads} thr  ours  prove {_ms(ours['prove']['median'])} ms, "
                            f"verify {_ms(ours['verify']['median'])} ms")
                    print(line, flush=True)
                    if gnark_bin is None:
                        continue
                    theirs = time_gnark(gnark_bin, series, param, keys / "gnark",
                                        keys / "inputs.json", args.runs, threads, args.memory)
                    if series == "synthetic" and theirs.get("y") != prep["y"]:
                        raise SystemExit(f"{label}: gnark's chain output y = {theirs.get('y')} "
                                         f"differs from ours {prep['y']}: not the same circuit")
                    records.append(theirs)
                    print(f"  {threads} thr  gnark prove {_ms(theirs['prove']['median'])} ms, "
                          f"verify {_ms(theirs['verify']['median'])} ms "
                          f"({theirs['constraints']} constraints; ratio ours / gnark prove "
                          f"{ours['prove']['median'] / theirs['prove']['median']:.2f})",
                          flush=True)
            print(f"  ({label}: {time.perf_counter() - wall:.1f} s wall, "
                  f"{_children_cpu() - cpu:.1f} s CPU in its processes)", flush=True)
    vault: list[Record] = []
    if "vault" in args.series and plan["vault"]:
        for threads in args.threads:
            print(f"== vault (ours, {threads} thr)", flush=True)
            wall, cpu = time.perf_counter(), _children_cpu()
            part = _run_worker(["--vault", ",".join(map(str, plan["vault"])),
                                "--appends", str(args.appends)], threads)
            vault += [{**v, "threads": threads} for v in part["vault"]]
            print(f"  (vault, {threads} thr: {time.perf_counter() - wall:.1f} s wall, "
                  f"{_children_cpu() - cpu:.1f} s CPU in its processes)", flush=True)
    return records, vault


def _children_cpu() -> float:
    """CPU seconds (user + system) of the finished child processes: a work count that load
    does not inflate much, for estimating how long a quiet run takes."""
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def machine() -> dict[str, Any]:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": model, "cores": os.cpu_count(), "python": platform.python_version(),
            "load_start": round(os.getloadavg()[0], 2)}


def _git_head() -> str:
    run = subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%h"],
                         capture_output=True, text=True)
    return run.stdout.strip() or "unknown"


# ---------------------------------------------------------------- table and plot


def pairs(records: list[Record]) -> list[tuple[Record, Record | None]]:
    """Our records, each with gnark's record of the same series, size and thread count (or
    None), in series, size, then descending thread count order."""
    theirs = {(r["series"], r["param"], r["threads"]): r for r in records
              if r["system"] == "gnark"}
    ours = [r for r in records if r["system"] == "zkcollat"]
    ours.sort(key=lambda r: (SERIES.index(r["series"]), r["param"], -r["threads"]))
    return [(r, theirs.get((r["series"], r["param"], r["threads"]))) for r in ours]


def ratio(ours: Record, theirs: Record | None, kind: str) -> float | None:
    """ours / gnark of the medians of ``kind`` (or of the peak RSS), None without gnark's."""
    if theirs is None:
        return None
    if kind == "peak_rss_mb":
        a, b = ours.get(kind), theirs.get(kind)
    else:
        a, b = ours[kind]["median"], theirs[kind]["median"]
    if a is None or b is None or b <= 0:
        return None
    return float(a) / float(b)


def _cell(x: float | None, fmt: str) -> str:
    return "–" if x is None else format(x, fmt)


def _verdict(r: float | None) -> str:
    if r is None:
        return "–"
    return f"**{r:.2f}**" if r > WITHIN else f"{r:.2f}"


def table(results: dict[str, Any], plot_link: str = "growth.png") -> str:
    """The Markdown page: the sitting, then one table per series (medians, ms and MB), then a
    link to the plot (``plot_link``, relative to the page)."""
    m = results["machine"]
    lines = [
        "# How cost grows: zkcollat and gnark in one sitting",
        "",
        f"Measured {results['started']} to {results['finished']} UTC on {m['cpu']} "
        f"({m['cores']} cores; load average {m['load_start']} at the start, {m.get('load_end')} "
        f"at the end), zkcollat at commit {results['commit']}, {results.get('gnark') or 'no gnark'}"
        f", {results['runs']} timed runs per figure:",
        "",
        f"    {results['command']}",
        "",
        "Medians; minima are in the JSON. **prove** includes the witness solve on both sides "
        "(ours: `fullprove` from the key file's circuit, as `zkcollat prove` does in process; "
        "gnark's `groth16.Prove` solves its witness). **peak RSS**: a fresh process that loads "
        "its key from a file and proves once. **ratio** = ours / gnark, in bold where ours is "
        f"more than {round((WITHIN - 1) * 100)}% above gnark's (the issue's bar).",
    ]
    header = ("| {size} | threads | constraints (ours / gnark) | prove ms: ours / gnark | ratio "
              "| verify ms: ours / gnark | ratio | witness ms: ours / gnark | ratio "
              "| peak RSS MB: ours / gnark | ratio |")
    titles = {"lock": ("CollateralLock(D)", "D"), "synthetic": ("Synthetic chain", "2^k")}
    rows = pairs(results["records"])
    worst: dict[str, tuple[float, str]] = {}
    for series, (title, size) in titles.items():
        mine = [(o, t) for o, t in rows if o["series"] == series]
        if not mine:
            continue
        lines += ["", f"## {title}", "", header.format(size=size),
                  "|---:|---:|---|---|---:|---|---:|---|---:|---|---:|"]
        for o, t in mine:
            cells = [str(o["param"]) if series == "lock" else f"2^{o['param']}", str(o["threads"]),
                     f"{o['constraints']:,} / " + ("–" if t is None else f"{t['constraints']:,}")]
            for kind in KINDS:
                r = ratio(o, t, kind)
                cells += [f"{_ms(o[kind]['median'])} / "
                          + ("–" if t is None else _ms(t[kind]["median"])), _verdict(r)]
                if r is not None and (kind not in worst or r > worst[kind][0]):
                    worst[kind] = (r, f"{title.split('(')[0]} {cells[0]}, {o['threads']} thr")
            r = ratio(o, t, "peak_rss_mb")
            cells += [f"{_cell(o.get('peak_rss_mb'), '.1f')} / "
                      + ("–" if t is None else _cell(t.get("peak_rss_mb"), ".1f")), _verdict(r)]
            if r is not None and ("peak RSS" not in worst or r > worst["peak RSS"][0]):
                worst["peak RSS"] = (r, f"{title.split('(')[0]} {cells[0]}, {o['threads']} thr")
            lines.append("| " + " | ".join(cells) + " |")
    if worst:
        lines += ["", "Largest ratio ours / gnark (medians) over the sizes above:", ""]
        for kind, (r, where) in worst.items():
            met = "within 5% or below: met" if r <= WITHIN else "above 5%: not met"
            lines.append(f"- {kind}: {r:.2f} ({where}): {met}")
    if results.get("vault"):
        lines += ["", "## Vault (ours, depth 20)", "",
                  "| locks | threads | bulk build s (one run) | append ms, synchronous=FULL "
                  "(min / median) | inclusion path ms (min / median) |", "|---:|---:|---|---|---|"]
        for v in sorted(results["vault"], key=lambda v: (v["log2"], -v.get("threads", 2))):
            b, a, p = v["bulk build"], v["append (FULL)"], v["path"]
            lines.append(f"| 2^{v['log2']} | {v.get('threads', 2)} | {b['median']:.3f} | "
                         f"{_ms(a['min'])} / {_ms(a['median'])} | {_ms(p['min'])} / "
                         f"{_ms(p['median'])} |")
    lines += ["", f"Plot: [{Path(plot_link).name}]({plot_link}) (log-log; ours solid, gnark "
              "dashed).", ""]
    return "\n".join(lines)


def plot(results: dict[str, Any], path: Path) -> None:
    """Log-log panels against constraints (prove, verify, peak RSS) and the vault against
    locks: one colour per series and thread count, ours solid with dots, gnark dashed with
    crosses."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    records = results["records"]
    keys = sorted({(r["series"], r["threads"]) for r in records},
                  key=lambda k: (SERIES.index(k[0]), -k[1]))
    palette = [plt.get_cmap("tab10")(i) for i in range(10)]
    colour = {k: palette[i % len(palette)] for i, k in enumerate(keys)}
    fig, grid = plt.subplots(2, 2, figsize=(14, 10))
    axes = list(grid.flat)
    panels = (("prove", "prove, witness solve included"), ("verify", "verify"),
              ("peak_rss_mb", "peak RSS, proving from a key file"))
    for ax, (kind, title) in zip(axes, panels, strict=False):
        for series, threads in keys:
            for system, style, marker in (("zkcollat", "-", "o"), ("gnark", "--", "x")):
                pts = sorted((r["constraints"], r[kind] if kind == "peak_rss_mb"
                              else r[kind]["median"]) for r in records
                             if r["system"] == system and r["series"] == series
                             and r["threads"] == threads and r.get(kind) is not None)
                if pts:
                    ax.loglog([p[0] for p in pts], [p[1] for p in pts], style, marker=marker,
                              color=colour[(series, threads)],
                              label=f"{system} {series}, {threads} thr")
        ax.set(xlabel="constraints", title=title,
               ylabel="MB" if kind == "peak_rss_mb" else "seconds (median)")
    vault_ax = axes[3]
    vault = results.get("vault", [])
    vault_threads = sorted({v.get("threads", 2) for v in vault}, reverse=True)
    for i, name in enumerate(("bulk build", "append (FULL)", "path")):
        for j, threads in enumerate(vault_threads):
            pts = sorted((v["locks"], v[name]["median"]) for v in vault
                         if v.get("threads", 2) == threads)
            vault_ax.loglog([p[0] for p in pts], [p[1] for p in pts], "-" if j == 0 else ":",
                            marker="o", color=palette[(len(keys) + i) % len(palette)],
                            label=f"{name}, {threads} thr")
    vault_ax.set(xlabel="locks", ylabel="seconds (median)", title="vault (ours)")
    for ax in axes:
        ax.grid(True, which="both", alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
    m = results["machine"]
    fig.suptitle(f"zkcollat {results['commit']} vs {results.get('gnark') or 'no gnark'}\n"
                 f"{m['cpu']}, {m['cores']} cores, {results['started']} UTC\n"
                 f"{results['command']}", fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def read_gnark_records(path: Path) -> list[Record]:
    """gnark's records from a file of JSON lines (``gnarkgrowth`` output), lock and chain only."""
    out = []
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        rec = json.loads(line)
        if not isinstance(rec, dict) or rec.get("system") != "gnark" or rec.get(
                "series") not in ("lock", "synthetic"):
            raise SystemExit(f"{path}:{n}: not a gnarkgrowth lock or chain record")
        missing = [k for k in ("param", "threads", "constraints", *KINDS) if k not in rec]
        if missing:
            raise SystemExit(f"{path}:{n}: gnark's record has no {', '.join(missing)}")
        out.append(rec)
    return out


def write_outputs(results: dict[str, Any], args: argparse.Namespace) -> None:
    args.table.parent.mkdir(parents=True, exist_ok=True)
    link = os.path.relpath(args.plot.resolve(), args.table.resolve().parent)
    args.table.write_text(table(results, Path(link).as_posix()))
    plot(results, args.plot)
    print(f"wrote {args.table} and {args.plot}")


# ---------------------------------------------------------------- main


def _utc() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M")


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, at most 3 runs")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per figure (default 5)")
    ap.add_argument("--threads", type=parse_threads, default=[2, 1], help="default 2,1")
    ap.add_argument("--series", type=parse_series, default=list(SERIES),
                    help="comma-separated: lock, synthetic, vault (default all)")
    ap.add_argument("--max-log2", type=int, default=20,
                    help="largest synthetic circuit (2^K constraints) and vault (2^K locks)")
    ap.add_argument("--no-memory", dest="memory", action="store_false",
                    help="skip the peak-RSS proving processes")
    ap.add_argument("--no-gnark", action="store_true", help="ours only")
    ap.add_argument("--gnark", type=Path, default=None,
                    help="gnark's records (JSON lines from gnarkgrowth) instead of running it")
    ap.add_argument("--appends", type=int, default=100)
    ap.add_argument("--out", type=Path, default=CACHE / "growth.json")
    ap.add_argument("--table", type=Path, default=CACHE / "growth.md")
    ap.add_argument("--plot", type=Path, default=CACHE / "growth.png")
    ap.add_argument("--replot", type=Path, default=None,
                    help="write --table and --plot from this JSON of an earlier run; measure "
                         "nothing")
    ap.add_argument("--worker", type=Path, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--prepare", nargs=3, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--time", type=Path, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--vault", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.replot is not None:
        earlier: dict[str, Any] = json.loads(args.replot.read_text())
        if args.gnark is not None:
            earlier["records"] = [r for r in earlier["records"] if r["system"] != "gnark"]
            earlier["records"] += read_gnark_records(args.gnark)
        write_outputs(earlier, args)
        return
    from native_only import require_native  # benchmarks/ is the script's folder

    require_native("bench_growth.py")
    if args.runs < 1:
        ap.error("--runs must be >= 1")
    if args.worker is not None:
        if args.prepare is not None:
            series, param, keys = args.prepare
            part = prepare(series, int(param), Path(keys))
        elif args.time is not None:
            part = time_ours(args.time, args.runs, args.memory)
        else:
            part = {"vault": vault_series([int(k) for k in args.vault.split(",")], args.appends)}
        args.worker.write_text(json.dumps(part))
        return
    if args.quick:
        args.runs = min(args.runs, 3)
    plan = sizes(args.quick, args.max_log2)
    gnark_bin = None
    gnark_version = None
    if not args.no_gnark and args.gnark is None and {"lock", "synthetic"} & set(args.series):
        gnark_bin = build_gnark(CACHE / "gnarkgrowth")
        check = subprocess.run([str(gnark_bin), "check", "-consts", str(CONSTANTS)],
                               check=True, capture_output=True, text=True)
        info = json.loads(check.stdout)
        gnark_version = f"{info['gnark']} ({info['go']})"
        print(f"gnark: {gnark_version}; Poseidon: {info['poseidon']}", flush=True)
    results: dict[str, Any] = {
        "schema": 2, "machine": machine(), "started": _utc(), "commit": _git_head(),
        "command": "python benchmarks/bench_growth.py " + " ".join(sys.argv[1:]),
        "runs": args.runs, "threads": args.threads, "gnark": gnark_version,
    }
    t0 = time.perf_counter()
    records, vault = sitting(args, plan, gnark_bin)
    if args.gnark is not None:
        gnark_records = read_gnark_records(args.gnark)
        records += gnark_records
        results["gnark"] = f"{gnark_records[0]['gnark']} (from {args.gnark})" if gnark_records \
            else None
    results.update(records=records, vault=vault, finished=_utc(),
                   seconds=round(time.perf_counter() - t0, 1))
    results["machine"]["load_end"] = round(os.getloadavg()[0], 2)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1))
    print(f"wrote {args.out} ({results['seconds']} s)")
    write_outputs(results, args)


if __name__ == "__main__":
    main()
