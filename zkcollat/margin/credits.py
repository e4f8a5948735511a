"""Credits and releases: proven locks become collateral, valued at a haircut; a signed
Release goes out only when the account meets initial margin without the lock and with its
open orders; signed vault messages wait in the outbox for the relayer."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from typing import Any

from zkcollat.groth16.keys import Proof
from zkcollat.margin import errors as E
from zkcollat.margin.collateral import (
    Credit,
    CreditKey,
    admit,
    credit_to_row,
    haircut_bps,
    value_e6,
)
from zkcollat.margin.core import VenueCore, positive
from zkcollat.margin.ledger import WITHDRAWALS
from zkcollat.margin.messages import OutboxEntry, Release, Seize, VaultMessage, sign_message
from zkcollat.margin.risk import MarginSummary, e6
from zkcollat.margin.signed import ReleaseRequest, SignedMessage, Withdraw


class CreditsDesk(VenueCore):
    # --- credits and releases ------------------------------------------------------------

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
        acct = self.addr(account)
        c = admit(
            self.config,
            self.registry,
            self.verifier,
            acct,
            proof,
            public,
            now,
            (source_chain_id, vault),
            self.is_credited,
        )
        with self.event("credit", now, {"account": acct, "lock": list(map(str, c.key))}):
            self.ensure_account(acct)
            if self.store.credit_row(*c.key) is not None or self.is_credited(c.key):
                raise E.LockAlreadyCreditedError(f"lock {c.key} was already credited")
            self.store.add_credit(credit_to_row(c))
            self.credits[c.key] = c
            self.credits_of.setdefault(acct, []).append(c.key)
        return c

    def is_credited(self, key: CreditKey) -> bool:
        """The lock was credited (the portfolio room adds its locks: one key space)."""
        return key in self.credits

    def request_release(self, signed: SignedMessage, *, now: int) -> OutboxEntry:
        """A signed Release for the lock, when the account meets IM (with its open orders)
        without it and the venue is not reduce-only."""
        msg = self.accept_signed(signed, ReleaseRequest, now)
        assert isinstance(msg, ReleaseRequest)
        key = (msg.source_chain_id, msg.vault, msg.lock_id)
        if self.reduce_only(now):
            raise E.ReduceOnlyError("venue is reduce-only (relay latency): no releases")
        with self.event("release", now, {"account": msg.account, "lock": list(map(str, key))}):
            self.use_nonce(msg, now)
            c = self.credits.get(key)
            if c is None or c.account != msg.account or c.status != "active":
                raise E.UnknownCreditError(
                    f"account {msg.account} has no active credit for lock "
                    f"{key[0]}:{key[1]}:{key[2]}"
                )
            s = self.margin(msg.account, now=now, without=key)
            if not s.meets_im:
                raise E.InsufficientMarginError(
                    f"without lock {key[0]}:{key[1]}:{key[2]}, {msg.account}'s equity "
                    f"{e6(s.equity_e6)} is below initial "
                    f"margin {e6(s.im_e6, up=True)} (with open orders)"
                )
            self.set_credit(key, "released", 0)
            nonce = self.store.next_vault_nonce(key[0], key[1])
            deadline = now + self.config.liquidation.message_ttl_s
            return self.emit(Release(key[0], key[1], key[2], nonce, deadline), msg.account, 0, now)

    def get_credit(self, source_chain_id: int, vault: str, lock_id: int) -> Credit | None:
        return self.credits.get((source_chain_id, vault.lower(), lock_id))

    def set_credit(self, key: CreditKey, status: str, seized: int) -> None:
        self.store.set_credit_status(*key, status, seized)
        self.credits[key] = dataclasses.replace(
            self.credits[key], status=status, seized_amount=seized
        )

    def emit(self, msg: VaultMessage, account: str, expected_e6: int, now: int) -> OutboxEntry:
        sig = sign_message(self.signer, msg)
        i = self.store.add_outbox(msg.kind, msg.message(), sig, account, expected_e6, now)
        return OutboxEntry(i, msg, sig, now)

    def outbox(self, *, pending_only: bool = True) -> list[OutboxEntry]:
        out = []
        for i, kind, m, sig, _a, _e, at, sent, executed, _r in self.store.outbox(pending_only):
            raw = json.loads(m)
            vault = str(raw.pop("vault"))
            d = {k: int(v) for k, v in raw.items()}
            msg: VaultMessage = (
                Release(d["sourceChainId"], vault, d["lockId"], d["nonce"], d["deadline"])
                if kind == "Release"
                else Seize(
                    d["sourceChainId"],
                    vault,
                    d["lockId"],
                    d["amount"],
                    d["nonce"],
                    d["deadline"],
                )
            )
            out.append(OutboxEntry(i, msg, bytes.fromhex(sig), at, sent, executed))
        return out

    def mark_sent(self, entry_id: int, *, now: int) -> None:
        with self.event("sent", now, {"outbox": entry_id}):
            if not self.store.mark_outbox(entry_id, "sent_at", now):
                raise E.AccountError(f"outbox entry {entry_id} does not exist or was already sent")

    def collateral_value(self, account: str, now: int, without: CreditKey | None = None) -> int:
        total = 0
        for key in self.credits_of.get(account, ()):
            c = self.credits[key]
            if key == without or not c.counts_at(now):
                continue
            asset = self.config.asset(c.source_chain_id, c.asset_id)
            price = self.asset_prices.get((c.source_chain_id, c.asset_id), (0, 0))[0]
            if asset is None or price <= 0:
                continue
            h = haircut_bps(
                asset,
                self.latency_s(c.source_chain_id, c.vault, now),
                self.config.latency.haircut_z,
            )
            total += value_e6(c.threshold, price, asset.decimals, h)
        return total

    def latency_s(self, source_chain_id: int, vault: str, now: int) -> int:
        """L for haircuts: the configured settlement time or the observed relay latency, the
        larger."""
        configured = self.config.latency.config_latency_s(source_chain_id)
        return max(configured, self._observed(source_chain_id, vault, now))

    def reduce_only(self, now: int) -> bool:
        """The relay breaker: no new risk while attestations are later than breaker_latency_s."""
        lat = self.config.latency
        return any(
            self._observed(chain, vault, now) > lat.breaker_latency_s
            for chain, vault in self.config.vaults
        )

    def _observed(self, chain: int, vault: str, now: int) -> int:
        """The observed relay latency of (chain, vault) at `now` (0 with no observation),
        remembered per clock second until the next attestation."""
        key = (chain, vault, now)
        got = self._latency.get(key)
        if got is None:
            lat = self.config.latency
            obs = self.registry.observed_latency_s(
                chain,
                vault,
                now=now,
                window_s=lat.latency_window_s,
                interval_s=lat.attestation_interval_s,
            )
            if len(self._latency) > 4096:
                self._latency.clear()
            got = self._latency[key] = obs or 0
        return got

    def haircut_bps(self, source_chain_id: int, vault: str, asset_id: int, now: int) -> int:
        asset = self.config.asset(source_chain_id, asset_id)
        if asset is None:
            raise E.UnknownAssetError(f"asset {asset_id:#042x} on chain {source_chain_id}")
        return haircut_bps(
            asset, self.latency_s(source_chain_id, vault, now), self.config.latency.haircut_z
        )

    def withdraw(self, signed: SignedMessage, *, now: int) -> MarginSummary:
        msg = self.accept_signed(signed, Withdraw, now)
        assert isinstance(msg, Withdraw)
        acct = msg.account
        positive(msg.amount_e6, "withdraw amountE6")
        with self.event("withdraw", now, {"account": acct, "amount_e6": str(msg.amount_e6)}):
            self.use_nonce(msg, now)
            if msg.amount_e6 > self.ledger.cash.get(acct, 0):
                raise E.InsufficientCashError(
                    f"withdrawal of {e6(msg.amount_e6, up=True)} exceeds {acct}'s cash "
                    f"{e6(self.ledger.cash.get(acct, 0))}"
                )
            self.ledger.transfer(acct, WITHDRAWALS, msg.amount_e6, "withdrawal")
            s = self.margin(acct, now=now)
            if not s.meets_im:
                raise E.InsufficientMarginError(
                    f"after withdrawing, {acct}'s equity {e6(s.equity_e6)} would be below initial "
                    f"margin {e6(s.im_e6, up=True)} (with open orders)"
                )
        return s

    def set_margin_mode(self, account: str, mode: str, *, now: int) -> MarginSummary:
        """Standard or portfolio margin for ``account``: refused if the account would not meet
        initial margin (with its open orders) under the new mode."""
        acct = self.addr(account)
        if mode not in ("standard", "portfolio"):
            raise E.AccountError(f"margin mode {mode!r} is not 'standard' or 'portfolio'")
        if acct not in self.modes:
            raise E.AccountError(f"account {acct} does not exist")
        with self.event("mode", now, {"account": acct, "mode": mode}):
            self.modes[acct] = mode
            self.ledger.dirty_cash.add(acct)  # the account row carries the mode
            s = self.margin(acct, now=now)
            if not s.meets_im:
                raise E.InsufficientMarginError(
                    f"{acct}: equity {e6(s.equity_e6)} would be below {mode} initial margin "
                    f"{e6(s.im_e6, up=True)}"
                )
        return s
