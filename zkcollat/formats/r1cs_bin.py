"""circom's binary ``.r1cs`` format (version 1), writer and reader.

Layout (all integers little-endian)::

    "r1cs" | version u32 = 1 | nSections u32
    section: type u32 | size u64 | payload
      1 header:      n8 u32 (= 32) | prime (n8 bytes) | nWires u32 | nPubOut u32 | nPubIn u32
                     | nPrvIn u32 | nLabels u64 | nConstraints u32
      2 constraints: per constraint, A then B then C, each: nTerms u32, then per term
                     wireId u32 | coeff (n8 bytes, standard form, not Montgomery)
      3 wire2label:  per wire, labelId u64

Our systems have no outputs (``nPubOut = 0``), wire ``i`` has label ``i``. The reader rejects a
wrong magic or version, a prime other than BN254's r, missing or duplicated sections,
truncated data, coefficients ``>= r`` and wire ids ``>= nWires``. Custom-gate sections (4, 5,
circom's PLONK extensions) are not supported and rejected.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from zkcollat.db import atomic_write
from zkcollat.errors import EncodingError
from zkcollat.field import FR_BYTES, R
from zkcollat.formats import limits
from zkcollat.formats.lem import section_index

#: Largest file the reader takes (a 2^24-constraint circuit is ~2.5 GiB; ours are MBs).
MAX_FILE_BYTES = 1 << 31

MAGIC = b"r1cs"
VERSION = 1
SECTION_HEADER = 1
SECTION_CONSTRAINTS = 2
SECTION_WIRE2LABEL = 3

Terms = dict[int, int]


class R1csSource(Protocol):
    """What the writer needs (a :class:`~zkcollat.r1cs.system.ConstraintSystem` has it)."""

    n_wires: int
    n_public: int
    n_private: int
    constraints: list[tuple[Terms, Terms, Terms]]


@dataclass
class R1csFile:
    """The content of an ``.r1cs`` file."""

    n_wires: int
    n_pub_out: int
    n_pub_in: int
    n_prv_in: int
    n_labels: int
    constraints: list[tuple[Terms, Terms, Terms]]
    wire2label: list[int] = field(default_factory=list)
    prime: int = R

    @property
    def n_constraints(self) -> int:
        return len(self.constraints)


def _lc_bytes(terms: Terms, out: bytearray) -> None:
    out += struct.pack("<I", len(terms))
    for w in sorted(terms):
        out += struct.pack("<I", w)
        out += terms[w].to_bytes(FR_BYTES, "little")


def _section(kind: int, payload: bytes | bytearray) -> bytes:
    return struct.pack("<IQ", kind, len(payload)) + bytes(payload)


def r1cs_bytes(cs: R1csSource, n_labels: int | None = None) -> bytes:
    """Serialize a constraint system (header, constraints, identity wire-to-label map)."""
    labels = cs.n_wires if n_labels is None else n_labels
    header = bytearray(struct.pack("<I", FR_BYTES))
    header += R.to_bytes(FR_BYTES, "little")
    header += struct.pack(
        "<IIIIQI", cs.n_wires, 0, cs.n_public, cs.n_private, labels, len(cs.constraints)
    )
    body = bytearray()
    for a, b, c in cs.constraints:
        _lc_bytes(a, body)
        _lc_bytes(b, body)
        _lc_bytes(c, body)
    wmap = struct.pack(f"<{cs.n_wires}Q", *range(cs.n_wires))
    return (
        MAGIC
        + struct.pack("<II", VERSION, 3)
        + _section(SECTION_HEADER, header)
        + _section(SECTION_CONSTRAINTS, body)
        + _section(SECTION_WIRE2LABEL, wmap)
    )


def write_r1cs(cs: R1csSource, path: str | Path) -> None:
    """Write ``cs`` as a circom ``.r1cs`` file."""
    atomic_write(path, r1cs_bytes(cs))


def read_r1cs(source: str | Path | bytes) -> R1csFile:
    """Parse an ``.r1cs`` file (path or bytes); see the module docstring for what is rejected."""
    if isinstance(source, bytes):
        return _read_r1cs(source, ".r1cs")
    data = limits.read_bytes(source, ".r1cs", MAX_FILE_BYTES)
    return _read_r1cs(data, f".r1cs file {os.fspath(source)!r}")


def _read_r1cs(data: bytes, what: str) -> R1csFile:
    index = section_index(data, MAGIC, VERSION, what)
    unknown = set(index) - {SECTION_HEADER, SECTION_CONSTRAINTS, SECTION_WIRE2LABEL}
    if unknown:
        raise EncodingError(f"{what}: unsupported sections {sorted(unknown)} (custom gates?)")
    for kind in (SECTION_HEADER, SECTION_CONSTRAINTS):
        if kind not in index:
            raise EncodingError(f"{what}: section {kind} is missing")

    def section(kind: int, name: str) -> limits.BinaryReader:
        off, size = index[kind]
        return limits.BinaryReader(data[off : off + size], f"{what} {name}", base=off)

    h = section(SECTION_HEADER, "header")
    n8 = h.u32("the field size")
    if n8 != FR_BYTES:
        raise h.fail(f"field size {n8} bytes, expected {FR_BYTES}")
    prime = h.uint(n8, "the prime")
    if prime != R:
        raise h.fail(f"prime {prime} is not BN254's scalar field r")
    n_wires, n_out, n_pub, n_prv = (h.u32(f) for f in ("nWires", "nPubOut", "nPubIn", "nPrvIn"))
    n_labels = h.u64("nLabels")
    n_constraints = h.u32("nConstraints")
    h.done("the header")
    if 1 + n_out + n_pub + n_prv > n_wires:
        raise EncodingError(
            f"{what}: {n_out}+{n_pub}+{n_prv} inputs do not fit {n_wires} wires"
        )
    body = section(SECTION_CONSTRAINTS, "constraints")
    term_bytes = 4 + n8
    # every linear combination takes at least its 4-byte count: bound the count by the bytes
    body.count(n_constraints, body.left // 12, "nConstraints")

    def read_lc(ci: int, side: str) -> Terms:
        n = body.u32(f"the term count of constraint {ci} {side}")
        body.count(n, n_wires, f"constraint {ci} {side} terms", term_bytes)
        out: Terms = {}
        for _ in range(n):
            w = body.u32(f"a wire id of constraint {ci}")
            v = body.uint(n8, f"a coefficient of constraint {ci}")
            if w >= n_wires:
                raise body.fail(f"constraint {ci} uses wire {w} >= nWires {n_wires}")
            if v >= R:
                raise body.fail(f"constraint {ci} has coefficient {v} >= r")
            if w in out:
                raise body.fail(f"constraint {ci} lists wire {w} twice")
            if v:
                out[w] = v
        return out

    constraints = []
    for ci in range(n_constraints):
        constraints.append((read_lc(ci, "A"), read_lc(ci, "B"), read_lc(ci, "C")))
    body.done(f"{n_constraints} constraints")
    wire2label: list[int] = []
    if SECTION_WIRE2LABEL in index:
        m = section(SECTION_WIRE2LABEL, "wire2label")
        if m.left != 8 * n_wires:
            raise m.fail(f"wire2label has {m.left} bytes, expected {8 * n_wires}")
        wire2label = list(struct.unpack(f"<{n_wires}Q", m.take(8 * n_wires, "wire2label")))
        bad = next((i for i, lab in enumerate(wire2label) if lab >= n_labels), None)
        if bad is not None:
            raise EncodingError(f"{what}: wire {bad} maps to label {wire2label[bad]} >= nLabels")
    return R1csFile(n_wires, n_out, n_pub, n_prv, n_labels, constraints, wire2label, prime)
