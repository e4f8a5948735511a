"""snarkjs keys as zkcollat proving keys and back (``keys import|export``, ``prove --zkey``).

The two formats hold the same Groth16 key except for the H points: a ``.zkey`` stores
``Q_j = L'_{2j+1}(tau) / delta`` (Lagrange basis of the domain of size 2n, odd points), a
``.zkpk`` the power form ``M_i = tau^i Z(tau) / delta``, i < n - 1. For ``h = x^i``,
``p = h Z`` takes the value ``-2 (g w^j)^i`` at the odd point ``g w^j`` (g a primitive 2n-th root
of unity, w = g^2, and ``Z(g w^j) = g^n - 1 = -2``), so

    M_i = -2 g^i * sum_j w^(ij) Q_j     (an FFT over the points, then one scalar per point)

and back with the inverse FFT (``M_(n-1)`` is never used: deg h <= n - 2).
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from zkcollat.ceremony.trust import file_sha256, records_exist, trusted_record
from zkcollat.db import cache_file, make_folder_for, write_cache_file
from zkcollat.errors import (
    EncodingError,
    FieldError,
    KeyFormatError,
    LengthMismatch,
    ProvingError,
)
from zkcollat.field import R, pack_fr, unpack_fr
from zkcollat.formats import b2record, limits
from zkcollat.formats.lem import (
    g1_from_lem,
    g1_to_lem,
    g2_from_lem,
    g2_to_lem,
    lem_combine,
    lem_fft_g1,
    lem_to_std,
    std_to_lem,
)
from zkcollat.formats.zkey import COEF_FACTOR_INV, COEF_SIZE, MAX_FILE_BYTES, Zkey
from zkcollat.groth16.values import Proof, VerifyingKey

if TYPE_CHECKING:  # the prove --wtns path needs no ProvingKey (nor the dataclasses module)
    from zkcollat.ceremony.phase2 import Circuit
    from zkcollat.curve.backend import FusedProver
    from zkcollat.groth16.keys import ProvingKey

T = TypeVar("T")


def _odd_factors(n: int) -> list[int]:
    """``-2 g^i`` for i < n, g the primitive 2n-th root of unity of snarkjs's domains."""
    g = pow(5, (R - 1) // (2 * n), R)
    out, t = [], R - 2
    for _ in range(n):
        out.append(t)
        t = t * g % R
    return out


def h_to_power_form(h_lem: bytes, n: int) -> bytes:
    """zkey H (n LEM points) -> zkpk h_query (n - 1 points, zkcollat layout)."""
    f = lem_fft_g1(h_lem)
    k = _odd_factors(n)
    m = lem_combine(f, list(range(n + 1)), list(range(n)), k, g2=False)
    return lem_to_std(m, g2=False)[: (n - 1) * 64]


def h_to_odd_form(h_std: bytes, n: int) -> bytes:
    """zkpk h_query (n - 1 points) -> zkey H (n LEM points)."""
    m = std_to_lem(h_std, g2=False) + bytes(64)
    k = [pow(x, -1, R) for x in _odd_factors(n)]
    f = lem_combine(m, list(range(n + 1)), list(range(n)), k, g2=False)
    return lem_fft_g1(f, inverse=True)


def zkey_digest(zk: Zkey) -> bytes:
    """A circuit digest for a key of a circuit zkcollat did not compile: the zkey's A and B."""
    import hashlib

    return hashlib.sha256(b"zkcollat-zkey-coeffs-v1" + zk.coeffs).digest()


def zkey_to_vk(zk: Zkey, *, trusted: bool = False) -> VerifyingKey:
    """The verification key of a snarkjs key (G2 points checked in the subgroup)."""
    return VerifyingKey(
        alpha_g1=g1_from_lem(zk.alpha_g1, "alpha1"),
        beta_g2=g2_from_lem(zk.beta_g2, "beta2"),
        gamma_g2=g2_from_lem(zk.gamma_g2, "gamma2"),
        delta_g2=g2_from_lem(zk.delta_g2, "delta2"),
        gamma_abc_g1=tuple(
            g1_from_lem(zk.ic[i : i + 64], f"IC[{i // 64}]") for i in range(0, len(zk.ic), 64)
        ),
        ceremony=trusted,
    )


def b2_in_g2(b2_lem: bytes) -> bytes:
    """A ``.zkey``'s B2 query (section 7) in zkcollat's layout, every point checked in G2.

    A key made by a setup or a ceremony has only points of G2 there (multiples of the
    generator); one outside it (on the twist, of the cofactor's order) is refused by name, with
    :class:`KeyFormatError`. The check (~0.4 s CPU at CollateralLock(20)) is made when a key is
    converted, once: it lets the native prover split B2's scalars by G2's endomorphism, which
    gives the plain sum only on G2's points (:mod:`zkcollat.formats.b2record`).
    """
    return b2record.check(b2_lem, "lem")


def zkey_to_pk(
    zk: Zkey,
    *,
    circuit_digest: bytes | None = None,
    trusted: bool = False,
    metadata: dict[str, str] | None = None,
) -> ProvingKey:
    """The zkcollat proving key of a snarkjs key (every point checked; the G2 points of the vk
    and of B2 in the subgroup: :func:`b2_in_g2`)."""
    from zkcollat.groth16.keys import ProvingKey

    vk = zkey_to_vk(zk, trusted=trusted).replace(metadata=dict(metadata or {}))
    b_g2 = b2_in_g2(zk.b2)
    pk = ProvingKey(
        vk=vk,
        beta_g1=g1_from_lem(zk.beta_g1, "beta1"),
        delta_g1=g1_from_lem(zk.delta_g1, "delta1"),
        n_wires=zk.n_vars,
        domain_size=zk.domain_size,
        circuit_digest=circuit_digest or zkey_digest(zk),
        a_query=lem_to_std(zk.a, g2=False),
        b_g1_query=lem_to_std(zk.b1, g2=False),
        b_g2_query=b_g2,
        h_query=h_to_power_form(zk.h, zk.domain_size),
        l_query=lem_to_std(zk.c, g2=False),
        b_g2_checked=b_g2,
    )
    return pk


def pk_to_zkey(pk: ProvingKey, circuit: Circuit) -> Zkey:
    """A snarkjs key with the points of ``pk`` for ``circuit`` (no phase-2 record: a zkcollat
    development key stays one; its circuit hash is zero, so ``zkey verify`` refuses it)."""
    from zkcollat.ceremony.phase2 import coefficient_section

    if (circuit.n_vars, circuit.n_public, circuit.domain_size) != (
        pk.n_wires,
        pk.n_public,
        pk.domain_size,
    ):
        raise KeyFormatError(
            f"the key has {pk.n_wires} wires, {pk.n_public} public, domain {pk.domain_size}; "
            f"the circuit {circuit.n_vars}, {circuit.n_public}, {circuit.domain_size}"
        )
    vk = pk.vk
    return Zkey(
        n_vars=pk.n_wires,
        n_public=pk.n_public,
        domain_size=pk.domain_size,
        alpha_g1=g1_to_lem(vk.alpha_g1),
        beta_g1=g1_to_lem(pk.beta_g1),
        beta_g2=g2_to_lem(vk.beta_g2),
        gamma_g2=g2_to_lem(vk.gamma_g2),
        delta_g1=g1_to_lem(pk.delta_g1),
        delta_g2=g2_to_lem(vk.delta_g2),
        ic=b"".join(g1_to_lem(p) for p in vk.gamma_abc_g1),
        coeffs=coefficient_section(circuit),
        a=std_to_lem(pk.a_query, g2=False),
        b1=std_to_lem(pk.b_g1_query, g2=False),
        b2=std_to_lem(pk.b_g2_query, g2=True),
        c=std_to_lem(pk.l_query, g2=False),
        h=h_to_odd_form(pk.h_query, pk.domain_size),
        cs_hash=bytes(64),
    )


# --- proving with a zkey and a witness, as `snarkjs groth16 prove` ------------------------------


def zkey_rows(coeffs: bytes, witness: bytes, n: int) -> tuple[bytes, bytes, bytes]:
    """``A.w, B.w`` on a domain of ``n`` rows from a key's coefficient section and the packed
    witness (32-byte big-endian words), and ``C.w = A.w * B.w`` row by row (a snarkjs key
    carries no C matrix; a witness that satisfies the circuit makes it exact); packed alike.

    Natively in one call on the native backend (``zkcollat_core::zkey``), else the same in
    Python; both check every entry (matrix A or B, constraint inside the domain, signal inside
    the witness, value below r, the section's length) and refuse with the same message.
    """
    from zkcollat.curve.backend import get_backend

    if get_backend().name == "native":
        from zkcollat import _native

        if hasattr(_native, "zkey_rows"):
            a, b, c = _native.zkey_rows(bytes(coeffs), bytes(witness), n)
            return bytes(a), bytes(b), bytes(c)
    if len(witness) % 32:
        raise EncodingError(f"witness must be a multiple of 32 bytes, got {len(witness)}")
    w = unpack_fr(witness)
    for i, v in enumerate(w):
        if v >= R:
            raise FieldError(f"witness[{i}] is not below the scalar field modulus r")
    return _zkey_rows_py(coeffs, w, n)


def _zkey_rows_py(coeffs: bytes, witness: list[int], n: int) -> tuple[bytes, bytes, bytes]:
    if len(coeffs) < 4:
        raise EncodingError("the coefficient section is shorter than its count")
    (count,) = struct.unpack_from("<I", coeffs, 0)
    want = 4 + count * COEF_SIZE
    if len(coeffs) != want:
        raise LengthMismatch(
            f"the coefficient section declares {count} entries ({want} bytes) but has "
            f"{len(coeffs)} bytes"
        )
    a, b = [0] * n, [0] * n
    acc = (a, b)
    unpack = struct.Struct("<III").unpack_from
    for i in range(count):
        o = 4 + i * COEF_SIZE
        m, c, s = unpack(coeffs, o)
        if m > 1:
            raise EncodingError(f"coefficient {i}: matrix {m} is neither A (0) nor B (1)")
        if c >= n:
            raise LengthMismatch(
                f"coefficient {i}: constraint {c} is outside the domain of {n} rows"
            )
        if s >= len(witness):
            raise LengthMismatch(
                f"coefficient {i}: signal {s} is outside the witness of {len(witness)} values"
            )
        v = int.from_bytes(coeffs[o + 12 : o + 44], "little")
        if v >= R:
            raise FieldError(f"coefficient {i}: value is not below r")
        acc[m][c] += v * witness[s]
    inv = COEF_FACTOR_INV
    a = [x * inv % R for x in a]
    b = [x * inv % R for x in b]
    c_rows = [x * y % R for x, y in zip(a, b, strict=True)]
    return pack_fr(a), pack_fr(b), pack_fr(c_rows)


def _same_key_points(pk: ProvingKey, zk: Zkey) -> bool:
    """Whether a cached key has the ``.zkey``'s own verifying key, beta1 and delta1 (compared
    in the file's encoding: no point is decoded or checked twice)."""
    vk = pk.vk
    return (
        g1_to_lem(vk.alpha_g1) == zk.alpha_g1
        and g2_to_lem(vk.beta_g2) == zk.beta_g2
        and g2_to_lem(vk.gamma_g2) == zk.gamma_g2
        and g2_to_lem(vk.delta_g2) == zk.delta_g2
        and b"".join(g1_to_lem(p) for p in vk.gamma_abc_g1) == zk.ic
        and g1_to_lem(pk.beta_g1) == zk.beta_g1
        and g1_to_lem(pk.delta_g1) == zk.delta_g1
    )


def _b2_entry(zk: Zkey) -> str:
    """The cache file recording that a B2 section was checked in G2 (:func:`b2_in_g2`), named
    by the SHA-256 of the section's bytes: a file with that section finds the record, a file
    with another section none (:func:`zkcollat.formats.b2record.entry`)."""
    return b2record.entry(zk.b2, "lem")


def b2_known_in_g2(zk: Zkey, *, fresh: bool = False) -> bool:
    """Make sure the ``.zkey``'s B2 points are in G2: True when the cache records an earlier
    check of this very section, else (or with ``fresh``) check them now (:func:`b2_in_g2`,
    ~0.4 s CPU at CollateralLock(20), once per key; a point outside is refused by name) and
    record it, and return False (:func:`zkcollat.formats.b2record.known_in_g2`, the same
    records as a ``.zkpk``'s).

    The record is the cache directory's word (see :mod:`zkcollat.formats.b2record` for what a
    forged one can do). Here it is bounded besides: :func:`prove_zkey_file` verifies every
    proof against the file's own verifying key before returning it, and a proof that does not
    verify after a recorded check sends B2 to be checked anew (the bad point named).
    """
    return b2record.known_in_g2(zk.b2, "lem", fresh=fresh)


def cached_pk(
    zkey_path: str | os.PathLike[str], *, rebuild: bool = False
) -> tuple[ProvingKey, Zkey, str]:
    """The proving key of a ``.zkey``, converted once and cached by the file's SHA-256.

    A cache entry is used only when its verifying key (and beta1, delta1) is the file's own,
    so a proof checked with ``pk.vk`` is checked against the key the user named, whatever
    the cache directory holds: an entry written by someone else, or damaged, can make
    proving fail, never pass a proof for another key. (The trust records beside it are the
    cache directory's word, as before: see :mod:`zkcollat.ceremony.trust`.) ``rebuild``:
    convert the file again whatever the entry holds. A conversion checks the B2 points in G2
    (:func:`b2_in_g2`): the key converted is marked so (``ProvingKey.b_g2_checked``), a key
    read from the entry is not (its B2 summed plainly).
    """
    from zkcollat.formats import pkey
    from zkcollat.formats.zkey import read_zkey

    data = limits.read_bytes(zkey_path, ".zkey", MAX_FILE_BYTES)
    digest = file_sha256(data)
    name = f"zkey {str(zkey_path)!r}"
    path = cache_file("zkey", f"{digest}.zkpk")
    trusted = trusted_record(digest) is not None
    if os.path.exists(path) and not rebuild:
        # The coefficients are not checked here: both provers check every entry before use.
        zk = read_zkey(data, name=name, check_coefficients=False)
        try:
            pk = pkey.load(path, warn=False)
            if (
                pk.vk.ceremony == trusted
                and pk.circuit_digest == zkey_digest(zk)
                and _same_key_points(pk, zk)
            ):
                return pk, zk, digest
        except KeyFormatError:
            pass  # a damaged cache entry is rebuilt
    zk = read_zkey(data, name=name)
    pk = zkey_to_pk(zk, trusted=trusted, metadata={"zkey_sha256": digest})
    make_folder_for(path)
    pkey.save(pk, path)
    return pk, zk, digest


def prove_with_zkey(
    pk: ProvingKey,
    zk: Zkey,
    witness: list[int],
    *,
    blinding: tuple[int, int] | None = None,
    once: bool = False,
) -> tuple[Proof, list[int]]:
    """A proof and the public signals from a key and a full witness (``.wtns`` values).

    On the native backend the rows, the quotient, the MSMs and the combination are one call
    (``FusedProver.prove_zkey``); otherwise the rows come from :func:`zkey_rows` and the
    proof from :func:`~zkcollat.groth16.prove.prove_from_rows`: the same proof for the same
    ``blinding`` (``(r, s)``, for tests only). Either way the proof is verified before it is
    returned: a snarkjs key has no C matrix, so a witness for another circuit would otherwise
    give a proof that nobody accepts. ``once``: the key proves once (a command line), so the
    check does not prepare it (:func:`~zkcollat.groth16.verify.verify_or_raise`).
    """
    if len(witness) != zk.n_vars:
        raise ProvingError(
            f"the witness has {len(witness)} values; the key's circuit has {zk.n_vars} signals"
        )
    if witness[0] != 1:
        raise ProvingError("witness[0] must be the constant 1")
    return prove_with_zkey_packed(
        pk, zk, pack_fr(witness, "witness"), blinding=blinding, once=once
    )


def prove_with_zkey_packed(
    pk: ProvingKey,
    zk: Zkey,
    w_packed: bytes,
    *,
    blinding: tuple[int, int] | None = None,
    once: bool = False,
) -> tuple[Proof, list[int]]:
    """:func:`prove_with_zkey` from the witness as 32-byte big-endian words, each below r
    (``pack_fr``, or :func:`~zkcollat.formats.wtns.read_wtns_packed` of a ``.wtns``): the
    same checks, messages and proof, no Python int per value."""
    from zkcollat.curve.backend import get_backend

    _check_witness(zk, w_packed)
    b = get_backend()
    r, s = _blinding(blinding)
    fused = pk.fused_prover(b)
    points = fused.prove_zkey(zk.coeffs, w_packed, r, s) if fused is not None else None
    if points is not None:
        proof = Proof(*points)
    else:
        from zkcollat.groth16.prove import prove_from_rows

        rows = zkey_rows(zk.coeffs, w_packed, zk.domain_size)
        proof = prove_from_rows(pk, w_packed, rows, backend=b, blinding=(r, s))
    public = unpack_fr(w_packed[32 : 32 * (zk.n_public + 1)])
    if not _verifies(pk.vk, public, proof, once):
        raise ProvingError(_NOT_SATISFIED)
    return proof, public


_NOT_SATISFIED = (
    "the witness does not satisfy the key's circuit (the proof does not verify): "
    "was the .wtns computed for this circuit?"
)


def _check_witness(zk: Zkey, w_packed: bytes) -> None:
    if len(w_packed) != 32 * zk.n_vars:
        raise ProvingError(
            f"the witness has {len(w_packed) // 32} values; the key's circuit has "
            f"{zk.n_vars} signals"
        )
    if int.from_bytes(w_packed[:32], "big") != 1:
        raise ProvingError("witness[0] must be the constant 1")


def _blinding(blinding: tuple[int, int] | None) -> tuple[int, int]:
    from random import SystemRandom  # os.urandom, as secrets (which would import OpenSSL)

    if blinding is not None:
        return blinding
    rng = SystemRandom()
    return rng.randrange(R), rng.randrange(R)


def _verifies(vk: VerifyingKey, public: list[int], proof: Proof, once: bool) -> bool:
    from zkcollat.groth16.verify import verify

    return verify(vk, public, proof, once=once)


def prove_zkey_file(
    zkey_path: str | os.PathLike[str],
    w_packed: bytes,
    *,
    blinding: tuple[int, int] | None = None,
) -> tuple[Proof, list[int], VerifyingKey]:
    """``prove --zkey KEY --wtns W`` in one process: the proof, the public signals and the
    key's verifying key (``ceremony`` set when ``ceremony verify`` recorded the file trusted).

    On a backend that loads a prover from a ``.zkey``'s own sections (the native one), the
    points of alpha, beta, delta and of A, B1, B2 and C come from the file, each checked on its
    curve, in the file's encoding (no conversion), and only the power-form H from the cache,
    named by the H section's hash (:func:`power_h`); the verifying key is the file's, and the
    proof is verified against it before it is returned. A proof that does not verify with H
    from the cache is made again once with H converted anew from the file, so a damaged entry
    costs time, never a refusal of a good witness; if it still does not verify, the witness
    is not this circuit's. The whole file is hashed only to look up a trust record, when the
    cache holds any (:func:`~zkcollat.ceremony.trust.records_exist`). Elsewhere (the reference
    backend, an older extension): :func:`cached_pk` and :func:`prove_with_zkey_packed`, the
    same checks.
    """
    from zkcollat.curve.backend import Backend, get_backend
    from zkcollat.groth16.values import key_problems

    b = get_backend()
    if type(b).zkey_fused_prover is Backend.zkey_fused_prover:  # it proves with a converted key
        return _prove_converted(zkey_path, w_packed, blinding)
    loaded = load_zkey_prover(zkey_path, w_packed)
    if loaded is None:  # an extension built before the sections' loader
        return _prove_converted(zkey_path, w_packed, blinding)
    zk, fused, trusted, from_cache = loaded
    name = f"zkey {str(zkey_path)!r}"
    vk = zkey_to_vk(zk, trusted=trusted)
    problems = key_problems(vk)
    if problems:
        raise KeyFormatError(f"{name}: key refused: {'; '.join(problems)}")
    public = unpack_fr(w_packed[32 : 32 * (zk.n_public + 1)])
    r, s = _blinding(blinding)

    def attempt(rebuild: bool) -> Proof | None:
        if rebuild:  # H converted anew, B2 checked anew (a forged record: the bad point named)
            b2_known_in_g2(zk, fresh=True)
        prover = (
            b.zkey_fused_prover(zk, power_h(zk, convert=True)[0], b_g2_in_g2=True)
            if rebuild
            else fused
        )
        if prover is None:
            return None
        points = prover.prove_zkey(zk.coeffs, w_packed, r, s)
        if points is None:  # an extension with from_lem has prove_zkey
            raise ProvingError("this backend cannot prove with a .zkey's sections")
        proof = Proof(*points)
        return proof if _verifies(vk, public, proof, True) else None

    return _with_rebuild(attempt, from_cache), public, vk


#: What :func:`load_zkey_prover` returns: the parsed key, the backend's fused prover over its
#: sections, whether ``ceremony verify`` recorded this very file as trusted, and whether H or
#: B2's G2 check came from the cache (then a proof that fails is made again from the file).
#: A plain tuple, not a NamedTuple class: this module is imported by ``prove --zkey --wtns``,
#: whose whole process is benchmarked, and making the class costs ~0.15 ms there.
LoadedZkey = tuple[Zkey, "FusedProver", bool, bool]


def load_zkey_prover(
    zkey_path: str | os.PathLike[str], w_packed: bytes | None = None
) -> LoadedZkey | None:
    """The loading steps of :func:`prove_zkey_file` (also timed on their own by
    ``benchmarks/bench_ceremony.py``): the file parsed (its coefficients are checked by the
    prover, entry by entry), hashed for a trust record only when the cache holds any, the
    witness's length and constant checked (when given) before anything costly, the power-form
    H (:func:`power_h`), B2 known in G2 (:func:`b2_known_in_g2`) and the backend's prover over
    the sections. None when the backend has no prover over a ``.zkey``'s sections."""
    from zkcollat.curve.backend import get_backend
    from zkcollat.formats.zkey import read_zkey

    name = f"zkey {str(zkey_path)!r}"
    source: bytes | str | os.PathLike[str] = zkey_path  # mapped, each section copied once
    trusted = False  # no record in the cache: no file is trusted, and none is hashed
    if records_exist():  # the bytes hashed are the bytes parsed
        source = limits.read_bytes(zkey_path, ".zkey", MAX_FILE_BYTES)
        trusted = trusted_record(file_sha256(source)) is not None
    zk = read_zkey(source, name=name, check_coefficients=False)  # the prover checks each entry
    if w_packed is not None:
        _check_witness(zk, w_packed)
    h, h_cached = power_h(zk)
    # B2's points known in G2 (checked now, or a recorded check): B2 split by the endomorphism
    b2_recorded = b2_known_in_g2(zk)
    fused = get_backend().zkey_fused_prover(zk, h, b_g2_in_g2=True)
    if fused is None:
        return None
    return zk, fused, trusted, h_cached or b2_recorded


def _power_h_entry(zk: Zkey) -> str:
    """The cache file of the power-form H of a ``.zkey``'s H section, named by the SHA-256 of
    what it is computed from (the domain size and the section's bytes): a file with that
    section finds the H that is right for it, a file with another section another entry."""
    from zkcollat.formats.digest import sha256_hex

    digest = sha256_hex(b"zkcollat-zkey-h-v1" + zk.domain_size.to_bytes(4, "big") + zk.h)
    return cache_file("zkey", "h", f"{digest}.bin")


def power_h(zk: Zkey, *, convert: bool = False) -> tuple[bytes, bool]:
    """The power-form H of ``zk`` (:func:`h_to_power_form`) and whether it came from the
    cache: read from its entry (:func:`_power_h_entry`) when it has the right length, else
    (or with ``convert``) converted from the file's section and cached. What the entry holds
    is not checked here: a caller uses it only in a proof that it verifies before use, as
    :func:`prove_zkey_file` does."""
    path = _power_h_entry(zk)
    want = (zk.domain_size - 1) * 64
    if not convert:
        try:
            with open(path, "rb") as f:
                h = f.read(want + 1)
            if len(h) == want:
                return h, True
        except OSError:
            pass  # no entry: convert
    h = h_to_power_form(zk.h, zk.domain_size)
    write_cache_file(path, h)
    return h, False


def _prove_converted(
    zkey_path: str | os.PathLike[str], w_packed: bytes, blinding: tuple[int, int] | None
) -> tuple[Proof, list[int], VerifyingKey]:
    """:func:`prove_with_zkey_packed` with the converted key, retried as
    :func:`prove_zkey_file` does (:func:`_with_rebuild`)."""

    def attempt(rebuild: bool) -> tuple[Proof, list[int], VerifyingKey] | None:
        pk, zk, _ = cached_pk(zkey_path, rebuild=rebuild)
        try:
            proof, public = prove_with_zkey_packed(pk, zk, w_packed, blinding=blinding, once=True)
        except ProvingError as e:
            if str(e) != _NOT_SATISFIED:
                raise
            return None
        return proof, public, pk.vk

    return _with_rebuild(attempt, True)


def _with_rebuild(attempt: Callable[[bool], T | None], from_cache: bool) -> T:
    """``attempt(False)`` with the converted-key cache entry as it is, then, when its proof
    does not verify (None) and the entry may have come from the cache, ``attempt(True)`` with
    the entry converted anew from the file: a damaged or forged entry costs time, never a
    wrong proof and never the refusal of a good witness. When no attempt verifies, the
    witness is not this circuit's."""
    result = attempt(False)
    if result is None and from_cache:
        result = attempt(True)
    if result is None:
        raise ProvingError(_NOT_SATISFIED)
    return result


# --- keys of zkcollat's own statements -----------------------------------------------------------

_PARAM = {"collateral_lock": "depth", "merkle_inclusion": "depth", "balance_threshold": "bits"}
_DEFAULT = {"depth": 20, "bits": 128}


def describe(name: str, params: dict[str, int]) -> str:
    key = _PARAM.get(name, "")
    value = params.get(key, _DEFAULT.get(key))
    return f"{name} {key} {value}" if key else name


def _identify(zk: Zkey, name: str) -> str | None:
    """Which parameter of circuit ``name`` has the key's signal counts (None if none does)."""
    from zkcollat.statements import by_name

    key = _PARAM.get(name)
    if key is None:
        return None
    v1 = by_name(name, **{key: 1}).compile().n_wires
    v2 = by_name(name, **{key: 2}).compile().n_wires
    step = v2 - v1
    if step <= 0 or (zk.n_vars - v1) % step:
        return None
    guess = 1 + (zk.n_vars - v1) // step
    top = 32 if key == "depth" else 252
    if not 1 <= guess <= top:
        return None
    cs = by_name(name, **{key: guess}).compile()
    if (cs.n_wires, cs.n_public) != (zk.n_vars, zk.n_public):
        return None
    return f"{name} {key} {guess}"


def circuit_of(cs: object) -> Circuit:
    """The phase-2 view of a compiled zkcollat circuit (through its ``.r1cs`` bytes)."""
    from zkcollat.ceremony.phase2 import circuit_from_r1cs
    from zkcollat.formats.r1cs_bin import r1cs_bytes

    return circuit_from_r1cs(r1cs_bytes(cs))  # type: ignore[arg-type]


def check_key_circuit(zk: Zkey, name: str, params: dict[str, int], cs: object) -> None:
    """Refuse a key made for another circuit, naming both ("key is for collateral_lock depth
    32; circuit is collateral_lock depth 20")."""
    from zkcollat.ceremony.phase2 import coefficient_section

    circuit = circuit_of(cs)
    if zk.coeffs == coefficient_section(circuit) and (zk.n_vars, zk.n_public) == (
        circuit.n_vars,
        circuit.n_public,
    ):
        return
    mine = describe(name, params)
    theirs = _identify(zk, name)
    if theirs is None:
        theirs = (
            f"another circuit ({zk.n_vars} signals, {zk.n_public} public, domain {zk.domain_size})"
        )
    raise KeyFormatError(f"key is for {theirs}; circuit is {mine}")


def pk_for_circuit(
    zkey_path: str | os.PathLike[str], name: str, params: dict[str, int], cs: object
) -> ProvingKey:
    """The cached proving key of a ``.zkey`` made for zkcollat's circuit ``name``."""
    from zkcollat.groth16.qap import circuit_digest

    pk, zk, _ = cached_pk(zkey_path)
    check_key_circuit(zk, name, params, cs)
    pk.circuit_digest = circuit_digest(cs)  # type: ignore[arg-type]
    pk.vk = VerifyingKey(
        alpha_g1=pk.vk.alpha_g1,
        beta_g2=pk.vk.beta_g2,
        gamma_g2=pk.vk.gamma_g2,
        delta_g2=pk.vk.delta_g2,
        gamma_abc_g1=pk.vk.gamma_abc_g1,
        ceremony=pk.vk.ceremony,
        metadata={
            **pk.vk.metadata,
            "circuit": name,
            "params": json.dumps(params, sort_keys=True),
        },
    )
    return pk
