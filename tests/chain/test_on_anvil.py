"""The chain layer on a real node (anvil): journaled sends, restarts, log following, reorgs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from zkcollat.chain import (
    BlockRef,
    Call,
    ChainClient,
    ChainMismatch,
    Follower,
    KeystoreRef,
    LogRef,
    ReorgTooDeep,
    TransactionFailed,
    TxSender,
    create_keystore,
    load_account,
)
from zkcollat.chain.anvil import AnvilProcess
from zkcollat.chain.journal import open_journal

pytestmark = pytest.mark.slow

# Runtime code of a contract that emits LOG1(topic = calldata word 0) with no data, then stops:
# PUSH1 0 CALLDATALOAD PUSH1 0 PUSH1 0 LOG1 STOP
EMITTER_RUNTIME = bytes.fromhex("600035600060" + "00a100")
EMITTER = "0x" + "e1" * 20


def _funded(tmp_path: Path, client: ChainClient, name: str = "a") -> TxSender:
    ks, pw = tmp_path / f"{name}.json", tmp_path / f"{name}.password"
    addr = create_keystore(ks, pw)
    client.rpc("anvil_setBalance", [addr, hex(10**20)])
    acct = load_account(KeystoreRef(ks, pw)).account
    journal = open_journal(tmp_path / f"{name}.sqlite")
    return TxSender(client, acct, journal)


def test_chain_id_checked(anvil_factory: Callable[..., AnvilProcess]) -> None:
    node = anvil_factory(chain_id=777)
    assert ChainClient(node.rpc, expected_chain_id=777).chain_id == 777
    with pytest.raises(ChainMismatch, match="serves chain id 777"):
        ChainClient(node.rpc, expected_chain_id=778)


def test_send_records_intended_sent_mined_and_is_idempotent(
    tmp_path: Path, anvil_factory: Callable[..., AnvilProcess]
) -> None:
    node = anvil_factory()
    client = ChainClient(node.rpc)
    s = _funded(tmp_path, client)
    to = "0x" + "42" * 20
    rec = s.submit("pay", "k1", Call(to, b"", value=5))
    assert rec.state == "sent"
    rec = s.wait(rec)
    assert rec.state == "mined" and rec.status == 1 and rec.gas_used == 21000
    # the same key again: the mined record, nothing new sent
    again = s.submit("pay", "k1", Call(to, b"", value=5))
    assert again.id == rec.id and client.balance(to) == 5
    assert s.journal.mined_duplicates() == []


def test_crash_between_intended_and_broadcast_rebroadcasts_the_same_bytes(
    tmp_path: Path, anvil_factory: Callable[..., AnvilProcess]
) -> None:
    node = anvil_factory()
    client = ChainClient(node.rpc)
    s = _funded(tmp_path, client)
    to = "0x" + "43" * 20

    def crash(rec: object) -> object:
        raise KeyboardInterrupt("killed before broadcasting")

    s._broadcast = crash  # type: ignore[method-assign,assignment]
    with pytest.raises(KeyboardInterrupt):
        s.submit("pay", "k", Call(to, b"", value=7))
    # a new process: same keystore, same journal file
    s2 = TxSender(client, s.account, open_journal(tmp_path / "a.sqlite"))
    [open_rec] = s2.journal.open_txs(client.chain_id, s2.address)
    assert open_rec.state == "intended"
    resumed = s2.resume_all()
    assert resumed[0].hash == open_rec.hash
    mined = s2.wait(resumed[0])
    assert mined.hash == open_rec.hash and client.balance(to) == 7
    assert s2.submit("pay", "k", Call(to, b"", value=7)).id == open_rec.id
    assert client.balance(to) == 7


def test_dropped_transaction_allows_a_new_attempt(
    tmp_path: Path, anvil_factory: Callable[..., AnvilProcess]
) -> None:
    node = anvil_factory()
    client = ChainClient(node.rpc)
    s = _funded(tmp_path, client)
    s._broadcast = lambda rec: rec  # type: ignore[method-assign]  # signed, never broadcast
    rec = s.submit("pay", "k", Call("0x" + "44" * 20, b"", value=1))
    del s._broadcast
    # another transaction (another tool with the same key) takes the account nonce
    other = _funded(tmp_path, client, "b")
    client.rpc("anvil_setBalance", [s.address, hex(10**20)])
    other2 = TxSender(client, s.account, other.journal)
    other2.wait(other2.submit("pay", "other", Call("0x" + "45" * 20, b"", value=1)))
    assert s.resume(rec).state == "dropped"
    new = s.wait(s.submit("pay", "k", Call("0x" + "44" * 20, b"", value=1)))
    assert new.attempt == 1 and new.state == "mined"
    assert client.balance("0x" + "44" * 20) == 1


def test_revert_is_reported_before_anything_is_recorded(
    tmp_path: Path, anvil_factory: Callable[..., AnvilProcess]
) -> None:
    node = anvil_factory()
    client = ChainClient(node.rpc)
    s = _funded(tmp_path, client)
    reverter = "0x" + "fd" * 20
    client.rpc("anvil_setCode", [reverter, "0x60006000fd"])  # REVERT(0, 0)
    with pytest.raises(TransactionFailed, match="would revert"):
        s.submit("call", "x", Call(reverter, b""))
    assert s.journal.all_txs() == []


def _emit(s: TxSender, topic: int, key: str) -> None:
    s.wait(s.submit("emit", key, Call(EMITTER, topic.to_bytes(32, "big"), gas=60_000)))


def test_follower_depth_cursor_and_reorgs(
    tmp_path: Path, anvil_factory: Callable[..., AnvilProcess]
) -> None:
    node = anvil_factory()
    client = ChainClient(node.rpc)
    client.rpc("anvil_setCode", [EMITTER, "0x" + EMITTER_RUNTIME.hex()])
    s = _funded(tmp_path, client)
    f = Follower(client, open_journal(tmp_path / "follow.sqlite"), [EMITTER], depth=3)
    seen: list[tuple[int, int, str, int]] = []
    topics: list[int] = []

    def handle(logs: list[LogRef], end: BlockRef) -> None:
        for lg in logs:
            assert lg.key not in seen  # each log exactly once
            seen.append(lg.key)
            topics.append(int.from_bytes(lg.topics[0], "big"))

    for i in range(4):
        _emit(s, i, f"e{i}")
    head = client.head()
    f.poll(handle)
    assert f.processed() == head - 3
    assert topics == [0]  # logs of the last 3 blocks wait for confirmations
    client.rpc("anvil_mine", ["0x3"])
    f.poll(handle)
    assert topics == [0, 1, 2, 3]
    # a reorg shallower than the depth: the replaced blocks were never processed
    _emit(s, 4, "e4")
    client.rpc("anvil_reorg", [2, []])  # drops the block of event 4 (and one more)
    client.rpc("anvil_mine", ["0x5"])
    f.poll(handle)
    assert topics == [0, 1, 2, 3]  # event 4 was reorged out before it was confirmed
    # a reorg deeper than the depth reaches a processed block: halt with an alarm
    client.rpc("anvil_reorg", [5, []])
    with pytest.raises(ReorgTooDeep, match="deeper than the depth"):
        f.poll(handle)
    # a restart does not get past it either
    f2 = Follower(client, open_journal(tmp_path / "follow.sqlite"), [EMITTER], depth=3)
    with pytest.raises(ReorgTooDeep):
        f2.poll(handle)
