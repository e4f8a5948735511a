"""Lock reports followed automatically: the report stream of ``zkcollat margin sync``
(optimistic credit, docs/protocol.md s.9).

Roots reach the venue through the chain: the relayer gathers the members' signatures and
submits them, the sync replays ``RootAccepted``. No contract takes lock reports (the Python
venue is the margin engine), so the sync gathers them itself, by the same path: it follows the
source vault at ``source.reportConfirmations`` (a stream of its own, cursor ``reports``, beside
the ``main`` one at the roots' depth), and asks every member to read each ``Locked`` log from
its own node and sign it (:func:`~zkcollat.relayer.collect.gather`, through
:class:`~zkcollat.relayer.reports.ReportCollector`); the venue checks the threshold again.

One pass (:meth:`ReportStream.run_once`):

1. New ``Locked`` logs become ``pending`` rows keyed by (tx, log index, block hash), written in
   the range's transaction with the cursor move (a crash replays the range; the key makes the
   replay a no-op). A reorg under the stream takes it back to the newest block the node still
   has and the new chain's logs are read again (a row whose block comes back is pending again).
2. Every active report of this vault in the venue whose block is no longer the node's stops
   counting (``Venue.reports_reorged``).
3. Each pending row still on the chain is read again (:func:`read_lock`: depth, canonical,
   leaf), checked against the venue's rules for a report's fields (``Venue.check_report``: a
   lock for another chain, of an unlisted asset or credited already is refused without asking
   anyone) and sent to the members; with ``threshold`` signatures it is ``intended`` (committed),
   taken by ``Venue.report_lock``, then ``done``; a venue refusal is ``refused`` with its
   reason; fewer signatures (or a node error while reading it): the attempt is counted and the
   row waits, the signatures gathered kept, until its next try (:class:`RetryPolicy`: backoff
   doubling from ``base_s`` up to ``max_s``); after ``limit`` attempts it is ``failed`` with the
   last reason and an alarm ``report_failed`` is raised. A failed row is tried again only on
   purpose (:meth:`ReportStream.retry_failed`, ``margin sync --retry-reports``). A row's
   attempts and next try are in the sync store, written with its signatures in one
   transaction, so a restart keeps them. A restart finds an ``intended`` row done if the venue
   holds the report of that block, else pending again: the venue takes each report once.
4. The accounts that lost a report in step 2 are margin-checked, after step 3 so a lock
   re-reported from the new chain counts first; below maintenance they are liquidated.

A lock re-read after a reorg under another lock id or amount is a new report only once its old
report stopped counting (step 2 before step 3): never both at once. A reorged-out lock that
never comes back costs at most what its report counted under the caps.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from web3.contract import Contract

from zkcollat.attest.eip712 import Domain
from zkcollat.attest.lock_report import LockReport
from zkcollat.chain.client import BlockRef, ChainClient, LogRef
from zkcollat.chain.errors import ChainError
from zkcollat.chain.follow import Follower
from zkcollat.chain.journal import ChainJournal
from zkcollat.db import Store
from zkcollat.errors import AttestationError, CreditError, MarginError
from zkcollat.margin.liquidation import LiquidationReport
from zkcollat.margin.provisional_credit import ProvisionalCredit
from zkcollat.margin.venue import Venue
from zkcollat.relayer.collect import Asker
from zkcollat.relayer.config import RelayConfig
from zkcollat.relayer.contracts import decode
from zkcollat.relayer.reports import ReportCollector, ReportRefused, read_lock

#: The journal stream of the source vault read at the report depth.
REPORTS = "reports"

TABLE = """CREATE TABLE IF NOT EXISTS sync_report (
    tx TEXT NOT NULL,
    log_index INTEGER NOT NULL,
    block INTEGER NOT NULL,
    block_hash BLOB NOT NULL,
    lock_id INTEGER NOT NULL,
    signatures TEXT NOT NULL DEFAULT '{}',
    state TEXT NOT NULL
        CHECK (state IN ('pending', 'intended', 'done', 'reorged', 'refused', 'failed')),
    detail TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    retry_at INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tx, log_index, block_hash)
)"""

#: The columns of the table before attempts were counted (sync store schema version 2).
V2_COLUMNS = "tx, log_index, block, block_hash, lock_id, signatures, state, detail"

#: The alarm raised when a report is given up.
REPORT_FAILED = "report_failed"


@dataclass(frozen=True)
class RetryPolicy:
    """How often a report short of the threshold is tried: the ``n``-th failed attempt waits
    ``min(max_s, base_s * 2**(n - 1))`` seconds (the venue's clock) before the next; the
    ``limit``-th makes the report ``failed``."""

    limit: int = 8
    base_s: int = 30
    max_s: int = 3600

    def __post_init__(self) -> None:
        if self.limit < 1 or self.base_s < 0 or self.max_s < self.base_s:
            raise ValueError(f"bad retry policy {self}")

    def wait_s(self, attempts: int) -> int:
        return int(min(self.max_s, self.base_s * 2 ** min(attempts - 1, 62)))

_WHERE = "WHERE tx = ? AND log_index = ? AND block_hash = ?"


@dataclass
class ReportPass:
    """What one pass of the stream did."""

    taken: list[ProvisionalCredit] = field(default_factory=list)
    reorged: list[ProvisionalCredit] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    waiting: int = 0  # pending rows short of the threshold, or waiting for their next try
    #: reports given up in this pass (tx:logIndex: the last reason)
    failed: list[str] = field(default_factory=list)
    liquidations: list[LiquidationReport] = field(default_factory=list)


class ReportStream:
    def __init__(
        self,
        venue: Venue,
        cfg: RelayConfig,
        src: ChainClient,
        vault: Contract | None,
        db: Store,
        journal: ChainJournal,
        ask: Asker,
        domain: Domain,
        *,
        start_block: int,
        read: Callable[[str, int], LockReport] | None = None,
        locked: Callable[[LogRef], int | None] | None = None,
        retry: RetryPolicy = RetryPolicy(),
    ) -> None:
        """``read(tx, logIndex)``: the report a log supports as this node has it (default
        :func:`read_lock` at the report depth); ``locked(log)``: its lock id if it is the
        vault's ``Locked`` event, else None (default: decoded with the vault's ABI)."""
        self.venue, self.cfg, self.src, self.vault = venue, cfg, src, vault
        self.retry = retry
        self.db, self.ask, self.domain = db, ask, domain
        self.read = read or self._read
        self.locked = locked or self._locked_id
        self.follow = Follower(
            src,
            journal,
            [cfg.vault],
            depth=cfg.source.report_confirmations,
            start_block=start_block,
            stream=REPORTS,
            on_reorg=self._rewound,
        )

    def run_once(self, now: int) -> ReportPass:
        out = ReportPass()
        self.follow.poll(self._on_logs)
        out.reorged = self._drop_reorged(now)
        self._take_pending(now, out)
        out.liquidations = self.venue.check_accounts([p.account for p in out.reorged], now=now)
        return out

    # --- 1. the stream ---------------------------------------------------------------------

    def _read(self, tx: str, log_index: int) -> LockReport:
        assert self.vault is not None, "no vault contract and no reader"
        return read_lock(self.src, self.vault, self.cfg, tx, log_index)

    def _locked_id(self, lg: LogRef) -> int | None:
        assert self.vault is not None, "no vault contract and no Locked decoder"
        ev = decode(self.vault, lg)
        return None if ev is None or ev[0] != "Locked" else int(ev[1]["lockId"])

    def _on_logs(self, logs: list[LogRef], _end: BlockRef) -> None:
        with self.db.write() as c:
            for lg in logs:
                lock_id = self.locked(lg)
                if lock_id is None:
                    continue
                c.execute(
                    "INSERT INTO sync_report (tx, log_index, block, block_hash, lock_id, "
                    "state) VALUES (?, ?, ?, ?, ?, 'pending') ON CONFLICT DO UPDATE SET "
                    "state = 'pending', detail = NULL WHERE state = 'reorged'",
                    (
                        "0x" + lg.tx_hash.hex(),
                        lg.log_index,
                        lg.block_number,
                        lg.block_hash,
                        lock_id,
                    ),
                )

    def _rewound(self, first: int) -> None:
        """Nothing to undo: the blocks from ``first`` on are read again, and every row is
        judged by its own block hash when it is taken (a rewind may re-read blocks that did
        not change)."""

    def _set(self, key: tuple[str, int, bytes], state: str, detail: str | None = None) -> None:
        with self.db.write() as c:
            c.execute(
                f"UPDATE sync_report SET state = ?, detail = ? {_WHERE}", (state, detail, *key)
            )

    # --- 2. reports whose block left the chain -------------------------------------------------

    def _drop_reorged(self, now: int) -> list[ProvisionalCredit]:
        here = (self.cfg.source.chain_id, self.cfg.vault)
        gone = []
        for key, p in list(self.venue.provisional.items()):
            if p.status != "active" or (p.source_chain_id, p.vault) != here:
                continue
            # a block the node no longer has (its chain got shorter) is gone as well: dropping
            # a report only ever costs its account, keeping a stale one could cost the fund
            blk = self.src.block(p.block_number)
            if blk is None or blk.hash != p.block_hash:
                gone.append(key)
        return self.venue.reports_reorged(gone, now=now) if gone else []

    # --- 3. pending rows to the members and the venue ------------------------------------------

    def _take_pending(self, now: int, out: ReportPass) -> None:
        with self.db.read() as c:
            rows = c.execute(
                "SELECT tx, log_index, block, block_hash, lock_id, signatures, state, attempts, "
                "retry_at FROM sync_report WHERE state IN ('pending', 'intended') "
                "ORDER BY block, log_index"
            ).fetchall()
        chain, vault = self.cfg.source.chain_id, self.cfg.vault
        head = self.src.head()
        for tx, log_index, block, bhash, lock_id, sigs, state, attempts, retry_at in rows:
            key = (str(tx), int(log_index), bytes(bhash))
            if state == "intended":  # the sync stopped while the venue was taking it
                have = self.venue.provisional.get((chain, vault, int(lock_id)))
                if have is not None and have.block_hash == key[2]:
                    self._set(key, "done")
                    continue
                self._set(key, "pending")
            if int(block) > head - self.cfg.source.report_confirmations:
                out.waiting += 1  # the node went back below it: wait
                continue
            if int(retry_at) > now:
                out.waiting += 1  # backing off after a failed attempt
                continue
            blk = self.src.block(int(block))
            if blk is None or blk.hash != key[2]:
                self._set(key, "reorged", f"block {block} is no longer on the chain")
                continue
            try:
                reading = self.read(key[0], key[1])
            except ReportRefused as e:
                self._set(key, "refused", str(e))
                out.refused.append(f"{key[0]}:{key[1]}: {e}")
                continue
            except ChainError as e:  # this node failed us: an attempt, the others go on
                self._attempt_failed(key, int(attempts), None, f"reading it: {e}", now, out)
                continue
            if reading.block_hash != key[2]:
                self._set(key, "reorged", f"the receipt is in block 0x{reading.block_hash.hex()}")
                continue
            try:  # nobody is asked to sign what the venue would refuse anyway
                self.venue.check_report(reading, now=now)
            except (CreditError, MarginError) as e:
                self._set(key, "refused", str(e))
                out.refused.append(f"{key[0]}:{key[1]}: {e}")
                continue
            gathered = {m: bytes.fromhex(s) for m, s in json.loads(sigs).items()}
            self._ask(key, reading, gathered, int(attempts), now, out)

    def _ask(
        self,
        key: tuple[str, int, bytes],
        reading: LockReport,
        have: dict[str, bytes],
        attempts: int,
        now: int,
        out: ReportPass,
    ) -> None:
        why: list[str] = []

        def problem(kind: str, who: str, what: str) -> None:
            why.append(f"{who}: {what}")
            if kind == "member_misbehaved":
                self._alarm(kind, f"{who} on lock report {key[0]}:{key[1]}: {what}", now)

        col = ReportCollector(
            self.cfg.members, self.cfg.threshold, self.ask, self.domain, problem, have
        )
        signed = col.collect(reading, key[0], key[1])
        sigs = json.dumps({m: s.hex() for m, s in col.have.items()}, sort_keys=True)
        if signed is None:
            reason = (
                f"{len(col.have)} of {self.cfg.threshold} signatures"
                + (f" ({'; '.join(why)})" if why else "")
            )
            self._attempt_failed(key, attempts, sigs, reason, now, out)
            return
        with self.db.write() as c:
            c.execute(f"UPDATE sync_report SET signatures = ? {_WHERE}", (sigs, *key))
        self._set(key, "intended")
        try:
            p = self.venue.report_lock(signed, now=now)
        except (AttestationError, CreditError, MarginError) as e:
            self._set(key, "refused", str(e))
            out.refused.append(f"{key[0]}:{key[1]}: {e}")
            return
        self._set(key, "done")
        out.taken.append(p)

    # --- failed attempts ----------------------------------------------------------------------

    def _alarm(self, kind: str, detail: str, now: int) -> None:
        with self.db.write() as c:
            c.execute(
                "INSERT INTO sync_alarm (at, kind, detail) VALUES (?, ?, ?)",
                (float(now), kind, detail),
            )

    def _attempt_failed(
        self,
        key: tuple[str, int, bytes],
        attempts: int,
        sigs: str | None,
        reason: str,
        now: int,
        out: ReportPass,
    ) -> None:
        """One more failed attempt, with the signatures gathered so far (``None``: unchanged),
        in one transaction: the row waits for its next try, or is ``failed`` at the limit (and
        the alarm with it)."""
        n = attempts + 1
        give_up = n >= self.retry.limit
        name = f"{key[0]}:{key[1]}"
        with self.db.write() as c:
            c.execute(
                "UPDATE sync_report SET signatures = COALESCE(?, signatures), attempts = ?, "
                f"retry_at = ?, state = ?, detail = ? {_WHERE}",
                (
                    sigs,
                    n,
                    now + self.retry.wait_s(n),
                    "failed" if give_up else "pending",
                    reason,
                    *key,
                ),
            )
            if give_up:
                c.execute(
                    "INSERT INTO sync_alarm (at, kind, detail) VALUES (?, ?, ?)",
                    (float(now), REPORT_FAILED, f"lock report {name} after {n} attempts: {reason}"),
                )
        if give_up:
            out.failed.append(f"{name}: {reason}")
        else:
            out.waiting += 1

    def failed(self) -> list[tuple[str, int, int, int, str]]:
        """(tx, log index, lock id, attempts, last reason) of every report given up."""
        with self.db.read() as c:
            rows = c.execute(
                "SELECT tx, log_index, lock_id, attempts, detail FROM sync_report "
                "WHERE state = 'failed' ORDER BY block, log_index"
            ).fetchall()
        return [(str(a), int(b), int(d), int(e), str(f)) for a, b, d, e, f in rows]

    def retry_failed(self) -> int:
        """Every failed report pending again with its attempts counted from zero (the
        signatures gathered are kept); how many."""
        with self.db.write() as c:
            cur = c.execute(
                "UPDATE sync_report SET state = 'pending', attempts = 0, retry_at = 0 "
                "WHERE state = 'failed'"
            )
            return int(cur.rowcount)

    def rows(self) -> list[tuple[str, int, int, int, str]]:
        """(tx, log index, block, lock id, state) of every row, in chain order."""
        with self.db.read() as c:
            rows = c.execute(
                "SELECT tx, log_index, block, lock_id, state FROM sync_report "
                "ORDER BY block, log_index, state"
            ).fetchall()
        return [(str(a), int(b), int(d), int(e), str(f)) for a, b, d, e, f in rows]
