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
from typing import cast

from zkcollat.errors import KeyFormatError
from zkcollat.field import R
from zkcollat.formats import limits
from zkcollat.formats.limits import BinaryReader
from zkcollat.gadgets.bits import _bits_hint, _inv_or_zero
from zkcollat.r1cs.builder import (
    Api,
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

    def u32s(self, n: int, what: str, bound: int) -> list[int]:
        """``n`` little-endian u32 values, each below ``bound``."""
        a = array("I")
        a.frombytes(self.take(4 * n, what))
        if sys.byteorder != "little":
            a.byteswap()
        xs = a.tolist()
        if xs and max(xs) >= bound:
            raise self.fail(f"{what} has an index >= {bound}")
        return xs


def _lc_of_row(m: SparseMatrix, small: list[int], i: int) -> CompiledLC:
    """Row i as the solver's linear combination (``small``: the values as small negatives
    where above r/2, as ``compile_lc`` stores them)."""
    lo, hi = m.row_ptr[i], m.row_ptr[i + 1]
    return CompiledLC(tuple(m.cols[lo:hi]), tuple(small[lo:hi]))


def decode(data: bytes, *, source: str, digest: bytes) -> ConstraintSystem:
    """The constraint system of ``data``; ``digest`` (the key's) is cached on it, unrehashed."""
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
        raw = cur.take(32 * n_values, "values")
        values = [int.from_bytes(raw[32 * i : 32 * i + 32], "big") for i in range(n_values)]
        if any(not 0 < v < R for v in values):
            raise cur.fail("a coefficient is not in [1, r)")
        small_values = [v - R if v > _HALF_R else v for v in values]
        mats, smalls = [], []
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
            mats.append(SparseMatrix(n_rows, n_wires, ptr, cols, [values[j] for j in vix]))
            smalls.append([small_values[j] for j in vix])
        c_scope = cur.u32s(n_rows, "constraint scopes", len(scopes))
        c_note = cur.u32s(n_rows, "constraint notes", len(notes))
        step_ix = cur.u32s(2 * n_steps, "steps", max(n_rows, len(hints_raw), 4))
        labels = cur.raw(cur.left, "labels").decode().split("\n")
        if len(labels) != n_wires:
            raise cur.fail(f"{len(labels)} wire labels for {n_wires} wires")
        ma, mb, mc = mats
        sa, sb, sc = smalls
        steps: list[SolverStep] = []
        for kind, i in zip(step_ix[::2], step_ix[1::2], strict=True):
            if kind in (_MUL, _SQUARE, _CHECK) and i >= n_rows:
                raise cur.fail(f"a step names constraint {i} of {n_rows}")
            if kind in (_MUL, _SQUARE):
                lo, hi = mc.row_ptr[i], mc.row_ptr[i + 1]
                if hi - lo != 1 or mc.vals[lo] != 1:
                    raise cur.fail(f"constraint {i} does not define one wire")
                b = _lc_of_row(mb, sb, i) if kind == _MUL else None
                steps.append(MulStep(mc.cols[lo], _lc_of_row(ma, sa, i), b))
            elif kind == _CHECK:
                steps.append(
                    CheckStep(
                        i, _lc_of_row(ma, sa, i), _lc_of_row(mb, sb, i), _lc_of_row(mc, sc, i)
                    )
                )
            elif kind == _HINT and i < len(hints_raw):
                steps.append(_hint_step(hints_raw[i], n_wires, cur))
            else:
                raise cur.fail(f"step kind {kind}")
    except KeyFormatError:
        raise
    except limits.LimitError as e:
        raise KeyFormatError(str(e)) from e
    except (KeyError, TypeError, ValueError, IndexError, UnicodeDecodeError) as e:
        raise KeyFormatError(f"{source}: the embedded circuit is malformed ({e!r})") from e
    api = Api(h["name"])
    api.n_wires = n_wires
    api.constraints = _terms(ma, mb, mc)
    api.constraint_scopes = [scopes[i] for i in c_scope]
    api.constraint_notes = [notes[i] for i in c_note]
    api.wire_labels = labels
    api.steps = steps
    cs = ConstraintSystem(api, specs)
    cs._matrices = (ma, mb, mc)
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
