"""Orders meet orders: signed orders and cancels, checked, matched and booked.

An order is refused, naming the rule, unless: its signature is the account's, its nonce is
unused and it has not expired; the instrument is listed and trading; the size is in whole lots
inside [min, max]; a limit price is on the tick and within the band around the mark (a market
order becomes a limit at mark +- market_band_bps, IOC); the underlying's oracle is fresh and its
breaker not tripped, and the relay is not late, or the order is reduce-only; the account's
position limit, the instrument's open-interest limit and the open-orders limit hold; and the
account meets initial margin with the order counted at its worst case (reduce-only orders
instead must not raise maintenance margin). Each maker is checked again at its fill: a maker
that would fall below initial margin (or a reduce-only order that no longer reduces) does not
trade and loses its order. Each fill moves exactly ticks x lots x cash-per-tick-lot from buyer
to seller; maker and taker fees (rounded up) go to the fee account.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zkcollat.errors import ZkcollatError
from zkcollat.margin import errors as E
from zkcollat.margin.book import Allowance, BookOrder, Fill, MatchResult, OrderId, match
from zkcollat.margin.core import VenueCore
from zkcollat.margin.instruments import Instrument
from zkcollat.margin.ledger import FEES
from zkcollat.margin.params import BPS
from zkcollat.margin.pricing import e8
from zkcollat.margin.risk import OpenOrder, e6
from zkcollat.margin.signed import Cancel, Order, SignedMessage


@dataclass
class PlaceReport:
    order: OrderId
    instrument: str
    fills: list[Fill] = field(default_factory=list)
    rested_lots: int = 0
    dropped_lots: int = 0
    cancelled: list[tuple[OrderId, str]] = field(default_factory=list)


def fee_e6(cash_e6: int, bps: int) -> int:
    return -(-abs(cash_e6) * bps // BPS)  # what the account owes rounds up


class TradingDesk(VenueCore):
    def mark_e8(self, name: str, now: int) -> int:
        u = self.units(now).get(name)
        if u is None:
            raise E.MarketDataError(
                f"no mark for {name}: the oracle has no price for its underlying"
            )
        return int(u.mark * 10**8)

    def protection_price(self, ins: Instrument, buy: bool, band_bps: int, now: int) -> int:
        m = self.mark_e8(ins.name, now)
        if buy:
            return max(ins.tick_e8, ins.round_down(m + m * band_bps // BPS))
        return max(ins.tick_e8, ins.round_up(m - m * band_bps // BPS))

    def check_band(self, ins: Instrument, price_e8: int, now: int) -> None:
        m = self.mark_e8(ins.name, now)
        t = self.config.trading
        band = max(m * t.band_bps // BPS, t.band_min_e8)
        if abs(price_e8 - m) > band:
            raise E.BandError(
                f"price {e8(price_e8)} for {ins.name} is more than {e8(band)} from the mark "
                f"{e8(m)} (band_bps {t.band_bps}, band_min {e8(t.band_min_e8)})"
            )

    def place(self, signed: SignedMessage, *, now: int) -> PlaceReport:
        o = self.accept_signed(signed, Order, now)
        assert isinstance(o, Order)
        ins = self.instrument(o.instrument)
        ins.tradable(now)
        ins.check_size(o.size_lots)
        if o.market:
            if o.price_e8 or o.post_only:
                raise E.OrderError("a market order has price 0 and is not post-only")
            price = self.protection_price(ins, o.buy, self.config.trading.market_band_bps, now)
        else:
            ins.check_price(o.price_e8)
            self.check_band(ins, o.price_e8, now)
            price = o.price_e8
        acct, oid = o.account, (o.account, o.nonce)
        pos = self.ledger.position(acct, ins.name)
        lots = o.size_lots
        if o.reduce_only:
            if pos == 0 or (pos > 0) == o.buy:
                raise E.ReduceOnlyError(
                    f"reduce-only order on {ins.name} does not reduce position {pos}"
                )
            lots = min(lots, abs(pos) // ins.lot_e6)
        else:
            self.check_new_risk(ins, acct, o.buy, lots, now)
        with self.event(
            "order", now, {"account": acct, "nonce": str(o.nonce), "instrument": ins.name}
        ):
            self.use_nonce(o, now)
            before = self.margin(acct, now=now)
            mine = [
                OpenOrder(n, x.buy, x.lots * self.instruments[n].lot_e6, x.price_e8)
                for n, x in self.open_orders(acct)
            ]
            with_order = self.margin(
                acct, now=now, orders=[*mine, OpenOrder(ins.name, o.buy, lots * ins.lot_e6, price)]
            )
            if not o.reduce_only and not with_order.meets_im:
                raise E.InsufficientMarginError(
                    f"{acct}: equity {e6(with_order.equity_e6)} would be below initial margin "
                    f"{e6(with_order.im_e6, up=True)} with this order at its worst case"
                )
            res = match(
                self.books[ins.name],
                oid,
                o.buy,
                price,
                lots,
                ioc=o.ioc or o.market,
                post_only=o.post_only,
                reduce_only=o.reduce_only,
                maker_allowance=self.allowance(ins, oid, now),
            )
            rep = self.book_result(ins, oid, res, now, kind="book")
            if o.reduce_only:
                after = self.margin(acct, now=now)
                if after.mm_e6 > before.mm_e6:
                    raise E.ReduceOnlyError(f"reduce-only order would raise {acct}'s MM")
            if res.rested is not None:
                self.store.add_order(
                    acct,
                    o.nonce,
                    ins.name,
                    o.buy,
                    price,
                    res.rested.lots,
                    res.rested.seq,
                    o.reduce_only,
                    o.expiry,
                )
                self.orders[oid] = ins.name
                self.account_orders.setdefault(acct, set()).add(oid)
        return rep

    def place_many(
        self, orders: list[SignedMessage], *, now: int
    ) -> list[PlaceReport | ZkcollatError]:
        """A group commit: each order is its own matching event (a savepoint), all of them are
        committed together, and only then acknowledged (returned). A refused order is returned
        as its error; if the commit fails, none is acknowledged."""
        out: list[PlaceReport | ZkcollatError] = []
        try:
            with self.store.event():
                for signed in orders:
                    try:
                        out.append(self.place(signed, now=now))
                    except E.ConservationError:
                        raise
                    except ZkcollatError as e:
                        out.append(e)
        except BaseException:
            self._load()
            raise
        return out

    def check_new_risk(self, ins: Instrument, acct: str, buy: bool, lots: int, now: int) -> None:
        """Rules for orders that may add risk: oracle, breakers and limits."""
        st = self.markets.get(ins.spec.underlying)
        if st is None:
            raise E.MarketDataError(f"no oracle price for {ins.spec.underlying}")
        if st.breaker:
            raise E.BreakerError(
                f"{ins.spec.underlying}: a price jump of more than "
                f"{self.config.oracle.max_jump_bps} bps is held: reduce-only until confirmed"
            )
        if st.stale(now, self.config.oracle):
            raise E.OracleStaleError(
                f"{ins.spec.underlying}: the last price is {now - st.updated_at}s old (max "
                f"{self.config.oracle.max_age_s}s): reduce-only"
            )
        if self.reduce_only(now):
            raise E.ReduceOnlyError("venue is reduce-only (relay latency above the breaker)")
        same = sum(x.lots for n, x in self.open_orders(acct) if n == ins.name and x.buy == buy)
        worst = self.ledger.position(acct, ins.name) // ins.lot_e6 + (1 if buy else -1) * (
            same + lots
        )
        if abs(worst) > ins.position_limit_lots:
            raise E.PositionLimitError(
                f"{acct} could hold {worst} lots of {ins.name}: the limit is "
                f"{ins.position_limit_lots}"
            )
        if self.ledger.oi.get(ins.name, 0) // ins.lot_e6 + lots > ins.oi_limit_lots:
            raise E.OpenInterestLimitError(
                f"{ins.name}: open interest would exceed {ins.oi_limit_lots} lots"
            )
        if len(self.account_orders.get(acct, ())) >= self.config.trading.max_open_orders:
            raise E.OpenOrdersLimitError(
                f"{acct} has {self.config.trading.max_open_orders} open orders already"
            )

    def allowance(
        self, ins: Instrument, taker: OrderId, now: int, *, taker_kind: str = "order"
    ) -> Allowance:
        """The engine's question "may this maker trade q lots?", answered by the maker's risk
        check; an allowed fill is booked at once, so the next question sees it."""
        fee_bps = self.config.trading.maker_fee_bps

        def allow(maker: BookOrder, q: int) -> int:
            acct = maker.account
            pos = self.ledger.position(acct, ins.name)
            if maker.reduce_only:
                if pos == 0 or (pos > 0) == maker.buy:
                    return 0
                q = min(q, abs(pos) // ins.lot_e6)
            else:
                cash = ins.trade_cash_e6(maker.price_e8, q)
                delta = cash if not maker.buy else -cash
                sizes = self.ledger.positions_of(acct)
                sizes[ins.name] = pos + (q if maker.buy else -q) * ins.lot_e6
                orders = [
                    OpenOrder(
                        n,
                        x.buy,
                        (x.lots - (q if x is maker else 0)) * self.instruments[n].lot_e6,
                        x.price_e8,
                    )
                    for n, x in self.open_orders(acct)
                ]
                s = self.margin(
                    acct,
                    now=now,
                    cash_delta=delta - fee_e6(cash, fee_bps),
                    sizes=sizes,
                    orders=orders,
                )
                if not s.meets_im:
                    return 0
            if q:
                self.apply_fill(ins, maker, taker, q, taker_kind == "order")
            return q

        return allow

    def apply_fill(
        self, ins: Instrument, maker: BookOrder, taker: OrderId, q: int, taker_fee: bool
    ) -> None:
        t = self.config.trading
        buyer, seller = (maker.account, taker[0]) if maker.buy else (taker[0], maker.account)
        cash = ins.trade_cash_e6(maker.price_e8, q)
        self.ledger.move_position(buyer, seller, ins.name, q * ins.lot_e6, cash)
        self.ledger.transfer(maker.account, FEES, fee_e6(cash, t.maker_fee_bps), "fee")
        if taker_fee:
            self.ledger.transfer(taker[0], FEES, fee_e6(cash, t.taker_fee_bps), "fee")

    def book_result(
        self, ins: Instrument, taker: OrderId, res: MatchResult, now: int, kind: str
    ) -> PlaceReport:
        """Apply the fills of a match to the ledger and the store."""
        rows = []
        for f in res.fills:
            maker = f.maker[0]
            buyer, seller = (taker[0], maker) if f.taker_buys else (maker, taker[0])
            cash = ins.trade_cash_e6(f.price_e8, f.lots)
            rows.append(
                (ins.name, buyer, seller, maker, f.price_e8, f.lots * ins.lot_e6, cash, kind, now)
            )
            book_o = self.books[ins.name].orders.get(f.maker)
            self.store.set_order_lots(maker, f.maker[1], 0 if book_o is None else book_o.lots)
            if book_o is None:
                self._unrest(f.maker)
        for o, _why in res.cancelled:
            self.store.set_order_lots(o.account, o.id[1], 0)
            self._unrest(o.id)
        self.store.add_trades(rows)
        return PlaceReport(
            taker,
            ins.name,
            res.fills,
            0 if res.rested is None else res.rested.lots,
            res.dropped_lots,
            [(o.id, why) for o, why in res.cancelled],
        )

    def cancel(self, signed: SignedMessage, *, now: int) -> BookOrder:
        c = self.accept_signed(signed, Cancel, now)
        assert isinstance(c, Cancel)
        oid = (c.account, c.order_nonce)
        with self.event("cancel", now, {"account": c.account, "order": str(c.order_nonce)}):
            self.use_nonce(c, now)
            name = self.orders.get(oid)
            if name is None:
                raise E.UnknownOrderError(f"order {c.order_nonce} of {c.account} is not open")
            o = self.books[name].remove(oid)
            self._unrest(oid)
            self.store.set_order_lots(c.account, c.order_nonce, 0)
        return o

    def cancel_all(self, account: str) -> list[BookOrder]:
        """Inside an event: every open order of ``account`` leaves its book."""
        out = []
        for oid in list(self.account_orders.get(account, ())):
            out.append(self.books[self.orders[oid]].remove(oid))
            self._unrest(oid)
            self.store.set_order_lots(oid[0], oid[1], 0)
        return out
