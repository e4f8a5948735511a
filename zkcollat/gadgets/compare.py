"""Comparators over ``n``-bit unsigned integers, with plain twins.

Every comparator takes an explicit bit width ``n`` (``1 <= n <= MAX_COMPARE_BITS = 252``) and
range-checks its own inputs (``a < 2^n`` and ``b < 2^n``, ``n + 1`` constraints each, free when
the circuit already enforces that bound on the same signal). So an input ``>= 2^n``, including
a "negative" value ``r - k``, makes the circuit unsatisfiable rather than wrapping around.

Why ``n <= 252``: the difference ``a - b`` (or ``a + 2^n - b``) must be decomposed into
``n + 1 <= 253`` bits, where the decomposition is unique (``2^253 < r``).

Costs (inputs not yet range-checked): the bit-returning forms (``less_than`` and friends)
``3n + 4``; the asserting forms (``assert_greater_eq`` and friends) ``3n + 3``.
"""

from __future__ import annotations

from zkcollat.errors import CircuitError, InputError
from zkcollat.field import R
from zkcollat.gadgets.bits import range_check, to_bits
from zkcollat.r1cs.builder import Api, gadget
from zkcollat.r1cs.lc import LinComb, Operand, as_lc

MAX_COMPARE_BITS = 252


def _check_n(api: Api, n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_COMPARE_BITS:
        raise CircuitError(
            f"{api.path}: comparator width n = {n!r} must be in 1..{MAX_COMPARE_BITS}"
        )


def _check_plain(a: int, b: int, n: int) -> None:
    if not 1 <= n <= MAX_COMPARE_BITS:
        raise InputError(f"comparator width n = {n} must be in 1..{MAX_COMPARE_BITS}")
    for name, v in (("a", a), ("b", b)):
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < (1 << n):
            raise InputError(f"{name} = {v!r} is not an unsigned {n}-bit integer")


@gadget("less_than")
def less_than(api: Api, a: Operand, b: Operand, n: int) -> LinComb:
    """1 if ``a < b`` else 0, for ``a, b < 2^n`` (both range-checked here).

    ``a + 2^n - b`` lies in ``[1, 2^(n+1))``; its bit ``n`` is 1 exactly when ``a >= b``.
    Cost: ``n + 2`` for that decomposition plus the two input range checks.
    """
    _check_n(api, n)
    range_check(api, a, n)
    range_check(api, b, n)
    bits = to_bits(api, as_lc(a) + (1 << n) - as_lc(b), n + 1)
    out = 1 - bits[n]
    api.note_bits(out, 1)
    return out


def less_than_plain(a: int, b: int, n: int) -> int:
    """Plain twin of :func:`less_than` (InputError where the gadget is unsatisfiable)."""
    _check_plain(a, b, n)
    return int(a < b)


def less_eq(api: Api, a: Operand, b: Operand, n: int) -> LinComb:
    """1 if ``a <= b`` else 0 (``1 - less_than(b, a)``); same cost and checks as less_than."""
    return 1 - less_than(api, b, a, n)


def less_eq_plain(a: int, b: int, n: int) -> int:
    _check_plain(a, b, n)
    return int(a <= b)


def greater_than(api: Api, a: Operand, b: Operand, n: int) -> LinComb:
    """1 if ``a > b`` else 0 (``less_than(b, a)``)."""
    return less_than(api, b, a, n)


def greater_than_plain(a: int, b: int, n: int) -> int:
    _check_plain(a, b, n)
    return int(a > b)


def greater_eq(api: Api, a: Operand, b: Operand, n: int) -> LinComb:
    """1 if ``a >= b`` else 0 (``1 - less_than(a, b)``)."""
    return 1 - less_than(api, a, b, n)


def greater_eq_plain(a: int, b: int, n: int) -> int:
    _check_plain(a, b, n)
    return int(a >= b)


def _assert_diff(api: Api, a: Operand, b: Operand, n: int, offset: int, what: str) -> None:
    _check_n(api, n)
    with api.scope(what):
        range_check(api, a, n)
        range_check(api, b, n)
        # With a, b < 2^n: a - b - offset is in [0, 2^n) exactly when the relation holds;
        # otherwise it is r - k with k <= 2^n, far above 2^n (r > 2^253).
        range_check(api, as_lc(a) - as_lc(b) - offset, n)


def assert_greater_eq(api: Api, a: Operand, b: Operand, n: int) -> None:
    """Constrain ``a >= b`` for ``a, b < 2^n`` (both range-checked here): ``3n + 3``."""
    _assert_diff(api, a, b, n, 0, "assert_greater_eq")


def assert_greater_than(api: Api, a: Operand, b: Operand, n: int) -> None:
    """Constrain ``a > b`` for ``a, b < 2^n`` (both range-checked here): ``3n + 3``."""
    _assert_diff(api, a, b, n, 1, "assert_greater_than")


def assert_less_eq(api: Api, a: Operand, b: Operand, n: int) -> None:
    """Constrain ``a <= b`` for ``a, b < 2^n`` (both range-checked here): ``3n + 3``."""
    _assert_diff(api, b, a, n, 0, "assert_less_eq")


def assert_less_than(api: Api, a: Operand, b: Operand, n: int) -> None:
    """Constrain ``a < b`` for ``a, b < 2^n`` (both range-checked here): ``3n + 3``."""
    _assert_diff(api, b, a, n, 1, "assert_less_than")


def holds_plain(relation: str, a: int, b: int, n: int) -> bool:
    """Plain twin of the ``assert_*`` forms: ``relation`` in ``>=, >, <=, <``; False when an
    input is out of range (the gadget is unsatisfiable then)."""
    if not (0 <= a < (1 << n) and 0 <= b < (1 << n) and a < R and b < R):
        return False
    return {">=": a >= b, ">": a > b, "<=": a <= b, "<": a < b}[relation]
