"""The BN254 core: each operation on both backends, against each other and known answers."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.vectors import load
from zkcollat.curve import (
    G1_GENERATOR,
    G1_IDENTITY,
    G2_GENERATOR,
    G2_IDENTITY,
    Backend,
    G1Point,
    G2Point,
    load_backend,
)
from zkcollat.curve.points import g1_from_bytes, g2_from_bytes
from zkcollat.errors import BackendError, EncodingError, FieldError, LengthMismatch, PointError
from zkcollat.field import P, R, pack_fr

scalars = st.integers(min_value=0, max_value=R - 1)
edge_scalars = st.sampled_from([0, 1, 2, R - 1, R - 2, 2**128, 2**253])
any_scalar = st.one_of(scalars, edge_scalars)
SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def both() -> tuple[Backend, Backend]:
    return load_backend("reference"), load_backend("native")


# --- single-point operations ------------------------------------------------------------------


def test_generators_are_valid(backend: Backend) -> None:
    assert G1Point(1, 2) == G1_GENERATOR
    assert G1_GENERATOR.is_on_curve() and G2_GENERATOR.is_on_curve()
    assert backend.g2_in_subgroup(G2_GENERATOR)
    assert backend.g1_mul(G1_GENERATOR, 0) == G1_IDENTITY
    assert backend.g2_mul(G2_GENERATOR, 0) == G2_IDENTITY


def test_group_laws(backend: Backend) -> None:
    g, q = G1_GENERATOR, G2_GENERATOR
    assert backend.g1_add(g, G1_IDENTITY) == g
    assert backend.g1_add(g, backend.g1_neg(g)) == G1_IDENTITY
    assert backend.g1_add(g, g) == backend.g1_mul(g, 2)
    assert backend.g1_neg(G1_IDENTITY) == G1_IDENTITY
    assert backend.g1_mul(g, R - 1) == backend.g1_neg(g)
    assert backend.g2_add(q, G2_IDENTITY) == q
    assert backend.g2_add(q, backend.g2_neg(q)) == G2_IDENTITY
    assert backend.g2_add(q, q) == backend.g2_mul(q, 2)
    assert backend.g2_mul(q, R - 1) == backend.g2_neg(q)


@SETTINGS
@given(a=any_scalar, b=any_scalar)
def test_g1_ops_agree(a: int, b: int) -> None:
    ref, nat = both()
    pa, pb = ref.g1_mul(G1_GENERATOR, a), ref.g1_mul(G1_GENERATOR, b)
    assert nat.g1_mul(G1_GENERATOR, a) == pa
    assert nat.g1_add(pa, pb) == ref.g1_add(pa, pb) == ref.g1_mul(G1_GENERATOR, (a + b) % R)
    assert nat.g1_neg(pa) == ref.g1_neg(pa)
    assert nat.g1_mul(pa, b) == ref.g1_mul(pa, b)


@settings(max_examples=4, deadline=None)
@given(a=any_scalar, b=any_scalar)
def test_g2_ops_agree(a: int, b: int) -> None:
    ref, nat = both()
    qa, qb = ref.g2_mul(G2_GENERATOR, a), ref.g2_mul(G2_GENERATOR, b)
    assert nat.g2_mul(G2_GENERATOR, a) == qa
    assert nat.g2_add(qa, qb) == ref.g2_add(qa, qb)
    assert nat.g2_neg(qa) == ref.g2_neg(qa)


@pytest.mark.parametrize("k", [R, R + 1, 2**256 - 1, -1])
def test_scalars_outside_fr_are_rejected_not_reduced(backend: Backend, k: int) -> None:
    # A scalar >= r would give the same point as k mod r on the r-subgroup, but the core never
    # reduces silently: callers must hand in canonical scalars (PROTOCOL.md s.1).
    with pytest.raises(FieldError):
        backend.g1_mul(G1_GENERATOR, k)
    with pytest.raises(FieldError):
        backend.g2_mul(G2_GENERATOR, k)
    with pytest.raises(FieldError):
        backend.g1_msm([G1_GENERATOR], [k])


def test_off_curve_points_are_rejected(backend: Backend) -> None:
    bad1 = G1Point(1, 3)
    bad2 = G2Point(G2_GENERATOR.x, (G2_GENERATOR.y[0], (G2_GENERATOR.y[1] + 1) % P))
    for op in (
        lambda: backend.g1_add(bad1, G1_GENERATOR),
        lambda: backend.g1_mul(bad1, 2),
        lambda: backend.g1_neg(bad1),
        lambda: backend.g1_vector([G1_GENERATOR, bad1]),
        lambda: backend.g2_add(bad2, G2_GENERATOR),
        lambda: backend.g2_mul(bad2, 3),
        lambda: backend.g2_vector([bad2]),
        lambda: backend.pairing_check([(G1_GENERATOR, bad2)]),
    ):
        with pytest.raises(PointError):
            op()


def test_out_of_range_coordinates_are_rejected(backend: Backend) -> None:
    # (x + p, y) would be the same point mod p: it must be refused, not reduced.
    with pytest.raises(PointError):
        backend.g1_add(G1Point(1 + P, 2), G1_GENERATOR)
    with pytest.raises(PointError):
        backend.g1_vector([G1Point(1, 2 + P)])
    shifted = G2Point((G2_GENERATOR.x[0] + P, G2_GENERATOR.x[1]), G2_GENERATOR.y)
    with pytest.raises(PointError):
        backend.g2_mul(shifted, 2)


def _twist_point_outside_subgroup() -> G2Point:
    """A point on the twist curve whose order is not r (the twist has cofactor > 1)."""
    # Find x with x^3 + b2 a square in F_p2 by trying small x; py_ecc has the sqrt we need.
    from py_ecc.fields import optimized_bn128_FQ2 as FQ2

    from zkcollat.curve.points import B2, _fq2_mul

    for x0 in range(1, 200):
        x = (x0, 1)
        rhs = _fq2_mul(_fq2_mul(x, x), x)
        rhs = ((rhs[0] + B2[0]) % P, (rhs[1] + B2[1]) % P)
        y = _fq2_sqrt(FQ2(list(rhs)))
        if y is not None:
            pt = G2Point(x, (int(y.coeffs[0]), int(y.coeffs[1])))
            assert pt.is_on_curve()
            return pt
    raise AssertionError("no twist point found")


def _fq2_sqrt(a):  # type: ignore[no-untyped-def]
    # p = 3 mod 4 in F_p2: candidate = a^((p^2 + 7) / 16) fails; use the generic exponent
    # (p^2 - 1)/2 test then Tonelli-Shanks-free formula for q = p^2 = 9 mod 16: try roots of unity.
    q = P * P
    if a ** ((q - 1) // 2) != a.one():
        return None
    from py_ecc.fields import optimized_bn128_FQ2 as FQ2

    # q - 1 = 2^s * t with small s; plain Tonelli-Shanks.
    s, t = 0, q - 1
    while t % 2 == 0:
        s, t = s + 1, t // 2
    z = FQ2([1, 1])
    while z ** ((q - 1) // 2) == z.one():
        z = z + FQ2([1, 0])
    m, c, tt, rr = s, z**t, a**t, a ** ((t + 1) // 2)
    while tt != tt.one():
        i, t2 = 0, tt
        while t2 != t2.one():
            t2, i = t2 * t2, i + 1
        b = c ** (2 ** (m - i - 1))
        m, c, tt, rr = i, b * b, tt * b * b, rr * b
    return rr


def test_g2_outside_subgroup_is_rejected(backend: Backend) -> None:
    pt = _twist_point_outside_subgroup()
    assert pt.is_on_curve()
    assert not backend.g2_in_subgroup(pt)
    assert backend.g2_in_subgroup(backend.g2_mul(G2_GENERATOR, 12345))
    with pytest.raises(PointError):
        backend.g2_vector([pt])
    with pytest.raises(PointError):
        backend.pairing_check([(G1_GENERATOR, pt)])
    with pytest.raises(PointError, match="subgroup"):
        g2_from_bytes(pt.to_bytes())


# --- MSM -------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [0, 1, 3, 7])
def test_msm_lengths_agree(n: int) -> None:
    ref, nat = both()
    pts = [ref.g1_mul(G1_GENERATOR, i + 5) for i in range(n)]
    qts = [ref.g2_mul(G2_GENERATOR, i + 5) for i in range(min(n, 3))]
    ks = [(i * 7919 + 1) ** 5 % R for i in range(n)]
    expect = G1_IDENTITY
    for p, k in zip(pts, ks, strict=True):
        expect = ref.g1_add(expect, ref.g1_mul(p, k))
    assert ref.g1_msm(pts, ks) == nat.g1_msm(pts, ks) == expect
    assert nat.g1_msm(pts, pack_fr(ks)) == expect  # bytes buffer path
    assert ref.g2_msm(qts, ks[: len(qts)]) == nat.g2_msm(qts, ks[: len(qts)])


def test_batch_mul_agrees(backend: Backend) -> None:
    ks = [0, 1, 2, R - 1, 0xDEADBEEF]
    assert backend.g1_batch_mul(G1_GENERATOR, ks) == [backend.g1_mul(G1_GENERATOR, k) for k in ks]
    assert backend.g1_batch_mul(G1_GENERATOR, pack_fr(ks)) == backend.g1_batch_mul(G1_GENERATOR, ks)
    assert backend.g2_batch_mul(G2_GENERATOR, ks[:3]) == [
        backend.g2_mul(G2_GENERATOR, k) for k in ks[:3]
    ]
    assert backend.g1_batch_mul(G1_GENERATOR, []) == []
    with pytest.raises(FieldError):
        backend.g1_batch_mul(G1_GENERATOR, [R])


def test_msm_with_identity_and_zero_scalars(backend: Backend) -> None:
    pts = [G1_IDENTITY, G1_GENERATOR, G1_GENERATOR]
    assert backend.g1_msm(pts, [5, 0, 1]) == G1_GENERATOR
    assert backend.g1_msm([], []) == G1_IDENTITY
    assert backend.g2_msm([G2_IDENTITY, G2_GENERATOR], [3, 2]) == backend.g2_mul(G2_GENERATOR, 2)


def test_msm_length_mismatch(backend: Backend) -> None:
    vec = backend.g1_vector([G1_GENERATOR, G1_GENERATOR])
    with pytest.raises(LengthMismatch):
        vec.msm([1])
    with pytest.raises(LengthMismatch):
        vec.msm([1, 2, 3])
    with pytest.raises(LengthMismatch):
        vec.msm_range(1, [1, 2])
    assert vec.msm_range(1, [3]) == backend.g1_mul(G1_GENERATOR, 3)


def test_point_vector_is_reusable(backend: Backend) -> None:
    pts = [backend.g1_mul(G1_GENERATOR, i + 1) for i in range(4)]
    vec = backend.g1_vector(pts)
    assert len(vec) == 4
    for k in range(3):
        assert vec.msm([k, 0, 0, 1]) == backend.g1_mul(G1_GENERATOR, k + 4)


# --- FFT -------------------------------------------------------------------------------------


def _eval(coeffs: list[int], x: int) -> int:
    acc = 0
    for c in reversed(coeffs):
        acc = (acc * x + c) % R
    return acc


@pytest.mark.parametrize("n", [1, 2, 8, 64])
def test_fft_against_naive_evaluation(backend: Backend, n: int) -> None:
    coeffs = [(i * i + 3) * 0x1234567 % R for i in range(n)]
    omega = pow(5, (R - 1) // n, R)
    assert backend.fft(coeffs) == [_eval(coeffs, pow(omega, i, R)) for i in range(n)]
    assert backend.coset_fft(coeffs) == [_eval(coeffs, 5 * pow(omega, i, R) % R) for i in range(n)]


@SETTINGS
@given(st.integers(0, 6).flatmap(lambda k: st.lists(scalars, min_size=2**k, max_size=2**k)))
def test_fft_round_trips_and_backends_agree(values: list[int]) -> None:
    ref, nat = both()
    for fwd, inv in (("fft", "ifft"), ("coset_fft", "coset_ifft")):
        out = getattr(nat, fwd)(values)
        assert out == getattr(ref, fwd)(values)
        assert getattr(nat, inv)(out) == values == getattr(ref, inv)(out)


def test_packed_fft_matches_list_fft(backend: Backend) -> None:
    values = [(7 * i + 1) ** 3 % R for i in range(16)]
    for inverse in (False, True):
        for coset in (False, True):
            name = ("coset_" if coset else "") + ("ifft" if inverse else "fft")
            out = backend.fft_packed(pack_fr(values), inverse=inverse, coset=coset)
            assert out == pack_fr(getattr(backend, name)(values))


def test_fft_rejects_bad_input(backend: Backend) -> None:
    with pytest.raises(LengthMismatch):
        backend.fft([1, 2, 3])
    with pytest.raises(LengthMismatch):
        backend.ifft([])
    with pytest.raises(FieldError):
        backend.fft([R, 0])


# --- pairings -------------------------------------------------------------------------------


def test_bilinearity(backend: Backend) -> None:
    a, b = 0x1234567, 0x7654321
    ap = backend.g1_mul(G1_GENERATOR, a)
    bq = backend.g2_mul(G2_GENERATOR, b)
    abp = backend.g1_mul(G1_GENERATOR, a * b % R)
    # e(aP, bQ) = e(abP, Q)  <=>  e(aP, bQ) * e(-abP, Q) = 1
    assert backend.pairing_check([(ap, bq), (backend.g1_neg(abp), G2_GENERATOR)])
    assert not backend.pairing_check([(ap, bq), (backend.g1_neg(ap), G2_GENERATOR)])
    assert backend.pairing_check([])
    assert backend.pairing_check([(G1_IDENTITY, bq), (ap, G2_IDENTITY)])


def test_four_pair_check(backend: Backend) -> None:
    g, q = G1_GENERATOR, G2_GENERATOR
    # 2*3 + 4*5 - 1*26 = 0
    pairs = [
        (backend.g1_mul(g, 2), backend.g2_mul(q, 3)),
        (backend.g1_mul(g, 4), backend.g2_mul(q, 5)),
        (backend.g1_neg(g), backend.g2_mul(q, 13)),
        (backend.g1_neg(g), backend.g2_mul(q, 13)),
    ]
    assert backend.pairing_check(pairs)
    pairs[3] = (backend.g1_neg(g), backend.g2_mul(q, 12))
    assert not backend.pairing_check(pairs)


def _eip197_pairs(hexinput: str) -> list[tuple[G1Point, G2Point]]:
    raw = bytes.fromhex(hexinput)
    assert len(raw) % 192 == 0
    return [
        (g1_from_bytes(raw[i : i + 64]), g2_from_bytes(raw[i + 64 : i + 192]))
        for i in range(0, len(raw), 192)
    ]


def test_eip197_published_vector(backend: Backend) -> None:
    for v in load("eip197_pairing.json")["vectors"]:
        pairs = _eip197_pairs(v["input"])
        assert backend.pairing_check(pairs) is v["expected"]
        # changing one point breaks it
        (p0, q0), rest = pairs[0], pairs[1:]
        assert not backend.pairing_check([(backend.g1_add(p0, G1_GENERATOR), q0), *rest])


def test_point_encodings_round_trip() -> None:
    q = load_backend("reference").g2_mul(G2_GENERATOR, 99)
    assert g2_from_bytes(q.to_bytes()) == q
    assert g1_from_bytes(G1_GENERATOR.to_bytes()) == G1_GENERATOR
    assert g1_from_bytes(bytes(64)) == G1_IDENTITY
    with pytest.raises(EncodingError):
        g1_from_bytes(bytes(63))
    with pytest.raises(PointError, match="not below"):
        g1_from_bytes(P.to_bytes(32, "big") + (2).to_bytes(32, "big"))


# --- batch Poseidon --------------------------------------------------------------------------


@pytest.mark.parametrize("n_inputs", list(range(1, 17)))
def test_poseidon_batch_agrees_with_plain(backend: Backend, n_inputs: int) -> None:
    from zkcollat.hash import poseidon_hash

    tuples = [[(i * 31 + j) ** 7 % R for j in range(n_inputs)] for i in range(5)]
    tuples.append([R - 1] * n_inputs)
    tuples.append([0] * n_inputs)
    flat = pack_fr(x for t in tuples for x in t)
    out = backend.poseidon_packed(n_inputs, flat)
    assert out == pack_fr(poseidon_hash(t) for t in tuples)


def test_poseidon_batch_known_answer_and_rejections(backend: Backend) -> None:
    h12 = 7853200120776062878684798364095072458815029376092732009249414926327459813530
    assert backend.poseidon_packed(2, pack_fr([1, 2])) == pack_fr([h12])
    assert backend.poseidon_packed(2, b"") == b""
    with pytest.raises(LengthMismatch):
        backend.poseidon_packed(2, pack_fr([1, 2, 3]))
    with pytest.raises(FieldError):
        backend.poseidon_packed(2, R.to_bytes(32, "big") + bytes(32))


@pytest.mark.parametrize("n_inputs", list(range(1, 17)))
def test_native_poseidon_kernels_agree_with_reference(native: Backend, n_inputs: int) -> None:
    """Both native kernels (the 8-lane AVX-512 IFMA one when the CPU has it, and the
    one-at-a-time one) equal the Python Poseidon: 19 tuples = two full vector passes and 3
    left over, on 0, 1, r - 1, r - 2 and random inputs."""
    import random

    from zkcollat.curve.native import _poseidon
    from zkcollat.hash import poseidon_hash

    rng = random.Random(n_inputs)
    edges = [0, 1, R - 1, R - 2]
    tuples = [[edges[(i + j) % 4] if (i + j) % 3 == 0 else rng.randrange(R)
               for j in range(n_inputs)] for i in range(16)]
    tuples += [[R - 1] * n_inputs, [0] * n_inputs, [rng.randrange(R) for _ in range(n_inputs)]]
    flat = pack_fr(x for t in tuples for x in t)
    want = pack_fr(poseidon_hash(t) for t in tuples)
    h = _poseidon(n_inputs)
    assert h.hash_many(flat) == want
    assert h.hash_many_scalar(flat) == want
    assert native.poseidon_packed(n_inputs, flat) == want


def test_native_poseidon_vector_kernel_rejections(native: Backend) -> None:
    """Out-of-range words are named by index (r itself, in a batch large enough to run on the
    thread pool), the same on both kernels; no result is reduced mod r."""
    from zkcollat.curve.native import _poseidon

    h = _poseidon(2)
    words = [(i * 7919) % R for i in range(2 * 300)]
    for bad in (0, 9, 333, 599):
        flat = bytearray(pack_fr(words))
        flat[bad * 32 : bad * 32 + 32] = R.to_bytes(32, "big")
        for f in (h.hash_many, h.hash_many_scalar):
            with pytest.raises(FieldError, match=rf"input\[{bad}\] is not below"):
                f(bytes(flat))
    with pytest.raises(LengthMismatch):
        h.hash_many(pack_fr(words[:-1]))
    with pytest.raises(EncodingError):
        h.hash_many(pack_fr(words)[:-1])


# --- the CPU features the extension is compiled for (.cargo/config.toml) ----------------------

_FLAGS = "processor\t: 0\nflags\t\t: fpu sse2 avx2 {extra}\nbogomips\t: 4200.00\n"


def test_cpu_features_read_from_cpuinfo() -> None:
    from zkcollat.curve.backend import missing_cpu_features

    assert missing_cpu_features(_FLAGS.format(extra="bmi2 adx")) == []
    assert missing_cpu_features(_FLAGS.format(extra="bmi2")) == ["adx"]
    assert missing_cpu_features(_FLAGS.format(extra="")) == ["bmi2", "adx"]
    assert missing_cpu_features(_FLAGS.format(extra="bmi2x adxx")) == ["bmi2", "adx"]
    assert missing_cpu_features("processor\t: 0\n") == []  # nothing to go by


def test_native_backend_refused_on_a_cpu_without_the_features(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from zkcollat.curve import backend as b

    monkeypatch.setattr(b, "_instances", {})
    monkeypatch.setattr(b, "missing_cpu_features", lambda: ["adx"])
    with pytest.raises(BackendError, match="this CPU lacks adx"):
        b.load_backend("native")
