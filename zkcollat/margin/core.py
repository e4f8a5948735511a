"""The venue's core: state in memory over the store, the event (one transaction ending with
the conservation check), accounts, oracle inputs and the margin view; the rooms (trading,
credits, liquidation, settlement) build on it and ``venue.Venue`` puts them together."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from zkcollat.attest.attestation import SignedAttestation
from zkcollat.attest.committee import Committee
from zkcollat.attest.eip712 import address_to_int, normalize_address
from zkcollat.attest.registry import AcceptedRoot, RegistryConfig, RootRegistry
from zkcollat.attest.secp256k1 import PrivateKey
from zkcollat.errors import EncodingError
from zkcollat.margin import errors as E
from zkcollat.margin import oracle
from zkcollat.margin.book import Book, BookOrder, OrderId
from zkcollat.margin.collateral import (
    Credit,
    CreditKey,
    Verifier,
    credit_from_row,
    verify_collateral_proof,
)
from zkcollat.margin.config import VenueConfig
from zkcollat.margin.instruments import Instrument, instrument_from_json, instrument_to_json
from zkcollat.margin.ledger import DEPOSITS, FEES, INSURANCE, Ledger
from zkcollat.margin.pricing import OptionSpec
from zkcollat.margin.requirements import MarketData, PricedPosition, price_positions
from zkcollat.margin.risk import (
    MarginSummary,
    OpenOrder,
    RiskParams,
    summarize,
    unit_requirements,
)
from zkcollat.margin.signed import (
    SignatureVerifier,
    SignedMessage,
    account_domain,
)
from zkcollat.margin.store import Store

MODES = ("standard", "portfolio")


class VenueCore:
    def __init__(
        self,
        store: Store,
        config: VenueConfig,
        signer: PrivateKey,
        *,
        committee: Committee | None = None,
        verifier: Verifier | None = None,
        now: int = 0,
    ) -> None:
        self.config, self.signer, self.store = config, signer, store
        self.conn = store.conn
        reg = RegistryConfig(
            config.chain_id, config.registry_address, config.vaults, config.max_clock_skew_s
        )
        self.registry = RootRegistry(store.db, reg, committee, now=now)
        self.verifier: Verifier = verifier or verify_collateral_proof
        self.domain = account_domain(config.chain_id, config.venue_address)
        self.signatures = SignatureVerifier(self.domain)
        t = config.trading
        self.risk_params = RiskParams(
            config.standard, config.portfolio, config.risk_free_rate_bps, t.worst_fee_bps
        )
        self._load()

    # --- state ---------------------------------------------------------------------------

    def _load(self) -> None:
        s = self.store
        self.version = s.state_version()
        self.ledger = Ledger()
        self.modes: dict[str, str] = {}
        for a, mode, cash in s.load_accounts():
            if a.startswith("0x"):  # not the fee, insurance or clearing accounts
                self.modes[a] = mode
            self.ledger.cash[a] = cash
        for a, n, size, basis in s.load_positions():
            self.ledger.load_position(a, n, size, basis)
        self.ledger.outside.update(s.load_outside())
        self.ledger.dirty_cash.clear()
        self.instruments: dict[str, Instrument] = {}
        self.books: dict[str, Book] = {}
        for d in s.load_instruments():
            ins = instrument_from_json(d)
            self.instruments[ins.name] = ins
            self.books[ins.name] = Book()
        self.orders: dict[OrderId, str] = {}  # open order -> instrument
        self.account_orders: dict[str, set[OrderId]] = {}
        for a, nonce, iname, buy, price, lots, seq, ro, _exp in s.load_orders():
            self._rest(iname, BookOrder((a, nonce), buy, price, lots, seq, ro))
        self.markets = {u: oracle.UnderlyingState(**d) for u, d in s.load_markets().items()}
        self.asset_prices = s.load_asset_prices()
        self.credits: dict[CreditKey, Credit] = {}
        self.credits_of: dict[str, list[CreditKey]] = {}
        for row in s.load_credits():
            c = credit_from_row(row)
            self.credits[c.key] = c
            self.credits_of.setdefault(c.account, []).append(c.key)
        self._latency: dict[tuple[int, str, int], int] = {}
        self._units: tuple[int, dict[str, PricedPosition]] | None = None
        self._risk = self.risk_params

    def _rest(self, name: str, o: BookOrder) -> None:
        self.books[name].add(o)
        self.orders[o.id] = name
        self.account_orders.setdefault(o.account, set()).add(o.id)

    def _unrest(self, oid: OrderId) -> None:
        self.orders.pop(oid, None)
        self.account_orders.get(oid[0], set()).discard(oid)

    @contextmanager
    def event(
        self, kind: str, now: int, detail: dict[str, Any] | None = None
    ) -> Iterator[dict[str, Any]]:
        """One transaction: reloads if another writer moved the state, checks conservation at
        the end, writes what changed; on any error the memory goes back to the stored state."""
        det: dict[str, Any] = {} if detail is None else detail
        try:
            with self.store.event():
                if self.store.state_version() != self.version:
                    self._load()
                yield det
                self.ledger.check(self.ledger.touched)
                self._flush(kind, now, det)
        except BaseException:
            self._load()
            raise
        self.ledger.touched.clear()

    def _flush(self, kind: str, now: int, det: dict[str, Any]) -> None:
        led, s = self.ledger, self.store
        postings = led.take_pending()
        ev = s.add_event(kind, now, det)
        s.add_postings(ev, [(p.src, p.dst, p.amount_e6, p.kind) for p in postings])
        if led.dirty_cash:
            s.save_cash(
                [(a, self.modes.get(a, "standard"), led.cash[a], now) for a in led.dirty_cash]
            )
            led.dirty_cash.clear()
        if led.dirty_positions:
            s.save_positions(
                [
                    (a, n, led.position(a, n), led.basis.get((a, n), 0))
                    for a, n in led.dirty_positions
                ]
            )
            led.dirty_positions.clear()
        if any(p.src.startswith("@") or p.dst.startswith("@") for p in postings):
            s.save_outside(led.outside)
        self.version += 1
        s.bump_version(self.version)

    def audit(self) -> None:
        """The full check: the equation, every instrument's open interest, and every balance
        equal to the sum of its journal entries."""
        self.ledger.check()
        bal = self.store.journal_balances()
        for a, c in self.ledger.cash.items():
            if bal.get(a, 0) != c:
                raise E.ConservationError(f"{a}: cash {c} != journal sum {bal.get(a, 0)}")

    # --- operator, oracle and relayer ----------------------------------------------------

    def list_instrument(self, spec: OptionSpec, *, now: int, **rules: int) -> Instrument:
        if self.config.option_underlyings and spec.underlying not in self.config.option_underlyings:
            raise E.UnknownInstrumentError(f"underlying {spec.underlying!r} is not in the config")
        if spec.expiry <= now:
            raise E.InstrumentExpiredError(
                f"{spec.name} expires at {spec.expiry}, before now {now}"
            )
        if spec.name in self.instruments:
            raise E.UnknownInstrumentError(f"{spec.name} is already listed")
        t = self.config.trading
        d = {
            k: getattr(t, k)
            for k in (
                "tick_e8",
                "lot_e6",
                "min_lots",
                "max_lots",
                "position_limit_lots",
                "oi_limit_lots",
            )
        }
        unknown = set(rules) - set(d)
        if unknown:
            raise E.UnknownInstrumentError(f"unknown listing rules {sorted(unknown)}")
        ins = Instrument(spec, **{**d, **rules})
        with self.event("list", now, {"instrument": spec.name}):
            self.store.add_instrument(ins.name, instrument_to_json(ins), now)
            self.instruments[ins.name] = ins
            self.books[ins.name] = Book()
            self._units = None
        return ins

    def instrument(self, name: str) -> Instrument:
        ins = self.instruments.get(name)
        if ins is None:
            raise E.UnknownInstrumentError(f"instrument {name!r} is not listed by the operator")
        return ins

    def submit_attestation(self, signed: SignedAttestation, *, now: int) -> AcceptedRoot:
        self._latency.clear()
        return self.registry.submit(signed, now=now)

    def set_market(self, underlying: str, spot_e8: int, iv_bps: int, *, now: int) -> str:
        """An oracle update; answers "accepted", "held" (breaker tripped) or "confirmed"."""
        if self.config.option_underlyings and underlying not in self.config.option_underlyings:
            raise E.UnknownInstrumentError(f"underlying {underlying!r} is not listed in the config")
        new, what = oracle.update(
            self.markets.get(underlying), spot_e8, iv_bps, now, self.config.oracle
        )
        with self.event(
            "oracle",
            now,
            {"underlying": underlying, "spot_e8": str(spot_e8), "iv_bps": iv_bps, "outcome": what},
        ):
            self._save_market(underlying, new, what != "held")
        return what

    def confirm_market(self, underlying: str, *, now: int) -> None:
        state = self.markets.get(underlying)
        if state is None:
            raise E.MarketDataError(f"no market data for {underlying!r}")
        new = oracle.confirm(state)
        with self.event("oracle-confirm", now, {"underlying": underlying}):
            self._save_market(underlying, new, True)

    def _save_market(self, u: str, new: oracle.UnderlyingState, accepted: bool) -> None:
        self.store.save_market(
            u,
            dataclasses.asdict(new),
            new.updated_at if accepted else None,
            new.spot_e8 if accepted else None,
        )
        self.markets[u] = new
        self._units = None

    def set_asset_price(
        self, source_chain_id: int, asset_id: str | int, price_e8: int, *, now: int
    ) -> None:
        aid = address_to_int(asset_id, "asset_id")
        if self.config.asset(source_chain_id, aid) is None:
            raise E.UnknownAssetError(
                f"asset {normalize_address(aid)} on chain {source_chain_id} is not listed"
            )
        o = self.config.oracle
        oracle.check_int(price_e8, o.min_asset_price_e8, o.max_asset_price_e8, "asset price_e8")
        with self.event(
            "asset-price", now, {"asset": normalize_address(aid), "price_e8": str(price_e8)}
        ):
            self.store.save_asset_price(source_chain_id, normalize_address(aid), price_e8, now)
            self.asset_prices[(source_chain_id, aid)] = (price_e8, now)

    # --- accounts and money --------------------------------------------------------------

    @staticmethod
    def addr(account: str) -> str:
        try:
            return normalize_address(account, "account")
        except EncodingError as e:
            raise E.AccountError(str(e)) from e

    def open_account(self, account: str, *, mode: str = "standard", now: int) -> str:
        acct = self.addr(account)
        if mode not in MODES:
            raise E.AccountError(f"margin mode {mode!r} is not one of {MODES}")
        if acct not in self.modes:
            with self.event("open", now, {"account": acct}):
                self.ensure_account(acct, mode)
        return acct

    def ensure_account(self, acct: str, mode: str = "standard") -> None:
        """Inside an event: the account exists (written with the event)."""
        if acct not in self.modes:
            self.modes[acct] = mode
            self.ledger.cash.setdefault(acct, 0)
            self.ledger.dirty_cash.add(acct)

    def deposit(self, account: str, amount_e6: int, *, now: int) -> None:
        """Quote cash that arrived for ``account`` on the execution chain (the bridge's call)."""
        acct = self.addr(account)
        positive(amount_e6, "deposit amount_e6")
        with self.event("deposit", now, {"account": acct, "amount_e6": str(amount_e6)}):
            self.ensure_account(acct)
            self.ledger.transfer(DEPOSITS, acct, amount_e6, "deposit")

    def fund_insurance(self, amount_e6: int, *, now: int) -> None:
        positive(amount_e6, "insurance contribution")
        with self.event("fund", now, {"amount_e6": str(amount_e6)}):
            self.ledger.transfer(DEPOSITS, INSURANCE, amount_e6, "deposit")

    def accept_signed(self, signed: SignedMessage, kind: type[Any], now: int) -> Any:
        msg = signed.message
        if not isinstance(msg, kind):
            raise E.SignedMessageError(f"expected a signed {kind.primary}, got {msg.primary}")
        if now > msg.expiry:
            raise E.MessageExpiredError(f"{msg.primary} expired at {msg.expiry} (now {now})")
        if msg.expiry > now + self.config.trading.max_message_ttl_s:
            raise E.MessageExpiredError(f"{msg.primary} expiry {msg.expiry} is too far ahead")
        self.signatures.verify(signed)
        if msg.account not in self.modes:
            raise E.AccountError(f"account {msg.account} does not exist")
        return msg

    def use_nonce(self, msg: Any, now: int) -> None:
        if not self.store.use_nonce(msg.account, msg.nonce, msg.primary, now):
            raise E.NonceUsedError(f"nonce {msg.nonce} of {msg.account} was already used")

    # --- views ---------------------------------------------------------------------------

    def units(self, now: int) -> dict[str, PricedPosition]:
        """Every listed, unsettled instrument priced once for a size of 1 (last accepted spot),
        with its standard unit requirement; recomputed when the clock or a price moves."""
        if self._units is not None and self._units[0] == now:
            return self._units[1]
        mk = {u: MarketData(s.spot_e8, s.iv_bps, s.updated_at) for u, s in self.markets.items()}
        live = [
            (i.spec, 1)
            for i in self.instruments.values()
            if i.status == "active" and i.spec.underlying in mk
        ]
        priced = price_positions(live, mk, now, self.config.risk_free_rate_bps)
        out = {p.option.name: p for p in priced}
        self._units = (now, out)
        self._risk = dataclasses.replace(
            self.risk_params, unit_req=unit_requirements(out, self.config.standard)
        )
        return out

    def open_orders(self, account: str) -> list[tuple[str, BookOrder]]:
        out = []
        for oid in sorted(self.account_orders.get(account, ()), key=lambda o: o[1]):
            name = self.orders[oid]
            o = self.books[name].orders.get(oid)  # None: filled in the match under way
            if o is not None:
                out.append((name, o))
        return out

    def margin(
        self,
        account: str,
        *,
        now: int,
        without: CreditKey | None = None,
        cash_delta: int = 0,
        sizes: Mapping[str, int] | None = None,
        orders: Sequence[OpenOrder] | None = None,
    ) -> MarginSummary:
        acct = self.addr(account)
        if acct not in self.modes:
            raise E.AccountError(f"account {acct} does not exist")
        units = self.units(now)
        pos = self.ledger.positions_of(acct) if sizes is None else sizes
        missing = [n for n in pos if n not in units]
        if missing:
            raise E.MarketDataError(f"no mark for {missing[0]}: the oracle has no price for it")
        if orders is None:
            orders = [
                OpenOrder(n, o.buy, o.lots * self.instruments[n].lot_e6, o.price_e8)
                for n, o in self.open_orders(acct)
            ]
        return summarize(
            acct,
            self.modes[acct],
            self.ledger.cash.get(acct, 0) + cash_delta,
            pos,
            orders,
            units,
            self.collateral_value(acct, now, without),
            self._risk,
        )

    def collateral_value(self, account: str, now: int, without: CreditKey | None = None) -> int:
        raise NotImplementedError  # the credits room (zkcollat.margin.credits)

    def reduce_only(self, now: int) -> bool:
        raise NotImplementedError  # the credits room: the relay-latency breaker

    def insurance_fund_e6(self) -> int:
        return self.ledger.cash.get(INSURANCE, 0)

    def fees_e6(self) -> int:
        return self.ledger.cash.get(FEES, 0)


def positive(v: object, name: str) -> None:
    if isinstance(v, bool) or not isinstance(v, int) or not 0 < v < 2**128:
        raise E.AccountError(f"{name} = {v!r} must be a positive integer below 2^128")
