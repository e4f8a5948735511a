"""F_r / F_q helpers: values >= the modulus are rejected, never reduced (PROTOCOL.md s.1)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zkcollat.errors import EncodingError, FieldError
from zkcollat.field import (
    P,
    R,
    check_fq,
    check_fr,
    fq_from_bytes,
    fr_from_bytes,
    fr_inv,
    fr_to_bytes,
    pack_fr,
    parse_decimal,
    unpack_fr,
)


@pytest.mark.parametrize("v", [0, 1, R - 1])
def test_fr_edges_accepted(v: int) -> None:
    assert check_fr(v) == v
    assert fr_from_bytes(fr_to_bytes(v)) == v


@pytest.mark.parametrize("v", [R, R + 1, 2 * R, 2**256 - 1, -1])
def test_fr_out_of_range_rejected(v: int) -> None:
    with pytest.raises(FieldError, match="value"):
        check_fr(v)
    with pytest.raises(FieldError):
        pack_fr([1, v])


def test_fr_bytes_out_of_range_rejected_not_reduced() -> None:
    with pytest.raises(FieldError, match="not below the field modulus r"):
        fr_from_bytes(R.to_bytes(32, "big"))
    with pytest.raises(FieldError, match="modulus p"):
        fq_from_bytes(P.to_bytes(32, "big"))
    assert fq_from_bytes((P - 1).to_bytes(32, "big")) == P - 1
    with pytest.raises(EncodingError, match="32 bytes"):
        fr_from_bytes(bytes(31))


def test_types_are_checked() -> None:
    for bad in (True, 1.0, "1", None):
        with pytest.raises(FieldError, match="integer"):
            check_fr(bad)  # type: ignore[arg-type]
    with pytest.raises(FieldError):
        check_fq(P)


@pytest.mark.parametrize("text", ["-1", "0x10", " 1", "1 ", "01", "", "1e3", "١"])
def test_parse_decimal_rejects_non_canonical(text: str) -> None:
    with pytest.raises(EncodingError):
        parse_decimal(text, R, "x")


def test_parse_decimal_range() -> None:
    assert parse_decimal("0", R, "x") == 0
    assert parse_decimal(str(R - 1), R, "x") == R - 1
    with pytest.raises(FieldError, match="x = "):
        parse_decimal(str(R), R, "x")
    with pytest.raises(EncodingError, match="decimal string"):
        parse_decimal(5, R, "x")


@given(st.lists(st.integers(0, R - 1), max_size=20))
def test_pack_round_trip(values: list[int]) -> None:
    assert unpack_fr(pack_fr(values)) == values


def test_unpack_rejects_ragged_buffer() -> None:
    with pytest.raises(EncodingError):
        unpack_fr(bytes(33))


def test_inverse() -> None:
    assert fr_inv(2) * 2 % R == 1
    with pytest.raises(FieldError, match="no inverse"):
        fr_inv(0)
