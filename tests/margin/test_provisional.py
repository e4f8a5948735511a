"""Optimistic credit from committee lock reports (docs/protocol.md s.9): only a threshold of
current members makes a report count; the haircut and both caps; never behind a Release or a
withdrawal; replaced (not added to) by the proof; lapse at the deadline with an immediate
margin check and liquidation; a reorged-out lock costs the fund at most the capped value."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.margin.helpers import (
    ALICE,
    BOB,
    CAROL,
    COMMITTEE_KEYS,
    DAY,
    E6,
    EXEC_CHAIN,
    NOW,
    PUT,
    SRC,
    VAULT,
    VAULT2,
    VENUE_KEY,
    WETH,
    WETH_INT,
    credit_lock,
    make_config,
    mark,
    order,
    put_lots_allowed,
    ready_venue,
    release,
    withdraw,
)
from zkcollat.attest import errors as AE
from zkcollat.attest.attestation import RootAttestation, SignedAttestation
from zkcollat.attest.committee import Committee
from zkcollat.attest.lock_report import LockReport, SignedLockReport, sign_lock_report
from zkcollat.attest.secp256k1 import PrivateKey
from zkcollat.margin import errors as E
from zkcollat.margin.collateral import value_e6
from zkcollat.margin.config import ProvisionalParams, VenueConfig
from zkcollat.margin.ledger import INSURANCE
from zkcollat.margin.risk import value_of
from zkcollat.margin.venue import Venue

CAP = 1_500 * E6  # per account
FUND = 10_000 * E6
PROV = ProvisionalParams(
    extra_haircut_bps=2000, max_account_e6=CAP, fund_fraction_bps=5000, verification_window_s=3600
)
DEADLINE = NOW + 3600


def cfg(**kw: Any) -> VenueConfig:
    return make_config(provisional=ProvisionalParams(**{**PROV.__dict__, **kw}))


def venue(fund: int = FUND, **kw: Any) -> tuple[Venue, Any]:
    v, tv = ready_venue(cfg(**kw))
    if fund:
        v.fund_insurance(fund, now=NOW)
    return v, tv


def lock_report(
    account: str,
    lock_id: int,
    amount: int = 10**18,
    *,
    expiry: int = NOW + 30 * DAY,
    vault: str = VAULT,
    asset: str = WETH,
    dest: int = EXEC_CHAIN,
) -> LockReport:
    return LockReport(SRC, vault, lock_id, account, dest, asset, amount, expiry, 200, b"\x07" * 32)


def signed(v: Venue, rep: LockReport, keys: list[PrivateKey] | None = None) -> SignedLockReport:
    ks = COMMITTEE_KEYS[:2] if keys is None else keys
    return sign_lock_report(rep, v.registry.config.domain, ks)


def report(v: Venue, account: str, lock_id: int, amount: int = 10**18, **kw: Any) -> Any:
    return v.report_lock(signed(v, lock_report(account, lock_id, amount, **kw)), now=NOW)


def fund_equity(v: Venue, now: int) -> int:
    """The insurance fund's cash plus the positions it took over, at the mark."""
    return v.ledger.cash[INSURANCE] + value_of(v.ledger.positions_of(INSURANCE), v.units(now))


def full_value(v: Venue, amount: int, now: int = NOW) -> int:
    h = v.haircut_bps(SRC, VAULT, WETH_INT, now) + 2000
    return value_e6(amount, v.asset_prices[(SRC, WETH_INT)][0], 18, h)


# --- signatures: an unsigned or under-signed report is worth nothing ---------------------------


def test_unsigned_and_under_signed_reports_refused() -> None:
    v, _ = venue()
    for keys in ([], COMMITTEE_KEYS[:1]):
        with pytest.raises(AE.ThresholdNotMetError, match="needs 2"):
            v.report_lock(signed(v, lock_report(ALICE, 1), keys), now=NOW)
    assert v.provisional == {} and v.margin(ALICE, now=NOW).collateral_value_e6 == 0


def test_outsider_duplicate_and_rotated_out_signers_refused() -> None:
    v, _ = venue()
    outsider = PrivateKey.from_int(99)
    with pytest.raises(AE.UnknownSignerError):
        v.report_lock(signed(v, lock_report(ALICE, 1), [COMMITTEE_KEYS[0], outsider]), now=NOW)
    with pytest.raises(AE.DuplicateSignerError):
        v.report_lock(signed(v, lock_report(ALICE, 1), [COMMITTEE_KEYS[0]] * 2), now=NOW)
    new = [PrivateKey.from_int(8_000 + i) for i in range(3)]
    v.registry.rotate(Committee(1, tuple(k.address for k in new), 2), now=NOW)
    with pytest.raises(AE.RotatedOutSignerError):
        report(v, ALICE, 1)  # the epoch-0 members no longer count
    v.report_lock(signed(v, lock_report(ALICE, 1), new[1:]), now=NOW)


def test_signature_over_another_report_or_domain_refused() -> None:
    v, _ = venue()
    good = signed(v, lock_report(ALICE, 1))
    bigger = SignedLockReport(lock_report(ALICE, 1, 10**19), good.domain, good.signatures)
    with pytest.raises(AE.UnknownSignerError):
        v.report_lock(bigger, now=NOW)
    from zkcollat.attest.attestation import zkcollat_domain

    other = zkcollat_domain(EXEC_CHAIN + 1, v.registry.config.address)
    with pytest.raises(E.ReportDomainError, match=str(EXEC_CHAIN + 1)):
        v.report_lock(sign_lock_report(lock_report(ALICE, 1), other, COMMITTEE_KEYS[:2]), now=NOW)
    forged = SignedLockReport(good.report, v.registry.config.domain, good.signatures)
    assert v.report_lock(forged, now=NOW).signers == tuple(
        k.address for k in COMMITTEE_KEYS[:2]
    )


def test_root_and_report_signatures_never_stand_for_each_other() -> None:
    """Same domain, same committee: the type hash keeps the two messages apart."""
    v, _ = venue()
    dom = v.registry.config.domain
    rep = lock_report(ALICE, 1)
    att = RootAttestation(SRC, VAULT, 200, 12345, NOW - 30)
    assert rep.digest(dom) != att.digest(dom)
    root_sigs = tuple(k.sign_digest(att.digest(dom)).to_bytes() for k in COMMITTEE_KEYS[:2])
    with pytest.raises(AE.UnknownSignerError):
        v.report_lock(SignedLockReport(rep, dom, root_sigs), now=NOW)
    rep_sigs = signed(v, rep).signatures
    with pytest.raises(AE.UnknownSignerError):
        v.submit_attestation(SignedAttestation(att, dom, rep_sigs), now=NOW)


@pytest.mark.parametrize(
    "kw, err",
    [
        ({"dest": EXEC_CHAIN + 1}, E.WrongDestinationError),
        ({"asset": "0x" + "cd" * 20}, E.UnknownAssetError),
        ({"vault": "0x" + "99" * 20}, E.LockReportError),
        ({"amount": 0}, E.ZeroThresholdError),
        ({"expiry": NOW + DAY}, E.ExpiryTooSoonError),
    ],
)
def test_report_rules(kw: dict[str, Any], err: type[Exception]) -> None:
    v, _ = venue()
    amount = kw.pop("amount", 10**18)
    with pytest.raises(err):
        v.report_lock(signed(v, lock_report(ALICE, 1, amount, **kw)), now=NOW)
    assert v.provisional == {}


def test_each_lock_reported_once_and_never_after_its_credit() -> None:
    v, tv = venue()
    report(v, ALICE, 1)
    with pytest.raises(E.ReportedAlreadyError):
        report(v, ALICE, 1)
    credit_lock(v, tv, BOB, 2, 10**18)
    with pytest.raises(E.LockAlreadyCreditedError):
        report(v, BOB, 2)
    report(v, ALICE, 1, vault=VAULT2)  # the same lock id in another vault is another lock


def test_signed_report_json_round_trip_and_malformed() -> None:
    v, _ = venue()
    s = signed(v, lock_report(ALICE, 1))
    assert SignedLockReport.from_json(s.to_json()) == s
    from zkcollat.errors import EncodingError

    bad = s.to_json()
    bad["report"]["amount"] = str(2**128)
    with pytest.raises(EncodingError, match="uint128"):
        SignedLockReport.from_json(bad)
    bad = s.to_json()
    bad["type"] = "RootAttestation"
    with pytest.raises(EncodingError, match="not a signed LockReport"):
        SignedLockReport.from_json(bad)
    bad = s.to_json()
    bad["report"]["blockHash"] = "0x12"
    with pytest.raises(EncodingError, match="blockHash"):
        SignedLockReport.from_json(bad)


# --- value and caps ---------------------------------------------------------------------------


def test_value_has_the_larger_haircut() -> None:
    v, _ = venue(max_account_e6=10**12)
    report(v, ALICE, 1, 10**17)
    got = v.margin(ALICE, now=NOW).collateral_value_e6
    assert got == full_value(v, 10**17)
    normal = value_e6(10**17, v.asset_prices[(SRC, WETH_INT)][0], 18,
                      v.haircut_bps(SRC, VAULT, WETH_INT, NOW))
    assert 0 < got < normal


def test_capped_per_account_and_by_the_fund_in_arrival_order() -> None:
    v, _ = venue()  # room: 50% of 10,000 = 5,000; per account 1,500
    report(v, ALICE, 1, 10**18)
    report(v, ALICE, 2, 10**18)
    assert v.margin(ALICE, now=NOW).collateral_value_e6 == CAP
    for i, acct in enumerate((BOB, CAROL)):
        report(v, acct, 10 + i, 10**18)
    from tests.margin.helpers import DAVE, ERIN

    report(v, DAVE, 20, 10**18)
    report(v, ERIN, 21, 10**18)
    vals = {a: v.margin(a, now=NOW).collateral_value_e6 for a in (ALICE, BOB, CAROL, DAVE, ERIN)}
    assert vals == {ALICE: CAP, BOB: CAP, CAROL: CAP, DAVE: 5_000 * E6 - 3 * CAP, ERIN: 0}
    assert v.provisional_exposure_e6(NOW) == 5_000 * E6


def test_no_fund_no_value() -> None:
    v, _ = venue(fund=0)
    report(v, ALICE, 1)
    assert v.margin(ALICE, now=NOW).collateral_value_e6 == 0
    v2, _ = venue(fund_fraction_bps=0)
    report(v2, ALICE, 1)
    assert v2.margin(ALICE, now=NOW).collateral_value_e6 == 0


def test_counts_until_the_deadline_only() -> None:
    v, _ = venue()
    report(v, ALICE, 1)
    assert v.margin(ALICE, now=DEADLINE - 1).collateral_value_e6 == CAP
    assert v.margin(ALICE, now=DEADLINE).collateral_value_e6 == 0


# --- never behind a Release or a withdrawal ---------------------------------------------------


def short_puts(v: Venue, account: str, lots: int, now: int = NOW) -> int:
    """``account`` sells as many puts (up to ``lots``) as initial margin allows, to Bob."""
    v.deposit(BOB, 500_000 * E6, now=now)
    m = mark(v, PUT)
    lots = put_lots_allowed(v, account, lots, m, now)
    assert lots > 0
    v.place(order(v, BOB, PUT, True, lots, m, now=now), now=now)
    v.place(order(v, account, PUT, False, lots, m, ioc=True, now=now), now=now)
    return lots


def test_provisional_credit_never_backs_a_withdrawal() -> None:
    v, _ = venue()
    v.deposit(ALICE, 300 * E6, now=NOW)
    report(v, ALICE, 1)
    short_puts(v, ALICE, 40)
    s = v.margin(ALICE, now=NOW)
    assert s.meets_im and s.collateral_value_e6 == CAP
    final = v.margin_final(ALICE, now=NOW)
    assert not final.meets_im  # the position leans on the report
    with pytest.raises(E.InsufficientMarginError):
        v.withdraw(withdraw(v, ALICE, 1, now=NOW), now=NOW)
    assert v.ledger.cash[ALICE] > 0  # there is cash: only the report kept it in
    assert v.margin(ALICE, now=NOW).collateral_value_e6 == CAP  # the flag did not leak


def test_release_refused_when_only_the_report_would_cover_it() -> None:
    v, tv = venue(max_account_e6=10**12, fund_fraction_bps=10_000)
    v.fund_insurance(90_000 * E6, now=NOW)
    credit_lock(v, tv, ALICE, 1, 10**18)
    report(v, ALICE, 2, 5 * 10**18)
    lots = short_puts(v, ALICE, 8)
    with_report = v.margin(ALICE, now=NOW, without=(SRC, VAULT, 1))
    assert with_report.meets_im, lots  # the report alone would cover the release
    with pytest.raises(E.InsufficientMarginError, match="without lock"):
        v.request_release(release(v, ALICE, 1, now=NOW), now=NOW)
    assert v.credits[(SRC, VAULT, 1)].status == "active" and v.outbox() == []


# --- final credit replaces the report --------------------------------------------------------


def test_proof_in_the_window_replaces_the_report() -> None:
    v, tv = venue()
    report(v, ALICE, 1, 10**18)
    c = credit_lock(v, tv, ALICE, 1, 10**18, now=NOW + 60)
    p = v.provisional[c.key]
    assert p.status == "confirmed" and p.resolved_at == NOW + 60
    only_final = v.margin_final(ALICE, now=NOW + 60).collateral_value_e6
    assert v.margin(ALICE, now=NOW + 60).collateral_value_e6 == only_final > 0
    assert v.provisional_exposure_e6(NOW + 60) == 0
    out = v.resolve_reports(now=DEADLINE + 1)  # nothing left to lapse
    assert out.resolved == [] and v.provisional[c.key].status == "confirmed"


def test_report_and_credit_resolved_in_one_transaction(tmp_path: Path) -> None:
    v, tv = ready_venue(cfg(), tmp_path / "v.sqlite")
    v.fund_insurance(FUND, now=NOW)
    report(v, ALICE, 1)
    credit_lock(v, tv, ALICE, 1, 10**18, now=NOW + 1)
    again = Venue.open(tmp_path / "v.sqlite", cfg(), VENUE_KEY)
    assert again.provisional[(SRC, VAULT, 1)].status == "confirmed"
    assert (SRC, VAULT, 1) in again.credits
    again.audit()


def test_proof_of_a_reused_lock_id_contradicts_the_report() -> None:
    """The reported lock was reorged out and another account's lock took its id."""
    v, tv = venue()
    v.deposit(ALICE, 300 * E6, now=NOW)
    report(v, ALICE, 1)
    short_puts(v, ALICE, 40)
    assert not v.margin_final(ALICE, now=NOW + 5).meets_mm
    fund0 = fund_equity(v, NOW + 5)
    credit_lock(v, tv, CAROL, 1, 10**18, now=NOW + 5)
    assert v.provisional[(SRC, VAULT, 1)].status == "contradicted"
    assert v.margin(ALICE, now=NOW + 5).collateral_value_e6 == 0
    assert v.ledger.positions_of(ALICE) == {}  # margin-checked at once and liquidated
    assert fund0 - fund_equity(v, NOW + 5) <= CAP
    v.audit()


# --- lapse: reorged out, never attested -------------------------------------------------------


def test_lapse_margin_checks_and_liquidates_and_the_fund_loses_at_most_the_cap() -> None:
    v, _ = venue()
    report(v, ALICE, 1, 10**18)  # never attested: the lock was reorged out
    short_puts(v, ALICE, 60)  # all on the report's credit
    assert v.margin_final(ALICE, now=NOW).equity_e6 < 0 < v.margin(ALICE, now=NOW).equity_e6
    counted = v.margin(ALICE, now=DEADLINE - 1).collateral_value_e6
    fund0 = fund_equity(v, DEADLINE)
    out = v.resolve_reports(now=DEADLINE)
    assert [p.status for p in out.resolved] == ["lapsed"]
    assert [r.account for r in out.liquidations] == [ALICE]
    assert v.ledger.positions_of(ALICE) == {}
    loss = fund0 - fund_equity(v, DEADLINE)
    assert 0 < loss <= counted <= CAP
    v.audit()
    assert v.resolve_reports(now=DEADLINE + 10).resolved == []


def test_lapse_of_a_covered_account_liquidates_nothing() -> None:
    v, _ = venue()
    v.deposit(ALICE, 50_000 * E6, now=NOW)
    report(v, ALICE, 1)
    short_puts(v, ALICE, 5)
    out = v.resolve_reports(now=DEADLINE)
    assert [p.status for p in out.resolved] == ["lapsed"] and out.liquidations == []
    assert v.ledger.positions_of(ALICE) != {}


def test_proof_after_the_deadline_is_an_ordinary_credit() -> None:
    v, tv = venue()
    report(v, ALICE, 1)
    v.resolve_reports(now=DEADLINE)
    c = credit_lock(v, tv, ALICE, 1, 10**18, now=DEADLINE + 5)
    assert v.provisional[c.key].status == "lapsed"
    assert v.margin(ALICE, now=DEADLINE + 5).collateral_value_e6 == v.margin_final(
        ALICE, now=DEADLINE + 5
    ).collateral_value_e6 > 0


# --- reorgs: a report whose source block left the chain ------------------------------------


def reorged_report(account: str, lock_id: int, amount: int = 10**18) -> LockReport:
    """The same lock read again from the new chain: another block, another hash."""
    rep = lock_report(account, lock_id, amount)
    return LockReport(*[*rep.message().values()][:8], 201, b"\x08" * 32)  # type: ignore[arg-type]


def test_reorged_report_stops_counting_at_once_and_the_account_is_checked() -> None:
    v, _ = venue()
    report(v, ALICE, 1, 10**18)
    short_puts(v, ALICE, 60)  # all on the report's credit
    counted = v.margin(ALICE, now=NOW + 5).collateral_value_e6
    fund0 = fund_equity(v, NOW + 5)
    gone = v.reports_reorged([(SRC, VAULT, 1), (SRC, VAULT, 99)], now=NOW + 5)
    assert [p.status for p in gone] == ["reorged"] and v.provisional_exposure_e6(NOW + 5) == 0
    assert v.margin(ALICE, now=NOW + 5).collateral_value_e6 == 0
    assert v.reports_reorged([(SRC, VAULT, 1)], now=NOW + 6) == []  # once
    [liq] = v.check_accounts([ALICE, ALICE], now=NOW + 6)
    assert liq.account == ALICE and v.ledger.positions_of(ALICE) == {}
    assert 0 < fund0 - fund_equity(v, NOW + 6) <= counted <= CAP
    assert v.resolve_reports(now=DEADLINE).resolved == []  # nothing left to lapse
    v.audit()


def test_report_from_the_new_chain_replaces_a_reorged_one_never_adds() -> None:
    v, _ = venue()
    first = report(v, ALICE, 1, 10**18)
    with pytest.raises(E.ReportedAlreadyError):  # while the first one stands
        v.report_lock(signed(v, reorged_report(ALICE, 1)), now=NOW + 5)
    v.reports_reorged([first.key], now=NOW + 5)
    again = v.report_lock(signed(v, reorged_report(ALICE, 1, 2 * 10**18)), now=NOW + 600)
    assert again.status == "active" and again.block_hash == b"\x08" * 32
    assert (again.reported_at, again.deadline) == (first.reported_at, first.deadline)
    assert list(v.provisional) == [first.key] and v.reports_of(ALICE) == [again]
    assert v.margin(ALICE, now=NOW + 600).collateral_value_e6 == CAP
    assert v.margin(ALICE, now=DEADLINE).collateral_value_e6 == 0  # the first deadline holds
    with pytest.raises(E.ReportedAlreadyError):
        v.report_lock(signed(v, reorged_report(ALICE, 1)), now=NOW + 700)


def test_a_reorged_lock_re_reported_under_another_id_counts_once() -> None:
    """The lock came back as lock 2 (another lock took id 1): lock 1's report stops counting
    before lock 2's is taken, so the account never has both."""
    v, _ = venue()
    report(v, ALICE, 1, 10**17)
    v.reports_reorged([(SRC, VAULT, 1)], now=NOW + 5)
    v.report_lock(signed(v, reorged_report(ALICE, 2, 10**17)), now=NOW + 5)
    assert v.margin(ALICE, now=NOW + 5).collateral_value_e6 == full_value(v, 10**17)
    assert 2 * full_value(v, 10**17) < CAP  # two would fit under the cap: one is counted


def test_a_reorged_lock_id_reported_for_another_account_moves_to_it() -> None:
    v, _ = venue()
    report(v, ALICE, 1, 10**18)
    v.reports_reorged([(SRC, VAULT, 1)], now=NOW + 5)
    v.report_lock(signed(v, reorged_report(BOB, 1, 10**17)), now=NOW + 5)
    assert v.reports_of(ALICE) == [] and [p.account for p in v.reports_of(BOB)] == [BOB]
    assert v.margin(ALICE, now=NOW + 5).collateral_value_e6 == 0
    assert v.margin(BOB, now=NOW + 5).collateral_value_e6 == full_value(v, 10**17)


def test_replaced_report_persists_in_arrival_order(tmp_path: Path) -> None:
    v, _ = ready_venue(cfg(), tmp_path / "v.sqlite")
    v.fund_insurance(FUND, now=NOW)
    report(v, ALICE, 1)
    report(v, BOB, 2)
    v.reports_reorged([(SRC, VAULT, 1)], now=NOW + 1)
    v.report_lock(signed(v, reorged_report(ALICE, 1)), now=NOW + 2)
    again = Venue.open(tmp_path / "v.sqlite", cfg(), VENUE_KEY)
    assert list(again.provisional) == [(SRC, VAULT, 2), (SRC, VAULT, 1)] == list(v.provisional)
    assert again.provisional == v.provisional


# --- the store ------------------------------------------------------------------------------


def test_reports_persist(tmp_path: Path) -> None:
    v, _ = ready_venue(cfg(), tmp_path / "v.sqlite")
    v.fund_insurance(FUND, now=NOW)
    p = report(v, ALICE, 1)
    again = Venue.open(tmp_path / "v.sqlite", cfg(), VENUE_KEY)
    assert again.provisional == {p.key: p}
    assert again.margin(ALICE, now=NOW).collateral_value_e6 == CAP


def test_a_version_2_venue_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    v, _ = ready_venue(cfg(), path)
    v.conn.close()
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE provisional_credits")
    for t in ("single_not_in_portfolio", "portfolio_not_single"):  # and version 4's portfolios
        conn.execute(f"DROP TRIGGER {t}")
    conn.execute("DROP TABLE portfolio_locks")
    conn.execute("DROP TABLE portfolios")
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()
    again = Venue.open(path, cfg(), VENUE_KEY)
    again.fund_insurance(FUND, now=NOW)
    report(again, ALICE, 1)
    assert int(again.conn.execute("PRAGMA user_version").fetchone()[0]) == 4  # through 3


def test_beyond_the_cap_only_fully_margined_or_risk_reducing_trades() -> None:
    v, _ = venue()
    report(v, ALICE, 1, 10 * 10**18)  # worth far more than the 1,500 cap
    assert v.margin(ALICE, now=NOW).collateral_value_e6 == CAP
    lots = short_puts(v, ALICE, 200)  # as many as the capped value margins
    m = mark(v, PUT)
    with pytest.raises(E.InsufficientMarginError, match="initial margin"):
        v.place(order(v, ALICE, PUT, False, 1, m, ioc=True), now=NOW)
    v.deposit(CAROL, 50_000 * E6, now=NOW)
    v.place(order(v, CAROL, PUT, False, lots, m + 10**7, post_only=True), now=NOW)
    rep = v.place(order(v, ALICE, PUT, True, 1, m + 10**7, reduce_only=True), now=NOW)
    assert rep.fills and v.ledger.position(ALICE, PUT.name) == -(lots - 1) * 100_000


def test_through_the_library_api() -> None:
    from zkcollat import api

    v, _ = venue()
    rep = lock_report(ALICE, 1)
    cfg_ = v.registry.config
    one = api.sign_report(rep, chain_id=cfg_.chain_id, registry=cfg_.address,
                          keys=COMMITTEE_KEYS[:1])
    with pytest.raises(api.AttestationError):
        api.report_lock(v, one, now=NOW)
    two = api.sign_report(rep, chain_id=cfg_.chain_id, registry=cfg_.address,
                          keys=COMMITTEE_KEYS[:2])
    p = api.report_lock(v, two, now=NOW)
    assert isinstance(p, api.ProvisionalCredit) and p.deadline == DEADLINE
