"""``LockReport`` (docs/protocol.md s.9): its EIP-712 type string, field ranges, JSON, and its
separation from ``RootAttestation`` in the same domain."""

from __future__ import annotations

import pytest

from zkcollat.attest.attestation import ROOT_ATTESTATION_TYPES, RootAttestation, zkcollat_domain
from zkcollat.attest.eip712 import encode_type, hash_struct, keccak256, type_hash
from zkcollat.attest.lock_report import (
    LOCK_REPORT_TYPES,
    LockReport,
    SignedLockReport,
    sign_lock_report,
)
from zkcollat.attest.secp256k1 import PrivateKey, recover_address
from zkcollat.errors import EncodingError

DOMAIN = zkcollat_domain(42161, "0x" + "ab" * 20)
ARGS = (1, "0x" + "11" * 20, 7, "0x" + "a1" * 20, 42161, "0x" + "c0" * 20, 10**18, 2**40, 99,
        b"\x33" * 32)


def test_type_string_is_the_protocols() -> None:
    assert encode_type("LockReport", LOCK_REPORT_TYPES) == (
        "LockReport(uint256 sourceChainId,address vault,uint64 lockId,address owner,"
        "uint64 destChainId,address assetId,uint128 amount,uint64 expiry,uint64 blockNumber,"
        "bytes32 blockHash)"
    )
    assert type_hash("LockReport", LOCK_REPORT_TYPES) != type_hash(
        "RootAttestation", ROOT_ATTESTATION_TYPES
    )


def test_digest_is_the_eip712_digest_and_signers_recover() -> None:
    rep = LockReport(*ARGS)
    struct = hash_struct("LockReport", rep.message(), LOCK_REPORT_TYPES)
    assert rep.digest(DOMAIN) == keccak256(b"\x19\x01" + DOMAIN.separator() + struct)
    keys = [PrivateKey.from_int(5), PrivateKey.from_int(6)]
    signed = sign_lock_report(rep, DOMAIN, keys)
    from zkcollat.attest.secp256k1 import Signature

    assert [recover_address(rep.digest(DOMAIN), Signature.from_bytes(s)) for s in
            signed.signatures] == [k.address for k in keys]


def test_a_root_with_the_same_words_has_another_digest() -> None:
    rep = LockReport(*ARGS)
    att = RootAttestation(1, "0x" + "11" * 20, 99, int.from_bytes(b"\x33" * 32, "big"), 2**40)
    assert rep.digest(DOMAIN) != att.digest(DOMAIN)


@pytest.mark.parametrize(
    "index, value, match",
    [
        (2, 2**64, "lockId"),
        (4, -1, "destChainId"),
        (6, 2**128, "amount"),
        (7, True, "expiry"),
        (8, 2**64, "blockNumber"),
        (9, b"\x00" * 31, "blockHash"),
        (3, "0x1234", "owner"),
        (5, 2**160, "assetId"),
    ],
)
def test_out_of_range_fields_refused(index: int, value: object, match: str) -> None:
    args = list(ARGS)
    args[index] = value
    with pytest.raises(EncodingError, match=match):
        LockReport(*args)  # type: ignore[arg-type]


def test_json_round_trip_and_malformed() -> None:
    signed = sign_lock_report(LockReport(*ARGS), DOMAIN, [PrivateKey.from_int(5)])
    d = signed.to_json()
    assert SignedLockReport.from_json(d) == signed
    assert LockReport.from_json(d["report"]) == signed.report
    for bad, match in [
        ({**d["report"], "extra": "1"}, "exactly the fields"),
        ({**d["report"], "amount": 5}, "not a decimal string"),
        ({**d["report"], "lockId": str(2**64)}, "uint64"),
        ({**d["report"], "blockHash": "0x" + "zz" * 32}, "not hex"),
    ]:
        with pytest.raises(EncodingError, match=match):
            LockReport.from_json(bad)
    for bad_signed, match in [
        ({**d, "signatures": ["0x12"]}, "signature\\[0\\]"),
        ({**d, "domain": {"chainId": 1}}, "domain"),
        ({**d, "type": "Order"}, "not a signed LockReport"),
        ([], "signed lock report is"),
    ]:
        with pytest.raises(EncodingError, match=match):
            SignedLockReport.from_json(bad_signed)
