"""The Python side of the agreement tests: Groth16 verification on raw EVM words.

It takes exactly what the Solidity verifier takes (the 8 proof words and the public words,
any uint256) and applies the rules of PROTOCOL.md s.5 with the active backend's pairing:
public inputs < r, coordinates < p, A and C on G1, B on the twist and in G2, then
``e(-A, B) * e(alpha, beta) * e(vk_x, gamma) * e(C, delta) == 1``.
(Until ``zkcollat.groth16.verify`` lands this stands in for it; the agreement tests then
compare both with the contract.)
"""

from __future__ import annotations

from collections.abc import Sequence

from zkcollat.curve import G1Point, G2Point, get_backend
from zkcollat.field import P, R
from zkcollat.groth16.keys import VerifyingKey


def verify_words(vk: VerifyingKey, proof_words: Sequence[int], public: Sequence[int]) -> bool:
    """True iff the proof given as EVM words ``[ax, ay, bx1, bx0, by1, by0, cx, cy]`` is valid."""
    if len(proof_words) != 8 or len(public) != vk.n_public:
        return False
    if any(not 0 <= w < P for w in proof_words) or any(not 0 <= x < R for x in public):
        return False
    ax, ay, bx1, bx0, by1, by0, cx, cy = proof_words
    a, c = G1Point(ax, ay), G1Point(cx, cy)
    b = G2Point((bx0, bx1), (by0, by1))
    be = get_backend()
    if not (a.is_on_curve() and c.is_on_curve() and b.is_on_curve()):
        return False
    if not b.is_identity() and not be.g2_in_subgroup(b):
        return False
    vk_x = vk.gamma_abc_g1[0]
    for x, ic in zip(public, vk.gamma_abc_g1[1:], strict=True):
        vk_x = be.g1_add(vk_x, be.g1_mul(ic, x))
    return be.pairing_check(
        [
            (be.g1_neg(a), b),
            (vk.alpha_g1, vk.beta_g2),
            (vk_x, vk.gamma_g2),
            (c, vk.delta_g2),
        ]
    )
