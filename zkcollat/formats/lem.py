"""snarkjs's binary containers and point layout, shared by ``.ptau`` and ``.zkey``.

Container (iden3 "binfile", little-endian)::

    magic (4 bytes) | version u32 | nSections u32 | nSections x (type u32 | size u64 | payload)

Points are "LEM": each base-field coordinate a 32-byte little-endian word in Montgomery form
(``x * 2^256 mod p``); G1 ``x | y``, G2 ``x.c0 | x.c1 | y.c0 | y.c1``; the identity all zeros.
snarkjs hashes points "uncompressed" instead: big-endian canonical words, G1 ``x | y``,
G2 ``x.c1 | x.c0 | y.c1 | y.c0``, the identity all zeros.

The converters here are exact and check every point (coordinates < p, on the curve, and for
G2 in the subgroup when asked); the native backend does the same in Rust, in bulk.
"""

from __future__ import annotations

import mmap
import os
import struct
from collections.abc import Collection

from zkcollat.curve.points import G1Point, G2Point, g1_checked, g2_checked
from zkcollat.errors import EncodingError, PointError, ZkcollatError
from zkcollat.field import P
from zkcollat.formats.limits import BinaryReader

G1_SIZE = 64
G2_SIZE = 128
_MONT = pow(2, 256, P)
_MONT_INV = pow(_MONT, -1, P)

Sections = dict[int, tuple[int, int]]


def open_buffer(source: str | os.PathLike[str] | bytes) -> bytes | mmap.mmap:
    """The file's bytes (memory-mapped for a path, so a large ptau is not read in full)."""
    if isinstance(source, (bytes, bytearray)):
        return bytes(source)
    try:
        with open(source, "rb") as f:
            if f.seek(0, 2) == 0:
                return b""
            return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except FileNotFoundError as e:
        raise EncodingError(f"file {str(source)!r} does not exist") from e


def section_index(
    buf: bytes | mmap.mmap | memoryview,
    magic: bytes,
    versions: int | Collection[int],
    what: str,
    error: type[ZkcollatError] = EncodingError,
) -> Sections:
    """``{type: (offset, size)}`` of an iden3 container; each type at most once, every byte
    accounted for. Read through :class:`~zkcollat.formats.limits.BinaryReader`: a truncated,
    foreign or padded file raises ``error`` naming ``what`` and the offset."""
    accepted = (versions,) if isinstance(versions, int) else tuple(versions)
    r = BinaryReader(buf, what, error=error)
    if len(r.data) == 0:
        raise r.error("the file is empty (0 bytes)")
    found = r.raw(min(4, r.left), "magic")
    if found != magic:
        if magic.startswith(found):  # the start of the magic, then the end of the file
            r.take(len(magic) - len(found), "magic")
        raise r.error(f"not a {magic.decode()} file: magic is {found!r}, expected {magic!r} "
                      "(at offset 0)")
    version = r.u32("version")
    if version not in accepted:
        raise r.error(f"version {version} is not supported (expected "
                      f"{' or '.join(map(str, accepted))}; at offset 4)")
    n = r.u32("the number of sections")
    out: Sections = {}
    for i in range(n):
        kind = r.u32(f"the type of section header {i + 1} of {n}")
        size = r.u64(f"the size of section {kind}")
        if kind in out:
            raise r.fail(f"section {kind} appears twice")
        start = r.offset
        r.take(size, f"section {kind}")
        out[kind] = (start, size)
    r.done("the last section")
    return out


def container(magic: bytes, version: int, sections: list[tuple[int, bytes]]) -> bytes:
    """Serialize sections (in the given order) into an iden3 container."""
    parts = [magic, struct.pack("<II", version, len(sections))]
    for kind, payload in sections:
        parts.append(struct.pack("<IQ", kind, len(payload)))
        parts.append(payload)
    return b"".join(parts)


# --- single points, pure Python ----------------------------------------------------------------


def _fq(word: bytes, what: str) -> int:
    v = int.from_bytes(word, "little")
    if v >= P:
        raise PointError(f"{what}: coordinate word is not below p")
    return v * _MONT_INV % P


def _word(v: int) -> bytes:
    return (v * _MONT % P).to_bytes(32, "little")


def g1_from_lem(b: bytes, what: str = "G1 point") -> G1Point:
    if len(b) != G1_SIZE:
        raise EncodingError(f"{what} must be 64 bytes, got {len(b)}")
    x, y = _fq(b[:32], what), _fq(b[32:], what)
    return g1_checked(x, y, what)


def g2_from_lem(b: bytes, what: str = "G2 point", *, subgroup: bool = True) -> G2Point:
    if len(b) != G2_SIZE:
        raise EncodingError(f"{what} must be 128 bytes, got {len(b)}")
    w = [_fq(b[i : i + 32], what) for i in range(0, 128, 32)]
    return g2_checked((w[0], w[1]), (w[2], w[3]), what, subgroup=subgroup)


def g1_to_lem(p: G1Point) -> bytes:
    if p.x == 0 and p.y == 0:
        return bytes(64)
    return _word(p.x) + _word(p.y)


def g2_to_lem(p: G2Point) -> bytes:
    if p.x == (0, 0) and p.y == (0, 0):
        return bytes(128)
    return _word(p.x[0]) + _word(p.x[1]) + _word(p.y[0]) + _word(p.y[1])


def g1_uncompressed(p: G1Point) -> bytes:
    """snarkjs's hashing form of a G1 point."""
    return p.x.to_bytes(32, "big") + p.y.to_bytes(32, "big")


def g2_uncompressed(p: G2Point) -> bytes:
    """snarkjs's hashing form of a G2 point (c1 before c0)."""
    return b"".join(v.to_bytes(32, "big") for v in (p.x[1], p.x[0], p.y[1], p.y[0]))


def std_g2s_to_uncompressed(std: bytes) -> bytes:
    """Swap each coordinate's halves: ``x.c0 x.c1 y.c0 y.c1`` -> ``x.c1 x.c0 y.c1 y.c0``."""
    out = bytearray(len(std))
    for i in range(0, len(std), 128):
        out[i : i + 32] = std[i + 32 : i + 64]
        out[i + 32 : i + 64] = std[i : i + 32]
        out[i + 64 : i + 96] = std[i + 96 : i + 128]
        out[i + 96 : i + 128] = std[i + 64 : i + 96]
    return bytes(out)


# --- bulk: native when the native backend is active, else the same in Python ---------------------


def _native() -> object | None:
    from zkcollat.curve.backend import get_backend

    if get_backend().name != "native":
        return None
    from zkcollat import _native

    return _native if hasattr(_native, "lem_scale") else None


def _split(buf: bytes, size: int, what: str) -> list[bytes]:
    if len(buf) % size:
        raise EncodingError(f"{what}: {len(buf)} bytes is not a whole number of points")
    return [bytes(buf[i : i + size]) for i in range(0, len(buf), size)]


def lem_to_std(buf: bytes, *, g2: bool, subgroup: bool = False) -> bytes:
    """LEM points to zkcollat's layout (big-endian; G2 ``x.c0 x.c1 y.c0 y.c1``), all checked."""
    n = _native()
    if n is not None:
        return bytes(n.lem_to_std(bytes(buf), g2, subgroup))  # type: ignore[attr-defined]
    if g2:
        pts = _split(buf, G2_SIZE, "G2 points")
        return b"".join(
            g2_from_lem(b, f"point[{i}]", subgroup=subgroup).to_native_bytes()
            for i, b in enumerate(pts)
        )
    return b"".join(
        g1_from_lem(b, f"point[{i}]").to_bytes() for i, b in enumerate(_split(buf, 64, "G1 points"))
    )


def std_to_lem(buf: bytes, *, g2: bool) -> bytes:
    """zkcollat's layout to LEM, every point checked on its curve."""
    from zkcollat.curve.points import g1_from_bytes, g2_from_native_bytes

    n = _native()
    if n is not None:
        return bytes(n.std_to_lem(bytes(buf), g2))  # type: ignore[attr-defined]
    if g2:
        return b"".join(
            g2_to_lem(g2_from_native_bytes(b, f"point[{i}]", subgroup=False))
            for i, b in enumerate(_split(buf, G2_SIZE, "G2 points"))
        )
    return b"".join(
        g1_to_lem(g1_from_bytes(b, f"point[{i}]"))
        for i, b in enumerate(_split(buf, 64, "G1 points"))
    )


def lem_scale(buf: bytes, k: int, *, g2: bool = False) -> bytes:
    """``k * P`` for every LEM point (a phase-2 contribution multiplies L and H by 1/delta)."""
    from zkcollat.curve.backend import get_backend

    n = _native()
    if n is not None:
        return bytes(n.lem_scale(bytes(buf), k.to_bytes(32, "big"), g2))  # type: ignore[attr-defined]
    b = get_backend()
    if g2:
        return b"".join(
            g2_to_lem(b.g2_mul(g2_from_lem(x, subgroup=False), k)) for x in _split(buf, 128, "G2")
        )
    return b"".join(g1_to_lem(b.g1_mul(g1_from_lem(x), k)) for x in _split(buf, 64, "G1"))


def lem_combine(
    bases: bytes, ptr: list[int], idx: list[int], scalars: list[int], *, g2: bool
) -> bytes:
    """Output j is ``sum scalars[t] * bases[idx[t]]`` over ``ptr[j] <= t < ptr[j + 1]`` (LEM);
    G2 bases must be in the r-subgroup (a phase-1 file's G2 points are)."""
    from zkcollat.curve.backend import get_backend
    from zkcollat.field import pack_fr

    n = _native()
    if n is not None:
        return bytes(
            n.lem_combine(bytes(bases), ptr, idx, pack_fr(scalars), g2)  # type: ignore[attr-defined]
        )
    b = get_backend()
    size = G2_SIZE if g2 else G1_SIZE
    out = []
    for j in range(len(ptr) - 1):
        acc: G1Point | G2Point
        if g2:
            acc = G2Point((0, 0), (0, 0))
            for t in range(ptr[j], ptr[j + 1]):
                q = g2_from_lem(bases[idx[t] * size : (idx[t] + 1) * size], f"base[{idx[t]}]")
                acc = b.g2_add(acc, b.g2_mul(q, scalars[t]))
            out.append(g2_to_lem(acc))
        else:
            acc = G1Point(0, 0)
            for t in range(ptr[j], ptr[j + 1]):
                p = g1_from_lem(bases[idx[t] * size : (idx[t] + 1) * size])
                acc = b.g1_add(acc, b.g1_mul(p, scalars[t]))
            out.append(g1_to_lem(acc))
    return b"".join(out)


def lem_sub(a: bytes, b_: bytes) -> bytes:
    """``a_i - b_i`` for two buffers of G1 LEM points."""
    from zkcollat.curve.backend import get_backend

    n = _native()
    if n is not None:
        return bytes(n.lem_sub(bytes(a), bytes(b_), False))  # type: ignore[attr-defined]
    be = get_backend()
    xs, ys = _split(a, 64, "G1"), _split(b_, 64, "G1")
    if len(xs) != len(ys):
        raise EncodingError(f"lem_sub: {len(xs)} points minus {len(ys)}")
    return b"".join(
        g1_to_lem(be.g1_add(g1_from_lem(x), be.g1_neg(g1_from_lem(y))))
        for x, y in zip(xs, ys, strict=True)
    )


def lem_fft_g1(buf: bytes, *, inverse: bool = False) -> bytes:
    """FFT of LEM G1 points over the domain of their count (inverse: divided by n, omega^-1)."""
    from zkcollat.curve.backend import get_backend
    from zkcollat.field import R

    n = _native()
    if n is not None:
        return bytes(n.lem_fft_g1(bytes(buf), inverse))  # type: ignore[attr-defined]
    be = get_backend()
    pts = [g1_from_lem(x) for x in _split(buf, 64, "G1")]
    size = len(pts)
    if size == 0 or size & (size - 1):
        raise EncodingError(f"FFT size {size} is not a power of two")
    omega = pow(5, (R - 1) // size, R)
    if inverse:
        omega = pow(omega, -1, R)

    def rec(v: list[G1Point], w: int) -> list[G1Point]:
        if len(v) == 1:
            return v
        even, odd = rec(v[0::2], w * w % R), rec(v[1::2], w * w % R)
        out: list[G1Point] = [G1Point(0, 0)] * len(v)
        t, half = 1, len(v) // 2
        for k in range(half):
            o = be.g1_mul(odd[k], t)
            out[k] = be.g1_add(even[k], o)
            out[k + half] = be.g1_add(even[k], be.g1_neg(o))
            t = t * w % R
        return out

    res = rec(pts, omega)
    if inverse:
        n_inv = pow(size, -1, R)
        res = [be.g1_mul(p, n_inv) for p in res]
    return b"".join(g1_to_lem(p) for p in res)
