"""snarkjs keys, side by side in one run: zkcollat vs snarkjs on the circom CollateralLock(20).

* ``prove``: ``zkcollat prove --zkey K --wtns W`` against ``snarkjs groth16 prove K W`` and
  rapidsnark's ``prover K W proof public``, each as a whole process (command line), run in
  turn; then zkcollat's prover in process (key cached and loaded once) against rapidsnark's
  library in process (``groth16_prover`` through ctypes: the key and witness buffers read once,
  parsed by each call, as go-rapidsnark calls it), in turn, wall and CPU time (CPU time is the
  figure to compare while the machine is loaded);
* ``phases``: where the whole ``prove --zkey --wtns`` process goes: each prefix of it as a
  process of its own (the interpreter, then zkcollat's imports, then the key's load, then the
  whole command), interleaved with rapidsnark's command line, wall time min and median;
* ``new``, ``contribute``, ``verify``: ``zkcollat ceremony new|contribute|verify`` against
  ``snarkjs zkey new|contribute|verify``, whole processes, run alternately; the ratio is
  snarkjs's median over zkcollat's (the target for contribute is >= 5x).

Each tool runs as it does when installed: Python with its bytecode cache (a pip install
compiles the package once; ``PYTHONDONTWRITEBYTECODE`` is removed from zkcollat's environment
so the first run writes ``__pycache__`` and the timed runs read it, after a warm-up run),
node as it starts a CLI. The machine's load average is printed before and after.

The circuit is circuits/main/collateral_lock_20.circom compiled with circom2; the witness comes
from the circom witness generator. The ptau is made locally with snarkjs (unsafe: benchmark
only) and cached in benchmarks/.cache/. rapidsnark is built from source by
benchmarks/build_rapidsnark.sh (pinned commits; the Go module's prebuilt prover is not served
by the module proxy) into benchmarks/.cache/rapidsnark/; without it the rapidsnark rows are
skipped with a message. Both provers use the machine's cores (rayon / rapidsnark's pool).
Prints min and median of several runs.

    python benchmarks/bench_ceremony.py --runs 5
    python benchmarks/bench_ceremony.py --runs 5 --only contribute
    bash benchmarks/build_rapidsnark.sh && python benchmarks/bench_ceremony.py --runs 9 --only prove
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.jstools import circom2_compile, snarkjs_cli  # noqa: E402
from zkcollat.ceremony.keys import cached_pk, prove_with_zkey  # noqa: E402
from zkcollat.formats.wtns import read_wtns  # noqa: E402

CACHE = ROOT / "benchmarks" / ".cache"
RAPIDSNARK = CACHE / "rapidsnark"
CLI = [sys.executable, str(ROOT / "cli.py")]
#: zkcollat's processes: this tree first on the path, bytecode cached as in an installed package
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
ENV["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])


def sh(cmd: list[str], cwd: Path) -> float:
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=3600, env=ENV)
    dt = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return dt


def ptau(power: int) -> Path:
    final = CACHE / f"pot{power}_final.ptau"
    if not final.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        sj = snarkjs_cli()
        sh([*sj, "powersoftau", "new", "bn128", str(power), "p0.ptau"], CACHE)
        sh([*sj, "powersoftau", "contribute", "p0.ptau", "p1.ptau", "-e=bench", "--name=b"], CACHE)
        sh([*sj, "powersoftau", "prepare", "phase2", "p1.ptau", final.name], CACHE)
    return final


def stats(xs: list[float]) -> str:
    return f"min {min(xs) * 1e3:8.1f} ms   median {statistics.median(xs) * 1e3:8.1f} ms"


def side_by_side(
    what: str, ours: Callable[[int], list[str]], theirs: Callable[[int], list[str]],
    runs: int, cwd: Path,
) -> None:
    """Run both commands ``runs`` times, alternately, after one warm-up run each."""
    sh(ours(-1), cwd)
    sh(theirs(-1), cwd)
    o, t = [], []
    for i in range(runs):
        o.append(sh(ours(i), cwd))
        t.append(sh(theirs(i), cwd))
    print(f"{what:<11} zkcollat  {stats(o)}")
    print(f"{what:<11} snarkjs   {stats(t)}")
    print(f"{what:<11} ratio of medians snarkjs/zkcollat: "
          f"{statistics.median(t) / statistics.median(o):.1f}x")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument(
        "--only",
        default="new,contribute,verify,prove",
        help="comma-separated: new, contribute, verify, prove, phases (default: all but phases)",
    )
    args = ap.parse_args()
    from native_only import require_native  # benchmarks/ is the script's folder

    require_native("bench_ceremony.py")
    only = set(args.only.split(","))
    if not only <= {"new", "contribute", "verify", "prove", "phases"}:
        raise SystemExit(f"--only: unknown {sorted(only)}")
    tmp = Path(tempfile.mkdtemp(prefix="bench_ceremony_"))
    try:
        _sitting(args, only, tmp)
    finally:  # the circuit, keys and cache of the sitting: rebuilt by the next
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"load average {os.getloadavg()} at the end")


def prove(sj: list[str], tmp: Path, runs: int) -> None:
    sh([*CLI, "prove", "--zkey", "k.zkey", "--wtns", "w.wtns", "-o", "p.json"], tmp)  # cache
    cmds: dict[str, Callable[[int], list[str]]] = {
        "zkcollat": lambda i: [*CLI, "prove", "--zkey", "k.zkey", "--wtns", "w.wtns", "-o",
                               "p.json", "--public", "pub.json"],
        "snarkjs": lambda i: [*sj, "groth16", "prove", "k.zkey", "w.wtns", "sp.json",
                              "spub.json"],
    }
    rs_bin, rs_lib = RAPIDSNARK / "bin" / "prover", RAPIDSNARK / "lib" / "librapidsnark.so"
    if rs_bin.exists():
        cmds["rapidsnark"] = lambda i: [str(rs_bin), "k.zkey", "w.wtns", "rp.json", "rpub.json"]
    else:
        print(f"rapidsnark: {rs_bin} absent (run benchmarks/build_rapidsnark.sh): skipped")
    in_turn("prove (cli)", {k: (lambda c=c: sh(c(0), tmp)) for k, c in cmds.items()}, runs)
    if rs_bin.exists():
        _same_statement(tmp)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pk, zk, _ = cached_pk(tmp / "k.zkey")
        w = read_wtns(tmp / "w.wtns")
        fns: dict[str, Callable[[], object]] = {"zkcollat": lambda: prove_with_zkey(pk, zk, w)}
        if rs_lib.exists():
            fns["rapidsnark"] = _rapidsnark_in_process(
                rs_lib, (tmp / "k.zkey").read_bytes(), (tmp / "w.wtns").read_bytes()
            )
        else:
            print(f"rapidsnark: {rs_lib} absent (run benchmarks/build_rapidsnark.sh): skipped")
        in_turn("prove (in process)", fns, runs)
    print("  (zkcollat in process includes a verification of the proof)")


#: What ``prove --zkey --wtns`` imports (zkcollat.cli.fast's path), for the ``phases`` prefixes.
_IMPORTS = (
    "import random, zkcollat.cli, zkcollat.cli.fast, zkcollat.cli._base, zkcollat.cli.zkey_prove,"
    " zkcollat.ceremony.keys, zkcollat.formats.wtns, zkcollat.formats.snarkjs,"
    " zkcollat.curve.native, zkcollat.db.files\n"
)
_LOAD = (
    "import warnings\nwarnings.simplefilter('ignore')\n"
    "from zkcollat.ceremony import keys\n"
    "assert keys.load_zkey_prover('k.zkey') is not None\n"
)


def phases(tmp: Path, runs: int) -> None:
    """Each prefix of the ``prove --zkey --wtns`` process as a process of its own, in turn
    with the whole command and rapidsnark's command line (after ``prove``'s warm-up, or one
    here: the cache holds H and B2's record)."""
    py = sys.executable
    sh([*CLI, "prove", "--zkey", "k.zkey", "--wtns", "w.wtns", "-o", "p.json"], tmp)  # cache
    cmds = {
        "interpreter": [py, "-c", "pass"],
        "+ imports": [py, "-c", _IMPORTS],
        "+ key load": [py, "-c", _IMPORTS + _LOAD],
        "whole command": [*CLI, "prove", "--zkey", "k.zkey", "--wtns", "w.wtns", "-o", "p.json",
                          "--public", "pub.json"],
    }
    rs_bin = RAPIDSNARK / "bin" / "prover"
    if rs_bin.exists():
        cmds["rapidsnark"] = [str(rs_bin), "k.zkey", "w.wtns", "rp.json", "rpub.json"]
    wall: dict[str, list[float]] = {k: [] for k in cmds}
    for _ in range(runs):
        for k, c in cmds.items():
            wall[k].append(sh(c, tmp))
    for k, xs in wall.items():
        print(f"phases  {k:<14} {stats(xs)}")


def in_turn(
    what: str, fns: dict[str, Callable[[], object]], runs: int
) -> None:
    """Each function once as a warm-up, then ``runs`` rounds calling each in turn; wall time
    and CPU time (this process's threads and its finished children: user + system), min and
    median; the ratio of each median to zkcollat's. While the machine is loaded, compare CPU
    time; the wall time is the figure on a quiet machine."""
    for fn in fns.values():
        fn()
    wall: dict[str, list[float]] = {k: [] for k in fns}
    cpus: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(runs):
        for k, fn in fns.items():
            t, c = time.perf_counter(), _cpu()
            fn()
            wall[k].append(time.perf_counter() - t)
            cpus[k].append(_cpu() - c)
    ours, ours_cpu = statistics.median(wall["zkcollat"]), statistics.median(cpus["zkcollat"])
    for k in fns:
        line = f"{what:<19} {k:<10} {stats(wall[k])}   cpu {stats(cpus[k])}"
        if k != "zkcollat":
            line += (f"   {k}/zkcollat (medians) wall {statistics.median(wall[k]) / ours:.2f}x"
                     f" cpu {statistics.median(cpus[k]) / ours_cpu:.2f}x")
        print(line)


def _cpu() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _rapidsnark_in_process(lib_path: Path, zkey: bytes, wtns: bytes) -> Callable[[], object]:
    """rapidsnark's ``groth16_prover`` (prover.h: key and witness buffers in; proof and public
    JSON out; 0 on success) as a Python callable."""
    lib = ctypes.CDLL(str(lib_path))
    ul = ctypes.c_ulong
    fn = lib.groth16_prover
    fn.argtypes = [ctypes.c_void_p, ul, ctypes.c_void_p, ul, ctypes.c_char_p,
                   ctypes.POINTER(ul), ctypes.c_char_p, ctypes.POINTER(ul), ctypes.c_char_p, ul]
    fn.restype = ctypes.c_int
    proof = ctypes.create_string_buffer(1 << 12)
    public = ctypes.create_string_buffer(1 << 16)
    err = ctypes.create_string_buffer(1 << 10)

    def call() -> bytes:
        n_proof, n_public = ul(len(proof)), ul(len(public))
        rc = fn(zkey, len(zkey), wtns, len(wtns), proof, ctypes.byref(n_proof), public,
                ctypes.byref(n_public), err, len(err))
        if rc != 0:
            raise RuntimeError(f"rapidsnark groth16_prover: {rc} {err.value.decode()}")
        return proof.value

    return call


def _same_statement(tmp: Path) -> None:
    """rapidsnark's and zkcollat's CLI proofs of the same key and witness: same public
    signals, and zkcollat verifies rapidsnark's proof (so the rows compare like with like)."""
    from zkcollat.ceremony.keys import zkey_to_vk
    from zkcollat.formats.verify_json import verify_snarkjs
    from zkcollat.formats.zkey import read_zkey

    ours = json.loads((tmp / "pub.json").read_text())
    theirs = json.loads((tmp / "rpub.json").read_text())
    if ours != theirs:
        raise RuntimeError(f"public signals differ: zkcollat {ours}, rapidsnark {theirs}")
    vk = zkey_to_vk(read_zkey((tmp / "k.zkey").read_bytes()))
    if not verify_snarkjs(vk, (tmp / "rpub.json").read_text(), (tmp / "rp.json").read_text()):
        raise RuntimeError("zkcollat does not verify rapidsnark's proof")


def _inputs() -> dict[str, object]:
    """A valid CollateralLock(20) input: one lock in an otherwise empty tree."""
    from zkcollat.gadgets.merkle import merkle_root_plain, path_indices_of
    from zkcollat.hash.poseidon import poseidon_hash

    lock = [5, 0xA11CE, 42161, 0xC02AAA39B223FE8D0A0E5C4F27EAD9083C756CC2, 10**19, 1_900_000_000]
    leaf = poseidon_hash(lock)
    siblings = [(k + 1) * 0x9E3779B97F4A7C15 for k in range(20)]
    bits = path_indices_of(5, 20)
    return {
        "root": str(merkle_root_plain(leaf, siblings, bits)),
        "destChainId": str(lock[2]),
        "owner": str(lock[1]),
        "assetId": str(lock[3]),
        "lockId": str(lock[0]),
        "threshold": str(8 * 10**18),
        "minExpiry": "1890000000",
        "amount": str(lock[4]),
        "expiry": str(lock[5]),
        "pathElements": [str(s) for s in siblings],
        "pathIndices": [str(b) for b in bits],
    }


def _sitting(args: argparse.Namespace, only: set[str], tmp: Path) -> None:
    """Every measurement of one run, in the temporary folder ``tmp``."""
    env_cache = tmp / "cache"
    os.environ["ZKCOLLAT_CACHE"] = str(env_cache)
    ENV["ZKCOLLAT_CACHE"] = str(env_cache)
    sj = snarkjs_cli()
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()} (1, 5, 15 min) at start")

    r1cs, wasm = circom2_compile(ROOT / "circuits" / "main" / "collateral_lock_20.circom", tmp)
    inputs = _inputs()
    (tmp / "input.json").write_text(json.dumps(inputs))
    sh([*sj, "wtns", "calculate", str(wasm), "input.json", "w.wtns"], tmp)
    p = ptau(13)
    sh([*CLI, "ceremony", "new", str(r1cs), str(p), "-o", "k0.zkey"], tmp)
    sh([*CLI, "ceremony", "contribute", "k0.zkey", "k.zkey"], tmp)
    print(
        f"CollateralLock(20), circom2 --O2: {r1cs.stat().st_size} bytes of .r1cs; key "
        f"{(tmp / 'k.zkey').stat().st_size} bytes; ptau power 13; {args.runs} runs each"
    )

    if "new" in only:
        side_by_side(
            "new",
            lambda i: [*CLI, "ceremony", "new", str(r1cs), str(p), "-o", f"n{i}.zkey", "--force"],
            lambda i: [*sj, "zkey", "new", str(r1cs), str(p), f"sn{i}.zkey"],
            args.runs, tmp,
        )
    if "contribute" in only:
        side_by_side(
            "contribute",
            lambda i: [*CLI, "ceremony", "contribute", "k.zkey", f"o{i}.zkey", "--force"],
            lambda i: [*sj, "zkey", "contribute", "k.zkey", f"s{i}.zkey", "-e=x"],
            args.runs, tmp,
        )
    if "verify" in only:
        side_by_side(
            "verify",
            lambda i: [*CLI, "ceremony", "verify", "k.zkey", str(p), "--r1cs", str(r1cs)],
            lambda i: [*sj, "zkey", "verify", str(r1cs), str(p), "k.zkey"],
            args.runs, tmp,
        )
    if "prove" in only:
        prove(sj, tmp, args.runs)
    if "phases" in only:
        phases(tmp, args.runs)


if __name__ == "__main__":
    main()
