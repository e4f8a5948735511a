"""BN254 points as plain affine integers, and their encodings.

One representation, one name: a G1 point is ``G1Point(x, y)`` with integer coordinates in
``[0, p)``; a G2 point is ``G2Point((x.c0, x.c1), (y.c0, y.c1))`` over F_q2 = F_q[u]/(u^2 + 1).
The point at infinity is the all-zero point, ``G1Point.IDENTITY`` / ``G2Point.IDENTITY``,
exactly as the EVM precompiles (EIP-196/197) encode it; (0, 0) is never on either curve, so
the encoding is unambiguous.

Curve membership is checked here in plain Python (it is a handful of multiplications);
the G2 subgroup check needs a scalar multiplication and is done by the active backend.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from zkcollat.errors import EncodingError, FieldError, PointError
from zkcollat.field import P, check_fq, parse_decimal

Fq2 = tuple[int, int]

# y^2 = x^3 + 3 on G1; y^2 = x^3 + 3 / (9 + u) on the twist (G2).
B1 = 3
B2: Fq2 = (
    19485874751759354771024239261021720505790618469301721065564631296452457478373,
    266929791119991161246907387137283842545076965332900288569378510910307636690,
)


def _fq2_mul(a: Fq2, b: Fq2) -> Fq2:
    return ((a[0] * b[0] - a[1] * b[1]) % P, (a[0] * b[1] + a[1] * b[0]) % P)


class G1Point(NamedTuple):
    """An affine point of G1 (coordinates in F_p); ``(0, 0)`` is the identity."""

    x: int
    y: int

    def is_identity(self) -> bool:
        return self.x == 0 and self.y == 0

    def is_on_curve(self) -> bool:
        """True for the identity and for points with ``y^2 = x^3 + 3``; coordinates must be < p."""
        if not (0 <= self.x < P and 0 <= self.y < P):
            return False
        if self.is_identity():
            return True
        return (self.y * self.y - self.x * self.x * self.x - B1) % P == 0

    # --- encodings ---
    def to_snarkjs(self) -> list[str]:
        """snarkjs JSON layout ``["x", "y", "1"]``; the identity is ``["0", "1", "0"]``."""
        if self.is_identity():
            return ["0", "1", "0"]
        return [str(self.x), str(self.y), "1"]

    def to_evm(self) -> list[int]:
        """Two uint256 words ``[x, y]`` as the precompiles take them."""
        return [self.x, self.y]

    def to_bytes(self) -> bytes:
        """64 bytes: x and y, 32-byte big-endian each (the EVM encoding)."""
        return self.x.to_bytes(32, "big") + self.y.to_bytes(32, "big")


class G2Point(NamedTuple):
    """An affine point of G2 over F_q2, coordinates ``(c0, c1)`` meaning ``c0 + c1*u``."""

    x: Fq2
    y: Fq2

    def is_identity(self) -> bool:
        return self.x == (0, 0) and self.y == (0, 0)

    def is_on_curve(self) -> bool:
        """True for the identity and for points on the twist ``y^2 = x^3 + 3/(9+u)``.

        This does not check the r-order subgroup; see ``Backend.g2_in_subgroup``.
        """
        if not all(0 <= c < P for c in (*self.x, *self.y)):
            return False
        if self.is_identity():
            return True
        y2 = _fq2_mul(self.y, self.y)
        x3 = _fq2_mul(_fq2_mul(self.x, self.x), self.x)
        return (y2[0] - x3[0] - B2[0]) % P == 0 and (y2[1] - x3[1] - B2[1]) % P == 0

    def to_snarkjs(self) -> list[list[str]]:
        """snarkjs layout ``[[x.c0, x.c1], [y.c0, y.c1], ["1", "0"]]``."""
        if self.is_identity():
            return [["0", "0"], ["1", "0"], ["0", "0"]]
        return [
            [str(self.x[0]), str(self.x[1])],
            [str(self.y[0]), str(self.y[1])],
            ["1", "0"],
        ]

    def to_evm(self) -> list[list[int]]:
        """EIP-197 order: ``[[x.c1, x.c0], [y.c1, y.c0]]``."""
        return [[self.x[1], self.x[0]], [self.y[1], self.y[0]]]

    def to_native_bytes(self) -> bytes:
        """128 bytes x.c0, x.c1, y.c0, y.c1: the order of ``zkcollat._native`` and key files."""
        return b"".join(c.to_bytes(32, "big") for c in (self.x[0], self.x[1], self.y[0], self.y[1]))

    def to_bytes(self) -> bytes:
        """128 bytes in EIP-197 order: x.c1, x.c0, y.c1, y.c0, 32-byte big-endian each."""
        return b"".join(c.to_bytes(32, "big") for c in (self.x[1], self.x[0], self.y[1], self.y[0]))


G1_IDENTITY = G1Point(0, 0)
G2_IDENTITY = G2Point((0, 0), (0, 0))
G1_GENERATOR = G1Point(1, 2)
G2_GENERATOR = G2Point(
    (
        10857046999023057135944570762232829481370756359578518086990519993285655852781,
        11559732032986387107991004021392285783925812861821192530917403151452391805634,
    ),
    (
        8495653923123431417604973247489272438418190587263600148770280649306958101930,
        4082367875863433681332203403145435568316851327593401208105741076214120093531,
    ),
)

assert G1_GENERATOR.is_on_curve() and G2_GENERATOR.is_on_curve(), "BN254 generators off curve"


# --- checked constructors from outside data ----------------------------------------------------


def _coord(value: int, name: str) -> int:
    """A coordinate must be an int in [0, p): a point's coordinate out of range is a PointError."""
    try:
        return check_fq(value, name)
    except FieldError as e:
        raise PointError(str(e)) from e


def _decimal_coord(text: object, name: str) -> int:
    try:
        return parse_decimal(text, P, name)
    except FieldError as e:
        raise PointError(str(e)) from e


def g1_checked(x: int, y: int, name: str = "G1 point") -> G1Point:
    """Build a G1 point from untrusted coordinates: each must be < p and the point on the curve."""
    _coord(x, f"{name}.x")
    _coord(y, f"{name}.y")
    pt = G1Point(x, y)
    if not pt.is_on_curve():
        raise PointError(f"{name} ({x}, {y}) is not on the BN254 G1 curve y^2 = x^3 + 3")
    return pt


def g2_checked(x: Fq2, y: Fq2, name: str = "G2 point", *, subgroup: bool = True) -> G2Point:
    """Build a G2 point from untrusted coordinates: each < p, on the twist, and in the r-subgroup.

    The subgroup check uses the active backend (``zkcollat.curve.get_backend()``).
    """
    for label, c in (("x.c0", x[0]), ("x.c1", x[1]), ("y.c0", y[0]), ("y.c1", y[1])):
        _coord(c, f"{name}.{label}")
    pt = G2Point((x[0], x[1]), (y[0], y[1]))
    if not pt.is_on_curve():
        raise PointError(f"{name} is not on the BN254 G2 twist curve")
    if subgroup and not pt.is_identity():
        from zkcollat.curve.backend import get_backend

        if not get_backend().g2_in_subgroup(pt):
            raise PointError(f"{name} is not in the r-order subgroup G2")
    return pt


def _list(obj: Any, length: int, name: str) -> list[Any]:
    if not isinstance(obj, list) or len(obj) != length:
        raise EncodingError(f"{name} must be a JSON array of {length} elements")
    return obj


def g1_from_snarkjs(obj: Any, name: str = "G1 point") -> G1Point:
    """Decode snarkjs's ``["x","y","z"]`` (z = "1", or "0" for the identity), checking everything.

    Only normalised points are accepted (z is "1"; the identity is ``["0","1","0"]``):
    snarkjs writes only those, and accepting other projective forms would give one point
    several encodings.
    """
    items = _list(obj, 3, name)
    x, y, z = (_decimal_coord(v, f"{name}[{i}]") for i, v in enumerate(items))
    if z == 0:
        if (x, y) != (0, 1):
            raise EncodingError(f'{name}: the identity must be encoded ["0","1","0"]')
        return G1_IDENTITY
    if z != 1:
        raise EncodingError(f"{name}: z = {z}; only affine points (z = 1) are accepted")
    if (x, y) == (0, 0):  # not a curve point; the identity has its own encoding
        raise EncodingError(
            f'{name}: ["0","0","1"] is not a canonical point encoding (the identity is '
            '["0","1","0"])'
        )
    return g1_checked(x, y, name)


def g2_from_snarkjs(obj: Any, name: str = "G2 point", *, subgroup: bool = True) -> G2Point:
    """Decode snarkjs's ``[[x0,x1],[y0,y1],[z0,z1]]`` with every check of PROTOCOL.md s.5."""
    rows = _list(obj, 3, name)
    vals = []
    for i, row in enumerate(rows):
        pair = _list(row, 2, f"{name}[{i}]")
        vals.append(tuple(_decimal_coord(v, f"{name}[{i}][{j}]") for j, v in enumerate(pair)))
    (x0, x1), (y0, y1), (z0, z1) = vals
    if (z0, z1) == (0, 0):
        if (x0, x1, y0, y1) != (0, 0, 1, 0):
            raise EncodingError(f"{name}: the identity must be encoded [[0,0],[1,0],[0,0]]")
        return G2_IDENTITY
    if (z0, z1) != (1, 0):
        raise EncodingError(f'{name}: z must be ["1","0"] (affine)')
    if (x0, x1, y0, y1) == (0, 0, 0, 0):  # not a curve point; the identity has z = 0
        raise EncodingError(
            f"{name}: x = y = 0 with z = 1 is not a canonical point encoding (the identity is "
            "[[0,0],[1,0],[0,0]])"
        )
    return g2_checked((x0, x1), (y0, y1), name, subgroup=subgroup)


def g1_from_evm(words: Any, name: str = "G1 point") -> G1Point:
    """Decode ``[x, y]`` uint256 words; ``[0, 0]`` is the identity."""
    items = _list(list(words) if isinstance(words, tuple) else words, 2, name)
    x, y = (int(v) for v in items)
    if (x, y) == (0, 0):
        return G1_IDENTITY
    return g1_checked(x, y, name)


def g2_from_evm(words: Any, name: str = "G2 point", *, subgroup: bool = True) -> G2Point:
    """Decode EIP-197 ``[[x.c1, x.c0], [y.c1, y.c0]]``; all-zero is the identity."""
    rows = [list(r) for r in words]
    _list(rows, 2, name)
    (x1, x0), (y1, y0) = (_list(r, 2, name) for r in rows)
    if (x0, x1, y0, y1) == (0, 0, 0, 0):
        return G2_IDENTITY
    return g2_checked((int(x0), int(x1)), (int(y0), int(y1)), name, subgroup=subgroup)


def g1_from_bytes(data: bytes, name: str = "G1 point") -> G1Point:
    """Decode 64 EVM bytes (x || y, big-endian), checking range and curve membership."""
    if len(data) != 64:
        raise EncodingError(f"{name} must be 64 bytes, got {len(data)}")
    return g1_from_evm([int.from_bytes(data[:32], "big"), int.from_bytes(data[32:], "big")], name)


def g2_from_bytes(data: bytes, name: str = "G2 point", *, subgroup: bool = True) -> G2Point:
    """Decode 128 EIP-197 bytes (x.c1, x.c0, y.c1, y.c0), with every check."""
    if len(data) != 128:
        raise EncodingError(f"{name} must be 128 bytes, got {len(data)}")
    w = [int.from_bytes(data[i : i + 32], "big") for i in range(0, 128, 32)]
    return g2_from_evm([[w[0], w[1]], [w[2], w[3]]], name, subgroup=subgroup)


def g2_from_native_bytes(data: bytes, name: str = "G2 point", *, subgroup: bool = True) -> G2Point:
    """Decode 128 bytes in native order (:meth:`G2Point.to_native_bytes`), with every check."""
    if len(data) != 128:
        raise EncodingError(f"{name} must be 128 bytes, got {len(data)}")
    w = [int.from_bytes(data[i : i + 32], "big") for i in range(0, 128, 32)]
    if w == [0, 0, 0, 0]:
        return G2_IDENTITY
    return g2_checked((w[0], w[1]), (w[2], w[3]), name, subgroup=subgroup)
