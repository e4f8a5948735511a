"""Every reader (.ptau, .zkey, .r1cs, .wtns, .zkpk, JSON keys, proofs, signals) over mutated
input, on both backends: it returns or raises the project's own error (a
:class:`~zkcollat.errors.ZkcollatError`), never anything else (issue 13)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.groth16.circuits import Cube
from zkcollat.curve import load_backend
from zkcollat.curve.backend import Backend
from zkcollat.errors import ZkcollatError
from zkcollat.formats import limits, pkey
from zkcollat.formats.r1cs_bin import r1cs_bytes, read_r1cs
from zkcollat.formats.snarkjs import (
    proof_from_json,
    proof_to_json,
    public_from_json,
    vk_from_json,
    vk_to_json,
)
from zkcollat.formats.wtns import read_wtns, wtns_bytes
from zkcollat.groth16.prove import prove
from zkcollat.groth16.setup import setup

CORPUS = Path(__file__).resolve().parents[1] / "vectors" / "malformed"


def _json_reader(parse: Callable[[Any], Any]) -> Callable[[bytes], Any]:
    return lambda data: parse(limits.loads(data, "fuzzed"))


@pytest.fixture(scope="module")
def samples() -> dict[str, tuple[bytes, Callable[[bytes], Any]]]:
    import json

    cs = Cube().compile()
    pk, vk = setup(cs, seed=b"fuzz", backend=load_backend("native"))
    w = cs.solve({"y": 35, "tag": 7, "x": 3})
    proof = prove(pk, cs, w)
    from tests.ceremony.makers import make_ptau, tiny_r1cs
    from zkcollat.ceremony.phase2 import circuit_from_r1cs, new_zkey
    from zkcollat.curve import use_backend
    from zkcollat.formats.ptau import read_ptau
    from zkcollat.formats.zkey import read_zkey

    with use_backend("native"):
        ptau = make_ptau(2, 0x1234567, 0x89ABCDEF, 0x13579BDF)
        zkey = new_zkey(circuit_from_r1cs(tiny_r1cs()), read_ptau(ptau)).to_bytes()
    return {
        "ptau": (ptau, read_ptau),
        "zkey": (zkey, read_zkey),
        "r1cs": (r1cs_bytes(cs), read_r1cs),
        "wtns": (wtns_bytes(w), read_wtns),
        "zkpk": (pkey.encode(pk), lambda d: pkey.decode(d, warn=False)),
        "vk": (json.dumps(vk_to_json(vk)).encode(), _json_reader(vk_from_json)),
        "proof": (json.dumps(proof_to_json(proof)).encode(), _json_reader(proof_from_json)),
        "public": (json.dumps([str(v) for v in w[1:3]]).encode(), _json_reader(public_from_json)),
    }


def _mutate(data: bytes) -> st.SearchStrategy[bytes]:
    n = len(data)
    return st.one_of(
        st.integers(0, n - 1).map(lambda k: data[:k]),
        st.tuples(st.integers(0, n - 1), st.integers(0, 7)).map(
            lambda t: data[: t[0]] + bytes([data[t[0]] ^ (1 << t[1])]) + data[t[0] + 1 :]),
        st.tuples(st.integers(0, n - 1), st.binary(min_size=1, max_size=16)).map(
            lambda t: data[: t[0]] + t[1] + data[t[0] + len(t[1]) :]),
        st.integers(65, 5000).map(lambda d: b"[" * d + data + b"]" * d),
    )


@pytest.mark.parametrize("kind", ["ptau", "zkey", "r1cs", "wtns", "zkpk", "vk", "proof", "public"])
def test_mutated_input_gives_a_project_error(
    backend: Backend, samples: dict[str, tuple[bytes, Callable[[bytes], Any]]], kind: str
) -> None:
    data, read = samples[kind]
    read(data)  # the valid sample reads

    @settings(max_examples=25, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(_mutate(data))
    def check(mutated: bytes) -> None:
        with contextlib.suppress(ZkcollatError):
            read(mutated)

    check()


@pytest.mark.parametrize("bad", sorted(CORPUS.glob("*.json")), ids=lambda p: p.name)
def test_corpus_json(backend: Backend, bad: Path,
                     samples: dict[str, tuple[bytes, Callable[[bytes], Any]]]) -> None:
    for kind in ("vk", "proof", "public"):
        if kind == "public" and bad.name == "empty_array.json":
            continue  # a statement without public inputs has this public.json
        with pytest.raises(ZkcollatError):
            samples[kind][1](bad.read_bytes())
