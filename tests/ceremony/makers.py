"""Small ceremony inputs made in the tests: a prepared ptau from known secrets (so a quick test
needs no snarkjs), and a hand-written circuit of a few constraints.

A ptau made here is as forgeable as its secrets are public: exactly what the development
mark is for.
"""

from __future__ import annotations

import struct

from zkcollat.curve.backend import get_backend
from zkcollat.curve.points import G1_GENERATOR, G2_GENERATOR
from zkcollat.field import P, R, pack_fr
from zkcollat.formats.lem import container, g2_to_lem, std_to_lem
from zkcollat.formats.r1cs_bin import r1cs_bytes
from zkcollat.groth16.qap import lagrange_at


def _g1s(scalars: list[int]) -> bytes:
    pts = get_backend().g1_batch_mul(G1_GENERATOR, pack_fr(scalars))
    return std_to_lem(b"".join(p.to_bytes() for p in pts), g2=False)


def _g2s(scalars: list[int]) -> bytes:
    pts = get_backend().g2_batch_mul(G2_GENERATOR, pack_fr(scalars))
    return std_to_lem(b"".join(p.to_native_bytes() for p in pts), g2=True)


def make_ptau(power: int, tau: int, alpha: int, beta: int, *, prepared: bool = True) -> bytes:
    """A ``.ptau`` of 2^power powers for the given (public!) secrets, in snarkjs's layout."""
    n = 1 << power
    powers = [pow(tau, i, R) for i in range(2 * n - 1)]
    header = struct.pack("<I", 32) + P.to_bytes(32, "little") + struct.pack("<II", power, power)
    sections = [
        (1, header),
        (2, _g1s(powers)),
        (3, _g2s(powers[:n])),
        (4, _g1s([alpha * x % R for x in powers[:n]])),
        (5, _g1s([beta * x % R for x in powers[:n]])),
        (6, g2_to_lem(get_backend().g2_mul(G2_GENERATOR, beta))),
        (7, struct.pack("<I", 0)),
    ]
    if prepared:
        lag = {k: lagrange_at(tau, 1 << k) for k in range(power + 2)}
        flat = [x for k in range(power + 2) for x in lag[k]]
        flat_n = [x for k in range(power + 1) for x in lag[k]]
        sections += [
            (12, _g1s(flat)),
            (13, _g2s(flat_n)),
            (14, _g1s([alpha * x % R for x in flat_n])),
            (15, _g1s([beta * x % R for x in flat_n])),
        ]
    return container(b"ptau", 1, sections)


class _Tiny:
    """x * y = t, t * (x + 1) = out (public out, private x, y): two constraints."""

    n_wires = 5  # 1, out, x, y, t
    n_public = 1
    n_private = 2
    constraints = [
        ({2: 1}, {3: 1}, {4: 1}),
        ({4: 1}, {2: 1, 0: 1}, {1: 1}),
    ]


def tiny_r1cs() -> bytes:
    return r1cs_bytes(_Tiny())  # type: ignore[arg-type]


def tiny_witness(x: int, y: int) -> list[int]:
    t = x * y % R
    return [1, t * (x + 1) % R, x, y, t]
