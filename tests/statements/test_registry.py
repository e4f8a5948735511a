"""The statement registry: each statement's public inputs declared once, typed and range-checked."""

from __future__ import annotations

import json

import pytest

from zkcollat.errors import CircuitError, InputError
from zkcollat.field import R
from zkcollat.solidity import generate_statement_verifier, verify_statement_signature
from zkcollat.statements import (
    STATEMENTS,
    BalanceThreshold,
    BalanceThresholdPublic,
    CollateralLock,
    CollateralLockPublic,
    MerkleInclusion,
    MerkleInclusionPublic,
    by_name,
    statement,
)

GOOD = dict(root=R - 1, destChainId=(1 << 64) - 1, owner=(1 << 160) - 1,
            assetId=0, lockId=(1 << 64) - 1, threshold=(1 << 128) - 1, minExpiry=0)
WIDTHS = {"destChainId": 64, "owner": 160, "assetId": 160, "lockId": 64,
          "threshold": 128, "minExpiry": 64}


def test_registry_names_every_statement_of_the_protocol() -> None:
    assert list(STATEMENTS) == [
        "collateral_lock", "merkle_inclusion", "balance_threshold", "portfolio"]
    assert statement("merkle_inclusion") is MerkleInclusion
    assert isinstance(by_name("balance_threshold", bits=8), BalanceThreshold)
    with pytest.raises(CircuitError, match="unknown circuit 'nope'"):
        statement("nope")
    for cls, public in ((CollateralLock, CollateralLockPublic),
                        (MerkleInclusion, MerkleInclusionPublic),
                        (BalanceThreshold, BalanceThresholdPublic)):
        assert cls.public_inputs is public and public.statement == cls.title


@pytest.mark.parametrize("cls", [CollateralLock, MerkleInclusion, BalanceThreshold])
def test_circuit_public_signals_are_the_dataclass_fields_in_order(cls: type) -> None:
    cs = cls(**({"bits": 16} if cls is BalanceThreshold else {"depth": 3})).compile()
    assert tuple(cs.public_names) == cls.public_inputs.names()
    assert cs.n_public == len(cls.public_inputs.names())


def test_collateral_lock_public_order_and_types_are_the_protocols() -> None:
    # PROTOCOL.md s.4.1: root, destChainId, owner, assetId, lockId, threshold, minExpiry
    assert CollateralLockPublic.names() == (
        "root", "destChainId", "owner", "assetId", "lockId", "threshold", "minExpiry")
    assert [t.solidity for t in CollateralLockPublic.types()] == [
        "uint256", "uint64", "address", "address", "uint64", "uint128", "uint64"]
    assert verify_statement_signature(CollateralLock) == (
        "verifyCollateralLock(uint256[2],uint256[2][2],uint256[2],"
        "uint256,uint64,address,address,uint64,uint128,uint64)")


def test_edge_values_round_trip_through_list_dict_and_json() -> None:
    p = CollateralLockPublic(**GOOD)
    assert p.to_list() == list(GOOD.values())
    assert CollateralLockPublic.from_list(p.to_list()) == p
    assert CollateralLockPublic.from_dict(p.to_dict()) == p
    assert p.to_json() == [str(v) for v in GOOD.values()]
    assert CollateralLockPublic.from_json(json.dumps(p.to_json())) == p
    assert CollateralLockPublic.from_json(p.to_json()) == p


@pytest.mark.parametrize("name", sorted(WIDTHS))
def test_a_value_one_past_its_range_is_refused_naming_the_field(name: str) -> None:
    too_big = 1 << WIDTHS[name]
    with pytest.raises(InputError, match=f"public input {name} = {too_big} is not a uint"):
        CollateralLockPublic(**{**GOOD, name: too_big})
    with pytest.raises(InputError, match=name):
        CollateralLockPublic(**{**GOOD, name: -1})


def test_field_elements_are_never_reduced() -> None:
    for bad in (R, R + 5, 1 << 256):
        with pytest.raises(InputError, match="root .* not a field element below r"):
            CollateralLockPublic(**{**GOOD, "root": bad})
    with pytest.raises(InputError, match="leaf"):
        MerkleInclusionPublic.from_list([1, R])
    with pytest.raises(InputError, match="threshold"):
        BalanceThresholdPublic.from_json(["1", str(R)])


def test_malformed_lists_and_files_are_refused() -> None:
    with pytest.raises(InputError, match="has 7 public inputs .* got 6"):
        CollateralLockPublic.from_list(list(GOOD.values())[:6])
    with pytest.raises(InputError, match="must be an integer"):
        CollateralLockPublic.from_list([True, *list(GOOD.values())[1:]])
    with pytest.raises(InputError, match="must be an integer"):
        CollateralLockPublic.from_list(["1", *list(GOOD.values())[1:]])  # type: ignore[list-item]
    with pytest.raises(InputError, match="list of integers"):
        CollateralLockPublic.from_list("1234567")
    with pytest.raises(InputError, match=r"missing \['owner'\]"):
        CollateralLockPublic.from_dict({k: v for k, v in GOOD.items() if k != "owner"})
    with pytest.raises(InputError, match=r"unexpected \['amount'\]"):
        CollateralLockPublic.from_dict({**GOOD, "amount": 1})
    good_json = [str(v) for v in GOOD.values()]
    for i, bad in ((1, "0x10"), (2, "-1"), (3, " 1"), (4, "01"), (5, 7)):
        with pytest.raises(InputError, match=CollateralLockPublic.names()[i]):
            CollateralLockPublic.from_json([*good_json[:i], bad, *good_json[i + 1:]])
    with pytest.raises(InputError, match="not valid JSON"):
        CollateralLockPublic.from_json("[1,")
    with pytest.raises(InputError, match="JSON array"):
        CollateralLockPublic.from_json({"root": "1"})


def test_public_inputs_are_frozen() -> None:
    p = CollateralLockPublic(**GOOD)
    with pytest.raises(AttributeError):
        p.root = 1  # type: ignore[misc]


def test_generated_contract_names_every_public_signal_slot() -> None:
    from tests.solidity.synthetic import synthetic_key

    vk, _ = synthetic_key("registry-merkle", 2)
    src = generate_statement_verifier(vk, MerkleInclusion)
    assert "function verifyMerkleInclusion(" in src and "uint256 leaf" in src
    assert "///   _pubSignals[0] = root (uint256)" in src
    assert "///   _pubSignals[1] = leaf (uint256)" in src
    assert "{{" not in src
