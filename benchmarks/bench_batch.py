"""Batch proving of CollateralLock(D) on Dask: how the workers scale, and what Dask costs.

Measures, on the same inputs and a development key made for the run:

* a single-process loop (solve + prove), in a subprocess with ``RAYON_NUM_THREADS=T``: what
  "one worker" is compared with; two such loops started together (what the machine gives two
  processes without Dask: the ceiling for 2 workers); and one loop under Dask's
  ``MALLOC_TRIM_THRESHOLD_=65536`` (what the workers' allocator tuning avoids);
* ``zkcollat.batch.prove_items`` on a LocalCluster of 1 worker and of 2 workers, T threads
  each (the worker processes are started over TLS, as ``prove-batch`` does), with the
  workers' settings as they report them;
* CPU time (user + sys) per proof of the loop, of the workers, and of the client process
  (which also holds the LocalCluster's scheduler and nannies), and page faults per proof:
  on a loaded machine these say more than the rates;
* Dask's cost per task: a no-op task's round trip, and the wall time per proof on a worker
  minus the proof's own time measured inside the task;
* a vault's tree of 2^N locks built in one process and through ``DaskHasher``.

Rates are steady-state: proofs after the first one, divided by the time from the first result
to the last (cluster start, key loading and the first proof's warm-up are reported apart).
With W workers the window ends at result N - W + 1, the last moment at which every worker
still has an input: with 24 inputs, 13 on one worker and 11 on the other would otherwise cost
the 2-worker rate 8% for a reason that has nothing to do with Dask.
The loops are interleaved (loop, two loops, loop under Dask's variable, repeated). The
machine's load average is printed before and after: on a shared machine it says more about
the figures than anything else.

    python -W ignore benchmarks/bench_batch.py          # depth 20, 24 inputs, T = 1
    python -W ignore benchmarks/bench_batch.py --inputs 24 --repeat 3 --tree-log2 18
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
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_inputs(depth: int, n: int) -> list[dict[str, Any]]:
    from zkcollat.relayer.prover import lock_inputs
    from zkcollat.vault import Lock, Vault

    v = Vault(depth=depth)
    weth = 0xC02AAA39B223FE8D0A0E5C4F27EAD9083C756CC2
    v.insert_many(
        [Lock(i, 0xA11CE + i, 42161, weth, 10**19 + i, 1_900_000_000 + i) for i in range(n)]
    )
    out = []
    for i in range(n):
        inp = lock_inputs(v, i, 8 * 10**18, 1_890_000_000)
        out.append({k: [str(x) for x in val] if isinstance(val, list) else str(val)
                    for k, val in inp.items()})
    return out


def make_key(folder: Path, depth: int) -> Path:
    from click.testing import CliRunner

    from zkcollat.cli import main

    pk = folder / "pk.zkpk"
    r = CliRunner().invoke(main, ["setup", "collateral_lock", "--depth", str(depth), "--pk",
                                  str(pk), "--vk", str(folder / "vk.json")])
    if r.exit_code != 0:
        raise SystemExit(f"setup failed: {r.output}")
    return pk


LOOP = """
import json, resource, sys, time, warnings
warnings.simplefilter("ignore")
from zkcollat.batch.worker import load_key_and_circuit
from zkcollat.groth16.prove import fullprove
pk, cs = load_key_and_circuit(sys.argv[1])
inputs = json.load(open(sys.argv[2]))
times = []
t_first = None
for inp in inputs:
    t0 = time.perf_counter()
    fullprove(pk, cs, inp)
    t1 = time.perf_counter()
    times.append(t1 - t0)
    if t_first is None:  # the steady state starts after the first proof
        t_first = t1
        r0 = resource.getrusage(resource.RUSAGE_SELF)
r1 = resource.getrusage(resource.RUSAGE_SELF)
n = len(inputs) - 1
print(json.dumps({"times": times, "steady": n / (t1 - t_first),
                  "cpu_s": (r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime) / n,
                  "faults": (r1.ru_minflt - r0.ru_minflt) / n}))
"""


def loop_env(threads: int, dask_malloc: bool) -> dict[str, str]:
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads), PYTHONPATH=str(ROOT))
    env.pop("MALLOC_TRIM_THRESHOLD_", None)
    if dask_malloc:  # what Dask's nanny gives a worker process (pre-spawn-environ)
        env["MALLOC_TRIM_THRESHOLD_"] = "65536"
    return env


def run_loops(pk: Path, inputs_file: Path, threads: int, processes: int = 1,
              dask_malloc: bool = False) -> list[dict[str, Any]]:
    """``processes`` single-process loops started together, each over all the inputs."""
    env = loop_env(threads, dask_malloc)
    procs = [subprocess.Popen([sys.executable, "-c", LOOP, str(pk), str(inputs_file)], env=env,
                              stdout=subprocess.PIPE, text=True) for _ in range(processes)]
    out = []
    for p in procs:
        stdout, _ = p.communicate()
        if p.returncode != 0:
            raise SystemExit(f"the loop failed (exit {p.returncode})")
        out.append(json.loads(stdout))
    return out


def noop(x: int) -> int:
    return x


def worker_state() -> dict[str, Any]:
    """Runs on a worker: its pid, page faults so far and the settings that matter here."""
    import resource

    import dask

    from zkcollat.batch import worker

    return {
        "pid": os.getpid(),
        "faults": resource.getrusage(resource.RUSAGE_SELF).ru_minflt,
        "RAYON_NUM_THREADS": os.environ.get("RAYON_NUM_THREADS"),
        "MALLOC_TRIM_THRESHOLD_": os.environ.get("MALLOC_TRIM_THRESHOLD_"),
        "allocator_tuned": worker._allocator_tuned,
        "profiler": dask.config.get("distributed.worker.profile.enabled"),
    }


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (all its threads)."""
    import psutil

    t = psutil.Process(pid).cpu_times()
    return float(t.user + t.system)


def run_dask(pk: Path, inputs: list[dict[str, Any]], workers: int, threads: int,
             repeat: int) -> dict[str, Any]:
    from zkcollat.batch import ClusterSpec, InputItem, open_client, prove_items

    t0 = time.perf_counter()
    with (
        warnings.catch_warnings(),  # the development key's warning, once per prove_items
        open_client(ClusterSpec(workers=workers, threads_per_worker=threads)) as client,
    ):
        warnings.simplefilter("ignore")
        startup = time.perf_counter() - t0
        client.wait_for_workers(workers)
        # Dask's own cost: a no-op task's round trip, one at a time and in bulk
        client.gather(client.map(noop, range(10), pure=False))
        t = time.perf_counter()
        for i in range(50):
            client.submit(noop, i, pure=False).result()
        roundtrip = (time.perf_counter() - t) / 50
        t = time.perf_counter()
        client.gather(client.map(noop, range(1000), pure=False))
        bulk = (time.perf_counter() - t) / 1000
        rates, overheads, first = [], [], []
        client_cpu, worker_cpu, faults = [], [], []
        states: dict[str, dict[str, Any]] = {}
        me = os.getpid()  # the client, the scheduler and the nannies: one process
        for _ in range(repeat):
            items = [InputItem(f"in-{i}", "bench", inp) for i, inp in enumerate(inputs)]
            stamps: list[float] = []
            task_s: list[float] = []
            t = time.perf_counter()
            for r in prove_items(client, items, pk):
                if not r.ok:
                    raise SystemExit(f"proof failed: {r.reason}")
                stamps.append(time.perf_counter())
                task_s.append(r.seconds or 0.0)
                if len(stamps) == 1:  # the steady state starts: CPU and faults from here
                    states = client.run(worker_state)
                    c0 = cpu_s(me), sum(cpu_s(w["pid"]) for w in states.values())
            after = client.run(worker_state)
            c1 = cpu_s(me), sum(cpu_s(w["pid"]) for w in after.values())
            n = len(stamps) - 1
            if set(after) == set(states):
                client_cpu.append((c1[0] - c0[0]) / n)
                worker_cpu.append((c1[1] - c0[1]) / n)
                faults.append(sum(after[a]["faults"] - states[a]["faults"] for a in after) / n)
            first.append(stamps[0] - t)
            # while every worker is busy: from the first result to the one after which the
            # inputs have run out and a worker idles (the tail, which depends on how the
            # last inputs fall on the workers, is left out)
            busy = len(stamps) - workers
            steady = busy / (stamps[busy] - stamps[0])
            rates.append(steady)
            # wall time a worker spends per proof, minus the proof itself
            overheads.append(workers / steady - statistics.mean(task_s[1:]))
    settings = {k: v for k, v in next(iter(states.values())).items() if k not in ("pid", "faults")}
    return {"startup_s": startup, "first_result_s": first, "rates": rates,
            "overhead_s": overheads, "noop_roundtrip_s": roundtrip, "noop_bulk_s": bulk,
            "client_cpu_s": client_cpu, "worker_cpu_s": worker_cpu, "faults": faults,
            "settings": settings}


def run_tree(log2: int, workers: int, repeat: int) -> tuple[list[float], list[float]]:
    """Seconds to build a depth-20 vault of 2^log2 locks in memory: in this process (the
    native batch Poseidon on every core), and through DaskHasher on ``workers`` local
    workers of one thread each."""
    from zkcollat.batch import ClusterSpec, open_client
    from zkcollat.batch.tree import DaskHasher
    from zkcollat.vault import Lock, Vault

    weth = 0xC02AAA39B223FE8D0A0E5C4F27EAD9083C756CC2
    locks = [Lock(i, 0xA11CE + i, 42161, weth, 10**18 + i, 1_900_000_000 + i)
             for i in range(1 << log2)]
    local, dask = [], []
    roots = set()
    for _ in range(repeat):
        t = time.perf_counter()
        v = Vault(depth=20)
        v.insert_many(locks)
        local.append(time.perf_counter() - t)
        roots.add(v.root)
    with open_client(ClusterSpec(workers=workers, threads_per_worker=1)) as client:
        client.wait_for_workers(workers)
        for _ in range(repeat):
            t = time.perf_counter()
            v = Vault(depth=20)
            v.insert_many(locks, hasher=DaskHasher(client))
            dask.append(time.perf_counter() - t)
            roots.add(v.root)
    if len(roots) != 1:
        raise SystemExit("the Dask build gave another root")
    return local, dask


def fmt_rates(rates: list[float]) -> str:
    return f"{min(rates):.2f} / {statistics.median(rates):.2f} / {max(rates):.2f}"


def ms_pair(seconds: list[float]) -> str:
    return f"{min(seconds) * 1e3:.0f} / {statistics.median(seconds) * 1e3:.0f}"


def show_loops(title: str, loops: list[dict[str, Any]], rates: list[float] | None = None) -> None:
    rates = rates or [lp["steady"] for lp in loops]
    per_proof = [x for lp in loops for x in lp["times"][1:]]
    print(f"\n{title}: proofs/s min/median/max {fmt_rates(rates)}; per proof min "
          f"{min(per_proof) * 1e3:.0f} ms, median {statistics.median(per_proof) * 1e3:.0f} ms; "
          f"CPU per proof {ms_pair([lp['cpu_s'] for lp in loops])} ms; page faults per proof "
          f"{statistics.median(lp['faults'] for lp in loops):,.0f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--depth", type=int, default=20)
    ap.add_argument("--inputs", type=int, default=24)
    ap.add_argument("--threads", type=int, default=1, help="prover threads per worker / loop")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--tree-log2", type=int, default=18,
                    help="also build a depth-20 tree of 2^N locks both ways (0: skip)")
    ap.add_argument("--no-dask-malloc", dest="dask_malloc", action="store_false",
                    help="skip the loop under Dask's MALLOC_TRIM_THRESHOLD_")
    args = ap.parse_args()
    if args.inputs < 6:
        ap.error("--inputs must be at least 6 (2 workers, a steady window after the first)")
    from native_only import require_native  # benchmarks/ is the script's folder

    require_native("bench_batch.py")
    warnings.simplefilter("ignore")
    print(f"cores {os.cpu_count()}, load average {os.getloadavg()} (1, 5, 15 min) at start")
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        t = time.perf_counter()
        pk = make_key(folder, args.depth)
        print(f"CollateralLock({args.depth}) development key in {time.perf_counter() - t:.1f} s")
        inputs = make_inputs(args.depth, args.inputs)
        (folder / "inputs.json").write_text(json.dumps(inputs))

        inputs_file = folder / "inputs.json"
        # interleaved, so that a change in the machine's load hits every configuration
        loops: list[dict[str, Any]] = []
        pairs: list[list[dict[str, Any]]] = []
        trimmed: list[dict[str, Any]] = []
        for _ in range(args.repeat):
            loops += run_loops(pk, inputs_file, args.threads)
            pairs.append(run_loops(pk, inputs_file, args.threads, processes=2))
            if args.dask_malloc:
                trimmed += run_loops(pk, inputs_file, args.threads, dask_malloc=True)
        loop_rates = [lp["steady"] for lp in loops]
        pair_rates = [sum(lp["steady"] for lp in pair) for pair in pairs]
        show_loops(f"single-process loop, {args.threads} thread(s)", loops)
        show_loops(f"two loop processes at once, {args.threads} thread(s) each (the sum)",
                   [lp for pair in pairs for lp in pair], pair_rates)
        if trimmed:
            show_loops("single-process loop under MALLOC_TRIM_THRESHOLD_=65536 (what Dask's "
                       "nanny gives its workers; the workers' key plugin undoes it)", trimmed)

        results = {}
        for workers in (1, 2):
            r = run_dask(pk, inputs, workers, args.threads, args.repeat)
            results[workers] = r
            print(f"\nDask, {workers} worker(s) x {args.threads} thread(s): proofs/s "
                  f"min/median/max {fmt_rates(r['rates'])}")
            print(f"  worker settings: {r['settings']}")
            print(f"  cluster start {r['startup_s']:.1f} s; first result (key loading on the "
                  f"workers, warm-up) {min(r['first_result_s']):.1f} s")
            if r["worker_cpu_s"]:
                print(f"  CPU per proof (user + sys, min / median): workers "
                      f"{ms_pair(r['worker_cpu_s'])} ms; the client process (client, "
                      f"scheduler, nannies) {ms_pair(r['client_cpu_s'])} ms; page faults per "
                      f"proof on the workers {statistics.median(r['faults']):,.0f}")
            print(f"  overhead per proof on a worker (wall - proof time): median "
                  f"{statistics.median(r['overhead_s']) * 1e3:.1f} ms; no-op task round trip "
                  f"{r['noop_roundtrip_s'] * 1e3:.1f} ms one at a time, "
                  f"{r['noop_bulk_s'] * 1e3:.2f} ms each in bulk")

        one, two = results[1]["rates"], results[2]["rates"]
        loop_med = statistics.median(loop_rates)
        print("\nsummary (medians)")
        scale = statistics.median(two) / statistics.median(one)
        print(f"  2 workers / 1 worker:           {scale:.2f}x (target >= 1.8x)")
        print(f"  1 Dask worker / process loop:   {statistics.median(one) / loop_med:.2f}"
              " (target >= 0.90)")
        print(f"  2 loop processes / 1 loop:      {statistics.median(pair_rates) / loop_med:.2f}x"
              " (what this machine gives two processes, without Dask)")
        print(f"  2 Dask workers / 2 loops:       "
              f"{statistics.median(two) / statistics.median(pair_rates):.2f}"
              " (Dask's cost with every core busy)")
    if args.tree_log2:
        local, dask = run_tree(args.tree_log2, 2, args.repeat)
        print(f"\ntree of 2^{args.tree_log2} locks (depth 20, in memory), seconds min/median: "
              f"one process {min(local):.2f} / {statistics.median(local):.2f}; Dask 2 workers x 1 "
              f"thread {min(dask):.2f} / {statistics.median(dask):.2f}")
    print(f"load average {os.getloadavg()} at the end")


if __name__ == "__main__":
    main()
