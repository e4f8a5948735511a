"""``A.w, B.w, C.w`` from a ``.zkey``'s coefficient section (``prove --zkey``), on both backends:
the rows equal the circuit's own constraints evaluated on the witness, the two backends give
the same bytes, and a malformed section is refused with the same reason by both."""

from __future__ import annotations

import random
import struct
from collections.abc import Callable

import pytest

from zkcollat.ceremony.keys import circuit_of, zkey_rows
from zkcollat.ceremony.phase2 import Circuit, coefficient_section
from zkcollat.curve import Backend, use_backend
from zkcollat.errors import EncodingError, FieldError, LengthMismatch
from zkcollat.field import R, pack_fr, unpack_fr
from zkcollat.formats.zkey import COEF_SIZE
from zkcollat.hash.poseidon import poseidon_hash


@pytest.fixture(scope="module")
def balance() -> tuple[Circuit, bytes, list[int]]:
    """BalanceThreshold(16): its phase-2 view, its key's coefficient section, a witness."""
    from zkcollat.statements import by_name

    cs = by_name("balance_threshold", bits=16).compile()
    w = cs.solve({"commitment": str(poseidon_hash([1000, 77])), "threshold": "900",
                  "amount": "1000", "blinding": "77"})
    circuit = circuit_of(cs)
    return circuit, coefficient_section(circuit), w


def _lc(terms: list[tuple[int, int]], w: list[int]) -> int:
    return sum(v * w[s] for s, v in terms) % R


def test_rows_are_the_circuit_on_the_witness(
    balance: tuple[Circuit, bytes, list[int]], backend: Backend
) -> None:
    circuit, coeffs, w = balance
    n, m = circuit.domain_size, circuit.n_constraints
    a, b, c = (unpack_fr(x) for x in zkey_rows(coeffs, pack_fr(w), n))
    assert len(a) == len(b) == len(c) == n
    for i, (la, lb, lc) in enumerate(circuit.constraints):
        assert (a[i], b[i]) == (_lc(la, w), _lc(lb, w)), i
        assert c[i] == _lc(lc, w), i  # A.w * B.w = C.w: the witness satisfies the circuit
    for s in range(circuit.n_public + 1):  # the public-input rows A[m + s][s] = 1
        assert (a[m + s], b[m + s], c[m + s]) == (w[s], 0, 0)
    k = m + circuit.n_public + 1
    assert a[k:] == b[k:] == c[k:] == [0] * (n - k)


def test_both_backends_give_the_same_rows(balance: tuple[Circuit, bytes, list[int]]) -> None:
    circuit, coeffs, _ = balance
    rng = random.Random(16)
    w = [1] + [rng.choice([0, 1, R - 1, rng.randrange(R)]) for _ in range(circuit.n_vars - 1)]
    with use_backend("reference"):
        ref = zkey_rows(coeffs, pack_fr(w), circuit.domain_size)
    with use_backend("native"):
        nat = zkey_rows(coeffs, pack_fr(w), circuit.domain_size)
    assert ref == nat


def _entry(m: int, c: int, s: int, word: int) -> bytes:
    return struct.pack("<III", m, c, s) + word.to_bytes(32, "little")


def _section(*entries: bytes) -> bytes:
    return struct.pack("<I", len(entries)) + b"".join(entries)


ONE = pow(2, 512, R)  # 1 as stored


@pytest.mark.parametrize(
    ("coeffs", "error", "reason"),
    [
        (_section(_entry(2, 0, 0, ONE)), EncodingError, "coefficient 0: matrix 2 is neither"),
        (_section(_entry(0, 0, 0, ONE), _entry(1, 4, 0, ONE)), LengthMismatch,
         "coefficient 1: constraint 4 is outside the domain of 4 rows"),
        (_section(_entry(0, 0, 3, ONE)), LengthMismatch,
         "coefficient 0: signal 3 is outside the witness of 3 values"),
        (_section(_entry(0, 0, 0, R)), FieldError, "coefficient 0: value is not below r"),
        (_section(_entry(0, 0, 0, ONE))[:-1], LengthMismatch, "declares 1 entries"),
        (struct.pack("<I", 2) + _entry(0, 0, 0, ONE), LengthMismatch,
         f"declares 2 entries \\({4 + 2 * COEF_SIZE} bytes\\)"),
        (b"\x01\x00", EncodingError, "shorter than its count"),
    ],
)
def test_malformed_sections_refused_alike(
    coeffs: bytes, error: type[Exception], reason: str, backend: Backend
) -> None:
    with pytest.raises(error, match=reason):
        zkey_rows(coeffs, pack_fr([1, 2, 3]), 4)


def test_witness_at_or_above_r_refused(backend: Backend) -> None:
    coeffs = _section(_entry(0, 0, 1, ONE))
    with pytest.raises(FieldError, match=r"witness\[1\] is not below"):
        zkey_rows(coeffs, b"".join(v.to_bytes(32, "big") for v in (1, R)), 4)


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        (0, 2, "matrix 2"),
        (1, 1 << 20, "constraint 1048576"),
        (2, 1 << 20, "signal 1048576"),
    ],
)
def test_zkey_reader_refuses_out_of_range_coefficients(
    balance: tuple[Circuit, bytes, list[int]], field: int, value: int, reason: str
) -> None:
    from zkcollat.formats.zkey import ZkeyError, read_zkey

    data = _key_with_entry(balance, 5, lambda e: e[: 4 * field] + struct.pack("<I", value)
                           + e[4 * field + 4 :])
    with pytest.raises(ZkeyError, match=f"coefficient 5 \\({'.*'}{reason}"):
        read_zkey(data)


@pytest.mark.parametrize(("word", "ok"), [(R - 1, True), (R, False), (2**256 - 1, False)])
def test_zkey_reader_checks_values_against_r(
    balance: tuple[Circuit, bytes, list[int]], word: int, ok: bool
) -> None:
    from zkcollat.formats.zkey import ZkeyError, read_zkey

    data = _key_with_entry(balance, 7, lambda e: e[:12] + word.to_bytes(32, "little"))
    if ok:
        assert read_zkey(data).coeffs[4 + 7 * COEF_SIZE + 12 :][:32] == word.to_bytes(32, "little")
    else:
        with pytest.raises(ZkeyError, match="coefficient 7 is not below r"):
            read_zkey(data)


def _key_with_entry(
    balance: tuple[Circuit, bytes, list[int]], i: int, edit: Callable[[bytes], bytes]
) -> bytes:
    """A structurally valid key (zero points) whose coefficient ``i`` is edited."""
    from zkcollat.formats.zkey import Zkey

    circuit, coeffs, _ = balance
    o = 4 + i * COEF_SIZE
    coeffs = coeffs[:o] + edit(coeffs[o : o + COEF_SIZE]) + coeffs[o + COEF_SIZE :]
    n, nv, npub = circuit.domain_size, circuit.n_vars, circuit.n_public
    g1, g2 = bytes(64), bytes(128)
    zk = Zkey(n_vars=nv, n_public=npub, domain_size=n, alpha_g1=g1, beta_g1=g1, beta_g2=g2,
              gamma_g2=g2, delta_g1=g1, delta_g2=g2, ic=g1 * (npub + 1), coeffs=coeffs,
              a=g1 * nv, b1=g1 * nv, b2=g2 * nv, c=g1 * (nv - npub - 1), h=g1 * n,
              cs_hash=bytes(64))
    return zk.to_bytes()


def test_combine_refuses_g2_bases_outside_the_subgroup(backend: Backend) -> None:
    """A phase-1 file's G2 points are in G2; a twist point outside it is refused by name (the
    native kernel multiplies with the GLV endomorphism, which is lambda only on G2)."""
    from zkcollat.ceremony.rng import _B2
    from zkcollat.curve.points import G2_GENERATOR, G2Point
    from zkcollat.errors import PointError
    from zkcollat.field import P, fq2_mul, fq2_sqrt
    from zkcollat.formats.lem import g2_to_lem, lem_combine

    x = 1
    while True:  # the first twist point with x = (x, 0): its order is not r
        xx = (x, 0)
        x3 = fq2_mul(fq2_mul(xx, xx), xx)
        y = fq2_sqrt(((x3[0] + _B2[0]) % P, (x3[1] + _B2[1]) % P))
        if y is not None:
            break
        x += 1
    bad = g2_to_lem(G2Point(xx, y))
    good = g2_to_lem(G2_GENERATOR)
    with pytest.raises(PointError, match=r"base\[1\].*subgroup"):
        lem_combine(good + bad, [0, 1, 2], [0, 1], [5, 3], g2=True)
