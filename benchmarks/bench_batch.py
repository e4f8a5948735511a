"""Batch proving of CollateralLock(D) on Dask: how the workers scale, and what Dask costs.

Measures, on the same inputs and a development key made for the run:

* a single-process loop (solve + prove), in a subprocess with ``RAYON_NUM_THREADS=T``;
* ``zkcollat.batch.prove_items`` on a LocalCluster of 1 worker and of 2 workers, T threads
  each (the worker processes are started over TLS, as ``prove-batch`` does);
* Dask's cost per task: a no-op task's round trip, and the wall time per proof on a worker
  minus the proof's own time measured inside the task;
* a vault's tree of 2^N locks built in one process and through ``DaskHasher``.

Rates are steady-state: proofs after the first one, divided by the time from the first result
to the last (cluster start, key loading and the first proof's warm-up are reported apart).
The machine's load average is printed before and after: on a shared machine it says more
about the figures than anything else.

    python benchmarks/bench_batch.py                    # depth 20, 24 inputs, T = 1
    python benchmarks/bench_batch.py --inputs 40 --repeat 3
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
import json, sys, time, warnings
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
    t_first = t_first or t1
print(json.dumps({"times": times, "steady": (len(inputs) - 1) / (t1 - t_first)}))
"""


def run_loop(pk: Path, inputs_file: Path, threads: int) -> dict[str, Any]:
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads), PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", LOOP, str(pk), str(inputs_file)], env=env,
                         capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def noop(x: int) -> int:
    return x


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
            first.append(stamps[0] - t)
            steady = (len(stamps) - 1) / (stamps[-1] - stamps[0])
            rates.append(steady)
            # wall time a worker spends per proof, minus the proof itself
            overheads.append(workers / steady - statistics.mean(task_s[1:]))
    return {"startup_s": startup, "first_result_s": first, "rates": rates,
            "overhead_s": overheads, "noop_roundtrip_s": roundtrip, "noop_bulk_s": bulk}


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--depth", type=int, default=20)
    ap.add_argument("--inputs", type=int, default=24)
    ap.add_argument("--threads", type=int, default=1, help="prover threads per worker / loop")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--tree-log2", type=int, default=18,
                    help="also build a depth-20 tree of 2^N locks both ways (0: skip)")
    args = ap.parse_args()
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

        loops = [run_loop(pk, folder / "inputs.json", args.threads) for _ in range(args.repeat)]
        loop_rates = [lp["steady"] for lp in loops]
        per_proof = [x for lp in loops for x in lp["times"][1:]]
        print(f"\nsingle-process loop, {args.threads} thread(s): proofs/s min/median/max "
              f"{fmt_rates(loop_rates)}; per proof min {min(per_proof) * 1e3:.0f} ms, "
              f"median {statistics.median(per_proof) * 1e3:.0f} ms")

        results = {}
        for workers in (1, 2):
            r = run_dask(pk, inputs, workers, args.threads, args.repeat)
            results[workers] = r
            print(f"\nDask, {workers} worker(s) x {args.threads} thread(s): proofs/s "
                  f"min/median/max {fmt_rates(r['rates'])}")
            print(f"  cluster start {r['startup_s']:.1f} s; first result (key loading on the "
                  f"workers, warm-up) {min(r['first_result_s']):.1f} s")
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
    if args.tree_log2:
        local, dask = run_tree(args.tree_log2, 2, args.repeat)
        print(f"\ntree of 2^{args.tree_log2} locks (depth 20, in memory), seconds min/median: "
              f"one process {min(local):.2f} / {statistics.median(local):.2f}; Dask 2 workers x 1 "
              f"thread {min(dask):.2f} / {statistics.median(dask):.2f}")
    print(f"load average {os.getloadavg()} at the end")


if __name__ == "__main__":
    main()
