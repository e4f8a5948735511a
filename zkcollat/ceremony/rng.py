"""The deterministic randomness of snarkjs's phase 2, reproduced exactly.

A contribution proves knowledge of its scalar x with ``(g1_s, x g1_s)`` and ``(g2_sp, x g2_sp)``
where ``g2_sp`` is derived from the transcript hash; a beacon derives everything from a public
hash. Both tools must derive the same points from the same bytes, so this module follows
ffjavascript's definitions (facts of the format, not code):

* ChaCha20 block function with the 256-bit seed as the key, a 128-bit block counter
  (state words 12..15) starting at 0, and no nonce; words are consumed in order.
* ``nextU64 = nextU32 * 2^32 + nextU32``; a field element takes ``n64 = 4`` of them, little
  end first, masks them to the modulus's bit length and retries while ``>= modulus``; the
  resulting 32 bytes are read as a *Montgomery* word, so the element is ``v / 2^256``.
* A curve point: ``x`` from the rng, then one bit ``greatest``; retried until ``x^3 + b`` is a
  square; ``y`` is the root whose "sign" (``y > (q - 1) / 2``; in F_q2 that of c1, or of c0
  when c1 = 0) equals ``greatest``; G2 points are then multiplied by the cofactor.
* ``hash_to_g2(h)``: seed = the first 32 bytes of h as eight big-endian u32.
* beacon: ``2^exp`` rounds of SHA-256 over the beacon hash, then the same seeding.
"""

from __future__ import annotations

import hashlib
import os

from zkcollat.curve.points import G1Point, G2Point
from zkcollat.field import P, R, fq2_mul, fq2_sqrt

_MASK32 = 0xFFFFFFFF
_MONT_INV_P = pow(pow(2, 256, P), -1, P)
_MONT_INV_R = pow(pow(2, 256, R), -1, R)
_G2_COFACTOR = 0x30644E72E131A029B85045B68181585E06CEECDA572A2489345F2299C0F9FA8D
_B2 = (
    19485874751759354771024239261021720505790618469301721065564631296452457478373,
    266929791119991161246907387137283842545076965332900288569378510910307636690,
)


def _rotl(v: int, c: int) -> int:
    return ((v << c) | (v >> (32 - c))) & _MASK32


class ChaCha:
    """ffjavascript's ChaCha20 stream of 32-bit words."""

    def __init__(self, seed: list[int]) -> None:
        if len(seed) != 8:
            raise ValueError("a ChaCha seed is eight 32-bit words")
        self.state = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574, *seed, 0, 0, 0, 0]
        self.buf: list[int] = []
        self.idx = 16

    def _block(self) -> None:
        x = list(self.state)

        def qr(a: int, b: int, c: int, d: int) -> None:
            x[a] = (x[a] + x[b]) & _MASK32
            x[d] = _rotl(x[d] ^ x[a], 16)
            x[c] = (x[c] + x[d]) & _MASK32
            x[b] = _rotl(x[b] ^ x[c], 12)
            x[a] = (x[a] + x[b]) & _MASK32
            x[d] = _rotl(x[d] ^ x[a], 8)
            x[c] = (x[c] + x[d]) & _MASK32
            x[b] = _rotl(x[b] ^ x[c], 7)

        for _ in range(10):
            qr(0, 4, 8, 12)
            qr(1, 5, 9, 13)
            qr(2, 6, 10, 14)
            qr(3, 7, 11, 15)
            qr(0, 5, 10, 15)
            qr(1, 6, 11, 12)
            qr(2, 7, 8, 13)
            qr(3, 4, 9, 14)
        self.buf = [(x[i] + self.state[i]) & _MASK32 for i in range(16)]
        self.idx = 0
        for i in range(12, 16):  # 128-bit counter
            self.state[i] = (self.state[i] + 1) & _MASK32
            if self.state[i]:
                break

    def next_u32(self) -> int:
        if self.idx == 16:
            self._block()
        v = self.buf[self.idx]
        self.idx += 1
        return v

    def next_u64(self) -> int:
        hi = self.next_u32()
        return hi * 2**32 + self.next_u32()

    def next_bool(self) -> bool:
        return self.next_u32() & 1 == 1


def chacha_from_hash(h: bytes) -> ChaCha:
    """Seeded with the first 32 bytes of ``h`` read as eight big-endian u32."""
    return ChaCha([int.from_bytes(h[4 * i : 4 * i + 4], "big") for i in range(8)])


def _raw_from_rng(rng: ChaCha, modulus: int) -> int:
    mask = (1 << modulus.bit_length()) - 1
    while True:
        v = 0
        for i in range(4):
            v += rng.next_u64() << (64 * i)
        v &= mask
        if v < modulus:
            return v


def fr_from_rng(rng: ChaCha) -> int:
    """A scalar as ffjavascript's ``Fr.fromRng`` draws it."""
    return _raw_from_rng(rng, R) * _MONT_INV_R % R


def _fq_from_rng(rng: ChaCha) -> int:
    return _raw_from_rng(rng, P) * _MONT_INV_P % P


def _neg_sign(v: int) -> bool:
    return v > (P - 1) // 2


def _sqrt_fq(a: int) -> int | None:
    y = pow(a, (P + 1) // 4, P)
    return y if y * y % P == a % P else None


def g1_from_rng(rng: ChaCha) -> G1Point:
    """A G1 point as ffjavascript's ``G1.fromRng`` draws it (cofactor 1)."""
    while True:
        x = _fq_from_rng(rng)
        greatest = rng.next_bool()
        y = _sqrt_fq((x * x * x + 3) % P)
        if y is not None:
            break
    if _neg_sign(y) != greatest:
        y = (-y) % P
    return G1Point(x, y)


def g2_from_rng(rng: ChaCha) -> G2Point:
    """A G2 point as ffjavascript's ``G2.fromRng`` draws it (times the G2 cofactor)."""
    while True:
        x = (_fq_from_rng(rng), _fq_from_rng(rng))
        greatest = rng.next_bool()
        x3 = fq2_mul(fq2_mul(x, x), x)
        y = fq2_sqrt(((x3[0] + _B2[0]) % P, (x3[1] + _B2[1]) % P))
        if y is not None:
            break
    sign = _neg_sign(y[1]) if y[1] else _neg_sign(y[0])
    if sign != greatest:
        y = ((-y[0]) % P, (-y[1]) % P)
    return g2_times_cofactor(x, y)


def g2_times_cofactor(x: tuple[int, int], y: tuple[int, int]) -> G2Point:
    """The twist point ``(x, y)`` (on the curve, not in G2 yet) times the G2 cofactor: exact,
    natively when the native backend has the kernel, else with py_ecc (imported only then)."""
    from zkcollat.curve.backend import get_backend

    if get_backend().name == "native":
        from zkcollat import _native

        if hasattr(_native, "g2_mul_integer"):
            raw = G2Point(x, y).to_native_bytes()
            out = bytes(_native.g2_mul_integer(raw, _G2_COFACTOR.to_bytes(32, "big")))
            w = [int.from_bytes(out[i : i + 32], "big") for i in range(0, 128, 32)]
            return G2Point((w[0], w[1]), (w[2], w[3]))
    from py_ecc import optimized_bn128 as oc

    m = oc.multiply((oc.FQ2(list(x)), oc.FQ2(list(y)), oc.FQ2.one()), _G2_COFACTOR)
    if oc.is_inf(m):
        return G2Point((0, 0), (0, 0))
    q = oc.normalize(m)
    return G2Point(
        (int(q[0].coeffs[0]), int(q[0].coeffs[1])), (int(q[1].coeffs[0]), int(q[1].coeffs[1]))
    )


def hash_to_g2(h: bytes) -> G2Point:
    """``g2_sp`` of a contribution, from its 64-byte transcript hash."""
    return g2_from_rng(chacha_from_hash(h))


def rng_from_beacon(beacon_hash: bytes, num_iterations_exp: int) -> ChaCha:
    """The rng of a beacon: ``2^exp`` rounds of SHA-256 over the beacon hash."""
    h = beacon_hash
    for _ in range(1 << num_iterations_exp):
        h = hashlib.sha256(h).digest()
    return chacha_from_hash(h)


def rng_from_entropy(text: str = "") -> ChaCha:
    """The rng of a contribution: Blake2b-512 over 64 bytes of OS entropy and the user's text."""
    h = hashlib.blake2b(os.urandom(64) + text.encode(), digest_size=64).digest()
    return chacha_from_hash(h)


#: The BN254 twist's constant b' = 3 / (9 + u), for callers that need points of the twist (the
#: auditors' vectors build one outside G2).
TWIST_B = _B2
