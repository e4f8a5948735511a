"""Orders, releases, the outbox, the circuit breaker and persistence."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.margin.helpers import (
    ALICE,
    DAY,
    NOW,
    SRC,
    VAULT,
    VENUE_KEY,
    WETH_INT,
    attest,
    credit_lock,
    make_config,
    ready_venue,
)
from zkcollat.attest.eip712 import encode_type
from zkcollat.attest.secp256k1 import Signature, recover_address
from zkcollat.margin import errors as E
from zkcollat.margin.messages import RELEASE_TYPES, SEIZE_TYPES, Release, Seize
from zkcollat.margin.pricing import OptionSpec, bs_price
from zkcollat.margin.venue import Venue

EXPIRY = NOW + 30 * DAY
CALL_3300 = OptionSpec("ETH", EXPIRY, 3300 * 10**8, "C")
PUT_2700 = OptionSpec("ETH", EXPIRY, 2700 * 10**8, "P")
T30 = 30 / 365


def mark_e8(opt: OptionSpec, spot: float = 3000.0) -> int:
    return round(bs_price(opt.kind, spot, opt.strike_e8 / 1e8, T30, 0.0, 0.6) * 1e8)


def funded(weth: int = 2) -> Venue:
    v, tv = ready_venue()
    credit_lock(v, tv, ALICE, 1, weth * 10**18)
    return v


def test_order_accepted_only_if_initial_margin_holds() -> None:
    v = funded()
    before = v.margin(ALICE, now=NOW)
    assert before.im_e6 == 0 and before.equity_e6 == before.collateral_value_e6 > 0
    s = v.place_order(ALICE, CALL_3300, -5 * 10**6, mark_e8(CALL_3300), now=NOW)
    assert s.meets_im and s.im_e6 > 0
    state = (v.positions(ALICE), v.margin(ALICE, now=NOW))
    with pytest.raises(E.InsufficientMarginError, match="initial margin"):
        v.place_order(ALICE, CALL_3300, -50 * 10**6, mark_e8(CALL_3300), now=NOW)
    assert (v.positions(ALICE), v.margin(ALICE, now=NOW)) == state  # nothing written


def test_premium_moves_cash_rounded_against_the_account() -> None:
    v = funded()
    price = mark_e8(PUT_2700)  # about 80.75 quote per unit
    v.place_order(ALICE, PUT_2700, 1, price, now=NOW)  # one millionth of a unit
    assert v.margin(ALICE, now=NOW).cash_e6 == (-price) // 10**8  # -80.7... -> -81
    v.place_order(ALICE, PUT_2700, 3 * 10**6, 80 * 10**8, now=NOW)
    assert v.margin(ALICE, now=NOW).cash_e6 == (-price) // 10**8 - 240 * 10**6


def test_fill_far_from_the_mark_refused() -> None:
    # Buying at 0 an option marked at 80 would create equity out of nothing.
    v = funded()
    with pytest.raises(E.OrderError, match="from the mark"):
        v.place_order(ALICE, PUT_2700, 10 * 10**6, 0, now=NOW)
    with pytest.raises(E.OrderError, match="from the mark"):
        v.place_order(ALICE, PUT_2700, -(10**6), 2 * mark_e8(PUT_2700), now=NOW)
    assert v.positions(ALICE) == {}


def test_order_validation() -> None:
    v = funded()
    with pytest.raises(E.OrderError):
        v.place_order(ALICE, CALL_3300, 0, 1, now=NOW)
    with pytest.raises(E.OrderError):
        v.place_order(ALICE, CALL_3300, 1, -1, now=NOW)
    with pytest.raises(E.OrderError):
        v.place_order(ALICE, CALL_3300, 1.5, 1, now=NOW)  # type: ignore[arg-type]
    with pytest.raises(E.UnknownInstrumentError):
        v.place_order(ALICE, OptionSpec("BTC", EXPIRY, 10**8, "C"), 1, 1, now=NOW)
    with pytest.raises(E.UnknownInstrumentError):
        v.place_order(ALICE, CALL_3300, 1, 1, now=EXPIRY)
    with pytest.raises(E.AccountError):
        v.place_order("0x" + "99" * 20, CALL_3300, 1, 1, now=NOW)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    orders=st.lists(
        st.tuples(
            st.sampled_from(
                [CALL_3300, PUT_2700, OptionSpec("ETH", NOW + 7 * DAY, 3000 * 10**8, "C")]
            ),
            st.integers(-8 * 10**6, 8 * 10**6).filter(bool),
            st.floats(0.7, 1.3),
        ),
        min_size=1,
        max_size=8,
    ),
    mode=st.sampled_from(["standard", "portfolio"]),
)
def test_a_trade_that_passes_im_never_leaves_the_account_below_mm(
    orders: list[tuple[OptionSpec, int, float]], mode: str
) -> None:
    v, tv = ready_venue()
    v.set_margin_mode(ALICE, mode, now=NOW)
    credit_lock(v, tv, ALICE, 1, 10**18)
    for opt, size, price_factor in orders:
        t = (opt.expiry - NOW) / (365 * DAY)
        price = round(bs_price(opt.kind, 3000, opt.strike_e8 / 1e8, t, 0, 0.6) * price_factor * 1e8)
        try:
            s = v.place_order(ALICE, opt, size, price, now=NOW)
        except (E.InsufficientMarginError, E.OrderError):
            continue
        assert s.meets_im
        after = v.margin(ALICE, now=NOW)  # unchanged prices
        assert after == s and after.meets_mm and after.im_e6 >= after.mm_e6


def test_release_when_im_holds_without_the_lock() -> None:
    v, tv = ready_venue()
    credit_lock(v, tv, ALICE, 1, 2 * 10**18)
    credit_lock(v, tv, ALICE, 2, 10**17)
    v.place_order(ALICE, CALL_3300, -5 * 10**6, mark_e8(CALL_3300), now=NOW)
    with pytest.raises(E.InsufficientMarginError, match="without lock"):
        v.request_release(ALICE, SRC, VAULT, 1, now=NOW)
    entry = v.request_release(ALICE, SRC, VAULT, 2, now=NOW)
    assert isinstance(entry.message, Release)
    assert entry.message == Release(SRC, VAULT, 2, 0)
    assert entry.signer == VENUE_KEY.address
    assert v.get_credit(SRC, VAULT, 2).status == "released"  # type: ignore[union-attr]
    with pytest.raises(E.UnknownCreditError, match="released"):
        v.request_release(ALICE, SRC, VAULT, 2, now=NOW)
    with pytest.raises(E.UnknownCreditError):
        v.request_release("0x" + "b0" * 20, SRC, VAULT, 1, now=NOW)
    assert [e.id for e in v.outbox()] == [entry.id]
    v.mark_sent(entry.id, now=NOW + 5)
    assert v.outbox() == [] and v.outbox(pending_only=False)[0].sent_at == NOW + 5
    with pytest.raises(E.AccountError):
        v.mark_sent(entry.id, now=NOW + 6)


def test_released_lock_cannot_be_credited_again() -> None:
    v, tv = ready_venue()
    credit_lock(v, tv, ALICE, 3, 10**18)
    v.request_release(ALICE, SRC, VAULT, 3, now=NOW)
    with pytest.raises(E.LockAlreadyCreditedError):
        credit_lock(v, tv, ALICE, 3, 10**18)


def test_vault_message_types_and_domains() -> None:
    assert encode_type("Release", RELEASE_TYPES) == (
        "Release(uint256 sourceChainId,address vault,uint64 lockId,uint64 nonce)"
    )
    assert encode_type("Seize", SEIZE_TYPES) == (
        "Seize(uint256 sourceChainId,address vault,uint64 lockId,uint256 amount,"
        "address recipient,uint64 nonce)"
    )
    r = Release(SRC, VAULT, 7, 3)
    assert r.domain().chain_id == SRC and r.domain().verifying_contract == VAULT
    # The same lock and nonce at another vault or chain is another digest.
    assert r.digest() != Release(SRC, "0x" + "12" * 20, 7, 3).digest()
    assert r.digest() != Release(5, VAULT, 7, 3).digest()
    s = Seize(SRC, VAULT, 7, 10**18, "0x" + "fe" * 20, 4)
    sig = Signature.from_bytes(VENUE_KEY.sign_digest(s.digest()).to_bytes())
    assert recover_address(s.digest(), sig) == VENUE_KEY.address
    assert s.digest() != Seize(SRC, VAULT, 7, 10**18 + 1, "0x" + "fe" * 20, 4).digest()


def test_nonces_increase_per_vault() -> None:
    v, tv = ready_venue()
    for lock in (1, 2, 3):
        credit_lock(v, tv, ALICE, lock, 10**17)
    nonces = [
        v.request_release(ALICE, SRC, VAULT, lock, now=NOW).message.nonce for lock in (1, 2, 3)
    ]
    assert nonces == [0, 1, 2]


def _heartbeat(v: Venue, start_block: int, t0: int, t1: int, step: int = 300) -> int:
    block = start_block
    for t in range(t0, t1, step):
        block += 1
        attest(v, 777, block, now=t, latency_s=30)
    return block


def test_relay_outage_raises_haircuts_and_trips_the_breaker() -> None:
    v, tv = ready_venue()
    credit_lock(v, tv, ALICE, 1, 2 * 10**18)
    v.place_order(ALICE, CALL_3300, -2 * 10**6, mark_e8(CALL_3300), now=NOW)
    block = _heartbeat(v, 100, NOW + 300, NOW + 3600)
    t = NOW + 3600
    normal_h = v.haircut_bps(SRC, VAULT, WETH_INT, t)
    normal_value = v.margin(ALICE, now=t).collateral_value_e6
    assert not v.reduce_only(t)
    # The relayer goes silent for two hours.
    t_out = t + 2 * 3600
    assert v.observed_latency_s(t_out) > v.config.latency.breaker_latency_s
    assert v.haircut_bps(SRC, VAULT, WETH_INT, t_out) > normal_h
    assert v.margin(ALICE, now=t_out).collateral_value_e6 < normal_value
    assert v.reduce_only(t_out)
    with pytest.raises(E.ReduceOnlyError):
        v.place_order(ALICE, CALL_3300, -(10**6), mark_e8(CALL_3300), now=t_out)
    with pytest.raises(E.ReduceOnlyError):
        v.request_release(ALICE, SRC, VAULT, 1, now=t_out)
    # Reducing risk is still allowed, and so are liquidations (this account is healthy).
    v.place_order(ALICE, CALL_3300, 10**6, mark_e8(CALL_3300), now=t_out)
    with pytest.raises(E.NotLiquidatableError):
        v.liquidate(ALICE, now=t_out)
    # The relay comes back: fresh attestations, the breaker resets.
    attest(v, 777, block + 1, now=t_out + 10, latency_s=30)
    assert not v.reduce_only(t_out + 10)
    v.place_order(ALICE, CALL_3300, -(10**6), mark_e8(CALL_3300), now=t_out + 10)


@settings(max_examples=20, deadline=None)
@given(delays=st.lists(st.integers(0, 6 * 3600), min_size=1, max_size=4))
def test_longer_outages_never_lower_haircuts(delays: list[int]) -> None:
    v, _ = ready_venue()
    bound = v.config.latency.breaker_latency_s
    last_h = -1
    for d in sorted(delays):
        t = NOW + d
        h = v.haircut_bps(SRC, VAULT, WETH_INT, t)
        assert h >= last_h
        last_h = h
        assert v.reduce_only(t) == (v.observed_latency_s(t) > bound)
        # Silence beyond the expected interval counts as latency (the root came 30 s late).
        assert v.observed_latency_s(t) == max(30, d + 30 - v.config.latency.attestation_interval_s)


def test_margin_mode_switch_checked() -> None:
    v = funded()
    v.place_order(ALICE, CALL_3300, -8 * 10**6, mark_e8(CALL_3300), now=NOW)
    std = v.margin(ALICE, now=NOW)
    pm = v.set_margin_mode(ALICE, "portfolio", now=NOW)
    assert pm.mode == "portfolio" and pm.im_e6 != std.im_e6
    with pytest.raises(E.AccountError):
        v.set_margin_mode(ALICE, "cross", now=NOW)


def test_greeks_view() -> None:
    v = funded()
    v.place_order(ALICE, CALL_3300, -2 * 10**6, mark_e8(CALL_3300), now=NOW)
    v.place_order(ALICE, PUT_2700, 10**6, mark_e8(PUT_2700), now=NOW)
    g = v.greeks(ALICE, now=NOW)
    assert set(g.positions) == {CALL_3300.name, PUT_2700.name}
    assert g.positions[CALL_3300.name].delta < 0 and g.positions[PUT_2700.name].delta < 0
    total = g.positions[CALL_3300.name] + g.positions[PUT_2700.name]
    assert g.underlyings["ETH"] == total


def test_state_survives_reopening(tmp_path: Any) -> None:
    path = tmp_path / "venue.sqlite"
    v, tv = ready_venue(db=path)
    credit_lock(v, tv, ALICE, 1, 2 * 10**18)
    credit_lock(v, tv, ALICE, 2, 10**17)
    v.place_order(ALICE, CALL_3300, -3 * 10**6, mark_e8(CALL_3300), now=NOW)
    v.request_release(ALICE, SRC, VAULT, 2, now=NOW)
    snapshot = (v.margin(ALICE, now=NOW), v.positions(ALICE), v.credits(ALICE), v.outbox())
    v.conn.close()
    again = Venue(make_config(), VENUE_KEY, db=path)
    assert (
        again.margin(ALICE, now=NOW),
        again.positions(ALICE),
        again.credits(ALICE),
        again.outbox(),
    ) == snapshot
    assert again.registry.is_accepted(SRC, VAULT, 777)
