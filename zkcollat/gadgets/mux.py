"""Selection gadgets: ``select``, ``cond_swap``, ``mux``, with plain twins.

None of these constrains its selector to be boolean unless asked (``check_bool=True``): a
caller that already constrained it (for example bits from ``to_bits``) does not pay twice.
With a non-boolean selector the results are meaningless combinations, so either constrain it
here or know that it is constrained elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence

from zkcollat.errors import CircuitError, InputError
from zkcollat.r1cs.builder import Api, gadget
from zkcollat.r1cs.lc import LinComb, Operand, as_lc


def _maybe_bool(api: Api, sel: Operand, check_bool: bool) -> None:
    if check_bool and api.known_bits(sel) != 1:
        api.assert_bool(sel, "selector is boolean")
        api.note_bits(sel, 1)


@gadget("select")
def select(api: Api, sel: Operand, a: Operand, b: Operand, *, check_bool: bool = False) -> LinComb:
    """``a`` if ``sel = 1``, ``b`` if ``sel = 0``: ``b + sel * (a - b)``, one constraint
    (plus one if ``check_bool``)."""
    _maybe_bool(api, sel, check_bool)
    lb = as_lc(b)
    return lb + api.mul(sel, as_lc(a) - lb, "sel * (a - b)")


def select_plain(sel: int, a: int, b: int) -> int:
    """Plain twin of :func:`select` (``sel`` must be 0 or 1)."""
    if sel not in (0, 1):
        raise InputError(f"selector = {sel!r} is not 0 or 1")
    return a if sel else b


@gadget("cond_swap")
def cond_swap(
    api: Api, sel: Operand, a: Operand, b: Operand, *, check_bool: bool = False
) -> tuple[LinComb, LinComb]:
    """``(a, b)`` if ``sel = 0``, ``(b, a)`` if ``sel = 1``: one constraint
    ``d = sel * (b - a)``, outputs ``a + d`` and ``b - d`` (plus one if ``check_bool``)."""
    _maybe_bool(api, sel, check_bool)
    la, lb = as_lc(a), as_lc(b)
    d = api.mul(sel, lb - la, "sel * (b - a)")
    return la + d, lb - d


def cond_swap_plain(sel: int, a: int, b: int) -> tuple[int, int]:
    """Plain twin of :func:`cond_swap` (``sel`` must be 0 or 1)."""
    if sel not in (0, 1):
        raise InputError(f"selector = {sel!r} is not 0 or 1")
    return (b, a) if sel else (a, b)


@gadget("mux")
def mux(
    api: Api, bits: Sequence[Operand], values: Sequence[Operand], *, check_bool: bool = False
) -> LinComb:
    """``values[index]`` where ``index = sum(bits[i] * 2^i)``; ``len(values) == 2^len(bits)``.

    A binary tree of :func:`select`: ``len(values) - 1`` constraints (plus ``len(bits)`` if
    ``check_bool``).
    """
    if len(values) != 1 << len(bits) or not bits:
        raise CircuitError(f"{api.path}: mux needs 2^{len(bits)} values, got {len(values)}")
    layer = [as_lc(v) for v in values]
    for bit in bits:
        _maybe_bool(api, bit, check_bool)
        layer = [select(api, bit, layer[j + 1], layer[j]) for j in range(0, len(layer), 2)]
    return layer[0]


def mux_plain(bits: Sequence[int], values: Sequence[int]) -> int:
    """Plain twin of :func:`mux`."""
    if len(values) != 1 << len(bits) or any(b not in (0, 1) for b in bits):
        raise InputError(f"mux needs boolean bits and 2^{len(bits)} values, got {len(values)}")
    return values[sum(b << i for i, b in enumerate(bits))]
