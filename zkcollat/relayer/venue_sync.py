"""The venue on chain: ``zkcollat margin sync``, between the Python venue and the contracts.

The venue (``zkcollat.margin``) keeps its own books; the execution chain is where money and
credits are. One pass of :class:`VenueSync`:

- follows the execution chain at its confirmation depth: each ``RootAccepted`` is replayed into
  the venue's registry with the attestation and signatures read from the ``submitRoot``
  transaction (the venue checks the committee again and measures the relay latency that drives
  its haircut and its breaker); each ``Credited`` is replayed into ``venue.credit`` with the
  proof and public inputs read from the ``credit`` transaction (the venue verifies the proof
  again); each ``CashDeposited`` becomes ``venue.deposit``;
- sends each Release/Seize of the venue's outbox through the credit contract
  (``markReleased``/``markSeized`` from the venue's settlement account, journaled, keyed by the
  outbox entry), then marks it sent; the committee attests the contract's event, not the venue's
  own signature;
- approves the cash withdrawals the venue booked (``approveWithdrawal`` from the settlement
  account; the account then calls ``withdrawCash``), one allowance at a time (see
  :meth:`VenueSync._send_withdrawals`);
- follows the source vault at the report depth (a second cursor on the source chain, stream
  ``reports``) and has the members sign a lock report for each new ``Locked`` log, which the
  venue takes as provisional credit (:mod:`zkcollat.relayer.report_stream`; only while the
  venue's provisional credit is on), then runs the keeper's ``resolve_reports``: reports whose
  proof was credited become final, those past their deadline lapse and their accounts are
  margin-checked and liquidated if below maintenance (the seizes go out in the same pass);
- follows the source vault at its depth: a ``Seized`` lock books the value of what was paid
  (paid units at the venue's asset price, rounded down) with ``venue.seize_executed``; for a
  lock of a portfolio credit, the paid units and the lock's token as the vault has it
  (``getLock``) go to ``venue.seize_executed_units``, which books them and asks for the next
  lock;
- portfolio credits (``PortfolioCredited``, the contract's ``markPortfolio*`` functions, the
  executed amounts reported back to the contract): :mod:`zkcollat.relayer.portfolio_sync`.

Replays are harmless: roots and credits are checked against the venue's state first. A deposit
is recorded as pending in the sync store with the cursor move (one transaction: none is lost),
then, once that range is committed, as intended before the venue books it and as done after; an
intended deposit found on restart (the sync stopped while booking it: booked or not, only the
venue's journal can tell) raises an alarm instead of being booked a second time.

The sync store is a :mod:`zkcollat.db` store of its own kind ("zkcollat venue sync store").
"""

from __future__ import annotations

import dataclasses
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from web3 import Web3

from zkcollat.attest.attestation import RootAttestation, SignedAttestation, zkcollat_domain
from zkcollat.chain.client import BlockRef, ChainClient, LogRef
from zkcollat.chain.errors import ChainError
from zkcollat.chain.follow import Follower
from zkcollat.chain.journal import ChainJournal, journal_schema
from zkcollat.chain.sender import Call, TxSender
from zkcollat.db import open_store
from zkcollat.margin.ledger import WITHDRAWALS
from zkcollat.margin.messages import Release, Seize
from zkcollat.margin.venue import Venue
from zkcollat.relayer.collect import Asker, ask_http
from zkcollat.relayer.config import RelayConfig
from zkcollat.relayer.contracts import contract, decode
from zkcollat.relayer.portfolio_sync import PortfolioSync, proof_json
from zkcollat.relayer.report_stream import TABLE as REPORT_TABLE
from zkcollat.relayer.report_stream import V2_COLUMNS as REPORT_V2_COLUMNS
from zkcollat.relayer.report_stream import ReportStream

_DEPOSITS = """CREATE TABLE IF NOT EXISTS sync_deposit (
    chain_id INTEGER NOT NULL,
    block INTEGER NOT NULL,
    tx TEXT NOT NULL,
    log_index INTEGER NOT NULL,
    account TEXT NOT NULL,
    amount TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'intended', 'done')),
    PRIMARY KEY (chain_id, block, tx, log_index)
)"""
_WITHDRAWALS = """CREATE TABLE IF NOT EXISTS sync_withdrawal (
    account TEXT NOT NULL,
    from_e6 TEXT NOT NULL,
    to_e6 TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('intended', 'done')),
    PRIMARY KEY (account, from_e6)
)"""
TABLES: tuple[str, ...] = (
    _DEPOSITS,
    "CREATE TABLE IF NOT EXISTS sync_alarm (id INTEGER PRIMARY KEY, at REAL, detail TEXT, "
    "kind TEXT NOT NULL DEFAULT 'alarm')",
    _WITHDRAWALS,
    REPORT_TABLE,
)

#: ``PRAGMA application_id`` of a venue sync store ("zkcS").
APPLICATION_ID = int.from_bytes(b"zkcS", "big")



def _v2_to_v3(conn: sqlite3.Connection) -> None:
    """Version 3: a lock report's attempts and next try, its ``failed`` state (the table is
    rebuilt for the new CHECK); an alarm's kind."""
    conn.execute("ALTER TABLE sync_report RENAME TO sync_report_v2")
    conn.execute(REPORT_TABLE)
    conn.execute(
        f"INSERT INTO sync_report ({REPORT_V2_COLUMNS}) SELECT {REPORT_V2_COLUMNS} "
        "FROM sync_report_v2"
    )
    conn.execute("DROP TABLE sync_report_v2")
    if "kind" not in {r[1] for r in conn.execute("PRAGMA table_info(sync_alarm)")}:
        conn.execute("ALTER TABLE sync_alarm ADD COLUMN kind TEXT NOT NULL DEFAULT 'alarm'")


_BASE = journal_schema(
    "zkcollat venue sync store",
    APPLICATION_ID,
    TABLES,
    frozenset({"sync_deposit"}),
    version=3,
    migrations={2: _v2_to_v3},
)


def _from_legacy(conn: sqlite3.Connection) -> None:
    """A file from before the store carried an id: its deposit states lacked 'pending'."""
    conn.execute("ALTER TABLE sync_deposit RENAME TO sync_deposit_v0")
    _BASE.create(conn)
    conn.execute("INSERT INTO sync_deposit SELECT * FROM sync_deposit_v0")
    conn.execute("DROP TABLE sync_deposit_v0")
    conn.execute(_WITHDRAWALS)


SCHEMA = dataclasses.replace(_BASE, migrations={**_BASE.migrations, 0: _from_legacy})


#: CollateralCredit.CreditStatus: Released, Seized
CREDIT_RELEASED = 2
CREDIT_SEIZED = 3


class SyncError(ChainError):
    """The venue and the chain disagree in a way a pass cannot settle: an operator must look."""


@dataclass
class SyncReport:
    roots: int = 0
    credits: int = 0
    deposits: int = 0
    sent: list[str] = field(default_factory=list)
    seizes_booked: int = 0
    #: portfolio credits replayed into the venue
    portfolios: int = 0
    #: Seizes and Releases issued again (their deadline passed on the source chain before they
    #: executed)
    reissued: int = 0
    releases_reissued: int = 0
    #: approveWithdrawal transactions sent (hashes) and accounts whose new withdrawals wait
    #: until their outstanding allowance is used
    withdrawals: list[str] = field(default_factory=list)
    withdrawals_waiting: list[str] = field(default_factory=list)
    #: lock reports: taken by the venue, stopped (their block left the chain), short of the
    #: threshold, refused (why); reports resolved by the keeper pass (lock: status) and the
    #: accounts liquidated after losing one
    reports: int = 0
    reports_reorged: int = 0
    reports_waiting: int = 0
    reports_refused: list[str] = field(default_factory=list)
    reports_resolved: list[str] = field(default_factory=list)
    liquidated: list[str] = field(default_factory=list)
    #: lock reports given up (after the retry policy's limit), all of them: tx:logIndex,
    #: attempts, last reason; those given up in this pass raised a ``report_failed`` alarm
    reports_failed: list[str] = field(default_factory=list)
    #: the sync store's alarms raised in this pass: (kind, detail)
    alarms: list[tuple[str, str]] = field(default_factory=list)


class VenueSync:
    def __init__(
        self,
        venue: Venue,
        cfg: RelayConfig,
        settlement: LocalAccount,
        store: Path,
        *,
        start_blocks: tuple[int, int] | None = None,
        ask: Asker = ask_http,
    ) -> None:
        """``start_blocks`` = (source, execution): where a venue that starts then begins to
        read (default: the configuration's start blocks)."""
        self.venue = venue
        self.cfg = cfg
        self.src = ChainClient(cfg.source.rpc, expected_chain_id=cfg.source.chain_id)
        self.exe = ChainClient(cfg.execution.rpc, expected_chain_id=cfg.execution.chain_id)
        self.db = open_store(store, SCHEMA, create=True)  # after the nodes answered
        self.journal = ChainJournal(self.db)
        self.sender = TxSender(self.exe, settlement, self.journal)
        self.registry = contract(self.exe.w3, "RootRegistry", cfg.registry, cfg.artifacts)
        self.credit = contract(self.exe.w3, "CollateralCredit", cfg.credit, cfg.artifacts)
        self.vault = contract(self.src.w3, "CollateralVault", cfg.vault, cfg.artifacts)
        src_start, exe_start = (
            (cfg.source.start_block, cfg.execution.start_block)
            if start_blocks is None
            else start_blocks
        )
        self.exe_follow = Follower(
            self.exe,
            self.journal,
            [cfg.registry, cfg.credit],
            depth=cfg.execution.confirmations,
            start_block=exe_start,
        )
        self.src_follow = Follower(
            self.src,
            self.journal,
            [cfg.vault],
            depth=cfg.source.confirmations,
            start_block=src_start,
        )
        self.domain = zkcollat_domain(cfg.execution.chain_id, cfg.registry)
        self.portfolios = PortfolioSync(
            venue, self.db, self.credit, self.vault, self.sender, cfg.credit, self._tx_input
        )
        self._report = SyncReport()
        on = venue.config.provisional.fund_fraction_bps > 0 and bool(cfg.members)
        self.reports = (
            ReportStream(
                venue,
                cfg,
                self.src,
                self.vault,
                self.db,
                self.journal,
                ask,
                self.domain,
                start_block=src_start,
            )
            if on
            else None
        )

    def close(self) -> None:
        self.db.close()

    def _tx_input(self, tx_hash: bytes) -> bytes:
        tx = self.exe.call(
            "eth_getTransactionByHash", lambda: self.exe.w3.eth.get_transaction(HexBytes(tx_hash))
        )
        return bytes(tx["input"])

    def _block_time(self, client: ChainClient, number: int) -> int:
        b = client.block(number)
        if b is None:
            raise ChainError(f"chain {client.chain_id} has no block {number}")
        return b.timestamp

    def retry_failed_reports(self) -> int:
        """Every lock report given up is tried again from its first attempt; how many."""
        return 0 if self.reports is None else self.reports.retry_failed()

    def alarms(self, after: int = 0) -> list[tuple[int, str, str]]:
        """(id, kind, detail) of the sync store's alarms with an id above ``after``."""
        with self.db.read() as c:
            rows = c.execute(
                "SELECT id, kind, detail FROM sync_alarm WHERE id > ? ORDER BY id", (after,)
            ).fetchall()
        return [(int(i), str(k), str(d)) for i, k, d in rows]

    def run_once(self, now: int | None = None) -> SyncReport:
        self._report = SyncReport()
        t = int(time.time()) if now is None else now
        seen = max((a[0] for a in self.alarms()), default=0)
        self._check_intents()
        self.sender.resume_all()
        self._book_deposits()  # pending from a pass that stopped after its range committed
        def on_exe(logs: list[LogRef], end: BlockRef) -> None:
            self._on_execution(logs, end, t)

        while self.exe_follow.poll(on_exe, max_ranges=1):  # deposits booked range by range
            self._book_deposits()
        self._lock_reports(t)
        self._send_outbox(t)
        self._send_withdrawals()
        self.src_follow.poll(lambda logs, end: self._on_source(logs, end, t))
        self._reissue_expired(t)
        self._send_outbox(t)  # a portfolio's next Seize, and Seizes issued again
        self._report.alarms = [(k, d) for _i, k, d in self.alarms(seen)]
        return self._report

    def _check_intents(self) -> None:
        with self.db.read() as c:
            rows = c.execute(
                "SELECT tx, log_index, account, amount FROM sync_deposit WHERE state = 'intended'"
            ).fetchall()
        if rows:
            raise SyncError(
                f"deposit(s) {rows} were being booked when the sync stopped: check the venue's "
                "journal and mark them done in the sync store before syncing again"
            )

    # --- execution chain -----------------------------------------------------------------------

    def _on_execution(self, logs: list[LogRef], end: BlockRef, _now: int) -> None:
        for lg in logs:
            # the venue learns each event at the time of its block: a root accepted an hour ago
            # and synced now is an hour old, not a fresh one with an hour of latency
            now = self._block_time(self.exe, lg.block_number)
            c = self.registry if lg.address == self.cfg.registry else self.credit
            ev = decode(c, lg)
            if ev is None:
                continue
            name, a = ev
            if name == "RootAccepted":
                self._root(lg, a, now)
            elif name == "Credited":
                self._credited(lg, a, now)
            elif name == "CashDeposited":
                self._deposit(lg, a, now)
            elif name == "PortfolioCredited":
                self._report.portfolios += self.portfolios.credited(lg.tx_hash, a, now)

    def _root(self, lg: LogRef, a: dict[str, Any], now: int) -> None:
        src, vault = int(a["sourceChainId"]), str(a["vault"]).lower()
        latest = self.venue.registry.latest(src, vault)
        if latest is not None and latest.block_number >= int(a["blockNumber"]):
            return  # replayed
        fn, args = self.registry.decode_function_input(self._tx_input(lg.tx_hash))
        if fn.fn_name != "submitRoot":
            raise SyncError(f"RootAccepted in {lg.key} does not come from submitRoot")
        att_t, sigs = args["a"], bytes(args["signatures"])
        f = [att_t[k] for k in ("sourceChainId", "vault", "blockNumber", "root", "timestamp")]
        att = RootAttestation(
            int(f[0]), str(f[1]), int(f[2]), int.from_bytes(bytes(f[3]), "big"), int(f[4])
        )
        signed = SignedAttestation(
            att, self.domain, tuple(sigs[i : i + 65] for i in range(0, len(sigs), 65))
        )
        self.venue.submit_attestation(signed, now=now)
        self._report.roots += 1

    def _credited(self, lg: LogRef, a: dict[str, Any], now: int) -> None:
        src, vault, lock_id = int(a["sourceChainId"]), str(a["vault"]).lower(), int(a["lockId"])
        if self.venue.get_credit(src, vault, lock_id) is not None:
            return  # replayed
        fn, args = self.credit.decode_function_input(self._tx_input(lg.tx_hash))
        if fn.fn_name != "credit":
            raise SyncError(f"Credited in {lg.key} does not come from credit()")
        self.venue.credit(
            str(a["owner"]).lower(),
            proof_json(args["proof"]),
            [int(x) for x in args["pub"]],
            now=now,
            source_chain_id=src,
            vault=vault,
        )
        self._report.credits += 1

    def _deposit(self, lg: LogRef, a: dict[str, Any], _now: int) -> None:
        """Inside the range's transaction: the deposit is pending (booked once it commits)."""
        chain_id, block, tx, log_index = lg.key
        with self.db.write() as c:
            c.execute(
                "INSERT OR IGNORE INTO sync_deposit VALUES (?, ?, ?, ?, ?, ?, 'pending')",
                (chain_id, block, tx, log_index, str(a["account"]).lower(), str(int(a["amount"]))),
            )

    def _book_deposits(self) -> None:
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
            self.venue.deposit(account, int(amount), now=self._block_time(self.exe, block))
            with self.db.write() as c:
                c.execute(f"UPDATE sync_deposit SET state = 'done' {where}", key)
            self._report.deposits += 1

    # --- lock reports (optimistic credit) --------------------------------------------------------

    def _lock_reports(self, now: int) -> None:
        """New reports in, reorged ones out (:mod:`~zkcollat.relayer.report_stream`), then the
        keeper's pass: final, lapsed, contradicted; accounts that lost a report checked."""
        r = self._report
        if self.reports is not None:
            rp = self.reports.run_once(now)
            r.reports, r.reports_reorged = len(rp.taken), len(rp.reorged)
            r.reports_waiting, r.reports_refused = rp.waiting, rp.refused
            r.reports_failed = [
                f"{tx}:{i} (lock {lock}, {n} attempts): {why}"
                for tx, i, lock, n, why in self.reports.failed()
            ]
            r.liquidated += [liq.account for liq in rp.liquidations]
        res = self.venue.resolve_reports(now=now)
        r.reports_resolved += [f"{p.lock_id}:{p.status}" for p in res.resolved]
        r.liquidated += [liq.account for liq in res.liquidations]

    # --- outgoing messages ---------------------------------------------------------------------

    def _send_outbox(self, now: int) -> None:
        self._report.sent += self.portfolios.report_executed()  # before a portfolio's next Seize
        unsent = [e for e in self.venue.outbox(pending_only=True) if e.sent_at is None]
        sent, carried = self.portfolios.send(unsent, now)
        for entry_id in sorted(carried):
            self.venue.mark_sent(entry_id, now=now)
        self._report.sent += sent + self.portfolios.close_finished()
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
            self._report.sent.append(rec.hash_hex)

    def _credit_status(self, chain: int, vault: str, lock_id: int) -> int:
        key = self.credit.functions.creditKey(chain, vault, lock_id).call()
        return int(self.credit.functions.credits(key).call()[2])

    def _reissue_expired(self, now: int) -> None:
        """Issue again each sent, unexecuted Seize or Release whose deadline has passed on the
        source chain: the time of the last source block read (at confirmation depth, every
        ``Seized`` and ``Released`` up to it booked) is after the deadline, so the old message
        can never execute (the vault checks its deadline against that chain's clock)."""
        processed = self.src_follow.processed()
        if processed < 0:
            return
        source_time = self._block_time(self.src, processed)
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
                self._report.reissued += 1
            else:
                self.venue.reissue_release(entry.id, source_time=source_time, now=now)
                self._report.releases_reissued += 1

    def _send_withdrawals(self) -> None:
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
            self._approve(str(account), int(from_e6), int(to_e6))
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
                self._report.withdrawals_waiting.append(account)
                continue
            with self.db.write() as c:
                c.execute(
                    "INSERT INTO sync_withdrawal VALUES (?, ?, ?, 'intended')",
                    (account, str(delivered), str(total)),
                )
            self._approve(account, delivered, total)
            with self.db.write() as c:
                c.execute(
                    f"UPDATE sync_withdrawal SET state = 'done' {where}", (account, str(delivered))
                )

    def _approve(self, account: str, from_e6: int, to_e6: int) -> None:
        fn = self.credit.functions.approveWithdrawal(
            Web3.to_checksum_address(account), to_e6 - from_e6
        )
        data = bytes.fromhex(fn._encode_transaction_data()[2:])
        rec = self.sender.wait(
            self.sender.submit(
                "approveWithdrawal", f"{account}:{from_e6}", Call(self.cfg.credit, data)
            )
        )
        self._report.withdrawals.append(rec.hash_hex)

    # --- source chain ------------------------------------------------------------------------

    def _on_source(self, logs: list[LogRef], end: BlockRef, now: int) -> None:
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
                self._report.seizes_booked += 1

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
