"""Listed instruments: an option and its trading rules, listed by the operator (never because a
name parses). Prices are integers in 1e-8 quote per unit of underlying, on the instrument's
tick; sizes are whole lots of ``lot_e6`` (1e-6 units of underlying). A listing requires
``tick_e8 * lot_e6`` to be a multiple of 1e8, so the cash of a trade, ticks x lots x
``cash_per_tick_lot_e6``, is an exact integer in 1e-6 quote and both sides move the same.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from zkcollat.margin.errors import (
    InstrumentExpiredError,
    LotError,
    SizeLimitError,
    TickError,
    UnknownInstrumentError,
)
from zkcollat.margin.pricing import E8, OptionSpec, e8

MAX_LOTS = 2**62  # any limit above this is refused at listing: sizes stay far inside int64


@dataclass(frozen=True)
class Instrument:
    spec: OptionSpec
    tick_e8: int
    lot_e6: int
    min_lots: int
    max_lots: int  # largest single order
    position_limit_lots: int  # largest |position| of one account
    oi_limit_lots: int  # largest open interest (sum of long positions)
    status: str = "active"  # active | settled
    settlement_price_e8: int | None = None

    def __post_init__(self) -> None:
        for n in (
            "tick_e8",
            "lot_e6",
            "min_lots",
            "max_lots",
            "position_limit_lots",
            "oi_limit_lots",
        ):
            v = getattr(self, n)
            if isinstance(v, bool) or not isinstance(v, int) or not 0 < v <= MAX_LOTS:
                raise UnknownInstrumentError(f"instrument {n} = {v!r} must be in [1, 2^62]")
        if (self.tick_e8 * self.lot_e6) % E8:
            raise UnknownInstrumentError(
                f"tick_e8 {self.tick_e8} x lot_e6 {self.lot_e6} is not a multiple of 1e8: trade "
                "cash would not be an exact number of 1e-6 quote"
            )
        if self.spec.strike_e8 % self.tick_e8:
            raise UnknownInstrumentError(
                f"strike {self.spec.strike_e8} is not on the tick {self.tick_e8}"
            )
        if self.min_lots > self.max_lots or self.max_lots > self.position_limit_lots:
            raise UnknownInstrumentError("need min_lots <= max_lots <= position_limit_lots")
        if self.status not in ("active", "settled"):
            raise UnknownInstrumentError(f"instrument status {self.status!r}")

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def cash_per_tick_lot_e6(self) -> int:
        return self.tick_e8 * self.lot_e6 // E8

    def trade_cash_e6(self, price_e8: int, lots: int) -> int:
        """Exact cash of ``lots`` at ``price_e8`` (a price on the tick)."""
        return (price_e8 // self.tick_e8) * lots * self.cash_per_tick_lot_e6

    def check_price(self, price_e8: int) -> None:
        if price_e8 <= 0 or price_e8 % self.tick_e8:
            raise TickError(
                f"price {e8(price_e8)} for {self.name} is not a positive multiple of the tick "
                f"{e8(self.tick_e8)}"
            )

    def check_size(self, lots: int) -> None:
        if not self.min_lots <= lots <= self.max_lots:
            raise SizeLimitError(
                f"size {lots} lots for {self.name} is outside [{self.min_lots}, {self.max_lots}]"
            )

    def lots_from_e6(self, size_e6: int) -> int:
        if size_e6 % self.lot_e6:
            raise LotError(
                f"size {size_e6} e-6 units is not a whole number of lots of {self.lot_e6}"
            )
        return size_e6 // self.lot_e6

    def tradable(self, now: int) -> None:
        if self.status != "active" or now >= self.spec.expiry:
            raise InstrumentExpiredError(
                f"{self.name} expired at {self.spec.expiry} (now {now}): it no longer trades"
            )

    def round_down(self, price_e8: int) -> int:
        return max(0, price_e8 // self.tick_e8 * self.tick_e8)

    def round_up(self, price_e8: int) -> int:
        return -(-price_e8 // self.tick_e8) * self.tick_e8


def instrument_to_json(i: Instrument) -> dict[str, Any]:
    d = dataclasses.asdict(i)
    d["spec"] = i.spec.name
    return d


def instrument_from_json(d: dict[str, Any]) -> Instrument:
    return Instrument(**{**d, "spec": OptionSpec.parse(d["spec"])})
