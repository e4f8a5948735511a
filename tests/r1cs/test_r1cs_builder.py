"""The builder API, wire layout, input validation, solver and the is_satisfied engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkcollat.errors import CircuitError, InputError, UnsatisfiedConstraint
from zkcollat.field import R
from zkcollat.formats.signals import read_input_json
from zkcollat.r1cs import Api, Circuit, LinComb, Private, Public, circuit, linear_sum
from zkcollat.r1cs.lc import as_lc


class Cubic(Circuit):
    """y = x^3 + a*x + 5 with a public coefficient array (exercises arrays and hints)."""

    y = Public()
    coeffs = Public(size=2)
    x = Private()
    extra = Private(size="n_extra")

    def __init__(self, n_extra: int = 2) -> None:
        super().__init__(n_extra=n_extra)

    def define(self, api: Api) -> None:
        x2 = api.mul(self.x, self.x)
        x3 = api.mul(x2, self.x)
        with api.scope("poly"):
            api.assert_equal(x3 + self.coeffs[0] * 0 + api.mul(self.coeffs[1], self.x) + 5, self.y)
        for e in self.extra:
            api.assert_bool(e)


def cubic_inputs(x: int = 3, a: int = 2) -> dict[str, object]:
    return {"y": str(x**3 + a * x + 5), "coeffs": ["0", a], "x": x, "extra": [0, 1]}


def test_wire_layout_public_then_private_in_declaration_order() -> None:
    cs = Cubic().compile()
    assert cs.wire_labels[:7] == ["one", "y", "coeffs[0]", "coeffs[1]", "x", "extra[0]", "extra[1]"]
    assert (cs.n_public, cs.n_private) == (3, 3)
    assert cs.public_names == ["y", "coeffs[0]", "coeffs[1]"]
    w = cs.solve(cubic_inputs())
    assert w[0] == 1 and cs.public_values(w) == [38, 0, 2]
    assert cs.is_satisfied(w)


def test_compile_is_cached_per_class_and_parameters() -> None:
    assert Cubic().compile() is Cubic().compile()
    assert Cubic(3).compile() is not Cubic(2).compile()
    assert Cubic(3).compile().n_private == 4


def test_unsatisfied_constraint_names_scope_and_note() -> None:
    cs = Cubic().compile()
    bad = dict(cubic_inputs(), y="39")
    with pytest.raises(UnsatisfiedConstraint, match=r"assert_equal\) at cubic/poly"):
        cs.solve(bad)
    w = cs.solve(bad, check=False)
    i = cs.first_unsatisfied(w)
    assert i is not None and cs.constraint_scopes[i] == "cubic/poly"
    with pytest.raises(UnsatisfiedConstraint, match="cubic/poly"):
        cs.check_witness(w)


def test_input_errors_list_every_problem() -> None:
    cs = Cubic().compile()
    bad = {"y": "1", "coeffs": ["1"], "x": "0x10", "extra": [R, -1], "zzz": 1}
    with pytest.raises(InputError) as e:
        cs.solve(bad)
    msg = str(e.value)
    assert "extra: zzz" in msg
    assert "coeffs (an array of 2, got 1 elements)" in msg
    assert "x = '0x10'" in msg
    assert f"extra[0] = {R} (>= r)" in msg and "extra[1] = -1 (negative)" in msg
    with pytest.raises(InputError, match="missing: y, x"):
        cs.solve({"coeffs": [1, 2], "extra": [0, 0]})
    with pytest.raises(InputError, match="y .a scalar, got an array"):
        cs.solve(dict(cubic_inputs(), y=["1"]))
    with pytest.raises(InputError, match="not an int"):
        cs.solve(dict(cubic_inputs(), x=True))
    with pytest.raises(InputError, match="must be a JSON object"):
        cs.solve(["1"])  # type: ignore[arg-type]


def test_value_plus_r_is_rejected_at_input_time_and_by_the_engine() -> None:
    cs = Cubic().compile()
    with pytest.raises(InputError, match=r"x = \d+ \(>= r\)"):
        cs.solve(dict(cubic_inputs(), x=3 + R))
    w = cs.solve(cubic_inputs())
    w[4] += R  # same value mod r: the engine still refuses a non-canonical witness
    assert not cs.is_satisfied(w)
    with pytest.raises(UnsatisfiedConstraint, match=r"wire 4 \(x\)"):
        cs.check_witness(w)


def test_solve_from_input_json(tmp_path: Path) -> None:
    p = tmp_path / "input.json"
    p.write_text(json.dumps(cubic_inputs()))
    cs = Cubic().compile()
    assert cs.solve(read_input_json(p)) == cs.solve(cubic_inputs())
    (tmp_path / "broken.json").write_text("{")
    with pytest.raises(InputError, match=r"input file .*broken\.json.* is not valid JSON"):
        cs.solve(read_input_json(tmp_path / "broken.json"))


def test_lincomb_operators_and_misuse() -> None:
    a, b = LinComb.wire(1), LinComb.wire(2)
    e = 3 * a - b + 7 - a * 2
    assert e.terms == {1: 1, 2: R - 1, 0: 7}
    assert (a - a).terms == {} and (5 - a).terms == {0: 5, 1: R - 1}
    assert (a * LinComb.constant(4)).terms == {1: 4}
    with pytest.raises(CircuitError, match="api.mul"):
        _ = a * b
    with pytest.raises(CircuitError, match="truth value"):
        bool(a)
    with pytest.raises(CircuitError, match="expected a signal"):
        as_lc("1")  # type: ignore[arg-type]
    assert linear_sum([2, 3], [a, a]).terms == {1: 5}
    assert e.evaluate([1, 10, 4]) == (30 - 4 + 7 - 20)


def test_mul_by_constant_is_free_and_constant_asserts_checked_at_compile_time() -> None:
    @circuit(public=["x"])
    def free(api: Api, x: LinComb) -> None:
        y = api.mul(x, 3)
        api.assert_equal(api.mul(2, y), 6 * x)  # 6x - 6x is the constant 0: no constraint
        api.assert_equal(4, 4)
        api.assert_equal(y, 3)  # 3x = 3 is a real constraint

    assert free.compile().n_constraints == 1
    assert free.compile().solve({"x": 1})[1] == 1

    @circuit(public=["x"])
    def wrong(api: Api, x: LinComb) -> None:
        api.assert_equal(4, 5)

    with pytest.raises(CircuitError, match="fails on constants"):
        wrong.compile()


def test_inputs_are_signals_only_inside_define_and_builder_closes() -> None:
    c = Cubic()
    with pytest.raises(CircuitError, match="only inside define"):
        _ = c.x
    kept: list[Api] = []

    @circuit(public=["x"])
    def leak(api: Api, x: LinComb) -> None:
        kept.append(api)
        api.assert_bool(x)

    leak.compile()
    with pytest.raises(CircuitError, match="already compiled"):
        kept[0].mul(LinComb.wire(1), LinComb.wire(1))


def test_inverse_and_hint() -> None:
    @circuit(public=["y"], private=["x"])
    def inv(api: Api, y: LinComb, x: LinComb) -> None:
        api.assert_equal(api.inverse(x), y)
        lo, hi = api.hint(lambda v: [v % 2**8, v >> 8], x, n_out=2)
        api.assert_equal(lo + hi * 256, x)

    cs = inv.compile()
    assert cs.n_constraints == 3
    w = cs.solve({"y": pow(1000, -1, R), "x": 1000})
    assert cs.is_satisfied(w)
    with pytest.raises(UnsatisfiedConstraint, match=r"\(inverse\) at inv"):
        cs.solve({"y": 0, "x": 0})
    label = "inv:hint"  # the hint without an explicit label; its wires are inv:hint[0], [1]
    assert cs.hint_labels() == ["inv:inverse", label]
    with pytest.raises(CircuitError, match="returned None"):
        cs.solve({"y": 1, "x": 1}, hint_overrides={label: lambda v: None})
    with pytest.raises(CircuitError, match="expected 2 int"):
        cs.solve({"y": 1, "x": 1}, hint_overrides={label: lambda v: [1]})
    with pytest.raises(CircuitError, match="no hint labelled"):
        cs.solve({"y": 1, "x": 1}, hint_overrides={"nope": lambda v: 1})
    with pytest.raises(UnsatisfiedConstraint, match="hint inv:inverse failed"):
        cs.solve({"y": 1, "x": 1}, hint_overrides={"inv:inverse": lambda v: 1 // 0})


def test_matrices_agree_with_constraints() -> None:
    cs = Cubic().compile()
    w = cs.solve(cubic_inputs())
    a, b, c = cs.matrices()
    assert a.n_rows == cs.n_constraints and a.n_cols == cs.n_wires
    for ai, bi, ci in zip(a.mul_vec(w), b.mul_vec(w), c.mul_vec(w), strict=True):
        assert ai * bi % R == ci
    trip = a.triplets()
    assert len(trip) == a.nnz and all(cs.constraints[r][0][col] == v for r, col, v in trip)
    assert len(a.packed_vals()) == 32 * a.nnz


def test_stats() -> None:
    s = Cubic().compile().stats()
    assert (s.constraints, s.public_inputs, s.private_inputs, s.wires, s.labels) == (
        6,
        3,
        3,
        10,
        10,
    )
    assert s.by_scope == {"cubic": 4, "cubic/poly": 2}
    assert s.as_dict()["nnz"]["C"] == s.nnz_c


@settings(max_examples=40, deadline=None)
@given(
    x=st.integers(0, R - 1),
    a=st.integers(0, R - 1),
    wire=st.integers(1, 9),
    delta=st.integers(1, R - 1),
)
def test_any_changed_wire_is_rejected(x: int, a: int, wire: int, delta: int) -> None:
    cs = Cubic().compile()
    inputs = {"y": (x**3 + a * x + 5) % R, "coeffs": [0, a], "x": x, "extra": [1, 0]}
    w = cs.solve(inputs)
    assert cs.is_satisfied(w)
    if wire == 2:  # coeffs[0] is multiplied by 0: it is genuinely unconstrained
        return
    if wire == 3 and x == 0:  # coeffs[1] = a enters only as a * x: free when x = 0
        return
    w[wire] = (w[wire] + delta) % R
    if wire in (5, 6) and w[wire] in (0, 1):  # extra[] are free booleans: another bit is valid
        return
    assert not cs.is_satisfied(w)


def test_definition_errors() -> None:
    class NoInputs(Circuit):
        def define(self, api: Api) -> None:
            pass

    with pytest.raises(CircuitError, match="declares no inputs"):
        NoInputs().compile()

    class BadSize(Circuit):
        xs = Private(size=0)

    with pytest.raises(CircuitError, match="size >= 1"):
        BadSize().compile()
    with pytest.raises(CircuitError, match="scope name"):
        Api("t").scope("a/b").__enter__()

    class Reserved(Circuit):
        name = Public()  # type: ignore[assignment]

    with pytest.raises(CircuitError, match="reserved"):
        Reserved().compile()
    with pytest.raises(CircuitError, match="declared twice"):
        circuit(public=["x"], private=["x"])(lambda api, x: None)


def test_package_docstring_example_runs() -> None:
    import doctest

    import zkcollat.r1cs

    result = doctest.testmod(zkcollat.r1cs)
    assert result.attempted >= 3 and result.failed == 0
