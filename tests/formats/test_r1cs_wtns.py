"""circom .r1cs / .wtns export: round trips, reader rejections, and snarkjs reading our files."""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import pytest

from tests.jstools import snarkjs_cli
from zkcollat.errors import EncodingError
from zkcollat.field import R, pack_fr
from zkcollat.formats.r1cs_bin import r1cs_bytes, read_r1cs, write_r1cs
from zkcollat.formats.wtns import read_wtns, read_wtns_packed, write_wtns, wtns_bytes
from zkcollat.gadgets.compare import assert_greater_eq
from zkcollat.gadgets.merkle import merkle_root, merkle_root_plain
from zkcollat.gadgets.poseidon import poseidon_gadget
from zkcollat.hash import poseidon_hash
from zkcollat.r1cs import Api, Circuit, ConstraintSystem, Private, Public


class Lockish(Circuit):
    """A small CollateralLock-shaped statement: leaf hash, depth-2 path, two comparisons."""

    root = Public()
    threshold = Public()
    amount = Private()
    salt = Private()
    pathElements = Private(size=2)
    pathIndices = Private(size=2)

    def define(self, api: Api) -> None:
        leaf = poseidon_gadget(api, [self.amount, self.salt])
        api.assert_equal(merkle_root(api, leaf, self.pathElements, self.pathIndices), self.root)
        assert_greater_eq(api, self.amount, self.threshold, 64)


def solved() -> tuple[ConstraintSystem, list[int]]:
    cs = Lockish().compile()
    leaf = poseidon_hash([1000, 7])
    elems, idx = [11, 22], [1, 0]
    inputs = {
        "root": merkle_root_plain(leaf, elems, idx),
        "threshold": 999,
        "amount": 1000,
        "salt": 7,
        "pathElements": elems,
        "pathIndices": idx,
    }
    return cs, cs.solve(inputs)


def test_round_trip(tmp_path: Path) -> None:
    cs, w = solved()
    write_r1cs(cs, tmp_path / "c.r1cs")
    write_wtns(w, tmp_path / "w.wtns")
    f = read_r1cs(tmp_path / "c.r1cs")
    assert f.constraints == cs.constraints
    assert (f.n_wires, f.n_pub_out, f.n_pub_in, f.n_prv_in) == (cs.n_wires, 0, 2, 6)
    assert f.n_labels == cs.n_wires and f.wire2label == list(range(cs.n_wires)) and f.prime == R
    assert read_wtns(tmp_path / "w.wtns") == w


def _patch(data: bytes, offset: int, new: bytes) -> bytes:
    return data[:offset] + new + data[offset + len(new) :]


def test_r1cs_reader_rejections() -> None:
    cs, _ = solved()
    good = r1cs_bytes(cs)
    # header section payload starts at 12 (file header) + 12 (section header)
    h = 24
    cases = {
        "magic": _patch(good, 0, b"r1cx"),
        "version": _patch(good, 4, struct.pack("<I", 2)),
        "field size": _patch(good, h, struct.pack("<I", 48)),
        "not BN254": _patch(good, h + 4, (R + 2).to_bytes(32, "little")),
        "do not fit": _patch(good, h + 36, struct.pack("<I", 3)),  # nWires = 3
        "truncated": good[:-5],
        "trailing": good + b"\0",
    }
    for match, data in cases.items():
        with pytest.raises(EncodingError, match=match):
            read_r1cs(data)
    # first constraint's first term: after the constraints section header
    c0 = h + 4 + 32 + 28 + 12
    (n_terms,) = struct.unpack_from("<I", good, c0)
    assert n_terms >= 1
    with pytest.raises(EncodingError, match=">= nWires"):
        read_r1cs(_patch(good, c0 + 4, struct.pack("<I", cs.n_wires)))
    with pytest.raises(EncodingError, match="coefficient .* >= r"):
        read_r1cs(_patch(good, c0 + 8, R.to_bytes(32, "little")))


def test_wtns_reader_rejections() -> None:
    _, w = solved()
    good = wtns_bytes(w)
    with pytest.raises(EncodingError, match="magic"):
        read_wtns(_patch(good, 0, b"wtnx"))
    with pytest.raises(EncodingError, match="not BN254"):
        read_wtns(_patch(good, 28, (R + 2).to_bytes(32, "little")))
    values = 12 + 12 + 40 + 12
    with pytest.raises(EncodingError, match=r"witness\[1\] = .* not below r"):
        read_wtns(_patch(good, values + 32, (R + w[1]).to_bytes(32, "little")))
    with pytest.raises(EncodingError, match="bytes of values"):
        read_wtns(_patch(good, 24 + 36, struct.pack("<I", len(w) + 1)))
    with pytest.raises(EncodingError, match="not a field element"):
        wtns_bytes([1, R])


def test_wtns_packed_reader_is_pack_fr_of_the_values() -> None:
    """``read_wtns_packed`` (limbs reordered, no int per value) gives ``pack_fr`` of
    ``read_wtns``'s values, values next to r included, and refuses what it refuses with the
    same message: a value of r, or above, whose top limb is r's or larger."""
    _, w = solved()
    top = (R >> 192) << 192
    edge = [1, 0, R - 1, top - 1, top, top + 1, 2**64 - 1, 2**192, *w[1:]]
    for values in (w, edge, [1]):
        data = wtns_bytes(values)
        assert read_wtns_packed(data) == pack_fr(read_wtns(data)) == pack_fr(values)
    assert read_wtns_packed(wtns_bytes([])) == b""
    good = wtns_bytes(edge)
    values = 12 + 12 + 40 + 12
    for i, bad in ((2, R), (4, R + 1), (0, 2**256 - 1), (len(edge) - 1, R + edge[-1])):
        data = _patch(good, values + 32 * i, bad.to_bytes(32, "little"))
        with pytest.raises(EncodingError) as expected:
            read_wtns(data)
        with pytest.raises(EncodingError) as got:
            read_wtns_packed(data)
        assert str(got.value) == str(expected.value)
        assert f"witness[{i}] = {bad} is not below r (at offset {values + 32 * i})" in str(
            got.value
        )
    with pytest.raises(EncodingError, match="bytes of values"):
        read_wtns_packed(_patch(good, 24 + 36, struct.pack("<I", len(edge) + 1)))


def _snarkjs(*args: str) -> str:
    proc = subprocess.run([*snarkjs_cli(), *args], capture_output=True, text=True, timeout=300)
    return proc.stdout + proc.stderr


def test_snarkjs_reads_our_r1cs_and_checks_our_witness(tmp_path: Path) -> None:
    cs, w = solved()
    r1cs, wtns = tmp_path / "c.r1cs", tmp_path / "w.wtns"
    write_r1cs(cs, r1cs)
    write_wtns(w, wtns)
    info = _snarkjs("r1cs", "info", str(r1cs))
    assert f"# of Constraints: {cs.n_constraints}" in info
    assert f"# of Wires: {cs.n_wires}" in info
    assert "# of Public Inputs: 2" in info and "# of Private Inputs: 6" in info
    assert "# of Outputs: 0" in info
    assert "WITNESS IS CORRECT" in _snarkjs("wtns", "check", str(r1cs), str(wtns))
    # A witness that breaks one constraint (a Poseidon S-box wire) is refused by snarkjs too.
    bad = list(w)
    bad[-1] = (bad[-1] + 1) % R
    assert not cs.is_satisfied(bad)
    write_wtns(bad, wtns)
    assert "WITNESS IS NOT CORRECT" in _snarkjs("wtns", "check", str(r1cs), str(wtns))
