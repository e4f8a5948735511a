"""secp256k1 signatures in Ethereum's 65-byte ``r || s || v`` form, as ``ecrecover`` takes them.

Keys and signing go through the ``cryptography`` package (RFC 6979 deterministic nonces over
the 32-byte digest). ``cryptography`` has no public-key recovery, so :func:`recover_public_key`
does it with plain integer arithmetic (Jacobian coordinates, Shamir's trick); it is also how
the recovery id ``v`` is found when signing.

Rules (those of ``ecrecover`` plus EIP-2): ``0 < r < n``, ``0 < s <= n/2`` (low s: the other
half would give a second valid signature for the same message), ``v`` in {27, 28}.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils

from zkcollat.attest.eip712 import keccak256
from zkcollat.errors import EncodingError

# Curve y^2 = x^3 + 7 over F_p, group order N (SEC 2, section 2.4.1).
P = 2**256 - 2**32 - 977
N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
GX = 0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798
GY = 0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8
HALF_N = N // 2

assert (GY * GY - GX * GX * GX - 7) % P == 0, "secp256k1 generator is not on the curve"
assert P % 4 == 3  # square roots are a single exponentiation


class SignatureError(EncodingError):
    """A signature that is malformed or does not recover to a key (``rule`` names the check)."""

    def __init__(self, message: str, rule: str) -> None:
        super().__init__(message)
        self.rule = rule


@dataclass(frozen=True)
class Signature:
    """An Ethereum signature: ``r``, ``s`` as integers, ``v`` in {27, 28}."""

    r: int
    s: int
    v: int

    def to_bytes(self) -> bytes:
        return self.r.to_bytes(32, "big") + self.s.to_bytes(32, "big") + bytes([self.v])

    def hex(self) -> str:
        return "0x" + self.to_bytes().hex()

    @classmethod
    def from_bytes(cls, data: bytes | str) -> Signature:
        """Parse 65 bytes (or their 0x-hex); no range checks here, see :func:`check_signature`."""
        if isinstance(data, str):
            try:
                data = bytes.fromhex(data[2:] if data.startswith("0x") else data)
            except ValueError as e:
                raise SignatureError(f"signature {data!r} is not hex", "format") from e
        if len(data) != 65:
            raise SignatureError(f"signature must be 65 bytes (r, s, v), got {len(data)}", "format")
        return cls(int.from_bytes(data[:32], "big"), int.from_bytes(data[32:64], "big"), data[64])


def check_signature(sig: Signature) -> None:
    """Range rules of ecrecover and EIP-2; raises :class:`SignatureError` naming the rule."""
    if sig.v not in (27, 28):
        raise SignatureError(f"signature v = {sig.v} is not 27 or 28", "v")
    if not 0 < sig.r < N:
        raise SignatureError(f"signature r = {sig.r:#x} is not in (0, n)", "r-range")
    if not 0 < sig.s < N:
        raise SignatureError(f"signature s = {sig.s:#x} is not in (0, n)", "s-range")
    if sig.s > HALF_N:
        raise SignatureError(
            f"signature s = {sig.s:#x} is in the upper half of the curve order (high-s, EIP-2)",
            "high-s",
        )


# --- Jacobian arithmetic ----------------------------------------------------------------------

_Jac = tuple[int, int, int]  # (X, Y, Z) with x = X/Z^2, y = Y/Z^3; Z = 0 is the identity
_INF: _Jac = (0, 1, 0)


def _jdouble(p: _Jac) -> _Jac:
    x, y, z = p
    if z == 0 or y == 0:
        return _INF
    ysq = y * y % P
    s = 4 * x * ysq % P
    m = 3 * x * x % P  # a = 0
    nx = (m * m - 2 * s) % P
    ny = (m * (s - nx) - 8 * ysq * ysq) % P
    return nx, ny, 2 * y * z % P


def _jadd(p: _Jac, q: _Jac) -> _Jac:
    x1, y1, z1 = p
    x2, y2, z2 = q
    if z1 == 0:
        return q
    if z2 == 0:
        return p
    z1s, z2s = z1 * z1 % P, z2 * z2 % P
    u1, u2 = x1 * z2s % P, x2 * z1s % P
    s1, s2 = y1 * z2s * z2 % P, y2 * z1s * z1 % P
    if u1 == u2:
        return _jdouble(p) if s1 == s2 else _INF
    h, rr = (u2 - u1) % P, (s2 - s1) % P
    h2 = h * h % P
    h3 = h2 * h % P
    u1h2 = u1 * h2 % P
    nx = (rr * rr - h3 - 2 * u1h2) % P
    ny = (rr * (u1h2 - nx) - s1 * h3) % P
    return nx, ny, h * z1 * z2 % P


def _to_affine(p: _Jac) -> tuple[int, int] | None:
    x, y, z = p
    if z == 0:
        return None
    zi = pow(z, -1, P)
    zi2 = zi * zi % P
    return x * zi2 % P, y * zi2 * zi % P


def _double_mul(a: int, pa: _Jac, b: int, pb: _Jac) -> _Jac:
    """a*pa + b*pb with one shared doubling chain (Shamir's trick)."""
    both = _jadd(pa, pb)
    acc = _INF
    for i in range(max(a.bit_length(), b.bit_length()) - 1, -1, -1):
        acc = _jdouble(acc)
        bits = ((a >> i) & 1, (b >> i) & 1)
        if bits == (1, 1):
            acc = _jadd(acc, both)
        elif bits == (1, 0):
            acc = _jadd(acc, pa)
        elif bits == (0, 1):
            acc = _jadd(acc, pb)
    return acc


def recover_public_key(digest: bytes, sig: Signature) -> bytes:
    """The 64-byte public key (x || y) that made ``sig`` over ``digest``: Q = r^-1 (sR - eG)."""
    if len(digest) != 32:
        raise SignatureError(f"digest must be 32 bytes, got {len(digest)}", "format")
    check_signature(sig)
    x = sig.r  # ecrecover only knows v in {27, 28}: R.x = r, never r + n
    alpha = (x * x * x + 7) % P
    y = pow(alpha, (P + 1) // 4, P)
    if y * y % P != alpha:
        raise SignatureError(f"signature r = {sig.r:#x} is not the x of a curve point", "r-point")
    if y & 1 != sig.v - 27:
        y = P - y
    rinv = pow(sig.r, -1, N)
    e = int.from_bytes(digest, "big") % N
    q = _to_affine(_double_mul((-e * rinv) % N, (GX, GY, 1), sig.s * rinv % N, (x, y, 1)))
    if q is None:
        raise SignatureError("signature recovers to the point at infinity", "r-point")
    return q[0].to_bytes(32, "big") + q[1].to_bytes(32, "big")


def public_key_to_address(pub64: bytes) -> str:
    """Last 20 bytes of keccak256 of the uncompressed key without its 0x04 prefix."""
    if len(pub64) == 65 and pub64[0] == 4:
        pub64 = pub64[1:]
    if len(pub64) != 64:
        raise EncodingError(f"public key must be 64 bytes (x || y), got {len(pub64)}")
    return "0x" + keccak256(pub64)[12:].hex()


def recover_address(digest: bytes, sig: Signature) -> str:
    return public_key_to_address(recover_public_key(digest, sig))


class PrivateKey:
    """A secp256k1 signing key (a ``cryptography`` key object) with its Ethereum address."""

    def __init__(self, key: ec.EllipticCurvePrivateKey) -> None:
        if not isinstance(key.curve, ec.SECP256K1):
            raise EncodingError(f"key is on {key.curve.name}, not secp256k1")
        self._key = key
        raw = key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.public_key: bytes = raw[1:]
        self.address: str = public_key_to_address(self.public_key)

    @classmethod
    def generate(cls) -> PrivateKey:
        return cls(ec.generate_private_key(ec.SECP256K1()))

    @classmethod
    def from_int(cls, secret: int) -> PrivateKey:
        if not 0 < secret < N:
            raise EncodingError("secp256k1 secret must be in (0, n)")
        return cls(ec.derive_private_key(secret, ec.SECP256K1()))

    @classmethod
    def from_bytes(cls, secret: bytes) -> PrivateKey:
        if len(secret) != 32:
            raise EncodingError(f"secp256k1 secret must be 32 bytes, got {len(secret)}")
        return cls.from_int(int.from_bytes(secret, "big"))

    def sign_digest(self, digest: bytes) -> Signature:
        """Sign 32 bytes (an EIP-712 digest): low s, and v found by recovering the key."""
        if len(digest) != 32:
            raise EncodingError(f"digest must be 32 bytes, got {len(digest)}")
        der = self._key.sign(
            digest, ec.ECDSA(utils.Prehashed(hashes.SHA256()), deterministic_signing=True)
        )
        r, s = utils.decode_dss_signature(der)
        if s > HALF_N:
            s = N - s  # (r, n - s) is the same signature with R negated: flips y's parity
        for v in (27, 28):
            sig = Signature(r, s, v)
            if recover_public_key(digest, sig) == self.public_key:
                return sig
        raise SignatureError(
            "no recovery id reproduces the signer's key", "recovery"
        )  # pragma: no cover
