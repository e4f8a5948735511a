"""Groth16 phase 2 in snarkjs's ``.zkey`` format: new, contribute, beacon, verify.

    new          the key of a circuit from a prepared ptau, with delta = gamma = 1 (the generators);
                 ``csHash`` (Blake2b-512) fixes the circuit and the phase-1 points it used
    contribute   a secret x from OS entropy (and the user's text): delta *= x, L and H /= x, and a
                 proof of knowledge of x bound to the transcript of all earlier contributions
    beacon       the same with x derived from a public random value (reproducible by anyone)
    verify       rebuild the initial key from the circuit and the ptau, then check every
                 contribution's proof, that delta is the product of them, and that L and H
                 moved by exactly 1/delta (random linear combinations, one pairing each)

Everything is checked with pairings, never trusted from the file: a contribution whose
transcript, proof or delta does not follow is refused with its number and the reason.
"""

from __future__ import annotations

import hashlib
import secrets
import struct
from collections.abc import Callable
from dataclasses import dataclass, field

from zkcollat.ceremony.rng import (
    ChaCha,
    fr_from_rng,
    g1_from_rng,
    hash_to_g2,
    rng_from_beacon,
    rng_from_entropy,
)
from zkcollat.curve.backend import get_backend
from zkcollat.curve.points import G1_GENERATOR, G2_GENERATOR, G1Point, G2Point
from zkcollat.errors import KeyFormatError, ZkcollatError
from zkcollat.field import R, pack_fr
from zkcollat.formats.lem import (
    g1_from_lem,
    g1_to_lem,
    g1_uncompressed,
    g2_from_lem,
    g2_to_lem,
    g2_uncompressed,
    lem_combine,
    lem_scale,
    lem_sub,
    lem_to_std,
    section_index,
    std_g2s_to_uncompressed,
)
from zkcollat.formats.limits import BinaryReader
from zkcollat.formats.ptau import Ptau, PtauError
from zkcollat.formats.zkey import BEACON, COEF_FACTOR, CONTRIBUTION, Contribution, Zkey


class CeremonyError(KeyFormatError):
    """A phase-2 key does not verify, or a ceremony step was refused; the message says why."""


# --- the circuit, as phase 2 reads it ------------------------------------------------------------


@dataclass
class Circuit:
    """An ``.r1cs`` as phase 2 needs it: counts and every term in file order (zeros kept)."""

    n_vars: int
    n_public: int  # outputs + public inputs
    n_constraints: int
    # per constraint: (A terms, B terms, C terms), each a list of (signal, coefficient)
    constraints: list[tuple[list[tuple[int, int]], ...]] = field(repr=False)

    @property
    def domain_size(self) -> int:
        n = 1
        while n < self.n_constraints + self.n_public + 1:
            n *= 2
        return n


def circuit_from_r1cs(data: bytes, what: str = ".r1cs") -> Circuit:
    """Read a circom ``.r1cs`` (BN254, no custom gates), keeping the exact term order."""
    from zkcollat.formats.r1cs_bin import read_r1cs

    head = read_r1cs(data)  # full validation (ranges, wires, primes, sections)
    off, size = section_index(data, b"r1cs", 1, what)[2]
    body = BinaryReader(data[off : off + size], f"{what} constraints", base=off)
    out = []
    for ci in range(head.n_constraints):
        lcs = []
        for _ in range(3):
            n = body.u32(f"the term count of constraint {ci}")
            lcs.append([
                (body.u32(f"a wire of constraint {ci}"), body.uint(32, f"a coefficient of {ci}"))
                for _ in range(n)
            ])
        out.append(tuple(lcs))
    return Circuit(head.n_wires, head.n_pub_out + head.n_pub_in, head.n_constraints, out)


# --- hashing helpers (snarkjs's transcript conventions) -------------------------------------------


def _u_g1(lem: bytes) -> bytes:
    return g1_uncompressed(g1_from_lem(lem))


def _u_g2(lem: bytes) -> bytes:
    return g2_uncompressed(g2_from_lem(lem, subgroup=False))


def pubkey_bytes(c: Contribution) -> bytes:
    """What snarkjs hashes of a contribution (``hashPubKey``)."""
    return _u_g1(c.delta_after) + _u_g1(c.g1_s) + _u_g1(c.g1_sx) + _u_g2(c.g2_spx) + c.transcript


def contribution_hash(c: Contribution) -> bytes:
    """The hash a contributor publishes: Blake2b-512 of the contribution's public key."""
    return hashlib.blake2b(pubkey_bytes(c), digest_size=64).digest()


def format_hash(h: bytes) -> str:
    """snarkjs's layout: four lines of four 8-hex-digit words."""
    words = [h[i : i + 4].hex() for i in range(0, len(h), 4)]
    return "\n".join(" ".join(words[i : i + 4]) for i in range(0, len(words), 4))


# --- new -----------------------------------------------------------------------------------------


def coefficient_section(circuit: Circuit) -> bytes:
    """Section 4 of a key: A and B by constraint in file order, then the public-input rows."""
    out = bytearray()
    count = 0

    def coef(matrix: int, c: int, s: int, v: int) -> None:
        nonlocal count
        out.extend(struct.pack("<III", matrix, c, s))
        out.extend((v * COEF_FACTOR % R).to_bytes(32, "little"))
        count += 1

    for c, (la, lb, _lc) in enumerate(circuit.constraints):
        for s, v in la:
            coef(0, c, s, v)
        for s, v in lb:
            coef(1, c, s, v)
    for s in range(circuit.n_public + 1):
        coef(0, circuit.n_constraints + s, s, 1)
    return struct.pack("<I", count) + bytes(out)


#: The stages :func:`new_zkey` announces through its ``progress`` callback, in order.
NEW_STAGES = (
    "reading the Lagrange points of the ptau",
    "computing IC, L, A, B1, B2",
    "H points",
    "circuit hash",
)
#: The stages :func:`verify` announces, in order.
VERIFY_STAGES = ("the contribution chain", *NEW_STAGES, "the L and H sections")


def new_zkey(circuit: Circuit, ptau: Ptau, progress: Callable[[str], None] | None = None) -> Zkey:
    """The initial key (no contribution) of ``circuit`` on the phase-1 points of ``ptau``;
    ``progress(stage)`` at the start of each of :data:`NEW_STAGES`."""
    say = progress or (lambda _s: None)
    n = circuit.domain_size
    m, n_pub, n_vars = circuit.n_constraints, circuit.n_public, circuit.n_vars
    try:
        ptau.check_domain(n)
    except PtauError as e:
        raise CeremonyError(
            f"the circuit ({m} constraints, {n_pub} public) needs a domain of {n}: {e}"
        ) from e
    say(NEW_STAGES[0])
    tau1, alpha1, beta1 = ptau.lagrange(12, n), ptau.lagrange(14, n), ptau.lagrange(15, n)
    tau2 = ptau.lagrange(13, n)
    bases_g1 = tau1 + alpha1 + beta1
    TAU, ALPHA, BETA = 0, n, 2 * n  # offsets of the three bases in bases_g1

    cols_a: list[list[tuple[int, int]]] = [[] for _ in range(n_vars)]
    cols_b: list[list[tuple[int, int]]] = [[] for _ in range(n_vars)]
    cols_k: list[list[tuple[int, int]]] = [[] for _ in range(n_vars)]  # IC and C (L)
    for c, (la, lb, lc) in enumerate(circuit.constraints):
        for s, v in la:
            cols_a[s].append((TAU + c, v))
            cols_k[s].append((BETA + c, v))
        for s, v in lb:
            cols_b[s].append((TAU + c, v))
            cols_k[s].append((ALPHA + c, v))
        for s, v in lc:
            cols_k[s].append((TAU + c, v))
    for s in range(n_pub + 1):  # the public-input rows A[m + s][s] = 1
        cols_a[s].append((TAU + m + s, 1))
        cols_k[s].append((BETA + m + s, 1))

    def combine(cols: list[list[tuple[int, int]]], bases: bytes, g2: bool) -> bytes:
        ptr, idx, sc = [0], [], []
        for col in cols:
            for i, v in col:
                idx.append(i)
                sc.append(v)
            ptr.append(len(idx))
        return lem_combine(bases, ptr, idx, sc, g2=g2)

    say(NEW_STAGES[1])
    ic = combine(cols_k[: n_pub + 1], bases_g1, False)
    lq = combine(cols_k[n_pub + 1 :], bases_g1, False)
    a = combine(cols_a, bases_g1, False)
    b1 = combine(cols_b, bases_g1, False)
    b2 = combine(cols_b, tau2, True)
    say(NEW_STAGES[2])
    big = ptau.lagrange(12, 2 * n)
    h = b"".join(big[(2 * i + 1) * 64 : (2 * i + 2) * 64] for i in range(n))

    zk = Zkey(
        n_vars=n_vars,
        n_public=n_pub,
        domain_size=n,
        alpha_g1=ptau.alpha_g1,
        beta_g1=ptau.beta_g1,
        beta_g2=ptau.beta_g2,
        gamma_g2=g2_to_lem(G2_GENERATOR),
        delta_g1=g1_to_lem(G1_GENERATOR),
        delta_g2=g2_to_lem(G2_GENERATOR),
        ic=ic,
        coeffs=coefficient_section(circuit),
        a=a,
        b1=b1,
        b2=b2,
        c=lq,
        h=h,
        cs_hash=b"",
    )
    say(NEW_STAGES[3])
    zk.cs_hash = circuit_hash(zk, ptau)
    return zk


def circuit_hash(zk: Zkey, ptau: Ptau) -> bytes:
    """snarkjs's ``csHash`` of an initial key: Blake2b-512 over its points (uncompressed),
    with the H points in the power basis ``tau^i Z(tau)`` taken from the ptau."""
    n = zk.domain_size
    hasher = hashlib.blake2b(digest_size=64)
    hasher.update(_u_g1(zk.alpha_g1) + _u_g1(zk.beta_g1) + _u_g2(zk.beta_g2))
    hasher.update(_u_g2(zk.gamma_g2) + _u_g1(zk.delta_g1) + _u_g2(zk.delta_g2))

    def g1s(count: int, lem: bytes) -> None:
        hasher.update(struct.pack(">I", count))
        hasher.update(lem_to_std(lem, g2=False))

    g1s(zk.n_public + 1, zk.ic)
    hp = lem_sub(ptau.tau_g1(n, n - 1), ptau.tau_g1(0, n - 1))  # tau^i (tau^n - 1)
    g1s(n - 1, hp)
    g1s(zk.n_vars - zk.n_public - 1, zk.c)
    g1s(zk.n_vars, zk.a)
    g1s(zk.n_vars, zk.b1)
    hasher.update(struct.pack(">I", zk.n_vars))
    hasher.update(std_g2s_to_uncompressed(lem_to_std(zk.b2, g2=True)))
    return hasher.digest()


# --- contribute / beacon -------------------------------------------------------------------------


def _transcript_base(zk: Zkey) -> hashlib.blake2b:
    h = hashlib.blake2b(zk.cs_hash, digest_size=64)
    for c in zk.contributions:
        h.update(pubkey_bytes(c))
    return h


def _apply(zk: Zkey, rng: ChaCha, kind: int, name: str | None, **extra: object) -> bytes:
    b = get_backend()
    x = fr_from_rng(rng)
    if x == 0:
        raise CeremonyError("the contribution's secret came out as zero; run it again")
    g1_s = g1_from_rng(rng)
    g1_sx = b.g1_mul(g1_s, x)
    th = _transcript_base(zk)
    th.update(g1_uncompressed(g1_s) + g1_uncompressed(g1_sx))
    transcript = th.digest()
    g2_spx = b.g2_mul(hash_to_g2(transcript), x)
    delta1 = b.g1_mul(g1_from_lem(zk.delta_g1, "delta1"), x)
    delta2 = b.g2_mul(g2_from_lem(zk.delta_g2, "delta2"), x)
    x_inv = pow(x, -1, R)
    zk.c = lem_scale(zk.c, x_inv)
    zk.h = lem_scale(zk.h, x_inv)
    zk.delta_g1, zk.delta_g2 = g1_to_lem(delta1), g2_to_lem(delta2)
    c = Contribution(
        delta_after=zk.delta_g1,
        g1_s=g1_to_lem(g1_s),
        g1_sx=g1_to_lem(g1_sx),
        g2_spx=g2_to_lem(g2_spx),
        transcript=transcript,
        kind=kind,
        name=name or None,
        **extra,  # type: ignore[arg-type]
    )
    zk.contributions.append(c)
    del x, x_inv  # the toxic waste: nothing keeps it
    return contribution_hash(c)


def contribute(zk: Zkey, entropy: str = "", name: str | None = None) -> bytes:
    """Add a contribution (in place) from OS entropy plus ``entropy``; returns its hash."""
    return _apply(zk, rng_from_entropy(entropy), CONTRIBUTION, name)


def beacon(zk: Zkey, beacon_hash: bytes, num_iterations_exp: int, name: str | None = None) -> bytes:
    """Add a beacon contribution (in place): reproducible by anyone from the public value."""
    if not 1 <= len(beacon_hash) <= 255:
        raise CeremonyError(f"the beacon hash must be 1..255 bytes, got {len(beacon_hash)}")
    if not 10 <= num_iterations_exp <= 63:
        raise CeremonyError(
            f"the beacon iteration exponent must be 10..63 (as snarkjs), got {num_iterations_exp}"
        )
    rng = rng_from_beacon(beacon_hash, num_iterations_exp)
    return _apply(
        zk,
        rng,
        BEACON,
        name,
        beacon_hash=bytes(beacon_hash),
        num_iterations_exp=num_iterations_exp,
    )


# --- verify --------------------------------------------------------------------------------------


@dataclass
class VerifiedContribution:
    index: int  # from 1
    name: str | None
    hash: bytes
    beacon: tuple[bytes, int] | None


@dataclass
class Verification:
    cs_hash: bytes
    contributions: list[VerifiedContribution]
    delta_is_generator: bool


def _same_ratio(a1: G1Point, b1: G1Point, a2: G2Point, b2: G2Point) -> bool:
    """``b1 / a1 == b2 / a2`` in the exponent: e(a1, b2) == e(b1, a2); no point may be zero."""
    if a1.is_identity() or b1.is_identity() or a2.is_identity() or b2.is_identity():
        return False
    be = get_backend()
    return be.pairing_check([(a1, b2), (be.g1_neg(b1), a2)])


def verify_chain(zk: Zkey) -> tuple[list[VerifiedContribution], G1Point]:
    """Check every contribution's transcript and proof of knowledge, in order; returns the
    chain and the delta it leads to. Raises CeremonyError naming the first bad one."""
    acc = hashlib.blake2b(zk.cs_hash, digest_size=64)
    cur = G1_GENERATOR
    out = []
    for i, c in enumerate(zk.contributions, start=1):
        try:
            g1_s, g1_sx = g1_from_lem(c.g1_s, "g1_s"), g1_from_lem(c.g1_sx, "g1_sx")
            after = g1_from_lem(c.delta_after, "deltaAfter")
            g2_spx = g2_from_lem(c.g2_spx, "g2_spx")
        except ZkcollatError as e:
            raise CeremonyError(f"contribution #{i}: malformed point: {e}") from e
        mine = acc.copy()
        mine.update(g1_uncompressed(g1_s) + g1_uncompressed(g1_sx))
        if mine.digest() != c.transcript:
            raise CeremonyError(
                f"contribution #{i}: its transcript does not hash the contributions before it"
            )
        g2_sp = hash_to_g2(c.transcript)
        if not _same_ratio(g1_s, g1_sx, g2_sp, g2_spx):
            raise CeremonyError(
                f"contribution #{i}: the proof of knowledge fails (G1 and G2 keys differ)"
            )
        if not _same_ratio(cur, after, g2_sp, g2_spx):
            raise CeremonyError(
                f"contribution #{i}: deltaAfter is not the previous delta times its secret"
            )
        beacon_info = None
        if c.kind == BEACON:
            assert c.beacon_hash is not None and c.num_iterations_exp is not None
            rng = rng_from_beacon(c.beacon_hash, c.num_iterations_exp)
            x = fr_from_rng(rng)
            s = g1_from_rng(rng)
            if s != g1_s or get_backend().g1_mul(s, x) != g1_sx:
                raise CeremonyError(
                    f"contribution #{i}: the beacon's key does not follow from its beacon hash"
                )
            beacon_info = (c.beacon_hash, c.num_iterations_exp)
        acc.update(pubkey_bytes(c))
        out.append(VerifiedContribution(i, c.name, contribution_hash(c), beacon_info))
        cur = after
    return out, cur


def _rand_scalars(k: int) -> list[int]:
    return [secrets.randbits(128) for _ in range(k)]


def _msm_lem(lem: bytes, scalars: list[int]) -> G1Point:
    if not scalars:
        return G1Point(0, 0)
    pt = get_backend().g1_vector_from_bytes(lem_to_std(lem, g2=False)).msm(pack_fr(scalars))
    assert isinstance(pt, G1Point)
    return pt


def verify(
    zk: Zkey, circuit: Circuit, ptau: Ptau, progress: Callable[[str], None] | None = None
) -> Verification:
    """Verify ``zk`` against the circuit and the ptau (see the module docstring);
    ``progress(stage)`` at the start of each of :data:`VERIFY_STAGES`."""
    say = progress or (lambda _s: None)
    be = get_backend()
    say(VERIFY_STAGES[0])
    chain, cur = verify_chain(zk)
    if (zk.n_vars, zk.n_public) != (circuit.n_vars, circuit.n_public):
        raise CeremonyError(
            f"the key is for a circuit of {zk.n_vars} variables and {zk.n_public} public "
            f"signals; the circuit has {circuit.n_vars} and {circuit.n_public}"
        )
    if zk.domain_size != circuit.domain_size:
        raise CeremonyError(
            f"the key's domain is {zk.domain_size}; the circuit's is {circuit.domain_size}"
        )
    init = new_zkey(circuit, ptau, say)
    if zk.cs_hash != init.cs_hash:
        raise CeremonyError(
            "the key's circuit hash differs from that of this circuit on this ptau "
            "(another circuit, or another phase 1)"
        )
    for label, mine, theirs in (
        ("alpha1", zk.alpha_g1, init.alpha_g1),
        ("beta1", zk.beta_g1, init.beta_g1),
        ("beta2", zk.beta_g2, init.beta_g2),
        ("gamma2", zk.gamma_g2, init.gamma_g2),
    ):
        if mine != theirs:
            raise CeremonyError(f"the key's {label} is not the ptau's (another phase 1?)")
    for label, mine, theirs in (
        ("IC", zk.ic, init.ic),
        ("coefficients", zk.coeffs, init.coeffs),
        ("A", zk.a, init.a),
        ("B1", zk.b1, init.b1),
        ("B2", zk.b2, init.b2),
    ):
        if mine != theirs:
            raise CeremonyError(f"the key's {label} section differs from the circuit's")
    delta1 = g1_from_lem(zk.delta_g1, "delta1")
    delta2 = g2_from_lem(zk.delta_g2, "delta2")
    if delta1 != cur:
        raise CeremonyError("the key's delta1 is not the last contribution's deltaAfter")
    if not _same_ratio(G1_GENERATOR, delta1, G2_GENERATOR, delta2):
        raise CeremonyError("the key's delta2 does not match its delta1")
    say(VERIFY_STAGES[-1])
    # L: sum r_j L_j(key) must be (sum r_j L_j(init)) / delta
    rl = _rand_scalars(len(zk.c) // 64)
    if rl:
        l_init, l_key = _msm_lem(init.c, rl), _msm_lem(zk.c, rl)
        if not _same_ratio(l_init, l_key, delta2, G2_GENERATOR):
            raise CeremonyError("the key's L section does not match the circuit divided by delta")
    # H: sum r_i tau^i Z(tau) against the odd-coset points at -2 (g w)^i-scaled evaluations
    n = zk.domain_size
    rh = _rand_scalars(n - 1) + [0]
    hp = lem_sub(ptau.tau_g1(n, n - 1), ptau.tau_g1(0, n - 1))
    r1 = _msm_lem(hp, rh[: n - 1])
    g = pow(5, (R - 1) // (2 * n), R)  # a primitive 2n-th root of unity (5 generates F_r*)
    scaled, t = [], (R - 2)
    for v in rh:
        scaled.append(v * t % R)
        t = t * g % R
    evals = be.fft(scaled)
    r2 = _msm_lem(zk.h, evals)
    if not _same_ratio(r1, r2, delta2, G2_GENERATOR):
        raise CeremonyError("the key's H section does not match the ptau divided by delta")
    return Verification(zk.cs_hash, chain, delta2 == G2_GENERATOR)
