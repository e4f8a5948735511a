"""The README's runnable blocks, run as written (issue 20): so the README cannot drift.

A block is run when the line before its fence is ``<!-- readme-test: run -->``. Inside it,
``$ COMMAND`` lines (continued by a trailing backslash) run in order in one temporary folder
through bash, with ``zkcollat`` meaning ``python -m zkcollat.cli`` of this tree; the lines up to
the next ``$`` are the output shown (stdout and stderr together). Each shown line must match a
line of the output, in order: ``…`` stands for any text within a line, a line ``...`` (or a
trailing `` ...``) for any further lines or text, and a line ending in ``# varies`` is not
compared. ``$ cat FILE`` of a file that does not exist yet writes the lines shown into it (the
README gives the file to create). The exit status must be 0, or 1 where the output shown
starts with ``INVALID``, or 2 where it starts with ``error:``; ``echo "exit $?"`` shows its own.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MARK = "<!-- readme-test: run -->"


@dataclass(frozen=True)
class Step:
    line: int  # README line of the command
    command: str
    shown: tuple[str, ...]


def runnable_blocks(text: str) -> list[list[Step]]:
    lines = text.splitlines()
    blocks: list[list[Step]] = []
    for i, line in enumerate(lines):
        if line.strip() != MARK:
            continue
        assert lines[i + 1].startswith("```"), f"README line {i + 2}: a fence must follow {MARK}"
        steps: list[Step] = []
        j = i + 2
        while not lines[j].startswith("```"):
            if not lines[j].startswith("$ "):
                assert steps, f"README line {j + 1}: output before any command"
                s = steps[-1]
                steps[-1] = Step(s.line, s.command, (*s.shown, lines[j]))
                j += 1
                continue
            start, cmd = j, lines[j][2:]
            while cmd.endswith("\\"):
                j += 1
                cmd = cmd[:-1] + " " + lines[j].strip()
            steps.append(Step(start + 1, cmd, ()))
            j += 1
        blocks.append(steps)
    return blocks


def line_matches(shown: str, actual: str) -> bool:
    if shown.endswith(" ..."):
        shown = shown[:-4] + "…"
    pieces = shown.split("…")
    if len(pieces) == 1:
        return shown == actual
    if not (actual.startswith(pieces[0]) and actual.endswith(pieces[-1])):
        return False
    at, end = len(pieces[0]), len(actual) - len(pieces[-1])
    for p in pieces[1:-1]:
        k = actual.find(p, at, end)
        if k < 0:
            return False
        at = k + len(p)
    return at <= end


def output_matches(shown: tuple[str, ...], actual: list[str]) -> str | None:
    """None if the output shows as the README says; else what is missing."""
    j, skipping = 0, False
    for s in shown:
        if s.strip() == "...":
            skipping = True
            continue
        if s.rstrip().endswith("# varies"):
            j += 1
            continue
        while j < len(actual) and not line_matches(s.rstrip(), actual[j].rstrip()):
            if not skipping:
                return f"expected {s!r}, got {actual[j]!r}"
            j += 1
        if j == len(actual):
            return f"expected {s!r}: not in the output"
        j, skipping = j + 1, False
    if j < len(actual) and not skipping:
        return f"unexpected further output {actual[j]!r}"
    return None


def expected_status(shown: tuple[str, ...]) -> int:
    if 'echo "exit $?"' in "".join(shown) or not shown:
        return 0
    if shown[0].startswith("INVALID"):
        return 1
    return 2 if shown[0].startswith("error:") else 0


def run_block(steps: list[Step], folder: Path) -> None:
    prelude = f'zkcollat() {{ "{sys.executable}" -m zkcollat.cli "$@"; }}\n'
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    for st in steps:
        m = re.fullmatch(r"cat (\S+)", st.command.strip())
        if m and not (folder / m.group(1)).exists():
            (folder / m.group(1)).write_text("\n".join(st.shown) + "\n")
            continue
        res = subprocess.run(
            ["bash", "-c", prelude + st.command],
            cwd=folder,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=600,
        )
        where = f"README line {st.line}: $ {st.command}\n{res.stdout}"
        expected = 0 if "echo" in st.command else expected_status(st.shown)
        assert res.returncode == expected, f"exit {res.returncode}, not {expected}: {where}"
        problem = output_matches(st.shown, res.stdout.splitlines())
        assert problem is None, f"{problem}\n{where}"


def test_matcher() -> None:
    assert line_matches(
        "root 1260…698",
        "root 12601454505893088048605134359831668905929041450071492867839252156867267648698",
    )
    assert not line_matches(
        "root 1260…698",
        "root 126014545058930880486051343598316689059290414500714928678392521568672676486",
    )
    assert not line_matches("a…b…c", "a c")  # the middle piece is missing
    assert line_matches("warning: key ...", "warning: key is a development key")
    assert output_matches(("a", "...", "z"), ["a", "b", "c", "z"]) is None
    assert output_matches(("a", "z"), ["a", "b", "z"]) is not None
    assert output_matches(("a",), ["a", "b"]) is not None
    assert output_matches(("a", "x # varies"), ["a", "whatever"]) is None
    assert expected_status(("error: no",)) == 2 and expected_status(("INVALID: x",)) == 1


def test_readme_has_runnable_blocks() -> None:
    assert runnable_blocks((ROOT / "README.md").read_text())


@pytest.mark.slow
def test_readme_blocks_run_as_written(tmp_path: Path) -> None:
    for steps in runnable_blocks((ROOT / "README.md").read_text()):
        run_block(steps, tmp_path)
