"""Issue 13 rules on the attestation side: committees (zero address, development announced),
uint64 blockNumber/timestamp over the full range in the registry's storage, refused above."""

from __future__ import annotations

import warnings

import pytest

from zkcollat.attest import errors as E
from zkcollat.attest.attestation import RootAttestation, sign_attestation, zkcollat_domain
from zkcollat.attest.committee import Committee, DevelopmentCommitteeWarning
from zkcollat.attest.db import open_registry_store
from zkcollat.attest.eip712 import ZERO_ADDRESS
from zkcollat.attest.registry import RegistryConfig, RootRegistry
from zkcollat.attest.secp256k1 import PrivateKey
from zkcollat.db import Store
from zkcollat.errors import EncodingError

KEYS = [PrivateKey.from_int(77 + i) for i in range(3)]
MEMBERS = tuple(k.address for k in KEYS)
VAULT = "0x" + "11" * 20
U64 = 2**64 - 1


@pytest.mark.parametrize("development", [False, True])
def test_zero_address_is_never_a_member(development: bool) -> None:
    with pytest.raises(E.CommitteeConfigError, match="zero address"):
        Committee(0, (*MEMBERS[:2], ZERO_ADDRESS), 2, development)
    with pytest.raises(E.CommitteeConfigError, match="zero address"):
        Committee.from_json({"epoch": 0, "members": [ZERO_ADDRESS, *MEMBERS], "threshold": 3,
                             "development": development})


def test_weak_committee_refused_unless_development_and_then_announced() -> None:
    with pytest.raises(E.WeakCommitteeError, match="below 2"):
        Committee(0, MEMBERS, 1)
    with pytest.raises(E.WeakCommitteeError, match="strict majority"):
        Committee(0, (*MEMBERS, "0x" + "44" * 20), 2)
    with pytest.warns(DevelopmentCommitteeWarning, match="1 of 3 members"):
        Committee(0, MEMBERS, 1, development=True)
    with pytest.warns(DevelopmentCommitteeWarning, match="development committee"):
        Committee.from_json({"epoch": 0, "members": list(MEMBERS), "threshold": 2,
                             "development": True})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Committee(0, MEMBERS, 2)  # a real committee: no warning


@pytest.mark.parametrize("bad", [{"development": "yes"}, {"epoch": -1}, {"epoch": 2**64},
                                 {"threshold": 2.5}, {"members": "0x" + "11" * 20}])
def test_committee_json_types(bad: dict[str, object]) -> None:
    d: dict[str, object] = {"epoch": 0, "members": list(MEMBERS), "threshold": 2, **bad}
    with pytest.raises(E.CommitteeConfigError):
        Committee.from_json(d)


def _registry(store: Store | None = None, now: int = 0) -> RootRegistry:
    return RootRegistry(store or open_registry_store(), RegistryConfig(42161, vaults=((1, VAULT),)),
                        Committee(0, MEMBERS, 2), now=now)


@pytest.mark.parametrize(
    "block, timestamp, now",
    [(2**63, 5, 10), (5, 2**63, 2**63 + 1), (U64, U64, U64), (2**63 - 1, 2**63 - 1, 2**63)],
)
def test_uint64_full_range_in_the_registry(block: int, timestamp: int, now: int) -> None:
    reg = _registry()
    att = RootAttestation(1, VAULT, block, 123, timestamp)
    acc = reg.submit(sign_attestation(att, zkcollat_domain(42161), KEYS[:2]), now=now)
    assert (acc.block_number, acc.timestamp, acc.accepted_at) == (block, timestamp, now)
    latest = reg.latest(1, VAULT)
    assert latest is not None and latest == acc
    assert reg.history(1, VAULT) == [acc]
    assert reg.observed_latency_s(1, VAULT, now=now, window_s=100, interval_s=10) is not None


def test_block_order_across_the_sign_bit() -> None:
    reg = _registry()
    for block in (2**63 - 1, 2**63, U64):
        att = RootAttestation(1, VAULT, block, 123, 5)
        reg.submit(sign_attestation(att, zkcollat_domain(42161), KEYS[:2]), now=10)
    with pytest.raises(E.NonIncreasingBlockError):
        att = RootAttestation(1, VAULT, 2**63 + 5, 123, 5)
        reg.submit(sign_attestation(att, zkcollat_domain(42161), KEYS[:2]), now=10)


@pytest.mark.parametrize("field", ["block", "timestamp"])
def test_above_uint64_refused(field: str) -> None:
    with pytest.raises(EncodingError, match="uint64"):
        RootAttestation(1, VAULT, 2**64 if field == "block" else 1, 1,
                        2**64 if field == "timestamp" else 1)
    with pytest.raises(EncodingError, match="uint64"):
        RootAttestation.from_json({"sourceChainId": "1", "vault": VAULT, "root": "0x01",
                                   "blockNumber": str(2**64) if field == "block" else "1",
                                   "timestamp": str(2**64) if field == "timestamp" else "1"})
    with pytest.raises(E.Uint64RangeError):
        _registry(now=2**64)


def test_version_1_registry_tables_are_migrated() -> None:
    store = open_registry_store()
    conn = store.conn
    # the version-1 tables (plain integers), as a venue file of the previous release holds
    conn.executescript(
        "CREATE TABLE committees (epoch INTEGER PRIMARY KEY, threshold INTEGER NOT NULL, "
        "members TEXT NOT NULL, development INTEGER NOT NULL, activated_at INTEGER NOT NULL);"
        "CREATE TABLE accepted_roots (source_chain_id TEXT NOT NULL, vault TEXT NOT NULL, "
        "block_number TEXT NOT NULL, root TEXT NOT NULL, timestamp INTEGER NOT NULL, "
        "accepted_at INTEGER NOT NULL, epoch INTEGER NOT NULL, signers TEXT NOT NULL, "
        "PRIMARY KEY (source_chain_id, vault, block_number));"
    )
    import json

    conn.execute("INSERT INTO committees VALUES (0, 2, ?, 0, 7)", (json.dumps(list(MEMBERS)),))
    conn.execute("INSERT INTO accepted_roots VALUES ('1', ?, ?, ?, 1000, 1010, 0, '[]')",
                 (VAULT, f"{50:020d}", "0x" + "00" * 31 + "7b"))
    reg = RootRegistry(store, RegistryConfig(42161, vaults=((1, VAULT),)))
    latest = reg.latest(1, VAULT)
    assert latest is not None
    assert (latest.block_number, latest.timestamp, latest.accepted_at, latest.epoch) == (
        50, 1000, 1010, 0)
    assert reg.committee().members == MEMBERS
    RootRegistry(store, RegistryConfig(42161, vaults=((1, VAULT),)))  # migrated once only
    assert reg.latest(1, VAULT) == latest
