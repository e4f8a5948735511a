"""Comparators: outputs equal the plain twins; inputs outside [0, 2^n) make them unsatisfiable."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkcollat.errors import CircuitError, InputError, UnsatisfiedConstraint
from zkcollat.field import R
from zkcollat.gadgets.compare import (
    assert_greater_eq,
    assert_greater_than,
    assert_less_eq,
    assert_less_than,
    greater_eq,
    greater_eq_plain,
    greater_than,
    greater_than_plain,
    holds_plain,
    less_eq,
    less_eq_plain,
    less_than,
    less_than_plain,
)
from zkcollat.r1cs import Api, Circuit, ConstraintSystem, Public

BIT_FORMS = {
    "lt": (less_than, less_than_plain),
    "le": (less_eq, less_eq_plain),
    "gt": (greater_than, greater_than_plain),
    "ge": (greater_eq, greater_eq_plain),
}
ASSERT_FORMS = {
    ">=": assert_greater_eq,
    ">": assert_greater_than,
    "<=": assert_less_eq,
    "<": assert_less_than,
}


class Cmp(Circuit):
    """out = a <op> b over n bits."""

    a = Public()
    b = Public()
    out = Public()

    def __init__(self, op: str, n: int) -> None:
        super().__init__(op=op, n=n)

    def define(self, api: Api) -> None:
        api.assert_equal(BIT_FORMS[self.op][0](api, self.a, self.b, self.n), self.out)


class Holds(Circuit):
    """Constrains a <rel> b over n bits."""

    a = Public()
    b = Public()

    def __init__(self, rel: str, n: int) -> None:
        super().__init__(rel=rel, n=n)

    def define(self, api: Api) -> None:
        ASSERT_FORMS[self.rel](api, self.a, self.b, self.n)


def _sat(cs: ConstraintSystem, inputs: dict[str, int]) -> bool:
    return cs.is_satisfied(cs.solve(inputs, check=False))


def _edges(n: int) -> list[int]:
    return [0, 1, 2**n - 2, 2**n - 1]


@pytest.mark.parametrize("n", [1, 64, 128, 252])
@pytest.mark.parametrize("op", list(BIT_FORMS))
def test_bit_forms_on_edges(op: str, n: int) -> None:
    cs = Cmp(op, n).compile()
    assert cs.n_constraints == 3 * n + 4 + 1
    plain = BIT_FORMS[op][1]
    for a in _edges(n):
        for b in _edges(n):
            out = plain(a, b, n)
            assert cs.is_satisfied(cs.solve({"a": a, "b": b, "out": out}))
            assert not _sat(cs, {"a": a, "b": b, "out": 1 - out})


@pytest.mark.parametrize("n", [1, 64, 128, 252])
@pytest.mark.parametrize("rel", list(ASSERT_FORMS))
def test_assert_forms_on_edges(rel: str, n: int) -> None:
    cs = Holds(rel, n).compile()
    assert cs.n_constraints == 3 * n + 3
    for a in _edges(n):
        for b in _edges(n):
            assert _sat(cs, {"a": a, "b": b}) == holds_plain(rel, a, b, n)


@pytest.mark.parametrize("rel", list(ASSERT_FORMS))
@pytest.mark.parametrize("n", [8, 64, 128])
def test_one_past_the_range_and_negative_values_rejected(rel: str, n: int) -> None:
    """2^n, r - 1 ("-1") and r - 2^n all would satisfy the relation if wrapped; none does."""
    cs = Holds(rel, n).compile()
    for big in (2**n, 2**n + 1, R - 1, R - 2**n):
        for small in (0, 2**n - 1):
            assert not _sat(cs, {"a": big, "b": small}), (big, small)
            assert not _sat(cs, {"a": small, "b": big}), (small, big)
    with pytest.raises(UnsatisfiedConstraint):
        cs.solve({"a": 2**n, "b": 0})
    with pytest.raises(InputError, match="unsigned"):
        less_than_plain(2**n, 0, n)


@settings(max_examples=30, deadline=None)
@given(
    op=st.sampled_from(list(BIT_FORMS)),
    a=st.integers(0, 2**64 - 1),
    b=st.integers(0, 2**64 - 1),
    same=st.booleans(),
)
def test_bit_forms_match_plain(op: str, a: int, b: int, same: bool) -> None:
    if same:
        b = a
    cs = Cmp(op, 64).compile()
    out = BIT_FORMS[op][1](a, b, 64)
    assert cs.is_satisfied(cs.solve({"a": a, "b": b, "out": out}))
    assert not _sat(cs, {"a": a, "b": b, "out": 1 - out})


@settings(max_examples=30, deadline=None)
@given(a=st.integers(0, 2**128 - 1), b=st.integers(0, 2**128 - 1), bit=st.integers(0, 128))
def test_forged_difference_bits_rejected(a: int, b: int, bit: int) -> None:
    """A prover flipping one bit of the a + 2^n - b decomposition (to flip the answer) fails."""
    cs = Cmp("lt", 128).compile()
    label = "cmp/less_than/to_bits:bits"
    assert label in cs.hint_labels()
    forged = {label: lambda v: [((v >> i) & 1) ^ (i == bit) for i in range(129)]}
    w = cs.solve(
        {"a": a, "b": b, "out": less_than_plain(a, b, 128)}, check=False, hint_overrides=forged
    )
    assert not cs.is_satisfied(w)


def test_width_limits() -> None:
    with pytest.raises(CircuitError, match="1..252"):
        Cmp("lt", 253).compile()
    with pytest.raises(InputError, match="1..252"):
        less_than_plain(0, 0, 253)


def test_known_bounds_are_not_paid_twice() -> None:
    class Two(Circuit):
        a = Public()
        b = Public()

        def define(self, api: Api) -> None:
            assert_greater_eq(api, self.a, self.b, 64)
            api.assert_equal(less_than(api, self.b, self.a, 64), 1)

    # second comparator reuses both input range checks: (3*64 + 3) + (64 + 2) + 1
    assert Two().compile().n_constraints == 195 + 66 + 1
