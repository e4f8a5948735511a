"""Liquidation and the waterfall that pays for a bankrupt account.

An account below maintenance margin (at the last accepted oracle prices) is liquidated:

1. its open orders are cancelled;
2. each position is closed against the book, as an IOC order limited to the liquidation band
   around the mark (makers pass their usual risk check; the account pays no taker fee);
3. what the book cannot take is transferred to the insurance fund's account at the mark,
   rounded to the tick against the liquidated account;
4. the penalty (penalty_bps of the closed notional at mark) goes to the fund, from what cash
   the account has left; the unpaid part is owed from its collateral;
5. the fund pays the deficit (negative cash) now, as far as its cash goes;
6. the deficit and any unpaid penalty are claimed from the account's credited locks: signed
   ``Seize`` messages for just enough units at the haircut price (a portfolio credit's locks one
   at a time, each capped at what is still owed and at what is left of its asset's threshold;
   the next is asked for when the executed amount of the last is reported,
   :meth:`seize_executed_units`). Their value is booked only
   when the seize has executed on the source chain (:meth:`seize_executed`): it first fills
   what is left of the account's debt, then repays the fund's claim (what it paid plus the
   unpaid penalty: until then a receivable of the fund); any rest stays with the account;
7. before the fund would go negative: when closing at the mark would leave a deficit larger
   than the locks' value and the fund's cash (tested before step 2 and again before step 3),
   the positions are instead closed against the most profitable opposite positions (by
   unrealised profit at the mark) at the bankruptcy price, so that those counterparties bear
   the loss beyond the fund. A loss that no position can absorb (a book close beyond the
   estimate, too few opposite positions) stays on the account as debt: the ``shortfall``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from zkcollat.margin import errors as E
from zkcollat.margin.book import Fill, OrderId, match
from zkcollat.margin.collateral import Credit, units_for_value, value_e6
from zkcollat.margin.instruments import Instrument
from zkcollat.margin.ledger import INSURANCE, SEIZED
from zkcollat.margin.messages import OutboxEntry, Seize
from zkcollat.margin.params import BPS
from zkcollat.margin.portfolio_credits import PortfolioCredit, replace
from zkcollat.margin.portfolio_desk import PortfolioDesk
from zkcollat.margin.pricing import requirement_to_e6
from zkcollat.margin.risk import MarginSummary, e6
from zkcollat.margin.trading import TradingDesk

LIQUIDATION_NONCE = 2**64  # never a signed order's nonce


@dataclass
class LiquidationReport:
    account: str
    before: MarginSummary
    after: MarginSummary | None = None
    book_fills: list[tuple[str, Fill]] = field(default_factory=list)
    to_fund: list[tuple[str, int, int]] = field(default_factory=list)  # name, size, cash
    adl: list[tuple[str, str, int, int]] = field(default_factory=list)  # name, who, size, cash
    penalty_e6: int = 0
    fund_paid_e6: int = 0
    shortfall_e6: int = 0
    seizes: list[OutboxEntry] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "before": self.before.to_json(),
            "after": None if self.after is None else self.after.to_json(),
            "book_fills": [
                {"instrument": n, "maker": f.maker[0], "price_e8": str(f.price_e8), "lots": f.lots}
                for n, f in self.book_fills
            ],
            "to_fund": [{"instrument": n, "size_e6": s, "cash_e6": c} for n, s, c in self.to_fund],
            "adl": [
                {"instrument": n, "account": a, "size_e6": s, "cash_e6": c}
                for n, a, s, c in self.adl
            ],
            "penalty_e6": self.penalty_e6,
            "fund_paid_e6": self.fund_paid_e6,
            "shortfall_e6": self.shortfall_e6,
            "seizes": [e.to_json() for e in self.seizes],
        }


class LiquidationDesk(TradingDesk, PortfolioDesk):
    def liquidate(self, account: str, *, now: int) -> LiquidationReport:
        acct = self.addr(account)
        before = self.margin(acct, now=now)
        if before.meets_mm:
            raise E.NotLiquidatableError(
                f"account {acct}: equity {e6(before.equity_e6)} meets maintenance margin "
                f"{e6(before.mm_e6)}"
            )
        rep = LiquidationReport(acct, before)
        with self.event("liquidation", now, {"account": acct}) as det:
            self.cancel_all(acct)
            units = self.units(now)
            notional = math.fsum(
                abs(s) * units[n].mark for n, s in self.ledger.positions_of(acct).items()
            )
            band = self.config.trading.liquidation_band_bps
            self.adl_if_fund_short(acct, rep, now)
            for name, size in sorted(self.ledger.positions_of(acct).items()):
                ins = self.instruments[name]
                oid: OrderId = (acct, LIQUIDATION_NONCE)
                price = self.protection_price(ins, size < 0, band, now)
                res = match(
                    self.books[name],
                    oid,
                    size < 0,
                    price,
                    abs(size) // ins.lot_e6,
                    ioc=True,
                    maker_allowance=self.allowance(ins, oid, now, taker_kind="liquidation"),
                )
                self.book_result(ins, oid, res, now, kind="liquidation")
                rep.book_fills += [(name, f) for f in res.fills]
            rest = self.adl_if_fund_short(acct, rep, now)
            for name, _ in rest:
                cur = self.ledger.position(acct, name)
                if cur:
                    ins = self.instruments[name]
                    cash = self.mark_cash(ins, cur, now)
                    self.trade_at(ins, acct, INSURANCE, cur, cash, now, "transfer")
                    rep.to_fund.append((name, -cur, cash))
            penalty = requirement_to_e6(notional * self.config.liquidation.penalty_bps / BPS)
            paid = min(penalty, max(0, self.ledger.cash[acct]))
            self.ledger.transfer(acct, INSURANCE, paid, "penalty")
            rep.penalty_e6 = penalty
            self.cover(acct, penalty - paid, rep, now)
            det.update(rep.to_json() | {"before": None, "after": None})
        rep.after = self.margin(acct, now=now)
        return rep

    def adl_if_fund_short(
        self, acct: str, rep: LiquidationReport, now: int
    ) -> list[tuple[str, int]]:
        """Step 7's test: would closing what is left at the mark leave a deficit beyond the
        locks' value and the fund's cash? Then deleverage it now, at the bankruptcy price."""
        rest = sorted(self.ledger.positions_of(acct).items())
        at_mark = {n: self.mark_cash(self.instruments[n], s, now) for n, s in rest}
        deficit = max(0, -(self.ledger.cash[acct] + sum(at_mark.values())))
        fund = max(0, self.ledger.cash[INSURANCE])
        uncovered = deficit - min(deficit, self.seizable_value(acct, now))
        if rest and uncovered > fund:
            self.deleverage(acct, rest, at_mark, uncovered - fund, rep, now)
        return rest

    def mark_cash(self, ins: Instrument, size: int, now: int) -> int:
        """Cash ``size`` (held) brings when closed at the mark, rounded against the holder:
        it sells at the mark rounded down, buys back at the mark rounded up."""
        m = self.mark_e8(ins.name, now)
        lots = abs(size) // ins.lot_e6
        if size > 0:
            return ins.trade_cash_e6(ins.round_down(m), lots)
        return -ins.trade_cash_e6(ins.round_up(m), lots)

    def trade_at(
        self, ins: Instrument, acct: str, other: str, size: int, cash: int, now: int, kind: str
    ) -> None:
        """``acct`` closes ``size`` (held) with ``other``, receiving ``cash`` (signed)."""
        if size > 0:
            buyer, seller, pay = other, acct, cash
        else:
            buyer, seller, pay = acct, other, -cash
        self.ledger.move_position(buyer, seller, ins.name, abs(size), pay)
        price = pay * 10**8 // abs(size)  # the price this cash implies, per unit
        self.store.add_trades([(ins.name, buyer, seller, None, price, abs(size), pay, kind, now)])

    def deleverage(
        self,
        acct: str,
        rest: list[tuple[str, int]],
        at_mark: dict[str, int],
        loss: int,
        rep: LiquidationReport,
        now: int,
    ) -> None:
        """Close ``rest`` against the most profitable opposite positions; the counterparties
        take ``loss`` (spread over the positions by notional) on top of the mark."""
        units = self.units(now)
        weights = [abs(at_mark[n]) + 1 for n, _ in rest]
        total_w = sum(weights)
        left = loss
        for i, (name, size) in enumerate(rest):
            ins = self.instruments[name]
            share = left if i == len(rest) - 1 else loss * weights[i] // total_w
            if size < 0:  # the account buys back: it cannot be paid to take the position
                share = min(share, -at_mark[name])
            left -= share
            want = abs(size)
            cands = []
            for who, s in self.ledger.holders(name).items():
                if who in (acct, INSURANCE) or (s > 0) == (size > 0):
                    continue
                pnl = s * units[name].mark - self.ledger.basis.get((who, name), 0)
                cands.append((-pnl, who, s))
            cands.sort()
            receipt = at_mark[name] + share
            done = got = 0
            for _, who, s in cands:
                if done == want:
                    break
                q = min(abs(s), want - done)
                q -= q % ins.lot_e6
                if q == 0:
                    continue
                done += q
                c = receipt - got if done == want else receipt * q // want
                got += c
                self.trade_at(ins, acct, who, q if size > 0 else -q, c, now, "adl")
                rep.adl.append((name, who, q, c))
            if done < want:  # too few opposite positions outside the fund: the rest at mark
                left += share

    def seizable_value(self, acct: str, now: int) -> int:
        return sum(w for _, _, w in self.seizable(acct, now))

    def seizable(self, acct: str, now: int) -> list[tuple[Credit | PortfolioCredit, int, int]]:
        """(credit, price, full value) of the locks that can still be seized, those that no
        longer count first, then the portfolio credits (price 0: per asset), by id."""
        out: list[tuple[Credit | PortfolioCredit, int, int]] = []
        for c in sorted(
            (c for c in self.credits.values() if c.account == acct and c.seizable_at(now)),
            key=lambda c: (c.counts_at(now), c.lock_id),
        ):
            asset = self.config.asset(c.source_chain_id, c.asset_id)
            price = self.asset_prices.get((c.source_chain_id, c.asset_id), (0, 0))[0]
            if asset is None or price <= 0:
                continue
            h = self.haircut_bps(c.source_chain_id, c.vault, c.asset_id, now)
            out.append((c, price, value_e6(c.threshold, price, asset.decimals, h)))
        for p in sorted(self.portfolios.values(), key=lambda p: (p.counts_at(now), p.id)):
            if p.account == acct and p.seizable_at(now):
                out.append((p, 0, self.portfolio_value(p.id, now)))
        return out

    def cover(self, acct: str, unpaid_penalty: int, rep: LiquidationReport, now: int) -> None:
        """Steps 5 and 6: the fund pays the deficit now, as far as its cash goes; the deficit
        and the unpaid penalty are claimed from the locks. What the fund paid and the penalty
        are the fund's claim (its receivable); a debt the fund could not pay stays on the
        account until the seize executes."""
        deficit = max(0, -self.ledger.cash[acct])
        paid = min(deficit, max(0, self.ledger.cash[INSURANCE]))
        self.ledger.transfer(INSURANCE, acct, paid, "deficit")
        need, fund_claim = deficit + unpaid_penalty, paid + unpaid_penalty
        plans: list[tuple[Credit | PortfolioCredit, int, int]] = []
        for c, price, full in self.seizable(acct, now):
            if need <= 0:
                break
            if isinstance(c, PortfolioCredit):  # collected lock by lock (owed: all of need,
                worth = min(need, full)  # capped per asset at T_j), counted here at its value
                plans.append((c, need, worth))
                need -= worth
                continue
            asset = self.config.asset(c.source_chain_id, c.asset_id)
            assert asset is not None
            h = self.haircut_bps(c.source_chain_id, c.vault, c.asset_id, now)
            units = min(c.threshold, units_for_value(need, price, asset.decimals, h))
            worth = value_e6(units, price, asset.decimals, h)
            plans.append((c, units, worth))
            need -= worth
        worth_total = sum(w for _, _, w in plans)
        for i, (c, units, worth) in enumerate(plans):
            # the fund's claim rides on the seizes in order; the last one carries the rest
            claim = fund_claim if i == len(plans) - 1 else min(fund_claim, worth)
            fund_claim -= claim
            if isinstance(c, PortfolioCredit):
                rep.seizes += self.start_portfolio_seize(c, units, claim, now)
                continue
            self.set_credit(c.key, "seized", units)
            nonce = self.store.next_vault_nonce(c.source_chain_id, c.vault)
            ttl = self.config.liquidation.message_ttl_s
            msg = Seize(c.source_chain_id, c.vault, c.lock_id, units, nonce, now + ttl)
            rep.seizes.append(self.emit(msg, acct, claim, now))
        rep.fund_paid_e6 = paid
        rep.shortfall_e6 = max(0, deficit - paid - worth_total)

    def seize_executed(self, entry_id: int, realised_e6: int, *, now: int) -> int:
        """The source chain executed a Seize: its value (``realised_e6``, what the seized units
        fetched) is booked to the account, which repays the fund's claim from it. Returns what
        the fund received."""
        if isinstance(realised_e6, bool) or not isinstance(realised_e6, int) or realised_e6 < 0:
            raise E.AccountError(f"realised value {realised_e6!r} must be a non-negative integer")
        rows = [r for r in self.store.outbox(False) if r[0] == entry_id and r[1] == "Seize"]
        if not rows:
            raise E.UnknownCreditError(f"outbox entry {entry_id} is not a Seize")
        acct, claim = rows[0][4], int(rows[0][5])
        lock = json.loads(rows[0][2])
        if (int(lock["sourceChainId"]), lock["vault"], int(lock["lockId"])) in self.portfolio_of:
            raise E.UnknownCreditError(
                f"Seize {entry_id} is of a portfolio lock: report the paid units "
                "(seize_executed_units)"
            )
        with self.event(
            "seize-executed", now, {"outbox": entry_id, "realised_e6": str(realised_e6)}
        ):
            if not self.store.mark_outbox(entry_id, "executed_at", now, realised_e6):
                raise E.UnknownCreditError(f"Seize {entry_id} was already booked as executed")
            self.ledger.transfer(SEIZED, acct, realised_e6, "seized")
            back = min(claim, max(0, self.ledger.cash[acct]))
            self.ledger.transfer(acct, INSURANCE, back, "claim")
        return back

    def seize_executed_units(self, entry_id: int, paid: int, asset_id: int, *, now: int) -> int:
        """The source chain executed a Seize and its vault paid ``paid`` base units of
        ``asset_id`` (the vault pays min(amount, lock): never more than asked). That executed
        amount, at the venue's price rounded down, is what is booked; for a portfolio lock, what
        is still owed shrinks by it and the next lock is asked for. Returns what the fund
        received."""
        if isinstance(paid, bool) or not isinstance(paid, int) or paid < 0:
            raise E.AccountError(f"paid amount {paid!r} must be a non-negative integer")
        rows = [r for r in self.store.outbox(False) if r[0] == entry_id and r[1] == "Seize"]
        if not rows:
            raise E.UnknownCreditError(f"outbox entry {entry_id} is not a Seize")
        raw = json.loads(rows[0][2])
        chain, vault, lock_id = int(raw["sourceChainId"]), raw["vault"], int(raw["lockId"])
        acct, claim, asked = rows[0][4], int(rows[0][5]), int(raw["amount"])
        if paid > asked:
            raise E.AccountError(
                f"Seize {entry_id} asked for {asked} units; a report of {paid} paid is impossible "
                "(the vault pays min(amount, lock))"
            )
        key = (chain, vault, lock_id)
        pid = self.portfolio_of.get(key)
        single = self.credits.get(key)
        held = (
            self.portfolios[pid].assets
            if pid is not None
            else (single.asset_id,)
            if single is not None
            else ()
        )
        if asset_id not in held:
            raise E.UnknownAssetError(
                f"lock {chain}:{vault}:{lock_id} was not credited for asset {asset_id:#042x}"
            )
        value = self.executed_value_e6(chain, asset_id, paid)
        with self.event(
            "seize-executed",
            now,
            {"outbox": entry_id, "paid": str(paid), "realised_e6": str(value)},
        ):
            if not self.store.mark_outbox(entry_id, "executed_at", now, value):
                raise E.UnknownCreditError(f"Seize {entry_id} was already booked as executed")
            self.ledger.transfer(SEIZED, acct, value, "seized")
            back = min(claim, max(0, self.ledger.cash[acct]))
            self.ledger.transfer(acct, INSURANCE, back, "claim")
            if pid is not None:
                p = self.portfolios[pid]
                j = p.assets.index(asset_id)
                seized = tuple(s + paid if i == j else s for i, s in enumerate(p.seized))
                p = replace(p, seized=seized, owed_e6=max(0, p.owed_e6 - value))
                self.save_portfolio(p)
                if p.status == "seizing":
                    self.next_portfolio_seize(p, claim - back, now)
        return back

    def receivable_e6(self) -> int:
        """The fund's claims on seizes not executed yet."""
        return sum(int(r[5]) for r in self.store.outbox(False) if r[1] == "Seize" and r[8] is None)
