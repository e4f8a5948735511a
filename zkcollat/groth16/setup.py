"""Groth16 setup for a compiled circuit, from local randomness (a development setup).

A key made here comes from one party: whoever knows its secrets (tau, alpha, beta, gamma,
delta) can forge proofs. The keys are therefore marked ``ceremony=False``; every load warns.
``setup(cs, seed=...)`` derives the secrets from a seed, for reproducible test vectors only:
such a key is forgeable by anyone who knows the seed, and says so in its metadata.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING

from zkcollat.curve.backend import Backend, get_backend
from zkcollat.curve.points import G1_GENERATOR, G2_GENERATOR
from zkcollat.field import R, pack_fr
from zkcollat.groth16.keys import ProvingKey, VerifyingKey
from zkcollat.groth16.qap import circuit_digest, domain_size, qap_at

if TYPE_CHECKING:
    from zkcollat.r1cs.system import ConstraintSystem


def _random_scalar() -> int:
    return secrets.randbelow(R - 1) + 1


def _seeded(seed: bytes) -> Callable[[], int]:
    counter = 0

    def draw() -> int:
        nonlocal counter
        while True:
            counter += 1
            d = hashlib.sha512(b"zkcollat-dev-setup" + seed + counter.to_bytes(8, "big")).digest()
            v = int.from_bytes(d, "big") % R
            if v:
                return v

    return draw


def setup(
    cs: ConstraintSystem, *, seed: bytes | None = None, backend: Backend | None = None
) -> tuple[ProvingKey, VerifyingKey]:
    """Development keys for ``cs``. Pass ``seed`` only for deterministic test vectors."""
    b = backend or get_backend()
    draw = _seeded(seed) if seed is not None else _random_scalar
    n = domain_size(cs)
    while True:
        tau = draw()
        if pow(tau, n, R) != 1:  # tau must lie outside the evaluation domain
            break
    alpha, beta, gamma, delta = draw(), draw(), draw(), draw()
    u, v, w, zt = qap_at(cs, tau)
    gamma_inv, delta_inv = pow(gamma, -1, R), pow(delta, -1, R)
    n_pub = cs.n_public
    k = [(beta * uj + alpha * vj + wj) % R for uj, vj, wj in zip(u, v, w, strict=True)]
    ic = [kj * gamma_inv % R for kj in k[: n_pub + 1]]
    lq = [kj * delta_inv % R for kj in k[n_pub + 1 :]]
    hq, t_i = [], zt * delta_inv % R
    for _ in range(n - 1):
        hq.append(t_i)
        t_i = t_i * tau % R

    g1, g2 = G1_GENERATOR, G2_GENERATOR

    def g1s(scalars: list[int]) -> bytes:
        return b"".join(p.to_bytes() for p in b.g1_batch_mul(g1, pack_fr(scalars)))

    def g2s(scalars: list[int]) -> bytes:
        return b"".join(p.to_native_bytes() for p in b.g2_batch_mul(g2, pack_fr(scalars)))

    metadata = {"setup": "development (single party)"}
    if seed is not None:
        metadata["setup"] = "deterministic from a public seed: FOR TEST VECTORS ONLY, forgeable"
    vk = VerifyingKey(
        alpha_g1=b.g1_mul(g1, alpha),
        beta_g2=b.g2_mul(g2, beta),
        gamma_g2=b.g2_mul(g2, gamma),
        delta_g2=b.g2_mul(g2, delta),
        gamma_abc_g1=tuple(b.g1_batch_mul(g1, ic)),
        ceremony=False,
        metadata=metadata,
    )
    pk = ProvingKey(
        vk=vk,
        beta_g1=b.g1_mul(g1, beta),
        delta_g1=b.g1_mul(g1, delta),
        n_wires=cs.n_wires,
        domain_size=n,
        circuit_digest=circuit_digest(cs),
        circuit=cs,
        a_query=g1s(u),
        b_g1_query=g1s(v),
        b_g2_query=g2s(v),
        h_query=g1s(hq),
        l_query=g1s(lq),
    )
    pk.b_g2_checked = pk.b_g2_query  # multiples of the generator: in G2
    return pk, vk
