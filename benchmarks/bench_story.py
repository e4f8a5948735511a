"""Wall time of ``zkcollat devnet story`` (the issue's target: at most 60 s), per step too.

Each run is a whole process, as a user runs it (``python -m zkcollat.cli devnet story --dir D
--json``: Python start-up, the three members and the relayer started as processes, the venue,
every step waiting for the confirmation depths of the devnet's block times). The devnet is
brought up in a temporary folder unless ``--dir`` names a running one, and down again at the
end. Prints min / median of the story's own clock and of the process's wall time over
``--runs`` runs, then min / median seconds and the gas (receipts' ``gasUsed``) of each step.
Timings only mean something on a quiet machine.

    python benchmarks/bench_story.py --runs 3
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
from pathlib import Path
from typing import Any


def _story(d: Path) -> tuple[float, dict[str, Any]]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    t0 = time.perf_counter()
    r = subprocess.run(
        [sys.executable, "-m", "zkcollat.cli", "devnet", "story", "--dir", str(d), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"the story failed (exit {r.returncode}):\n{r.stderr[-3000:]}")
    return wall, json.loads(r.stdout)


def _line(name: str, xs: list[float]) -> str:
    return f"  {name:<12} min {min(xs):6.1f} s   median {statistics.median(xs):6.1f} s"


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from native_only import require_native  # benchmarks/ is the script's folder

    require_native("bench_story.py")
    from zkcollat.relayer import devnet as dn

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="stories to run (default 3)")
    ap.add_argument("--dir", type=Path, default=None, help="a devnet folder (default: a new one)")
    args = ap.parse_args()
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    tmp = None
    d = args.dir
    if d is None:
        tmp = tempfile.TemporaryDirectory(prefix="bench-story-")
        d = Path(tmp.name) / "devnet"
    try:
        dn.up(d, log=lambda _s: None)
        walls, clocks = [], []
        per_step: dict[str, list[float]] = {}
        gas: dict[str, int] = {}
        for i in range(args.runs):
            wall, res = _story(d)
            walls.append(wall)
            clocks.append(float(res["seconds"]))
            for s in res["steps"]:
                per_step.setdefault(s["name"], []).append(float(s["seconds"]))
                gas[s["name"]] = int(s["gas"])  # receipts' gasUsed, intrinsic included
            print(f"run {i + 1}: story {res['seconds']:.1f} s, process {wall:.1f} s", flush=True)
        print(f"devnet story, {args.runs} run(s) (target: <= 60 s)")
        print(_line("story", clocks))
        print(_line("process", walls))
        for name, xs in per_step.items():
            print(_line(name, xs) + f"   gas {gas[name]:>9,}")
    finally:
        if tmp is not None:
            if (d / "devnet.json").exists():
                dn.down(d)
            tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
