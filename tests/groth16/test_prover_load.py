"""Loading a proving key into the native one-call prover: every query point is checked (each
coordinate below p, on its curve), a refused point is named with its index, identities pass."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

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


ROOT = Path(__file__).resolve().parents[2]

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


QUERY_FIELDS = ("a_query", "b_g1_query", "b_g2_query", "h_query", "l_query")


def test_the_key_lets_go_of_its_query_bytes_once_the_native_prover_holds_them(
    native: Backend, reference: Backend
) -> None:
    """After ``fused_prover`` the key keeps no copy of its query bytes; reading them gives the
    same bytes back (from the prover), so the file it saves, and the reference backend's proof
    for the same blinding, are those of the key before."""
    from zkcollat.formats import pkey

    cs = Cube().compile()
    pk, _ = setup(cs, seed=b"prover-load-release")
    before = {f: getattr(pk, f) for f in QUERY_FIELDS}
    saved = pkey.encode(pk)
    w = cs.solve({"y": 35, "tag": 7, "x": 3})
    native_proof = prove(pk, cs, w, backend=native, blinding=(5, 9))
    assert not any(f in vars(pk) for f in QUERY_FIELDS)
    assert {f: getattr(pk, f) for f in QUERY_FIELDS} == before
    assert pkey.encode(pk) == saved
    assert prove(pk, cs, w, backend=reference, blinding=(5, 9)) == native_proof
    assert verify(pk.vk, cs.public_values(w), native_proof)
    # a query given anew is the key's own again
    pk.h_query = before["h_query"]
    assert vars(pk)["h_query"] is before["h_query"]
    assert pk.a_query == before["a_query"]


def test_a_released_key_with_a_query_replaced_is_checked_again(native: Backend) -> None:
    """dataclasses.replace on a key whose bytes the prover holds builds a key with bytes of
    its own: a bad point there is refused by name, as for any key."""
    pk, _ = setup(Cube().compile(), seed=b"prover-load-replace")
    assert pk.fused_prover(native) is not None
    bad = dataclasses.replace(pk, l_query=_put(pk.l_query, 0, 64, OFF_CURVE_G1))
    with pytest.raises(ZkcollatError, match=r"l_query\[0\] is not on the BN254 G1 curve"):
        native.fused_prover(bad)


def test_proving_from_a_key_file_maps_no_openssl(native: Backend, tmp_path: Path) -> None:
    """A fresh process that loads a key file and proves imports neither ``hashlib``'s OpenSSL
    nor ``secrets`` (which imports it through ``hmac``): about 3.5 MB of its peak memory. The
    payload hash is the extension's, the blinding from ``os.urandom``."""
    from zkcollat.formats import pkey

    pk, _ = setup(Cube().compile(), seed=b"prover-load-imports")
    pkey.save(pk, tmp_path / "k.zkpk")
    code = (
        "import sys, warnings\n"
        "warnings.simplefilter('ignore')\n"
        "from zkcollat.formats import pkey\n"
        "from zkcollat.groth16.prove import fullprove\n"
        f"pk = pkey.load({str(tmp_path / 'k.zkpk')!r})\n"
        "fullprove(pk, pk.circuit, {'y': 35, 'tag': 7, 'x': 3})\n"
        "print(sorted(m for m in ('_hashlib', 'hmac', 'secrets') if m in sys.modules))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True)
    assert out.stdout.strip() == "[]"


def test_a_replaced_key_proves_with_its_own_points(native: Backend) -> None:
    """A key made by dataclasses.replace from one that has proved does not share its loaded
    query vectors or one-call prover: it proves with its own points. (It did share them: the
    copy proved with the original's L points.)"""
    cs = Cube().compile()
    inputs = {"y": 35, "tag": 7, "x": 3}
    w = cs.solve(inputs)
    blind = (5, 7)
    pk, _ = setup(cs, seed=b"replace-a")
    other, _ = setup(cs, seed=b"replace-b")
    first = prove(pk, cs, w, backend=native, blinding=blind)  # pk's prover built and cached
    pk.vectors(native)  # and its loaded vectors
    mixed = dataclasses.replace(pk, l_query=other.l_query)
    assert mixed.fused_prover(native) is not pk.fused_prover(native)
    assert mixed.vectors(native) is not pk.vectors(native)
    fresh_pk, _ = setup(cs, seed=b"replace-a")  # same key, never proved with
    expected = prove(dataclasses.replace(fresh_pk, l_query=other.l_query), cs, w,
                     backend=native, blinding=blind)
    got = prove(mixed, cs, w, backend=native, blinding=blind)
    assert got == expected
    assert got != first
