"""Settlement at expiry: every option of an expired instrument cash-settles against the
settlement price, the time-weighted average of the accepted oracle prices over the
``twap_window_s`` before expiry, rounded down to the tick (so the intrinsic value is whole
ticks and each payment is exact). Shorts pay the intrinsic value into the settlement
clearing account, longs are paid from it, positions close and the instrument stops trading.
A short that cannot pay goes through the liquidation waterfall (collateral claimed, the fund
pays the deficit); what the fund cannot pay is taken from the most profitable longs' payouts
(auto-deleveraging), so the clearing account always ends at zero.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from zkcollat.margin import errors as E
from zkcollat.margin.instruments import Instrument, instrument_to_json
from zkcollat.margin.ledger import INSURANCE
from zkcollat.margin.liquidation import LiquidationReport
from zkcollat.margin.oracle import twap_e8
from zkcollat.margin.reissue import ReissueDesk

CLEARING = "settlement"


@dataclass
class SettlementReport:
    instrument: str
    price_e8: int
    paid: dict[str, int] = field(default_factory=dict)  # account -> cash (+ received, - paid)
    adl_e6: int = 0
    waterfalls: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "instrument": self.instrument,
            "settlement_price_e8": str(self.price_e8),
            "paid": {a: str(v) for a, v in self.paid.items()},
            "adl_e6": str(self.adl_e6),
            "waterfalls": self.waterfalls,
        }


class SettlementDesk(ReissueDesk):
    def settlement_price_e8(self, ins: Instrument) -> int:
        end = ins.spec.expiry
        hist = self.store.oracle_history(ins.spec.underlying, end)
        return ins.round_down(twap_e8(hist, end - self.config.oracle.twap_window_s, end))

    def settle(self, *, now: int) -> list[SettlementReport]:
        """Settle every listed instrument whose expiry has passed."""
        out = []
        for ins in sorted(self.instruments.values(), key=lambda i: i.name):
            if ins.status == "active" and ins.spec.expiry <= now:
                out.append(self.settle_one(ins, now))
        return out

    def settle_one(self, ins: Instrument, now: int) -> SettlementReport:
        if ins.spec.expiry > now:
            raise E.SettlementError(f"{ins.name} expires at {ins.spec.expiry}, after now {now}")
        price = self.settlement_price_e8(ins)
        k = ins.spec.strike_e8
        intrinsic = max(price - k, 0) if ins.spec.kind == "C" else max(k - price, 0)
        rep = SettlementReport(ins.name, price)
        with self.event("settlement", now, {"instrument": ins.name, "price_e8": str(price)}) as det:
            for oid in [o for o, n in self.orders.items() if n == ins.name]:
                self.books[ins.name].remove(oid)
                self._unrest(oid)
                self.store.set_order_lots(oid[0], oid[1], 0)
            holders = self.ledger.holders(ins.name)
            due = {
                a: ins.trade_cash_e6(intrinsic, abs(s) // ins.lot_e6) for a, s in holders.items()
            }
            led = self.ledger
            led.cash.setdefault(CLEARING, 0)
            for a, s in sorted(holders.items()):
                if s < 0 and due[a]:
                    led.transfer(a, CLEARING, due[a], "settlement")
                    rep.paid[a] = -due[a]
            for a, s in sorted(holders.items()):
                if s < 0 and a == INSURANCE and led.cash[a] < 0:
                    # The fund holds what liquidations could not close; nobody stands behind it,
                    # so what it cannot pay is not paid out either: the longs share it (ADL).
                    short = min(-led.cash[a], due[a])
                    led.transfer(CLEARING, a, short, "adl")
                    rep.adl_e6 += short
                    rep.waterfalls.append(
                        {"account": a, "fund_paid_e6": 0, "shortfall_e6": short, "seizes": []}
                    )
                elif s < 0 and led.cash[a] < 0:
                    lr = LiquidationReport(a, self.margin(a, now=now))
                    self.cover(a, 0, lr, now)
                    rep.waterfalls.append(
                        {
                            "account": a,
                            "fund_paid_e6": lr.fund_paid_e6,
                            "shortfall_e6": lr.shortfall_e6,
                            "seizes": [e.id for e in lr.seizes],
                        }
                    )
                    if lr.shortfall_e6:  # what nobody can pay is not paid out: the longs
                        led.transfer(CLEARING, a, lr.shortfall_e6, "adl")  # share the loss
                        rep.adl_e6 += lr.shortfall_e6
            longs = sorted(
                ((led.basis.get((a, ins.name), 0) - due[a], a) for a, s in holders.items() if s > 0)
            )  # most profitable first
            missing = rep.adl_e6
            for _, a in longs:
                cut = min(missing, due[a])
                missing -= cut
                led.transfer(CLEARING, a, due[a] - cut, "settlement")
                rep.paid[a] = due[a] - cut
            self.settle_clearing(rep)
            led.close_instrument(ins.name)
            settled = dataclasses.replace(ins, status="settled", settlement_price_e8=price)
            self.store.update_instrument(ins.name, instrument_to_json(settled))
            self.instruments[ins.name] = settled
            self._units = None
            det.update(rep.to_json())
        return rep

    def settle_clearing(self, rep: SettlementReport) -> None:
        left = self.ledger.cash.get(CLEARING, 0)
        if left:
            raise E.ConservationError(f"settlement of {rep.instrument} leaves {left} in clearing")
