"""The builder that a circuit's ``define(api)`` talks to.

The builder allocates wires, records rank-1 constraints ``A * B = C`` (each side a sparse
linear combination), and at the same time records the *solver program*: the ordered list of
steps that computes every internal wire from the inputs (products and hints) and checks every
constraint that does not define a wire. Compiling a circuit runs ``define`` once; the resulting
:class:`~zkcollat.r1cs.system.ConstraintSystem` keeps both and is reused for every witness.

Constraint accounting (what each method costs) is in each docstring. Every constraint records
the scope path it was created in (``collateral_lock/merkle/level[3]/poseidon``) and a short
note, so that an unsatisfied constraint names where it comes from.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Concatenate, NamedTuple, ParamSpec, TypeVar, overload

from zkcollat.errors import CircuitError
from zkcollat.field import R
from zkcollat.r1cs.lc import ONE_WIRE, LinComb, Operand, as_lc

Terms = dict[int, int]


class CompiledLC(NamedTuple):
    """A linear combination ready for the solver: parallel wire indices and coefficients
    (coefficients above r/2 stored as small negatives, so ``sum(w * c) % R`` stays cheap)."""

    wires: tuple[int, ...]
    coeffs: tuple[int, ...]


def compile_lc(terms: Terms) -> CompiledLC:
    """Split ``{wire: coeff}`` into parallel tuples; small negative coefficients stay small."""
    return CompiledLC(tuple(terms), tuple(c - R if c > R // 2 else c for c in terms.values()))


#: A hint: computes advice values from input values (one int, or a sequence of them).
HintFn = Callable[..., int] | Callable[..., Sequence[int]]


@dataclass(frozen=True, slots=True)
class MulStep:
    """Solver step: ``w[out] = <a, w> * <b, w>``; ``b is None`` means the square of ``a``."""

    out: int
    a: CompiledLC
    b: CompiledLC | None


@dataclass(frozen=True, slots=True)
class CheckStep:
    """Solver step: check constraint number ``constraint``, ``<a, w> * <b, w> = <c, w>``
    (``a`` with no wires: the linear constraint ``0 = <c, w>``)."""

    constraint: int
    a: CompiledLC
    b: CompiledLC
    c: CompiledLC


@dataclass(frozen=True, slots=True)
class HintStep:
    """Solver step: ``w[outs] = fn(<arg, w> for arg in args)``; no constraint (advice)."""

    outs: tuple[int, ...]
    fn: HintFn
    args: tuple[CompiledLC, ...]
    #: ``fn`` returns a sequence of ``len(outs)`` ints (``n_out`` was given), not one int.
    multi: bool
    #: ``<scope path>:<label>``, the key of ``hint_overrides``.
    label: str


SolverStep = MulStep | CheckStep | HintStep


class Api:
    """What ``define(api)`` and gadgets receive. See the module docstring.

    Public methods add constraints only as their docstrings say; combining signals with
    ``+``, ``-`` and ``*`` by constants is free.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.n_wires = 1
        self.wire_labels: list[str] = ["one"]
        self.constraints: list[tuple[Terms, Terms, Terms]] = []
        self.constraint_scopes: list[str] = []
        self.constraint_notes: list[str] = []
        self.steps: list[SolverStep] = []
        self._scope: list[str] = []
        self._path = ""
        self._bounds: dict[tuple[tuple[int, int], ...], int] = {}
        self._sealed = False

    # --- scopes -----------------------------------------------------------------------------

    @contextmanager
    def scope(self, name: str) -> Iterator[None]:
        """Name the constraints created inside the ``with`` block ``.../name/...``."""
        if not name or "/" in name:
            raise CircuitError(f"scope name {name!r} must be non-empty and contain no '/'")
        self._scope.append(name)
        self._path = "/".join(self._scope)
        try:
            yield
        finally:
            self._scope.pop()
            self._path = "/".join(self._scope)

    @property
    def path(self) -> str:
        """The current scope path, for example ``collateral_lock/merkle/level[3]``."""
        return self._path

    # --- wires ------------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._sealed:
            raise CircuitError(f"circuit {self.name!r} is already compiled; the builder is closed")

    def _new_wire(self, label: str) -> int:
        self._check_open()
        w = self.n_wires
        self.n_wires += 1
        self.wire_labels.append(label)
        return w

    def _input_wire(self, name: str) -> LinComb:
        """Allocate an input wire (used by the circuit compiler, in declaration order)."""
        if self.constraints or self.steps:
            raise CircuitError(f"input {name!r} declared after constraints were added")
        return LinComb.wire(self._new_wire(name))

    @staticmethod
    def constant(value: int) -> LinComb:
        """The constant ``value mod r`` as a signal (free)."""
        return LinComb.constant(value)

    # --- constraints ------------------------------------------------------------------------

    def _add_constraint(self, a: Terms, b: Terms, c: Terms, note: str) -> int:
        self._check_open()
        self.constraints.append((a, b, c))
        self.constraint_scopes.append(self._path)
        self.constraint_notes.append(note)
        return len(self.constraints) - 1

    def _check(self, a: LinComb, b: LinComb, c: LinComb, note: str) -> None:
        """Add ``a * b = c`` as a checked constraint (it defines no wire)."""
        if a.is_constant() and b.is_constant() and c.is_constant():
            if (a.constant_value() * b.constant_value() - c.constant_value()) % R:
                raise CircuitError(f"{self._path}: {note} fails on constants")
            return
        i = self._add_constraint(a.terms, b.terms, c.terms, note)
        self.steps.append(
            CheckStep(i, compile_lc(a.terms), compile_lc(b.terms), compile_lc(c.terms))
        )

    def mul(self, a: Operand, b: Operand, note: str = "mul") -> LinComb:
        """Return a new wire equal to ``a * b``: one constraint ``a * b = out``.

        Free (no constraint) when either factor is a constant.
        """
        la, lb = as_lc(a), as_lc(b)
        if la.is_constant():
            return lb.scale(la.constant_value())
        if lb.is_constant():
            return la.scale(lb.constant_value())
        out = self._new_wire(f"{self._path}:{note}")
        self._add_constraint(la.terms, lb.terms, {out: 1}, note)
        b_lc = None if la.terms == lb.terms else compile_lc(lb.terms)
        self.steps.append(MulStep(out, compile_lc(la.terms), b_lc))
        return LinComb.wire(out)

    def square(self, a: Operand, note: str = "square") -> LinComb:
        """``a * a`` as a new wire: one constraint (free for a constant)."""
        return self.mul(a, a, note)

    def assert_mul(self, a: Operand, b: Operand, c: Operand, note: str = "assert_mul") -> None:
        """Constrain ``a * b = c``: one constraint (checked at compile time if all constant)."""
        self._check(as_lc(a), as_lc(b), as_lc(c), note)

    def assert_equal(self, a: Operand, b: Operand, note: str = "assert_equal") -> None:
        """Constrain ``a = b``: one linear constraint ``0 * 0 = a - b``."""
        self._check(LinComb(), LinComb(), as_lc(a) - as_lc(b), note)

    def assert_zero(self, a: Operand, note: str = "assert_zero") -> None:
        """Constrain ``a = 0``: one linear constraint."""
        self._check(LinComb(), LinComb(), as_lc(a), note)

    def assert_bool(self, a: Operand, note: str = "assert_bool") -> None:
        """Constrain ``a`` to be 0 or 1: one constraint ``a * (a - 1) = 0``."""
        la = as_lc(a)
        self._check(la, la - 1, LinComb(), note)

    def assert_nonzero(self, a: Operand, note: str = "assert_nonzero") -> None:
        """Constrain ``a != 0``: one constraint ``a * inv = 1`` with ``inv`` a hinted wire."""
        self.inverse(a, note)

    def inverse(self, a: Operand, note: str = "inverse") -> LinComb:
        """Return ``1 / a``: one constraint ``a * inv = 1``; unsatisfiable when ``a = 0``."""
        la = as_lc(a)
        if la.is_constant():
            v = la.constant_value()
            if v == 0:
                raise CircuitError(f"{self._path}: inverse of the constant 0")
            return LinComb.constant(pow(v, -1, R))
        inv = self.hint(_inverse_or_zero, la, label=note)
        self._check(la, inv, LinComb.constant(1), note)
        return inv

    # --- hints ------------------------------------------------------------------------------

    @overload
    def hint(self, fn: Callable[..., int], *inputs: Operand, label: str = ...) -> LinComb: ...

    @overload
    def hint(
        self, fn: Callable[..., Sequence[int]], *inputs: Operand, n_out: int, label: str = ...
    ) -> list[LinComb]: ...

    def hint(
        self,
        fn: HintFn,
        *inputs: Operand,
        n_out: int | None = None,
        label: str = "hint",
    ) -> LinComb | list[LinComb]:
        """New wires whose values ``fn(*input_values)`` computes outside the constraints.

        Adds **no constraint**: the caller must constrain the outputs (a hint is advice, not
        proof). ``fn`` receives the inputs as ints in ``[0, r)`` and returns an int (when
        ``n_out`` is None) or a sequence of ``n_out`` ints; results are reduced mod r.
        ``fn`` must be deterministic and must not keep state between calls.
        """
        lcs = [as_lc(x) for x in inputs]
        outs: tuple[int, ...]
        if n_out is None:
            outs = (self._new_wire(f"{self._path}:{label}"),)
        else:
            if n_out < 1:
                raise CircuitError(f"{self._path}: hint {label!r} must have n_out >= 1")
            outs = tuple(self._new_wire(f"{self._path}:{label}[{i}]") for i in range(n_out))
        self.steps.append(
            HintStep(
                outs,
                fn,
                tuple(compile_lc(x.terms) for x in lcs),
                n_out is not None,
                f"{self._path}:{label}",
            )
        )
        if n_out is None:
            return LinComb.wire(outs[0])
        return [LinComb.wire(o) for o in outs]

    # --- range bookkeeping (used by the bits/compare gadgets) -------------------------------

    def known_bits(self, a: Operand) -> int | None:
        """Smallest ``n`` such that ``a < 2^n`` is already enforced in this circuit, if any."""
        la = as_lc(a)
        if la.is_constant():
            return la.constant_value().bit_length()
        return self._bounds.get(la.key())

    def note_bits(self, a: Operand, n: int) -> None:
        """Record that constraints already enforce ``a < 2^n`` (only call after enforcing it)."""
        la = as_lc(a)
        k = la.key()
        old = self._bounds.get(k)
        if old is None or n < old:
            self._bounds[k] = n

    def seal(self) -> None:
        """Close the builder (the compiler calls this once ``define`` returns)."""
        self._sealed = True


def _inverse_or_zero(v: int) -> int:
    # For v = 0 there is no inverse; returning 0 makes the check a*inv = 1 fail with a clear
    # message instead of the hint raising.
    return pow(v, -1, R) if v else 0


P = ParamSpec("P")
T = TypeVar("T")


def gadget(
    name: str,
) -> Callable[[Callable[Concatenate[Api, P], T]], Callable[Concatenate[Api, P], T]]:
    """Decorate a gadget ``fn(api, ...)`` so that its constraints are scoped under ``name``."""

    def deco(fn: Callable[Concatenate[Api, P], T]) -> Callable[Concatenate[Api, P], T]:
        def wrapper(api: Api, /, *args: P.args, **kwargs: P.kwargs) -> T:
            with api.scope(name):
                return fn(api, *args, **kwargs)

        functools.update_wrapper(wrapper, fn)
        return wrapper

    return deco


__all__ = [
    "ONE_WIRE",
    "Api",
    "CheckStep",
    "CompiledLC",
    "HintFn",
    "HintStep",
    "MulStep",
    "SolverStep",
    "compile_lc",
    "gadget",
]
