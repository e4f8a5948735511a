"""A compiled circuit: the R1CS, its wire layout, the witness solver and the test engine.

Wire layout (circom's, without outputs, so that our ``.r1cs`` reads in snarkjs):

====================  ============================================================
wire 0                the constant 1
wires 1..nPublic      public inputs, in declaration order (= ``public.json`` order)
next nPrivate wires   private inputs, in declaration order (arrays element by element)
the rest              internal wires, in the order the definition created them
====================  ============================================================

Each constraint ``i`` is ``<A_i, w> * <B_i, w> = <C_i, w>`` with ``A_i, B_i, C_i`` sparse
``{wire: coeff}`` maps (coefficients in ``[1, r)``). :meth:`ConstraintSystem.matrices` gives the
same data as three CSR matrices for a prover.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from operator import mul

from zkcollat.errors import CircuitError, InputError, UnsatisfiedConstraint
from zkcollat.field import FR_BYTES, R, pack_fr, unpack_fr
from zkcollat.r1cs.builder import Api, CheckStep, HintFn, HintStep, MulStep
from zkcollat.r1cs.native import _u32, native_program, program_arrays

Terms = dict[int, int]

_DECIMAL = re.compile(r"-?[0-9]+\Z")


@dataclass(frozen=True)
class InputSpec:
    """One declared input: a scalar (``size is None``) or a 1-D array of ``size`` elements."""

    name: str
    public: bool
    size: int | None
    first_wire: int

    @property
    def n_wires(self) -> int:
        return 1 if self.size is None else self.size

    def labels(self) -> list[str]:
        if self.size is None:
            return [self.name]
        return [f"{self.name}[{i}]" for i in range(self.size)]


@dataclass(frozen=True)
class SparseMatrix:
    """A CSR matrix over F_r: row ``i`` has entries ``cols[k], vals[k]`` for
    ``k in range(row_ptr[i], row_ptr[i + 1])``. Values are canonical ints in ``[1, r)``."""

    n_rows: int
    n_cols: int
    row_ptr: list[int]
    cols: list[int]
    vals: list[int]

    @property
    def nnz(self) -> int:
        return len(self.vals)

    def triplets(self) -> list[tuple[int, int, int]]:
        """``(row, col, value)`` for every non-zero entry, row-major."""
        out = []
        for i in range(self.n_rows):
            for k in range(self.row_ptr[i], self.row_ptr[i + 1]):
                out.append((i, self.cols[k], self.vals[k]))
        return out

    def mul_vec(self, w: Sequence[int]) -> list[int]:
        """``M . w`` mod r (one value per constraint)."""
        cols, vals, ptr = self.cols, self.vals, self.row_ptr
        return [
            sum(map(mul, (w[c] for c in cols[ptr[i] : ptr[i + 1]]), vals[ptr[i] : ptr[i + 1]])) % R
            for i in range(self.n_rows)
        ]

    def packed_vals(self) -> bytes:
        """The values as 32-byte big-endian words (for handing to native code)."""
        return b"".join(v.to_bytes(FR_BYTES, "big") for v in self.vals)


@dataclass(frozen=True)
class CircuitStats:
    """Figures for the CLI (``zkcollat circuit info``)."""

    name: str
    constraints: int
    public_inputs: int
    private_inputs: int
    wires: int
    labels: int
    nnz_a: int
    nnz_b: int
    nnz_c: int
    by_scope: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "constraints": self.constraints,
            "public_inputs": self.public_inputs,
            "private_inputs": self.private_inputs,
            "wires": self.wires,
            "labels": self.labels,
            "nnz": {"A": self.nnz_a, "B": self.nnz_b, "C": self.nnz_c},
            "by_scope": dict(self.by_scope),
        }


class ConstraintSystem:
    """An R1CS with its wire layout, names and witness solver (see the module docstring)."""

    def __init__(self, api: Api, inputs: Sequence[InputSpec]) -> None:
        api.seal()
        self.name = api.name
        self.inputs: tuple[InputSpec, ...] = tuple(inputs)
        self.n_wires = api.n_wires
        self.n_public = sum(s.n_wires for s in inputs if s.public)
        self.n_private = sum(s.n_wires for s in inputs if not s.public)
        self.constraints: list[tuple[Terms, Terms, Terms]] = api.constraints
        self.constraint_scopes: list[str] = api.constraint_scopes
        self.constraint_notes: list[str] = api.constraint_notes
        self.wire_labels: list[str] = api.wire_labels
        self._steps = api.steps
        self._matrices: tuple[SparseMatrix, SparseMatrix, SparseMatrix] | None = None
        # Layout invariant: public inputs first, then private, starting at wire 1.
        expect = 1
        for s in sorted(inputs, key=lambda s: (not s.public,)):
            if s.first_wire != expect:
                raise CircuitError(f"input {s.name!r} is at wire {s.first_wire}, expected {expect}")
            expect += s.n_wires

    # --- names ------------------------------------------------------------------------------

    @property
    def n_constraints(self) -> int:
        return len(self.constraints)

    @property
    def public_names(self) -> list[str]:
        """Public signal labels in wire order (``public.json`` order)."""
        return [n for s in self.inputs if s.public for n in s.labels()]

    @property
    def private_names(self) -> list[str]:
        return [n for s in self.inputs if not s.public for n in s.labels()]

    def describe_constraint(self, i: int) -> str:
        """``constraint 17 (assert_bool) at collateral_lock/merkle/level[3]``."""
        scope = self.constraint_scopes[i] or "<root>"
        return f"constraint {i} ({self.constraint_notes[i]}) at {scope}"

    # --- statistics -------------------------------------------------------------------------

    def constraint_counts(self, depth: int = 2) -> dict[str, int]:
        """Constraints per scope path truncated to ``depth`` components."""
        c: Counter[str] = Counter()
        for s in self.constraint_scopes:
            c["/".join(s.split("/")[:depth])] += 1
        return dict(c)

    def stats(self, scope_depth: int = 2) -> CircuitStats:
        a, b, cm = self.matrices()
        return CircuitStats(
            name=self.name,
            constraints=self.n_constraints,
            public_inputs=self.n_public,
            private_inputs=self.n_private,
            wires=self.n_wires,
            labels=len(self.wire_labels),
            nnz_a=a.nnz,
            nnz_b=b.nnz,
            nnz_c=cm.nnz,
            by_scope=self.constraint_counts(scope_depth),
        )

    # --- matrices for a prover --------------------------------------------------------------

    def matrices(self) -> tuple[SparseMatrix, SparseMatrix, SparseMatrix]:
        """A, B and C as CSR matrices (``n_constraints x n_wires``), computed once."""
        if self._matrices is None:
            mats = []
            for side in range(3):
                ptr = [0]
                cols: list[int] = []
                vals: list[int] = []
                for con in self.constraints:
                    row = con[side]
                    for w in sorted(row):
                        cols.append(w)
                        vals.append(row[w])
                    ptr.append(len(cols))
                mats.append(SparseMatrix(self.n_constraints, self.n_wires, ptr, cols, vals))
            self._matrices = (mats[0], mats[1], mats[2])
        return self._matrices

    def indexed_matrices(self) -> tuple[tuple[bytes, bytes, bytes], tuple[bytes, bytes, bytes],
                                        tuple[bytes, bytes, bytes], bytes]:
        """A, B and C for a native backend: each as little-endian u32 arrays (row_ptr, cols,
        index into the table), and the table of distinct values (32-byte big-endian words)."""
        table: dict[int, int] = {}
        arrays = []
        for m in self.matrices():
            ix = [table.setdefault(v, len(table)) for v in m.vals]
            arrays.append((_u32(m.row_ptr), _u32(m.cols), _u32(ix)))
        return arrays[0], arrays[1], arrays[2], pack_fr(table, "matrix value")

    def native_program_arrays(self) -> tuple[bytes, ...] | None:
        """The native solver's program (``zkcollat.r1cs.native.program_arrays``), or None."""
        return program_arrays(self)

    # --- inputs -----------------------------------------------------------------------------

    def parse_inputs(self, inputs: Mapping[str, object]) -> list[int]:
        """Validate prover inputs and return the input wire values (public then private).

        ``inputs`` maps the circuit's signal names to values (an ``input.json`` object, which
        ``zkcollat.formats.signals.read_input_json`` reads): arrays as lists, values as decimal
        strings or ints. Raises :class:`InputError` listing every missing, extra, malformed and
        out-of-range name.
        """
        data: object = inputs
        if not isinstance(data, Mapping):
            raise InputError(
                f"inputs must be a JSON object of signal names, got {type(data).__name__}"
            )
        declared = {s.name: s for s in self.inputs}
        missing = [n for n in declared if n not in data]
        extra = sorted(str(k) for k in data if k not in declared)
        malformed: list[str] = []
        out_of_range: list[str] = []
        values: dict[str, list[int]] = {}
        for s in self.inputs:
            if s.name not in data:
                continue
            raw = data[s.name]
            if s.size is None:
                items: list[tuple[str, object]] = [(s.name, raw)]
                if isinstance(raw, list):
                    malformed.append(f"{s.name} (a scalar, got an array)")
                    continue
            else:
                if not isinstance(raw, list):
                    malformed.append(f"{s.name} (an array of {s.size}, got {type(raw).__name__})")
                    continue
                if len(raw) != s.size:
                    malformed.append(f"{s.name} (an array of {s.size}, got {len(raw)} elements)")
                    continue
                items = [(f"{s.name}[{i}]", v) for i, v in enumerate(raw)]
            vals: list[int] = []
            for label, v in items:
                iv = _parse_value(v)
                if iv is None:
                    malformed.append(f"{label} = {v!r} (not an int or decimal string)")
                elif iv < 0 or iv >= R:
                    out_of_range.append(f"{label} = {iv} ({'negative' if iv < 0 else '>= r'})")
                else:
                    vals.append(iv)
            values[s.name] = vals
        problems = []
        if missing:
            problems.append("missing: " + ", ".join(missing))
        if extra:
            problems.append("extra: " + ", ".join(extra))
        if malformed:
            problems.append("malformed: " + "; ".join(malformed))
        if out_of_range:
            problems.append("out of range [0, r): " + "; ".join(out_of_range))
        if problems:
            raise InputError(f"inputs for circuit {self.name!r} rejected: " + " | ".join(problems))
        out: list[int] = []
        for s in sorted(self.inputs, key=lambda s: s.first_wire):
            out.extend(values[s.name])
        return out

    # --- witness solving --------------------------------------------------------------------

    def solve(
        self,
        inputs: Mapping[str, object],
        check: bool = True,
        hint_overrides: Mapping[str, HintFn] | None = None,
    ) -> list[int]:
        """Compute the full witness vector ``w`` (``w[0] = 1``) for the given inputs.

        With ``check`` (the default) every constraint that does not define a wire is checked as
        the solver reaches it, and the first failure raises :class:`UnsatisfiedConstraint`
        naming the gadget path. ``check=False`` returns the vector regardless (for tests and
        debugging: :meth:`is_satisfied` then judges it).

        ``hint_overrides`` maps hint labels (``<scope path>:<label>``, as in
        :attr:`wire_labels` without the index) to replacement functions: a malicious prover
        for tests, which checks that the constraints, not the hints, reject bad advice.
        """
        return self.solve_values(self.parse_inputs(inputs), check, hint_overrides)

    def hint_labels(self) -> list[str]:
        """The labels of the hints in solving order (keys for ``hint_overrides``)."""
        return [st.label for st in self._steps if isinstance(st, HintStep)]

    def solve_values(
        self,
        input_values: Sequence[int],
        check: bool = True,
        hint_overrides: Mapping[str, HintFn] | None = None,
    ) -> list[int]:
        """Like :meth:`solve` from already validated input wire values (public then private)."""
        if hint_overrides:
            unknown = set(hint_overrides) - set(self.hint_labels())
            if unknown:
                raise CircuitError(f"no hint labelled {sorted(unknown)} in {self.name!r}")
        n_in = self.n_public + self.n_private
        if len(input_values) != n_in:
            raise InputError(f"expected {n_in} input values, got {len(input_values)}")
        if check and not hint_overrides:
            packed = self._solve_native(input_values)
            if packed is not None:
                return unpack_fr(packed)
        return self._solve_python(input_values, check, hint_overrides)

    def solve_packed(self, inputs: Mapping[str, object]) -> bytes:
        """:meth:`solve` (checked) as packed 32-byte big-endian words, what a prover takes:
        on the native backend no Python int is made per wire."""
        values = self.parse_inputs(inputs)
        packed = self._solve_native(values)
        if packed is not None:
            return packed
        return pack_fr(self._solve_python(values, True, None), "witness")

    def _solve_native(self, input_values: Sequence[int]) -> bytes | None:
        """The packed witness from the backend's native solver; None without one, or when it
        finds an unsatisfied check (the Python solver then names the failure the same way)."""
        program = native_program(self)
        if program is None:
            return None
        out = program.solve(pack_fr(input_values, "input"))
        return None if isinstance(out, int) else out

    def _solve_python(
        self,
        input_values: Sequence[int],
        check: bool,
        hint_overrides: Mapping[str, HintFn] | None,
    ) -> list[int]:
        n_in = self.n_public + self.n_private
        w = [0] * self.n_wires
        w[0] = 1
        w[1 : 1 + n_in] = input_values
        wget = w.__getitem__
        for st in self._steps:
            if isinstance(st, MulStep):
                a = sum(map(mul, map(wget, st.a.wires), st.a.coeffs)) % R
                if st.b is None:
                    w[st.out] = a * a % R
                else:
                    w[st.out] = a * (sum(map(mul, map(wget, st.b.wires), st.b.coeffs)) % R) % R
            elif isinstance(st, CheckStep):
                if check:
                    c = sum(map(mul, map(wget, st.c.wires), st.c.coeffs))
                    if st.a.wires:
                        a = sum(map(mul, map(wget, st.a.wires), st.a.coeffs)) % R
                        c -= a * (sum(map(mul, map(wget, st.b.wires), st.b.coeffs)) % R)
                    if c % R:
                        raise UnsatisfiedConstraint(self._failure(st.constraint, w))
            else:
                args = [sum(map(mul, map(wget, lc.wires), lc.coeffs)) % R for lc in st.args]
                fn = st.fn if hint_overrides is None else hint_overrides.get(st.label, st.fn)
                try:
                    res: object = fn(*args)
                except Exception as e:  # a hint that fails names itself
                    raise UnsatisfiedConstraint(f"hint {st.label} failed on {args}: {e}") from e
                vals = list(res) if st.multi and isinstance(res, (list, tuple)) else [res]
                ints = [v for v in vals if isinstance(v, int) and not isinstance(v, bool)]
                if len(ints) != len(st.outs) or len(vals) != len(ints):
                    raise CircuitError(
                        f"hint {st.label} returned {res!r}, expected {len(st.outs)} int(s)"
                    )
                for o, v in zip(st.outs, ints, strict=True):
                    w[o] = v % R
        return w

    # --- the test engine --------------------------------------------------------------------

    def _check_vector(self, w: Sequence[int]) -> None:
        if len(w) != self.n_wires:
            raise InputError(
                f"witness has {len(w)} values, circuit {self.name!r} has {self.n_wires} wires"
            )
        if w[0] != 1:
            raise UnsatisfiedConstraint(f"witness wire 0 (the constant one) is {w[0]}, not 1")
        for i, v in enumerate(w):
            if isinstance(v, bool) or not isinstance(v, int) or v < 0 or v >= R:
                raise UnsatisfiedConstraint(
                    f"witness wire {i} ({self.wire_labels[i]}) = {v!r} is not in [0, r)"
                )

    def first_unsatisfied(self, w: Sequence[int]) -> int | None:
        """Index of the first constraint ``w`` violates, or None (w must be canonical)."""
        self._check_vector(w)
        for i, (a, b, c) in enumerate(self.constraints):
            va = sum(w[k] * v for k, v in a.items())
            vb = sum(w[k] * v for k, v in b.items())
            vc = sum(w[k] * v for k, v in c.items())
            if (va * vb - vc) % R:
                return i
        return None

    def check_witness(self, w: Sequence[int]) -> None:
        """Raise :class:`UnsatisfiedConstraint` naming the first violated constraint (if any).

        Evaluates every constraint from the matrices on plain ints, independently of the solver;
        also rejects a vector of the wrong length, ``w[0] != 1`` and any value outside ``[0, r)``.
        """
        i = self.first_unsatisfied(w)
        if i is not None:
            raise UnsatisfiedConstraint(self._failure(i, w))

    def is_satisfied(self, w: Sequence[int]) -> bool:
        """True when the full witness vector ``w`` satisfies every constraint."""
        try:
            self.check_witness(w)
        except UnsatisfiedConstraint:
            return False
        return True

    def _failure(self, i: int, w: Sequence[int]) -> str:
        a, b, c = self.constraints[i]

        def ev(t: Terms) -> int:
            return sum(w[k] * v for k, v in t.items()) % R

        wires = sorted({k for side in (a, b, c) for k in side if k})[:6]
        shown = ", ".join(f"{self.wire_labels[k]}={w[k]}" for k in wires)
        return (
            f"{self.describe_constraint(i)} of circuit {self.name!r} is not satisfied: "
            f"A={ev(a)}, B={ev(b)}, C={ev(c)} (A*B != C); wires: {shown}"
        )

    # --- values -----------------------------------------------------------------------------

    def public_values(self, w: Sequence[int]) -> list[int]:
        """The public inputs of a witness, in ``public.json`` order."""
        return list(w[1 : 1 + self.n_public])


def _parse_value(v: object) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, str) and _DECIMAL.match(v):
        return int(v)
    return None
