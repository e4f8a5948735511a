"""Valid Groth16 vectors made without a circuit, from known secret scalars.

With ``vk = (alpha*G1, beta*G2, gamma*G2, delta*G2, [ic_i*G1])`` and a proof
``A = a*G1, B = b*G2, C = c*G1`` where

    c = (a*b - alpha*beta - gamma*(ic_0 + sum_i x_i*ic_(i+1))) / delta   (mod r),

the Groth16 equation ``e(A, B) = e(alpha, beta) * e(vk_x, gamma) * e(C, delta)`` holds
exactly, so any verifier must accept ``(vk, proof, x)``. Knowing the secrets lets anyone forge
proofs for this key, which is what makes it a test key and nothing more.

Secrets come from SHA-256 of a label, so a vector is reproducible from its label alone.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from zkcollat.curve import G1_GENERATOR, G2_GENERATOR, G2Point, get_backend
from zkcollat.curve.points import B2
from zkcollat.field import Fq2, P, R, fq2_mul, fq2_sqrt, fr_inv
from zkcollat.groth16.keys import Proof, VerifyingKey


@dataclass(frozen=True)
class Case:
    """One verification case: key, proof, public inputs, and whether it must verify."""

    name: str
    vk: VerifyingKey
    proof: Proof
    public: tuple[int, ...]


def scalar(label: str, *parts: object) -> int:
    """A nonzero element of F_r derived from ``label`` and ``parts``."""
    data = "/".join([label, *map(str, parts)]).encode()
    return int.from_bytes(hashlib.sha256(data).digest(), "big") % (R - 1) + 1


def synthetic_key(label: str, n_public: int) -> tuple[VerifyingKey, dict[str, object]]:
    """A verifying key for ``n_public`` inputs and the secrets behind it."""
    be = get_backend()
    alpha, beta, gamma, delta = (scalar(label, s) for s in ("alpha", "beta", "gamma", "delta"))
    ic = [scalar(label, "ic", i) for i in range(n_public + 1)]
    vk = VerifyingKey(
        alpha_g1=be.g1_mul(G1_GENERATOR, alpha),
        beta_g2=be.g2_mul(G2_GENERATOR, beta),
        gamma_g2=be.g2_mul(G2_GENERATOR, gamma),
        delta_g2=be.g2_mul(G2_GENERATOR, delta),
        gamma_abc_g1=tuple(be.g1_mul(G1_GENERATOR, s) for s in ic),
        ceremony=False,
        metadata={"note": f"synthetic test key {label!r}: its trapdoor is public"},
    )
    secrets: dict[str, object] = {
        "alpha": alpha, "beta": beta, "gamma": gamma, "delta": delta, "ic": ic,
    }
    return vk, secrets


def synthetic_proof(
    secrets: dict[str, object], public: tuple[int, ...], label: str
) -> Proof:
    """A proof that satisfies the Groth16 equation for ``public`` under the key of ``secrets``."""
    be = get_backend()
    ic = secrets["ic"]
    assert isinstance(ic, list) and len(ic) == len(public) + 1
    alpha, beta, gamma, delta = (int(secrets[k]) for k in ("alpha", "beta", "gamma", "delta"))  # type: ignore[call-overload]
    a, b = scalar(label, "a"), scalar(label, "b")
    vk_x = (ic[0] + sum(x * s for x, s in zip(public, ic[1:], strict=True))) % R
    c = (a * b - alpha * beta - gamma * vk_x) * fr_inv(delta) % R
    return Proof(be.g1_mul(G1_GENERATOR, a), be.g2_mul(G2_GENERATOR, b), be.g1_mul(G1_GENERATOR, c))


def synthetic_case(label: str, public: tuple[int, ...]) -> Case:
    """A key for ``len(public)`` inputs and a valid proof for ``public`` (3 + 1 G2 muls)."""
    vk, secrets = synthetic_key(label, len(public))
    return Case(label, vk, synthetic_proof(secrets, public, label), public)


# --- a point on the G2 twist but outside the r-order subgroup -----------------------------------


def twist_point_outside_g2() -> G2Point:
    """The first point (k, y) with x = k in F_p on the twist y^2 = x^3 + b2 that is not in G2."""
    for k in range(1, 1000):
        x: Fq2 = (k, 0)
        rhs = fq2_mul(fq2_mul(x, x), x)
        rhs = ((rhs[0] + B2[0]) % P, (rhs[1] + B2[1]) % P)
        y = fq2_sqrt(rhs)
        if y is None:
            continue
        pt = G2Point(x, y)
        if pt.is_on_curve() and not get_backend().g2_in_subgroup(pt):
            return pt
    raise AssertionError("no twist point outside G2 with a small x")  # pragma: no cover
