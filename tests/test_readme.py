"""The README's runnable blocks, run as written (issue 20): so the README cannot drift.

A block is run when the line before its fence is ``<!-- readme-test: run -->``; the blocks run
in README order in one temporary folder, each block in ONE bash process (so ``cd``, ``export``
and variables such as ``PUT=$(...)`` carry over from one command to the next, as in a user's
terminal), with ``zkcollat`` meaning ``python -m zkcollat.cli`` of this tree and standard input
empty. Inside a block, ``$ COMMAND`` lines (continued by a trailing backslash) are the commands;
the lines up to the next ``$`` are the output shown (stdout and stderr together).

Each command's exit status is checked: 0, or 1 where the output shown starts with ``INVALID``,
or 2 where it starts with ``error:``; a command containing ``echo`` (``...; echo "exit $?"``)
must exit 0 and shows its status itself. The block stops at the first command whose status
differs. Then each output line shown must match a line of the output, in order, where

- ``…`` stands for any text within a line (long numbers cut, and what varies from run to run:
  fresh keys' addresses ``0x…``, order ids, hashes, dates, times such as ``(… s)``);
- a line ``...`` stands for any number of further lines, and a trailing `` ...`` for the rest
  of the line;
- a line ending in ``# varies`` is a line whose whole content varies: it must be there, its
  text is not compared;
- anything else is compared exactly, and output beyond the lines shown is an error.

``$ cat FILE`` of a file that does not exist yet writes the lines shown into it (the README
gives the file to create). Figures that depend on the clock are made exact by the README's own
``export ZKCOLLAT_NOW=$(date +%s)`` (the commands' clock stands still), not by the runner.
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


def block_script(steps: list[Step], out: Path) -> str:
    """One bash script for a block: its commands in order in one shell (so ``cd`` and
    variables carry over), each one's stdout and stderr to ``out/N``, its exit status to
    ``out/N.rc``; the script stops at the first command whose status is not the expected one."""
    parts = [f'zkcollat() {{ "{sys.executable}" -m zkcollat.cli "$@"; }}']
    for n, st in enumerate(steps):
        m = re.fullmatch(r"cat (\S+)", st.command.strip())
        if m:  # a file the README gives: write it unless an earlier step made it
            body = "\n".join(st.shown)
            assert "README_EOF" not in body
            f = m.group(1)
            parts.append(f"[ -e {f} ] || cat > {f} <<'README_EOF'\n{body}\nREADME_EOF")
        want = 0 if "echo" in st.command else expected_status(st.shown)
        parts.append(
            f"{{ {st.command}\n}} >'{out}/{n}' 2>&1 </dev/null\n"
            f"rc=$?; echo $rc >'{out}/{n}.rc'; [ $rc -eq {want} ] || exit 0"
        )
    return "\n".join(parts) + "\n"


def run_block(steps: list[Step], folder: Path, out: Path) -> None:
    """Run one block's commands in one shell in ``folder``; check each one's exit status and
    the output lines the README shows, in order, stopping at the first difference."""
    out.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    script = out / "block.sh"
    script.write_text(block_script(steps, out))
    subprocess.run(["bash", str(script)], cwd=folder, env=env, check=True, timeout=900)
    for n, st in enumerate(steps):
        rc_file = out / f"{n}.rc"
        assert rc_file.exists(), f"README line {st.line}: $ {st.command}: never ran"
        output = (out / str(n)).read_text()
        where = f"README line {st.line}: $ {st.command}\n{output}"
        want = 0 if "echo" in st.command else expected_status(st.shown)
        rc = int(rc_file.read_text())
        assert rc == want, f"exit {rc}, not {want}: {where}"
        problem = output_matches(st.shown, output.splitlines())
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


def test_block_runs_in_one_shell(tmp_path: Path) -> None:
    text = "\n".join(
        [
            MARK,
            "```console",
            "$ mkdir sub && cd sub && X=5",
            '$ echo "$X $(basename $PWD)"',
            "5 sub",
            "$ false",
            "$ touch after",
            "```",
        ]
    )
    (steps,) = runnable_blocks(text)
    (tmp_path / "a").mkdir()
    with pytest.raises(AssertionError, match=r"exit 1, not 0: README line 6: \$ false"):
        run_block(steps, tmp_path / "a", tmp_path / "out")
    assert not (tmp_path / "a" / "sub" / "after").exists()  # the block stopped at the failure
    (tmp_path / "b").mkdir()
    wrong = [steps[0], Step(steps[1].line, steps[1].command, ("6 sub",))]
    with pytest.raises(AssertionError, match="expected '6 sub', got '5 sub'"):
        run_block(wrong, tmp_path / "b", tmp_path / "out2")


def test_readme_has_runnable_blocks() -> None:
    assert runnable_blocks((ROOT / "README.md").read_text())


@pytest.mark.slow
def test_readme_blocks_run_as_written(tmp_path: Path) -> None:
    folder = tmp_path / "work"
    folder.mkdir()
    for k, steps in enumerate(runnable_blocks((ROOT / "README.md").read_text())):
        run_block(steps, folder, tmp_path / f"block{k}")
