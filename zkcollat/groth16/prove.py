"""The Groth16 prover: witness -> proof, with fresh randomness (r, s) for zero knowledge.

    A = alpha + sum_j w_j u_j(tau) + r delta                      (G1)
    B = beta  + sum_j w_j v_j(tau) + s delta                      (G2, and in G1 for C)
    C = sum_{j private} w_j l_j + sum_i h_i tau^i Z(tau)/delta + s A + r B1 - r s delta

The witness rows are checked first (an unsatisfied constraint is named before any MSM);
H(x) comes from the backend's FFTs; MSMs run on the proving key's vectors, loaded once.
A backend with a one-call prover (``Backend.fused_prover``: the native one) does all of it,
rows check included, in one call from the packed witness; the reference composes the proof
here, step by step. Both give the same proof for the same blinding.
"""

from __future__ import annotations

from collections.abc import Mapping
from random import SystemRandom
from typing import TYPE_CHECKING

from zkcollat.curve.backend import Backend, get_backend
from zkcollat.curve.points import G1Point, G2Point
from zkcollat.errors import KeyFormatError, ProvingError, UnsatisfiedConstraint
from zkcollat.field import R, pack_fr, unpack_fr
from zkcollat.groth16.keys import Proof, ProvingKey, check_b2_query
from zkcollat.groth16.qap import circuit_digest, witness_rows

if TYPE_CHECKING:
    from zkcollat.r1cs.system import ConstraintSystem

#: The OS's CSPRNG (``os.urandom``), the one ``secrets`` draws from; ``secrets`` itself
#: imports ``hmac`` and with it OpenSSL, about 3.5 MB of a proving process.
_OS_RANDOM = SystemRandom()


def _blinding() -> tuple[int, int]:
    """Fresh (r, s), uniform below R."""
    return _OS_RANDOM.randrange(R), _OS_RANDOM.randrange(R)


def prove(
    pk: ProvingKey,
    cs: ConstraintSystem,
    witness: list[int],
    *,
    backend: Backend | None = None,
    blinding: tuple[int, int] | None = None,
) -> Proof:
    """A proof that ``witness`` satisfies ``cs``. ``blinding=(r, s)`` is for test vectors only."""
    b = backend or get_backend()
    if pk.circuit_digest != circuit_digest(cs) or pk.n_wires != cs.n_wires:
        raise KeyFormatError("the proving key was made for another circuit (digest mismatch)")
    if len(witness) != cs.n_wires:
        raise ProvingError(f"the witness has {len(witness)} values, the circuit {cs.n_wires} wires")
    if witness[0] != 1:
        raise ProvingError("witness[0] must be the constant 1")
    return _prove_packed(pk, cs, pack_fr(witness, "witness"), b, blinding)


def _prove_packed(
    pk: ProvingKey,
    cs: ConstraintSystem,
    w_all: bytes,
    b: Backend,
    blinding: tuple[int, int] | None,
) -> Proof:
    """:func:`prove` from the packed witness (checked for its key and length by the caller)."""
    fused = pk.fused_prover(b)
    if fused is not None:
        r, s = blinding if blinding is not None else _blinding()
        out = fused.prove(cs, w_all, r, s)
        if isinstance(out, int):
            raise ProvingError(
                f"the witness does not satisfy the circuit: {cs.describe_constraint(out)}"
            )
        return _b_in_g2(pk, Proof(*out), b)
    try:
        rows = witness_rows(cs, w_all, b)
    except UnsatisfiedConstraint as e:
        raise ProvingError(str(e)) from e
    return prove_from_rows(pk, w_all, rows, backend=b, blinding=blinding)


def prove_from_rows(
    pk: ProvingKey,
    w_all: bytes,
    rows: tuple[bytes, bytes, bytes],
    *,
    backend: Backend | None = None,
    blinding: tuple[int, int] | None = None,
) -> Proof:
    """The MSMs of a proof from the packed witness and its rows ``A.w, B.w, C.w`` on the domain.

    For callers that obtain the rows otherwise than from a ConstraintSystem (a snarkjs key
    carries only A and B: C.w is then A.w * B.w row by row).
    """
    b = backend or get_backend()
    n_public = pk.n_public
    r, s = blinding if blinding is not None else _blinding()
    vec = pk.vectors(b)
    h = b.quotient_packed(*rows)[: (pk.domain_size - 1) * 32]  # deg h <= n - 2
    vk = pk.vk

    a_acc = vec["a"].msm(w_all)
    b2_acc = vec["b_g2"].msm(w_all)
    b1_acc = vec["b_g1"].msm(w_all)
    l_acc = vec["l"].msm(w_all[(n_public + 1) * 32 :])
    h_acc = vec["h"].msm(h)
    assert isinstance(a_acc, G1Point) and isinstance(b1_acc, G1Point)
    assert isinstance(b2_acc, G2Point) and isinstance(l_acc, G1Point) and isinstance(h_acc, G1Point)

    a = b.g1_add(b.g1_add(vk.alpha_g1, a_acc), b.g1_mul(pk.delta_g1, r))
    b2 = b.g2_add(b.g2_add(vk.beta_g2, b2_acc), b.g2_mul(vk.delta_g2, s))
    b1 = b.g1_add(b.g1_add(pk.beta_g1, b1_acc), b.g1_mul(pk.delta_g1, s))
    c = b.g1_add(l_acc, h_acc)
    c = b.g1_add(c, b.g1_mul(a, s))
    c = b.g1_add(c, b.g1_mul(b1, r))
    c = b.g1_add(c, b.g1_neg(b.g1_mul(pk.delta_g1, r * s % R)))
    return _b_in_g2(pk, Proof(a, b2, c), b)


def _b_in_g2(pk: ProvingKey, proof: Proof, b: Backend) -> Proof:
    """``proof``, after checking its B in G2 when the key's B2 points were taken to be in G2
    on the cache's word (``pk.b_g2_on_record``: zkcollat.formats.b2record). A B outside G2
    means some B2 point is outside it (the split over it, or the plain sum, left a cofactor
    part): the whole query is checked and that point refused by name, on either backend."""
    if pk.b_g2_on_record and not b.g2_in_subgroup(proof.b):
        check_b2_query(pk.b_g2_query, b)
        raise ProvingError("the proof's B is not in G2 although every B2 point is")  # a bug
    return proof


def fullprove(
    pk: ProvingKey,
    cs: ConstraintSystem,
    inputs: Mapping[str, object],
    *,
    backend: Backend | None = None,
) -> tuple[Proof, list[int]]:
    """Solve the witness from named inputs (an ``input.json`` object) and prove.

    Returns the proof and the public signals (``public.json`` order).
    """
    b = backend or get_backend()
    if pk.circuit_digest != circuit_digest(cs) or pk.n_wires != cs.n_wires:
        raise KeyFormatError("the proving key was made for another circuit (digest mismatch)")
    try:
        w_all = cs.solve_packed(inputs)  # native: no Python int per wire
    except UnsatisfiedConstraint as e:
        raise ProvingError(str(e)) from e
    if len(w_all) != 32 * cs.n_wires or int.from_bytes(w_all[:32], "big") != 1:
        raise ProvingError("the solver returned a malformed witness")
    proof = _prove_packed(pk, cs, w_all, b, None)
    return proof, unpack_fr(w_all[32 : 32 * (1 + cs.n_public)])


def rerandomize(vk_delta_g2: G2Point, proof: Proof, *, backend: Backend | None = None) -> Proof:
    """Another valid proof of the same statement: Groth16 proofs are malleable.

    With random t1, t2: A' = A / t1, B' = t1 B + t1 t2 delta, C' = C + t2 A. This is why a
    proof's bytes never identify a credit; the lock registry does (PROTOCOL.md s.5, s.7).
    """
    b = backend or get_backend()
    t1, t2 = _OS_RANDOM.randrange(1, R), _OS_RANDOM.randrange(R)
    a = b.g1_mul(proof.a, pow(t1, -1, R))
    b2 = b.g2_add(b.g2_mul(proof.b, t1), b.g2_mul(vk_delta_g2, t1 * t2 % R))
    c = b.g1_add(proof.c, b.g1_mul(proof.a, t2))
    return Proof(a, b2, c)
