"""Optimistic credit (docs/protocol.md s.9): a lock the committee reports from the source
vault's events, before its root is attested, counts provisionally until its proof arrives.

- A report counts only with ``threshold`` signatures of distinct members of the current
  committee (the root registry's own check); an unsigned or under-signed report is refused and
  worth nothing. It names a served vault, this chain as destination, a listed asset, a non-zero
  amount and an expiry beyond the liquidation window; each lock is reported once, and never
  after its proof was credited.
- Its value is ``amount * price * (1 - haircut - extra_haircut)``, counted until the
  verification deadline (report time + ``verification_window_s``) and never past
  ``expiry - liquidation_window``. The counted value is capped per account
  (``max_account_e6``) and over the venue at ``fund_fraction_bps`` of the insurance fund's
  cash, reports taking the room in the order they arrived: beyond the cap an account trades
  only what its other collateral margins, or reduces risk.
- It never backs a ``Release`` nor a cash withdrawal: both are checked with final collateral
  only. It is never seized (nothing proves the lock yet).
- When the lock's proof is credited, the report is resolved in the same transaction: confirmed
  (the final credit replaces it; the report stops counting, so the lock is never counted twice)
  or contradicted (the proven lock belongs to another account or asset: the lock id was reused
  after a reorg). A report whose deadline passes without a proof lapses
  (:meth:`ProvisionalDesk.resolve_reports`, the keeper's call); every account that lost a
  provisional credit is margin-checked at once and liquidated if below maintenance. The
  insurance fund pays what such a liquidation cannot: at most the capped value that counted,
  beyond the account's own losses.
- A report whose source block left the chain (:meth:`ProvisionalDesk.reports_reorged`, told by
  ``margin sync`` reading its own node) stops counting at once (``reorged``); a report of the
  same lock from the new chain may take its place, with the first one's deadline.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from zkcollat.attest.lock_report import LockReport, SignedLockReport
from zkcollat.groth16.keys import Proof
from zkcollat.margin import errors as E
from zkcollat.margin.collateral import Credit, CreditKey, value_e6
from zkcollat.margin.config import BPS
from zkcollat.margin.liquidation import LiquidationReport
from zkcollat.margin.provisional_credit import ProvisionalCredit, from_row, to_row
from zkcollat.margin.risk import MarginSummary
from zkcollat.margin.settlement import SettlementDesk
from zkcollat.margin.signed import SignedMessage


@dataclass
class ReportsOutcome:
    """What :meth:`ProvisionalDesk.resolve_reports` did."""

    resolved: list[ProvisionalCredit]
    liquidations: list[LiquidationReport]

    def to_json(self) -> dict[str, Any]:
        return {
            "resolved": [p.to_json() for p in self.resolved],
            "liquidations": [r.to_json() for r in self.liquidations],
        }


class ProvisionalDesk(SettlementDesk):
    _final_only = False

    def _load(self) -> None:
        super()._load()
        self.provisional: dict[CreditKey, ProvisionalCredit] = {}
        self.provisional_of: dict[str, list[CreditKey]] = {}
        for row in self.store.load_provisional():
            self._keep(from_row(row))

    def _keep(self, p: ProvisionalCredit) -> None:
        if p.key not in self.provisional:
            self.provisional_of.setdefault(p.account, []).append(p.key)
        self.provisional[p.key] = p

    # --- reports in ----------------------------------------------------------------------

    def report_lock(self, signed: SignedLockReport, *, now: int) -> ProvisionalCredit:
        """Accept a committee lock report as provisional credit of its owner (the rules of
        the module docstring, each refusal naming its rule)."""
        if not isinstance(signed, SignedLockReport):
            raise E.LockReportError(f"expected a SignedLockReport, got {type(signed).__name__}")
        rep = signed.report
        reg = self.registry.config
        if signed.domain != reg.domain:
            raise E.ReportDomainError(
                f"lock report signed for chainId={signed.domain.chain_id} verifyingContract="
                f"{signed.domain.verifying_contract}; this venue's committee signs for chainId="
                f"{reg.chain_id} verifyingContract={reg.address}"
            )
        valid_until = self.check_report(rep, now=now)
        key = rep.key
        digest = rep.digest(reg.domain)
        detail = {"account": rep.owner, "lock": list(map(str, key))}
        with self.event("lock-report", now, detail):
            if self.is_credited(key) or self.store.credit_row(*key) is not None:
                raise E.LockAlreadyCreditedError(
                    f"lock {key[0]}:{key[1]}:{key[2]} is credited already: nothing to report"
                )
            old = self.provisional.get(key)  # the memory is the store's (reloaded by the event)
            if old is not None and old.status != "reorged":
                raise E.ReportedAlreadyError(
                    f"lock {key[0]}:{key[1]}:{key[2]} was reported already (each lock once)"
                )
            _, signers = self.registry.check_signers(digest, signed.signatures)
            self.ensure_account(rep.owner)
            first = now if old is None else old.reported_at  # a reorg never extends the window
            p = ProvisionalCredit(
                rep.source_chain_id,
                rep.vault,
                rep.lock_id,
                rep.owner,
                int(rep.asset_id, 16),
                rep.amount,
                rep.expiry,
                rep.block_number,
                rep.block_hash,
                first,
                first + self.config.provisional.verification_window_s,
                valid_until,
                tuple(signers),
            )
            self.store.add_provisional(to_row(p))  # replaces a reorged one: last in line
            if old is not None:  # its account may differ (the lock id reused on the new chain)
                self.provisional_of[old.account].remove(self.provisional.pop(key).key)
            self._keep(p)
        return p

    def check_report(self, rep: LockReport, *, now: int) -> int:
        """The rules a report's fields must meet, checked before anyone signs it (a served
        vault, this chain as destination, a listed asset, amount > 0, expiry beyond the
        liquidation window, a lock not credited yet); returns the time it could count until
        (``expiry - liquidation_window``)."""
        if (rep.source_chain_id, rep.vault) not in self.config.vaults:
            raise E.LockReportError(
                f"lock report for vault {rep.vault} on source chain {rep.source_chain_id}: "
                "this venue does not serve that vault"
            )
        if rep.dest_chain_id != self.config.chain_id:
            raise E.WrongDestinationError(
                f"reported lock's destChainId = {rep.dest_chain_id}; this venue is chain "
                f"{self.config.chain_id}"
            )
        asset_id = int(rep.asset_id, 16)
        if self.config.asset(rep.source_chain_id, asset_id) is None:
            raise E.UnknownAssetError(
                f"reported assetId {rep.asset_id} on source chain {rep.source_chain_id} is not "
                "a listed collateral"
            )
        if rep.amount == 0:
            raise E.ZeroThresholdError(f"lock {rep.lock_id}: reported amount is 0")
        window = self.config.liquidation.liquidation_window_s
        if rep.expiry - window <= now:
            raise E.ExpiryTooSoonError(
                f"reported expiry = {rep.expiry} leaves {rep.expiry - now}s; the liquidation "
                f"window needs more than {window}s"
            )
        if self.is_credited(rep.key):
            raise E.LockAlreadyCreditedError(
                f"lock {':'.join(map(str, rep.key))} is credited already: nothing to report"
            )
        return rep.expiry - window

    # --- value ---------------------------------------------------------------------------

    def provisional_full_value(self, p: ProvisionalCredit, now: int) -> int:
        """The report's value before the caps: amount at price, less the credit haircut and
        the extra provisional haircut (0 without a price)."""
        asset = self.config.asset(p.source_chain_id, p.asset_id)
        price = self.asset_prices.get((p.source_chain_id, p.asset_id), (0, 0))[0]
        if asset is None or price <= 0:
            return 0
        h = self.haircut_bps(p.source_chain_id, p.vault, p.asset_id, now)
        h = min(BPS, h + self.config.provisional.extra_haircut_bps)
        return value_e6(p.amount, price, asset.decimals, h)

    def provisional_values(self, now: int) -> dict[CreditKey, int]:
        """Counted value of every report that counts now, after both caps (reports in arrival
        order take the room first). A report whose lock has a final credit counts nothing."""
        cfg = self.config.provisional
        room = cfg.fund_fraction_bps * max(0, self.insurance_fund_e6()) // BPS
        used: dict[str, int] = {}
        out: dict[CreditKey, int] = {}
        for key, p in self.provisional.items():
            if not p.counts_at(now) or self.is_credited(key):  # singly or in a portfolio
                continue
            take = min(
                self.provisional_full_value(p, now),
                cfg.max_account_e6 - used.get(p.account, 0),
                room,
            )
            take = max(0, take)
            used[p.account] = used.get(p.account, 0) + take
            room -= take
            out[key] = take
        return out

    def provisional_exposure_e6(self, now: int) -> int:
        """What all reports count for now: the insurance fund's exposure to them."""
        return sum(self.provisional_values(now).values())

    def collateral_value(self, account: str, now: int, without: CreditKey | None = None) -> int:
        total = super().collateral_value(account, now, without)
        if self._final_only:
            return total
        mine = self.provisional_of.get(account, ())
        if not any(self.provisional[k].counts_at(now) for k in mine):
            return total
        vals = self.provisional_values(now)
        return total + sum(vals.get(k, 0) for k in mine if k != without)

    @contextmanager
    def final_collateral_only(self) -> Iterator[None]:
        """Margin inside counts proven credits only (what backs a withdrawal or a release)."""
        before = self._final_only
        self._final_only = True
        try:
            yield
        finally:
            self._final_only = before

    def margin_final(self, account: str, *, now: int) -> MarginSummary:
        with self.final_collateral_only():
            return self.margin(account, now=now)

    def withdraw(self, signed: SignedMessage, *, now: int) -> MarginSummary:
        """A cash withdrawal, checked without provisional credit."""
        with self.final_collateral_only():
            return super().withdraw(signed, now=now)

    def request_release(self, signed: SignedMessage, *, now: int) -> Any:
        """A release, checked without provisional credit."""
        with self.final_collateral_only():
            return super().request_release(signed, now=now)

    def request_portfolio_release(self, signed: SignedMessage, *, now: int) -> Any:
        with self.final_collateral_only():
            return super().request_portfolio_release(signed, now=now)

    # --- resolution ----------------------------------------------------------------------

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
        """A proven credit; a report of the same lock is resolved in the same transaction (the
        final credit replaces it). A contradicted report's account is margin-checked after."""
        p: ProvisionalCredit | None = None
        try:
            with self.store.event():
                c = super().credit(
                    account, proof, public, now=now, source_chain_id=source_chain_id, vault=vault
                )
                p = self.provisional.get(c.key)
                if p is not None and p.status == "active":
                    with self.event("report-resolved", now, {"lock": list(map(str, c.key))}):
                        p = self._resolve(p, now)
        except BaseException:
            self._load()
            raise
        if p is not None and p.status == "contradicted":
            self._check_account(p.account, now)
        return c

    def _resolve(self, p: ProvisionalCredit, now: int) -> ProvisionalCredit:
        """Inside an event: the report's status once its lock has a final credit or its time
        is up."""
        c = self.credits.get(p.key)
        pf = self.portfolio_of_lock(*p.key)  # a portfolio proves the lock, among its assets
        if c is not None or pf is not None:
            if c is not None:
                same = c.account == p.account and c.asset_id == p.asset_id
            else:
                same = pf is not None and pf.account == p.account and p.asset_id in pf.assets
            status = "confirmed" if same else "contradicted"
        else:
            status = "lapsed"
        self.store.set_provisional_status(p.key, status, now)
        q = replace(p, status=status, resolved_at=now)
        self._keep(q)
        return q

    def resolve_reports(self, *, now: int) -> ReportsOutcome:
        """The keeper's pass: every active report whose lock got a final credit is resolved,
        every one past its deadline (or its lock's validity) lapses; each account that lost a
        report is margin-checked at once and liquidated if below maintenance margin."""
        due = [
            p
            for k, p in self.provisional.items()
            if p.status == "active" and (self.is_credited(k) or not p.counts_at(now))
        ]
        done: list[ProvisionalCredit] = []
        if due:
            with self.event("reports", now) as det:
                done = [self._resolve(p, now) for p in due]
                det["resolved"] = [[*map(str, p.key), p.status] for p in done]
        lost = [p.account for p in done if p.status != "confirmed"]
        return ReportsOutcome(done, self.check_accounts(lost, now=now))

    def reports_reorged(self, keys: Sequence[CreditKey], *, now: int) -> list[ProvisionalCredit]:
        """Active reports of ``keys`` stop counting (``reorged``: their source block is no
        longer on the chain). The caller margin-checks their accounts (:meth:`check_accounts`)
        once the new chain's reports are in."""
        due = [self.provisional[k] for k in keys if k in self.provisional]
        due = [p for p in due if p.status == "active"]
        if not due:
            return []
        with self.event("reports-reorged", now) as det:
            for p in due:
                self.store.set_provisional_status(p.key, "reorged", now)
                self._keep(replace(p, status="reorged", resolved_at=now))
            det["reorged"] = [list(map(str, p.key)) for p in due]
        return [self.provisional[p.key] for p in due]

    def check_accounts(self, accounts: Sequence[str], *, now: int) -> list[LiquidationReport]:
        """Each account margin-checked at once, liquidated if below maintenance margin."""
        out = [self._check_account(a, now) for a in sorted(set(accounts))]
        return [r for r in out if r is not None]

    def _check_account(self, account: str, now: int) -> LiquidationReport | None:
        if self.margin(account, now=now).meets_mm:
            return None
        return self.liquidate(account, now=now)

    def reports_of(self, account: str) -> list[ProvisionalCredit]:
        return [self.provisional[k] for k in self.provisional_of.get(account, ())]


__all__ = ["ProvisionalCredit", "ProvisionalDesk", "ReportsOutcome"]
