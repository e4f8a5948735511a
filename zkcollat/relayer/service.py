"""The relayer: ``zkcollat relayer run --config FILE [--once]``.

One pass (``run_once``):
1. resume every transaction the store holds as intended or sent (rebroadcast the same bytes);
2. follow the source vault at its confirmation depth: ``Locked`` events extend the mirror tree
   (zkcollat's own :class:`~zkcollat.vault.Vault`, each leaf recomputed and compared with the
   event's), each ``RootCommitted`` root is compared with the mirror's root at its leaf count,
   and at the end of every range the contract's ``currentRoot()`` read at that block is too
   (any difference: alarm and halt); ``Released``/``Seized`` mark messages executed;
3. follow the execution chain at its depth: the registry's ``RootAccepted`` and the credit
   contract's ``Release``/``Seize`` messages;
4. call ``commitRootUpTo(lockCount)`` when locks are pending;
5. attest the latest committed root (confirmed at depth, newer than the registry's latest) by
   asking every member, checking each signature against the attestation, and submitting
   ``submitRoot`` once ``threshold`` valid ones are in;
6. deliver each pending message: the members read the event themselves and sign; a returned
   message that differs from the relayer's reading, or a signature that does not recover to
   the member, is reported as misbehaviour; ``release``/``seize`` goes out with ``threshold``.

Lock reports (optimistic credit, docs/protocol.md s.9) are on request: ``report_lock(tx,
logIndex)`` reads a ``Locked`` log at the report depth, asks every member to read and sign it,
and returns the :class:`~zkcollat.attest.lock_report.SignedLockReport` once ``threshold`` members
signed the relayer's own reading (``zkcollat relayer report-lock`` writes it for the venue).

Every transaction is journaled (intended, sent, mined) under (kind, key): the key of a vault
message is ``vault:lockId:nonce``, so no two mined transactions carry the same message.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from web3.contract import Contract

from zkcollat.attest.attestation import RootAttestation, zkcollat_domain
from zkcollat.attest.lock_report import SignedLockReport
from zkcollat.chain.client import BlockRef, ChainClient, LogRef
from zkcollat.chain.errors import (
    ChainError,
    MirrorDivergence,
    ReorgTooDeep,
    RpcUnavailable,
    TransactionFailed,
)
from zkcollat.chain.follow import Follower
from zkcollat.chain.journal import TxRecord
from zkcollat.chain.keystore import load_account
from zkcollat.chain.sender import Call, TxSender
from zkcollat.margin.messages import Release, Seize
from zkcollat.relayer.collect import Asker, ask_http, gather
from zkcollat.relayer.config import ConfigError, RelayConfig
from zkcollat.relayer.contracts import contract, decode, lock_from_event
from zkcollat.relayer.member import message_from_event, message_json
from zkcollat.relayer.metrics import Metrics
from zkcollat.relayer.reports import ReportCollector, read_lock
from zkcollat.relayer.store import Message, RelayerStore
from zkcollat.vault import Lock, Vault


class Halt(ChainError):
    """The relayer stopped on purpose (deep reorg, mirror divergence): an operator must look."""


@dataclass(frozen=True)
class PassReport:
    source_blocks: int
    execution_blocks: int
    committed: TxRecord | None
    attested: TxRecord | None
    delivered: list[TxRecord]




class Relayer:
    def __init__(
        self,
        cfg: RelayConfig,
        *,
        metrics: Metrics | None = None,
        ask: Asker = ask_http,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if set(cfg.relayer_keys) != {"source", "execution"}:
            raise ConfigError("relayer needs a keystore for 'source' and for 'execution'")
        self.cfg = cfg
        self.metrics = metrics or Metrics()
        self.ask = ask
        self.clock = clock
        self.store = RelayerStore(cfg.store)

        def on_retry(what: str, e: BaseException) -> None:
            self.metrics.failures.labels(what="rpc_retry").inc()

        self.src = ChainClient(
            cfg.source.rpc, expected_chain_id=cfg.source.chain_id, on_retry=on_retry
        )
        self.exe = ChainClient(
            cfg.execution.rpc, expected_chain_id=cfg.execution.chain_id, on_retry=on_retry
        )
        src_acct = load_account(cfg.relayer_keys["source"]).account
        exe_acct = load_account(cfg.relayer_keys["execution"]).account
        self.src_tx = TxSender(self.src, src_acct, self.store.journal, clock=clock)
        self.exe_tx = TxSender(self.exe, exe_acct, self.store.journal, clock=clock)
        self.vault = contract(self.src.w3, "CollateralVault", cfg.vault, cfg.artifacts)
        self.registry = contract(self.exe.w3, "RootRegistry", cfg.registry, cfg.artifacts)
        self.credit = contract(self.exe.w3, "CollateralCredit", cfg.credit, cfg.artifacts)
        self.registry_domain = zkcollat_domain(cfg.execution.chain_id, cfg.registry)
        self.mirror = Vault.open(cfg.mirror, cfg.depth)
        self.src_follow = Follower(
            self.src,
            self.store.journal,
            [cfg.vault],
            depth=cfg.source.confirmations,
            start_block=cfg.source.start_block,
        )
        self.exe_follow = Follower(
            self.exe,
            self.store.journal,
            [cfg.registry, cfg.credit],
            depth=cfg.execution.confirmations,
            start_block=cfg.execution.start_block,
        )
        self._times: dict[tuple[int, int], int] = {}

    def close(self) -> None:
        self.mirror.close()
        self.store.close()

    # --- helpers ---------------------------------------------------------------------------

    def _time(self, client: ChainClient, number: int) -> int:
        """Timestamp of a block at the confirmation depth (cached: such blocks do not change)."""
        k = (client.chain_id, number)
        if k not in self._times:
            b = client.block(number)
            if b is None:
                raise ChainError(f"chain {client.chain_id} has no block {number}")
            self._times[k] = b.timestamp
        return self._times[k]

    def _view(self, client: ChainClient, fn: Any, block: int | str = "latest") -> Any:
        return client.call(fn.fn_name, lambda: fn.call(block_identifier=block))

    def _halt(self, kind: str, e: ChainError) -> Halt:
        self.store.alarm(kind, str(e))
        self.metrics.alarms.labels(kind=kind).inc()
        return Halt(f"relayer halted ({kind}): {e}")

    # --- one pass --------------------------------------------------------------------------

    def run_once(self) -> PassReport:
        try:
            for sender in (self.src_tx, self.exe_tx):
                for rec in sender.resume_all():
                    self._count_mined(rec)
            n_src = self.src_follow.poll(self._on_source)
            n_exe = self.exe_follow.poll(self._on_execution)
        except ReorgTooDeep as e:
            raise self._halt("reorg_too_deep", e) from e
        except MirrorDivergence as e:
            raise self._halt("mirror_divergence", e) from e
        committed = self._commit()
        attested = self._attest()
        delivered = self._deliver()
        self._gauges()
        return PassReport(n_src, n_exe, committed, attested, delivered)

    def run(self, stop: Callable[[], bool] = lambda: False) -> None:
        """Passes every ``pollS`` until ``stop()``; node outages are retried with backoff."""
        backoff = self.cfg.poll_s
        while not stop():
            try:
                self.run_once()
                backoff = self.cfg.poll_s
            except RpcUnavailable as e:
                self.metrics.failures.labels(what="rpc_unavailable").inc()
                print(f"relayer: {e}; retrying in {backoff:.1f} s", flush=True)
                backoff = min(backoff * 2, 30.0)
            time.sleep(backoff)

    def _count_mined(self, rec: TxRecord) -> None:
        if rec.state == "mined":
            self.metrics.txs.labels(kind=rec.kind).inc()

    def _gauges(self) -> None:
        m = self.metrics
        m.last_block.labels(chain="source").set(self.src_follow.processed())
        m.last_block.labels(chain="execution").set(self.exe_follow.processed())
        m.pending.labels(what="locks_unattested").set(self.store.unattested_locks())
        m.pending.labels(what="messages").set(len(self.store.pending_messages()))

    # --- source chain ----------------------------------------------------------------------

    def _on_source(self, logs: list[LogRef], end: BlockRef) -> None:
        new_locks: list[Lock] = []
        for lg in logs:
            ev = decode(self.vault, lg)
            if ev is None:
                continue
            name, a = ev
            if name == "Locked":
                lock = lock_from_event(a)
                if lock.leaf() != int(a["leaf"]):
                    raise MirrorDivergence(
                        f"lock {lock.lock_id}: the vault's leaf {a['leaf']} differs from "
                        f"Poseidon of its fields {lock.leaf()}"
                    )
                self._add_lock(lock, new_locks)
                self.store.add_lock(
                    lock.lock_id, lg.block_number, self._time(self.src, lg.block_number)
                )
            elif name == "RootCommitted":
                self._flush(new_locks, lg.block_number)
                count, root = int(a["leafCount"]), int(a["root"])
                self._check_root(count, root, f"RootCommitted in block {lg.block_number}")
                block = int(a["blockNumber"])
                self.store.add_root(block, self._time(self.src, block), count, root)
            elif name in ("Released", "Seized"):
                kind = "release" if name == "Released" else "seize"
                self.store.message_executed(
                    kind,
                    self.cfg.vault,
                    int(a["lockId"]),
                    int(a["nonce"]),
                    lg.block_number,
                    float(self._time(self.src, lg.block_number)),
                )
                for m in self.store.messages():
                    if (m.kind, m.lock_id, m.nonce) == (kind, int(a["lockId"]), int(a["nonce"])):
                        t = self._time(self.src, lg.block_number) - m.block_time
                        self.metrics.latency.labels(direction=kind).observe(t)
        self._flush(new_locks, end.number)
        # After every range: the contract's own root at the range's last block.
        count = int(self._view(self.src, self.vault.functions.leafCount(), end.number))
        if count:
            root = int(self._view(self.src, self.vault.functions.currentRoot(), end.number))
            self._check_root(count, root, f"currentRoot() at block {end.number}")

    def _add_lock(self, lock: Lock, new_locks: list[Lock]) -> None:
        have = self.mirror.size + len(new_locks)
        if lock.lock_id < self.mirror.size:  # a replayed range: the mirror has it already
            if self.mirror.get_lock(lock.lock_id) != lock:
                raise MirrorDivergence(f"lock {lock.lock_id} differs from the mirror's copy")
            return
        if lock.lock_id != have:
            raise MirrorDivergence(f"lock {lock.lock_id} arrived when the mirror expects {have}")
        new_locks.append(lock)

    def _flush(self, new_locks: list[Lock], block: int) -> None:
        if new_locks:
            self.mirror.insert_many(new_locks, block_number=block)
            new_locks.clear()

    def _check_root(self, count: int, root: int, where: str) -> None:
        if count > self.mirror.size:
            raise MirrorDivergence(
                f"{where}: the vault has {count} leaves, the mirror only {self.mirror.size}"
            )
        mine = self.mirror.root_at(count)
        if mine != root:
            raise MirrorDivergence(
                f"{where}: the vault's root {root} over {count} leaves differs from the "
                f"mirror's {mine}"
            )

    # --- execution chain -------------------------------------------------------------------

    def _on_execution(self, logs: list[LogRef], end: BlockRef) -> None:
        for lg in logs:
            c: Contract = self.registry if lg.address == self.cfg.registry else self.credit
            ev = decode(c, lg)
            if ev is None:
                continue
            name, a = ev
            if name == "RootAccepted":
                if int(a["sourceChainId"]) != self.cfg.source.chain_id or (
                    str(a["vault"]).lower() != self.cfg.vault
                ):
                    continue
                at = float(self._time(self.exe, lg.block_number))
                before = {lid for lid, _, _ in self.store.lock_latencies()}
                self.store.root_accepted(int(a["blockNumber"]), lg.block_number, at)
                for lid, _t, lat in self.store.lock_latencies():
                    if lid not in before:
                        self.metrics.latency.labels(direction="lock").observe(lat)
                continue
            msg = message_from_event(name, a)
            if msg is None or (msg.source_chain_id, msg.vault) != (
                self.cfg.source.chain_id,
                self.cfg.vault,
            ):
                continue
            amount = msg.amount if isinstance(msg, Seize) else None
            self.store.add_message(
                msg.kind.lower(),
                msg.vault,
                msg.lock_id,
                msg.nonce,
                amount,
                msg.deadline,
                lg.key,
                self._time(self.exe, lg.block_number),
            )

    # --- sending -----------------------------------------------------------------------------

    def _submit(self, sender: TxSender, kind: str, key: str, call: Call) -> TxRecord | None:
        try:
            rec = sender.submit(kind, key, call)
        except TransactionFailed as e:
            self.metrics.failures.labels(what=kind).inc()
            print(f"relayer: {kind} {key}: {e}", flush=True)
            return None
        rec = sender.resume(rec)
        self._count_mined(rec)
        return rec

    def _commit(self) -> TxRecord | None:
        """``commitRootUpTo(lockCount)`` when locks are pending and no commit is in flight.

        A commit is harmless to repeat on chain (it reverts with NothingToCommit), so its key
        is the source head it was decided at: a commit reverted or reorged out never blocks the
        next one, and one in flight is waited for rather than doubled.
        """
        live = [
            t
            for t in self.store.journal.open_txs(self.src.chain_id, self.src_tx.address)
            if t.kind == "commitRoot"
        ]
        if live:
            return None  # resumed at the start of the pass; mined or dropped soon
        fns = self.vault.functions
        head = self.src.head()
        locks = int(self._view(self.src, fns.lockCount(), head))
        leaves = int(self._view(self.src, fns.leafCount(), head))
        if locks <= leaves:
            return None
        data = bytes.fromhex(fns.commitRootUpTo(locks)._encode_transaction_data()[2:])
        key = f"{self.cfg.vault}:{locks}:{head}"
        return self._submit(self.src_tx, "commitRoot", key, Call(self.cfg.vault, data))

    def _problem(self, subject: str) -> Callable[[str, str, str], None]:
        def problem(kind: str, who: str, what: str) -> None:
            if kind == "member_misbehaved":
                self.store.alarm(kind, f"{who} on {subject}: {what}")
                self.metrics.alarms.labels(kind=kind).inc()
            else:
                self.metrics.failures.labels(what=kind).inc()
                print(f"relayer: member {who} refused {subject}: {what}", flush=True)

        return problem

    def _collect(
        self,
        subject: str,
        path: str,
        body: dict[str, Any],
        digest: bytes,
        check: Callable[[dict[str, Any]], str | None] = lambda _a: None,
    ) -> list[bytes]:
        """Valid signatures of ``digest`` from distinct members (kept in the store)."""
        have = self.store.signatures(subject)
        before = set(have)
        gather(
            self.cfg.members,
            self.cfg.threshold,
            self.ask,
            path,
            body,
            digest,
            have,
            check=check,
            on_problem=self._problem(subject),
        )
        for member in have.keys() - before:
            self.store.add_signature(subject, member, have[member])
        return list(have.values())[: self.cfg.threshold]

    def _attest(self) -> TxRecord | None:
        latest = self.store.latest_root()
        if latest is None or latest.accepted_block is not None:
            return None
        key = self.cfg.vault
        vk = self.src.w3.keccak(
            self.src.w3.codec.encode(["uint256", "address"], [self.cfg.source.chain_id, key])
        )
        on_chain = int(self._view(self.exe, self.registry.functions.latestBlock(vk)))
        if on_chain >= latest.block:
            return None  # accepted already (the event will be followed at depth)
        att = RootAttestation(
            self.cfg.source.chain_id, key, latest.block, latest.root, latest.block_time
        )
        subject = f"root:{latest.block}:{latest.root}"
        sigs = self._collect(subject, "/v1/root", att.to_json(), att.digest(self.registry_domain))
        if len(sigs) < self.cfg.threshold:
            return None
        a = att.message()
        fn = self.registry.functions.submitRoot(
            (
                a["sourceChainId"],
                self.src.w3.to_checksum_address(a["vault"]),
                a["blockNumber"],
                a["root"],
                a["timestamp"],
            ),
            b"".join(sigs),
        )
        data = bytes.fromhex(fn._encode_transaction_data()[2:])
        return self._submit(
            self.exe_tx, "submitRoot", f"{key}:{latest.block}", Call(self.cfg.registry, data)
        )

    def report_lock(self, tx: str, log_index: int) -> SignedLockReport | None:
        """The signed lock report of the vault's ``Locked`` log ``tx:log_index``, or None while
        fewer than ``threshold`` members signed this relayer's reading (signatures gathered are
        kept in the store under the reading's digest, so a later call completes them)."""
        reading = read_lock(self.src, self.vault, self.cfg, tx, log_index)
        subject = "lock:0x" + reading.digest(self.registry_domain).hex()
        col = ReportCollector(
            self.cfg.members,
            self.cfg.threshold,
            self.ask,
            self.registry_domain,
            self._problem(subject),
            self.store.signatures(subject),
        )
        before = set(col.have)
        out = col.collect(reading, tx, log_index)
        for member in col.have.keys() - before:
            self.store.add_signature(subject, member, col.have[member])
        return out

    def _deliver(self) -> list[TxRecord]:
        out = []
        latest = self.src.block("latest")  # not cached: the head may still be reorged
        if latest is None:
            raise ChainError(f"chain {self.src.chain_id} has no latest block")
        now = latest.timestamp
        for m in self.store.pending_messages():
            if m.deadline < now:
                self.store.message_failed(m.id, f"deadline {m.deadline} passed at {now}")
                self.store.alarm("message_expired", f"{m.kind} {m.key}: deadline {m.deadline}")
                self.metrics.alarms.labels(kind="message_expired").inc()
                continue
            rec = self._deliver_one(m)
            if rec is not None:
                out.append(rec)
        return out

    def _message(self, m: Message) -> Release | Seize:
        sc = self.cfg.source.chain_id
        if m.kind == "release":
            return Release(sc, m.vault, m.lock_id, m.nonce, m.deadline)
        assert m.amount is not None
        return Seize(sc, m.vault, m.lock_id, m.amount, m.nonce, m.deadline)

    def _deliver_one(self, m: Message) -> TxRecord | None:
        prev = self.store.journal.latest(self.src.chain_id, m.kind, m.key)
        if prev is None or prev.state == "dropped":
            used = bool(self._view(self.src, self.vault.functions.nonceUsed(m.nonce)))
            if used:
                return None  # executed by someone: the Released/Seized event will mark it
        msg = self._message(m)
        mine = message_json(msg)

        def same(ans: dict[str, Any]) -> str | None:
            theirs = ans.get("message")
            if theirs != mine:
                return f"returned message {theirs} but the event at {m.tx}:{m.log_index} is {mine}"
            return None

        sigs = self._collect(
            f"{m.kind}:{m.key}",
            "/v1/message",
            {"tx": m.tx, "logIndex": m.log_index},
            msg.digest(),
            same,
        )
        if len(sigs) < self.cfg.threshold:
            return None
        f = self.vault.functions
        fn = (
            f.release(m.lock_id, m.nonce, m.deadline, b"".join(sigs))
            if isinstance(msg, Release)
            else f.seize(m.lock_id, msg.amount, m.nonce, m.deadline, b"".join(sigs))
        )
        data = bytes.fromhex(fn._encode_transaction_data()[2:])
        return self._submit(self.src_tx, m.kind, m.key, Call(self.cfg.vault, data))
