"""Booleans, bit decomposition (and its strict 254-bit mode), range checks, is_zero/is_equal."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkcollat.errors import CircuitError, InputError, UnsatisfiedConstraint
from zkcollat.field import R
from zkcollat.gadgets.bits import (
    ALIAS_CHECK_COST,
    assert_bool,
    from_bits_plain,
    is_equal,
    is_equal_plain,
    is_zero,
    is_zero_plain,
    range_check,
    range_check_plain,
    to_bits,
    to_bits_plain,
)
from zkcollat.r1cs import Api, Circuit, ConstraintSystem, LinComb, Private, Public


class Bits(Circuit):
    """bits = to_bits(x, n), exposed as public outputs-by-equality."""

    x = Private()
    out = Public(size="n")

    def __init__(self, n: int, strict: bool = True) -> None:
        super().__init__(n=n, strict=strict)

    def define(self, api: Api) -> None:
        for b, o in zip(to_bits(api, self.x, self.n, strict=self.strict), self.out, strict=True):
            api.assert_equal(b, o)


def bits_cs(n: int, strict: bool = True) -> ConstraintSystem:
    return Bits(n, strict).compile()


def solve_bits(
    n: int, x: int, strict: bool = True, **kw: object
) -> tuple[ConstraintSystem, list[int]]:
    cs = bits_cs(n, strict)
    return cs, cs.solve({"x": x, "out": _bits(x, n)}, **kw)  # type: ignore[arg-type]


def _bits(v: int, n: int) -> list[int]:
    return [(v >> i) & 1 for i in range(n)]


def test_to_bits_costs_n_plus_one() -> None:
    for n in (1, 8, 64, 128, 253):
        assert bits_cs(n).n_constraints - n == n + 1  # minus the n output equalities
    assert bits_cs(254).n_constraints - 254 == 255 + ALIAS_CHECK_COST
    assert bits_cs(254, strict=False).n_constraints - 254 == 255


@pytest.mark.parametrize("n", [1, 8, 64, 253])
def test_edges_valid(n: int) -> None:
    for x in (0, 1, 2**n - 1):
        cs, w = solve_bits(n, x)
        assert cs.is_satisfied(w)
        assert to_bits_plain(x, n) == _bits(x, n) and from_bits_plain(_bits(x, n)) == x


@pytest.mark.parametrize("n", [1, 8, 64, 253])
def test_one_past_the_range_is_rejected(n: int) -> None:
    cs = bits_cs(n)
    with pytest.raises(UnsatisfiedConstraint, match=f"sum of {n} bits = x"):
        cs.solve({"x": 2**n, "out": [0] * n})
    with pytest.raises(InputError, match="does not fit"):
        to_bits_plain(2**n, n)


def test_r_minus_one_in_254_bits() -> None:
    cs, w = solve_bits(254, R - 1)
    assert cs.is_satisfied(w)


@pytest.mark.parametrize("x", [0, 5, 2**254 - R - 1])
def test_strict_mode_rejects_the_alias_decomposition(x: int) -> None:
    """x and x + r both fit in 254 bits when x < 2^254 - r; only strict mode tells them apart."""
    alias = x + R
    assert alias < 2**254
    forge = {"bits/to_bits:bits": lambda v: _bits(v + R, 254)}
    # The prover claims the alias bits: boolean, and they recombine to x mod r.
    cs = bits_cs(254, strict=True)
    w = cs.solve({"x": x, "out": _bits(alias, 254)}, check=False, hint_overrides=forge)
    i = cs.first_unsatisfied(w)
    assert i is not None and cs.constraint_scopes[i] == "bits/to_bits/alias_check"
    # Without the strict check the same forgery satisfies every constraint.
    loose = bits_cs(254, strict=False)
    w = loose.solve({"x": x, "out": _bits(alias, 254)}, hint_overrides=forge)
    assert loose.is_satisfied(w)


@settings(max_examples=25, deadline=None)
@given(n=st.sampled_from([8, 64, 128]), x=st.integers(0, 2**128 - 1), i=st.integers(0, 127))
def test_flipped_bit_rejected_by_constraints(n: int, x: int, i: int) -> None:
    x %= 2**n
    i %= n
    cs = bits_cs(n)
    flipped = x ^ (1 << i)
    w = cs.solve(
        {"x": x, "out": _bits(flipped, n)},
        check=False,
        hint_overrides={"bits/to_bits:bits": lambda v: _bits(v ^ (1 << i), n)},
    )
    i_bad = cs.first_unsatisfied(w)
    assert i_bad is not None and cs.constraint_notes[i_bad] == f"sum of {n} bits = x"


@settings(max_examples=25, deadline=None)
@given(x=st.integers(0, 2**64 - 1), i=st.integers(0, 62), k=st.integers(1, 2**64))
def test_non_boolean_bits_rejected_even_when_the_sum_matches(x: int, i: int, k: int) -> None:
    """bits[i] += 2k, bits[i+1] -= k keeps sum(b * 2^j) = x; only the boolean checks object."""
    cs = bits_cs(64)
    bits = _bits(x, 64)
    bits[i] = (bits[i] + 2 * k) % R
    bits[i + 1] = (bits[i + 1] - k) % R
    w = cs.solve(
        {"x": x, "out": bits}, check=False, hint_overrides={"bits/to_bits:bits": lambda _v: bits}
    )
    i_bad = cs.first_unsatisfied(w)
    assert i_bad is not None
    assert cs.constraint_notes[i_bad] in (f"bit {i} is boolean", f"bit {i + 1} is boolean")


def test_constant_and_width_rules() -> None:
    class C(Circuit):
        x = Public()

        def define(self, api: Api) -> None:
            assert [b.constant_value() for b in to_bits(api, 6, 3)] == [0, 1, 1]
            with pytest.raises(CircuitError, match="does not fit in 2 bits"):
                to_bits(api, 6, 2)
            with pytest.raises(CircuitError, match="must be in 1..254"):
                to_bits(api, self.x, 255)
            with pytest.raises(CircuitError, match="must be in 1..253"):
                range_check(api, self.x, 254)
            api.assert_bool(self.x)

    assert C().compile().n_constraints == 1


class Ranges(Circuit):
    x = Public()

    def define(self, api: Api) -> None:
        range_check(api, self.x, 64)
        range_check(api, self.x, 64)  # already enforced: free
        range_check(api, self.x, 100)  # a weaker bound: free
        range_check(api, self.x + 1, 64)  # a different signal: paid


def test_range_check_is_memoized_per_signal() -> None:
    cs = Ranges().compile()
    assert cs.n_constraints == 2 * 65
    assert cs.is_satisfied(cs.solve({"x": 2**64 - 2}))
    with pytest.raises(UnsatisfiedConstraint):
        cs.solve({"x": 2**64 - 1})  # x + 1 = 2^64 is out of range
    assert range_check_plain(2**64 - 1, 64) and not range_check_plain(2**64, 64)


class Zero(Circuit):
    z = Public()
    e = Public()
    x = Private()
    y = Private()

    def define(self, api: Api) -> None:
        api.assert_equal(is_zero(api, self.x), self.z)
        api.assert_equal(is_equal(api, self.x, self.y), self.e)
        assert_bool(api, self.z)


def test_is_zero_is_equal() -> None:
    cs = Zero().compile()
    assert cs.n_constraints == 2 + 2 + 2 + 1
    for x, y in [(0, 0), (0, 1), (5, 5), (R - 1, R - 1), (R - 1, 0)]:
        z, e = is_zero_plain(x), is_equal_plain(x, y)
        w = cs.solve({"z": z, "e": e, "x": x, "y": y})
        assert cs.is_satisfied(w)
        with pytest.raises(UnsatisfiedConstraint):
            cs.solve({"z": 1 - z, "e": e, "x": x, "y": y})


@settings(max_examples=25, deadline=None)
@given(x=st.integers(0, R - 1), inv=st.integers(0, R - 1))
def test_is_zero_cannot_be_forged(x: int, inv: int) -> None:
    """Whatever inverse the prover hints, is_zero's output is 1 exactly when x = 0."""
    cs = Zero().compile()
    wrong = 1 - is_zero_plain(x)
    w = cs.solve(
        {"z": wrong, "e": 0 if x else 1, "x": x, "y": 1 if x == 0 else 0},
        check=False,
        hint_overrides={"zero/is_zero:inv": lambda _v: inv},
    )
    assert not cs.is_satisfied(w)


def test_assert_bool_rejects_two() -> None:
    cs = Zero().compile()
    with pytest.raises(UnsatisfiedConstraint):
        cs.solve({"z": 2, "e": 1, "x": 0, "y": 0})
    assert LinComb.wire(1).is_constant() is False
