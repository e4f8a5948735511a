"""An RPC connection to one chain, with retries and exponential backoff.

Every call goes through :meth:`ChainClient.call`, which retries connection failures and timeouts
(``backoff_s``, doubled each time up to ``max_backoff_s``) and raises :class:`RpcUnavailable`
naming the URL and the method once ``retries`` are spent. A JSON-RPC error answer (a revert, an
unknown method) is not retried: the node is up and said no.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import requests
from hexbytes import HexBytes
from web3 import Web3
from web3.exceptions import BlockNotFound, TransactionNotFound

from zkcollat.chain.errors import ChainMismatch, RpcUnavailable

T = TypeVar("T")

#: Exceptions that mean "the node did not answer" (retried), as opposed to an answer.
TRANSIENT: tuple[type[BaseException], ...] = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    ConnectionError,
    TimeoutError,
)


@dataclass(frozen=True)
class BlockRef:
    """A block as a follower needs it: number, hash (the reorg check), parent hash, time."""

    number: int
    hash: bytes
    parent_hash: bytes
    timestamp: int


@dataclass(frozen=True)
class LogRef:
    """One event log; ``key`` = (chain, block, tx, log index) is what handlers are keyed by."""

    chain_id: int
    block_number: int
    block_hash: bytes
    tx_hash: bytes
    log_index: int
    address: str
    topics: tuple[bytes, ...]
    data: bytes

    @property
    def key(self) -> tuple[int, int, str, int]:
        return (self.chain_id, self.block_number, "0x" + self.tx_hash.hex(), self.log_index)


class ChainClient:
    """One chain: an HTTP JSON-RPC endpoint, its chain id, retries with backoff."""

    def __init__(
        self,
        rpc_url: str,
        *,
        expected_chain_id: int | None = None,
        retries: int = 6,
        backoff_s: float = 0.2,
        max_backoff_s: float = 5.0,
        timeout_s: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
        on_retry: Callable[[str, BaseException], None] | None = None,
    ) -> None:
        if retries < 0:
            raise ValueError(f"retries = {retries} must be >= 0")
        self.rpc_url = rpc_url
        self.retries = retries
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self._sleep = sleep
        self._on_retry = on_retry
        # web3's own retry layer is off: this class owns retries, so they are counted once.
        self.w3 = Web3(
            Web3.HTTPProvider(
                rpc_url, request_kwargs={"timeout": timeout_s}, exception_retry_configuration=None
            )
        )
        self._chain_id: int | None = None
        if expected_chain_id is not None:
            got = self.chain_id
            if got != expected_chain_id:
                raise ChainMismatch(
                    f"node {rpc_url} serves chain id {got}, the configuration says "
                    f"{expected_chain_id}"
                )

    def call(self, what: str, fn: Callable[[], T]) -> T:
        """Run ``fn`` (one RPC round trip), retrying transient failures with backoff."""
        delay = self.backoff_s
        for attempt in range(self.retries + 1):
            try:
                return fn()
            except TRANSIENT as e:
                if attempt == self.retries:
                    raise RpcUnavailable(
                        f"{self.rpc_url} did not answer {what} after {self.retries + 1} "
                        f"attempts: {type(e).__name__}"
                    ) from e
                if self._on_retry is not None:
                    self._on_retry(what, e)
                self._sleep(delay)
                delay = min(delay * 2, self.max_backoff_s)
        raise AssertionError("unreachable")

    def rpc(self, method: str, params: Sequence[Any] = ()) -> Any:
        """A raw JSON-RPC request (``anvil_*``/``evm_*`` methods); raises on an error answer."""

        def go() -> Any:
            resp = self.w3.provider.make_request(method, list(params))  # type: ignore[arg-type]
            if "error" in resp:
                raise RuntimeError(f"{method} failed on {self.rpc_url}: {resp['error']}")
            return resp.get("result")

        return self.call(method, go)

    @property
    def chain_id(self) -> int:
        if self._chain_id is None:
            self._chain_id = int(self.call("eth_chainId", lambda: self.w3.eth.chain_id))
        return self._chain_id

    def head(self) -> int:
        return int(self.call("eth_blockNumber", lambda: self.w3.eth.block_number))

    def block(self, number: int | str) -> BlockRef | None:
        """The block at ``number`` (or ``"latest"``), or None when the node has no such block."""

        def go() -> BlockRef | None:
            try:
                b = self.w3.eth.get_block(number)  # type: ignore[arg-type]
            except BlockNotFound:
                return None
            return BlockRef(
                int(b["number"]),
                bytes(b["hash"]),
                bytes(b["parentHash"]),
                int(b["timestamp"]),
            )

        return self.call(f"eth_getBlockByNumber({number})", go)

    def logs(
        self,
        addresses: Sequence[str],
        from_block: int,
        to_block: int,
        topics: Sequence[Any] | None = None,
    ) -> list[LogRef]:
        """Logs of ``addresses`` in [from_block, to_block], in chain order."""
        params: dict[str, Any] = {
            "address": [Web3.to_checksum_address(a) for a in addresses],
            "fromBlock": from_block,
            "toBlock": to_block,
        }
        if topics is not None:
            params["topics"] = list(topics)
        cid = self.chain_id
        raw = self.call(
            f"eth_getLogs({from_block}..{to_block})",
            lambda: self.w3.eth.get_logs(params),  # type: ignore[arg-type]
        )
        out = [
            LogRef(
                cid,
                int(lg["blockNumber"]),
                bytes(lg["blockHash"]),
                bytes(lg["transactionHash"]),
                int(lg["logIndex"]),
                str(lg["address"]).lower(),
                tuple(bytes(t) for t in lg["topics"]),
                bytes(HexBytes(lg["data"])),
            )
            for lg in raw
        ]
        out.sort(key=lambda lg: (lg.block_number, lg.log_index))
        return out

    def receipt(self, tx_hash: bytes) -> dict[str, Any] | None:
        def go() -> dict[str, Any] | None:
            try:
                return dict(self.w3.eth.get_transaction_receipt(HexBytes(tx_hash)))
            except TransactionNotFound:
                return None

        return self.call("eth_getTransactionReceipt", go)

    def transaction_known(self, tx_hash: bytes) -> bool:
        """Whether the node knows the transaction (pending in its pool or mined)."""

        def go() -> bool:
            try:
                self.w3.eth.get_transaction(HexBytes(tx_hash))
                return True
            except TransactionNotFound:
                return False

        return self.call("eth_getTransactionByHash", go)

    def nonce(self, address: str, block: str = "pending") -> int:
        a = Web3.to_checksum_address(address)
        return int(
            self.call(
                "eth_getTransactionCount",
                lambda: self.w3.eth.get_transaction_count(a, block),  # type: ignore[arg-type]
            )
        )

    def balance(self, address: str, block: int | str = "latest") -> int:
        a = Web3.to_checksum_address(address)
        return int(
            self.call("eth_getBalance", lambda: self.w3.eth.get_balance(a, block))  # type: ignore[arg-type]
        )
