"""select / cond_swap / mux: outputs equal the plain twins; non-boolean selectors rejected."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkcollat.errors import CircuitError, InputError
from zkcollat.field import R
from zkcollat.gadgets.mux import (
    cond_swap,
    cond_swap_plain,
    mux,
    mux_plain,
    select,
    select_plain,
)
from zkcollat.r1cs import Api, Circuit, Private, Public

fr = st.integers(0, R - 1)


class Sel(Circuit):
    s = Public()
    a = Public()
    b = Public()
    picked = Public()
    left = Public()
    right = Public()

    def define(self, api: Api) -> None:
        api.assert_equal(select(api, self.s, self.a, self.b, check_bool=True), self.picked)
        left, right = cond_swap(api, self.s, self.a, self.b, check_bool=True)
        api.assert_equal(left, self.left)
        api.assert_equal(right, self.right)


class Mux(Circuit):
    bits = Private(size=3)
    values = Private(size=8)
    out = Public()

    def define(self, api: Api) -> None:
        api.assert_equal(mux(api, self.bits, self.values, check_bool=True), self.out)


def test_costs() -> None:
    # select: 1 + bool; cond_swap: 1 (the selector is already known boolean) ; 3 equalities
    assert Sel().compile().n_constraints == 2 + 1 + 3
    assert Mux().compile().n_constraints == 7 + 3 + 1


@settings(max_examples=30, deadline=None)
@given(s=st.sampled_from([0, 1]), a=fr, b=fr)
def test_select_and_swap_match_plain(s: int, a: int, b: int) -> None:
    cs = Sel().compile()
    left, right = cond_swap_plain(s, a, b)
    good = {"s": s, "a": a, "b": b, "picked": select_plain(s, a, b), "left": left, "right": right}
    assert cs.is_satisfied(cs.solve(good))
    if a != b:  # swapping the outputs is a different claim
        swapped = dict(good, left=right, right=left)
        assert not cs.is_satisfied(cs.solve(swapped, check=False))


@settings(max_examples=30, deadline=None)
@given(s=st.integers(2, R - 1), a=fr, b=fr)
def test_non_boolean_selector_rejected(s: int, a: int, b: int) -> None:
    cs = Sel().compile()
    # The outputs the arithmetic would give for this selector: still rejected (boolean check).
    d = s * (b - a) % R
    inputs = {
        "s": s,
        "a": a,
        "b": b,
        "picked": (b + s * (a - b)) % R,
        "left": (a + d) % R,
        "right": (b - d) % R,
    }
    w = cs.solve(inputs, check=False)
    i = cs.first_unsatisfied(w)
    assert i is not None and cs.constraint_notes[i] == "selector is boolean"
    with pytest.raises(InputError):
        select_plain(s, a, b)


@settings(max_examples=20, deadline=None)
@given(index=st.integers(0, 7), values=st.lists(fr, min_size=8, max_size=8))
def test_mux_matches_plain(index: int, values: list[int]) -> None:
    cs = Mux().compile()
    bits = [(index >> i) & 1 for i in range(3)]
    out = mux_plain(bits, values)
    assert out == values[index]
    assert cs.is_satisfied(cs.solve({"bits": bits, "values": values, "out": out}))
    other = values[index ^ 1]
    if other != out:
        assert not cs.is_satisfied(
            cs.solve({"bits": bits, "values": values, "out": other}, check=False)
        )


def test_mux_shape_checked() -> None:
    class Bad(Circuit):
        x = Public()

        def define(self, api: Api) -> None:
            mux(api, [self.x], [1, 2, 3])

    with pytest.raises(CircuitError, match="mux needs 2"):
        Bad().compile()
    with pytest.raises(InputError):
        mux_plain([2], [1, 2])
