"""The reference backend: pure Python on py_ecc, written to be read and audited.

Nothing here is clever: MSM is a sum of scalar multiplications, the FFT is the textbook
iterative radix-2 Cooley-Tukey, the pairing check multiplies Miller loops and applies one
final exponentiation. It is the oracle the native backend is tested against; it is 50-100x
slower and meant for small inputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from py_ecc.optimized_bn128 import FQ, FQ2, FQ12
from py_ecc.optimized_bn128 import add as _add
from py_ecc.optimized_bn128 import multiply as _multiply
from py_ecc.optimized_bn128 import neg as _neg
from py_ecc.optimized_bn128 import normalize as _normalize
from py_ecc.optimized_bn128.optimized_pairing import (
    cast_point_to_fq12,
    final_exponentiate,
    miller_loop,
    twist,
)

from zkcollat.curve.backend import COSET_SHIFT, Backend, PointVector, Scalars
from zkcollat.curve.points import G1Point, G2Point
from zkcollat.errors import FieldError, LengthMismatch, PointError
from zkcollat.field import R, check_fr, unpack_fr

_Jac = tuple[Any, Any, Any]  # py_ecc's projective (x, y, z)


# --- conversions between our affine points and py_ecc's projective ones -----------------------


def _g1_in(p: G1Point, name: str = "G1 point") -> _Jac:
    if not p.is_on_curve():
        raise PointError(f"{name} {tuple(p)} is not on the BN254 G1 curve")
    if p.is_identity():
        return (FQ.one(), FQ.one(), FQ.zero())
    return (FQ(p.x), FQ(p.y), FQ.one())


def _g1_out(j: _Jac) -> G1Point:
    if j[2] == FQ.zero():
        return G1Point(0, 0)
    x, y = _normalize(j)
    return G1Point(int(x), int(y))


def _g2_in(p: G2Point, name: str = "G2 point") -> _Jac:
    if not p.is_on_curve():
        raise PointError(f"{name} is not on the BN254 G2 twist curve")
    if p.is_identity():
        return (FQ2.one(), FQ2.one(), FQ2.zero())
    return (FQ2(list(p.x)), FQ2(list(p.y)), FQ2.one())


def _g2_out(j: _Jac) -> G2Point:
    if j[2] == FQ2.zero():
        return G2Point((0, 0), (0, 0))
    x, y = _normalize(j)
    return G2Point(
        (int(x.coeffs[0]), int(x.coeffs[1])),
        (int(y.coeffs[0]), int(y.coeffs[1])),
    )


def _scalar(k: int, name: str = "scalar") -> int:
    return check_fr(k, name)


def _scalars(scalars: Scalars, n: int) -> list[int]:
    values = unpack_fr(bytes(scalars)) if isinstance(scalars, (bytes, bytearray)) else list(scalars)
    if len(values) != n:
        raise LengthMismatch(f"MSM has {n} points but {len(values)} scalars")
    for i, v in enumerate(values):
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < R:
            raise FieldError(f"scalar[{i}] = {v!r} is not an element of F_r (0 <= s < r)")
    return values


class _RefVector(PointVector):
    def __init__(self, points: Sequence[Any], g2: bool, subgroup: bool = True) -> None:
        conv = _g2_in if g2 else _g1_in
        self._pts = [conv(p, f"point[{i}]") for i, p in enumerate(points)]
        self._g2 = g2
        if (
            g2 and subgroup
        ):  # as on the native side, a G2 vector holds only points of the r-subgroup
            for i, p in enumerate(self._pts):
                if p[2] != FQ2.zero() and _multiply(p, R)[2] != FQ2.zero():
                    raise PointError(f"point[{i}] is not in the r-order subgroup G2")

    def __len__(self) -> int:
        return len(self._pts)

    def _sum(self, pts: Sequence[_Jac], scalars: Scalars) -> G1Point | G2Point:
        values = _scalars(scalars, len(pts))
        zero = (FQ2.one(), FQ2.one(), FQ2.zero()) if self._g2 else (FQ.one(), FQ.one(), FQ.zero())
        acc: _Jac = zero
        for p, s in zip(pts, values, strict=True):
            if s:
                acc = _add(acc, _multiply(p, s))
        return _g2_out(acc) if self._g2 else _g1_out(acc)

    def msm(self, scalars: Scalars) -> G1Point | G2Point:
        return self._sum(self._pts, scalars)

    def msm_range(self, start: int, scalars: Scalars) -> G1Point | G2Point:
        n = len(scalars) // 32 if isinstance(scalars, (bytes, bytearray)) else len(scalars)
        if start < 0 or start + n > len(self._pts):
            raise LengthMismatch(
                f"MSM range [{start}, {start + n}) exceeds {len(self._pts)} points"
            )
        return self._sum(self._pts[start : start + n], scalars)


# --- FFT over F_r ------------------------------------------------------------------------------


def _root_of_unity(n: int) -> int:
    """A primitive n-th root of unity: 5^((r-1)/n), 5 generating F_r* (as arkworks derives it)."""
    if n < 1 or n & (n - 1) or (R - 1) % n:
        raise LengthMismatch(f"FFT size {n} is not a power of two dividing r - 1 (at most 2^28)")
    return pow(COSET_SHIFT, (R - 1) // n, R)


def _fft(values: Sequence[int], omega: int) -> list[int]:
    n = len(values)
    a = [check_fr(v, f"value[{i}]") for i, v in enumerate(values)]
    # bit-reversal permutation, then butterflies of growing size
    j = 0
    for i in range(1, n):
        bit = n >> 1
        while j & bit:
            j ^= bit
            bit >>= 1
        j |= bit
        if i < j:
            a[i], a[j] = a[j], a[i]
    size = 2
    while size <= n:
        w_step = pow(omega, n // size, R)
        half = size // 2
        for start in range(0, n, size):
            w = 1
            for k in range(start, start + half):
                t = a[k + half] * w % R
                a[k + half] = (a[k] - t) % R
                a[k] = (a[k] + t) % R
                w = w * w_step % R
        size *= 2
    return a


class ReferenceBackend(Backend):
    """Pure-Python backend on py_ecc (see the module docstring)."""

    name = "reference"

    # G1
    def g1_add(self, a: G1Point, b: G1Point) -> G1Point:
        return _g1_out(_add(_g1_in(a, "a"), _g1_in(b, "b")))

    def g1_neg(self, a: G1Point) -> G1Point:
        return _g1_out(_neg(_g1_in(a)))

    def g1_mul(self, a: G1Point, k: int) -> G1Point:
        return _g1_out(_multiply(_g1_in(a), _scalar(k)))

    def g1_vector(self, points: Sequence[G1Point]) -> PointVector:
        return _RefVector(points, g2=False)

    # G2
    def g2_add(self, a: G2Point, b: G2Point) -> G2Point:
        return _g2_out(_add(_g2_in(a, "a"), _g2_in(b, "b")))

    def g2_neg(self, a: G2Point) -> G2Point:
        return _g2_out(_neg(_g2_in(a)))

    def g2_mul(self, a: G2Point, k: int) -> G2Point:
        return _g2_out(_multiply(_g2_in(a), _scalar(k)))

    def g2_in_subgroup(self, a: G2Point) -> bool:
        if not a.is_on_curve():
            return False
        # r * Q = O exactly when Q lies in the order-r subgroup (the twist's cofactor is > 1).
        return bool(_multiply(_g2_in(a), R)[2] == FQ2.zero())

    def g2_vector(self, points: Sequence[G2Point]) -> PointVector:
        return _RefVector(points, g2=True)

    def _g2_vector_unchecked(self, points: Sequence[G2Point]) -> PointVector:
        return _RefVector(points, g2=True, subgroup=False)

    # FFT
    def fft(self, coeffs: Sequence[int]) -> list[int]:
        return _fft(coeffs, _root_of_unity(len(coeffs)))

    def ifft(self, evals: Sequence[int]) -> list[int]:
        n = len(evals)
        out = _fft(evals, pow(_root_of_unity(n), -1, R))
        n_inv = pow(n, -1, R)
        return [v * n_inv % R for v in out]

    def coset_fft(self, coeffs: Sequence[int]) -> list[int]:
        # p(g * w^i) is the FFT of the coefficients scaled by g^j
        shifted, g = [], 1
        for i, c in enumerate(coeffs):
            shifted.append(check_fr(c, f"value[{i}]") * g % R)
            g = g * COSET_SHIFT % R
        return self.fft(shifted)

    def coset_ifft(self, evals: Sequence[int]) -> list[int]:
        coeffs = self.ifft(evals)
        g_inv, s = pow(COSET_SHIFT, -1, R), 1
        out = []
        for c in coeffs:
            out.append(c * s % R)
            s = s * g_inv % R
        return out

    # Pairing
    def pairing_check(
        self, pairs: Sequence[tuple[G1Point, G2Point]], *, subgroup_checked: bool = False
    ) -> bool:
        acc = FQ12.one()
        for i, (p, q) in enumerate(pairs):
            pj, qj = _g1_in(p, f"pairs[{i}].g1"), _g2_in(q, f"pairs[{i}].g2")
            if not subgroup_checked and not self.g2_in_subgroup(q):
                raise PointError(f"pairs[{i}].g2 is not in the r-order subgroup G2")
            if p.is_identity() or q.is_identity():
                continue  # e(O, Q) = e(P, O) = 1
            acc = acc * miller_loop(twist(qj), cast_point_to_fq12(pj), final_exponentiate=False)
        return bool(final_exponentiate(acc) == FQ12.one())
