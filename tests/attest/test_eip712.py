from __future__ import annotations

import pytest

from tests.vectors import load
from zkcollat.attest.eip712 import (
    Domain,
    encode_type,
    hash_struct,
    keccak256,
    normalize_address,
    typed_data_digest,
)
from zkcollat.attest.secp256k1 import (
    HALF_N,
    N,
    PrivateKey,
    Signature,
    SignatureError,
    check_signature,
    recover_address,
)
from zkcollat.errors import EncodingError

MAIL = load("eip712_mail.json")


def _mail() -> tuple[Domain, dict[str, list[tuple[str, str]]], bytes]:
    d = MAIL["domain"]
    domain = Domain(d["name"], d["version"], d["chainId"], d["verifyingContract"])
    types = {k: [(n, t) for n, t in v] for k, v in MAIL["types"].items()}
    digest = typed_data_digest(domain.separator(), "Mail", MAIL["message"], types)
    return domain, types, digest


def test_keccak_empty() -> None:
    # keccak256("") — Ethereum's, not NIST SHA3-256.
    empty = "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    assert keccak256(b"").hex() == empty


def test_mail_vector_encoder() -> None:
    domain, types, digest = _mail()
    assert encode_type("Mail", types) == MAIL["encodeType"]
    assert "0x" + domain.separator().hex() == MAIL["domainSeparator"]
    assert "0x" + hash_struct("Mail", MAIL["message"], types).hex() == MAIL["hashStruct"]
    assert "0x" + digest.hex() == MAIL["digest"]


def test_mail_vector_signature_and_recovery() -> None:
    _, _, digest = _mail()
    key = PrivateKey.from_bytes(keccak256(MAIL["signerKeyPreimage"].encode()))
    assert key.address == MAIL["signerAddress"].lower()
    sig = key.sign_digest(digest)
    want = MAIL["signature"]
    # RFC 6979 nonces: our signature is byte-for-byte the published one.
    assert (sig.r, sig.s, sig.v) == (int(want["r"], 16), int(want["s"], 16), want["v"])
    published = Signature(int(want["r"], 16), int(want["s"], 16), want["v"])
    assert recover_address(digest, published) == MAIL["signerAddress"].lower()


def test_signatures_are_low_s_and_recover() -> None:
    key = PrivateKey.generate()
    for i in range(20):
        digest = keccak256(i.to_bytes(4, "big"))
        sig = key.sign_digest(digest)
        assert 0 < sig.s <= HALF_N and sig.v in (27, 28)
        assert recover_address(digest, sig) == key.address
        assert Signature.from_bytes(sig.to_bytes()) == sig
        assert len(sig.to_bytes()) == 65


def test_high_s_twin_is_rejected() -> None:
    key = PrivateKey.generate()
    digest = keccak256(b"x")
    sig = key.sign_digest(digest)
    twin = Signature(sig.r, N - sig.s, 55 - sig.v)  # the other valid ECDSA signature
    with pytest.raises(SignatureError) as e:
        check_signature(twin)
    assert e.value.rule == "high-s"


@pytest.mark.parametrize(
    ("sig", "rule"),
    [
        (Signature(1, 1, 29), "v"),
        (Signature(0, 1, 27), "r-range"),
        (Signature(N, 1, 27), "r-range"),
        (Signature(1, 0, 27), "s-range"),
    ],
)
def test_malformed_signatures(sig: Signature, rule: str) -> None:
    with pytest.raises(SignatureError) as e:
        check_signature(sig)
    assert e.value.rule == rule


def test_wrong_message_recovers_another_address() -> None:
    key = PrivateKey.generate()
    sig = key.sign_digest(keccak256(b"a"))
    assert recover_address(keccak256(b"b"), sig) != key.address


def test_signature_length_checked() -> None:
    with pytest.raises(SignatureError):
        Signature.from_bytes(b"\x00" * 64)


def test_encoder_range_checks() -> None:
    types = {"T": [("a", "uint8"), ("b", "int8"), ("c", "bytes4"), ("d", "uint8[2]")]}
    ok = {"a": 255, "b": -128, "c": b"abcd", "d": [1, 2]}
    hash_struct("T", ok, types)
    for field, bad in [("a", 256), ("a", -1), ("b", 128), ("c", b"abc"), ("d", [1])]:
        with pytest.raises(EncodingError):
            hash_struct("T", {**ok, field: bad}, types)
    with pytest.raises(EncodingError):
        hash_struct("T", {k: v for k, v in ok.items() if k != "a"}, types)


def test_address_normalization() -> None:
    assert normalize_address("0xABCDEF0000000000000000000000000000000001") == (
        "0xabcdef0000000000000000000000000000000001"
    )
    assert normalize_address(1) == "0x" + "00" * 19 + "01"
    for bad in ["0x123", "abcdef0000000000000000000000000000000001", 2**160, True]:
        with pytest.raises(EncodingError):
            normalize_address(bad)
