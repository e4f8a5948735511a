"""The venue: attested roots, collateral credits, orders, margin, releases and liquidations,
with its whole state in SQLite (one connection; every change is one transaction).

Time is always passed in (``now``, unix seconds), so the venue is deterministic and testable.
Accounts are execution-chain addresses (``0x`` + 40 hex); the proof's ``owner`` is the same
address as a uint160.

    cfg = VenueConfig.load("venue.json")               # parameters and the verifying key
    venue = Venue(cfg, signer_key, db="venue.sqlite", committee=Committee(0, members, 2))
    venue.submit_attestation(SignedAttestation.from_json(bundle), now=t)   # relayer
    venue.set_market("ETH", spot_e8, iv_bps, now=t)                        # oracle
    venue.set_asset_price(1, weth_address, price_e8, now=t)
    venue.credit(account, proof, public, now=t)        # proof, public: snarkjs objects or parsed
    venue.place_order(account, "ETH-1767225600-330000000000-C", -2_000_000, fill_price_e8, now=t)
    venue.margin(account, now=t)                       # equity, IM, MM (integers, 1e-6 quote)
    venue.liquidate(account, now=t)                    # when below MM
    venue.request_release(account, 1, vault, lock_id, now=t)
    for entry in venue.outbox(): relay(entry.to_json()); venue.mark_sent(entry.id, now=t)
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zkcollat.attest.attestation import SignedAttestation
from zkcollat.attest.committee import Committee
from zkcollat.attest.db import connect, transaction
from zkcollat.attest.eip712 import address_to_int, normalize_address
from zkcollat.attest.registry import AcceptedRoot, RegistryConfig, RootRegistry
from zkcollat.attest.secp256k1 import PrivateKey
from zkcollat.errors import EncodingError, ZkcollatError
from zkcollat.field import check_fr
from zkcollat.groth16.keys import Proof, VerifyingKey
from zkcollat.margin import errors as E
from zkcollat.margin.collateral import Credit, CreditKey, haircut_bps, value_e6
from zkcollat.margin.config import VenueConfig
from zkcollat.margin.liquidation import Close, close_all, plan_closes, plan_seizes
from zkcollat.margin.messages import OutboxEntry, Release, Seize, VaultMessage, sign_message
from zkcollat.margin.pricing import E8, Greeks, OptionSpec
from zkcollat.margin.requirements import (
    MarketData,
    PricedPosition,
    Requirement,
    account_greeks,
    options_value_e6,
    portfolio_requirement,
    price_positions,
    standard_requirement,
)
from zkcollat.margin.store import create_schema, get_int, set_int
from zkcollat.statements import CollateralLockPublic

#: ``(vk, public, proof) -> bool``: the Groth16 check a venue runs on a credit.
Verifier = Callable[[VerifyingKey, list[int], Proof], bool]

#: CollateralLock's public inputs, in circuit order (the statement registry's declaration).
PUBLIC_NAMES = CollateralLockPublic.names()
N_PUBLIC = len(PUBLIC_NAMES)
MODES = ("standard", "portfolio")


def verify_collateral_proof(vk: VerifyingKey, public: list[int], proof: Proof) -> bool:
    """The venue's one call into the Python Groth16 verifier."""
    from zkcollat.groth16.verify import verify

    return bool(verify(vk, public, proof))


@dataclass(frozen=True)
class MarginSummary:
    account: str
    mode: str
    cash_e6: int
    options_value_e6: int
    collateral_value_e6: int
    im_e6: int
    mm_e6: int

    @property
    def equity_e6(self) -> int:
        return self.cash_e6 + self.options_value_e6 + self.collateral_value_e6

    @property
    def meets_im(self) -> bool:
        return self.equity_e6 >= self.im_e6

    @property
    def meets_mm(self) -> bool:
        return self.equity_e6 >= self.mm_e6


@dataclass(frozen=True)
class AccountGreeks:
    positions: dict[str, Greeks]
    underlyings: dict[str, Greeks]


@dataclass(frozen=True)
class LiquidationReport:
    account: str
    before: MarginSummary
    after: MarginSummary
    closes: list[Close] = field(default_factory=list)
    seizes: list[OutboxEntry] = field(default_factory=list)
    penalty_e6: int = 0
    shortfall_e6: int = 0


def _key_json(key: CreditKey) -> str:
    return f"{key[0]}:{key[1]}:{key[2]}"


class Venue:
    def __init__(
        self,
        config: VenueConfig,
        signer: PrivateKey,
        *,
        db: str | Path | sqlite3.Connection = ":memory:",
        committee: Committee | None = None,
        verifier: Verifier | None = None,
        now: int = 0,
    ) -> None:
        self.config = config
        self.signer = signer
        self.conn = db if isinstance(db, sqlite3.Connection) else connect(db)
        create_schema(self.conn)
        reg_cfg = RegistryConfig(
            config.chain_id, config.registry_address, config.vaults, config.max_clock_skew_s
        )
        self.registry = RootRegistry(self.conn, reg_cfg, committee, now=now)
        self._verifier: Verifier = verifier or verify_collateral_proof

    # --- oracle and relayer inputs -----------------------------------------------------------

    def submit_attestation(self, signed: SignedAttestation, *, now: int) -> AcceptedRoot:
        return self.registry.submit(signed, now=now)

    def set_market(self, underlying: str, spot_e8: int, iv_bps: int, *, now: int) -> None:
        if self.config.option_underlyings and underlying not in self.config.option_underlyings:
            raise E.UnknownInstrumentError(f"underlying {underlying!r} is not listed in the config")
        MarketData(spot_e8, iv_bps, now)  # validates
        with transaction(self.conn):
            self.conn.execute(
                "INSERT INTO markets VALUES (?, ?, ?, ?) ON CONFLICT (underlying) DO UPDATE SET "
                "spot_e8 = excluded.spot_e8, iv_bps = excluded.iv_bps, "
                "updated_at = excluded.updated_at",
                (underlying, str(spot_e8), iv_bps, now),
            )

    def set_asset_price(
        self, source_chain_id: int, asset_id: str | int, price_e8: int, *, now: int
    ) -> None:
        aid = address_to_int(asset_id, "asset_id")
        if self.config.asset(source_chain_id, aid) is None:
            raise E.UnknownAssetError(
                f"asset {normalize_address(aid)} on chain {source_chain_id} is not listed"
            )
        if price_e8 < 0:
            raise E.MarketDataError(f"asset price_e8 = {price_e8} is negative")
        with transaction(self.conn):
            self.conn.execute(
                "INSERT INTO asset_prices VALUES (?, ?, ?, ?) "
                "ON CONFLICT (source_chain_id, asset_id) "
                "DO UPDATE SET price_e8 = excluded.price_e8, updated_at = excluded.updated_at",
                (str(source_chain_id), normalize_address(aid), str(price_e8), now),
            )

    # --- accounts ----------------------------------------------------------------------------

    def open_account(self, account: str, *, mode: str = "standard", now: int = 0) -> str:
        acct = self._addr(account)
        if mode not in MODES:
            raise E.AccountError(f"margin mode {mode!r} is not one of {MODES}")
        with transaction(self.conn):
            self.conn.execute(
                "INSERT OR IGNORE INTO accounts VALUES (?, ?, '0', ?)", (acct, mode, now)
            )
        return acct

    def deposit(self, account: str, amount_e6: int) -> None:
        """Quote-currency cash deposited on the execution chain."""
        if amount_e6 <= 0:
            raise E.AccountError(f"deposit amount_e6 = {amount_e6} must be positive")
        acct = self._addr(account)
        with transaction(self.conn):
            _, cash = self._account_row(acct)
            self._set_cash(acct, cash + amount_e6)

    def set_margin_mode(self, account: str, mode: str, *, now: int) -> MarginSummary:
        if mode not in MODES:
            raise E.AccountError(f"margin mode {mode!r} is not one of {MODES}")
        acct = self._addr(account)
        with transaction(self.conn):
            _, cash = self._account_row(acct)
            s = self._summary(acct, mode, cash, self._positions(acct), self._credits(acct), now)
            if not s.meets_im:
                raise E.InsufficientMarginError(
                    f"account {acct}: equity {s.equity_e6} e6 would be below {mode} initial "
                    f"margin {s.im_e6} e6"
                )
            self.conn.execute("UPDATE accounts SET mode = ? WHERE account = ?", (mode, acct))
        return s

    # --- credits (PROTOCOL.md s.7) -------------------------------------------------------------

    def credit(
        self,
        account: str,
        proof: Proof | Mapping[str, Any],
        public: Sequence[int | str],
        *,
        now: int,
        source_chain_id: int | None = None,
        vault: str | None = None,
    ) -> Credit:
        """Credit a proven lock to ``account``; the key (sourceChainId, vault, lockId) at most once.

        The source vault can be named; otherwise it is the one vault whose accepted roots include
        the proof's root (refused if several vaults share it)."""
        acct = self._addr(account)
        vals = self._parse_public(public)
        root, dest, owner, asset_id, lock_id, threshold, min_expiry = vals
        if dest != self.config.chain_id:
            raise E.WrongDestinationError(
                f"proof destChainId = {dest}; this venue is chain {self.config.chain_id}"
            )
        if owner != int(acct, 16):
            raise E.WrongOwnerError(
                f"proof owner = {owner:#042x} is not the account credited {acct}"
            )
        if lock_id >= 2**64 or min_expiry >= 2**64 or threshold >= 2**128:
            raise E.PublicInputError(
                "lockId and minExpiry must be < 2^64 and threshold < 2^128 (PROTOCOL.md s.3)"
            )
        if threshold == 0:
            raise E.ZeroThresholdError(f"lock {lock_id}: threshold is 0, nothing to credit")
        chain, vlt = self._resolve_source(root, source_chain_id, vault)
        asset = self.config.asset(chain, asset_id)
        if asset is None:
            raise E.UnknownAssetError(
                f"assetId {asset_id:#042x} on source chain {chain} is not a listed collateral"
            )
        window = self.config.liquidation.liquidation_window_s
        valid_until = min_expiry - window
        if valid_until <= now:
            raise E.ExpiryTooSoonError(
                f"minExpiry = {min_expiry} leaves {min_expiry - now}s; the liquidation window "
                f"needs more than {window}s"
            )
        key = (chain, vlt, lock_id)
        if self._credit_row(key) is not None:
            raise E.LockAlreadyCreditedError(f"lock {_key_json(key)} was already credited")
        self._check_proof(vals, proof)
        credit = Credit(
            chain, vlt, lock_id, acct, asset_id, threshold, min_expiry, valid_until, root, now
        )
        with transaction(self.conn):
            if self._credit_row(key) is not None:  # the authoritative check, inside the transaction
                raise E.LockAlreadyCreditedError(f"lock {_key_json(key)} was already credited")
            self.conn.execute(
                "INSERT OR IGNORE INTO accounts VALUES (?, 'standard', '0', ?)", (acct, now)
            )
            self.conn.execute(
                "INSERT INTO credits VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', '0')",
                (
                    str(chain),
                    vlt,
                    str(lock_id),
                    acct,
                    f"{asset_id:#042x}",
                    str(threshold),
                    str(min_expiry),
                    str(valid_until),
                    f"{root:#066x}",
                    now,
                ),
            )
        return credit

    def _parse_public(self, public: Sequence[int | str]) -> list[int]:
        if isinstance(public, (str, bytes)) or len(public) != N_PUBLIC:
            n = "?" if isinstance(public, (str, bytes)) else len(public)
            raise E.PublicInputError(
                f"CollateralLock has {N_PUBLIC} public inputs ({', '.join(PUBLIC_NAMES)}); got {n}"
            )
        out = []
        for name, v in zip(PUBLIC_NAMES, public, strict=True):
            try:
                x = int(v) if isinstance(v, str) and v.isdigit() else v
                if not isinstance(x, int) or isinstance(x, bool):
                    raise E.PublicInputError(f"public input {name} = {v!r} is not an integer")
                out.append(check_fr(x, f"public input {name}"))
            except ZkcollatError as e:
                if isinstance(e, E.PublicInputError):
                    raise
                raise E.PublicInputError(str(e)) from e
        return out

    def _resolve_source(self, root: int, chain: int | None, vault: str | None) -> tuple[int, str]:
        if chain is None and vault is None:
            found = self.registry.vaults_with_root(root)
            if not found:
                raise E.RootNotAcceptedError(
                    f"root {root:#066x} is not an accepted root of any vault"
                )
            if len(found) > 1:
                raise E.AmbiguousRootError(
                    f"root {root:#066x} is accepted for {len(found)} vaults; name the source vault"
                )
            return found[0]
        if chain is None or vault is None:
            raise E.AmbiguousRootError("give both source_chain_id and vault, or neither")
        try:
            vlt = normalize_address(vault, "vault")
        except EncodingError as e:
            raise E.PublicInputError(str(e)) from e
        if not self.registry.is_accepted(chain, vlt, root):
            raise E.RootNotAcceptedError(
                f"root {root:#066x} is not an accepted root of vault {vlt} on chain {chain}"
            )
        return chain, vlt

    def _check_proof(self, public: list[int], proof: Proof | Mapping[str, Any]) -> None:
        vk = self.config.verifying_key
        if vk is None:
            raise E.InvalidProofError("the venue has no verifying key configured")
        if vk.n_public != N_PUBLIC:
            raise E.InvalidProofError(f"the configured key has {vk.n_public} public inputs, not 7")
        try:
            if not isinstance(proof, Proof):
                from zkcollat.formats.snarkjs import proof_from_json

                proof = proof_from_json(dict(proof))
            ok = self._verifier(vk, public, proof)
        except ZkcollatError as e:
            raise E.InvalidProofError(f"proof rejected: {e}") from e
        if not ok:
            raise E.InvalidProofError("the Groth16 proof does not verify for these public inputs")

    # --- orders ------------------------------------------------------------------------------

    def place_order(
        self, account: str, instrument: str | OptionSpec, size_e6: int, price_e8: int, *, now: int
    ) -> MarginSummary:
        """Trade ``size_e6`` (signed: > 0 buys) at ``price_e8`` per unit; accepted only if the
        account meets initial margin afterwards. Returns the account's margin after the trade."""
        opt = instrument if isinstance(instrument, OptionSpec) else OptionSpec.parse(instrument)
        acct = self._addr(account)
        if isinstance(size_e6, bool) or not isinstance(size_e6, int) or size_e6 == 0:
            raise E.OrderError(f"order size_e6 = {size_e6!r} must be a non-zero integer")
        if isinstance(price_e8, bool) or not isinstance(price_e8, int) or price_e8 < 0:
            raise E.OrderError(f"order price_e8 = {price_e8!r} must be a non-negative integer")
        if opt.expiry <= now:
            raise E.UnknownInstrumentError(f"{opt.name} expired at {opt.expiry} (now {now})")
        if self.config.option_underlyings and opt.underlying not in self.config.option_underlyings:
            raise E.UnknownInstrumentError(f"underlying {opt.underlying!r} is not listed")
        with transaction(self.conn):
            mode, cash = self._account_row(acct)
            positions = self._positions(acct)
            old = positions.get(opt, 0)
            new = old + size_e6
            reducing = old != 0 and abs(new) < abs(old) and (new == 0 or (new > 0) == (old > 0))
            if not reducing and self.reduce_only(now):
                raise E.ReduceOnlyError(
                    f"venue is reduce-only (relay latency {self.observed_latency_s(now)}s > "
                    f"{self.config.latency.breaker_latency_s}s): order on {opt.name} adds risk"
                )
            self._check_fill_price(opt, price_e8, now)
            cash_delta = (-size_e6 * price_e8) // E8  # e6 quote; rounded against the account
            positions[opt] = new
            s = self._summary(acct, mode, cash + cash_delta, positions, self._credits(acct), now)
            if not s.meets_im:
                raise E.InsufficientMarginError(
                    f"account {acct}: equity {s.equity_e6} e6 after the order would be below "
                    f"initial margin {s.im_e6} e6"
                )
            self._set_cash(acct, cash + cash_delta)
            self._set_position(acct, opt.name, new)
            self.conn.execute(
                "INSERT INTO trades (account, instrument, size_e6, price_e8, cash_delta_e6, kind, "
                "at) VALUES (?, ?, ?, ?, ?, 'order', ?)",
                (acct, opt.name, str(size_e6), str(price_e8), str(cash_delta), now),
            )
        return s

    def _check_fill_price(self, opt: OptionSpec, price_e8: int, now: int) -> None:
        """A fill far from the mark would move equity by the difference: refuse it."""
        (p,) = price_positions([(opt, 1)], self._markets(), now, self.config.risk_free_rate_bps)
        mark_e8 = p.mark * E8
        band_e8 = max(self.config.fill_band_bps / 10_000 * mark_e8, self.config.fill_band_min_e8)
        if abs(price_e8 - mark_e8) > band_e8:
            raise E.OrderError(
                f"fill price_e8 = {price_e8} for {opt.name} is more than {band_e8:.0f} from the "
                f"mark {mark_e8:.0f} (fill_band_bps = {self.config.fill_band_bps})"
            )

    # --- release -----------------------------------------------------------------------------

    def request_release(
        self, account: str, source_chain_id: int, vault: str, lock_id: int, *, now: int
    ) -> OutboxEntry:
        """Give a lock back: allowed when the account meets IM without it (and not reduce-only).
        Emits a signed ``Release`` in the outbox, in the same transaction."""
        acct = self._addr(account)
        key = (source_chain_id, normalize_address(vault, "vault"), lock_id)
        if self.reduce_only(now):
            raise E.ReduceOnlyError(
                f"venue is reduce-only (relay latency {self.observed_latency_s(now)}s): "
                "no releases until it recovers"
            )
        with transaction(self.conn):
            credit = self._credit_row(key)
            if credit is None or credit.account != acct:
                raise E.UnknownCreditError(
                    f"account {acct} has no credit for lock {_key_json(key)}"
                )
            if credit.status != "active":
                raise E.UnknownCreditError(f"lock {_key_json(key)} is already {credit.status}")
            mode, cash = self._account_row(acct)
            others = [c for c in self._credits(acct) if c.key != key]
            s = self._summary(acct, mode, cash, self._positions(acct), others, now)
            if not s.meets_im:
                raise E.InsufficientMarginError(
                    f"account {acct}: without lock {_key_json(key)} equity {s.equity_e6} e6 is "
                    f"below initial margin {s.im_e6} e6"
                )
            self._set_credit_status(key, "released", 0)
            nonce = self._next_nonce(key[0], key[1])
            return self._emit(Release(key[0], key[1], key[2], nonce), now)

    # --- liquidation -------------------------------------------------------------------------

    def liquidate(self, account: str, *, now: int) -> LiquidationReport:
        acct = self._addr(account)
        cfg = self.config
        with transaction(self.conn):
            mode, cash = self._account_row(acct)
            credits = self._credits(acct)
            markets = self._markets()
            priced = price_positions(
                self._positions(acct).items(), markets, now, cfg.risk_free_rate_bps
            )
            collat = self._collateral_value(credits, now)
            req = self._requirer(mode)
            before = self._summarize(acct, mode, cash, priced, collat, req)
            if before.meets_mm:
                raise E.NotLiquidatableError(
                    f"account {acct}: equity {before.equity_e6} e6 meets maintenance margin "
                    f"{before.mm_e6} e6"
                )
            closes, left, cash = plan_closes(priced, cash, collat, req, options_value_e6)
            seizes: list[OutboxEntry] = []
            penalty_total = shortfall = 0
            if not self._summarize(acct, mode, cash, left, collat, req).meets_im:
                more, cash = close_all(left, cash)
                closes += more
                left = []
                if cash + collat < 0:
                    seizes, penalty_total, cash = self._seize(acct, credits, -cash, cash, now)
                    if cash < 0:
                        shortfall = -cash
                        fund = get_int(self.conn, "insurance_fund_e6")
                        covered = min(shortfall, max(fund, 0))
                        set_int(self.conn, "insurance_fund_e6", fund - shortfall)
                        self.conn.execute(
                            "INSERT INTO shortfalls (account, at, amount_e6, covered_e6) "
                            "VALUES (?, ?, ?, ?)",
                            (acct, now, str(shortfall), str(covered)),
                        )
                        cash = 0
            self._set_cash(acct, cash)
            positions_after = {p.option.name: p.size_e6 for p in left}
            for c in closes:
                name = c.instrument
                self._set_position(acct, name, positions_after.get(name, 0))
                self.conn.execute(
                    "INSERT INTO trades (account, instrument, size_e6, price_e8, cash_delta_e6, "
                    "kind, at) VALUES (?, ?, ?, ?, ?, 'liquidation', ?)",
                    (
                        acct,
                        name,
                        str(c.trade_size_e6),
                        str(round(c.mark * E8)),
                        str(c.cash_delta_e6),
                        now,
                    ),
                )
            after = self._summary(acct, mode, cash, self._positions(acct), self._credits(acct), now)
            detail = {
                "closes": [[c.instrument, c.trade_size_e6] for c in closes],
                "seizes": [s.id for s in seizes],
                "penalty_e6": penalty_total,
                "shortfall_e6": shortfall,
            }
            self.conn.execute(
                "INSERT INTO liquidations (account, at, detail) VALUES (?, ?, ?)",
                (acct, now, json.dumps(detail)),
            )
        return LiquidationReport(acct, before, after, closes, seizes, penalty_total, shortfall)

    def _seize(
        self, acct: str, credits: list[Credit], debt_e6: int, cash: int, now: int
    ) -> tuple[list[OutboxEntry], int, int]:
        cfg = self.config
        prices = self._asset_prices()
        candidates = []
        for c in credits:
            asset = cfg.asset(c.source_chain_id, c.asset_id)
            price = prices.get((c.source_chain_id, c.asset_id))
            if not c.seizable_at(now) or asset is None or not price:
                continue
            h = haircut_bps(
                asset, self.latency_s(c.source_chain_id, c.vault, now), cfg.latency.haircut_z
            )
            # Credits that no longer count go first: their lock is about to be withdrawable.
            candidates.append(
                (
                    c.counts_at(now),
                    -value_e6(c.threshold, price, asset.decimals, h),
                    (c, price, asset.decimals, h),
                )
            )
        candidates.sort(key=lambda x: (x[0], x[1]))
        plans = plan_seizes(debt_e6, [x[2] for x in candidates], cfg.liquidation.penalty_bps)
        entries = []
        penalty_total = 0
        fund = get_int(self.conn, "insurance_fund_e6")
        for p in plans:
            cash += p.proceeds_e6 - p.penalty_e6
            penalty_total += p.penalty_e6
            self._set_credit_status(p.credit.key, "seized", p.units)
            nonce = self._next_nonce(p.credit.source_chain_id, p.credit.vault)
            entries.append(
                self._emit(
                    Seize(
                        p.credit.source_chain_id,
                        p.credit.vault,
                        p.credit.lock_id,
                        p.units,
                        cfg.liquidation.seize_recipient,
                        nonce,
                    ),
                    now,
                )
            )
        set_int(self.conn, "insurance_fund_e6", fund + penalty_total)
        return entries, penalty_total, cash

    # --- views -------------------------------------------------------------------------------

    def margin(self, account: str, *, now: int) -> MarginSummary:
        acct = self._addr(account)
        mode, cash = self._account_row(acct)
        return self._summary(acct, mode, cash, self._positions(acct), self._credits(acct), now)

    def greeks(self, account: str, *, now: int) -> AccountGreeks:
        acct = self._addr(account)
        priced = price_positions(
            self._positions(acct).items(), self._markets(), now, self.config.risk_free_rate_bps
        )
        per_pos, per_und = account_greeks(priced, self.config.risk_free_rate_bps)
        return AccountGreeks(per_pos, per_und)

    def positions(self, account: str) -> dict[str, int]:
        return {k.name: v for k, v in self._positions(self._addr(account)).items()}

    def credits(self, account: str) -> list[Credit]:
        return self._credits(self._addr(account), active_only=False)

    def get_credit(self, source_chain_id: int, vault: str, lock_id: int) -> Credit | None:
        return self._credit_row((source_chain_id, normalize_address(vault, "vault"), lock_id))

    def insurance_fund_e6(self) -> int:
        return get_int(self.conn, "insurance_fund_e6")

    def fund_insurance(self, amount_e6: int) -> None:
        if amount_e6 <= 0:
            raise E.AccountError(f"insurance contribution {amount_e6} must be positive")
        with transaction(self.conn):
            set_int(self.conn, "insurance_fund_e6", self.insurance_fund_e6() + amount_e6)

    def shortfalls(self) -> list[tuple[str, int, int, int]]:
        rows = self.conn.execute(
            "SELECT account, at, amount_e6, covered_e6 FROM shortfalls ORDER BY id"
        )
        return [(a, int(t), int(x), int(c)) for a, t, x, c in rows]

    def outbox(self, *, pending_only: bool = True) -> list[OutboxEntry]:
        q = (
            "SELECT * FROM outbox"
            + (" WHERE sent_at IS NULL" if pending_only else "")
            + " ORDER BY id"
        )
        out = []
        for row in self.conn.execute(q):
            id_, kind, chain, vault, lock_id, amount, recipient, nonce, sig, created, sent = row
            msg: VaultMessage
            if kind == "Release":
                msg = Release(int(chain), vault, int(lock_id), int(nonce))
            else:
                msg = Seize(int(chain), vault, int(lock_id), int(amount), recipient, int(nonce))
            out.append(
                OutboxEntry(
                    int(id_),
                    msg,
                    bytes.fromhex(sig),
                    int(created),
                    None if sent is None else int(sent),
                )
            )
        return out

    def mark_sent(self, entry_id: int, *, now: int) -> None:
        with transaction(self.conn):
            cur = self.conn.execute(
                "UPDATE outbox SET sent_at = ? WHERE id = ? AND sent_at IS NULL", (now, entry_id)
            )
            if cur.rowcount != 1:
                raise E.AccountError(f"outbox entry {entry_id} does not exist or was already sent")

    # --- latency and the circuit breaker -----------------------------------------------------

    def observed_latency_s(
        self, now: int, source_chain_id: int | None = None, vault: str | None = None
    ) -> int:
        lat = self.config.latency
        keys = (
            [(source_chain_id, vault)]
            if source_chain_id is not None and vault
            else list(self.config.vaults)
        )
        worst = 0
        for chain, vlt in keys:
            assert chain is not None and vlt is not None
            obs = self.registry.observed_latency_s(
                chain,
                vlt,
                now=now,
                window_s=lat.latency_window_s,
                interval_s=lat.attestation_interval_s,
            )
            if obs is not None and obs > worst:
                worst = obs
        return worst

    def latency_s(self, source_chain_id: int, vault: str, now: int) -> int:
        """L for haircuts: configured settlement time or observed relay latency, the larger."""
        cfg_l = self.config.latency.config_latency_s(source_chain_id)
        return max(cfg_l, self.observed_latency_s(now, source_chain_id, vault))

    def reduce_only(self, now: int) -> bool:
        return self.observed_latency_s(now) > self.config.latency.breaker_latency_s

    def haircut_bps(self, source_chain_id: int, vault: str, asset_id: int, now: int) -> int:
        asset = self.config.asset(source_chain_id, asset_id)
        if asset is None:
            raise E.UnknownAssetError(f"asset {asset_id:#042x} on chain {source_chain_id}")
        return haircut_bps(
            asset, self.latency_s(source_chain_id, vault, now), self.config.latency.haircut_z
        )

    # --- internals ---------------------------------------------------------------------------

    @staticmethod
    def _addr(account: str) -> str:
        try:
            return normalize_address(account, "account")
        except EncodingError as e:
            raise E.AccountError(str(e)) from e

    def _account_row(self, acct: str) -> tuple[str, int]:
        row = self.conn.execute(
            "SELECT mode, cash_e6 FROM accounts WHERE account = ?", (acct,)
        ).fetchone()
        if row is None:
            raise E.AccountError(f"account {acct} does not exist")
        return row[0], int(row[1])

    def _set_cash(self, acct: str, cash: int) -> None:
        self.conn.execute("UPDATE accounts SET cash_e6 = ? WHERE account = ?", (str(cash), acct))

    def _positions(self, acct: str) -> dict[OptionSpec, int]:
        rows = self.conn.execute(
            "SELECT instrument, size_e6 FROM positions WHERE account = ? ORDER BY instrument",
            (acct,),
        )
        return {OptionSpec.parse(n): int(s) for n, s in rows}

    def _set_position(self, acct: str, name: str, size: int) -> None:
        if size == 0:
            self.conn.execute(
                "DELETE FROM positions WHERE account = ? AND instrument = ?", (acct, name)
            )
        else:
            self.conn.execute(
                "INSERT INTO positions VALUES (?, ?, ?) ON CONFLICT (account, instrument) "
                "DO UPDATE SET size_e6 = excluded.size_e6",
                (acct, name, str(size)),
            )

    @staticmethod
    def _credit_from_row(row: tuple[Any, ...]) -> Credit:
        (
            chain,
            vault,
            lock_id,
            acct,
            asset,
            threshold,
            min_exp,
            valid,
            root,
            at,
            status,
            seized,
        ) = row
        return Credit(
            int(chain),
            vault,
            int(lock_id),
            acct,
            int(asset, 16),
            int(threshold),
            int(min_exp),
            int(valid),
            int(root, 16),
            int(at),
            status,
            int(seized),
        )

    def _credit_row(self, key: CreditKey) -> Credit | None:
        row = self.conn.execute(
            "SELECT * FROM credits WHERE source_chain_id = ? AND vault = ? AND lock_id = ?",
            (str(key[0]), key[1], str(key[2])),
        ).fetchone()
        return None if row is None else self._credit_from_row(row)

    def _credits(self, acct: str, *, active_only: bool = True) -> list[Credit]:
        q = "SELECT * FROM credits WHERE account = ?" + (
            " AND status = 'active'" if active_only else ""
        )
        return [self._credit_from_row(r) for r in self.conn.execute(q + " ORDER BY rowid", (acct,))]

    def _set_credit_status(self, key: CreditKey, status: str, seized: int) -> None:
        self.conn.execute(
            "UPDATE credits SET status = ?, seized_amount = ? "
            "WHERE source_chain_id = ? AND vault = ? AND lock_id = ?",
            (status, str(seized), str(key[0]), key[1], str(key[2])),
        )

    def markets(self) -> dict[str, MarketData]:
        """The latest market data per underlying (spot, implied vol, time of update)."""
        return self._markets()

    def asset_prices(self) -> dict[tuple[int, int], int]:
        """The latest collateral prices (e8) per (source chain id, asset id)."""
        return self._asset_prices()

    def _markets(self) -> dict[str, MarketData]:
        rows = self.conn.execute("SELECT underlying, spot_e8, iv_bps, updated_at FROM markets")
        return {u: MarketData(int(s), int(v), int(t)) for u, s, v, t in rows}

    def _asset_prices(self) -> dict[tuple[int, int], int]:
        rows = self.conn.execute("SELECT source_chain_id, asset_id, price_e8 FROM asset_prices")
        return {(int(c), int(a, 16)): int(p) for c, a, p in rows}

    def _collateral_value(self, credits: Sequence[Credit], now: int) -> int:
        """Sum of threshold * price * (1 - haircut) over the credits that count now. A credit
        whose asset has no price yet is worth nothing."""
        cfg = self.config
        prices = self._asset_prices() if credits else {}
        latency: dict[tuple[int, str], int] = {}
        total = 0
        for c in credits:
            if not c.counts_at(now):
                continue
            asset = cfg.asset(c.source_chain_id, c.asset_id)
            price = prices.get((c.source_chain_id, c.asset_id), 0)
            if asset is None or price <= 0:
                continue
            vk = (c.source_chain_id, c.vault)
            if vk not in latency:
                latency[vk] = self.latency_s(c.source_chain_id, c.vault, now)
            h = haircut_bps(asset, latency[vk], cfg.latency.haircut_z)
            total += value_e6(c.threshold, price, asset.decimals, h)
        return total

    def _requirer(self, mode: str) -> Callable[[Sequence[PricedPosition]], Requirement]:
        cfg = self.config
        if mode == "portfolio":
            return lambda priced: portfolio_requirement(
                priced, cfg.portfolio, cfg.risk_free_rate_bps
            )
        return lambda priced: standard_requirement(priced, cfg.standard)

    @staticmethod
    def _summarize(
        acct: str,
        mode: str,
        cash: int,
        priced: Sequence[PricedPosition],
        collat: int,
        req: Callable[[Sequence[PricedPosition]], Requirement],
    ) -> MarginSummary:
        r = req(priced)
        return MarginSummary(acct, mode, cash, options_value_e6(priced), collat, r.im_e6, r.mm_e6)

    def _summary(
        self,
        acct: str,
        mode: str,
        cash: int,
        positions: Mapping[OptionSpec, int] | Mapping[str, int],
        credits: Sequence[Credit],
        now: int,
    ) -> MarginSummary:
        items = [
            (k if isinstance(k, OptionSpec) else OptionSpec.parse(k), v)
            for k, v in positions.items()
            if v
        ]
        priced = price_positions(items, self._markets(), now, self.config.risk_free_rate_bps)
        return self._summarize(
            acct, mode, cash, priced, self._collateral_value(credits, now), self._requirer(mode)
        )

    def _next_nonce(self, chain: int, vault: str) -> int:
        row = self.conn.execute(
            "SELECT next_nonce FROM nonces WHERE source_chain_id = ? AND vault = ?",
            (str(chain), vault),
        ).fetchone()
        nonce = 0 if row is None else int(row[0])
        self.conn.execute(
            "INSERT INTO nonces VALUES (?, ?, ?) ON CONFLICT (source_chain_id, vault) "
            "DO UPDATE SET next_nonce = excluded.next_nonce",
            (str(chain), vault, nonce + 1),
        )
        return nonce

    def _emit(self, msg: VaultMessage, now: int) -> OutboxEntry:
        sig = sign_message(self.signer, msg)
        amount = str(msg.amount) if isinstance(msg, Seize) else None
        recipient = msg.recipient if isinstance(msg, Seize) else None
        cur = self.conn.execute(
            "INSERT INTO outbox (kind, source_chain_id, vault, lock_id, amount, recipient, nonce, "
            "signature, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                msg.kind,
                str(msg.source_chain_id),
                msg.vault,
                str(msg.lock_id),
                amount,
                recipient,
                msg.nonce,
                sig.hex(),
                now,
            ),
        )
        assert cur.lastrowid is not None
        return OutboxEntry(cur.lastrowid, msg, sig, now)
