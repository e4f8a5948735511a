"""Collateral credits (PROTOCOL.md s.7): every refusal rule, the once-only lock, atomicity."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.margin.helpers import (
    ALICE,
    BOB,
    DAY,
    EXEC_CHAIN,
    NOW,
    SRC,
    VAULT,
    VAULT2,
    WETH_INT,
    attest,
    credit_lock,
    lock_public,
    make_config,
    make_venue,
    ready_venue,
)
from zkcollat.errors import CreditError
from zkcollat.field import R
from zkcollat.margin import errors as E


def test_credit_recorded_with_expiry_and_value() -> None:
    v, tv = ready_venue()
    c = credit_lock(v, tv, ALICE, 5, 2 * 10**18)
    assert c.key == (SRC, VAULT, 5) and c.threshold == 2 * 10**18
    assert c.valid_until == NOW + 30 * DAY - DAY  # minExpiry - liquidationWindow
    assert v.get_credit(SRC, VAULT, 5) == c
    m = v.margin(ALICE, now=NOW)
    h = v.haircut_bps(SRC, VAULT, WETH_INT, NOW)
    assert m.collateral_value_e6 == 2 * 3000 * (10_000 - h) * 10**6 // 10_000
    # The credit stops counting at valid_until, while the lock stays seizable until minExpiry.
    assert v.margin(ALICE, now=c.valid_until - 1).collateral_value_e6 > 0
    assert v.margin(ALICE, now=c.valid_until).collateral_value_e6 == 0


def test_root_resolved_without_naming_the_vault() -> None:
    v, tv = ready_venue()
    pub = lock_public(ALICE, 1, 10**18)
    assert v.credit(ALICE, tv.issue(pub), pub, now=NOW).vault == VAULT


def test_replayed_proof_refused() -> None:
    v, tv = ready_venue()
    pub = lock_public(ALICE, 1, 10**18)
    proof = tv.issue(pub)
    v.credit(ALICE, proof, pub, now=NOW, source_chain_id=SRC, vault=VAULT)
    with pytest.raises(E.LockAlreadyCreditedError, match=f"{SRC}:{VAULT}:1"):
        v.credit(ALICE, proof, pub, now=NOW, source_chain_id=SRC, vault=VAULT)


def test_rerandomised_proof_refused() -> None:
    # Another valid proof of the same lock (different bytes): the key is the lock, not the proof.
    v, tv = ready_venue()
    pub = lock_public(ALICE, 1, 10**18)
    v.credit(ALICE, tv.issue(pub), pub, now=NOW, source_chain_id=SRC, vault=VAULT)
    other = tv.issue(pub)
    with pytest.raises(E.LockAlreadyCreditedError):
        v.credit(ALICE, other, pub, now=NOW, source_chain_id=SRC, vault=VAULT)
    # A smaller threshold or a later root does not make it a new lock either.
    attest(v, 888, 101, now=NOW)
    pub2 = lock_public(ALICE, 1, 10**17, root=888)
    with pytest.raises(E.LockAlreadyCreditedError):
        v.credit(ALICE, tv.issue(pub2), pub2, now=NOW, source_chain_id=SRC, vault=VAULT)


def test_proof_for_another_account_refused() -> None:
    v, tv = ready_venue()
    pub = lock_public(ALICE, 1, 10**18)
    with pytest.raises(E.WrongOwnerError, match=BOB):
        v.credit(BOB, tv.issue(pub), pub, now=NOW, source_chain_id=SRC, vault=VAULT)


def test_other_destination_chain_refused() -> None:
    v, tv = ready_venue()
    pub = lock_public(ALICE, 1, 10**18, dest=EXEC_CHAIN + 1)
    with pytest.raises(E.WrongDestinationError, match=str(EXEC_CHAIN + 1)):
        v.credit(ALICE, tv.issue(pub), pub, now=NOW, source_chain_id=SRC, vault=VAULT)


def test_unaccepted_root_refused() -> None:
    v, tv = ready_venue()
    pub = lock_public(ALICE, 1, 10**18, root=999)
    with pytest.raises(E.RootNotAcceptedError):
        v.credit(ALICE, tv.issue(pub), pub, now=NOW, source_chain_id=SRC, vault=VAULT)
    with pytest.raises(E.RootNotAcceptedError):
        v.credit(ALICE, tv.issue(pub), pub, now=NOW)


def test_root_of_another_vault_refused() -> None:
    v, tv = ready_venue()
    pub = lock_public(ALICE, 1, 10**18)  # root 777 is accepted for VAULT only
    with pytest.raises(E.RootNotAcceptedError, match=VAULT2):
        v.credit(ALICE, tv.issue(pub), pub, now=NOW, source_chain_id=SRC, vault=VAULT2)


def test_root_shared_by_two_vaults_must_be_named() -> None:
    v, tv = ready_venue()
    attest(v, 777, 5, now=NOW, vault=VAULT2)
    pub = lock_public(ALICE, 1, 10**18)
    with pytest.raises(E.AmbiguousRootError):
        v.credit(ALICE, tv.issue(pub), pub, now=NOW)
    # Named, the same lock id in two vaults is two locks.
    v.credit(ALICE, tv.issue(pub), pub, now=NOW, source_chain_id=SRC, vault=VAULT)
    v.credit(ALICE, tv.issue(pub), pub, now=NOW, source_chain_id=SRC, vault=VAULT2)


def test_min_expiry_must_leave_the_liquidation_window() -> None:
    v, tv = ready_venue()
    for min_expiry in (NOW + DAY, NOW + DAY - 1, NOW):
        pub = lock_public(ALICE, 1, 10**18, min_expiry=min_expiry)
        with pytest.raises(E.ExpiryTooSoonError):
            v.credit(ALICE, tv.issue(pub), pub, now=NOW, source_chain_id=SRC, vault=VAULT)
    pub = lock_public(ALICE, 1, 10**18, min_expiry=NOW + DAY + 1)
    assert v.credit(ALICE, tv.issue(pub), pub, now=NOW).valid_until == NOW + 1


def test_unlisted_asset_refused() -> None:
    v, tv = ready_venue()
    pub = lock_public(ALICE, 1, 10**18, asset=0xDEAD)
    with pytest.raises(E.UnknownAssetError):
        v.credit(ALICE, tv.issue(pub), pub, now=NOW, source_chain_id=SRC, vault=VAULT)


def test_zero_threshold_refused() -> None:
    v, tv = ready_venue()
    pub = lock_public(ALICE, 1, 0)
    with pytest.raises(E.ZeroThresholdError):
        v.credit(ALICE, tv.issue(pub), pub, now=NOW, source_chain_id=SRC, vault=VAULT)


@pytest.mark.parametrize(
    "public",
    [
        lock_public(ALICE, 1, 10**18)[:6],
        [*lock_public(ALICE, 1, 10**18), 0],
        [R, *lock_public(ALICE, 1, 10**18)[1:]],  # aliasing: >= r is refused, never reduced
        [*lock_public(ALICE, 1, 10**18)[:4], 2**64, 10**18, NOW + 30 * DAY],
        [*lock_public(ALICE, 1, 10**18)[:5], 2**128, NOW + 30 * DAY],
        ["777", "x", *map(str, lock_public(ALICE, 1, 10**18)[2:])],
    ],
)
def test_malformed_public_inputs_refused(public: list[Any]) -> None:
    v, tv = ready_venue()
    with pytest.raises(E.PublicInputError):
        v.credit(ALICE, tv.issue(public), public, now=NOW, source_chain_id=SRC, vault=VAULT)
    assert tv.calls == 0


def test_decimal_string_public_inputs_accepted() -> None:
    v, tv = ready_venue()
    pub = lock_public(ALICE, 1, 10**18)
    proof = tv.issue(pub)
    v.credit(ALICE, proof, [str(x) for x in pub], now=NOW, source_chain_id=SRC, vault=VAULT)


def test_invalid_proof_refused() -> None:
    v, tv = ready_venue()
    pub = lock_public(ALICE, 1, 10**18)
    forged = tv.issue(lock_public(ALICE, 1, 10**17))  # a proof of a smaller threshold
    with pytest.raises(E.InvalidProofError):
        v.credit(ALICE, forged, pub, now=NOW, source_chain_id=SRC, vault=VAULT)
    assert v.get_credit(SRC, VAULT, 1) is None


def test_no_verifying_key_refuses_everything() -> None:
    v, tv = ready_venue(make_config(verifying_key=None))
    pub = lock_public(ALICE, 1, 10**18)
    with pytest.raises(E.InvalidProofError, match="no verifying key"):
        v.credit(ALICE, tv.issue(pub), pub, now=NOW, source_chain_id=SRC, vault=VAULT)


def test_credit_errors_are_credit_errors() -> None:
    for cls in (E.LockAlreadyCreditedError, E.WrongOwnerError, E.InvalidProofError):
        assert issubclass(cls, CreditError)


def test_credit_and_lock_record_are_one_transaction(tmp_path: Any) -> None:
    v, tv = ready_venue(db=tmp_path / "venue.sqlite")
    bob = "0x" + "b0" * 20
    pub = lock_public(bob, 1, 10**18)  # no account yet: the credit also creates it
    proof = tv.issue(pub)

    class Boom(Exception):
        pass

    real_execute = v.store.conn.execute
    calls = {"n": 0}

    class FailingConn:
        """Fails the credit INSERT after the account row was written inside the transaction."""

        def __getattr__(self, name: str) -> Any:
            return getattr(real_conn, name)

        def execute(self, sql: str, *args: Any) -> Any:
            if sql.startswith("INSERT INTO credits"):
                calls["n"] += 1
                raise Boom()
            return real_execute(sql, *args)

    real_conn = v.store.conn
    v.store.conn = FailingConn()  # type: ignore[assignment]
    with pytest.raises(Boom):
        v.credit(bob, proof, pub, now=NOW, source_chain_id=SRC, vault=VAULT)
    v.store.conn = real_conn
    assert calls["n"] == 1
    # Nothing half-written: no credit, and not the account row written before it either.
    assert real_conn.execute("SELECT COUNT(*) FROM credits").fetchone()[0] == 0
    assert (
        real_conn.execute("SELECT COUNT(*) FROM accounts WHERE account = ?", (bob,)).fetchone()[0]
        == 0
    )
    v.credit(bob, proof, pub, now=NOW, source_chain_id=SRC, vault=VAULT)
    # A second connection to the same file sees it: it was committed.
    other = sqlite3.connect(str(tmp_path / "venue.sqlite"))
    assert other.execute("SELECT COUNT(*) FROM credits").fetchone()[0] == 1


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ops=st.lists(
        st.tuples(st.sampled_from([ALICE, BOB]), st.integers(0, 3), st.integers(1, 5)),
        min_size=1,
        max_size=15,
    )
)
def test_a_lock_is_never_credited_twice(ops: list[tuple[str, int, int]]) -> None:
    """Whatever the order of calls, accounts, thresholds and proofs: one credit per lock."""
    v, tv = ready_venue()
    v.open_account(BOB, now=NOW)
    credited: dict[int, str] = {}
    for who, lock_id, thr in ops:
        pub = lock_public(who, lock_id, thr * 10**17)
        try:
            v.credit(who, tv.issue(pub), pub, now=NOW, source_chain_id=SRC, vault=VAULT)
        except E.LockAlreadyCreditedError:
            assert lock_id in credited
            continue
        assert lock_id not in credited
        credited[lock_id] = who
    rows = v.conn.execute("SELECT lock_id, account FROM credits").fetchall()
    assert sorted((int(a), b) for a, b in rows) == sorted(credited.items())


def test_credit_with_the_real_verifier() -> None:
    """The venue's own call into zkcollat.groth16.verify, on a valid Groth16 proof with the
    CollateralLock public-input layout (a synthetic key whose trapdoor is public: see
    tests/solidity/synthetic.py). Skipped only while the Python verifier does not exist."""
    pytest.importorskip("zkcollat.groth16.verify")
    from tests.solidity.synthetic import synthetic_case

    pub = lock_public(ALICE, 9, 10**18)
    case = synthetic_case("margin-credit", tuple(pub))
    v, tv = ready_venue(make_config(verifying_key=case.vk), real_verifier=True)
    # The same proof presented for other public inputs does not verify.
    bad = [*pub[:5], 10**19, pub[6]]
    with pytest.raises(E.InvalidProofError):
        v.credit(ALICE, case.proof, bad, now=NOW, source_chain_id=SRC, vault=VAULT)
    # As a relayer would hand them over: snarkjs proof.json and public.json objects.
    from zkcollat.formats.snarkjs import proof_to_json, public_to_json

    c = v.credit(ALICE, proof_to_json(case.proof), public_to_json(pub), now=NOW)
    assert c.threshold == 10**18 and c.key == (SRC, VAULT, 9)
    with pytest.raises(E.LockAlreadyCreditedError):
        v.credit(ALICE, case.proof, pub, now=NOW, source_chain_id=SRC, vault=VAULT)
    assert tv.calls == 0  # the table stand-in was never consulted


def test_make_venue_without_attestation_has_no_roots() -> None:
    v, tv = make_venue()
    v.open_account(ALICE, now=NOW)
    pub = lock_public(ALICE, 1, 10**18)
    with pytest.raises(E.RootNotAcceptedError):
        v.credit(ALICE, tv.issue(pub), pub, now=NOW)
