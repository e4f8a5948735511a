"""``zkcollat prove --zkey K --wtns W`` without click (:mod:`zkcollat.cli.fast`).

The fast path must mean by a command line exactly what click means by it, or leave it to
click: each command line it accepts is parsed by click too and the parameters compared, and
the ones it must not take (help, other options, forms click reads differently or refuses)
are checked to go to click. Then whole processes: the fast path imports neither click nor any
module of other commands, prints, warns, fails and exits as the click path does, and ends
without teardown after a success.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.ceremony.makers import tiny_witness
from zkcollat.cli.fast import parse_prove_wtns

ROOT = Path(__file__).resolve().parents[2]
MARK = "atexit-handler-ran"


def click_params(args: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """What click makes of ``zkcollat ARGS``: the group's and the command's parameters."""
    from zkcollat.cli import main

    ctx = main.make_context("zkcollat", list(args))
    name, command, rest = main.resolve_command(ctx, [*ctx._protected_args, *ctx.args])
    assert name == "prove" and command is not None
    sub = command.make_context(name, rest, parent=ctx)
    return dict(ctx.params), dict(sub.params)


ACCEPTED = [
    ["prove", "--zkey", "k.zkey", "--wtns", "w.wtns"],
    ["prove", "--zkey", "k.zkey", "--wtns", "w.wtns", "-o", "p.json", "--public", "pub.json"],
    ["prove", "--wtns", "w.wtns", "--zkey", "k.zkey", "--proof", "p.json", "--json"],
    ["prove", "--zkey=k.zkey", "--wtns=w.wtns", "--proof=p.json", "--public=x y.json"],
    ["-q", "prove", "--zkey", "k.zkey", "--wtns", "w.wtns", "-o", "p.json"],
    ["--quiet", "--debug", "prove", "--json", "--zkey", "k.zkey", "--wtns", "w.wtns"],
    ["--backend", "native", "prove", "--zkey", "k.zkey", "--wtns", "w.wtns"],
    ["--backend=reference", "-q", "prove", "--zkey", "k", "--wtns", "w", "--public", "é.json"],
]


@pytest.mark.parametrize("args", ACCEPTED, ids=[" ".join(a) for a in ACCEPTED])
def test_a_command_line_it_takes_means_the_same_to_click(
    args: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("ZKCOLLAT_QUIET", raising=False)
    monkeypatch.chdir(tmp_path)
    parsed = parse_prove_wtns(args)
    assert parsed is not None
    group, params = parsed
    click_group, click_command = click_params(args)
    assert group == click_group
    assert params == {k: click_command[k] for k in params}
    # every other option of prove at its default: click runs the same branch of the command
    assert click_command["vault_path"] is None and click_command["input_path"] is None
    assert click_command["lock_ids"] == () and click_command["circuit_name"] is None


REFUSED = [
    ["--help"],
    ["--version", "prove", "--zkey", "k", "--wtns", "w"],
    ["prove", "--help", "--zkey", "k", "--wtns", "w"],
    ["prove", "--zkey", "k", "--wtns", "w", "--pk", "x.zkpk"],  # another option of prove
    ["prove", "--zkey", "k", "--wtns", "w", "--vault", "v.sqlite"],
    ["prove", "--zkey", "k"],  # not the --wtns form
    ["prove", "--pk", "k.zkpk", "--input", "i.json"],
    ["verify", "--zkey", "k", "--wtns", "w"],
    ["prove", "-q", "--zkey", "k", "--wtns", "w"],  # a group option after the command
    ["prove", "--zkey", "k", "--wtns", "w", "-op.json"],  # click's short form: click's
    ["prove", "--zkey", "k", "--wtns", "w", "-o=p.json"],
    ["prove", "--zkey", "k", "--wtns", "w", "-o"],  # value missing
    ["prove", "--zkey", "k", "--zkey", "k", "--wtns", "w"],  # given twice
    ["prove", "--zkey", "-k", "--wtns", "w"],  # a value that looks like an option
    ["prove", "--zkey", "", "--wtns", "w"],
    ["prove", "--zkey", "k\x1b[31m", "--wtns", "w"],  # not printable
    ["prove", "--zkey", "k", "--wtns", "w", "--json=1"],
    ["prove", "--zkey", "k", "--wtns", "w", "--", "x"],
    ["prove", "--zkey", "k", "--wtns", "w", "extra"],
    ["--backend", "Native", "prove", "--zkey", "k", "--wtns", "w"],  # choices are exact
    ["--backend", "prove", "--zkey", "k", "--wtns", "w"],
    ["prove", "--zkey", "k", "--wtns", "w", "-o", "."],  # a directory: click's message
    ["-qv", "prove", "--zkey", "k", "--wtns", "w"],
    [],
]


@pytest.mark.parametrize("args", REFUSED, ids=[repr(" ".join(a)) for a in REFUSED])
def test_anything_else_goes_to_click(args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ZKCOLLAT_QUIET", raising=False)
    assert parse_prove_wtns(args) is None


def test_a_quiet_setting_in_the_environment_goes_to_click(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """click reads ``ZKCOLLAT_QUIET`` as the flag's value: the fast path leaves it to it."""
    args = ["prove", "--zkey", "k", "--wtns", "w"]
    monkeypatch.setenv("ZKCOLLAT_QUIET", "1")
    assert parse_prove_wtns(args) is None
    monkeypatch.delenv("ZKCOLLAT_QUIET")
    assert parse_prove_wtns(args) is not None


# --- whole processes ----------------------------------------------------------------------------


def _run(cwd: Path, args: list[str], *, entry: str = "run") -> subprocess.CompletedProcess[str]:
    """``zkcollat ARGS`` as a process's command line: through ``run()`` (what ``cli.py``,
    ``python -m zkcollat.cli`` and the console script call) or click's ``main()``; prints,
    last, the modules it loaded that the fast path must not need."""
    code = (
        "import atexit, json, sys\n"
        "at_start = set(sys.modules)\n"  # what the interpreter's site hooks loaded: not ours
        "def loaded():\n"
        "    bad = ('click', 'zkcollat.cli.app', 'zkcollat.cli._common', 'zkcollat.cli.proof_cmd',"
        " 'zkcollat.cli.circuit_cmd', 'zkcollat.cli.ceremony_cmd', 'zkcollat.statements',"
        " 'zkcollat.attest', 'zkcollat.vault', 'zkcollat.margin', 'zkcollat.relayer',"
        " 'sqlite3', 'uuid', 'platform', 'difflib', 'gettext', '_hashlib', 'hmac', 'secrets',"
        " 'dataclasses', 'inspect', 'zkcollat.groth16.keys', 'zkcollat.formats.pkey',"
        " 'pathlib', 'tempfile', 'shutil', 'urllib', 'ipaddress', 'zipfile', 'bz2', 'lzma',"
        " 'random', 'weakref')\n"
        "    return sorted(m for m in set(sys.modules) - at_start"
        " if any(m == b or m.startswith(b + '.') for b in bad))\n"
        f"atexit.register(lambda: print({MARK!r}, json.dumps(loaded()), file=sys.stderr))\n"
        f"sys.argv = ['zkcollat', *{args!r}]\n"
        f"from zkcollat.cli import {entry}\n"
        f"{entry}()\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ZKCOLLAT_CACHE": str(cwd / "cache")}
    env.pop("ZKCOLLAT_QUIET", None)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=cwd
    )


PROVE = ["prove", "--zkey", "k.zkey", "--wtns", "w.wtns", "-o", "p.json", "--public", "pub.json"]


def test_the_fast_path_loads_no_click_and_ends_without_teardown(keyed: Path) -> None:
    """The benchmarked command line, through ``run()``: click and every other command's
    modules stay unloaded, and so do ``dataclasses`` (with ``inspect``), the proving key's
    module and the ``.zkpk`` format (checked at exit by an ``atexit`` handler, which must therefore
    not run after a success: ``os._exit``); the proof verifies. The same handler after an
    error reports what was loaded: still no click."""
    from zkcollat.ceremony.keys import zkey_to_vk
    from zkcollat.formats.snarkjs import proof_from_json, public_from_json
    from zkcollat.formats.zkey import read_zkey
    from zkcollat.groth16.verify import verify

    out = _run(keyed, ["-q", *PROVE])
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("wrote p.json and pub.json (") and out.stderr == ""
    public = public_from_json(json.loads((keyed / "pub.json").read_text()))
    proof = proof_from_json(json.loads((keyed / "p.json").read_text()))
    vk = zkey_to_vk(read_zkey(keyed / "k.zkey"))
    assert public == [tiny_witness(3, 5)[1]] and verify(vk, public, proof)

    out = _run(keyed, ["-q", "prove", "--zkey", "k.zkey", "--wtns", "bad.wtns"])
    assert out.returncode == 2 and MARK in out.stderr
    # OpenSSL (hashlib, through hmac for secrets too) neither, with an extension that hashes
    from zkcollat import _native

    openssl = [] if hasattr(_native, "sha256") else ["_hashlib"]
    assert json.loads(out.stderr.split(MARK, 1)[1]) == openssl


CASES = [
    PROVE,  # a development key: the warning line
    ["-q", *PROVE, "--json"],
    ["prove", "--zkey", "k.zkey", "--wtns", "missing.wtns"],
    ["prove", "--zkey", "k.zkey", "--wtns", "bad.wtns"],  # not this circuit's witness
    ["prove", "--zkey", "w.wtns", "--wtns", "w.wtns"],  # a witness given as the key
    ["--debug", "prove", "--zkey", "missing.zkey", "--wtns", "w.wtns"],
]


@pytest.mark.parametrize("args", CASES, ids=[" ".join(a) for a in CASES])
def test_the_fast_path_answers_as_click_does(keyed: Path, args: list[str]) -> None:
    """The same exit status, the same lines on stdout and stderr (the seconds aside), the
    same files, through ``run()`` (fast) and click's ``main()``."""

    def outcome(entry: str) -> tuple[int, str, str, list[str]]:
        for name in ("p.json", "pub.json"):
            (keyed / name).unlink(missing_ok=True)
        out = _run(keyed, args, entry=entry)
        stderr = out.stderr.split(MARK)[0]
        text = out.stdout
        if "--json" in args and out.returncode == 0:
            answer = json.loads(text)
            answer.pop("seconds")
            text = json.dumps(answer)
        else:
            text = text.split(" (")[0]
        if "--debug" in args:  # the traceback's frames differ: its last line must not
            stderr = "\n".join(line for line in stderr.splitlines() if not line[:1].isspace()
                               and not line.startswith("Traceback"))
        written = sorted(p.name for p in keyed.glob("*.json"))
        return out.returncode, text, stderr, written

    fast, slow = outcome("run"), outcome("main")
    assert fast == slow
    assert fast[0] == (0 if args in (PROVE, ["-q", *PROVE, "--json"]) else 2)
