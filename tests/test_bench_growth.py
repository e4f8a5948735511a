"""bench_growth.py's bookkeeping: sizes, gnark's records, the ratio table and the plot.

No timing is measured or asserted: the records are made up, the code that pairs ours with
gnark's, computes ours / gnark and writes the Markdown is what is checked.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import bench_growth as bg  # noqa: E402


def _rec(system: str, series: str, param: int, threads: int, prove: float, verify: float,
         rss: float | None, constraints: int = 2873) -> dict[str, Any]:
    out: dict[str, Any] = {
        "system": system, "series": series, "param": param, "threads": threads,
        "constraints": constraints, "gnark": "gnark v0.16.3, gnark-crypto v0.21.0",
        "prove": {"min": prove * 0.9, "median": prove},
        "verify": {"min": verify * 0.9, "median": verify},
        "witness": {"min": 0.001, "median": 0.002},
    }
    if rss is not None:
        out["peak_rss_mb"] = rss
    return out


def _results(records: list[dict[str, Any]], vault: list[dict[str, Any]] | None = None
             ) -> dict[str, Any]:
    return {"schema": 2, "started": "2026-11-30 20:00", "finished": "2026-11-30 20:15",
            "commit": "abc1234", "command": "python benchmarks/bench_growth.py --max-log2 16",
            "runs": 5, "threads": [2, 1], "gnark": "gnark v0.16.3 (go1.26.8)",
            "machine": {"cpu": "Test CPU", "cores": 2, "python": "3.11", "load_start": 0.1,
                        "load_end": 0.2},
            "records": records, "vault": vault or []}


def test_sizes_follow_max_log2_and_quick() -> None:
    full = bg.sizes(False, 20)
    assert full["lock"] == [8, 16, 20, 32]
    assert full["synthetic"] == list(range(12, 21))
    assert full["vault"] == [10, 12, 14, 16, 18, 20]
    cut = bg.sizes(False, 15)
    assert cut["synthetic"] == [12, 13, 14, 15] and cut["vault"] == [10, 12, 14]
    assert cut["lock"] == [8, 16, 20, 32]  # every depth is below 2^14 constraints
    assert bg.sizes(True, 20) == {"lock": [4, 8], "synthetic": [10, 11], "vault": [6, 8]}
    large = bg.sizes(False, 20, 17)
    assert large["synthetic"] == [17, 18, 19, 20] and large["vault"] == [18, 20]
    assert large["lock"] == [8, 16, 20, 32]  # --series leaves the locks out of such a sitting


def test_series_and_threads_options() -> None:
    assert bg.parse_series("lock,vault") == ["lock", "vault"]
    for bad in ("", "lock,gnark", "locks"):
        with pytest.raises(argparse.ArgumentTypeError, match="--series"):
            bg.parse_series(bad)
    assert bg.parse_threads("2,1") == [2, 1]
    for bad in ("", "two", "2,0"):
        with pytest.raises(argparse.ArgumentTypeError, match="--threads"):
            bg.parse_threads(bad)


def test_pairs_and_ratios() -> None:
    records = [
        _rec("gnark", "lock", 8, 2, 0.100, 0.001, 20.0),
        _rec("zkcollat", "lock", 8, 1, 0.300, 0.002, 60.0),
        _rec("zkcollat", "lock", 8, 2, 0.104, 0.002, 60.0),
        _rec("zkcollat", "synthetic", 12, 2, 0.5, 0.002, None),
    ]
    got = bg.pairs(records)
    assert [(o["series"], o["param"], o["threads"]) for o, _ in got] == [
        ("lock", 8, 2), ("lock", 8, 1), ("synthetic", 12, 2)]
    (o2, g2), (o1, g1), (os_, gs) = got
    assert g2 is records[0] and g1 is None and gs is None
    assert bg.ratio(o2, g2, "prove") == pytest.approx(1.04)
    assert bg.ratio(o2, g2, "verify") == pytest.approx(2.0)
    assert bg.ratio(o2, g2, "peak_rss_mb") == pytest.approx(3.0)
    assert bg.ratio(o1, g1, "prove") is None
    assert bg.ratio(os_, _rec("gnark", "synthetic", 12, 2, 1.0, 0.001, 10.0),
                    "peak_rss_mb") is None  # ours has no RSS figure


def test_table_marks_ratios_above_five_percent() -> None:
    records = [
        _rec("zkcollat", "lock", 8, 2, 0.104, 0.002, 60.0),
        _rec("gnark", "lock", 8, 2, 0.100, 0.001, 20.0),
        _rec("zkcollat", "lock", 8, 1, 0.300, 0.002, 61.0),
        _rec("gnark", "lock", 8, 1, 0.200, 0.0025, 20.0),
        _rec("zkcollat", "synthetic", 12, 2, 0.5, 0.002, 50.0, constraints=4098),
    ]
    vault = [{"log2": 10, "locks": 1024, "threads": t, "bulk build": {"min": b, "median": b},
              "append (FULL)": {"min": 0.0004, "median": 0.0005},
              "path": {"min": 0.0001, "median": 0.0002}} for t, b in ((1, 0.035), (2, 0.02))]
    text = bg.table(_results(records, vault))
    lines = text.splitlines()
    assert "    python benchmarks/bench_growth.py --max-log2 16" in lines
    assert any("Test CPU" in line and "abc1234" in line for line in lines)
    row2 = next(line for line in lines if line.startswith("| 8 | 2 |"))
    cells = [c.strip() for c in row2.strip("|").split("|")]
    assert cells[2] == "2,873 / 2,873"
    assert cells[3:5] == ["104.00 / 100.00", "1.04"]  # within 5%: not bold
    assert cells[5:7] == ["2.00 / 1.00", "**2.00**"]
    assert cells[9:11] == ["60.0 / 20.0", "**3.00**"]
    row1 = next(line for line in lines if line.startswith("| 8 | 1 |"))
    assert "**1.50**" in row1 and "| 0.80 |" in row1  # verify 2.0 / 2.5 ms
    synthetic = next(line for line in lines if line.startswith("| 2^12 | 2 |"))
    assert "4,098 / –" in synthetic and "500.00 / –" in synthetic
    assert "- prove: 1.50 (CollateralLock 8, 1 thr): above 5%: not met" in lines
    assert "- verify: 2.00 (CollateralLock 8, 2 thr): above 5%: not met" in lines
    two, one = (lines.index(f"| 2^10 | {t} | {b} | 0.40 / 0.50 | 0.10 / 0.20 |")
                for t, b in ((2, "0.020"), (1, "0.035")))
    assert two + 1 == one  # 2 threads first, as in the other tables
    assert "Plot: [growth.png](growth.png) (log-log; ours solid, gnark dashed)." in lines


def test_table_says_met_when_every_ratio_is_within() -> None:
    records = [_rec("zkcollat", "lock", 8, 2, 0.100, 0.001, 20.0),
               _rec("gnark", "lock", 8, 2, 0.100, 0.001, 20.0)]
    text = bg.table(_results(records))
    assert "- prove: 1.00 (CollateralLock 8, 2 thr): within 5% or below: met" in text
    assert "**" not in text.split("## CollateralLock(D)")[1]


def test_gnark_records_are_read_and_refused(tmp_path: Path) -> None:
    good = _rec("gnark", "synthetic", 12, 2, 1.0, 0.001, 10.0)
    path = tmp_path / "g.jsonl"
    path.write_text(json.dumps(good) + "\n\n")
    assert bg.read_gnark_records(path) == [good]
    path.write_text(json.dumps(good) + "\n" + json.dumps({**good, "system": "zkcollat"}) + "\n")
    with pytest.raises(SystemExit, match=r"g\.jsonl:2: not a gnarkgrowth lock or chain record"):
        bg.read_gnark_records(path)
    partial = {k: v for k, v in good.items() if k not in ("verify", "threads")}
    path.write_text(json.dumps(partial) + "\n")
    with pytest.raises(SystemExit, match=r"g\.jsonl:1: gnark's record has no threads, verify"):
        bg.read_gnark_records(path)


def test_replot_writes_table_and_png(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    records = [_rec("zkcollat", "lock", 8, 2, 0.104, 0.002, 60.0),
               _rec("gnark", "lock", 8, 2, 0.100, 0.001, 20.0)]
    src = tmp_path / "run.json"
    src.write_text(json.dumps(_results(records)))
    gnark = tmp_path / "g.jsonl"
    gnark.write_text(json.dumps(_rec("gnark", "lock", 8, 2, 0.052, 0.001, 20.0)) + "\n")
    table, png = tmp_path / "docs" / "growth.md", tmp_path / "img" / "g.png"
    monkeypatch.setattr(sys, "argv", ["bench_growth.py", "--replot", str(src), "--gnark",
                                      str(gnark), "--table", str(table), "--plot", str(png)])
    bg.main()
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    row = next(line for line in table.read_text().splitlines() if line.startswith("| 8 | 2 |"))
    assert "104.00 / 52.00 | **2.00**" in row  # gnark's records replaced by the file's
    assert "Plot: [g.png](../img/g.png)" in table.read_text()


def test_rounds_pool_their_samples_and_cpu_ratios_are_listed() -> None:
    """Interleaved rounds give one record per side: every sample of each kind pooled (min and
    median over all of them, CPU times too), the peak RSS of the round that measured it; the
    table lists the largest CPU ratio and says how the figures were sampled."""
    def part(prove: list[float], rss: float | None) -> dict[str, Any]:
        rec = _rec("zkcollat", "lock", 8, 1, 0.0, 0.001, rss)
        rec["prove"] = {"min": min(prove), "median": 0.0, "samples": prove}
        rec["prove_cpu"] = {"min": 0.0, "median": 0.0, "samples": [x / 2 for x in prove]}
        return rec

    merged = bg.merge([part([0.30, 0.10, 0.20], 20.0), part([0.50, 0.40], None)])
    assert merged["prove"] == {"min": 0.10, "median": 0.30,
                               "samples": [0.30, 0.10, 0.20, 0.50, 0.40]}
    assert merged["prove_cpu"]["median"] == 0.15
    assert merged["verify"]["samples"] == [0.001, 0.001]  # a record without samples: its median
    assert merged["peak_rss_mb"] == 20.0 and merged["rounds"] == 2
    theirs = _rec("gnark", "lock", 8, 1, 0.30, 0.001, 15.0)
    theirs["prove_cpu"] = {"min": 0.05, "median": 0.10}
    results = {**_results([merged, theirs]), "runs": 3, "fast_runs": 50, "rounds": 2}
    text = bg.table(results)
    assert "- prove CPU: 1.50 (CollateralLock 8, 1 thr)" in text
    assert ("2 interleaved rounds per size (ours and gnark in turn, alternating which goes "
            "first), each side timing 3 proofs and 50 witness solves and verifications per "
            "round") in text
    assert "5 timed runs per figure" in bg.table(_results([merged, theirs]))  # an old sitting


def test_sittings_join_in_one_table_each_row_naming_its_own(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    """The large sizes take a sitting of their own; --replot joins the JSON of two sittings
    in one table and plot, each row (vault rows too) naming the sitting its figures are from,
    and refuses a size that two sittings both measured."""
    def vault_row(k: int) -> dict[str, Any]:
        return {"log2": k, "locks": 1 << k, "threads": 2,
                "bulk build": {"min": 1.0, "median": 1.0},
                "append (FULL)": {"min": 0.0004, "median": 0.0005},
                "path": {"min": 0.0001, "median": 0.0002}}

    small = _results([_rec("zkcollat", "synthetic", 16, 2, 2.0, 0.001, 130.0, 65538),
                      _rec("gnark", "synthetic", 16, 2, 2.0, 0.001, 170.0, 65538)],
                     [vault_row(16)])
    large = {**_results([_rec("zkcollat", "synthetic", 20, 2, 30.0, 0.001, 2000.0, 1048578),
                         _rec("gnark", "synthetic", 20, 2, 25.0, 0.001, 2700.0, 1048578)],
                        [vault_row(20)]),
             "started": "2026-12-01 12:00", "finished": "2026-12-01 12:40",
             "commit": "def5678", "command": "python benchmarks/bench_growth.py --min-log2 17"}
    joined = bg.combine([small, large])
    assert [r["sitting"] for r in joined["records"]] == [1, 1, 2, 2]
    text = bg.table(joined)
    lines = text.splitlines()
    assert lines[0] == "# How cost grows: zkcollat and gnark, each size in one sitting"
    assert any(line.startswith("[1] Measured 2026-11-30 20:00") and "abc1234" in line
               for line in lines)
    assert any(line.startswith("[2] Measured 2026-12-01 12:00") and "def5678" in line
               for line in lines)
    assert "    python benchmarks/bench_growth.py --min-log2 17" in lines
    assert any(line.startswith("| 2^16 [1] | 2 |") for line in lines)
    row = next(line for line in lines if line.startswith("| 2^20 [2] | 2 |"))
    assert "30000.00 / 25000.00 | **1.20**" in row
    assert any(line.startswith("| 2^20 [2] | 2 | 1.000 |") for line in lines)
    assert "- prove: 1.20 (Synthetic chain 2^20 [2], 2 thr): above 5%: not met" in lines
    assert bg.combine([small]) is small  # one sitting: as it was written
    with pytest.raises(SystemExit, match="zkcollat synthetic 16 with 2 threads is in sittings "
                                         "1 and 2"):
        bg.combine([small, small])
    with pytest.raises(SystemExit, match="vault at 2\\^16 with 2 threads is in sittings 1 and 2"):
        bg.combine([small, {**large, "vault": [vault_row(16)]}])

    paths = []
    for name, sit in (("small", small), ("large", large)):
        paths.append(tmp_path / f"{name}.json")
        paths[-1].write_text(json.dumps(sit))
    table, png = tmp_path / "growth.md", tmp_path / "growth.png"
    monkeypatch.setattr(sys, "argv", ["bench_growth.py", "--replot", *map(str, paths),
                                      "--table", str(table), "--plot", str(png)])
    bg.main()
    assert table.read_text() == bg.table(joined, "growth.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_the_full_vault_is_timed_with_room_for_its_appends() -> None:
    """2^20 locks fill a depth-20 tree: the bulk build takes all of them, the appends are
    timed on the vault without the last ``appends`` (the sitting of 2 Dec died here with
    TreeFullError after 45 minutes of measurements)."""
    (rec,) = bg.vault_series([20], 3)
    assert rec["locks"] == 1 << 20
    assert rec["append (FULL)"]["median"] > 0 and rec["path"]["median"] > 0


def test_a_sitting_writes_its_json_after_each_size(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The sizes a sitting finished are on disk before the next one starts: a sitting that
    dies at 2^20 (a stopped session, a full tree) keeps 2^17-2^19. Workers are stubbed."""
    prepared: list[int] = []

    def fake_worker(args: list[str], threads: int) -> dict[str, Any]:
        if args[0] == "--prepare":
            prepared.append(int(args[2]))
            return {"constraints": 1 << int(args[2]), "wires": 5, "setup_s": 0.1, "y": "7"}
        return {"vault": [{"log2": 6, "append_ms": {"median": 0.1}}]}

    def fake_interleaved(args: argparse.Namespace, series: str, param: int, keys: Path,
                         threads: int, gnark_bin: Path | None, prep: dict[str, Any]
                         ) -> tuple[dict[str, Any], None]:
        if param == 12 and threads == 1:
            raise KeyboardInterrupt  # the sitting stopped in the middle of its second size
        return _rec("zkcollat", series, param, threads, 0.2, 0.001, None), None

    monkeypatch.setattr(bg, "_run_worker", fake_worker)
    monkeypatch.setattr(bg, "interleaved", fake_interleaved)
    out = tmp_path / "growth.json"
    args = argparse.Namespace(series=["synthetic"], threads=[2, 1], runs=1, fast_runs=1,
                              appends=1)
    results = _results([])
    del results["finished"]
    seen: list[list[int]] = []

    def checkpoint(records: list[dict[str, Any]], vault: list[dict[str, Any]]) -> None:
        bg.write_json(out, {**results, "records": records, "vault": vault, "finished": None})
        seen.append([r["param"] for r in json.loads(out.read_text())["records"]])

    with pytest.raises(KeyboardInterrupt):
        bg.sitting(args, {"synthetic": [11, 12, 13], "vault": []}, None, checkpoint)
    assert prepared == [11, 12]
    assert seen == [[11, 11]]  # 2^11 with 2 threads and 1, written once it was complete
    kept = json.loads(out.read_text())
    assert [(r["param"], r["threads"]) for r in kept["records"]] == [(11, 2), (11, 1)]
    assert not list(tmp_path.glob("*.tmp"))  # replaced whole, nothing half-written left
    page = bg.table(kept)
    assert "a sitting that did not finish" in page and "None UTC" not in page
