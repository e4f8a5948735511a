"""Poseidon: known answers from circomlibjs, the three forms agree, constraint budget."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.vectors.poseidon.loader import poseidon_vectors
from zkcollat.curve import poseidon_many
from zkcollat.errors import CircuitError, FieldError, InputError
from zkcollat.field import R
from zkcollat.gadgets.poseidon import poseidon, poseidon_cost, poseidon_gadget
from zkcollat.hash import poseidon_constants, poseidon_hash, poseidon_reference
from zkcollat.r1cs import Api, Circuit, ConstraintSystem, LinComb, Private, Public

H12 = 7853200120776062878684798364095072458815029376092732009249414926327459813530
VECTORS = poseidon_vectors()
# circomlib's Poseidon(n) (optimized poseidon.circom): 3 constraints per S-box on a signal,
# 8 full rounds of t = n + 1 S-boxes plus the partial rounds, minus the S-box of the constant
# capacity lane in round 0: 240 for n = 2, 354 for n = 6 (issue 3's budget).
CIRCOMLIB_POSEIDON_2 = 240
CIRCOMLIB_POSEIDON_6 = 354


class Hash(Circuit):
    """out = Poseidon(xs) for n inputs."""

    out = Public()
    xs = Private(size="n")

    def __init__(self, n: int) -> None:
        super().__init__(n=n)

    def define(self, api: Api) -> None:
        api.assert_equal(poseidon(api, self.xs), self.out)


def test_known_answer() -> None:
    assert poseidon_hash([1, 2]) == H12 == poseidon([1, 2])


def test_vectors_cover_every_width() -> None:
    assert sorted({len(i) for i, _ in VECTORS}) == list(range(1, 17))


@pytest.mark.parametrize(("inputs", "expected"), VECTORS)
def test_plain_matches_circomlibjs(inputs: list[int], expected: int) -> None:
    assert poseidon_hash(inputs) == expected
    assert poseidon_reference(inputs) == expected  # the plainly written loop agrees


def test_many_matches_vectors_on_every_backend(backend: object) -> None:
    """Mixed widths in one batch, in order, through the active backend's bulk path."""
    assert poseidon_many([i for i, _ in VECTORS]) == [h for _, h in VECTORS]
    assert poseidon_many([]) == []
    with pytest.raises(FieldError, match=r"batch\[1\]\[0\]"):
        poseidon_many([[1, 2], [R, 2]])
    with pytest.raises(FieldError, match="1 to 16 inputs"):
        poseidon_many([[1, 2], []])


@pytest.mark.parametrize("n", range(1, 17))
def test_gadget_matches_vectors_and_cost(n: int) -> None:
    cs = Hash(n).compile()
    assert cs.n_constraints == poseidon_cost(n) + 1  # + the equality with out
    for inputs, expected in [v for v in VECTORS if len(v[0]) == n]:
        w = cs.solve({"out": expected, "xs": inputs})
        assert cs.is_satisfied(w)
        with pytest.raises(Exception, match="assert_equal"):
            cs.solve({"out": (expected + 1) % R, "xs": inputs})


def test_constraint_budget() -> None:
    assert poseidon_cost(2) <= CIRCOMLIB_POSEIDON_2
    assert poseidon_cost(6) <= CIRCOMLIB_POSEIDON_6
    assert [poseidon_cost(n) for n in (1, 2, 6, 16)] == [213, 240, 354, 609]


def test_constants_shape() -> None:
    for n in range(1, 17):
        c, m, n_f, n_p = poseidon_constants(n)
        t = n + 1
        assert n_f == 8 and len(c) == (n_f + n_p) * t and len(m) == t
        assert all(0 <= x < R for x in c)
    assert poseidon_constants(2)[3] == 57 and poseidon_constants(6)[3] == 63


def test_arity_and_range_are_checked() -> None:
    with pytest.raises(FieldError, match="1 to 16 inputs"):
        poseidon_hash([])
    with pytest.raises(FieldError, match="1 to 16 inputs"):
        poseidon_hash(list(range(17)))
    with pytest.raises(FieldError, match=r"poseidon input\[1\]"):
        poseidon_hash([1, R])  # x + r is never reduced to x
    with pytest.raises(FieldError, match="negative"):
        poseidon_hash([-1])
    with pytest.raises(CircuitError, match="1 to 16"):
        Hash(17).compile()
    with pytest.raises(TypeError):
        poseidon([1, 2], [3])  # type: ignore[call-overload]


def test_constant_inputs_fold_at_compile_time() -> None:
    class Const(Circuit):
        out = Public()

        def define(self, api: Api) -> None:
            api.assert_equal(poseidon_gadget(api, [LinComb.constant(1), 2]), self.out)

    cs = Const().compile()
    assert cs.n_constraints == 1  # the whole hash is a constant
    assert cs.is_satisfied(cs.solve({"out": H12}))


def _cs2() -> ConstraintSystem:
    return Hash(2).compile()


@settings(max_examples=30, deadline=None)
@given(
    a=st.integers(0, R - 1),
    b=st.integers(0, R - 1),
    wire=st.integers(1, 10_000),
    delta=st.integers(1, R - 1),
)
def test_mutated_witness_rejected_by_constraints(a: int, b: int, wire: int, delta: int) -> None:
    cs = _cs2()
    w = cs.solve({"out": poseidon_hash([a, b]), "xs": [a, b]})
    assert cs.is_satisfied(w)
    k = 1 + wire % (cs.n_wires - 1)  # every wire, input or internal, is determined
    aliased = list(w)
    aliased[k] += R  # the same residue, not canonical: refused by the engine
    assert not cs.is_satisfied(aliased)
    w[k] = (w[k] + delta) % R
    assert not cs.is_satisfied(w)
    with pytest.raises(InputError, match=r"xs\[0\] = \d+ \(>= r\)"):
        cs.solve({"out": poseidon_hash([a, b]), "xs": [a + R, b]})
