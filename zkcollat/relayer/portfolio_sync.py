"""Portfolio credits through ``zkcollat margin sync`` (:mod:`zkcollat.relayer.venue_sync`).

- A ``PortfolioCredited`` of the credit contract is replayed into ``venue.credit_portfolio``
  with the proof and the public values read from the ``creditPortfolio`` transaction (the venue
  verifies the proof again, with its key for the smallest (k, m) the values fit, padded as the
  contract's verifier adapter pads them); each lock's asset is read from the source vault
  (``getLock``), where every lock's fields are public. The contract's portfolio id and contents
  (its source, lockIds, assets and thresholds as the contract hashed them, which every later
  call passes back) are recorded in the sync store with the cursor move.
- The venue's messages for a portfolio's locks go through the contract's portfolio functions:
  the Releases of a portfolio released whole are one ``markPortfolioReleased``; a Seize of lock
  i is ``markPortfolioSeized(id, contents, i, j, amount, deadline)`` with j the lock's asset's
  index in the contents (the Releases the venue made of locks before i, which it asked nothing
  of, are emitted by the same call); the Releases that end a seizure are
  ``closePortfolioSeizure``, also sent when the venue ended a seizure with every lock asked for
  (no Release left to carry it). Each is journaled under a key of its own, so a restart resumes
  the same transaction.
- A Seize the venue issued again (its deadline passed on the source chain before it executed)
  is ``reissuePortfolioSeize``: the contract's pending Seize, a fresh nonce and deadline.
- A vault ``Seized`` of a portfolio lock is recorded (outbox entry, paid units) in the same
  range transaction as the source cursor, whether or not the venue had booked it already, and
  reported to the contract with ``markPortfolioSeizeExecuted(id, paid)`` before the next
  message of that portfolio is sent: the contract counts what the vault paid, as the venue does.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from web3 import Web3

from zkcollat.chain.errors import ChainError
from zkcollat.chain.sender import Call, TxSender
from zkcollat.db.sqlite import Store as DbStore
from zkcollat.margin.messages import OutboxEntry, Release, Seize
from zkcollat.margin.portfolio_credits import PortfolioClaim, PortfolioCredit, StatementCheck
from zkcollat.margin.venue import Venue
from zkcollat.statements import PortfolioPublic

TABLES: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS sync_portfolio (
    source_chain_id TEXT NOT NULL,
    vault TEXT NOT NULL,
    first_lock TEXT NOT NULL,
    portfolio TEXT NOT NULL,
    contents TEXT NOT NULL,
    closed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (source_chain_id, vault, first_lock)
)""",
    """CREATE TABLE IF NOT EXISTS sync_portfolio_paid (
    outbox INTEGER PRIMARY KEY,
    portfolio TEXT NOT NULL,
    paid TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'done'))
)""",
)


#: CollateralCredit.PortfolioStatus: Seizing, and the closed states (Released, Seized)
SEIZING = 2
RELEASED, SEIZED = 3, 4
CLOSED = (RELEASED, SEIZED)


class PortfolioSyncError(ChainError):
    """A portfolio's state on chain and in the venue disagree: an operator must look."""


def proof_json(pr: Any) -> dict[str, Any]:
    """The snarkjs proof of a ``Proof`` struct decoded from calldata (a, b, c; b in EIP-197
    order)."""
    pa, pb, pc = (pr["a"], pr["b"], pr["c"]) if isinstance(pr, dict) else pr
    return {
        "pi_a": [str(pa[0]), str(pa[1]), "1"],
        "pi_b": [[str(pb[0][1]), str(pb[0][0])], [str(pb[1][1]), str(pb[1][0])], ["1", "0"]],
        "pi_c": [str(pc[0]), str(pc[1]), "1"],
        "protocol": "groth16",
        "curve": "bn128",
    }


def padded(check: StatementCheck, claim: PortfolioClaim) -> PortfolioPublic:
    """The statement's public values of ``claim`` (used lockIds and listed assets, as the credit
    contract holds them) for the smallest key (k, m) of ``check`` they fit in: empty slots (0)
    after the used ones, padding (0, 0) after the assets, as the contract's adapter pads."""
    n, a = len(claim.lockIds), len(claim.assetIds)
    fits = sorted((k, m) for k, m in check.keys if k >= n and m >= a)
    if not fits:
        raise PortfolioSyncError(
            f"a portfolio of {n} locks and {a} assets fits no Portfolio key of the venue "
            f"(k, m in {sorted(check.keys)})"
        )
    k, m = fits[0]
    return PortfolioPublic(
        claim.root,
        claim.destChainId,
        claim.owner,
        claim.minExpiry,
        (*claim.lockIds, *(0,) * (k - n)),
        (*claim.assetIds, *(0,) * (m - a)),
        (*claim.thresholds, *(0,) * (m - a)),
    )


def _field(obj: Any, name: str, index: int) -> Any:
    return obj[name] if isinstance(obj, dict) else obj[index]


class PortfolioSync:
    """The portfolio side of one :class:`~zkcollat.relayer.venue_sync.VenueSync`."""

    def __init__(
        self,
        venue: Venue,
        db: DbStore,
        credit: Any,
        vault: Any,
        sender: TxSender,
        credit_address: str,
        tx_input: Callable[[bytes], bytes],
    ) -> None:
        self.venue = venue
        self.db = db
        self.credit = credit
        self.vault = vault
        self.sender = sender
        self.credit_address = credit_address
        self.tx_input = tx_input
        with self.db.write() as c:  # stores made before portfolios were synced lack them
            for t in TABLES:
                c.execute(t)

    # --- execution chain: PortfolioCredited ----------------------------------------------

    def credited(self, tx_hash: bytes, a: dict[str, Any], now: int) -> bool:
        """Replay a ``PortfolioCredited`` (inside the range's transaction); True if the venue
        credited it now, False for a replay."""
        src, vault = int(a["sourceChainId"]), str(a["vault"]).lower()
        fn, args = self.credit.decode_function_input(self.tx_input(tx_hash))
        if fn.fn_name != "creditPortfolio":
            raise PortfolioSyncError(
                f"PortfolioCredited {a['id']} does not come from creditPortfolio()"
            )
        pub = args["pub"]
        ids = [int(x) for x in _field(pub, "lockIds", 6)]
        assets = [int(x) for x in _field(pub, "assets", 4)]
        thresholds = [int(x) for x in _field(pub, "thresholds", 5)]
        contents = {"lockIds": ids, "assets": assets, "thresholds": thresholds}
        with self.db.write() as c:
            c.execute(
                "INSERT OR IGNORE INTO sync_portfolio VALUES (?, ?, ?, ?, ?, 0)",
                (str(src), vault, str(ids[0]), str(int(a["id"])), json.dumps(contents)),
            )
        if self.venue.portfolio_of_lock(src, vault, ids[0]) is not None:
            return False  # replayed
        check = self.venue.portfolio_check
        if not isinstance(check, StatementCheck):
            raise PortfolioSyncError(
                f"portfolio {a['id']} was credited on chain but the venue has no Portfolio "
                "verifying key (list one in the venue config's portfolio_verifying_keys: "
                "`zkcollat margin init --portfolio-vk`)"
            )
        kept = [(x, t) for x, t in zip(assets, thresholds, strict=True) if (x, t) != (0, 0)]
        claim = PortfolioClaim(
            int(_field(pub, "root", 0)),
            int(_field(pub, "destChainId", 1)),
            int(_field(pub, "owner", 2)),
            int(_field(pub, "minExpiry", 3)),
            tuple(ids),
            tuple(x for x, _ in kept),
            tuple(t for _, t in kept),
        )
        public = padded(check, claim)
        lock_assets = [int(self.vault.functions.getLock(i).call()[1], 16) for i in ids]
        self.venue.credit_portfolio(
            f"{claim.owner:#042x}",
            proof_json(args["proof"]),
            public,
            lock_assets,
            now=now,
            source_chain_id=src,
            vault=vault,
        )
        return True

    def _onchain(self, p: PortfolioCredit) -> tuple[int, dict[str, Any]]:
        with self.db.read() as c:
            row = c.execute(
                "SELECT portfolio, contents FROM sync_portfolio WHERE source_chain_id = ? AND "
                "vault = ? AND first_lock = ?",
                (str(p.source_chain_id), p.vault, str(p.lock_ids[0])),
            ).fetchone()
        if row is None:
            raise PortfolioSyncError(
                f"the venue's portfolio {p.id} (locks {list(p.lock_ids)}) has no "
                "PortfolioCredited on the credit contract"
            )
        return int(row[0]), json.loads(row[1])

    def _contents(self, p: PortfolioCredit, c: dict[str, Any]) -> tuple[Any, ...]:
        return (
            p.source_chain_id,
            Web3.to_checksum_address(p.vault),
            c["lockIds"],
            c["assets"],
            c["thresholds"],
        )

    # --- source chain: Seized --------------------------------------------------------------

    def seized(self, entry: OutboxEntry, p: PortfolioCredit, paid: int) -> None:
        """Record what the vault paid for a portfolio's Seize (inside the source range's
        transaction), to report it to the contract."""
        pid, _ = self._onchain(p)
        with self.db.write() as c:
            c.execute(
                "INSERT OR IGNORE INTO sync_portfolio_paid VALUES (?, ?, ?, 'pending')",
                (entry.id, str(pid), str(paid)),
            )

    def report_executed(self) -> list[str]:
        """``markPortfolioSeizeExecuted`` for each recorded, unreported payment."""
        with self.db.read() as c:
            rows = c.execute(
                "SELECT outbox, portfolio, paid FROM sync_portfolio_paid WHERE state = 'pending' "
                "ORDER BY outbox"
            ).fetchall()
        sent = []
        for outbox, pid, paid in rows:
            fn = self.credit.functions.markPortfolioSeizeExecuted(int(pid), int(paid))
            sent.append(self._send("markPortfolioSeizeExecuted", f"executed:{outbox}", fn))
            with self.db.write() as c:
                c.execute(
                    "UPDATE sync_portfolio_paid SET state = 'done' WHERE outbox = ?", (outbox,)
                )
        return sent

    # --- outgoing messages -----------------------------------------------------------------

    def send(self, entries: list[OutboxEntry], now: int) -> tuple[list[str], set[int]]:
        """Send the unsent messages of portfolio locks among ``entries`` (in outbox order);
        (transaction hashes, the entries they carry, to be marked sent)."""
        groups: dict[int, list[OutboxEntry]] = {}
        for e in entries:
            m = e.message
            p = self.venue.portfolio_of_lock(m.source_chain_id, m.vault, m.lock_id)
            if p is not None:
                groups.setdefault(p.id, []).append(e)
        sent: list[str] = []
        done: set[int] = set()
        for vid, group in groups.items():
            p = self.venue.portfolios[vid]
            pid, c = self._onchain(p)
            contents = self._contents(p, c)
            f = self.credit.functions
            releases = [e for e in group if isinstance(e.message, Release)]
            for e in [r for r in releases if self._released_on_chain(pid, p.lock_ids, r)]:
                # a re-issue (its first Release expired unexecuted): a fresh nonce on chain too
                m = e.message
                i = p.lock_ids.index(m.lock_id)
                fn = f.reissuePortfolioRelease(pid, contents, i, m.deadline)
                sent.append(self._send("reissuePortfolioRelease", f"reissue:{e.id}:{m.nonce}", fn))
                done.add(e.id)
                releases.remove(e)
            for e in group:
                if not isinstance(e.message, Seize):
                    continue
                m = e.message
                i = p.lock_ids.index(m.lock_id)
                state = f.portfolios(pid).call()
                if bool(state[4]) and int(state[3]) == i + 1:  # its first Seize expired
                    fn = f.reissuePortfolioSeize(pid, contents, m.deadline)
                    key = f"reissue:{e.id}:{m.nonce}"
                    sent.append(self._send("reissuePortfolioSeize", key, fn))
                    done.add(e.id)
                    continue
                j = c["assets"].index(p.lock_assets[i])
                fn = f.markPortfolioSeized(pid, contents, i, j, m.amount, m.deadline)
                sent.append(self._send("markPortfolioSeized", f"outbox:{e.id}", fn))
                skipped = [r for r in releases if p.lock_ids.index(r.message.lock_id) < i]
                done |= {e.id, *(r.id for r in skipped)}
                releases = [r for r in releases if r not in skipped]
            if not releases:
                continue
            deadline = min(r.message.deadline for r in releases)
            if p.status == "released":
                fn = f.markPortfolioReleased(pid, contents, deadline)
                sent.append(self._send("markPortfolioReleased", f"release:{pid}", fn))
            elif p.status == "seized":
                fn = f.closePortfolioSeizure(pid, contents, deadline)
                sent.append(self._send("closePortfolioSeizure", f"close:{pid}", fn))
            else:
                raise PortfolioSyncError(
                    f"the venue released locks {[r.message.lock_id for r in releases]} of "
                    f"portfolio {p.id} ({p.status}) with no Seize after them: the contract "
                    "releases a portfolio whole, before a Seize, or when its seizure ends"
                )
            done |= {r.id for r in releases}
        return sent, done

    def _released_on_chain(self, pid: int, lock_ids: tuple[int, ...], e: OutboxEntry) -> bool:
        """The contract emitted this lock's Release already (so the entry is a re-issue): the
        portfolio was released whole, or the lock is behind the seizure's next lock and was
        never asked for by a Seize, or the seizure was closed before it."""
        i = lock_ids.index(e.message.lock_id)
        state = self.credit.functions.portfolios(pid).call()
        status, next_lock = int(state[2]), int(state[3])
        if status == RELEASED or (status == SEIZED and i >= next_lock):
            return True
        if status in (SEIZING, SEIZED) and i < next_lock:
            return not (int(self.credit.functions.portfolioSeizedLocks(pid).call()) >> i) & 1
        return False

    def close_finished(self) -> list[str]:
        """``closePortfolioSeizure`` of each portfolio the venue finished seizing whose contract
        state is still Seizing with no Seize pending (every lock was asked for: no Release
        carried the close); a portfolio closed on chain is not looked at again."""
        with self.db.read() as c:
            rows = c.execute(
                "SELECT source_chain_id, vault, first_lock, portfolio, contents FROM "
                "sync_portfolio WHERE closed = 0"
            ).fetchall()
        sent = []
        unsent = {
            (e.message.source_chain_id, e.message.vault, e.message.lock_id)
            for e in self.venue.outbox(pending_only=True)
            if e.sent_at is None
        }
        for src, vault, first, pid, contents in rows:
            p = self.venue.portfolio_of_lock(int(src), vault, int(first))
            if p is None or p.status not in ("released", "seized"):
                continue
            state = self.credit.functions.portfolios(int(pid)).call()
            status, pending = int(state[2]), bool(state[4])
            if status == SEIZING and not pending and p.status == "seized":
                if any(k in unsent for k in p.lock_keys()):
                    continue  # the outbox's Releases carry the close
                if int(state[3]) != len(p.lock_ids):
                    raise PortfolioSyncError(
                        f"portfolio {pid}: the venue seized it to the end but the contract's "
                        f"next lock is {int(state[3])} of {len(p.lock_ids)}"
                    )
                fn = self.credit.functions.closePortfolioSeizure(
                    int(pid), self._contents(p, json.loads(contents)), 0
                )
                sent.append(self._send("closePortfolioSeizure", f"close:{pid}", fn))
            elif status not in CLOSED:
                continue
            with self.db.write() as c:
                c.execute(
                    "UPDATE sync_portfolio SET closed = 1 WHERE source_chain_id = ? AND "
                    "vault = ? AND first_lock = ?",
                    (src, vault, first),
                )
        return sent

    def _send(self, kind: str, key: str, fn: Any) -> str:
        data = bytes.fromhex(fn._encode_transaction_data()[2:])
        rec = self.sender.wait(
            self.sender.submit(kind, f"portfolio:{key}", Call(self.credit_address, data))
        )
        return rec.hash_hex

