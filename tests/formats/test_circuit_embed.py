"""The compiled circuit a proving key carries: exact round trip, the same witnesses and digest,
keys without it (version 1, unnameable hints), and malformed bytes refused by name."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from tests.groth16.circuits import Cube
from zkcollat.curve import Backend
from zkcollat.errors import KeyFormatError, ProvingError
from zkcollat.field import R
from zkcollat.formats import circuit, pkey
from zkcollat.gadgets.bits import is_zero, to_bits
from zkcollat.groth16.prove import fullprove
from zkcollat.groth16.qap import circuit_digest
from zkcollat.groth16.setup import setup
from zkcollat.groth16.verify import verify
from zkcollat.r1cs import Api, Circuit, Private, Public
from zkcollat.r1cs.system import ConstraintSystem


class Hinted(Circuit):
    """Every hint the format names: bits, is_zero's inverse-or-zero, api.inverse."""

    y = Public()
    x = Private()
    z = Private()

    def define(self, api: Api) -> None:
        bits = to_bits(api, self.x, 8)
        api.assert_equal(bits[0] + 2 * bits[1], self.y)
        inv = api.inverse(self.x + 1)
        api.assert_equal(api.mul(inv, self.x + 1), 1)
        api.assert_equal(is_zero(api, self.z), 1)


class Lambda(Circuit):
    """A hint with no name in the format: not embeddable."""

    y = Public()
    x = Private()

    def define(self, api: Api) -> None:
        h = api.hint(lambda v: v * 2 % R, self.x, label="double")
        api.assert_equal(h, self.y)


def round_trip(cs: ConstraintSystem) -> ConstraintSystem:
    data = circuit.encode(cs)
    assert data is not None
    back = circuit.decode(data, source="test", digest=circuit_digest(cs))
    assert circuit.encode(back) == data
    return back


@pytest.mark.parametrize("make", [Cube, Hinted])
def test_round_trip_solves_the_same(make: type[Circuit]) -> None:
    cs = make().compile(use_cache=False)
    back = round_trip(cs)
    assert back.constraints == cs.constraints
    assert back.wire_labels == cs.wire_labels
    assert back.constraint_scopes == cs.constraint_scopes
    assert back.constraint_notes == cs.constraint_notes
    assert back.inputs == cs.inputs and back.name == cs.name
    inputs = {"y": 35, "tag": 7, "x": 3} if make is Cube else {"y": 1, "x": 5, "z": 0}
    assert back.solve(inputs) == cs.solve(inputs)
    # the digest is carried, and recomputing it from the decoded matrices gives the same
    fresh = circuit.decode(circuit.encode(cs) or b"", source="t", digest=b"carried")
    assert circuit_digest(fresh) == b"carried"
    fresh._zkcollat_digest = None  # type: ignore[attr-defined]
    assert circuit_digest(fresh) == circuit_digest(cs)


def test_failing_witness_names_the_constraint_after_round_trip() -> None:
    cs = Hinted().compile(use_cache=False)
    back = round_trip(cs)
    with pytest.raises(Exception, match="is_zero") as a:
        cs.solve({"y": 1, "x": 5, "z": 3})
    with pytest.raises(Exception, match="is_zero") as b:
        back.solve({"y": 1, "x": 5, "z": 3})
    assert str(a.value) == str(b.value)


def test_unnamed_hint_is_not_embedded(native: Backend, tmp_path: Path) -> None:
    cs = Lambda().compile(use_cache=False)
    assert circuit.encode(cs) is None
    pk, _ = setup(cs, seed=b"lambda")
    pkey.save(pk, tmp_path / "k.zkpk")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert pkey.load(tmp_path / "k.zkpk").circuit is None


def test_key_carries_its_circuit_and_proves_with_it(native: Backend, tmp_path: Path) -> None:
    cs = Cube().compile()
    pk, vk = setup(cs, seed=b"embed")
    pkey.save(pk, tmp_path / "k.zkpk")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = pkey.load(tmp_path / "k.zkpk")
    assert loaded.circuit is not None
    proof, public = fullprove(loaded, loaded.circuit, {"y": 35, "tag": 1, "x": 3})
    assert verify(vk, public, proof)
    with pytest.raises(ProvingError, match="constraint"):
        fullprove(loaded, loaded.circuit, {"y": 36, "tag": 1, "x": 3})


def test_version_1_key_still_loads(native: Backend, tmp_path: Path) -> None:
    cs = Cube().compile()
    pk, vk = setup(cs, seed=b"v1")
    pk.circuit = None
    raw = pkey.encode(pk)
    n = int.from_bytes(raw[8:12], "big")
    header = json.loads(raw[12 : 12 + n])
    assert header["version"] == 2 and "circuit" not in header["sections"]
    header["version"] = 1
    head = json.dumps(header, sort_keys=True).encode()
    v1 = raw[:8] + len(head).to_bytes(4, "big") + head + raw[12 + n :]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = pkey.decode(v1)
        assert loaded.circuit is None
        proof, public = fullprove(loaded, cs, {"y": 35, "tag": 1, "x": 3})
        assert verify(vk, public, proof)
        header["version"] = 3
        head = json.dumps(header, sort_keys=True).encode()
        with pytest.raises(KeyFormatError, match="version"):
            pkey.decode(raw[:8] + len(head).to_bytes(4, "big") + head + raw[12 + n :])


def test_malformed_circuit_bytes_are_refused() -> None:
    cs = Hinted().compile(use_cache=False)
    data = circuit.encode(cs)
    assert data is not None
    n = int.from_bytes(data[:4], "big")
    header = json.loads(data[4 : 4 + n])

    def with_header(**changes: object) -> bytes:
        h = dict(header, **changes)
        head = json.dumps(h).encode()
        return len(head).to_bytes(4, "big") + head + data[4 + n :]

    cases = {
        "truncated": data[:-200],
        "version": with_header(version=9),
        "wire": with_header(n_wires=3),
        "hint": with_header(hints=[[h[0], ["exec"], h[2], h[3], h[4]] for h in header["hints"]]),
        "values": with_header(n_values=header["n_values"] + 1),
        "not json": b"\x00\x00\x00\x05hello" + data[4 + n :],
        "deep": (150_000).to_bytes(4, "big") + b"[" * 150_000 + data[4 + n :],
        "digits": len(b"[" + b"9" * 5000 + b"]").to_bytes(4, "big") + b"[" + b"9" * 5000 + b"]",
        "short header": (1 << 20).to_bytes(4, "big") + data[4 : 4 + n],
    }
    for what, bad in cases.items():
        with pytest.raises(KeyFormatError, match="circuit"):
            circuit.decode(bad, source=f"case {what}", digest=b"")


def test_proving_from_the_key_builds_no_python_view(native: Backend, tmp_path: Path) -> None:
    """fullprove from a loaded key feeds the native solver and R1CS from the key's arrays:
    the decoded circuit's per-constraint Python objects are never built (what keeps a
    CollateralLock(32) proof's memory down), and the proof verifies."""
    cs = Hinted().compile(use_cache=False)
    pk, vk = setup(cs, seed=b"lazy")
    pkey.save(pk, tmp_path / "k.zkpk")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = pkey.load(tmp_path / "k.zkpk")
    key_cs = loaded.circuit
    assert isinstance(key_cs, circuit.KeyCircuit)
    proof, public = fullprove(loaded, key_cs, {"y": 1, "x": 5, "z": 0})
    assert verify(vk, public, proof)
    assert not {"constraints", "_steps", "wire_labels", "_matrices"} & set(vars(key_cs))
    assert expand(key_cs.indexed_matrices()) == expand(cs.indexed_matrices())
    assert key_cs.n_constraints == cs.n_constraints
    # the view, once asked for, is the compiled one
    assert key_cs.constraints == cs.constraints and key_cs.matrices() == cs.matrices()


def expand(indexed: tuple[tuple[bytes, bytes, bytes], tuple[bytes, bytes, bytes],
                          tuple[bytes, bytes, bytes], bytes]) -> list[tuple[bytes, bytes, bytes]]:
    """Indexed matrices with each value index replaced by its word (tables may be ordered
    differently)."""
    *mats, table = indexed
    out = []
    for ptr, cols, ix in mats:  # type: ignore[misc]
        words = b"".join(table[32 * i : 32 * i + 32]
                         for i in memoryview(ix).cast("I"))
        out.append((ptr, cols, words))
    return out
