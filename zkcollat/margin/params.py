"""The market's parameters (issue 12): trading rules, fees, bands and the oracle's bounds.
Integers only: ``_bps`` = 1/10000, ``_e8`` = 1e-8 quote per unit, ``_s`` = seconds."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from zkcollat.margin.errors import MarginConfigError

BPS = 10_000


def check_ints(obj: object) -> None:
    for f in dataclasses.fields(obj):  # type: ignore[arg-type]
        v = getattr(obj, f.name)
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise MarginConfigError(
                f"{type(obj).__name__}.{f.name} = {v!r} must be a non-negative integer"
            )


@dataclass(frozen=True)
class TradingParams:
    """Fees are charged on a trade's cash (premium), rounded up. A limit order further than
    max(band_bps x mark, band_min_e8) from the mark is refused; a market order is a limit at
    mark +- market_band_bps, immediate-or-cancel; liquidations close against the book within
    liquidation_band_bps of the mark. The listing defaults apply when the operator lists an
    instrument without naming them."""

    maker_fee_bps: int = 10
    taker_fee_bps: int = 30
    band_bps: int = 2500
    band_min_e8: int = 10**8
    market_band_bps: int = 1000
    liquidation_band_bps: int = 1500
    max_open_orders: int = 200
    max_message_ttl_s: int = 7 * 86_400
    tick_e8: int = 10**7
    lot_e6: int = 100_000
    min_lots: int = 1
    max_lots: int = 10_000
    position_limit_lots: int = 100_000
    oi_limit_lots: int = 1_000_000

    def __post_init__(self) -> None:
        check_ints(self)
        if max(self.maker_fee_bps, self.taker_fee_bps) >= BPS:
            raise MarginConfigError("trading fees must be below 10000 bps")
        if max(self.band_bps, self.market_band_bps, self.liquidation_band_bps) >= BPS:
            raise MarginConfigError("trading bands must be below 10000 bps")

    @property
    def worst_fee_bps(self) -> int:
        return max(self.maker_fee_bps, self.taker_fee_bps)


@dataclass(frozen=True)
class OracleParams:
    """An update outside the bounds is refused. One that moves the spot by more than
    max_jump_bps from the last accepted price is held and trips that underlying's breaker
    (reduce-only, liquidations at the last accepted price) until the next update confirms it
    (within max_jump_bps of the held one) or the operator does. A price older than max_age_s
    puts the underlying in reduce-only. Settlement uses the time-weighted average over the
    twap_window_s before expiry."""

    min_spot_e8: int = 10**6
    max_spot_e8: int = 10**16
    min_iv_bps: int = 100
    max_iv_bps: int = 50_000
    min_asset_price_e8: int = 10**2
    max_asset_price_e8: int = 10**16
    max_jump_bps: int = 2000
    max_age_s: int = 3600
    twap_window_s: int = 1800

    def __post_init__(self) -> None:
        check_ints(self)
        if not 0 < self.min_spot_e8 <= self.max_spot_e8:
            raise MarginConfigError("oracle: need 0 < min_spot_e8 <= max_spot_e8")
        if not 0 < self.min_iv_bps <= self.max_iv_bps:
            raise MarginConfigError("oracle: need 0 < min_iv_bps <= max_iv_bps")
        if not 0 < self.min_asset_price_e8 <= self.max_asset_price_e8:
            raise MarginConfigError("oracle: need 0 < min_asset_price_e8 <= max_asset_price_e8")
        if self.max_jump_bps == 0 or self.twap_window_s == 0 or self.max_age_s == 0:
            raise MarginConfigError("oracle: max_jump_bps, max_age_s, twap_window_s must be > 0")
