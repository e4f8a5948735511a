"""Every acceptance rule of PROTOCOL.md s.6, each with its own test."""

from __future__ import annotations

import pytest

from zkcollat.attest import errors as E
from zkcollat.attest.attestation import (
    RootAttestation,
    SignedAttestation,
    sign_attestation,
    with_signatures,
    zkcollat_domain,
)
from zkcollat.attest.committee import Committee
from zkcollat.attest.db import open_registry_store
from zkcollat.attest.registry import RegistryConfig, RootRegistry
from zkcollat.attest.secp256k1 import N, PrivateKey, Signature
from zkcollat.errors import AttestationError
from zkcollat.field import R

EXEC_CHAIN = 42161
REGISTRY = "0x" + "ab" * 20
SRC = 1
VAULT = "0x" + "11" * 20
OTHER_VAULT = "0x" + "22" * 20
NOW = 1_800_000_000

KEYS = [PrivateKey.from_int(1000 + i) for i in range(5)]


def make_registry(threshold: int = 3, members: int = 5) -> RootRegistry:
    cfg = RegistryConfig(EXEC_CHAIN, REGISTRY, ((SRC, VAULT), (SRC, OTHER_VAULT)))
    committee = Committee(0, tuple(k.address for k in KEYS[:members]), threshold)
    return RootRegistry(open_registry_store(), cfg, committee, now=NOW)


def att(
    block: int = 100, root: int = 12345, vault: str = VAULT, chain: int = SRC
) -> RootAttestation:
    return RootAttestation(chain, vault, block, root, NOW - 30)


def signed(
    a: RootAttestation,
    keys: list[PrivateKey],
    domain_chain: int = EXEC_CHAIN,
    registry: str = REGISTRY,
) -> SignedAttestation:
    return sign_attestation(a, zkcollat_domain(domain_chain, registry), keys)


def test_threshold_distinct_members_accepted() -> None:
    reg = make_registry()
    acc = reg.submit(signed(att(), KEYS[:3]), now=NOW)
    assert acc.root == 12345 and acc.latency_s == 30 and len(acc.signers) == 3
    assert reg.is_accepted(SRC, VAULT, 12345)
    assert not reg.is_accepted(SRC, OTHER_VAULT, 12345)
    assert [h.block_number for h in reg.history(SRC, VAULT)] == [100]


def test_below_threshold_rejected() -> None:
    reg = make_registry()
    with pytest.raises(E.ThresholdNotMetError, match="needs 3"):
        reg.submit(signed(att(), KEYS[:2]), now=NOW)
    assert reg.accepted_count() == 0


def test_unknown_signer_rejected() -> None:
    reg = make_registry(members=4)  # KEYS[4] is not a member
    with pytest.raises(E.UnknownSignerError, match=KEYS[4].address):
        reg.submit(signed(att(), [KEYS[0], KEYS[1], KEYS[4]]), now=NOW)
    assert reg.accepted_count() == 0


def test_duplicate_signer_rejected() -> None:
    reg = make_registry()
    s = signed(att(), KEYS[:2])
    dup = with_signatures(s, [*s.signatures, s.signatures[0]])
    with pytest.raises(E.DuplicateSignerError, match="signed twice"):
        reg.submit(dup, now=NOW)


def test_high_s_signature_rejected() -> None:
    reg = make_registry()
    s = signed(att(), KEYS[:3])
    sig = Signature.from_bytes(s.signatures[0])
    twin = Signature(sig.r, N - sig.s, 55 - sig.v)  # valid ECDSA, but the malleable twin
    with pytest.raises(E.HighSError):
        reg.submit(with_signatures(s, [twin, *s.signatures[1:]]), now=NOW)


def test_malformed_signature_rejected() -> None:
    reg = make_registry()
    s = signed(att(), KEYS[:3])
    with pytest.raises(E.MalformedSignatureError):
        reg.submit(with_signatures(s, [s.signatures[0][:64], *s.signatures[1:]]), now=NOW)


def test_more_signatures_than_members_rejected() -> None:
    reg = make_registry(members=3, threshold=2)
    s = signed(att(), KEYS[:3])
    with pytest.raises(E.MalformedSignatureError, match="4 signatures"):
        reg.submit(with_signatures(s, [*s.signatures, s.signatures[0]]), now=NOW)


def test_zero_root_rejected() -> None:
    reg = make_registry()
    with pytest.raises(E.ZeroRootError):
        reg.submit(signed(att(root=0), KEYS[:3]), now=NOW)


def test_root_outside_field_rejected() -> None:
    reg = make_registry()
    with pytest.raises(E.RootRangeError):
        reg.submit(signed(att(root=R), KEYS[:3]), now=NOW)


def test_block_number_must_increase() -> None:
    reg = make_registry()
    reg.submit(signed(att(block=100, root=1), KEYS[:3]), now=NOW)
    for block in (100, 99):
        with pytest.raises(E.NonIncreasingBlockError, match=f"blockNumber = {block}"):
            reg.submit(signed(att(block=block, root=2), KEYS[:3]), now=NOW)
    reg.submit(signed(att(block=101, root=2), KEYS[:3]), now=NOW)
    # Per vault: another vault's history is independent.
    reg.submit(signed(att(block=5, root=3, vault=OTHER_VAULT), KEYS[:3]), now=NOW)
    assert [h.root for h in reg.history(SRC, VAULT)] == [1, 2]


def test_other_execution_chain_domain_rejected() -> None:
    reg = make_registry()
    with pytest.raises(E.WrongDomainError, match="chainId=10"):
        reg.submit(signed(att(), KEYS[:3], domain_chain=10), now=NOW)
    with pytest.raises(E.WrongDomainError, match="verifyingContract"):
        reg.submit(signed(att(), KEYS[:3], registry="0x" + "cd" * 20), now=NOW)


def test_signatures_for_other_domain_do_not_count_even_if_relabelled() -> None:
    reg = make_registry()
    foreign = signed(att(), KEYS[:3], domain_chain=10)
    relabelled = SignedAttestation(foreign.attestation, reg.config.domain, foreign.signatures)
    with pytest.raises(E.UnknownSignerError):
        reg.submit(relabelled, now=NOW)


def test_other_vault_or_chain_rejected() -> None:
    reg = make_registry()
    with pytest.raises(E.UnknownVaultError, match="source chain 5"):
        reg.submit(signed(att(chain=5), KEYS[:3]), now=NOW)
    with pytest.raises(E.UnknownVaultError):
        reg.submit(signed(att(vault="0x" + "33" * 20), KEYS[:3]), now=NOW)


def test_attestation_of_one_vault_cannot_be_used_for_another() -> None:
    reg = make_registry()
    s = signed(att(vault=VAULT), KEYS[:3])
    moved = SignedAttestation(att(vault=OTHER_VAULT), s.domain, s.signatures)
    with pytest.raises(E.UnknownSignerError):
        reg.submit(moved, now=NOW)
    moved_chain = SignedAttestation(
        RootAttestation(SRC, VAULT, 100, 12345, NOW - 29), s.domain, s.signatures
    )
    with pytest.raises(E.UnknownSignerError):
        reg.submit(moved_chain, now=NOW)


def test_future_timestamp_rejected() -> None:
    reg = make_registry()
    a = RootAttestation(SRC, VAULT, 1, 7, NOW + 3600)
    with pytest.raises(E.FutureTimestampError):
        reg.submit(signed(a, KEYS[:3]), now=NOW)


def test_rotated_out_member_rejected() -> None:
    reg = make_registry()
    reg.submit(signed(att(block=1, root=1), KEYS[:3]), now=NOW)
    new_keys = [KEYS[1], KEYS[2], KEYS[3], PrivateKey.from_int(9999)]
    reg.rotate(Committee(1, tuple(k.address for k in new_keys), 3), now=NOW)
    with pytest.raises(E.RotatedOutSignerError, match=KEYS[0].address):
        reg.submit(signed(att(block=2, root=2), KEYS[:3]), now=NOW)
    acc = reg.submit(signed(att(block=2, root=2), new_keys[:3]), now=NOW)
    assert acc.epoch == 1


def test_rotation_epoch_must_be_next() -> None:
    reg = make_registry()
    with pytest.raises(E.EpochError):
        reg.rotate(Committee(2, tuple(k.address for k in KEYS[:3]), 2))


def test_weak_committees_refused() -> None:
    members = tuple(k.address for k in KEYS[:4])
    with pytest.raises(E.WeakCommitteeError, match="below 2"):
        Committee(0, members[:1], 1)
    with pytest.raises(E.WeakCommitteeError, match="strict majority"):
        Committee(0, members, 2)  # 2 of 4: two disjoint quorums
    Committee(0, members, 3)
    Committee(0, members[:1], 1, development=True)
    Committee(0, members, 2, development=True)
    with pytest.raises(E.CommitteeConfigError):
        Committee(0, (members[0], members[0], members[1]), 2)
    with pytest.raises(E.CommitteeConfigError):
        Committee(0, members, 5)
    assert issubclass(E.WeakCommitteeError, AttestationError)


def test_rejections_write_nothing_and_state_persists(tmp_path: object) -> None:
    import pathlib

    path = pathlib.Path(str(tmp_path)) / "reg.sqlite"
    cfg = RegistryConfig(EXEC_CHAIN, REGISTRY, ((SRC, VAULT),))
    committee = Committee(0, tuple(k.address for k in KEYS[:3]), 2)
    reg = RootRegistry(open_registry_store(path), cfg, committee, now=NOW)
    reg.submit(signed(att(block=1, root=1), KEYS[:2]), now=NOW)
    with pytest.raises(E.ThresholdNotMetError):
        reg.submit(signed(att(block=2, root=2), KEYS[:1]), now=NOW)
    reg.store.close()
    again = RootRegistry(open_registry_store(path), cfg, now=NOW)
    assert [h.root for h in again.history(SRC, VAULT)] == [1]
    assert again.committee() == committee


def test_signed_attestation_json_roundtrip() -> None:
    s = signed(att(), KEYS[:3])
    assert SignedAttestation.from_json(s.to_json()) == s


def test_observed_latency_includes_silence() -> None:
    reg = make_registry()
    reg.submit(signed(RootAttestation(SRC, VAULT, 1, 1, NOW - 40), KEYS[:3]), now=NOW)
    assert reg.observed_latency_s(SRC, VAULT, now=NOW, window_s=3600, interval_s=60) == 40
    # Nothing arrives for an hour: the silence beyond the expected interval counts as latency.
    later = NOW + 3600
    assert reg.observed_latency_s(SRC, VAULT, now=later, window_s=600, interval_s=60) == 3640 - 60
    assert reg.observed_latency_s(SRC, OTHER_VAULT, now=later, window_s=600, interval_s=60) is None
