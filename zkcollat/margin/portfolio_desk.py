"""The room for portfolio credits (:mod:`zkcollat.margin.portfolio_credits`): crediting a
Portfolio proof, its value in the account's collateral, its release, and the one-lock-at-a-time
seizure the liquidation room starts and the relayer's execution reports drive."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from zkcollat.groth16.keys import Proof
from zkcollat.margin import errors as E
from zkcollat.margin.collateral import CreditKey, units_for_value
from zkcollat.margin.credits import CreditsDesk
from zkcollat.margin.messages import OutboxEntry, Release, Seize
from zkcollat.margin.portfolio_credits import (
    PortfolioCheck,
    PortfolioCredit,
    PortfolioValues,
    admit_portfolio,
    portfolio_from_row,
    portfolio_to_row,
    portfolio_value_e6,
    replace,
)
from zkcollat.margin.pricing import E6, E8
from zkcollat.margin.risk import e6
from zkcollat.margin.signed import ReleaseRequest, SignedMessage
from zkcollat.margin.store_portfolios import PortfolioStore


class PortfolioDesk(CreditsDesk):
    def __init__(
        self, *args: Any, portfolio_check: PortfolioCheck | None = None, **kw: Any
    ) -> None:
        self.portfolio_check = portfolio_check  # None: this venue credits no portfolio
        super().__init__(*args, **kw)

    def _load(self) -> None:
        super()._load()
        self.portfolio_store = PortfolioStore(self.store.conn)
        self.portfolios: dict[int, PortfolioCredit] = {}
        self.portfolio_of: dict[CreditKey, int] = {}  # every lock credited in a portfolio
        for row in self.portfolio_store.load_portfolios():
            p = portfolio_from_row(row)
            self.portfolios[p.id] = p
            for k in p.lock_keys():
                self.portfolio_of[k] = p.id

    def is_credited(self, key: CreditKey) -> bool:
        """Credited singly or in a portfolio: one key space (PROTOCOL.md s.7.1)."""
        return key in self.credits or key in self.portfolio_of

    def credit_portfolio(
        self,
        account: str,
        proof: Proof | Mapping[str, Any],
        public: PortfolioValues,
        lock_assets: Sequence[int],
        *,
        now: int,
        source_chain_id: int | None = None,
        vault: str | None = None,
    ) -> PortfolioCredit:
        """Credit every lock of a verified Portfolio proof to ``account`` at once, each at most
        once (against single credits too). ``public`` is the statement's typed public values
        (or a :class:`PortfolioClaim`); ``lock_assets`` names the asset of each used slot's
        lock, in order, as read from the source chain, for sizing seizes only."""
        acct = self.addr(account)
        p = admit_portfolio(
            self.config,
            self.registry,
            self.portfolio_check,
            acct,
            proof,
            public,
            lock_assets,
            now,
            (source_chain_id, vault),
            self.is_credited,
        )
        det: dict[str, Any] = {"account": acct, "locks": [str(i) for i in p.lock_ids]}
        with self.event("credit-portfolio", now, det):  # the state is the stored one here
            self.ensure_account(acct)
            for k in p.lock_keys():
                if self.is_credited(k):
                    raise E.LockAlreadyCreditedError(f"lock {k} was already credited")
            new = (None, *portfolio_to_row(p)[1:])  # numbered by the store
            p = replace(p, id=self.portfolio_store.save_portfolio(new, p.lock_ids))
            det["portfolio"] = p.id
            self.portfolios[p.id] = p
            for k in p.lock_keys():
                self.portfolio_of[k] = p.id
        return p

    def portfolio_of_lock(
        self, source_chain_id: int, vault: str, lock_id: int
    ) -> PortfolioCredit | None:
        pid = self.portfolio_of.get((source_chain_id, vault.lower(), lock_id))
        return None if pid is None else self.portfolios[pid]

    def collateral_value(self, account: str, now: int, without: CreditKey | None = None) -> int:
        total = super().collateral_value(account, now, without)
        for p in self.portfolios.values():
            if p.account != account or not p.counts_at(now):
                continue
            if (
                without is not None
                and without in self.portfolio_of
                and self.portfolio_of[without] == p.id
            ):
                continue
            total += portfolio_value_e6(
                self.config,
                p,
                self.asset_prices,
                self.latency_s(p.source_chain_id, p.vault, now),
            )
        return total

    def portfolio_value(self, portfolio_id: int, now: int) -> int:
        p = self.portfolios[portfolio_id]
        lat = self.latency_s(p.source_chain_id, p.vault, now)
        return portfolio_value_e6(self.config, p, self.asset_prices, lat)

    def request_portfolio_release(self, signed: SignedMessage, *, now: int) -> list[OutboxEntry]:
        """A signed Release naming any lock of a portfolio releases the whole portfolio (one
        Release per lock), when the account meets IM (with its open orders) without it."""
        msg = self.accept_signed(signed, ReleaseRequest, now)
        assert isinstance(msg, ReleaseRequest)
        key = (msg.source_chain_id, msg.vault, msg.lock_id)
        if self.reduce_only(now):
            raise E.ReduceOnlyError("venue is reduce-only (relay latency): no releases")
        with self.event(
            "release-portfolio", now, {"account": msg.account, "lock": list(map(str, key))}
        ):
            self.use_nonce(msg, now)
            pid = self.portfolio_of.get(key)
            p = None if pid is None else self.portfolios[pid]
            if p is None or p.account != msg.account or p.status != "active":
                raise E.UnknownCreditError(
                    f"account {msg.account} has no active portfolio credit holding lock "
                    f"{key[0]}:{key[1]}:{key[2]}"
                )
            s = self.margin(msg.account, now=now, without=key)
            if not s.meets_im:
                raise E.InsufficientMarginError(
                    f"without portfolio {p.id}, {msg.account}'s equity {e6(s.equity_e6)} is below "
                    f"initial margin {e6(s.im_e6, up=True)} (with open orders)"
                )
            self.save_portfolio(replace(p, status="released", next_lock=len(p.lock_ids)))
            return self._release_locks(p, range(len(p.lock_ids)), now)

    def save_portfolio(self, p: PortfolioCredit) -> None:
        self.portfolio_store.save_portfolio(portfolio_to_row(p))
        self.portfolios[p.id] = p

    def _release_locks(
        self, p: PortfolioCredit, which: Sequence[int], now: int
    ) -> list[OutboxEntry]:
        ttl = self.config.liquidation.message_ttl_s
        out = []
        for i in which:
            nonce = self.store.next_vault_nonce(p.source_chain_id, p.vault)
            msg = Release(p.source_chain_id, p.vault, p.lock_ids[i], nonce, now + ttl)
            out.append(self.emit(msg, p.account, 0, now))
        return out

    # --- seizure, one lock at a time -----------------------------------------------------

    def start_portfolio_seize(
        self, p: PortfolioCredit, owed_e6: int, claim_e6: int, now: int
    ) -> list[OutboxEntry]:
        """Inside an event: the portfolio stops counting; ``owed_e6`` is to be collected from its
        locks (``claim_e6`` of it the fund's claim, carried by each Seize until repaid)."""
        p = replace(p, status="seizing", owed_e6=owed_e6, next_lock=0)
        self.save_portfolio(p)
        return self.next_portfolio_seize(p, claim_e6, now)

    def next_portfolio_seize(
        self, p: PortfolioCredit, claim_e6: int, now: int
    ) -> list[OutboxEntry]:
        """Inside an event: a Seize for the next lock whose asset has room, for what is still
        owed in that asset's units at the haircut price and at most ``T_j - seized_j``; a lock
        that cannot be asked for (room 0, no price) is released. When nothing is owed or no
        lock is left, the locks never asked for are released and the portfolio is closed."""
        out: list[OutboxEntry] = []
        ttl = self.config.liquidation.message_ttl_s
        while p.owed_e6 > 0 and p.next_lock < len(p.lock_ids):
            i = p.next_lock
            a = p.lock_assets[i]
            j = p.assets.index(a)
            room = p.thresholds[j] - p.seized[j]
            asset = self.config.asset(p.source_chain_id, a)
            price = self.asset_prices.get((p.source_chain_id, a), (0, 0))[0]
            p = replace(p, next_lock=i + 1)
            if room <= 0 or asset is None or price <= 0:
                out += self._release_locks(p, [i], now)
                continue
            h = self.haircut_bps(p.source_chain_id, p.vault, a, now)
            units = min(room, units_for_value(p.owed_e6, price, asset.decimals, h))
            nonce = self.store.next_vault_nonce(p.source_chain_id, p.vault)
            msg = Seize(p.source_chain_id, p.vault, p.lock_ids[i], units, nonce, now + ttl)
            out.append(self.emit(msg, p.account, claim_e6, now))
            self.save_portfolio(p)
            return out
        out += self._release_locks(p, range(p.next_lock, len(p.lock_ids)), now)
        self.save_portfolio(replace(p, status="seized", owed_e6=0, next_lock=len(p.lock_ids)))
        return out

    def executed_value_e6(self, source_chain_id: int, asset_id: int, paid: int) -> int:
        """``paid`` base units at the venue's price of the asset, rounded down (against the
        account); 0 without a price."""
        asset = self.config.asset(source_chain_id, asset_id)
        price = self.asset_prices.get((source_chain_id, asset_id), (0, 0))[0]
        if asset is None or price <= 0:
            return 0
        den: int = E8 * 10**asset.decimals
        return paid * price * E6 // den
