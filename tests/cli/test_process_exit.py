"""How a ``zkcollat prove`` (or ``verify``, ``--version``) process ends: after a success,
``os._exit(0)`` once the standard streams are flushed (no teardown of every module and
object); everything else (an error, a stream that cannot be flushed, a caller that passes its
own arguments) ends as Python does.

Each case runs in a fresh interpreter with an ``atexit`` handler that prints a marker: the
handler runs on a normal exit and never after ``os._exit``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ceremony.makers import tiny_witness

ROOT = Path(__file__).resolve().parents[2]
MARK = "atexit-handler-ran"


def _run(
    cwd: Path, argv: list[str] | None, *, stdout: int | object = subprocess.PIPE
) -> subprocess.CompletedProcess[str]:
    """``zkcollat`` as the process's command line (``argv`` in ``sys.argv``, ``main()``), or,
    with ``argv`` None, ``main([...])`` called with explicit arguments."""
    args = ["-q", "prove", "--zkey", "k.zkey", "--wtns", "w.wtns", "-o", "p.json", "--json"]
    call = "main()" if argv is not None else f"main({args!r})"
    code = (
        "import atexit, sys\n"
        f"atexit.register(lambda: print({MARK!r}, file=sys.stderr, flush=True))\n"
        f"sys.argv = ['zkcollat', *{argv or []!r}]\n"
        "from zkcollat.cli import main\n"
        f"{call}\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ZKCOLLAT_CACHE": str(cwd / "cache")}
    return subprocess.run(
        [sys.executable, "-c", code],
        stdout=stdout,  # type: ignore[arg-type]
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=cwd,
    )


PROVE = ["-q", "prove", "--zkey", "k.zkey", "--wtns", "w.wtns", "-o", "p.json", "--json"]


def test_a_successful_prove_ends_without_teardown_and_loses_no_output(keyed: Path) -> None:
    from zkcollat.ceremony.keys import zkey_to_vk
    from zkcollat.formats.snarkjs import proof_from_json, public_from_json
    from zkcollat.formats.zkey import read_zkey
    from zkcollat.groth16.verify import verify

    out = _run(keyed, PROVE)
    assert out.returncode == 0, out.stderr
    assert MARK not in out.stderr  # os._exit: no atexit handler, no teardown
    printed = json.loads(out.stdout)  # the whole --json answer reached the pipe
    assert printed["proof"] == "p.json"
    public = public_from_json(json.loads((keyed / "public.json").read_text()))
    assert public_from_json(printed["publicSignals"]) == public
    proof = proof_from_json(json.loads((keyed / "p.json").read_text()))
    assert verify(zkey_to_vk(read_zkey(keyed / "k.zkey")), public, proof)


def test_a_failed_prove_ends_as_python_does(keyed: Path) -> None:
    out = _run(keyed, [*PROVE[:5], "missing.wtns", *PROVE[6:]])
    assert out.returncode == 2 and "does not exist" in out.stderr
    assert MARK in out.stderr


def test_a_caller_passing_arguments_gets_control_back(keyed: Path) -> None:
    out = _run(keyed, None)
    assert out.returncode == 0, out.stderr
    assert MARK in out.stderr and json.loads(out.stdout)["proof"] == "p.json"


def test_version_and_a_valid_verify_end_without_teardown(keyed: Path) -> None:
    """``--version``, and ``verify`` of a valid proof (exit 0), end the same way; a proof that
    ``verify`` rejects (exit 1) ends the normal way."""
    from zkcollat.ceremony.keys import zkey_to_vk
    from zkcollat.formats.snarkjs import vk_to_json, write_json_atomic
    from zkcollat.formats.zkey import read_zkey

    out = _run(keyed, ["--version"])
    assert out.returncode == 0 and out.stdout.startswith("zkcollat, version ")
    assert MARK not in out.stderr
    assert _run(keyed, PROVE).returncode == 0
    write_json_atomic(keyed / "vk.json", vk_to_json(zkey_to_vk(read_zkey(keyed / "k.zkey"))))
    out = _run(keyed, ["verify", "vk.json", "public.json", "p.json"])
    assert out.returncode == 0 and "OK" in out.stdout and MARK not in out.stderr
    (keyed / "other.json").write_text(json.dumps([str(tiny_witness(3, 5)[1] + 1)]))
    out = _run(keyed, ["verify", "vk.json", "other.json", "p.json"])
    assert out.returncode == 1 and "INVALID" in out.stderr and MARK in out.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_output_that_cannot_be_written_is_an_error(keyed: Path) -> None:
    """stdout on a full device: the answer cannot be written, and the process says so and
    fails (click flushes each line it prints; the flush before ``os._exit`` is the last
    guard), never a silent exit 0."""
    with open("/dev/full", "w") as full:
        out = _run(keyed, PROVE, stdout=full)
    assert out.returncode != 0 and "No space left" in out.stderr
