"""The venue's Release/Seize messages on their way to the source vault, for
:class:`~zkcollat.relayer.venue_sync.VenueSync`.

- Out: each unsent message of the venue's outbox goes through the credit contract
  (``markReleased``/``markSeized`` from the venue's settlement account, journaled, keyed by the
  outbox entry; a portfolio's through :mod:`~zkcollat.relayer.portfolio_sync`), then is marked
  sent; the committee attests the contract's event, not the venue's own signature.
- Back: the source vault read at its confirmation depth. A ``Seized`` lock books the value of
  what was paid (paid units at the venue's asset price, rounded down) with
  ``venue.seize_executed``; for a lock of a portfolio credit, the paid units and the lock's token
  as the vault has it (``getLock``) go to ``venue.seize_executed_units``, which books them and
  asks for the next lock. A ``Released`` lock marks its Release executed.
- Again: a sent message that did not execute before its deadline passed on the source chain is
  issued again by the venue (a fresh nonce and deadline) and sent through ``reissueSeize``/
  ``reissueRelease`` (or their portfolio forms), keyed by its nonce.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from web3 import Web3

from zkcollat.chain.client import BlockRef, LogRef
from zkcollat.chain.sender import Call, TxSender
from zkcollat.margin.messages import Release, Seize
from zkcollat.margin.venue import Venue
from zkcollat.relayer.config import RelayConfig
from zkcollat.relayer.contracts import decode
from zkcollat.relayer.portfolio_sync import PortfolioSync
from zkcollat.relayer.sync_report import SyncError, SyncReport

#: CollateralCredit.CreditStatus: Released, Seized
CREDIT_RELEASED = 2
CREDIT_SEIZED = 3


class MessageSync:
    def __init__(
        self,
        venue: Venue,
        cfg: RelayConfig,
        credit: Any,
        vault: Any,
        sender: TxSender,
        portfolios: PortfolioSync,
        *,
        processed: Callable[[], int],
        source_time: Callable[[int], int],
    ) -> None:
        """``processed()``: the last source block read at confirmation depth (-1: none yet);
        ``source_time(n)``: the time of the source chain's block ``n``."""
        self.venue, self.cfg, self.credit, self.vault = venue, cfg, credit, vault
        self.sender, self.portfolios = sender, portfolios
        self.processed, self.source_time = processed, source_time

    # --- out -------------------------------------------------------------------------------

    def send_outbox(self, now: int, report: SyncReport) -> None:
        report.sent += self.portfolios.report_executed()  # before a portfolio's next Seize
        unsent = [e for e in self.venue.outbox(pending_only=True) if e.sent_at is None]
        sent, carried = self.portfolios.send(unsent, now)
        for entry_id in sorted(carried):
            self.venue.mark_sent(entry_id, now=now)
        report.sent += sent + self.portfolios.close_finished()
        for entry in unsent:
            m = entry.message
            if self.venue.portfolio_of_lock(m.source_chain_id, m.vault, m.lock_id) is not None:
                continue
            f = self.credit.functions
            vault = Web3.to_checksum_address(m.vault)
            kind, key = f"mark{m.kind}", f"outbox:{entry.id}"
            status = self._credit_status(m.source_chain_id, vault, m.lock_id)
            if isinstance(m, Release) and status == CREDIT_RELEASED:
                # a re-issue (its first Release expired unexecuted): a fresh nonce on chain too
                fn = f.reissueRelease(m.source_chain_id, vault, m.lock_id, m.deadline)
                kind, key = "reissueRelease", f"reissue:{entry.id}:{m.nonce}"
            elif isinstance(m, Release):
                fn = f.markReleased(m.source_chain_id, vault, m.lock_id, m.deadline)
            elif status == CREDIT_SEIZED:
                # a re-issue (its first Seize expired unexecuted): a fresh nonce on chain too
                fn = f.reissueSeize(m.source_chain_id, vault, m.lock_id, m.amount, m.deadline)
                kind, key = "reissueSeize", f"reissue:{entry.id}:{m.nonce}"
            else:
                fn = f.markSeized(m.source_chain_id, vault, m.lock_id, m.amount, m.deadline)
            data = bytes.fromhex(fn._encode_transaction_data()[2:])
            rec = self.sender.wait(self.sender.submit(kind, key, Call(self.cfg.credit, data)))
            self.venue.mark_sent(entry.id, now=now)
            report.sent.append(rec.hash_hex)

    def _credit_status(self, chain: int, vault: str, lock_id: int) -> int:
        key = self.credit.functions.creditKey(chain, vault, lock_id).call()
        return int(self.credit.functions.credits(key).call()[2])

    # --- again -----------------------------------------------------------------------------

    def reissue_expired(self, now: int, report: SyncReport) -> None:
        """Issue again each sent, unexecuted Seize or Release whose deadline has passed on the
        source chain: the time of the last source block read (at confirmation depth, every
        ``Seized`` and ``Released`` up to it booked) is after the deadline, so the old message
        can never execute (the vault checks its deadline against that chain's clock)."""
        processed = self.processed()
        if processed < 0:
            return
        source_time = self.source_time(processed)
        for entry in self.venue.outbox(pending_only=False):
            m = entry.message
            if entry.executed_at is not None:
                continue
            if entry.sent_at is None or m.deadline >= source_time:
                continue
            if (m.source_chain_id, m.vault) != (self.cfg.source.chain_id, self.cfg.vault):
                continue
            if isinstance(m, Seize):
                self.venue.reissue_seize(entry.id, source_time=source_time, now=now)
                report.reissued += 1
            else:
                self.venue.reissue_release(entry.id, source_time=source_time, now=now)
                report.releases_reissued += 1

    # --- back ------------------------------------------------------------------------------

    def on_source(self, logs: list[LogRef], _end: BlockRef, now: int, report: SyncReport) -> None:
        for lg in logs:
            ev = decode(self.vault, lg)
            if ev is not None and ev[0] == "Released":
                self._released(int(ev[1]["lockId"]), now)
            if ev is None or ev[0] != "Seized":
                continue
            a = ev[1]
            lock_id, paid = int(a["lockId"]), int(a["paid"])
            for entry in self.venue.outbox(pending_only=False):
                m = entry.message
                if m.kind != "Seize" or m.lock_id != lock_id:
                    continue
                if (m.source_chain_id, m.vault) != (self.cfg.source.chain_id, self.cfg.vault):
                    continue
                p = self.venue.portfolio_of_lock(m.source_chain_id, m.vault, lock_id)
                if p is not None:  # the contract is told what was paid, replays included
                    self.portfolios.seized(entry, p, paid)
                if entry.executed_at is not None:
                    continue
                if p is None:
                    self.venue.seize_executed(entry.id, self._value_e6(m, paid, now), now=now)
                else:  # a portfolio lock: the paid units of the lock's token, as the vault has it
                    token = self.vault.functions.getLock(lock_id).call()[1]
                    self.venue.seize_executed_units(entry.id, paid, int(token, 16), now=now)
                report.seizes_booked += 1

    def _released(self, lock_id: int, now: int) -> None:
        """The vault executed a Release of ``lock_id``: its outbox entry is marked executed
        (nothing to issue again); replays change nothing."""
        here = (self.cfg.source.chain_id, self.cfg.vault)
        for entry in self.venue.outbox(pending_only=False):
            m = entry.message
            if not isinstance(m, Release) or m.lock_id != lock_id or entry.executed_at is not None:
                continue
            if (m.source_chain_id, m.vault) == here:
                self.venue.release_executed(entry.id, now=now)

    def _value_e6(self, m: Any, paid: int, now: int) -> int:
        """Paid units at the venue's price of the asset, rounded down (against the account)."""
        credit = self.venue.get_credit(m.source_chain_id, m.vault, m.lock_id)
        if credit is None:
            raise SyncError(f"seized lock {m.lock_id} has no credit in the venue")
        asset = self.venue.config.asset(m.source_chain_id, credit.asset_id)
        price = self.venue.asset_prices.get((m.source_chain_id, credit.asset_id), (0, 0))[0]
        if asset is None or price <= 0:
            raise SyncError(f"no price for the asset of lock {m.lock_id}")
        return int(paid * price * 10**6 // (10**8 * 10**asset.decimals))
