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
import sys
from array import array
from collections.abc import Sequence

from zkcollat.db import atomic_write
from zkcollat.errors import EncodingError
from zkcollat.field import FR_BYTES, R
from zkcollat.formats import limits
from zkcollat.formats.lem import section_index

MAGIC = b"wtns"
VERSION = 2
#: Largest file read (the same bound as an ``.r1cs``).
MAX_FILE_BYTES = 1 << 31
#: The top 64-bit limb of r: a value whose top limb is below it is below r.
_R_TOP64 = R >> 192


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


def write_wtns(witness: Sequence[int], path: str | os.PathLike[str]) -> None:
    """Write a witness as a ``.wtns`` file."""
    atomic_write(path, wtns_bytes(witness))


def read_wtns(source: str | os.PathLike[str] | bytes) -> list[int]:
    """Parse a ``.wtns`` file (path or bytes) into the witness vector."""
    raw, body = _values(*_load(source))
    return _ints(raw, body)


def read_wtns_packed(source: str | os.PathLike[str] | bytes) -> bytes:
    """The witness of a ``.wtns`` file as the provers take it: one 32-byte big-endian word per
    value (``pack_fr`` of :func:`read_wtns`), with the same checks and messages, and no Python
    int per value (the words are reordered a 64-bit limb at a time)."""
    raw, body = _values(*_load(source))
    if sys.byteorder == "little" and raw:
        limbs = array("Q")
        limbs.frombytes(raw)  # four little-endian limbs per value, the lowest first
        if max(limbs[3::4]) < _R_TOP64:  # every value below r
            limbs.byteswap()
            out = array("Q", bytes(len(raw)))
            for k in range(4):
                out[k::4] = limbs[3 - k :: 4]
            return out.tobytes()
    values = _ints(raw, body)  # refuses a value >= r, naming it
    return b"".join(v.to_bytes(FR_BYTES, "big") for v in values)


def _load(source: str | os.PathLike[str] | bytes) -> tuple[bytes, str]:
    if isinstance(source, bytes):
        return source, ".wtns"
    data = limits.read_bytes(source, ".wtns", MAX_FILE_BYTES)
    return data, f".wtns file {os.fspath(source)!r}"


def _values(data: bytes, what: str) -> tuple[memoryview, limits.BinaryReader]:
    """The values (n little-endian words of 32 bytes) and the section's reader (for its
    messages), the header and the sizes checked."""
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
    return body.take(n * n8, "the values"), body


def _ints(raw: memoryview, body: limits.BinaryReader) -> list[int]:
    n8 = FR_BYTES
    out = [int.from_bytes(raw[o : o + n8], "little") for o in range(0, len(raw), n8)]
    if out and max(out) >= R:
        i = next(i for i, v in enumerate(out) if v >= R)
        start = body.offset - len(raw)
        raise body.error(f"witness[{i}] = {out[i]} is not below r (at offset {start + i * n8})")
    return out
