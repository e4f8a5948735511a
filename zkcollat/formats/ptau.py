"""snarkjs's Powers of Tau file (``.ptau``), phase-2-ready ("prepared"), read only.

zkcollat does not run phase 1: it uses a finished one. Layout (an iden3 container, magic
``ptau``, version 1; points in the LEM layout of :mod:`zkcollat.formats.lem`)::

    1  header:       n8 u32 (= 32) | q (n8 bytes, BN254's p) | power u32 | ceremonyPower u32
    2  tauG1:        tau^i G1,        i < 2^(power+1) - 1
    3  tauG2:        tau^i G2,        i < 2^power
    4  alphaTauG1:   alpha tau^i G1,  i < 2^power
    5  betaTauG1:    beta tau^i G1,   i < 2^power
    6  betaG2:       beta G2
    7  contributions (phase 1's own record; not read here)
    12 lagrange tauG1:      for k = 0 .. power + 1, the 2^k points L_i(tau) G1 of the size-2^k
                            domain (so the block of size n starts at point n - 1)
    13 lagrange tauG2, 14 lagrange alphaTauG1, 15 lagrange betaTauG1: the same for k <= power

A file without sections 12-15 has not been prepared for phase 2 and is refused with a message
that says so. Every point this module hands out is checked when it is decoded.
"""

from __future__ import annotations

import hashlib
import mmap
from dataclasses import dataclass
from pathlib import Path

from zkcollat.errors import EncodingError
from zkcollat.field import P
from zkcollat.formats.lem import G1_SIZE, G2_SIZE, Sections, open_buffer, section_index
from zkcollat.formats.limits import BinaryReader

MAGIC = b"ptau"
VERSION = 1
MAX_POWER = 28  # BN254's F_r has 2-adicity 28


class PtauError(EncodingError):
    """A ``.ptau`` file is malformed, unprepared or too small for a circuit."""


@dataclass
class Ptau:
    """An open, checked, prepared ptau file (sections are read on demand)."""

    name: str
    buf: bytes | mmap.mmap
    sections: Sections
    power: int
    ceremony_power: int

    def _slice(self, kind: int, start: int, length: int) -> bytes:
        off, size = self.sections[kind]
        if start + length > size:
            raise PtauError(f"{self.name}: section {kind} is too short for the points asked")
        return bytes(self.buf[off + start : off + start + length])

    def check_domain(self, n: int) -> None:
        """Refuse a domain of size ``n`` that this file cannot serve, naming both sizes."""
        if n < 1 or n & (n - 1):
            raise PtauError(f"domain size {n} is not a power of two")
        if n > 1 << self.power:
            raise PtauError(
                f"{self.name} has 2^{self.power} powers; the circuit needs a domain of "
                f"2^{n.bit_length() - 1} (use a ptau of power >= {n.bit_length() - 1})"
            )

    def lagrange(self, kind: int, n: int) -> bytes:
        """LEM points ``L_i(tau)`` (G1, G2, alpha, beta by ``kind``) for the size-n domain."""
        size = G2_SIZE if kind == 13 else G1_SIZE
        top = self.power + 1 if kind == 12 else self.power
        if n > 1 << top:
            raise PtauError(f"{self.name}: no Lagrange block of size {n} in section {kind}")
        return self._slice(kind, (n - 1) * size, n * size)

    def tau_g1(self, start: int, count: int) -> bytes:
        """LEM points ``tau^i G1`` for ``start <= i < start + count`` (section 2)."""
        return self._slice(2, start * G1_SIZE, count * G1_SIZE)

    @property
    def alpha_g1(self) -> bytes:
        return self._slice(4, 0, G1_SIZE)

    @property
    def beta_g1(self) -> bytes:
        return self._slice(5, 0, G1_SIZE)

    @property
    def beta_g2(self) -> bytes:
        return self._slice(6, 0, G2_SIZE)

    def blake2b(self) -> str:
        """Blake2b-512 of the whole file, hex: how public ceremonies publish their files."""
        h = hashlib.blake2b(digest_size=64)
        view = memoryview(self.buf)
        for i in range(0, len(view), 1 << 24):
            h.update(view[i : i + (1 << 24)])
        return h.hexdigest()


def read_ptau(source: str | Path | bytes, name: str | None = None) -> Ptau:
    """Open and check a prepared ptau file (path or bytes)."""
    what = name or (f"ptau {str(source)!r}" if not isinstance(source, bytes) else "ptau")
    buf = open_buffer(source)
    sections = section_index(buf, MAGIC, VERSION, what, PtauError)
    if 1 not in sections:
        raise PtauError(f"{what} has no header section")
    off, size = sections[1]
    h = BinaryReader(bytes(buf[off : off + size]), f"{what} header", error=PtauError,
                     base=off)
    if size != 4 + 32 + 8:
        raise h.fail(f"header of {size} bytes, expected 44 (a BN254 ptau)")
    n8 = h.u32("n8")
    q = h.uint(32, "q")
    if n8 != 32 or q != P:
        raise PtauError(f"{what} is not for BN254 (field of {n8} bytes, q = {q})")
    power, ceremony_power = h.u32("power"), h.u32("ceremonyPower")
    if not 1 <= power <= MAX_POWER:
        raise PtauError(f"{what}: power {power} is outside 1..{MAX_POWER}")
    missing = [k for k in (12, 13, 14, 15) if k not in sections]
    if missing:
        raise PtauError(
            f"{what} is not prepared for phase 2 (Lagrange sections {missing} are missing): "
            "run `snarkjs powersoftau prepare phase2` on it, or use a *_final_NN.ptau"
        )
    n = 1 << power
    expect = {
        2: (2 * n - 1) * G1_SIZE,
        3: n * G2_SIZE,
        4: n * G1_SIZE,
        5: n * G1_SIZE,
        6: G2_SIZE,
        12: (4 * n - 1) * G1_SIZE,
        13: (2 * n - 1) * G2_SIZE,
        14: (2 * n - 1) * G1_SIZE,
        15: (2 * n - 1) * G1_SIZE,
    }
    for kind, want in expect.items():
        if kind not in sections:
            raise PtauError(f"{what}: section {kind} is missing")
        if sections[kind][1] != want:
            raise PtauError(
                f"{what}: section {kind} has {sections[kind][1]} bytes, expected {want} "
                f"for power {power}"
            )
    return Ptau(what, buf, sections, power, ceremony_power)
