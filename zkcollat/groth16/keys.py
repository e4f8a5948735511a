"""Groth16 key and proof objects, named as in the paper and in arkworks.

``VerifyingKey`` is the object behind snarkjs's ``verification_key.json`` (see
``zkcollat.formats.snarkjs``) and behind the generated Solidity verifier, so both are
rendered from one source.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zkcollat.curve.points import G1Point, G2Point


@dataclass(frozen=True)
class VerifyingKey:
    """``alpha_g1, beta_g2, gamma_g2, delta_g2`` and ``gamma_abc_g1`` (snarkjs's ``IC``).

    ``gamma_abc_g1[0]`` is the constant term; ``gamma_abc_g1[i]`` pairs with public input i.
    ``ceremony`` is False for a key made by a single party (development setup): such keys are
    only as trustworthy as whoever ran the setup, and every tool that loads one says so.
    """

    alpha_g1: G1Point
    beta_g2: G2Point
    gamma_g2: G2Point
    delta_g2: G2Point
    gamma_abc_g1: tuple[G1Point, ...]
    ceremony: bool = False
    metadata: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def n_public(self) -> int:
        return len(self.gamma_abc_g1) - 1


@dataclass(frozen=True)
class Proof:
    """A Groth16 proof ``(a, b, c)``; snarkjs calls them ``pi_a, pi_b, pi_c``.

    Proofs are malleable (anyone can re-randomise a valid proof into another valid one),
    so a proof's bytes must never serve as an identifier or a nullifier.
    """

    a: G1Point
    b: G2Point
    c: G1Point
