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


def read_sections(data: bytes, magic: bytes, max_version: int, what: str) -> dict[int, bytes]:
    """Split an iden3 binary container (``magic | version | nSections | sections``)."""
    if len(data) < 12 or data[:4] != magic:
        raise EncodingError(f"not a {what} file: magic is {data[:4]!r}, expected {magic!r}")
    version, n_sections = struct.unpack_from("<II", data, 4)
    if not 1 <= version <= max_version:
        raise EncodingError(f"{what} version {version} is not supported (1..{max_version})")
    pos = 12
    sections: dict[int, bytes] = {}
    for _ in range(n_sections):
        if pos + 12 > len(data):
            raise EncodingError(f"{what}: truncated section header at byte {pos}")
        kind, size = struct.unpack_from("<IQ", data, pos)
        pos += 12
        if pos + size > len(data):
            raise EncodingError(f"{what}: section {kind} of {size} bytes is truncated")
        if kind in sections:
            raise EncodingError(f"{what}: section {kind} appears twice")
        sections[kind] = data[pos : pos + size]
        pos += size
    if pos != len(data):
        raise EncodingError(f"{what}: {len(data) - pos} trailing bytes after the last section")
    return sections


def read_r1cs(source: str | Path | bytes) -> R1csFile:
    """Parse an ``.r1cs`` file (path or bytes); see the module docstring for what is rejected."""
    if isinstance(source, bytes):
        return _read_r1cs(source)
    data = limits.read_bytes(source, ".r1cs", MAX_FILE_BYTES)
    try:
        return _read_r1cs(data)
    except EncodingError as e:
        raise EncodingError(f".r1cs file {os.fspath(source)!r}: {e}") from e


def _read_r1cs(data: bytes) -> R1csFile:
    sections = read_sections(data, MAGIC, VERSION, ".r1cs")
    unknown = set(sections) - {SECTION_HEADER, SECTION_CONSTRAINTS, SECTION_WIRE2LABEL}
    if unknown:
        raise EncodingError(f".r1cs: unsupported sections {sorted(unknown)} (custom gates?)")
    for kind in (SECTION_HEADER, SECTION_CONSTRAINTS):
        if kind not in sections:
            raise EncodingError(f".r1cs: section {kind} is missing")
    h = sections[SECTION_HEADER]
    if len(h) < 4:
        raise EncodingError(".r1cs: header section is truncated")
    (n8,) = struct.unpack_from("<I", h, 0)
    if n8 != FR_BYTES:
        raise EncodingError(f".r1cs: field size {n8} bytes, expected {FR_BYTES}")
    if len(h) != 4 + n8 + 28:
        raise EncodingError(f".r1cs: header section has {len(h)} bytes, expected {4 + n8 + 28}")
    prime = int.from_bytes(h[4 : 4 + n8], "little")
    if prime != R:
        raise EncodingError(f".r1cs: prime {prime} is not BN254's scalar field r")
    n_wires, n_out, n_pub, n_prv, n_labels, n_constraints = struct.unpack_from("<IIIIQI", h, 4 + n8)
    if 1 + n_out + n_pub + n_prv > n_wires:
        raise EncodingError(f".r1cs: {n_out}+{n_pub}+{n_prv} inputs do not fit {n_wires} wires")
    body = sections[SECTION_CONSTRAINTS]
    pos = 0
    term = struct.Struct("<I")

    def read_lc(ci: int) -> Terms:
        nonlocal pos
        if pos + 4 > len(body):
            raise EncodingError(f".r1cs: constraint {ci} is truncated")
        (n,) = term.unpack_from(body, pos)
        pos += 4
        if pos + n * (4 + n8) > len(body):
            raise EncodingError(f".r1cs: constraint {ci} is truncated")
        out: Terms = {}
        for _ in range(n):
            (w,) = term.unpack_from(body, pos)
            v = int.from_bytes(body[pos + 4 : pos + 4 + n8], "little")
            pos += 4 + n8
            if w >= n_wires:
                raise EncodingError(f".r1cs: constraint {ci} uses wire {w} >= nWires {n_wires}")
            if v >= R:
                raise EncodingError(f".r1cs: constraint {ci} has coefficient {v} >= r")
            if w in out:
                raise EncodingError(f".r1cs: constraint {ci} lists wire {w} twice")
            if v:
                out[w] = v
        return out

    constraints = []
    for ci in range(n_constraints):
        constraints.append((read_lc(ci), read_lc(ci), read_lc(ci)))
    if pos != len(body):
        raise EncodingError(
            f".r1cs: {len(body) - pos} extra bytes after {n_constraints} constraints"
        )
    wire2label: list[int] = []
    if SECTION_WIRE2LABEL in sections:
        m = sections[SECTION_WIRE2LABEL]
        if len(m) != 8 * n_wires:
            raise EncodingError(f".r1cs: wire2label has {len(m)} bytes, expected {8 * n_wires}")
        wire2label = list(struct.unpack(f"<{n_wires}Q", m))
        bad = next((i for i, lab in enumerate(wire2label) if lab >= n_labels), None)
        if bad is not None:
            raise EncodingError(f".r1cs: wire {bad} maps to label {wire2label[bad]} >= nLabels")
    return R1csFile(n_wires, n_out, n_pub, n_prv, n_labels, constraints, wire2label, prime)
