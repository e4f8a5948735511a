"""A chain in memory for followers: blocks whose hashes depend on their contents, logs per
block, reorgs that replace the blocks from a height on (as a node does). A log's payload
``tx|event`` is emitted by the transaction whose hash is of ``tx`` (the whole payload if it
has no ``|``): the same transaction mined again in another fork may emit another event."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from zkcollat.chain.client import BlockRef, LogRef


def tx_hash(payload: bytes) -> bytes:
    return hashlib.sha256(payload.split(b"|", 1)[0]).digest()


class FakeChain:
    """Quacks like the part of :class:`~zkcollat.chain.client.ChainClient` a follower uses."""

    def __init__(self, chain_id: int = 7, address: str = "0x" + "11" * 20) -> None:
        self.chain_id = chain_id
        self.address = address
        self.blocks: list[BlockRef] = []
        self.payloads: list[list[bytes]] = []
        self.fork = 0
        self.mine([])  # genesis

    def mine(self, payloads: Sequence[bytes] = ()) -> BlockRef:
        n = len(self.blocks)
        parent = self.blocks[-1].hash if self.blocks else b"\x00" * 32
        h = hashlib.sha256(parent + bytes([self.fork]) + b"".join(payloads)).digest()
        b = BlockRef(n, h, parent, 1_000 + 12 * n)
        self.blocks.append(b)
        self.payloads.append(list(payloads))
        return b

    def reorg(self, height: int) -> None:
        """Drop the blocks from ``height`` on; the next ones mined are of another fork."""
        del self.blocks[height:]
        del self.payloads[height:]
        self.fork += 1

    def head(self) -> int:
        return len(self.blocks) - 1

    def block(self, number: int | str) -> BlockRef | None:
        if number == "latest":
            return self.blocks[-1]
        assert isinstance(number, int)
        return self.blocks[number] if 0 <= number < len(self.blocks) else None

    def logs(
        self, addresses: Sequence[str], first: int, last: int, topics: Any = None
    ) -> list[LogRef]:
        out = []
        for n in range(first, last + 1):
            b = self.blocks[n]
            for i, data in enumerate(self.payloads[n]):
                tx = tx_hash(data)
                out.append(LogRef(self.chain_id, n, b.hash, tx, i, self.address, (), data))
        return out
