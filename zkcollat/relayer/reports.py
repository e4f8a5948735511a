"""Lock reports on the committee's side (docs/protocol.md s.9): what a member reads from a
``Locked`` log before it signs, and how a relayer gathers the threshold of signatures.

A member signs a :class:`~zkcollat.attest.lock_report.LockReport` only for a ``Locked`` log of
its own vault, read from its own source node, whose leaf is Poseidon of the fields it carries,
in a block at least ``reportConfirmations`` below the head and still canonical there
(:func:`check_report_depth`, :func:`report_from_event`). The relayer reads the same log itself,
asks every member, and keeps a member's signature only if the report the member returns is
the relayer's own reading and the signature recovers to that member
(:class:`ReportCollector`); anything else is reported as misbehaviour and skipped. The result
is a :class:`~zkcollat.attest.lock_report.SignedLockReport` for ``zkcollat margin report-lock``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from web3.contract import Contract

from zkcollat.attest.eip712 import Domain, normalize_address
from zkcollat.attest.lock_report import LockReport, SignedLockReport
from zkcollat.chain.client import ChainClient, LogRef
from zkcollat.chain.errors import ChainError
from zkcollat.errors import ZkcollatError
from zkcollat.relayer.collect import Asker, OnProblem, gather
from zkcollat.relayer.config import MemberEndpoint, RelayConfig
from zkcollat.relayer.contracts import decode, lock_from_event

LOCK_PATH = "/v1/lock"


class ReportRefused(ChainError):
    """A member will not sign this lock report: the message says what it read instead."""


def check_report_depth(
    number: int,
    head: int,
    depth: int,
    canonical: bool,
    *,
    refused: type[ChainError] = ReportRefused,
    depth_name: str = "report depth",
) -> None:
    """The log's block is ``depth`` blocks below ``head`` and still canonical."""
    if number > head - depth:
        raise refused(
            f"block {number} is not {depth} blocks below the head {head} yet ({depth_name})"
        )
    if not canonical:
        raise refused(f"block {number} is no longer canonical on this member's node")


def report_from_event(
    source_chain_id: int,
    vault: str,
    event: tuple[str, dict[str, Any]] | None,
    block_number: int,
    block_hash: bytes,
) -> LockReport:
    """The report a decoded vault log supports; refused unless it is a ``Locked`` event whose
    ``leaf`` is Poseidon of its six fields (PROTOCOL.md s.3)."""
    if event is None or event[0] != "Locked":
        raise ReportRefused(f"the log is not a Locked event of vault {vault}")
    a = event[1]
    try:
        lock = lock_from_event(a)
        leaf = int(a["leaf"])
    except (KeyError, TypeError, ValueError, ZkcollatError) as e:
        raise ReportRefused(f"malformed Locked event: {e}") from e
    if lock.leaf() != leaf:
        raise ReportRefused(
            f"lock {lock.lock_id}: the event's leaf {leaf} is not Poseidon of its fields"
        )
    try:
        return LockReport(
            source_chain_id,
            vault,
            lock.lock_id,
            normalize_address(lock.owner, "owner"),
            lock.dest_chain_id,
            normalize_address(lock.asset_id, "token"),
            lock.amount,
            lock.expiry,
            block_number,
            block_hash,
        )
    except ZkcollatError as e:
        raise ReportRefused(str(e)) from e


def read_confirmed_log(
    client: ChainClient,
    chain_id: int,
    tx: str,
    log_index: int,
    *,
    address: str,
    depth: int,
    refused: type[ChainError],
    names: tuple[str, str, str],
) -> LogRef:
    """Log ``tx:log_index`` as ``client`` has it: emitted by ``address``, in a block ``depth``
    below the head and still canonical, else ``refused``. ``names``: the node, the contract and
    the depth, as refusals name them."""
    node, contract, depth_name = names
    try:
        tx_hash = bytes.fromhex(tx.removeprefix("0x"))
    except ValueError as e:
        raise refused(f"tx = {tx!r} is not a hash") from e
    receipt = client.receipt(tx_hash)
    if receipt is None:
        raise refused(f"transaction {tx} is unknown to {node}")
    logs = [lg for lg in receipt["logs"] if int(lg["logIndex"]) == log_index]
    if not logs:
        raise refused(f"transaction {tx} has no log with index {log_index}")
    raw = logs[0]
    if str(raw["address"]).lower() != address:
        raise refused(f"log {tx}:{log_index} is from {raw['address']}, not {contract}")
    number = int(raw["blockNumber"])
    block_hash = bytes(raw["blockHash"])
    blk = client.block(number)
    canonical = blk is not None and blk.hash == block_hash
    check_report_depth(
        number, client.head(), depth, canonical, refused=refused, depth_name=depth_name
    )
    return LogRef(
        chain_id,
        number,
        block_hash,
        tx_hash,
        log_index,
        str(raw["address"]).lower(),
        tuple(bytes(t) for t in raw["topics"]),
        bytes(raw["data"]),
    )


def read_lock(
    src: ChainClient, vault: Contract, cfg: RelayConfig, tx: str, log_index: int
) -> LockReport:
    """The report the vault's ``Locked`` log ``tx:log_index`` supports, read from ``src`` (the
    reader's own source node) at ``cfg.source.report_confirmations``."""
    lg = read_confirmed_log(
        src,
        cfg.source.chain_id,
        tx,
        log_index,
        address=cfg.vault,
        depth=cfg.source.report_confirmations,
        refused=ReportRefused,
        names=("the source node", "the vault", "report depth"),
    )
    return report_from_event(
        cfg.source.chain_id, cfg.vault, decode(vault, lg), lg.block_number, lg.block_hash
    )


def lock_request(req: dict[str, Any]) -> tuple[str, int]:
    """``{"tx": hash, "logIndex": n}`` of a lock report request."""
    tx, log_index = req.get("tx"), req.get("logIndex")
    if not isinstance(tx, str) or isinstance(log_index, bool) or not isinstance(log_index, int):
        raise ReportRefused("a lock report request needs 'tx' (hash) and 'logIndex' (integer)")
    return tx, log_index


@dataclass
class ReportCollector:
    """Gathers ``threshold`` valid member signatures over the relayer's own reading."""

    members: Sequence[MemberEndpoint]
    threshold: int
    ask: Asker
    domain: Domain
    on_problem: OnProblem = lambda _kind, _who, _what: None
    have: dict[str, bytes] = field(default_factory=dict)

    def collect(self, reading: LockReport, tx: str, log_index: int) -> SignedLockReport | None:
        """The signed report once ``threshold`` members signed exactly ``reading``; None while
        fewer did (the signatures gathered so far stay in ``have``)."""
        mine = reading.to_json()

        def same(ans: dict[str, Any]) -> str | None:
            if ans.get("report") != mine:
                return f"returned report {ans.get('report')} but the log {tx}:{log_index} is {mine}"
            return None

        gather(
            self.members,
            self.threshold,
            self.ask,
            LOCK_PATH,
            {"tx": tx, "logIndex": log_index},
            reading.digest(self.domain),
            self.have,
            check=same,
            on_problem=self.on_problem,
        )
        if len(self.have) < self.threshold:
            return None
        sigs = tuple(list(self.have.values())[: self.threshold])
        return SignedLockReport(reading, self.domain, sigs)
