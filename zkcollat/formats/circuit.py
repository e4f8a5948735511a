"""A compiled circuit as bytes, so that a proving key can carry it (``.zkpk`` version 2).

With the circuit in the key, ``zkcollat prove`` runs no ``define`` and hashes nothing: the
key's ``circuit_digest`` was computed from these very matrices at setup, and the key file's
payload hash covers them (a snarkjs ``.zkey`` carries its circuit's coefficients the same way).

Layout::

    4 bytes   big-endian length L of the header
    L bytes   UTF-8 JSON: format, version, name, n_wires, n_rows, n_values, nnz [A, B, C],
              inputs [[name, public, size | null, first_wire]], scopes, notes,
              hints [[outs, hint, args, multi, label]] (hint: ["bits", n], ["inv_or_zero"]
              or ["inverse_or_zero"]; args as [wires, coeffs])
    then little-endian uint32 arrays and byte strings, in this order:
      values      n_values distinct matrix coefficients, 32-byte big-endian each
      A, B, C     row_ptr (n_rows + 1), cols (nnz), value index (nnz)
      scope, note one index per constraint into the header's scopes / notes
      steps       n_steps pairs (kind, index): 0 = product of constraint index, 1 = its
                  square (A row = B row), 2 = check of constraint index, 3 = hint index
      labels      the wire labels, UTF-8, newline-separated

A product step's output is its constraint's single C wire (coefficient 1). Hints are named,
never pickled: a circuit with any other hint is not embeddable (:func:`encode` returns None).
Decoding checks every index against its bound and raises KeyFormatError naming the problem.
"""

from __future__ import annotations

import functools
import json
import sys
from array import array
from collections.abc import Callable
from typing import Any, cast

from zkcollat.errors import KeyFormatError
from zkcollat.field import R
from zkcollat.formats import limits
from zkcollat.formats.limits import BinaryReader
from zkcollat.gadgets.bits import _bits_hint, _inv_or_zero
from zkcollat.r1cs.builder import (
    CheckStep,
    CompiledLC,
    HintFn,
    HintStep,
    MulStep,
    SolverStep,
    _inverse_or_zero,
)
from zkcollat.r1cs.system import ConstraintSystem, InputSpec, SparseMatrix

FORMAT = "zkcollat-circuit"
VERSION = 1
_MUL, _SQUARE, _CHECK, _HINT = 0, 1, 2, 3
_HALF_R = R // 2

_SIMPLE_HINTS: dict[str, Callable[[int], int]] = {
    "inv_or_zero": _inv_or_zero,
    "inverse_or_zero": _inverse_or_zero,
}


def _hint_name(fn: HintFn) -> list[object] | None:
    if isinstance(fn, functools.partial) and fn.func is _bits_hint and len(fn.args) == 1:
        return ["bits", fn.args[0]]
    for name, f in _SIMPLE_HINTS.items():
        if fn is f:
            return [name]
    return None


def _hint_fn(spec: object, where: str) -> HintFn:
    if isinstance(spec, list) and spec:
        if spec[0] == "bits" and len(spec) == 2 and type(spec[1]) is int and 1 <= spec[1] <= 254:
            return functools.partial(_bits_hint, spec[1])
        if len(spec) == 1 and isinstance(spec[0], str) and spec[0] in _SIMPLE_HINTS:
            return _SIMPLE_HINTS[spec[0]]
    raise KeyFormatError(f"{where}: the embedded circuit names an unknown hint {spec!r}")


def _u32(xs: list[int]) -> bytes:
    a = array("I", xs)
    if sys.byteorder != "little":
        a.byteswap()
    return a.tobytes()


def encode(cs: ConstraintSystem) -> bytes | None:
    """The circuit's bytes, or None when it cannot be embedded (a hint without a name here,
    a wire label with a newline)."""
    if any("\n" in label for label in cs.wire_labels):
        return None
    mats = cs.matrices()
    values = sorted({v for m in mats for v in m.vals})
    value_ix = {v: i for i, v in enumerate(values)}
    hints: list[list[object]] = []
    steps: list[int] = []
    for st in cs._steps:
        if isinstance(st, MulStep):
            steps += [_MUL if st.b is not None else _SQUARE, _constraint_of(cs, st)]
        elif isinstance(st, CheckStep):
            steps += [_CHECK, st.constraint]
        else:
            name = _hint_name(st.fn)
            if name is None:
                return None
            args = [[list(a.wires), list(a.coeffs)] for a in st.args]
            hints.append([list(st.outs), name, args, st.multi, st.label])
            steps += [_HINT, len(hints) - 1]
    scopes = sorted(set(cs.constraint_scopes))
    notes = sorted(set(cs.constraint_notes))
    scope_ix = {s: i for i, s in enumerate(scopes)}
    note_ix = {s: i for i, s in enumerate(notes)}
    header = {
        "format": FORMAT,
        "version": VERSION,
        "name": cs.name,
        "n_wires": cs.n_wires,
        "n_rows": cs.n_constraints,
        "n_values": len(values),
        "n_steps": len(steps) // 2,
        "nnz": [m.nnz for m in mats],
        "inputs": [[s.name, s.public, s.size, s.first_wire] for s in cs.inputs],
        "scopes": scopes,
        "notes": notes,
        "hints": hints,
    }
    head = json.dumps(header, separators=(",", ":")).encode()
    parts = [len(head).to_bytes(4, "big"), head, b"".join(v.to_bytes(32, "big") for v in values)]
    for m in mats:
        parts += [_u32(m.row_ptr), _u32(m.cols), _u32([value_ix[v] for v in m.vals])]
    parts += [_u32([scope_ix[s] for s in cs.constraint_scopes])]
    parts += [_u32([note_ix[s] for s in cs.constraint_notes])]
    parts += [_u32(steps), "\n".join(cs.wire_labels).encode()]
    return b"".join(parts)


def _constraint_of(cs: ConstraintSystem, st: MulStep) -> int:
    """The constraint a product step solves: the one whose C row is ``{out: 1}``."""
    index = getattr(cs, "_zkcollat_out_rows", None)
    if index is None:
        c = cs.matrices()[2]
        index = {}
        for i in range(c.n_rows):
            lo, hi = c.row_ptr[i], c.row_ptr[i + 1]
            if hi - lo == 1 and c.vals[lo] == 1:
                index.setdefault(c.cols[lo], i)
        cs._zkcollat_out_rows = index  # type: ignore[attr-defined]
    return cast(dict[int, int], index)[st.out]


class _Cursor(BinaryReader):
    """The embedded circuit's bounded reader: every error names the key file."""

    def __init__(self, data: bytes, source: str) -> None:
        super().__init__(data, f"{source}: the embedded circuit is malformed", error=KeyFormatError)
        self.source = source

    def u32s(self, n: int, what: str, bound: int) -> array:  # type: ignore[type-arg]
        """``n`` little-endian u32 values, each below ``bound`` (kept as an array: 4 bytes
        each, no Python int)."""
        a = array("I")
        a.frombytes(self.take(4 * n, what))
        if sys.byteorder != "little":
            a.byteswap()
        if a and max(a) >= bound:
            raise self.fail(f"{what} has an index >= {bound}")
        return a


def _lc_of_row(m: SparseMatrix, small: list[int], i: int) -> CompiledLC:
    """Row i as the solver's linear combination (``small``: the values as small negatives
    where above r/2, as ``compile_lc`` stores them)."""
    lo, hi = m.row_ptr[i], m.row_ptr[i + 1]
    return CompiledLC(tuple(m.cols[lo:hi]), tuple(small[lo:hi]))


def _u32_array(xs: array) -> bytes:  # type: ignore[type-arg]
    if sys.byteorder != "little":
        xs = array("I", xs)
        xs.byteswap()
    return xs.tobytes()


class KeyCircuit(ConstraintSystem):
    """A constraint system decoded from a key, kept as the key's arrays: u32 CSR matrices
    with indices into one table of distinct coefficients, steps as constraint indices.

    Proving needs no Python object per constraint or wire: the native solver's program
    (:meth:`native_program_arrays`) and the native R1CS (:meth:`indexed_matrices`) are made
    from the arrays. The Python view (``constraints``, ``_steps``, ``wire_labels``,
    ``matrices()``, ...) is built on first use, for the Python solver, the error path and
    the tests; it is the same system :func:`decode` always described.
    """

    _LAZY = frozenset({"constraints", "constraint_scopes", "constraint_notes", "wire_labels",
                       "_steps", "_matrices"})

    def __init__(self, name: str, specs: list[InputSpec], n_wires: int, n_rows: int,
                 values: bytes, csr: list[tuple[array, array, array]],  # type: ignore[type-arg]
                 scopes: list[str], notes: list[str], c_scope: array,  # type: ignore[type-arg]
                 c_note: array, step_ix: array,  # type: ignore[type-arg]
                 hints: list[HintStep], labels: bytes) -> None:
        self.name = name
        self.inputs = tuple(specs)
        self.n_wires = n_wires
        self.n_public = sum(s.n_wires for s in specs if s.public)
        self.n_private = sum(s.n_wires for s in specs if not s.public)
        self._n_rows = n_rows
        self._values = values
        self._csr = csr
        self._scopes, self._notes, self._c_scope, self._c_note = scopes, notes, c_scope, c_note
        self._step_ix = step_ix
        self._hints = hints
        self._labels = labels
        expect = 1  # the layout invariant of ConstraintSystem
        for s in sorted(specs, key=lambda s: (not s.public,)):
            if s.first_wire != expect:
                raise KeyFormatError(f"input {s.name!r} is at wire {s.first_wire}, expected "
                                     f"{expect}")
            expect += s.n_wires

    def __getattr__(self, name: str) -> Any:
        if name in KeyCircuit._LAZY:
            self._materialize()
            return self.__dict__[name]
        raise AttributeError(name)

    @property
    def n_constraints(self) -> int:
        return self._n_rows

    def describe_constraint(self, i: int) -> str:
        scope = self._scopes[self._c_scope[i]] or "<root>"
        return f"constraint {i} ({self._notes[self._c_note[i]]}) at {scope}"

    def indexed_matrices(self) -> tuple[tuple[bytes, bytes, bytes], tuple[bytes, bytes, bytes],
                                        tuple[bytes, bytes, bytes], bytes]:
        a, b, c = (tuple(_u32_array(x) for x in m) for m in self._csr)
        return a, b, c, self._values  # type: ignore[return-value]

    def native_program_arrays(self) -> tuple[bytes, ...] | None:
        """The solver program of ``zkcollat.r1cs.native`` straight from the key's arrays:
        the linear combinations are the rows of A, B and C (lc ``i``, ``n + i``, ``2n + i``),
        then one per hint argument; coefficients index the key's table, hint coefficients
        appended to it."""
        from zkcollat.r1cs.native import NAMED_HINTS, NONE, OP_BITS, OP_CHECK, OP_INV, OP_MUL

        n = self._n_rows
        (pa, ca, va), (pb, cb, vb), (pc, cc, vc) = self._csr
        nnz_a, nnz_b = len(ca), len(cb)
        lc_ptr = array("I", pa)
        lc_ptr.extend(x + nnz_a for x in pb[1:])
        lc_ptr.extend(x + nnz_a + nnz_b for x in pc[1:])
        term_wire = array("I", ca)
        term_wire.extend(cb)
        term_wire.extend(cc)
        term_coeff = array("I", va)
        term_coeff.extend(vb)
        term_coeff.extend(vc)
        n_values = len(self._values) // 32
        extra: dict[int, int] = {}
        steps = array("I")
        outs = array("I")

        def hint_lc(lc: CompiledLC) -> int:
            for w, coeff in zip(lc.wires, lc.coeffs, strict=True):
                term_wire.append(w)
                term_coeff.append(extra.setdefault(coeff % R, n_values + len(extra)))
            lc_ptr.append(len(term_wire))
            return len(lc_ptr) - 2

        ix = self._step_ix
        for kind, i in zip(ix[::2], ix[1::2], strict=True):
            if kind == _MUL:
                steps.extend((OP_MUL, cc[pc[i]], i, n + i, 0))
            elif kind == _SQUARE:
                steps.extend((OP_MUL, cc[pc[i]], i, NONE, 0))
            elif kind == _CHECK:
                if pa[i + 1] > pa[i]:
                    steps.extend((OP_CHECK, i, i, n + i, 2 * n + i))
                else:  # a linear constraint, 0 = <c, w>
                    steps.extend((OP_CHECK, i, NONE, 2 * n + i, 2 * n + i))
            else:
                st = self._hints[i]
                fn = st.fn
                if len(st.args) != 1:
                    return None
                if NAMED_HINTS.get(fn) == "inv_or_zero" and not st.multi and len(st.outs) == 1:
                    steps.extend((OP_INV, hint_lc(st.args[0]), st.outs[0], 0, 0))
                elif (isinstance(fn, functools.partial) and NAMED_HINTS.get(fn.func) == "bits"
                      and st.multi and len(st.outs) == fn.args[0]):
                    steps.extend((OP_BITS, hint_lc(st.args[0]), len(outs), fn.args[0], 0))
                    outs.extend(st.outs)
                else:
                    return None
        coeffs = self._values + b"".join(v.to_bytes(32, "big") for v in extra)
        return (_u32_array(lc_ptr), _u32_array(term_wire), _u32_array(term_coeff), coeffs,
                _u32_array(steps), _u32_array(outs))

    def _materialize(self) -> None:
        """The Python view, as :class:`ConstraintSystem` holds it."""
        n_rows, n_wires = self._n_rows, self.n_wires
        raw = self._values
        values = [int.from_bytes(raw[32 * i : 32 * i + 32], "big") for i in range(len(raw) // 32)]
        small_values = [v - R if v > _HALF_R else v for v in values]
        mats, smalls = [], []
        for ptr, cols, vix in self._csr:
            mats.append(SparseMatrix(n_rows, n_wires, ptr.tolist(), cols.tolist(),
                                     [values[j] for j in vix]))
            smalls.append([small_values[j] for j in vix])
        ma, mb, mc = mats
        sa, sb, sc = smalls
        steps: list[SolverStep] = []
        ix = self._step_ix
        for kind, i in zip(ix[::2], ix[1::2], strict=True):
            if kind in (_MUL, _SQUARE):
                b = _lc_of_row(mb, sb, i) if kind == _MUL else None
                steps.append(MulStep(mc.cols[mc.row_ptr[i]], _lc_of_row(ma, sa, i), b))
            elif kind == _CHECK:
                steps.append(
                    CheckStep(
                        i, _lc_of_row(ma, sa, i), _lc_of_row(mb, sb, i), _lc_of_row(mc, sc, i)
                    )
                )
            else:
                steps.append(self._hints[i])
        d = self.__dict__
        d["constraints"] = _terms(ma, mb, mc)
        d["constraint_scopes"] = [self._scopes[i] for i in self._c_scope]
        d["constraint_notes"] = [self._notes[i] for i in self._c_note]
        d["wire_labels"] = self._labels.decode().split("\n")
        d["_steps"] = steps
        d["_matrices"] = (ma, mb, mc)


def decode(data: bytes, *, source: str, digest: bytes) -> ConstraintSystem:
    """The constraint system of ``data`` (a :class:`KeyCircuit`: its Python view is built on
    first use); ``digest`` (the key's) is cached on it, unrehashed. Every index is checked
    here, against its bound."""
    cur = _Cursor(data, source)
    n = cur.uint(4, "header length", "big")
    try:
        h = limits.loads(cur.raw(n, "header"), f"{source}: the embedded circuit's header",
                         limits.SMALL_JSON)
        if not isinstance(h, dict) or (h.get("format"), h.get("version")) != (FORMAT, VERSION):
            raise KeyFormatError(f"{source}: the embedded circuit has an unsupported version")
        n_wires, n_rows, n_values, n_steps = (
            h[k] for k in ("n_wires", "n_rows", "n_values", "n_steps")
        )
        nnz, scopes, notes, hints_raw = h["nnz"], h["scopes"], h["notes"], h["hints"]
        counts = [n_wires, n_rows, n_values, n_steps, *nnz]
        if not all(type(x) is int and x >= 0 for x in counts) or len(nnz) != 3 or n_wires < 1:
            raise cur.fail("counts")
        if not all(isinstance(s, str) for s in (*scopes, *notes)) or not isinstance(h["name"], str):
            raise cur.fail("names")
        specs = []
        for name, public, size, first in h["inputs"]:
            if not isinstance(name, str) or not isinstance(public, bool):
                raise cur.fail(f"input {name!r}")
            if size is not None and (type(size) is not int or size < 1):
                raise cur.fail(f"input {name!r} has size {size!r}")
            if type(first) is not int or not 0 < first < n_wires:
                raise cur.fail(f"input {name!r} starts at wire {first!r}")
            specs.append(InputSpec(name, public, size, first))
        values = bytes(cur.take(32 * n_values, "values"))
        for i in range(n_values):
            if not 0 < int.from_bytes(values[32 * i : 32 * i + 32], "big") < R:
                raise cur.fail("a coefficient is not in [1, r)")
        csr = []
        for side, k in zip("ABC", nnz, strict=True):
            ptr = cur.u32s(n_rows + 1, f"{side}.row_ptr", k + 1)
            cols = cur.u32s(k, f"{side}.cols", n_wires)
            vix = cur.u32s(k, f"{side}.values", n_values)
            if (
                ptr[0] != 0
                or ptr[-1] != k
                or any(a > b for a, b in zip(ptr, ptr[1:], strict=False))
            ):
                raise cur.fail(f"{side} is not a CSR matrix of {n_rows} rows")
            csr.append((ptr, cols, vix))
        c_scope = cur.u32s(n_rows, "constraint scopes", len(scopes))
        c_note = cur.u32s(n_rows, "constraint notes", len(notes))
        step_ix = cur.u32s(2 * n_steps, "steps", max(n_rows, len(hints_raw), 4))
        labels = bytes(cur.raw(cur.left, "labels"))
        n_labels = labels.count(b"\n") + 1
        labels.decode()
        if n_labels != n_wires:
            raise cur.fail(f"{n_labels} wire labels for {n_wires} wires")
        hints = [_hint_step(raw, n_wires, cur) for raw in hints_raw]
        pc, cc, vc = csr[2]
        one = (1).to_bytes(32, "big")
        for kind, i in zip(step_ix[::2], step_ix[1::2], strict=True):
            if kind in (_MUL, _SQUARE, _CHECK) and i >= n_rows:
                raise cur.fail(f"a step names constraint {i} of {n_rows}")
            if kind in (_MUL, _SQUARE):
                lo, hi = pc[i], pc[i + 1]
                if hi - lo != 1 or values[32 * vc[lo] : 32 * vc[lo] + 32] != one:
                    raise cur.fail(f"constraint {i} does not define one wire")
            elif kind == _HINT and i < len(hints_raw):
                pass
            elif kind != _CHECK:
                raise cur.fail(f"step kind {kind}")
    except KeyFormatError:
        raise
    except limits.LimitError as e:
        raise KeyFormatError(str(e)) from e
    except (KeyError, TypeError, ValueError, IndexError, UnicodeDecodeError) as e:
        raise KeyFormatError(f"{source}: the embedded circuit is malformed ({e!r})") from e
    cs = KeyCircuit(h["name"], specs, n_wires, n_rows, values, csr, scopes, notes,
                    c_scope, c_note, step_ix, hints, labels)
    cs._zkcollat_digest = digest  # type: ignore[attr-defined]
    return cs


def _hint_step(raw: object, n_wires: int, cur: _Cursor) -> HintStep:
    if not isinstance(raw, list) or len(raw) != 5:
        raise cur.fail("a hint is not [outs, hint, args, multi, label]")
    outs, spec, args, multi, label = raw
    if not isinstance(outs, list) or not isinstance(args, list):
        raise cur.fail("hint outputs or arguments")
    if not isinstance(multi, bool) or not isinstance(label, str):
        raise cur.fail("hint flags")
    if not all(type(o) is int and 0 < o < n_wires for o in outs):
        raise cur.fail(f"hint {label} writes outside the wires")
    lcs = []
    for a in args:
        wires, coeffs = a
        if not all(type(w) is int and 0 <= w < n_wires for w in wires):
            raise cur.fail(f"hint {label} reads outside the wires")
        if len(wires) != len(coeffs) or not all(type(c) is int and -R < c < R for c in coeffs):
            raise cur.fail(f"hint {label} has malformed coefficients")
        lcs.append(CompiledLC(tuple(wires), tuple(coeffs)))
    return HintStep(
        tuple(outs), _hint_fn(spec, f"{cur.source}: hint {label}"), tuple(lcs), multi, label
    )


def _terms(
    ma: SparseMatrix, mb: SparseMatrix, mc: SparseMatrix
) -> list[tuple[dict[int, int], dict[int, int], dict[int, int]]]:
    """The constraints as ``{wire: coeff}`` maps, as the builder made them."""
    sides = []
    for m in (ma, mb, mc):
        p, cols, vals = m.row_ptr, m.cols, m.vals
        sides.append(
            [
                dict(zip(cols[p[i] : p[i + 1]], vals[p[i] : p[i + 1]], strict=True))
                for i in range(m.n_rows)
            ]
        )
    return list(zip(sides[0], sides[1], sides[2], strict=True))
