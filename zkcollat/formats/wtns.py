"""circom/snarkjs binary witness ``.wtns`` format (version 2), writer and reader.

Layout (little-endian)::

    "wtns" | version u32 = 2 | nSections u32 = 2
    section 1 (header):  n8 u32 (= 32) | prime (n8 bytes) | nWitness u32
    section 2 (values):  nWitness values of n8 bytes each, standard form (not Montgomery)

The reader rejects a wrong magic or version, a prime other than BN254's r, a values section
whose size does not match ``nWitness``, and any value ``>= r``.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Sequence
from pathlib import Path

from zkcollat.db import atomic_write
from zkcollat.errors import EncodingError
from zkcollat.field import FR_BYTES, R
from zkcollat.formats import limits
from zkcollat.formats.lem import section_index
from zkcollat.formats.r1cs_bin import MAX_FILE_BYTES

MAGIC = b"wtns"
VERSION = 2


def wtns_bytes(witness: Sequence[int]) -> bytes:
    """Serialize a full witness vector (``witness[0] = 1``); each value must be in ``[0, r)``."""
    values = bytearray()
    for i, v in enumerate(witness):
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < R:
            raise EncodingError(f"witness[{i}] = {v!r} is not a field element in [0, r)")
        values += v.to_bytes(FR_BYTES, "little")
    header = struct.pack("<I", FR_BYTES) + R.to_bytes(FR_BYTES, "little")
    header += struct.pack("<I", len(witness))
    return (
        MAGIC
        + struct.pack("<II", VERSION, 2)
        + struct.pack("<IQ", 1, len(header))
        + header
        + struct.pack("<IQ", 2, len(values))
        + bytes(values)
    )


def write_wtns(witness: Sequence[int], path: str | Path) -> None:
    """Write a witness as a ``.wtns`` file."""
    atomic_write(path, wtns_bytes(witness))


def read_wtns(source: str | Path | bytes) -> list[int]:
    """Parse a ``.wtns`` file (path or bytes) into the witness vector."""
    if isinstance(source, bytes):
        return _read_wtns(source, ".wtns")
    data = limits.read_bytes(source, ".wtns", MAX_FILE_BYTES)
    return _read_wtns(data, f".wtns file {os.fspath(source)!r}")


def _read_wtns(data: bytes, what: str) -> list[int]:
    index = section_index(data, MAGIC, VERSION, what)
    if set(index) != {1, 2}:
        raise EncodingError(f"{what}: expected sections 1 and 2, got {sorted(index)}")

    def section(kind: int, name: str) -> limits.BinaryReader:
        off, size = index[kind]
        return limits.BinaryReader(data[off : off + size], f"{what} {name}", base=off)

    h = section(1, "header")
    n8 = h.u32("the field size")
    if n8 != FR_BYTES or h.left != n8 + 4:
        raise h.fail(f"field size {n8} / header of {h.left + 4} bytes is not BN254's")
    prime = h.uint(n8, "the prime")
    if prime != R:
        raise h.fail(f"prime {prime} is not BN254's scalar field r")
    n = h.u32("nWitness")
    body = section(2, "values")
    if body.left != n * n8:
        raise body.fail(f"{body.left} bytes of values for {n} values of {n8} bytes")
    start = body.offset
    raw = body.take(n * n8, "the values")
    out = [int.from_bytes(raw[o : o + n8], "little") for o in range(0, n * n8, n8)]
    if out and max(out) >= R:
        i = next(i for i, v in enumerate(out) if v >= R)
        raise body.error(f"witness[{i}] = {out[i]} is not below r (at offset {start + i * n8})")
    return out
