"""Where a proving process's memory goes (issue 17): peak RSS of a fresh process, per phase.

    python benchmarks/bench_memory.py                       # lock 8, 20, 32 and 2^14 .. 2^16
    python benchmarks/bench_memory.py --sizes lock:32 --threads 1
    python benchmarks/bench_memory.py --imports             # what each import adds

For each size a development key (carrying its circuit) is made once and kept under
``benchmarks/.cache/memory/`` (``--fresh`` remakes it); then a fresh process does what
``bench_growth``'s peak-RSS child does (``pkey.load`` of the key file, one ``fullprove``)
and reports VmRSS and VmHWM (from /proc/self/status) after each phase:

* ``start``: the interpreter, nothing imported;
* ``import``: ``zkcollat.formats.pkey`` and ``zkcollat.groth16.prove`` imported;
* ``load``: the key file read and decoded (``pkey.load``);
* ``prover``: the native prover built from the key (``pk.fused_prover()``);
* ``prove``: one proof (``fullprove`` from the key's circuit; witness solve included).

The last VmHWM is the process's peak, the figure docs/growth.md reports. Memory does not
depend on the machine's load, so these figures hold on a busy machine. Not a test: it asserts
nothing. ``--imports`` prints, for a fresh process, the VmRSS after each module that the
proving path imports (in import order, the modules that added >= 0.25 MB).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

CACHE = ROOT / "benchmarks" / ".cache" / "memory"
DEFAULT_SIZES = "lock:8,lock:20,lock:32,synthetic:14,synthetic:15,synthetic:16"
PHASES = ("start", "import", "load", "prover", "prove")

_CHILD = """
import sys
def status():
    got = {{}}
    for line in open("/proc/self/status"):
        k, _, v = line.partition(":")
        if k in ("VmRSS", "VmHWM"):
            got[k] = int(v.split()[0])
    return [got["VmRSS"], got["VmHWM"]]
out = {{"start": status()}}
import json, warnings
warnings.simplefilter("ignore")
sys.path.insert(0, {root!r})
from zkcollat.formats import pkey
from zkcollat.groth16.prove import fullprove
out["import"] = status()
pk = pkey.load({key!r})
out["load"] = status()
pk.fused_prover()
out["prover"] = status()
fullprove(pk, pk.circuit, json.loads(open({inputs!r}).read()))
out["prove"] = status()
print(json.dumps(out))
"""

_IMPORTS_CHILD = """
import builtins, sys
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0
rows, seen, real = [], set(), builtins.__import__
def tracking(name, *a, **k):
    before = rss()
    mod = real(name, *a, **k)
    if name not in seen:
        seen.add(name)
        rows.append((name, rss() - before))
    return mod
sys.path.insert(0, {root!r})
start = rss()
builtins.__import__ = tracking
from zkcollat.formats import pkey
from zkcollat.groth16.prove import fullprove
builtins.__import__ = real
print("start", start)
for name, kb in rows:
    if kb >= 256:
        print(name, kb)
print("total", rss())
print("zkcollat modules", sorted(m for m in sys.modules if m.startswith("zkcollat")))
print("others", sorted({{m.split(".")[0] for m in sys.modules}} - set(sys.stdlib_module_names)))
"""


def key_dir(series: str, param: int, fresh: bool) -> Path:
    """The cached key and inputs of one size (made with bench_growth's ``prepare``)."""
    from bench_growth import prepare

    d = CACHE / f"{series}-{param}"
    if fresh or not (d / "k.zkpk").exists() or not (d / "inputs.json").exists():
        d.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            prepare(series, param, d)
    return d


def phases(keys: Path, threads: int) -> dict[str, list[int]]:
    """VmRSS and VmHWM (kB) after each phase of a fresh proving process."""
    code = _CHILD.format(root=str(ROOT), key=str(keys / "k.zkpk"),
                         inputs=str(keys / "inputs.json"))
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, env=env)
    got: dict[str, list[int]] = json.loads(out.stdout)
    return got


def parse_sizes(text: str) -> list[tuple[str, int]]:
    out = []
    for item in text.split(","):
        series, _, param = item.strip().partition(":")
        if series not in ("lock", "synthetic") or not param.isdigit():
            raise argparse.ArgumentTypeError(
                f"--sizes takes items like lock:32 or synthetic:14; got {item!r}")
        out.append((series, int(param)))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=parse_sizes, default=parse_sizes(DEFAULT_SIZES),
                    help=f"comma-separated series:param (default {DEFAULT_SIZES})")
    ap.add_argument("--threads", type=lambda t: [int(x) for x in t.split(",")], default=[2, 1],
                    help="default 2,1")
    ap.add_argument("--repeat", type=int, default=1, help="processes per size (the peak's min)")
    ap.add_argument("--fresh", action="store_true", help="remake the cached keys")
    ap.add_argument("--imports", action="store_true", help="what each import adds, then exit")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    from native_only import require_native  # benchmarks/ is the script's folder

    require_native("bench_memory.py")
    if args.imports:
        out = subprocess.run([sys.executable, "-c", _IMPORTS_CHILD.format(root=str(ROOT))],
                             check=True, capture_output=True, text=True)
        print(out.stdout, end="")
        return
    print("MB: VmRSS after each phase (VmHWM so far); peak = VmHWM at the end")
    print(f"{'size':<14}{'thr':>4}" + "".join(f"{p:>16}" for p in PHASES) + f"{'peak':>9}")
    records = []
    for series, param in args.sizes:
        keys = key_dir(series, param, args.fresh)
        name = f"{series}:{param}"
        for threads in args.threads:
            runs = [phases(keys, threads) for _ in range(max(1, args.repeat))]
            best = min(runs, key=lambda r: r["prove"][1])
            cells = "".join(
                f"{best[p][0] / 1024:>8.1f} ({best[p][1] / 1024:>5.1f})" for p in PHASES)
            print(f"{name:<14}{threads:>4}{cells}{best['prove'][1] / 1024:>9.1f}", flush=True)
            records.append({"series": series, "param": param, "threads": threads,
                            "key_bytes": (keys / "k.zkpk").stat().st_size, "phases_kb": best})
    if args.json:
        args.json.write_text(json.dumps(records, indent=1))


if __name__ == "__main__":
    main()
