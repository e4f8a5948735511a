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
from zkcollat.formats.r1cs_bin import MAX_FILE_BYTES, read_sections

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
        return _read_wtns(source)
    data = limits.read_bytes(source, ".wtns", MAX_FILE_BYTES)
    try:
        return _read_wtns(data)
    except EncodingError as e:
        raise EncodingError(f".wtns file {os.fspath(source)!r}: {e}") from e


def _read_wtns(data: bytes) -> list[int]:
    sections = read_sections(data, MAGIC, VERSION, ".wtns")
    if set(sections) != {1, 2}:
        raise EncodingError(f".wtns: expected sections 1 and 2, got {sorted(sections)}")
    h = sections[1]
    if len(h) < 4:
        raise EncodingError(".wtns: header section is truncated")
    (n8,) = struct.unpack_from("<I", h, 0)
    if n8 != FR_BYTES or len(h) != 4 + n8 + 4:
        raise EncodingError(f".wtns: field size {n8} / header of {len(h)} bytes is not BN254's")
    prime = int.from_bytes(h[4 : 4 + n8], "little")
    if prime != R:
        raise EncodingError(f".wtns: prime {prime} is not BN254's scalar field r")
    (n,) = struct.unpack_from("<I", h, 4 + n8)
    body = sections[2]
    if len(body) != n * n8:
        raise EncodingError(f".wtns: {len(body)} bytes of values for {n} values of {n8} bytes")
    out = []
    for i in range(n):
        v = int.from_bytes(body[i * n8 : (i + 1) * n8], "little")
        if v >= R:
            raise EncodingError(f".wtns: witness[{i}] = {v} is not below r")
        out.append(v)
    return out
