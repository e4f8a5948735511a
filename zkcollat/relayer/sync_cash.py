"""Quote cash between the venue and the credit contract, for :class:`~zkcollat.relayer.
venue_sync.VenueSync`: ``CashDeposited`` events booked as deposits, and the withdrawals the venue
booked approved on chain (``approveWithdrawal``).

A deposit is recorded as pending in the sync store with the cursor move (one transaction: none
is lost), then, once that range is committed, as intended before the venue books it and as done
after; an intended deposit found on restart (the sync stopped while booking it: booked or not,
only the venue's journal can tell) raises an alarm instead of being booked a second time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from web3 import Web3

from zkcollat.chain.client import LogRef
from zkcollat.chain.sender import Call, TxSender
from zkcollat.db import Store
from zkcollat.margin.ledger import WITHDRAWALS
from zkcollat.margin.venue import Venue
from zkcollat.relayer.sync_report import SyncError, SyncReport


class CashSync:
    def __init__(
        self,
        venue: Venue,
        db: Store,
        credit: Any,
        sender: TxSender,
        credit_address: str,
        block_time: Callable[[int], int],
    ) -> None:
        """``block_time(n)``: the time of the execution chain's block ``n``."""
        self.venue, self.db, self.credit = venue, db, credit
        self.sender, self.credit_address, self.block_time = sender, credit_address, block_time

    # --- deposits ------------------------------------------------------------------------------

    def check_intents(self) -> None:
        with self.db.read() as c:
            rows = c.execute(
                "SELECT tx, log_index, account, amount FROM sync_deposit WHERE state = 'intended'"
            ).fetchall()
        if rows:
            raise SyncError(
                f"deposit(s) {rows} were being booked when the sync stopped: check the venue's "
                "journal and mark them done in the sync store before syncing again"
            )

    def deposited(self, lg: LogRef, a: dict[str, Any]) -> None:
        """Inside the range's transaction: the deposit is pending (booked once it commits)."""
        chain_id, block, tx, log_index = lg.key
        with self.db.write() as c:
            c.execute(
                "INSERT OR IGNORE INTO sync_deposit VALUES (?, ?, ?, ?, ?, ?, 'pending')",
                (chain_id, block, tx, log_index, str(a["account"]).lower(), str(int(a["amount"]))),
            )

    def book_deposits(self, report: SyncReport) -> None:
        """Book every pending deposit: intended (committed), the venue books it, done."""
        with self.db.read() as c:
            rows = c.execute(
                "SELECT chain_id, block, tx, log_index, account, amount FROM sync_deposit "
                "WHERE state = 'pending' ORDER BY block, log_index"
            ).fetchall()
        for chain_id, block, tx, log_index, account, amount in rows:
            key = (chain_id, block, tx, log_index)
            where = "WHERE chain_id = ? AND block = ? AND tx = ? AND log_index = ?"
            with self.db.write() as c:
                c.execute(f"UPDATE sync_deposit SET state = 'intended' {where}", key)
            # the venue learns the deposit at the time of its block
            self.venue.deposit(account, int(amount), now=self.block_time(block))
            with self.db.write() as c:
                c.execute(f"UPDATE sync_deposit SET state = 'done' {where}", key)
            report.deposits += 1

    # --- withdrawals ---------------------------------------------------------------------------

    def send_withdrawals(self, report: SyncReport) -> None:
        """Deliver the venue's cash withdrawals through ``approveWithdrawal``.

        The contract *sets* an account's allowance (``withdrawCash`` lowers it), so a new
        allowance sent while the account could still withdraw under the old one would race
        with that withdrawal and could approve the same cash twice. An allowance is therefore
        sent only while the chain's is zero (only the settlement account can raise it, and
        nothing can be withdrawn at zero): it approves everything the venue booked since the
        last one. Each is recorded as intended (from, to) before it is sent, keyed by
        (account, from), so a restart resumes the same transaction and never approves twice.
        """
        where = "WHERE account = ? AND from_e6 = ?"
        with self.db.read() as c:
            open_rows = c.execute(
                "SELECT account, from_e6, to_e6 FROM sync_withdrawal WHERE state = 'intended'"
            ).fetchall()
        for account, from_e6, to_e6 in open_rows:
            self._approve(str(account), int(from_e6), int(to_e6), report)
            with self.db.write() as c:
                c.execute(f"UPDATE sync_withdrawal SET state = 'done' {where}", (account, from_e6))
        booked = self.venue.store.paid_to(WITHDRAWALS)
        for account in sorted(booked):
            with self.db.read() as c:
                row = c.execute(
                    "SELECT MAX(CAST(to_e6 AS INTEGER)) FROM sync_withdrawal WHERE account = ?",
                    (account,),
                ).fetchone()
            delivered = 0 if row[0] is None else int(row[0])
            total = booked[account]
            if total < delivered:
                raise SyncError(
                    f"{account}: the venue booked {total} of withdrawals but {delivered} were "
                    "approved on chain"
                )
            if total == delivered:
                continue
            outstanding = int(
                self.credit.functions.approvedWithdrawal(Web3.to_checksum_address(account)).call()
            )
            if outstanding:
                report.withdrawals_waiting.append(account)
                continue
            with self.db.write() as c:
                c.execute(
                    "INSERT INTO sync_withdrawal VALUES (?, ?, ?, 'intended')",
                    (account, str(delivered), str(total)),
                )
            self._approve(account, delivered, total, report)
            with self.db.write() as c:
                c.execute(
                    f"UPDATE sync_withdrawal SET state = 'done' {where}", (account, str(delivered))
                )

    def _approve(self, account: str, from_e6: int, to_e6: int, report: SyncReport) -> None:
        fn = self.credit.functions.approveWithdrawal(
            Web3.to_checksum_address(account), to_e6 - from_e6
        )
        data = bytes.fromhex(fn._encode_transaction_data()[2:])
        rec = self.sender.wait(
            self.sender.submit(
                "approveWithdrawal", f"{account}:{from_e6}", Call(self.credit_address, data)
            )
        )
        report.withdrawals.append(rec.hash_hex)
