"""Groth16 proving of CollateralLock(D): zkcollat vs snarkjs vs groth16py, in one run.

All three prove the very same constraint system and witness: zkcollat's own, exported as
circom ``.r1cs`` / ``.wtns`` for the other two. snarkjs runs ``groth16.prove`` in-process in
Node (keys read once, first call excluded as warm-up); groth16py (an arkworks-backed Python
prover from PyPI) runs ``setup`` + ``prove_wtns`` when it is installed. Prints min and median
of several runs and the ratios; then verification time and, in a subprocess, the peak memory
(max RSS) of proving CollateralLock(32).

    python benchmarks/bench_groth16.py                 # depth 20, 10 runs each
    python benchmarks/bench_groth16.py --runs 5 --no-snarkjs

snarkjs needs a powers-of-tau file; one is made locally (unsafe, benchmark only) and cached
in benchmarks/.cache/.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from zkcollat.formats.r1cs_bin import write_r1cs  # noqa: E402
from zkcollat.formats.wtns import write_wtns  # noqa: E402
from zkcollat.gadgets.merkle import merkle_root_plain, path_indices_of  # noqa: E402
from zkcollat.groth16.prove import prove  # noqa: E402
from zkcollat.groth16.qap import domain_size  # noqa: E402
from zkcollat.groth16.setup import setup  # noqa: E402
from zkcollat.groth16.verify import verify, verify_batch  # noqa: E402
from zkcollat.hash import poseidon_hash  # noqa: E402
from zkcollat.statements import CollateralLock  # noqa: E402

CACHE = ROOT / "benchmarks" / ".cache"
SNARKJS = ROOT / "node_modules" / "snarkjs" / "build" / "cli.cjs"


def lock_inputs(depth: int, seed: int = 7) -> dict[str, object]:
    rng = random.Random(seed)
    lock = dict(
        lockId=42,
        owner=rng.getrandbits(160),
        destChainId=10,
        assetId=rng.getrandbits(160),
        amount=5 * 10**18,
        expiry=1_900_000_000,
    )
    leaf = poseidon_hash(
        [
            lock["lockId"],
            lock["owner"],
            lock["destChainId"],
            lock["assetId"],
            lock["amount"],
            lock["expiry"],
        ]
    )
    siblings = [rng.getrandbits(253) for _ in range(depth)]
    bits = path_indices_of(rng.getrandbits(depth), depth)
    return {
        "root": merkle_root_plain(leaf, siblings, bits),
        "destChainId": lock["destChainId"],
        "owner": lock["owner"],
        "assetId": lock["assetId"],
        "lockId": lock["lockId"],
        "threshold": 10**18,
        "minExpiry": 1_800_000_000,
        "amount": lock["amount"],
        "expiry": lock["expiry"],
        "pathElements": siblings,
        "pathIndices": bits,
    }


def stats(times: list[float]) -> tuple[float, float]:
    return min(times), statistics.median(times)


def line(name: str, t: tuple[float, float], extra: str = "") -> None:
    print(f"  {name:<34} min {t[0] * 1e3:9.3f} ms   median {t[1] * 1e3:9.3f} ms  {extra}")


def snarkjs(*args: str, cwd: Path) -> None:
    subprocess.run(["node", str(SNARKJS), *args], cwd=cwd, check=True, capture_output=True)


def ptau(power: int) -> Path:
    CACHE.mkdir(exist_ok=True)
    final = CACHE / f"pot{power}_final.ptau"
    if not final.exists():
        print(f"  (making a local powers-of-tau 2^{power} for snarkjs; cached in {CACHE})")
        snarkjs("powersoftau", "new", "bn128", str(power), "p0.ptau", cwd=CACHE)
        snarkjs(
            "powersoftau",
            "contribute",
            "p0.ptau",
            "p1.ptau",
            "--name=bench",
            "-e=benchmark only",
            cwd=CACHE,
        )
        snarkjs("powersoftau", "prepare", "phase2", "p1.ptau", final.name, cwd=CACHE)
    return final


NODE_PROVE = r"""
const snarkjs = require(process.argv[1]);
const fs = require("fs");
(async () => {
  const zkey = new Uint8Array(fs.readFileSync(process.argv[2]));
  const wtns = new Uint8Array(fs.readFileSync(process.argv[3]));
  const runs = parseInt(process.argv[4]);
  const times = [];
  for (let i = 0; i <= runs; i++) {
    const t0 = process.hrtime.bigint();
    await snarkjs.groth16.prove(zkey, wtns);
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    if (i > 0) times.push(dt);   // the first call warms up the curve's workers
  }
  console.log(JSON.stringify(times));
  process.exit(0);
})();
"""


def run_snarkjs(tmp: Path, runs: int, power: int) -> tuple[float, float]:
    snarkjs("groth16", "setup", "c.r1cs", str(ptau(power)), "c.zkey", cwd=tmp)
    out = subprocess.run(
        [
            "node",
            "-e",
            NODE_PROVE,
            str(ROOT / "node_modules" / "snarkjs"),
            str(tmp / "c.zkey"),
            str(tmp / "c.wtns"),
            str(runs),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return stats(json.loads(out.stdout.strip().splitlines()[-1]))


def run_groth16py(tmp: Path, runs: int) -> tuple[float, float] | None:
    try:
        import groth16py  # type: ignore[import-not-found]
    except ImportError:
        return None
    pk, _ = groth16py.setup(str(tmp / "c.r1cs"))
    groth16py.prove_wtns(pk, str(tmp / "c.wtns"))
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        groth16py.prove_wtns(pk, str(tmp / "c.wtns"))
        times.append(time.perf_counter() - t0)
    return stats(times)


def _max_rss_mb(code: str) -> float:
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return int(out.stdout.strip()) / 1024


_PRELUDE = (
    "import sys, resource, warnings; warnings.simplefilter('ignore');"
    f"sys.path.insert(0, {str(ROOT)!r}); sys.path.insert(0, {str(ROOT / 'benchmarks')!r});"
    "from bench_groth16 import lock_inputs;"
    "from zkcollat.groth16.prove import fullprove;"
)


# The child prints its own peak RSS in KiB. Linux carries ru_maxrss across exec, so a child of a
# large parent (this benchmark, after its setup) would report the parent's size; VmHWM in
# /proc/self/status belongs to the new image only. ru_maxrss remains the fallback elsewhere.
_PEAK = (
    "hwm = [l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM:')] "
    "if sys.platform.startswith('linux') else [];"
    "print(hwm[0] if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
)


def peak_memory(depth: int) -> float:
    """Max RSS in MB of a fresh process that compiles, sets up and proves CollateralLock(depth)."""
    return _max_rss_mb(
        _PRELUDE + "from zkcollat.statements import CollateralLock;"
        "from zkcollat.groth16.setup import setup;"
        f"cs = CollateralLock({depth}).compile(); pk, vk = setup(cs);"
        f"fullprove(pk, cs, lock_inputs({depth}));" + _PEAK
    )


def peak_memory_prove(depth: int) -> float:
    """Max RSS in MB of a fresh process that proves CollateralLock(depth) from a key file
    (the key carries the circuit: what ``zkcollat prove`` does)."""
    from zkcollat.formats import pkey

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "k.zkpk"
        pk, _ = setup(CollateralLock(depth).compile())
        pkey.save(pk, path)
        return _max_rss_mb(
            _PRELUDE + "from zkcollat.formats import pkey;"
            f"pk = pkey.load({str(path)!r}); assert pk.circuit is not None;"
            f"fullprove(pk, pk.circuit, lock_inputs({depth}));" + _PEAK
        )


BATCH = 64


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--depth", type=int, default=20)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--no-snarkjs", action="store_true")
    ap.add_argument("--no-memory", action="store_true")
    args = ap.parse_args()
    from native_only import require_native  # benchmarks/ is the script's folder

    require_native("bench_groth16.py")
    warnings.simplefilter("ignore")

    circuit = CollateralLock(args.depth)
    t0 = time.perf_counter()
    cs = circuit.compile()
    compile_s = time.perf_counter() - t0
    inputs = lock_inputs(args.depth)
    st = cs.stats()
    print(
        f"CollateralLock({args.depth}): {st.constraints} constraints, {st.wires} wires, "
        f"{st.public_inputs} public inputs, domain 2^{domain_size(cs).bit_length() - 1}; "
        f"compiled once in {compile_s * 1e3:.0f} ms"
    )

    solve_t = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        witness = cs.solve(inputs)
        solve_t.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    pk, vk = setup(cs)
    print(f"  development setup                  {time.perf_counter() - t0:9.2f} s")
    prove(pk, cs, witness)  # loads the key's vectors into the native backend once
    prove_t, verify_t = [], []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        proof = prove(pk, cs, witness)
        prove_t.append(time.perf_counter() - t0)
    public = cs.public_values(witness)
    for _ in range(args.runs):
        t0 = time.perf_counter()
        assert verify(vk, public, proof)
        verify_t.append(time.perf_counter() - t0)
    # A batch of BATCH proofs of one key: 8 distinct proofs (fresh blinding), repeated.
    distinct = [prove(pk, cs, witness) for _ in range(8)]
    items = [(public, distinct[i % 8]) for i in range(BATCH)]
    batch_t = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        assert verify_batch(vk, items).all_valid
        batch_t.append(time.perf_counter() - t0)
    ours = stats(prove_t)
    print("zkcollat (native backend)")
    line("witness solve (compiled)", stats(solve_t), "(target <= 10 ms)")
    line("prove (witness -> proof)", ours, "(target <= gnark's, same sitting)")
    line("verify (prepared key)", stats(verify_t), "(target <= gnark's, same sitting)")
    bt = stats(batch_t)
    line(f"verify_batch of {BATCH}", bt)
    line(
        "  per proof",
        (bt[0] / BATCH, bt[1] / BATCH),
        "(target <= 1/4 of gnark's single verify)",
    )

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        write_r1cs(cs, tmp / "c.r1cs")
        write_wtns(witness, tmp / "c.wtns")
        g16 = run_groth16py(tmp, args.runs)
        if g16:
            print("groth16py (same .r1cs/.wtns)")
            line(
                "prove_wtns",
                g16,
                f"zkcollat is {g16[0] / ours[0]:.2f}x faster (min), "
                f"{g16[1] / ours[1]:.2f}x (median)",
            )
        else:
            print("groth16py: not installed (pip install groth16py) - skipped")
        if not args.no_snarkjs:
            power = domain_size(cs).bit_length() - 1
            sj = run_snarkjs(tmp, args.runs, power)
            print("snarkjs 0.7.6 groth16.prove in Node (same .r1cs/.wtns)")
            line(
                "groth16.prove",
                sj,
                f"zkcollat is {sj[0] / ours[0]:.2f}x faster (min), "
                f"{sj[1] / ours[1]:.2f}x (median); target >= 3x",
            )
    if not args.no_memory:
        print(
            f"peak memory, CollateralLock(32) compile + setup + prove: {peak_memory(32):.0f} MB; "
            f"prove from the key file: {peak_memory_prove(32):.0f} MB (target <= 70 MB)"
        )
    print(
        f"(this process: max RSS "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)"
    )


if __name__ == "__main__":
    main()
