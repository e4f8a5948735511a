"""The Groth16 verifier in Python, applying every rejection rule of PROTOCOL.md s.5.

    e(A, B) = e(alpha, beta) * e(vk_x, gamma) * e(C, delta),  vk_x = IC_0 + sum_i x_i IC_i

checked as one product of four pairings equal to 1. ``verify`` answers a bool;
``verify_or_raise`` raises :class:`~zkcollat.errors.VerificationError` naming the reason.
Both take parsed objects only; reading snarkjs JSON is the edge's job
(:func:`zkcollat.formats.snarkjs.verify_snarkjs` parses and then calls these).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from zkcollat.curve.backend import Backend, get_backend
from zkcollat.curve.points import G1Point, G2Point
from zkcollat.errors import VerificationError
from zkcollat.field import R
from zkcollat.groth16.keys import Proof, VerifyingKey


def _check_public(public: Sequence[int]) -> list[int]:
    if isinstance(public, (str, bytes)) or not isinstance(public, Sequence):
        raise VerificationError("public inputs must be a list of field elements")
    out = []
    for i, x in enumerate(public):
        if isinstance(x, bool) or not isinstance(x, int):
            raise VerificationError(f"public input [{i}] = {x!r} is not an integer")
        if not 0 <= x < R:
            raise VerificationError(
                f"public input [{i}] = {x} is not below r (inputs are never reduced)"
            )
        out.append(x)
    return out


def _check_g2(b: Backend, named: Sequence[tuple[str, G2Point]]) -> None:
    for name, q in named:
        if not isinstance(q, G2Point) or not q.is_on_curve():
            raise VerificationError(f"{name} is not on the G2 twist (coordinate >= p or off curve)")
        if not b.g2_in_subgroup(q):
            raise VerificationError(f"{name} is not in the r-order subgroup G2")


@functools.lru_cache(maxsize=64)
def _checked_vk(b: Backend, vk: VerifyingKey) -> VerifyingKey:
    """Check a key's points once per (backend, key); a key is used for many proofs."""
    if not isinstance(vk.alpha_g1, G1Point) or not vk.alpha_g1.is_on_curve():
        raise VerificationError("vk.alpha_g1 is not a point of G1 (coordinate >= p or off curve)")
    for i, p in enumerate(vk.gamma_abc_g1):
        if not isinstance(p, G1Point) or not p.is_on_curve():
            raise VerificationError(f"vk.IC[{i}] is not a point of G1")
    _check_g2(
        b, [("vk.beta_g2", vk.beta_g2), ("vk.gamma_g2", vk.gamma_g2), ("vk.delta_g2", vk.delta_g2)]
    )
    return vk


def _check_points(b: Backend, vk: VerifyingKey, proof: Proof) -> None:
    _checked_vk(b, vk)
    for name, p in (("proof.a", proof.a), ("proof.c", proof.c)):
        if not isinstance(p, G1Point) or not p.is_on_curve():
            raise VerificationError(f"{name} is not a point of G1 (coordinate >= p or off curve)")
    _check_g2(b, [("proof.b", proof.b)])


def verify_or_raise(
    vk: VerifyingKey, public: Sequence[int], proof: Proof, *, backend: Backend | None = None
) -> None:
    """Return if the proof is valid; else raise VerificationError saying why."""
    b = backend or get_backend()
    if not isinstance(vk, VerifyingKey):
        raise VerificationError(f"the verifying key is a {type(vk).__name__}, not a VerifyingKey")
    if not isinstance(proof, Proof):
        raise VerificationError(f"the proof is a {type(proof).__name__}, not a Proof")
    xs = _check_public(public)
    if len(xs) != vk.n_public:
        raise VerificationError(
            f"the key expects {vk.n_public} public inputs, {len(xs)} were given"
        )
    _check_points(b, vk, proof)
    ic = vk.gamma_abc_g1
    vk_x = b.g1_add(ic[0], b.g1_msm(list(ic[1:]), xs)) if xs else ic[0]
    ok = b.pairing_check(
        [
            (b.g1_neg(proof.a), proof.b),
            (vk.alpha_g1, vk.beta_g2),
            (vk_x, vk.gamma_g2),
            (proof.c, vk.delta_g2),
        ],
        subgroup_checked=True,
    )  # every G2 point was checked above, with its name
    if not ok:
        raise VerificationError(
            "pairing check failed: the proof is not valid for these public inputs under this key"
        )


def verify(
    vk: VerifyingKey, public: Sequence[int], proof: Proof, *, backend: Backend | None = None
) -> bool:
    """True iff the proof is valid; malformed input of any kind is simply invalid (False)."""
    try:
        verify_or_raise(vk, public, proof, backend=backend)
    except VerificationError:
        return False
    return True
