"""``zkcollat devnet story --dir D``: the whole path on the devnet, step by step.

lock (source) -> attest (the relayer commits the root, the committee attests it on the
execution chain) -> prove (the owner, off chain) -> credit (execution) -> trade (the maker
deposits quote cash; the venue matches) -> liquidate (the venue's settlement account marks the
credit seized: the credit contract emits the Seize message) -> seize (the committee attests it
and the relayer executes it on the vault: the tokens reach the registered recipient) ->
release (a second lock's credit is released, the vault releases it, its depositor withdraws).

Every step prints its transactions with block and gas; ``--json`` gives
``{"steps": [{"name", "chain", "tx": [hashes], "gas", ...}]}``. The committee members and the
relayer run as child processes for the story's duration (their logs are in D).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from web3 import Web3
from web3.logs import DISCARD

from zkcollat.chain.client import ChainClient
from zkcollat.chain.errors import ChainError
from zkcollat.chain.journal import ChainJournal, TxRecord
from zkcollat.chain.keystore import load_account
from zkcollat.chain.sender import Call, TxSender
from zkcollat.relayer.contracts import abi
from zkcollat.relayer.devnet import Devnet, load
from zkcollat.relayer.procs import Services

COL = 10**18
LOCK_A = 10 * COL
LOCK_B = 4 * COL
THRESHOLD_A = 8 * COL
THRESHOLD_B = 3 * COL
SEIZE_AMOUNT = 8 * COL
LOCK_GAS = 400_000  # given, not estimated: the allowance is still pending when the locks go out
MAKER_CASH = 100_000 * 10**6
DAY = 86400


@dataclass
class Step:
    name: str
    chain: str | None
    tx: list[str] = field(default_factory=list)
    gas: int = 0
    blocks: list[int] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def add(self, rec: TxRecord) -> None:
        self.tx.append(rec.hash_hex)
        self.gas += int(rec.gas_used or 0)
        if rec.block is not None:
            self.blocks.append(rec.block)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "chain": self.chain,
            "tx": self.tx,
            "gas": self.gas,
            "blocks": self.blocks,
            "seconds": round(self.seconds, 2),
            **self.detail,
        }


class StoryError(ChainError):
    """A story step did not reach the state it waits for."""


def _wait(what: str, cond: Callable[[], Any], timeout_s: float = 60.0, poll_s: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > deadline:
            raise StoryError(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(poll_s)


class Actors:
    """The devnet's accounts as senders, with web3 contract objects for both chains."""

    def __init__(self, net: Devnet, run: str) -> None:
        self.net = net
        self.run = run
        self.out = Path(net.doc["contracts"]["artifacts"])
        self.src: ChainClient = net.client("source")
        self.exe: ChainClient = net.client("execution")
        self.journal = ChainJournal(sqlite3.connect(net.dir / "story.sqlite"))
        self._senders: dict[tuple[str, str], TxSender] = {}
        s, e = net.side("source"), net.side("execution")
        self.vault = self._c(self.src, "CollateralVault", s["vault"])
        self.token = self._c(self.src, "TestToken", s["token"])
        self.registry = self._c(self.exe, "RootRegistry", e["registry"])
        self.credit = self._c(self.exe, "CollateralCredit", e["credit"])
        self.quote = self._c(self.exe, "TestToken", e["quoteToken"])

    def _c(self, client: ChainClient, name: str, addr: str) -> Any:
        return client.w3.eth.contract(
            address=Web3.to_checksum_address(addr), abi=abi(name, self.out)
        )

    def sender(self, who: str, side: str) -> TxSender:
        k = (who, side)
        if k not in self._senders:
            acct = load_account(self.net.account(who)).account
            client = self.src if side == "source" else self.exe
            self._senders[k] = TxSender(client, acct, self.journal)
        return self._senders[k]

    def submit(self, who: str, side: str, what: str, fn: Any, gas: int | None = None) -> TxRecord:
        s = self.sender(who, side)
        data = bytes.fromhex(fn._encode_transaction_data()[2:])
        return s.submit(what, f"{self.run}:{what}", Call(str(fn.address), data, gas=gas))

    def send(self, who: str, side: str, what: str, fn: Any) -> TxRecord:
        return self.sender(who, side).wait(self.submit(who, side, what, fn))

    def addr(self, who: str) -> str:
        return Web3.to_checksum_address(self.net.address(who))


def _relayer_txs(net: Devnet, kind: str) -> list[TxRecord]:
    conn = sqlite3.connect(net.dir / "relayer.sqlite")
    try:
        return [r for r in ChainJournal(conn).all_txs() if r.kind == kind and r.state == "mined"]
    finally:
        conn.close()


def run_story(d: Path, *, log: Callable[[str], None] = print) -> dict[str, Any]:
    net = load(d)
    run = str(int(time.time()))
    a = Actors(net, run)
    svc = Services(net)
    steps: list[Step] = []
    t_start = time.perf_counter()
    svc.start_all()
    pool = ThreadPoolExecutor(1)
    try:
        prover = pool.submit(_prover_setup, net)
        steps = _story(net, a, svc, prover, log)
    finally:
        svc.stop_all()
        pool.shutdown(wait=False, cancel_futures=True)
    return {
        "steps": [s.to_json() for s in steps],
        "seconds": round(time.perf_counter() - t_start, 2),
    }


def _prover_setup(net: Devnet) -> tuple[Any, Any]:
    """The proving key and the compiled circuit, loaded while the chains work."""
    from zkcollat.formats import pkey
    from zkcollat.statements import CollateralLock

    pk = pkey.load(net.dir / net.doc["provingKey"]["provingKey"])
    return pk, CollateralLock(int(net.doc["provingKey"]["depth"])).compile()


def _story(
    net: Devnet, a: Actors, svc: Services, prover: Future[Any], log: Callable[[str], None]
) -> list[Step]:
    from zkcollat.solidity.calldata import calldata_args
    from zkcollat.vault import Lock, Vault
    from zkcollat.vault.prover import prove_lock

    steps: list[Step] = []
    src_id, exe_id = a.src.chain_id, a.exe.chain_id
    vault_addr = Web3.to_checksum_address(net.side("source")["vault"])
    trader, maker = a.addr("trader"), a.addr("maker")
    recipient = a.addr("recipient")

    def begin(name: str, chain: str | None) -> Step:
        st = Step(name, chain)
        st.seconds = time.perf_counter()
        steps.append(st)
        return st

    def end(st: Step, text: str) -> None:
        st.seconds = time.perf_counter() - st.seconds
        log(f"[{st.name}] {text}")
        for h, b in zip(st.tx, st.blocks, strict=False):
            log(f"    tx {h} block {b}")
        log(f"    gas {st.gas:,}; {st.seconds:.1f} s")

    # lock --------------------------------------------------------------------------------
    st = begin("lock", "source")
    now = a.src.block("latest")
    assert now is not None
    expiry = now.timestamp + 90 * DAY
    # Sent together (consecutive account nonces), mined in the next block or two.
    approve = a.token.functions.approve(vault_addr, LOCK_A + LOCK_B)
    pending = [a.submit("trader", "source", "approve", approve, gas=80_000)]
    for tag, amount in (("lockA", LOCK_A), ("lockB", LOCK_B)):
        fn = a.vault.functions.lock(a.token.address, amount, trader, exe_id, expiry)
        pending.append(a.submit("trader", "source", tag, fn, gas=LOCK_GAS))
    mined = [a.sender("trader", "source").wait(r) for r in pending]
    for rec in mined:
        st.add(rec)
    recs = mined[1:]
    ids = []
    for rec in recs:
        receipt = a.src.receipt(rec.hash)
        assert receipt is not None
        ev = a.vault.events.Locked().process_receipt(receipt, errors=DISCARD)
        ids.append(int(ev[0]["args"]["lockId"]))
    lock_a, lock_b = ids
    st.detail = {"lockIds": ids}
    end(st, f"trader locked 10 COL (lock {lock_a}) and 4 COL (lock {lock_b}) for chain {exe_id}")

    # attest ----------------------------------------------------------------------------------
    st = begin("attest", "execution")
    svc.wait_ready()
    key = Web3.keccak(a.src.w3.codec.encode(["uint256", "address"], [src_id, vault_addr]))

    def accepted_root() -> tuple[int, int] | None:
        blk = int(a.registry.functions.latestBlock(key).call())
        if blk == 0:
            return None
        count = int(a.vault.functions.leafCount().call(block_identifier=blk))
        if count <= lock_b:
            return None
        root = int(a.vault.functions.currentRoot().call(block_identifier=blk))
        ok = a.registry.functions.isAcceptedRoot(src_id, vault_addr, root).call()
        return (root, count) if ok else None

    root, size = _wait("the registry to accept a root with both locks", accepted_root)
    for r in _relayer_txs(net, "commitRoot")[-1:]:
        st.add(r)
    for r in _relayer_txs(net, "submitRoot")[-1:]:
        st.add(r)
    st.detail = {"root": str(root)}
    end(st, f"root {str(root)[:12]}… committed on the source chain and accepted by the registry")

    # prove -----------------------------------------------------------------------------------
    st = begin("prove", None)
    logs = a.vault.events.Locked().get_logs(from_block=0)
    tree = Vault(20)
    locks = sorted(
        (
            Lock(
                int(e["args"]["lockId"]),
                int(e["args"]["owner"], 16),
                int(e["args"]["destChainId"]),
                int(e["args"]["token"], 16),
                int(e["args"]["amount"]),
                int(e["args"]["expiry"]),
            )
            for e in logs
        ),
        key=lambda lk: lk.lock_id,
    )
    tree.insert_many(locks)
    if tree.root_at(size) != root:
        raise StoryError(f"the vault's events give root {tree.root_at(size)} at {size} leaves")
    pk, cs = prover.result(timeout=120)
    min_expiry = expiry - DAY
    proofs = {}
    for lock_id, threshold in ((lock_a, THRESHOLD_A), (lock_b, THRESHOLD_B)):
        proofs[lock_id] = prove_lock(
            tree,
            lock_id,
            threshold,
            min_expiry,
            pk=pk,
            cs=cs,
            dest_chain_id=exe_id,
            owner=int(trader, 16),
            size=size,
        )
    st.detail = {"thresholds": [str(THRESHOLD_A), str(THRESHOLD_B)], "minExpiry": min_expiry}
    end(st, f"trader proved locks {lock_a} (>= 8 COL) and {lock_b} (>= 3 COL), amounts hidden")

    # credit ----------------------------------------------------------------------------------
    st = begin("credit", "execution")
    for lock_id, (proof, public) in proofs.items():
        pa, pb, pc, pub = calldata_args(proof, public)
        fn = a.credit.functions.credit(src_id, vault_addr, (pa, pb, pc), pub)
        st.add(a.send("trader", "execution", f"credit{lock_id}", fn))
        ckey = a.credit.functions.creditKey(src_id, vault_addr, lock_id).call()
        if not a.credit.functions.isCounting(ckey).call():
            raise StoryError(f"credit of lock {lock_id} does not count")
    end(st, f"locks {lock_a} and {lock_b} credited to the trader on chain {exe_id}")

    # trade -----------------------------------------------------------------------------------
    st = begin("trade", "execution")
    credit_addr = a.credit.address
    st.add(
        a.send(
            "maker", "execution", "approveCash", a.quote.functions.approve(credit_addr, MAKER_CASH)
        )
    )
    st.add(a.send("maker", "execution", "depositCash", a.credit.functions.depositCash(MAKER_CASH)))
    cash = int(a.credit.functions.cash(maker).call())
    st.detail = {"makerCash": str(cash)}
    end(st, f"maker deposited {MAKER_CASH / 10**6:,.0f} QUSD of cash with the credit contract")

    # liquidate -------------------------------------------------------------------------------
    st = begin("liquidate", "execution")
    deadline = a.src.block("latest").timestamp + DAY  # type: ignore[union-attr]
    before = int(a.token.functions.balanceOf(recipient).call())
    rec = a.send(
        "venue",
        "execution",
        "markSeized",
        a.credit.functions.markSeized(src_id, vault_addr, lock_a, SEIZE_AMOUNT, deadline),
    )
    st.add(rec)
    end(st, f"the venue marked lock {lock_a} seized for {SEIZE_AMOUNT / COL:g} COL (Seize emitted)")

    # seize -----------------------------------------------------------------------------------
    st = begin("seize", "source")

    def seized() -> Any:
        evs = a.vault.events.Seized().get_logs(from_block=0, argument_filters={"lockId": lock_a})
        return evs[0] if evs else None

    ev = _wait(f"the vault to execute the Seize of lock {lock_a}", seized)
    receipt = a.src.receipt(bytes(ev["transactionHash"]))
    assert receipt is not None
    st.tx.append("0x" + bytes(ev["transactionHash"]).hex())
    st.gas += int(receipt["gasUsed"])
    st.blocks.append(int(ev["blockNumber"]))
    got = int(a.token.functions.balanceOf(recipient).call()) - before
    if got != min(SEIZE_AMOUNT, LOCK_A):
        raise StoryError(f"the recipient received {got}, expected {min(SEIZE_AMOUNT, LOCK_A)}")
    st.detail = {"paid": str(got), "recipient": recipient}
    end(st, f"committee attested, relayer executed: {got / COL:g} COL paid to the recipient")

    # release ---------------------------------------------------------------------------------
    st = begin("release", "source")
    st.add(
        a.send(
            "venue",
            "execution",
            "markReleased",
            a.credit.functions.markReleased(src_id, vault_addr, lock_b, deadline),
        )
    )

    def released() -> Any:
        evs = a.vault.events.Released().get_logs(from_block=0, argument_filters={"lockId": lock_b})
        return evs[0] if evs else None

    ev = _wait(f"the vault to execute the Release of lock {lock_b}", released)
    receipt = a.src.receipt(bytes(ev["transactionHash"]))
    assert receipt is not None
    st.tx.append("0x" + bytes(ev["transactionHash"]).hex())
    st.gas += int(receipt["gasUsed"])
    st.blocks.append(int(ev["blockNumber"]))
    before = int(a.token.functions.balanceOf(trader).call())
    st.add(a.send("trader", "source", "withdraw", a.vault.functions.withdraw(lock_b)))
    back = int(a.token.functions.balanceOf(trader).call()) - before
    if back != LOCK_B:
        raise StoryError(f"the depositor got {back} back, expected {LOCK_B}")
    st.detail = {"returned": str(back)}
    end(st, f"lock {lock_b} released by the committee and withdrawn: {back / COL:g} COL back")
    return steps
