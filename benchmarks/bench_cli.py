"""Whole-process proving from the command line: ``zkcollat prove`` vs ``snarkjs groth16 fullprove``.

Both prove CollateralLock(20) from the same ``input.json`` (``lock_inputs(20)`` of
bench_groth16): zkcollat from its ``.zkpk`` (which carries the compiled circuit), snarkjs from
the circom twin's witness generator (``circuits/main/collateral_lock_20.circom``, compiled
with the pinned circom2) and a ``.zkey`` made once with a local powers-of-tau. Each run is a
fresh process, timed from start to exit; the two alternate, so a slow phase of the machine
hits both. Also times ``zkcollat --version`` (start-up alone).

    python benchmarks/bench_cli.py              # 10 runs each
    python benchmarks/bench_cli.py --runs 5

The circom build, the ``.zkey`` and the keys are cached in benchmarks/.cache/cli/.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CACHE = ROOT / "benchmarks" / ".cache" / "cli"


def run(cmd: list[str], cwd: Path) -> float:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, capture_output=True, env=env)
    return time.perf_counter() - t0


def prepare() -> dict[str, Path]:
    from bench_groth16 import lock_inputs, ptau

    from tests.jstools import circom2_compile, snarkjs_cli
    from zkcollat.formats import pkey
    from zkcollat.groth16.setup import setup
    from zkcollat.statements import CollateralLock

    CACHE.mkdir(parents=True, exist_ok=True)
    inp = CACHE / "input.json"
    inputs = lock_inputs(20)
    inp.write_text(
        json.dumps(
            {k: [str(x) for x in v] if isinstance(v, list) else str(v) for k, v in inputs.items()}
        )
    )
    r1cs = CACHE / "collateral_lock_20.r1cs"
    wasm = CACHE / "collateral_lock_20_js" / "collateral_lock_20.wasm"
    if not wasm.exists():
        print("  (compiling the circom twin with circom2, once)")
        r1cs, wasm = circom2_compile(
            ROOT / "circuits" / "main" / "collateral_lock_20.circom", CACHE
        )
    zkey = CACHE / "collateral_lock_20.zkey"
    if not zkey.exists():
        print("  (snarkjs groth16 setup, once)")
        subprocess.run(
            [*snarkjs_cli(), "groth16", "setup", str(r1cs), str(ptau(13)), str(zkey)],
            check=True,
            capture_output=True,
        )
    zkpk = CACHE / "collateral_lock_20.zkpk"
    if not zkpk.exists():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cs = CollateralLock(20).compile()
            pk, _ = setup(cs)
            pk.vk.metadata.update(circuit="collateral_lock", params='{"depth": 20}')
            pkey.save(pk, zkpk)
    return {"input": inp, "wasm": wasm, "zkey": zkey, "zkpk": zkpk}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    from native_only import require_native  # benchmarks/ is the script's folder

    require_native("bench_cli.py")
    from tests.jstools import snarkjs_cli

    f = prepare()
    py = [sys.executable, "-m", "zkcollat.cli"]
    ours = [*py, "prove", "--pk", str(f["zkpk"]), "--input", str(f["input"])]
    ours += ["--proof", "proof_z.json", "--public", "public_z.json"]
    theirs = [*snarkjs_cli(), "groth16", "fullprove", str(f["input"]), str(f["wasm"])]
    theirs += [str(f["zkey"]), "proof_s.json", "public_s.json"]
    run(ours, CACHE), run(theirs, CACHE)  # warm the file cache
    zk, sj, ver = [], [], []
    for i in range(args.runs):
        for which in ("z", "s") if i % 2 == 0 else ("s", "z"):
            if which == "z":
                zk.append(run(ours, CACHE))
            else:
                sj.append(run(theirs, CACHE))
        ver.append(run([*py, "--version"], CACHE))
    same = json.loads((CACHE / "public_z.json").read_text()) == json.loads(
        (CACHE / "public_s.json").read_text()
    )

    def fig(ts: list[float]) -> str:
        return f"min {min(ts):6.3f} s   median {statistics.median(ts):6.3f} s"

    print(
        f"CollateralLock(20), {args.runs} runs each, whole processes "
        f"(public signals equal: {same})"
    )
    print(f"  zkcollat prove --pk --input      {fig(zk)}")
    print(f"  snarkjs groth16 fullprove        {fig(sj)}")
    print(f"  zkcollat --version               {fig(ver)}")
    print(
        f"  snarkjs / zkcollat: {min(sj) / min(zk):.2f}x (min), "
        f"{statistics.median(sj) / statistics.median(zk):.2f}x (median); target >= 4.5x"
    )


if __name__ == "__main__":
    main()
