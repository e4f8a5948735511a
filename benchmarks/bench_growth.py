"""How cost grows with size, ours and gnark's in one sitting (issue 17): JSON, a table, a plot.

    python benchmarks/bench_growth.py --quick                 # small sizes, one round: a smoke run
    python benchmarks/bench_growth.py --max-log2 16 --runs 5  # the quiet run the docs show
    python benchmarks/bench_growth.py                         # every size up to 2^20
    python benchmarks/bench_growth.py --series synthetic,vault --min-log2 17 --runs 3 --rounds 1 \
        --out benchmarks/.cache/large.json                    # the large sizes on their own
    python benchmarks/bench_growth.py --replot small.json large.json   # one table and plot
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
made once (``setup``, then ``pkey.save``: the key carries the circuit, and the cache records its
B2 query's check in G2, as ``zkcollat setup`` leaves it), gnark's too (``benchmarks/gnark``).
Then for each thread count (``--threads``, default 2 then 1) ``--rounds`` rounds (default 2):
in each, our side in a fresh process (``RAYON_NUM_THREADS``) and gnark's (``GOMAXPROCS``) in
turn, ours first in even rounds and gnark's first in odd ones; the samples of the rounds are
pooled per side, and the table shows their medians. In each round each side loads its key from
its file, proves and verifies once untimed (first-use costs), then times, in process and on
objects already in memory (nothing parsed inside a timing), each series after one untimed call:

* ``witness``, ``--fast-runs`` times (default 50: a millisecond operation needs many samples):
  the witness solved from the named inputs. Ours ``cs.solve_packed(inputs)`` (the circuit
  carried by the key; inputs a dict of ints); gnark ``ccs.Solve(full)`` (its assignment).
* ``prove``, ``--runs`` times: solve plus prove. Ours ``fullprove(pk, cs, inputs)``: the key and
  circuit checked to match (a cached digest), the witness solved, the proof made (the rows, H's
  FFTs, five MSMs; B2 split by G2's endomorphism on the record's word, and then the proof's B
  checked in G2), the public signals unpacked; what ``zkcollat prove --pk`` does in process.
  gnark ``groth16.Prove(ccs, pk, full)``, which solves its witness.
* ``verify``, ``--fast-runs`` times. Ours ``verify(vk, public, proof)``: the public inputs checked
  below r, the proof's points on their curves and B in G2, the inputs' MSM over the key's IC
  and one multi-Miller loop and final exponentiation against the key prepared once (the
  untimed first verify prepares it). gnark ``groth16.Verify(proof, vk, public)``: the proof's
  points checked in their subgroups, the inputs' MSM and the pairing check against its key's
  precomputed e(alpha, beta) (with two threads it runs the Miller loop of the proof's two
  pairs beside the inputs' MSM and the third pair's: each side uses what threads it is given).

Every timed call also records the process CPU time it used (every thread's; Go's garbage
collector included): the JSON has ``<kind>_cpu`` beside each figure, and the table lists the
largest CPU ratio too, a figure that a loaded machine distorts less than wall-clock time.
Each side also reports, in the first round, the peak RSS (VmHWM) of a fresh process that loads
its key from a file and proves once. The two circuits are checked to be the same statement:
gnark's program reproduces the lock input's Merkle root and the chain's output y with
circomlib's Poseidon, and both constraint counts are printed.

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


def sizes(quick: bool, max_log2: int, min_log2: int = 0) -> dict[str, list[int]]:
    """The sizes of each series: lock depths, synthetic and vault log2 sizes (those two from
    ``min_log2`` to ``max_log2``)."""
    if quick:
        plan = {"lock": [4, 8], "synthetic": [10, 11], "vault": [6, 8]}
    else:
        plan = {"lock": [8, 16, 20, 32], "synthetic": list(range(12, 21)),
                "vault": list(range(10, 21, 2))}
    plan["synthetic"] = [k for k in plan["synthetic"] if min_log2 <= k <= max_log2]
    plan["vault"] = [k for k in plan["vault"] if min_log2 <= k <= max_log2]
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


def _summary(samples: list[float]) -> dict[str, Any]:
    return {"min": min(samples), "median": statistics.median(samples), "samples": samples}


def _timed(fn: Callable[[], object], runs: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Min, median and every sample (seconds, in order) of ``runs`` calls of ``fn`` after one
    untimed call (what the previous series left in caches is not this one's): their wall-clock
    times, and the process CPU time (every thread's) each used. gnarkgrowth's ``timed`` does
    the same."""
    fn()
    samples, cpu = [], []
    for _ in range(runs):
        c = time.process_time()
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return _summary(samples), _summary(cpu)


def merge(parts: list[Record]) -> Record:
    """One record from the records of a size's interleaved rounds: the samples of each timed
    kind pooled (min and median over all), the peak RSS of the round that measured it."""
    out: Record = dict(parts[0])
    for kind in (*KINDS, *(f"{k}_cpu" for k in KINDS)):
        if not all(kind in p for p in parts):
            continue
        out[kind] = _summary([x for p in parts for x in p[kind].get("samples",
                                                                     [p[kind]["median"]])])
    rss = [p["peak_rss_mb"] for p in parts if p.get("peak_rss_mb") is not None]
    if rss:
        out["peak_rss_mb"] = rss[0]
    out["rounds"] = len(parts)
    return out


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


def time_ours(keys: Path, runs: int, fast_runs: int, memory: bool) -> Record:
    """Our timings for the key in ``keys`` (this process's thread count): ``fast_runs`` of the
    witness solve and of verify, ``runs`` of prove (see the module docstring for what each
    includes)."""
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
    out: Record = {}
    out["witness"], out["witness_cpu"] = _timed(lambda: cs.solve_packed(inputs), fast_runs)
    out["prove"], out["prove_cpu"] = _timed(lambda: fullprove(pk, cs, inputs), runs)
    out["verify"], out["verify_cpu"] = _timed(lambda: verify(pk.vk, public, proof), fast_runs)
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
            # The appends need room: a full tree (2^20 locks at depth 20) is timed from
            # 2^20 - appends locks, the bulk build above from all 2^20.
            stored = min(n, (1 << 20) - appends)
            vault.insert_many(locks[:stored], block_number=1)
            extra = make_locks(stored, appends)
            append = _timed_each(vault.append, [((lk,), {"block_number": 2}) for lk in extra])
            path = _timed_each(vault.generate_proof,
                               [(((i * 7919) % stored,), {}) for i in range(appends)])
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
               fast_runs: int, threads: int, memory: bool) -> Record:
    cmd = [str(binary), "lock" if series == "lock" else "chain",
           "-consts", str(CONSTANTS), "-runs", str(runs), "-fast-runs", str(fast_runs),
           "-keys", str(keys), f"-memory={str(memory).lower()}"]
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


def _r(ours: Record, theirs: Record, kind: str) -> str:
    if kind not in ours or kind not in theirs:
        return "-"
    return f"{ours[kind]['median'] / theirs[kind]['median']:.2f}"


def _ms(x: float) -> str:
    return f"{x * 1e3:.2f}"


def interleaved(args: argparse.Namespace, series: str, param: int, keys: Path, threads: int,
                gnark_bin: Path | None, prep: Record) -> tuple[Record, Record | None]:
    """``--rounds`` rounds of our worker and gnark's program for one size and thread count,
    the two in turn (ours first in even rounds, gnark's first in odd ones, so that neither
    always runs on a machine the other has just warmed or loaded), each timing ``--runs``
    proofs and ``--fast-runs`` witness solves and verifications; the samples of the rounds
    pooled per side (:func:`merge`). The peak RSS is measured in the first round only."""
    label = f"CollateralLock({param})" if series == "lock" else f"synthetic 2^{param}"
    mine: list[Record] = []
    theirs: list[Record] = []
    for round_ in range(args.rounds):
        memory = args.memory and round_ == 0
        sides = ["ours", "gnark"] if round_ % 2 == 0 else ["gnark", "ours"]
        for side in sides:
            if side == "ours":
                mine.append(_run_worker(
                    ["--time", str(keys), "--runs", str(args.runs), "--fast-runs",
                     str(args.fast_runs)] + ([] if memory else ["--no-memory"]), threads))
            elif gnark_bin is not None:
                rec = time_gnark(gnark_bin, series, param, keys / "gnark", keys / "inputs.json",
                                 args.runs, args.fast_runs, threads, memory)
                if series == "synthetic" and rec.get("y") != prep["y"]:
                    raise SystemExit(f"{label}: gnark's chain output y = {rec.get('y')} "
                                     f"differs from ours {prep['y']}: not the same circuit")
                theirs.append(rec)
    gnark = merge(theirs) if theirs else None
    if gnark is not None:
        gnark["fast_runs"] = args.fast_runs
    return merge(mine), gnark


def sitting(args: argparse.Namespace, plan: dict[str, list[int]], gnark_bin: Path | None,
            checkpoint: Callable[[list[Record], list[Record]], None] = lambda r, v: None,
            ) -> tuple[list[Record], list[Record]]:
    """Every size of the plan, ours and gnark's interleaved; ``checkpoint(records, vault)``
    after each size and each vault run, with what is measured so far."""
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
                    ours, theirs = interleaved(args, series, param, keys, threads, gnark_bin,
                                               prep)
                    ours.update(system="zkcollat", series=series, param=param, threads=threads,
                                constraints=prep["constraints"], wires=prep["wires"],
                                runs=args.runs, fast_runs=args.fast_runs)
                    records.append(ours)
                    line = (f"  {threads} thr  ours  prove {_ms(ours['prove']['median'])} ms, "
                            f"verify {_ms(ours['verify']['median'])} ms")
                    print(line, flush=True)
                    if theirs is None:
                        continue
                    records.append(theirs)
                    print(f"  {threads} thr  gnark prove {_ms(theirs['prove']['median'])} ms, "
                          f"verify {_ms(theirs['verify']['median'])} ms "
                          f"({theirs['constraints']} constraints); ratio ours / gnark of the "
                          f"medians: prove {_r(ours, theirs, 'prove')}, verify "
                          f"{_r(ours, theirs, 'verify')}; of the CPU medians: prove "
                          f"{_r(ours, theirs, 'prove_cpu')}, verify "
                          f"{_r(ours, theirs, 'verify_cpu')}", flush=True)
            print(f"  ({label}: {time.perf_counter() - wall:.1f} s wall, "
                  f"{_children_cpu() - cpu:.1f} s CPU in its processes)", flush=True)
            checkpoint(records, [])
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
            checkpoint(records, vault)
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
    elif kind not in ours or kind not in theirs:  # CPU times: not in older sittings
        return None
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


def _sampling(results: dict[str, Any]) -> str:
    """How many samples each figure pools (sittings before the rounds were one round of
    ``runs`` samples of everything)."""
    runs, rounds = results["runs"], results.get("rounds", 1)
    fast = results.get("fast_runs", runs)
    if rounds == 1 and fast == runs:
        return f"{runs} timed runs per figure"
    return (f"{rounds} interleaved round{'s' if rounds > 1 else ''} per size (ours and gnark in "
            f"turn, alternating which goes first), each side timing {runs} proofs and {fast} "
            f"witness solves and verifications per round")


def table(results: dict[str, Any], plot_link: str = "growth.png") -> str:
    """The Markdown page: the sitting, then one table per series (medians, ms and MB), then a
    link to the plot (``plot_link``, relative to the page)."""
    sittings = results.get("sittings") or [results]
    lines = ["# How cost grows: zkcollat and gnark in one sitting", ""]
    if len(sittings) > 1:
        lines[0] = "# How cost grows: zkcollat and gnark, each size in one sitting"
        lines += [f"Measured in {len(sittings)} sittings; each row names its sitting in "
                  "brackets, and ours and gnark's figures in a row are from that one sitting.", ""]
    for n, sit in enumerate(sittings, 1):
        m = sit["machine"]
        lines += [
            (f"[{n}] " if len(sittings) > 1 else "")
            + (f"Measured {sit['started']} to {sit['finished']} UTC on {m['cpu']} "
               if sit.get("finished") else
               f"Measured from {sit['started']} UTC, a sitting that did not finish (the sizes "
               f"it completed), on {m['cpu']} ")
            + f"({m['cores']} cores; load average {m['load_start']} at the start, "
            f"{m.get('load_end')} at the end), zkcollat at commit {sit['commit']}, "
            f"{sit.get('gnark') or 'no gnark'}, {_sampling(sit)}:",
            "",
            f"    {sit['command']}",
            "",
        ]
    lines += [
        "Medians of the pooled samples; minima and every sample are in the JSON. Each side "
        "times the same work, in process, from objects already in memory (nothing parsed "
        "inside a timing): **witness**: the witness solved from the named inputs (ours "
        "`ConstraintSystem.solve_packed`, gnark `ccs.Solve`); **prove**: solve plus prove "
        "(ours `fullprove` with the key file's circuit, as `zkcollat prove` does in process; "
        "gnark `groth16.Prove`, which solves its witness); **verify**: the public inputs "
        "checked, the proof's points checked (B in G2), the inputs' MSM and the pairing check "
        "with the key prepared once (ours `verify`, gnark `groth16.Verify`). Keys are read "
        "from files before the timings (ours a `.zkpk`: B2 split by G2's endomorphism when "
        "the cache records its check, as after `zkcollat setup`; gnark's without subgroup "
        "checks). **peak RSS**: a fresh process that loads its key from a file and proves "
        "once. **ratio** = ours / gnark, in bold where ours is "
        f"more than {round((WITHIN - 1) * 100)}% above gnark's (the issue's bar).",
    ]
    header = ("| {size} | threads | constraints (ours / gnark) | prove ms: ours / gnark | ratio "
              "| verify ms: ours / gnark | ratio | witness ms: ours / gnark | ratio "
              "| peak RSS MB: ours / gnark | ratio |")
    titles = {"lock": ("CollateralLock(D)", "D"), "synthetic": ("Synthetic chain", "2^k")}
    rows = pairs(results["records"])
    worst: dict[str, tuple[float, str]] = {}
    cpu_worst: dict[str, tuple[float, str]] = {}
    for series, (title, size) in titles.items():
        mine = [(o, t) for o, t in rows if o["series"] == series]
        if not mine:
            continue
        lines += ["", f"## {title}", "", header.format(size=size),
                  "|---:|---:|---|---|---:|---|---:|---|---:|---|---:|"]
        for o, t in mine:
            size = str(o["param"]) if series == "lock" else f"2^{o['param']}"
            if len(sittings) > 1:
                size += f" [{o['sitting']}]"
            cells = [size, str(o["threads"]),
                     f"{o['constraints']:,} / " + ("–" if t is None else f"{t['constraints']:,}")]
            for kind in KINDS:
                r = ratio(o, t, kind)
                cells += [f"{_ms(o[kind]['median'])} / "
                          + ("–" if t is None else _ms(t[kind]["median"])), _verdict(r)]
                if r is not None and (kind not in worst or r > worst[kind][0]):
                    worst[kind] = (r, f"{title.split('(')[0]} {cells[0]}, {o['threads']} thr")
            for kind in ("prove_cpu", "verify_cpu"):
                r = ratio(o, t, kind)
                name = f"{kind.split('_')[0]} CPU"
                if r is not None and (name not in cpu_worst or r > cpu_worst[name][0]):
                    cpu_worst[name] = (r, f"{title.split('(')[0]} {cells[0]}, {o['threads']} thr")
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
    if cpu_worst:
        lines += ["", "Largest ratio ours / gnark of the process CPU time per call (medians; "
                  "the JSON has every figure):", ""]
        for kind, (r, where) in cpu_worst.items():
            lines.append(f"- {kind}: {r:.2f} ({where})")
    if results.get("vault"):
        lines += ["", "## Vault (ours, depth 20)", "",
                  "| locks | threads | bulk build s (one run) | append ms, synchronous=FULL "
                  "(min / median) | inclusion path ms (min / median) |", "|---:|---:|---|---|---|"]
        for v in sorted(results["vault"], key=lambda v: (v["log2"], -v.get("threads", 2))):
            b, a, p = v["bulk build"], v["append (FULL)"], v["path"]
            size = f"2^{v['log2']}" + (f" [{v['sitting']}]" if len(sittings) > 1 else "")
            lines.append(f"| {size} | {v.get('threads', 2)} | {b['median']:.3f} | "
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
    sittings = results.get("sittings") or [results]
    fig.suptitle(f"zkcollat {results['commit']} vs {results.get('gnark') or 'no gnark'}, "
                 f"{m['cpu']}, {m['cores']} cores\n" + "\n".join(
                     f"{sit['started']} UTC (zkcollat {sit['commit']}): {sit['command']}"
                     for sit in sittings), fontsize=9)
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


def combine(sittings: list[dict[str, Any]]) -> dict[str, Any]:
    """One results object from the JSON of one or more sittings: with several, their
    descriptions under ``"sittings"`` (numbered from 1 in the given order) and each record and
    vault row marked with its ``"sitting"``. A size measured in two sittings is refused:
    ours / gnark is a ratio within one sitting, and the table shows one row per size."""
    if len(sittings) == 1:
        return sittings[0]
    seen: dict[tuple[Any, ...], int] = {}
    records: list[Record] = []
    vault: list[Record] = []
    for n, sit in enumerate(sittings, 1):
        for rec in sit["records"]:
            key = (rec["system"], rec["series"], rec["param"], rec["threads"])
            if key in seen:
                raise SystemExit(f"{rec['system']} {rec['series']} {rec['param']} with "
                                 f"{rec['threads']} threads is in sittings {seen[key]} and {n}: "
                                 "give each size once")
            seen[key] = n
            records.append({**rec, "sitting": n})
        for v in sit.get("vault", []):
            key = ("vault", v["log2"], v.get("threads", 2))
            if key in seen:
                raise SystemExit(f"the vault at 2^{v['log2']} with {v.get('threads', 2)} "
                                 f"threads is in sittings {seen[key]} and {n}: give each size once")
            seen[key] = n
            vault.append({**v, "sitting": n})
    meta = [{k: v for k, v in sit.items() if k not in ("records", "vault", "sittings")}
            for sit in sittings]
    return {**meta[0], "sittings": meta, "records": records, "vault": vault}


def write_json(path: Path, results: dict[str, Any]) -> None:
    """The sitting's JSON, replaced whole (a temporary file renamed over it): a reader, or a
    sitting killed while writing, never leaves half a file."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(results, indent=1))
    os.replace(tmp, path)


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
    ap.add_argument("--quick", action="store_true",
                    help="small sizes, at most 3 runs, 10 fast runs, 1 round")
    ap.add_argument("--runs", type=int, default=5,
                    help="timed proofs per side and round (default 5)")
    ap.add_argument("--fast-runs", type=int, default=50,
                    help="timed witness solves and verifications per side and round: "
                         "millisecond operations need more samples (default 50)")
    ap.add_argument("--rounds", type=int, default=2,
                    help="interleaved rounds per size and thread count, samples pooled "
                         "(default 2)")
    ap.add_argument("--threads", type=parse_threads, default=[2, 1], help="default 2,1")
    ap.add_argument("--series", type=parse_series, default=list(SERIES),
                    help="comma-separated: lock, synthetic, vault (default all)")
    ap.add_argument("--max-log2", type=int, default=20,
                    help="largest synthetic circuit (2^K constraints) and vault (2^K locks)")
    ap.add_argument("--min-log2", type=int, default=0,
                    help="smallest synthetic circuit and vault (the large sizes in a sitting "
                         "of their own; --replot joins sittings in one table and plot)")
    ap.add_argument("--no-memory", dest="memory", action="store_false",
                    help="skip the peak-RSS proving processes")
    ap.add_argument("--no-gnark", action="store_true", help="ours only")
    ap.add_argument("--gnark", type=Path, default=None,
                    help="gnark's records (JSON lines from gnarkgrowth) instead of running it")
    ap.add_argument("--appends", type=int, default=100)
    ap.add_argument("--out", type=Path, default=CACHE / "growth.json")
    ap.add_argument("--table", type=Path, default=CACHE / "growth.md")
    ap.add_argument("--plot", type=Path, default=CACHE / "growth.png")
    ap.add_argument("--replot", type=Path, nargs="+", default=None,
                    help="write --table and --plot from the JSON of earlier sittings (several: "
                         "one table and plot, each row naming its sitting); measure nothing")
    ap.add_argument("--worker", type=Path, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--prepare", nargs=3, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--time", type=Path, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--vault", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.replot is not None:
        earlier = combine([json.loads(p.read_text()) for p in args.replot])
        if args.gnark is not None:
            earlier["records"] = [r for r in earlier["records"] if r["system"] != "gnark"]
            earlier["records"] += read_gnark_records(args.gnark)
        write_outputs(earlier, args)
        return
    from native_only import require_native  # benchmarks/ is the script's folder

    require_native("bench_growth.py")
    if args.runs < 1 or args.fast_runs < 1 or args.rounds < 1:
        ap.error("--runs, --fast-runs and --rounds must be >= 1")
    if args.worker is not None:
        if args.prepare is not None:
            series, param, keys = args.prepare
            part = prepare(series, int(param), Path(keys))
        elif args.time is not None:
            part = time_ours(args.time, args.runs, args.fast_runs, args.memory)
        else:
            part = {"vault": vault_series([int(k) for k in args.vault.split(",")], args.appends)}
        args.worker.write_text(json.dumps(part))
        return
    if args.quick:
        args.runs = min(args.runs, 3)
        args.fast_runs = min(args.fast_runs, 10)
        args.rounds = 1
    plan = sizes(args.quick, args.max_log2, args.min_log2)
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
        "runs": args.runs, "fast_runs": args.fast_runs, "rounds": args.rounds,
        "threads": args.threads, "gnark": gnark_version,
    }
    t0 = time.perf_counter()
    args.out.parent.mkdir(parents=True, exist_ok=True)

    def checkpoint(records: list[Record], vault: list[Record]) -> None:
        # a sitting that dies (or is stopped) at 2^20 keeps the sizes it finished
        write_json(args.out, {**results, "records": records, "vault": vault, "finished": None,
                              "seconds": round(time.perf_counter() - t0, 1)})

    records, vault = sitting(args, plan, gnark_bin, checkpoint)
    if args.gnark is not None:
        gnark_records = read_gnark_records(args.gnark)
        records += gnark_records
        results["gnark"] = f"{gnark_records[0]['gnark']} (from {args.gnark})" if gnark_records \
            else None
    results.update(records=records, vault=vault, finished=_utc(),
                   seconds=round(time.perf_counter() - t0, 1))
    results["machine"]["load_end"] = round(os.getloadavg()[0], 2)
    write_json(args.out, results)
    print(f"wrote {args.out} ({results['seconds']} s)")
    write_outputs(results, args)


if __name__ == "__main__":
    main()
