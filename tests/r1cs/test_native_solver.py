"""The native witness solver (``zkcollat.r1cs.native``, ``rust/core/src/witness.rs``) gives
exactly the Python solver's witness, and the same named failure, on both backends."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zkcollat.curve import Backend
from zkcollat.errors import EncodingError, UnsatisfiedConstraint
from zkcollat.field import R
from zkcollat.formats import circuit as circuit_format
from zkcollat.gadgets.bits import is_zero, to_bits
from zkcollat.gadgets.compare import less_than
from zkcollat.gadgets.merkle import merkle_root_plain, path_indices_of
from zkcollat.hash import poseidon_hash
from zkcollat.r1cs import Api, Circuit, Private, Public, circuit
from zkcollat.r1cs.native import NAMED_HINTS, native_hint, native_program, program_arrays
from zkcollat.r1cs.system import ConstraintSystem
from zkcollat.statements import BalanceThreshold, CollateralLock

DEPTH = 4
SIBLINGS = [(k + 1) * 0x9E3779B97F4A7C15 % R for k in range(DEPTH)]
WETH = 0xC02AAA39B223FE8D0A0E5C4F27EAD9083C756CC2


def lock_inputs(amount: int = 10 * 10**18, threshold: int = 8 * 10**18,
                lock_id: int = 5) -> dict[str, Any]:
    owner, dest, expiry = 0xA11CE, 42161, 1_900_000_000
    leaf = poseidon_hash([lock_id, owner, dest, WETH, amount, expiry])
    bits = path_indices_of(lock_id, DEPTH)
    return {
        "root": merkle_root_plain(leaf, SIBLINGS, bits), "destChainId": dest, "owner": owner,
        "assetId": WETH, "lockId": lock_id, "threshold": threshold,
        "minExpiry": 1_890_000_000, "amount": amount, "expiry": expiry,
        "pathElements": SIBLINGS, "pathIndices": bits,
    }


@circuit(public=["y"], private=["x", "z", ("extra", 3)])
def mixed(api: Api, y: Any, x: Any, z: Any, extra: Any) -> None:
    """Products, squares, linear checks, bits, inverses, is_zero and a comparison."""
    x2 = api.square(x)
    x3 = api.mul(x2, x)
    api.assert_equal(x3 + 5 * x - 7, y)  # a linear check
    bits = to_bits(api, x, 16)
    api.assert_equal(api.mul(bits[0], bits[1]) + is_zero(api, z), extra[0])
    api.assert_nonzero(x)
    inv = api.inverse(x + 1)
    api.assert_equal(api.mul(inv, x + 1), 1)
    api.assert_equal(less_than(api, extra[1], extra[2], 32), 1)


def mixed_inputs(x: int, z: int = 0, lo: int = 3, hi: int = 9) -> dict[str, Any]:
    e0 = ((x & 1) * ((x >> 1) & 1) + (1 if z == 0 else 0))
    return {"y": (x**3 + 5 * x - 7) % R, "x": x, "z": z, "extra": [e0, lo, hi]}


def python_witness(cs: ConstraintSystem, inputs: dict[str, Any]) -> list[int]:
    return cs._solve_python(cs.parse_inputs(inputs), True, None)


CASES: list[tuple[str, Callable[[], ConstraintSystem], Callable[[], dict[str, Any]]]] = [
    ("mixed", mixed.compile, lambda: mixed_inputs(12345)),
    ("lock", lambda: CollateralLock(DEPTH).compile(), lock_inputs),
    ("balance", lambda: BalanceThreshold(64).compile(),
     lambda: {"commitment": poseidon_hash([10**18, 77]), "threshold": 10**17,
              "amount": 10**18, "blinding": 77}),
]


def test_every_gadget_hint_is_named() -> None:
    """The circuits of the project run their hints natively (none falls back to Python)."""
    for _, make, _ in CASES:
        assert program_arrays(make()) is not None
    assert set(NAMED_HINTS.values()) == {"bits", "inv_or_zero"}


@pytest.mark.parametrize("name,make,inputs", CASES, ids=[c[0] for c in CASES])
def test_same_witness_on_both_backends(backend: Backend, name: str,
                                       make: Callable[[], ConstraintSystem],
                                       inputs: Callable[[], dict[str, Any]]) -> None:
    cs = make()
    w = cs.solve(inputs())
    assert w == python_witness(cs, inputs())
    assert (native_program(cs) is not None) == backend.has_witness_solver()
    assert cs.is_satisfied(w)


@pytest.mark.parametrize("inputs", [
    mixed_inputs(0),  # assert_nonzero(0): the inverse hint gives 0
    mixed_inputs(R - 1),  # x + 1 = 0: inverse of 0
    {**mixed_inputs(12345), "y": 1},  # the linear check
    mixed_inputs(1 << 20),  # x does not fit in 16 bits: the bits hint truncates
    mixed_inputs(12345, lo=9, hi=3),  # the comparison
    {**mixed_inputs(12345), "extra": [0, 3, 9]},
], ids=["nonzero", "inverse0", "linear", "bits", "less_than", "product"])
def test_same_failure_on_both_backends(backend: Backend, inputs: dict[str, Any]) -> None:
    cs = mixed.compile()
    with pytest.raises(UnsatisfiedConstraint) as native_error:
        cs.solve(inputs)
    with pytest.raises(UnsatisfiedConstraint) as python_error:
        python_witness(cs, inputs)
    assert str(native_error.value) == str(python_error.value)
    # without checks both solvers return the same vector regardless
    assert cs.solve(inputs, check=False) == cs._solve_python(cs.parse_inputs(inputs), False,
                                                              None)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fixture: no state
@given(x=st.integers(1, (1 << 16) - 1), z=st.integers(0, R - 1), lo=st.integers(0, 2**32 - 1),
       hi=st.integers(0, 2**32 - 1))
def test_random_inputs_agree(native: Backend, x: int, z: int, lo: int, hi: int) -> None:
    cs = mixed.compile()
    inputs = mixed_inputs(x, z, lo, hi)
    try:
        expected: list[int] | str = python_witness(cs, inputs)
    except UnsatisfiedConstraint as e:
        expected = str(e)
    try:
        got: list[int] | str = cs.solve(inputs)
    except UnsatisfiedConstraint as e:
        got = str(e)
    assert got == expected


def test_unnamed_hint_runs_in_python(backend: Backend) -> None:
    class Halve(Circuit):
        y = Public()
        x = Private()

        def define(self, api: Api) -> None:
            h = api.hint(lambda v: v * pow(2, -1, R) % R, self.x, label="half")
            api.assert_equal(h * 2, self.x)
            api.assert_equal(api.mul(h, h), self.y)

    cs = Halve().compile()
    assert program_arrays(cs) is None
    assert native_program(cs) is None
    assert cs.solve({"y": 49, "x": 14})[3] == 7


def test_hint_overrides_still_reach_the_python_solver(backend: Backend) -> None:
    cs = mixed.compile()
    label = next(lbl for lbl in cs.hint_labels() if lbl.endswith(":inverse"))
    with pytest.raises(UnsatisfiedConstraint):
        cs.solve(mixed_inputs(12345), hint_overrides={label: lambda v: 5})


def test_bits_of_an_unusual_width_fall_back() -> None:
    @native_hint("bits")
    def wide_bits(n: int, v: int) -> list[int]:
        return [(v >> i) & 1 for i in range(n)]

    try:
        class Wide(Circuit):
            x = Private()

            def define(self, api: Api) -> None:
                api.hint(functools.partial(wide_bits, 255), self.x, n_out=255, label="wide")

        assert program_arrays(Wide().compile()) is None  # 255 bits: beyond the native kind
    finally:
        del NAMED_HINTS[wide_bits]
    with pytest.raises(ValueError, match="unknown native hint kind"):
        native_hint("sqrt")


def test_embedded_circuit_solves_natively(backend: Backend) -> None:
    """A proving key's circuit (formats.circuit) names the same hint functions."""
    cs = CollateralLock(DEPTH).compile()
    data = circuit_format.encode(cs)
    assert data is not None
    again = circuit_format.decode(data, source="test", digest=bytes(32))
    assert program_arrays(again) is not None
    assert again.solve(lock_inputs()) == python_witness(cs, lock_inputs())


def test_malformed_programs_are_refused(native: Backend) -> None:
    if not native.has_witness_solver():
        pytest.skip("the extension predates the native witness solver (rebuild rust/py)")
    arrays = program_arrays(mixed.compile())
    assert arrays is not None
    cs = mixed.compile()
    n_in = cs.n_public + cs.n_private
    lc_ptr, term_wire, term_coeff, coeffs, steps, outs = arrays

    def build(**kw: Any) -> object:
        a = {"lc_ptr": lc_ptr, "term_wire": term_wire, "term_coeff": term_coeff,
             "coeffs": coeffs, "steps": steps, "outs": outs, **kw}
        return native.witness_program(cs.n_wires, n_in, a["lc_ptr"], a["term_wire"],
                                      a["term_coeff"], a["coeffs"], a["steps"], a["outs"])

    assert build() is not None
    big = (cs.n_wires).to_bytes(4, "little")
    with pytest.raises(EncodingError, match="names wire"):
        build(term_wire=big + term_wire[4:])
    with pytest.raises(EncodingError, match="not below r"):
        build(coeffs=b"\xff" * 32 + coeffs[32:])
    with pytest.raises(EncodingError, match="unknown kind"):
        build(steps=(9).to_bytes(4, "little") + steps[4:])
    with pytest.raises(EncodingError, match="not an internal wire"):
        build(outs=(1).to_bytes(4, "little") + outs[4:])
    with pytest.raises(EncodingError, match="whole"):
        build(steps=steps[:-4])


@pytest.mark.parametrize("name,make,inputs", CASES[:2], ids=[c[0] for c in CASES[:2]])
def test_solve_packed_is_the_packed_witness(backend: Backend, name: str,
                                            make: Callable[[], ConstraintSystem],
                                            inputs: Callable[[], dict[str, Any]]) -> None:
    from zkcollat.field import pack_fr

    cs = make()
    assert cs.solve_packed(inputs()) == pack_fr(python_witness(cs, inputs()))
    with pytest.raises(UnsatisfiedConstraint):
        cs.solve_packed({**inputs(), **({"y": 1} if name == "mixed" else {"threshold": 1 << 100})})


def test_fullprove_from_the_packed_witness(backend: Backend) -> None:
    from zkcollat.groth16.prove import fullprove
    from zkcollat.groth16.setup import setup
    from zkcollat.groth16.verify import verify

    cs = mixed.compile()
    pk, vk = setup(cs, seed=b"packed")
    proof, public = fullprove(pk, cs, mixed_inputs(12345))
    assert public == cs.public_values(python_witness(cs, mixed_inputs(12345)))
    assert verify(vk, public, proof)


@pytest.mark.parametrize(("name", "make", "make_inputs"), CASES, ids=[c[0] for c in CASES])
def test_key_circuit_program_from_its_arrays(backend: Backend, name: str,
                                             make: Callable[[], ConstraintSystem],
                                             make_inputs: Callable[[], dict[str, Any]]) -> None:
    """A key's circuit builds the solver program from the key's arrays (rows of A, B, C as
    its linear combinations): the same witness as the compiled system's Python solver, with
    the Python view (constraints, steps, labels) never built on the native backend."""
    cs = make()
    data = circuit_format.encode(cs)
    assert data is not None
    key_cs = circuit_format.decode(data, source="test", digest=bytes(32))
    assert isinstance(key_cs, circuit_format.KeyCircuit)
    arrays = key_cs.native_program_arrays()
    assert arrays is not None
    inputs = make_inputs()
    expected = python_witness(cs, inputs)
    assert key_cs.solve_packed(inputs) == b"".join(v.to_bytes(32, "big") for v in expected)
    assert key_cs.solve(inputs) == expected
    if backend.name == "native":
        assert not {"constraints", "_steps", "wire_labels", "_matrices"} & set(vars(key_cs))
    # the program from the materialised steps computes the same witness
    assert program_arrays(key_cs) is not None
    assert python_witness(key_cs, inputs) == expected


@pytest.mark.parametrize("inputs", [mixed_inputs(12345, lo=9, hi=3), mixed_inputs(0)])
def test_key_circuit_failure_is_named_the_same(backend: Backend, inputs: dict[str, Any]) -> None:
    """An unsatisfied check in a key's circuit: the same UnsatisfiedConstraint message as the
    compiled system (the native solver stops, the Python view is built to name it)."""
    cs = mixed.compile()
    key_cs = circuit_format.decode(circuit_format.encode(cs) or b"", source="t",
                                   digest=bytes(32))
    with pytest.raises(UnsatisfiedConstraint) as want:
        cs.solve(inputs)
    with pytest.raises(UnsatisfiedConstraint) as got:
        key_cs.solve_packed(inputs)
    assert str(got.value) == str(want.value)
    for i in range(cs.n_constraints):
        assert key_cs.describe_constraint(i) == cs.describe_constraint(i)
