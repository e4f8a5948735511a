"""Loading a proving key into the native one-call prover: every query point is checked (each
coordinate below p, on its curve), a refused point is named with its index, identities pass."""

from __future__ import annotations

import dataclasses

import pytest

from tests.groth16.circuits import Cube
from zkcollat.curve import Backend
from zkcollat.errors import ZkcollatError
from zkcollat.field import P
from zkcollat.groth16.keys import ProvingKey
from zkcollat.groth16.prove import prove
from zkcollat.groth16.setup import setup
from zkcollat.groth16.verify import verify


@pytest.fixture(scope="module")
def key() -> ProvingKey:
    pk, _ = setup(Cube().compile(), seed=b"prover-load")
    return pk


def _put(buf: bytes, index: int, size: int, point: bytes) -> bytes:
    return buf[: index * size] + point + buf[(index + 1) * size :]


OFF_CURVE_G1 = (1).to_bytes(32, "big") + (3).to_bytes(32, "big")
X_TOO_BIG_G1 = P.to_bytes(32, "big") + (2).to_bytes(32, "big")
OFF_TWIST_G2 = (1).to_bytes(32, "big") + bytes(32) + (1).to_bytes(32, "big") + bytes(32)
Y_TOO_BIG_G2 = bytes(96) + (P + 5).to_bytes(32, "big")


@pytest.mark.parametrize(
    ("field", "size", "index", "point", "message"),
    [
        ("a_query", 64, 2, OFF_CURVE_G1, r"a_query\[2\] is not on the BN254 G1 curve"),
        ("b_g1_query", 64, 1, X_TOO_BIG_G1, r"b_g1_query\[1\]\.x is not below"),
        ("h_query", 64, 0, OFF_CURVE_G1, r"h_query\[0\] is not on the BN254 G1 curve"),
        ("l_query", 64, 0, X_TOO_BIG_G1, r"l_query\[0\]\.x is not below"),
        ("b_g2_query", 128, 3, OFF_TWIST_G2, r"b_g2_query\[3\] is not on the BN254 G2 twist"),
        ("b_g2_query", 128, 0, Y_TOO_BIG_G2, r"b_g2_query\[0\]\.y\.c1 is not below"),
    ],
)
def test_a_bad_query_point_is_refused_by_name(
    key: ProvingKey, native: Backend, field: str, size: int, index: int, point: bytes,
    message: str,
) -> None:
    bad = dataclasses.replace(key, **{field: _put(getattr(key, field), index, size, point)})
    with pytest.raises(ZkcollatError, match=message):
        native.fused_prover(bad)


def test_identity_points_load_and_the_key_proves(key: ProvingKey, native: Backend) -> None:
    """Identity points (all zeros) are accepted wherever they occur: a key whose a_query has
    the identity at wire 0 still loads (its proofs do not verify, the key being changed)."""
    cs = Cube().compile()
    w = cs.solve({"y": 35, "tag": 7, "x": 3})
    assert native.fused_prover(key) is not None
    assert verify(key.vk, cs.public_values(w), prove(key, cs, w, backend=native))
    zeroed = dataclasses.replace(key, a_query=_put(key.a_query, 0, 64, bytes(64)))
    assert native.fused_prover(zeroed) is not None
