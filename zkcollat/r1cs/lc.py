"""Linear combinations of wires: the values a circuit definition manipulates.

A :class:`LinComb` is ``sum(coeff * wire)`` over F_r, with wire 0 standing for the constant 1.
Additions, subtractions and multiplications by constants are free (no constraint); they build
new linear combinations. Multiplying two non-constant combinations needs a constraint and so
goes through ``api.mul(a, b)``; writing ``a * b`` for two signals raises :class:`CircuitError`
instead of silently doing something else.
"""

from __future__ import annotations

from collections.abc import Iterable

from zkcollat.errors import CircuitError
from zkcollat.field import R

#: Wire 0 always carries the constant 1 (circom's layout).
ONE_WIRE = 0


class LinComb:
    """An immutable linear combination ``{wire: coeff}`` over F_r (coefficients never zero).

    Also called a *signal* in docstrings: an input, an internal wire or any combination of them.
    """

    __slots__ = ("terms",)

    terms: dict[int, int]

    def __init__(self, terms: dict[int, int] | None = None) -> None:
        self.terms = terms if terms is not None else {}

    # --- constructors -----------------------------------------------------------------------

    @staticmethod
    def constant(value: int) -> LinComb:
        """The constant ``value mod r``."""
        v = value % R
        return LinComb({ONE_WIRE: v} if v else {})

    @staticmethod
    def wire(index: int) -> LinComb:
        """The single wire ``index`` with coefficient 1."""
        return LinComb({index: 1})

    # --- inspection -------------------------------------------------------------------------

    def is_constant(self) -> bool:
        """True when no wire other than the constant-1 wire appears."""
        t = self.terms
        return not t or (len(t) == 1 and ONE_WIRE in t)

    def constant_value(self) -> int:
        """The value of a constant combination; :class:`CircuitError` if it depends on wires."""
        if not self.is_constant():
            raise CircuitError(f"{self!r} is not a constant")
        return self.terms.get(ONE_WIRE, 0)

    def key(self) -> tuple[tuple[int, int], ...]:
        """A hashable canonical form (sorted terms), for caches keyed by combination."""
        return tuple(sorted(self.terms.items()))

    def evaluate(self, witness: list[int]) -> int:
        """Value of the combination for a full witness vector (plain ints)."""
        return sum(c * witness[w] for w, c in self.terms.items()) % R

    # --- arithmetic -------------------------------------------------------------------------

    def __add__(self, other: Operand) -> LinComb:
        o = as_lc(other)
        out = dict(self.terms)
        for w, c in o.terms.items():
            v = (out.get(w, 0) + c) % R
            if v:
                out[w] = v
            else:
                out.pop(w, None)
        return LinComb(out)

    __radd__ = __add__

    def __neg__(self) -> LinComb:
        return LinComb({w: R - c for w, c in self.terms.items()})

    def __sub__(self, other: Operand) -> LinComb:
        return self + (-as_lc(other))

    def __rsub__(self, other: Operand) -> LinComb:
        return as_lc(other) + (-self)

    def scale(self, k: int) -> LinComb:
        """``k * self`` for an integer constant ``k`` (reduced mod r)."""
        k %= R
        if k == 0:
            return LinComb()
        if k == 1:
            return self
        return LinComb({w: c * k % R for w, c in self.terms.items()})

    def __mul__(self, other: Operand) -> LinComb:
        if isinstance(other, int) and not isinstance(other, bool):
            return self.scale(other)
        if isinstance(other, LinComb):
            if other.is_constant():
                return self.scale(other.constant_value())
            if self.is_constant():
                return other.scale(self.constant_value())
            raise CircuitError(
                "multiplying two signals adds a constraint: write api.mul(a, b), not a * b"
            )
        return NotImplemented

    __rmul__ = __mul__

    def __bool__(self) -> bool:
        raise CircuitError(
            "a signal has no truth value while the circuit is compiled; "
            "use api.assert_* or a gadget (is_zero, select) instead of Python `if`"
        )

    def __repr__(self) -> str:
        parts = []
        for w, c in sorted(self.terms.items()):
            cs = str(c) if c <= R // 2 else f"-{R - c}"
            parts.append(cs if w == ONE_WIRE else f"{cs}*w{w}")
        return "LinComb(" + (" + ".join(parts) or "0") + ")"


#: What the API accepts wherever a signal is expected.
Operand = LinComb | int


def as_lc(value: Operand) -> LinComb:
    """Coerce an int constant (reduced mod r) or a :class:`LinComb` to a :class:`LinComb`."""
    if isinstance(value, LinComb):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return LinComb.constant(value)
    raise CircuitError(f"expected a signal or an integer constant, got {type(value).__name__}")


def linear_sum(coeffs: Iterable[int], values: Iterable[Operand]) -> LinComb:
    """``sum(k_i * v_i)`` in one pass (faster than chaining ``+`` for wide combinations)."""
    out: dict[int, int] = {}
    get = out.get
    for k, v in zip(coeffs, values, strict=True):
        for w, c in as_lc(v).terms.items():
            out[w] = get(w, 0) + k * c
    return LinComb({w: c % R for w, c in out.items() if c % R})
