"""Following a chain's event logs at a confirmation depth, with a persistent cursor.

``Follower.poll(handle)`` processes the blocks from the cursor + 1 up to ``head - depth``, in
ranges of at most ``max_range`` blocks: ``handle(logs, last_block)`` is called once per range,
inside an SQLite transaction that also moves the cursor, so the handler's writes and the cursor
commit together (a crash replays the range; handlers are keyed by (chain, block, tx, log index)
and idempotent). Before each range the hash of the cursor's block is compared with the node's:
a difference means a reorg deeper than the depth reached processed blocks, and raises
:class:`ReorgTooDeep`. A reorg shallower than the depth is never seen: those blocks were not
processed yet.

A stream read at a shallow depth (lock reports, docs/protocol.md s.9) expects such reorgs: its
follower is given ``on_reorg`` and, instead of halting, goes back to the newest processed block
the node still has (the stream's remembered hashes), calls ``on_reorg(first_gone)`` in the same
transaction as the cursor's move back, and reads on from there. Only a reorg deeper than the
hashes it keeps (:data:`~zkcollat.chain.journal.KEEP_BLOCK_HASHES`) raises :class:`ReorgTooDeep`.
Each follower has its own cursor, per (chain, ``stream``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from zkcollat.chain.client import BlockRef, ChainClient, LogRef
from zkcollat.chain.errors import ChainError, ReorgTooDeep
from zkcollat.chain.journal import KEEP_BLOCK_HASHES, MAIN, ChainJournal

Handler = Callable[[list[LogRef], BlockRef], None]
#: Told the first block number that a rewind takes back (its logs will be read again).
ReorgHandler = Callable[[int], None]


class Follower:
    def __init__(
        self,
        client: ChainClient,
        journal: ChainJournal,
        addresses: Sequence[str],
        *,
        depth: int,
        start_block: int = 0,
        max_range: int = 500,
        topics: Sequence[Any] | None = None,
        stream: str = MAIN,
        on_reorg: ReorgHandler | None = None,
    ) -> None:
        if depth < 0:
            raise ValueError(f"confirmation depth = {depth} must be >= 0")
        self.client = client
        self.journal = journal
        self.addresses = list(addresses)
        self.depth = depth
        self.start_block = start_block
        self.max_range = max_range
        self.topics = topics
        self.stream = stream
        self.on_reorg = on_reorg

    @property
    def chain_id(self) -> int:
        return self.client.chain_id

    def processed(self) -> int:
        """The last block processed (start_block - 1 before the first pass)."""
        cur = self.journal.cursor(self.chain_id, self.stream)
        return self.start_block - 1 if cur is None else cur[0]

    def check_cursor(self) -> None:
        cur = self.journal.cursor(self.chain_id, self.stream)
        if cur is None:
            return
        number, stored = cur
        now = self.client.block(number)
        if now is not None and now.hash == stored:
            return
        got = "missing" if now is None else "0x" + now.hash.hex()
        if self.on_reorg is not None:
            self._rewind(number)
            return
        raise ReorgTooDeep(
            f"chain {self.chain_id}: block {number} was processed with hash 0x{stored.hex()} "
            f"at confirmation depth {self.depth}, the node now has {got}: a reorg deeper "
            "than the depth; halting"
        )

    def _rewind(self, cursor: int) -> None:
        """Back to the newest remembered block the node still has (a shallow stream's reorg);
        if none is and the stream never forgot a hash (it started less than
        :data:`KEEP_BLOCK_HASHES` blocks ago), back to before its start."""
        assert self.on_reorg is not None
        back: tuple[int, bytes] | None = None
        for number, stored in self.journal.block_hashes(self.chain_id, self.stream):
            if number >= cursor:
                continue
            now = self.client.block(number)
            if now is not None and now.hash == stored:
                back = (number, stored)
                break
        if back is not None:
            with self.journal.store.write():
                self.on_reorg(back[0] + 1)
                self.journal.set_cursor(self.chain_id, back[0], back[1], self.stream)
            return
        if cursor - self.start_block < KEEP_BLOCK_HASHES:
            with self.journal.store.write():
                self.on_reorg(self.start_block)
                self.journal.drop_cursor(self.chain_id, self.stream)
            return
        raise ReorgTooDeep(
            f"chain {self.chain_id}: stream {self.stream!r} processed block {cursor} and none of "
            "the blocks it remembers below it is on the node's chain any more: a reorg deeper "
            "than the hashes kept; halting"
        )

    def poll(self, handle: Handler, *, max_ranges: int | None = None) -> int:
        """Process every confirmed block not yet processed; return how many blocks."""
        done = 0
        ranges = 0
        while max_ranges is None or ranges < max_ranges:
            self.check_cursor()
            target = self.client.head() - self.depth
            first = self.processed() + 1
            if first > target:
                break
            last = min(target, first + self.max_range - 1)
            end = self.client.block(last)
            if end is None:
                raise ChainError(f"chain {self.chain_id}: node has no block {last} below its head")
            logs = self.client.logs(self.addresses, first, last, self.topics)
            again = self.client.block(last)
            if again is None or again.hash != end.hash:
                continue  # the range moved under us (only possible with depth 0): read again
            for lg in logs:
                if lg.block_number == last and lg.block_hash != end.hash:
                    raise ReorgTooDeep(
                        f"chain {self.chain_id}: log of block {last} has hash "
                        f"0x{lg.block_hash.hex()}, the block 0x{end.hash.hex()}"
                    )
            with self.journal.store.write():
                handle(logs, end)
                self.journal.set_cursor(self.chain_id, end.number, end.hash, self.stream)
            done += last - first + 1
            ranges += 1
        return done
