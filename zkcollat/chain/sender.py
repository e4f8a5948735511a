"""Sending transactions with the intended -> sent -> mined record of :mod:`zkcollat.chain.journal`.

``TxSender.submit(kind, key, call)`` is idempotent in (kind, key): if the journal already holds
a live transaction for the key it is resumed (its stored raw bytes rebroadcast), never rebuilt;
a new transaction is built only for a key never sent, or whose last attempt was dropped (its
account nonce taken by another transaction without it being mined). A transaction mined in a
block that a reorg took away goes back to sent and its same bytes are broadcast again, so the
account's later transactions are not left behind a nonce gap.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from web3 import Web3
from web3.exceptions import ContractLogicError, Web3RPCError

from zkcollat.chain.client import ChainClient
from zkcollat.chain.errors import TransactionFailed
from zkcollat.chain.journal import ChainJournal, TxRecord


@dataclass(frozen=True)
class Call:
    """What to send: destination (None: contract creation), calldata, value (wei); gas
    estimated unless given."""

    to: str | None
    data: bytes
    value: int = 0
    gas: int | None = None


def revert_reason(e: BaseException) -> str:
    msg = getattr(e, "message", None) or str(e)
    data = getattr(e, "data", None)
    return f"{msg} {data}" if data and str(data) not in str(msg) else str(msg)


class TxSender:
    """One account on one chain, sending through a journal."""

    def __init__(
        self,
        client: ChainClient,
        account: LocalAccount,
        journal: ChainJournal,
        *,
        gas_margin: float = 1.25,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.account = account
        self.address = str(account.address).lower()
        self.journal = journal
        self.gas_margin = gas_margin
        self.clock = clock

    @property
    def chain_id(self) -> int:
        return self.client.chain_id

    def _fees(self) -> dict[str, int]:
        latest = self.client.call(
            "eth_getBlockByNumber(latest)", lambda: self.client.w3.eth.get_block("latest")
        )
        base = int(latest.get("baseFeePerGas", 0) or 0)
        tip = 10**9
        return {"maxFeePerGas": 2 * base + tip, "maxPriorityFeePerGas": tip}

    def estimate(self, call: Call) -> int:
        tx: dict[str, Any] = {
            "from": Web3.to_checksum_address(self.address),
            "data": HexBytes(call.data),
            "value": call.value,
        }
        if call.to is not None:
            tx["to"] = Web3.to_checksum_address(call.to)
        try:
            return int(
                self.client.call("eth_estimateGas", lambda: self.client.w3.eth.estimate_gas(tx))  # type: ignore[arg-type]
            )
        except (ContractLogicError, Web3RPCError) as e:
            raise TransactionFailed(
                f"call to {call.to or 'a new contract'} would revert: {revert_reason(e)}"
            ) from e

    def submit(self, kind: str, key: str, call: Call) -> TxRecord:
        """Return the live or mined transaction for (kind, key), sending a new one if none."""
        prev = self.journal.latest(self.chain_id, kind, key)
        if prev is not None and prev.state == "mined" and self.client.receipt(prev.hash) is None:
            # mined, then taken out by a reorg: the same bytes go out again (its account nonce
            # is free again, and later transactions of this account wait for it)
            prev = self.journal.unmine(prev.id)
        if prev is not None and prev.state != "dropped":
            return self.resume(prev)
        gas = call.gas if call.gas is not None else int(self.estimate(call) * self.gas_margin)
        nonce = max(
            self.client.nonce(self.address), self.journal.next_nonce(self.chain_id, self.address)
        )
        tx: dict[str, Any] = {
            "chainId": self.chain_id,
            "nonce": nonce,
            "data": HexBytes(call.data),
            "value": call.value,
            "gas": gas,
            "type": 2,
            **self._fees(),
        }
        if call.to is not None:
            tx["to"] = Web3.to_checksum_address(call.to)
        signed = self.account.sign_transaction(tx)
        rec = self.journal.record_intended(
            self.chain_id,
            kind,
            key,
            self.address,
            nonce,
            bytes(signed.hash),
            bytes(signed.raw_transaction),
            self.clock(),
        )
        return self._broadcast(rec)

    def _broadcast(self, rec: TxRecord) -> TxRecord:
        def go() -> None:
            try:
                self.client.w3.eth.send_raw_transaction(HexBytes(rec.raw))
            except Web3RPCError as e:
                text = str(e).lower()
                if "already known" in text or "already imported" in text:
                    return
                if "nonce too low" in text:
                    return  # mined, or replaced: resume() tells which
                raise

        self.client.call("eth_sendRawTransaction", go)
        if rec.state == "intended":
            rec = self.journal.mark(rec.id, "sent")
        return rec

    def resume(self, rec: TxRecord) -> TxRecord:
        """Bring a journal record up to date with the chain (receipt, rebroadcast, or dropped)."""
        if rec.state in ("mined", "dropped"):
            return rec
        receipt = self.client.receipt(rec.hash)
        if receipt is not None:
            return self.journal.mark(
                rec.id,
                "mined",
                block=int(receipt["blockNumber"]),
                status=int(receipt["status"]),
                gas_used=int(receipt["gasUsed"]),
                now=self.clock(),
            )
        if self.client.transaction_known(rec.hash):
            return rec if rec.state == "sent" else self.journal.mark(rec.id, "sent")
        if self.client.nonce(rec.sender, "latest") > rec.nonce:
            # Our account nonce was consumed and this hash has no receipt: another transaction
            # took it. Check the receipt once more (a block may have landed in between).
            receipt = self.client.receipt(rec.hash)
            if receipt is None:
                return self.journal.mark(rec.id, "dropped")
            return self.resume(rec)
        return self._broadcast(rec)

    def resume_all(self, reorg_window: int = 64) -> list[TxRecord]:
        """Resume every open transaction, after putting back to sent any mined in the last
        ``reorg_window`` blocks whose receipt a reorg took away."""
        since = self.client.head() - reorg_window
        for r in self.journal.recently_mined(self.chain_id, self.address, since):
            if self.client.receipt(r.hash) is None:
                self.journal.unmine(r.id)
        return [self.resume(r) for r in self.journal.open_txs(self.chain_id, self.address)]

    def wait(self, rec: TxRecord, timeout_s: float = 60.0, poll_s: float = 0.1) -> TxRecord:
        """Resume ``rec`` until mined; raise :class:`TransactionFailed` if it reverts or drops."""
        deadline = time.monotonic() + timeout_s
        while True:
            rec = self.resume(rec)
            if rec.state == "mined":
                if rec.status != 1:
                    raise TransactionFailed(
                        f"{rec.kind} {rec.key}: transaction {rec.hash_hex} reverted in block "
                        f"{rec.block}"
                    )
                return rec
            if rec.state == "dropped":
                raise TransactionFailed(f"{rec.kind} {rec.key}: transaction {rec.hash_hex} dropped")
            if time.monotonic() > deadline:
                raise TransactionFailed(
                    f"{rec.kind} {rec.key}: transaction {rec.hash_hex} not mined after "
                    f"{timeout_s} s"
                )
            time.sleep(poll_s)
