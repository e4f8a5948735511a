"""The two BN254 prime fields as plain Python integers, with the range rules of PROTOCOL.md s.1.

Field elements are ``int`` in ``[0, modulus)``. Values that arrive from outside (files,
calldata, public inputs) are *checked*, never reduced: a value ``>= r`` is an error, because
accepting ``x + r`` for ``x`` would let two different inputs alias one field element.
"""

from __future__ import annotations

from collections.abc import Iterable

from zkcollat.errors import EncodingError, FieldError

#: Scalar field of BN254 (the group order; circuit values live here).
R = 21888242871839275222246405745257275088548364400416034343698204186575808495617
#: Base field of BN254 (point coordinates live here).
P = 21888242871839275222246405745257275088696311157297823662689037894645226208583

# Checked at import, in the manner of py_ecc: a wrong constant is caught before anything runs.
assert pow(2, R - 1, R) == 1 and pow(2, P - 1, P) == 1, "BN254 moduli are not prime"
assert R.bit_length() == 254 and P.bit_length() == 254

FR_BYTES = 32


def check_fr(value: int, name: str = "value") -> int:
    """``value`` if it is an int in ``[0, r)``; else :class:`FieldError` naming it."""
    return _check(value, R, name, "r")


def check_fq(value: int, name: str = "coordinate") -> int:
    """``value`` if it is an int in ``[0, p)``; else :class:`FieldError` naming it."""
    return _check(value, P, name, "p")


def _check(value: int, modulus: int, name: str, modulus_name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldError(f"{name} must be an integer, got {type(value).__name__}")
    if value < 0:
        raise FieldError(f"{name} = {value} is negative")
    if value >= modulus:
        raise FieldError(f"{name} = {value} is not below the field modulus {modulus_name}")
    return value


def parse_decimal(text: object, modulus: int, name: str) -> int:
    """Parse a decimal string (snarkjs JSON style) into a field element, rejecting >= modulus.

    Only canonical decimal strings are accepted: digits only, no sign, no whitespace, no hex.
    """
    if not isinstance(text, str):
        raise EncodingError(f"{name} must be a decimal string, got {type(text).__name__}")
    if not text.isascii() or not text.isdigit():
        raise EncodingError(f"{name} = {text!r} is not a decimal integer string")
    if len(text) > 1 and text[0] == "0":
        raise EncodingError(f"{name} = {text!r} has leading zeros")
    if len(text) > len(str(modulus)):  # refused before converting (and before Python's own
        # 4,300-digit limit turns it into a bare ValueError)
        raise EncodingError(
            f"{name} is a {len(text)}-digit number, not below the "
            f"{'field modulus r' if modulus == R else 'base field modulus p'}"
        )
    return _check(int(text), modulus, name, "r" if modulus == R else "p")


def fr_to_bytes(value: int) -> bytes:
    """32-byte big-endian encoding of an element of F_r (checked)."""
    return check_fr(value).to_bytes(FR_BYTES, "big")


def fr_from_bytes(data: bytes, name: str = "value") -> int:
    """Decode 32 big-endian bytes into F_r, rejecting values >= r (never reducing)."""
    if len(data) != FR_BYTES:
        raise EncodingError(f"{name} must be 32 bytes, got {len(data)}")
    return check_fr(int.from_bytes(data, "big"), name)


def fq_from_bytes(data: bytes, name: str = "coordinate") -> int:
    """Decode 32 big-endian bytes into F_q, rejecting values >= p (never reducing)."""
    if len(data) != FR_BYTES:
        raise EncodingError(f"{name} must be 32 bytes, got {len(data)}")
    return check_fq(int.from_bytes(data, "big"), name)


def pack_fr(values: Iterable[int], name: str = "scalar") -> bytes:
    """Pack field elements into one buffer of 32-byte big-endian words (for bulk native calls).

    Each value is range-checked: a scalar ``>= r`` or negative is an error, not reduced.
    """
    out = bytearray()
    for i, v in enumerate(values):
        if isinstance(v, bool) or not isinstance(v, int) or v < 0 or v >= R:
            check_fr(v, f"{name}[{i}]")
        out += v.to_bytes(FR_BYTES, "big")
    return bytes(out)


def unpack_fr(data: bytes) -> list[int]:
    """Inverse of :func:`pack_fr` for buffers produced by the native side (already canonical)."""
    if len(data) % FR_BYTES:
        raise EncodingError(f"a packed F_r buffer must be a multiple of 32 bytes, got {len(data)}")
    return [int.from_bytes(data[i : i + FR_BYTES], "big") for i in range(0, len(data), FR_BYTES)]


def fr_inv(value: int) -> int:
    """Multiplicative inverse in F_r; raises :class:`FieldError` for zero."""
    if value % R == 0:
        raise FieldError("0 has no inverse in F_r")
    return pow(value, -1, R)


# --- F_q2 = F_q[u] / (u^2 + 1), as pairs of ints ------------------------------------------------

Fq2 = tuple[int, int]


def fq2_mul(a: Fq2, b: Fq2) -> Fq2:
    """a * b in F_q2."""
    return ((a[0] * b[0] - a[1] * b[1]) % P, (a[0] * b[1] + a[1] * b[0]) % P)


def fq2_pow(a: Fq2, e: int) -> Fq2:
    """a^e in F_q2 (e >= 0)."""
    out: Fq2 = (1, 0)
    while e:
        if e & 1:
            out = fq2_mul(out, a)
        a = fq2_mul(a, a)
        e >>= 1
    return out


def fq2_sqrt(a: Fq2) -> Fq2 | None:
    """A square root in F_q2 (q = 3 mod 4; Adj and Rodriguez-Henriquez, algorithm 9), or None
    when ``a`` is not a square."""
    if a == (0, 0):
        return (0, 0)
    a1 = fq2_pow(a, (P - 3) // 4)
    alpha = fq2_mul(fq2_mul(a1, a1), a)
    conj = (alpha[0], (-alpha[1]) % P)
    if fq2_mul(conj, alpha) == (P - 1, 0):
        return None
    x0 = fq2_mul(a1, a)
    if alpha == (P - 1, 0):
        x = fq2_mul((0, 1), x0)
    else:
        b = fq2_pow(((1 + alpha[0]) % P, alpha[1]), (P - 1) // 2)
        x = fq2_mul(b, x0)
    return x if fq2_mul(x, x) == (a[0] % P, a[1] % P) else None
