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
  own signature (:mod:`~zkcollat.relayer.sync_messages`);
- approves the cash withdrawals the venue booked (``approveWithdrawal`` from the settlement
  account; the account then calls ``withdrawCash``), one allowance at a time
  (:mod:`~zkcollat.relayer.sync_cash`);
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
  lock; a ``Released`` lock marks its Release executed; a message that expired unexecuted is
  issued again (:mod:`~zkcollat.relayer.sync_messages`);
- portfolio credits (``PortfolioCredited``, the contract's ``markPortfolio*`` functions, the
  executed amounts reported back to the contract): :mod:`zkcollat.relayer.portfolio_sync`.

Replays are harmless: roots and credits are checked against the venue's state first; deposits
go through the sync store (:mod:`~zkcollat.relayer.sync_cash`), which is a :mod:`zkcollat.db`
store of its own kind (:mod:`~zkcollat.relayer.sync_store`). What a pass did:
:class:`~zkcollat.relayer.sync_report.SyncReport`.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes

from zkcollat.attest.attestation import RootAttestation, SignedAttestation, zkcollat_domain
from zkcollat.chain.client import BlockRef, ChainClient, LogRef
from zkcollat.chain.errors import ChainError
from zkcollat.chain.follow import Follower
from zkcollat.chain.journal import ChainJournal
from zkcollat.chain.sender import TxSender
from zkcollat.db import open_store
from zkcollat.margin.venue import Venue
from zkcollat.relayer.collect import Asker, ask_http
from zkcollat.relayer.config import RelayConfig
from zkcollat.relayer.contracts import contract, decode
from zkcollat.relayer.portfolio_sync import PortfolioSync, proof_json
from zkcollat.relayer.report_stream import ReportStream
from zkcollat.relayer.sync_cash import CashSync
from zkcollat.relayer.sync_messages import MessageSync
from zkcollat.relayer.sync_report import SyncError, SyncReport
from zkcollat.relayer.sync_store import SCHEMA

__all__ = ["SyncError", "SyncReport", "VenueSync"]


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
        self.cash = CashSync(
            venue,
            self.db,
            self.credit,
            self.sender,
            cfg.credit,
            lambda n: self._block_time(self.exe, n),
        )
        self.messages = MessageSync(
            venue,
            cfg,
            self.credit,
            self.vault,
            self.sender,
            self.portfolios,
            processed=self.src_follow.processed,
            source_time=lambda n: self._block_time(self.src, n),
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
        self._report = rep = SyncReport()
        t = int(time.time()) if now is None else now
        seen = max((a[0] for a in self.alarms()), default=0)
        self.cash.check_intents()
        self.sender.resume_all()
        self.cash.book_deposits(rep)  # pending from a pass that stopped after its range committed

        def on_exe(logs: list[LogRef], end: BlockRef) -> None:
            self._on_execution(logs, end, t)

        while self.exe_follow.poll(on_exe, max_ranges=1):  # deposits booked range by range
            self.cash.book_deposits(rep)
        self._lock_reports(t)
        self.messages.send_outbox(t, rep)
        self.cash.send_withdrawals(rep)
        self.src_follow.poll(lambda logs, end: self.messages.on_source(logs, end, t, rep))
        self.messages.reissue_expired(t, rep)
        self.messages.send_outbox(t, rep)  # a portfolio's next Seize, and messages issued again
        rep.alarms = [(k, d) for _i, k, d in self.alarms(seen)]
        return rep

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
                self.cash.deposited(lg, a)
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
