"""The accounts' signed messages: the fast digest equals the general EIP-712 encoder, JSON
round trips, and malformed messages are refused naming the field."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.margin.helpers import KEYS
from zkcollat.margin import errors as E
from zkcollat.margin.signed import (
    Cancel,
    Order,
    ReleaseRequest,
    SignatureVerifier,
    SignedMessage,
    Withdraw,
    account_domain,
    sign,
)

ADDR = st.integers(0, 2**160 - 1).map(lambda i: "0x" + i.to_bytes(20, "big").hex())
U64, U256 = st.integers(0, 2**64 - 1), st.integers(0, 2**256 - 1)
DOMAIN = account_domain(42161, "0x" + "ac" * 20)


@given(
    st.one_of(
        st.builds(
            Order,
            ADDR,
            st.text(max_size=40),
            st.booleans(),
            U64,
            U256,
            st.booleans(),
            st.booleans(),
            st.booleans(),
            st.booleans(),
            U64,
            U64,
        ),
        st.builds(Cancel, ADDR, U64, U64, U64),
        st.builds(Withdraw, ADDR, U256, U64, U64),
        st.builds(ReleaseRequest, ADDR, U256, ADDR, U64, U64, U64),
    )
)
def test_fast_digest_is_the_eip712_digest(msg: object) -> None:
    assert msg.digest(DOMAIN) == msg.digest_generic(DOMAIN)  # type: ignore[attr-defined]


@pytest.mark.parametrize("backend", ["libsecp256k1", "openssl"])
def test_json_round_trip_and_verification(backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from zkcollat.margin import signed as signed_mod

    if backend == "openssl":
        monkeypatch.setattr(signed_mod, "_coincurve", None)
    k = KEYS["alice"]
    s = sign(
        k, Order(k.address, "ETH-1-2-P", True, 5, 10**8, False, False, False, False, 1, 9), DOMAIN
    )
    back = SignedMessage.from_json(s.to_json())
    assert back == s
    v = SignatureVerifier(DOMAIN)
    v.verify(back)
    v.verify(back)  # the second time with the remembered key
    other = SignatureVerifier(account_domain(10, "0x" + "ac" * 20))
    with pytest.raises(E.SignedMessageError, match="only the account"):
        other.verify(back)  # signed for another chain
    from dataclasses import replace

    changed = replace(back, message=replace(back.message, size_lots=6))
    with pytest.raises(E.SignedMessageError, match="only the account"):
        v.verify(changed)  # a remembered key does not make a changed message pass
    sig = bytearray(back.signature)
    sig[64] = 29
    with pytest.raises(E.SignedMessageError, match="v = 29"):
        v.verify(replace(back, signature=bytes(sig)))


@pytest.mark.parametrize(
    "field, value",
    [("nonce", 2**64), ("size_lots", -1), ("buy", 1), ("price_e8", 2**256), ("account", "0x12")],
)
def test_malformed_fields_are_refused(field: str, value: object) -> None:
    args = dict(
        account="0x" + "a1" * 20,
        instrument="X",
        buy=True,
        size_lots=1,
        price_e8=1,
        market=False,
        ioc=False,
        post_only=False,
        reduce_only=False,
        nonce=1,
        expiry=1,
    )
    args[field] = value
    with pytest.raises(E.SignedMessageError):
        Order(**args)  # type: ignore[arg-type]


def test_from_json_refuses_bad_shapes() -> None:
    for bad in (
        [],
        {"type": "Order"},
        {"type": "Nope", "message": {}, "signature": "0x"},
        {"type": "Cancel", "message": {"account": "0x" + "a1" * 20}, "signature": "0x"},
        {
            "type": "Cancel",
            "signature": "0x" + "00" * 65,
            "message": {
                "account": "0x" + "a1" * 20,
                "orderNonce": "1.5",
                "nonce": "1",
                "expiry": "1",
            },
        },
    ):
        with pytest.raises(E.SignedMessageError):
            SignedMessage.from_json(bad)
