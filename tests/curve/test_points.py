"""Point encodings: snarkjs JSON, EVM words and bytes; every malformed form is rejected."""

from __future__ import annotations

import pytest

from zkcollat.curve import G1_GENERATOR, G1_IDENTITY, G2_GENERATOR, G2_IDENTITY, Backend
from zkcollat.curve.points import (
    g1_from_evm,
    g1_from_snarkjs,
    g2_from_evm,
    g2_from_snarkjs,
)
from zkcollat.errors import EncodingError, PointError
from zkcollat.field import P


def test_snarkjs_round_trips(backend: Backend) -> None:
    p = backend.g1_mul(G1_GENERATOR, 12345)
    q = backend.g2_mul(G2_GENERATOR, 54321)
    assert g1_from_snarkjs(p.to_snarkjs()) == p
    assert g2_from_snarkjs(q.to_snarkjs()) == q
    assert g1_from_snarkjs(G1_IDENTITY.to_snarkjs()) == G1_IDENTITY
    assert g2_from_snarkjs(G2_IDENTITY.to_snarkjs()) == G2_IDENTITY
    assert g1_from_evm(p.to_evm()) == p
    assert g2_from_evm(q.to_evm()) == q
    # EIP-197 order: imaginary part first
    assert q.to_evm() == [[q.x[1], q.x[0]], [q.y[1], q.y[0]]]


def test_snarkjs_rejections() -> None:
    g = G1_GENERATOR.to_snarkjs()
    for bad, exc, match in (
        (["1", "3", "1"], PointError, "not on the BN254 G1 curve"),
        ([str(1 + P), "2", "1"], PointError, "not below"),
        (["1", "2", "2"], EncodingError, "affine"),
        (["1", "2"], EncodingError, "3 elements"),
        (["0x1", "2", "1"], EncodingError, "decimal"),
        (["5", "1", "0"], EncodingError, "identity"),
        ("1,2,1", EncodingError, "array"),
    ):
        with pytest.raises(exc, match=match):
            g1_from_snarkjs(bad)
    assert g == ["1", "2", "1"]
    q = G2_GENERATOR.to_snarkjs()
    wrong_y = [q[0], [q[1][0], str((int(q[1][1]) + 1) % P)], q[2]]
    with pytest.raises(PointError, match="twist"):
        g2_from_snarkjs(wrong_y)
    with pytest.raises(EncodingError, match="affine"):
        g2_from_snarkjs([q[0], q[1], ["2", "0"]])
    with pytest.raises(PointError, match="not below"):
        g2_from_snarkjs([[str(int(q[0][0]) + P), q[0][1]], q[1], q[2]])


def test_evm_words_out_of_range() -> None:
    with pytest.raises(PointError, match="not below"):
        g1_from_evm([1 + P, 2])
    with pytest.raises(PointError):
        g1_from_evm([1, 3])
    with pytest.raises(EncodingError):
        g1_from_evm([1, 2, 3])
