"""The witness solver of a compiled circuit as a flat program, for the native backend.

:meth:`ConstraintSystem.solve` runs it through the active backend when that backend has a
native solver (``Backend.witness_program``): the same steps as the Python loop of
:meth:`ConstraintSystem.solve_values`, with no Python int per wire. Hints run natively only
when they are *named* here (:func:`native_hint`): the bit decomposition
(``bits``, a ``functools.partial`` of the registered function with its width) and the
inverse-or-zero hints. A circuit with any other hint, or a solve with ``hint_overrides`` or
``check=False``, runs in Python; so does the error path: when the native solver finds an
unsatisfied constraint, the Python solver runs again to raise the same named error.

Program arrays (little-endian u32 unless said; ``rust/core/src/witness.rs`` documents them):
``lc_ptr``, ``term_wire``, ``term_coeff`` (index into ``coeffs``, 32-byte big-endian words),
``steps`` (5 words each: op, x, y, z, u) and ``outs`` (the hints' output wires).
"""

from __future__ import annotations

import functools
import sys
import weakref
from array import array
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from zkcollat.field import FR_BYTES, R
from zkcollat.r1cs.builder import CheckStep, CompiledLC, HintStep, MulStep, _inverse_or_zero

if TYPE_CHECKING:
    from zkcollat.r1cs.system import ConstraintSystem

OP_MUL, OP_CHECK, OP_BITS, OP_INV = 0, 1, 2, 3
NONE = 0xFFFFFFFF
MAX_BITS = 254

F = TypeVar("F", bound=Callable[..., Any])

#: Hint functions the native solver computes itself, by kind ("bits" or "inv_or_zero").
NAMED_HINTS: dict[Callable[..., Any], str] = {_inverse_or_zero: "inv_or_zero"}


def native_hint(kind: str) -> Callable[[F], F]:
    """Register a hint function as one the native solver computes: ``"inv_or_zero"`` (one
    argument ``v``: ``v^-1 mod r``, 0 for 0) or ``"bits"`` (arguments ``n, v``, used as
    ``functools.partial(fn, n)``: ``[(v >> i) & 1 for i in range(n)]``). The function must
    compute exactly that: the tests compare both solvers on every registered hint."""
    if kind not in ("bits", "inv_or_zero"):
        raise ValueError(f"unknown native hint kind {kind!r}")

    def register(fn: F) -> F:
        NAMED_HINTS[fn] = kind
        return fn

    return register


class _Builder:
    def __init__(self) -> None:
        self.lc_ptr = [0]
        self.term_wire: list[int] = []
        self.term_coeff: list[int] = []
        self.coeff_ix: dict[int, int] = {}
        self.steps: list[int] = []
        self.outs: list[int] = []

    def lc(self, lc: CompiledLC) -> int:
        for w, c in zip(lc.wires, lc.coeffs, strict=True):
            c %= R  # small negatives are stored as such in CompiledLC
            self.term_wire.append(w)
            self.term_coeff.append(self.coeff_ix.setdefault(c, len(self.coeff_ix)))
        self.lc_ptr.append(len(self.term_wire))
        return len(self.lc_ptr) - 2

    def hint(self, st: HintStep) -> bool:
        fn = st.fn
        if len(st.args) != 1:
            return False
        if NAMED_HINTS.get(fn) == "inv_or_zero" and not st.multi and len(st.outs) == 1:
            self.steps += [OP_INV, self.lc(st.args[0]), st.outs[0], 0, 0]
            return True
        if (isinstance(fn, functools.partial) and NAMED_HINTS.get(fn.func) == "bits"
                and len(fn.args) == 1 and not fn.keywords and st.multi):
            n = fn.args[0]
            if type(n) is not int or not 1 <= n <= MAX_BITS or len(st.outs) != n:
                return False
            self.steps += [OP_BITS, self.lc(st.args[0]), len(self.outs), n, 0]
            self.outs += st.outs
            return True
        return False


def _u32(xs: list[int]) -> bytes:
    a = array("I", xs)
    if sys.byteorder != "little":
        a.byteswap()
    return a.tobytes()


def program_arrays(cs: ConstraintSystem) -> tuple[bytes, ...] | None:
    """``(lc_ptr, term_wire, term_coeff, coeffs, steps, outs)`` of ``cs``'s solver, or None
    when a hint is not one the native solver computes."""
    b = _Builder()
    for st in cs._steps:
        if isinstance(st, MulStep):
            b.steps += [OP_MUL, st.out, b.lc(st.a), NONE if st.b is None else b.lc(st.b), 0]
        elif isinstance(st, CheckStep):
            c = b.lc(st.c)
            if st.a.wires:
                b.steps += [OP_CHECK, st.constraint, b.lc(st.a), b.lc(st.b), c]
            else:  # a linear constraint, 0 = <c, w> (the B slot just names a valid lc)
                b.steps += [OP_CHECK, st.constraint, NONE, c, c]
        elif not b.hint(st):
            return None
    coeffs = b"".join(c.to_bytes(FR_BYTES, "big") for c in b.coeff_ix)
    return (_u32(b.lc_ptr), _u32(b.term_wire), _u32(b.term_coeff), coeffs, _u32(b.steps),
            _u32(b.outs))


#: Per constraint system and backend: the backend's program handle, or None (no native
#: solver, or a hint it does not compute). Dropped with the system.
_PROGRAMS: weakref.WeakKeyDictionary[ConstraintSystem, dict[str, Any]] = (
    weakref.WeakKeyDictionary()
)


def native_program(cs: ConstraintSystem) -> Any | None:
    """The active backend's solver program for ``cs`` (built once), or None."""
    from zkcollat.curve.backend import get_backend

    backend = get_backend()
    per_backend = _PROGRAMS.setdefault(cs, {})
    if backend.name not in per_backend:
        handle = None
        if backend.has_witness_solver():
            arrays = cs.native_program_arrays()  # a key's circuit: from its arrays
            if arrays is not None:
                handle = backend.witness_program(cs.n_wires, cs.n_public + cs.n_private,
                                                 *arrays)
        per_backend[backend.name] = handle
    return per_backend[backend.name]
