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

import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from web3 import Web3
from web3.logs import DISCARD

from zkcollat.attest.secp256k1 import PrivateKey
from zkcollat.chain.client import ChainClient
from zkcollat.chain.errors import ChainError
from zkcollat.chain.journal import TxRecord, open_journal
from zkcollat.chain.keystore import load_account
from zkcollat.chain.sender import Call, TxSender
from zkcollat.margin.pricing import OptionSpec
from zkcollat.margin.risk import OpenOrder
from zkcollat.margin.signed import Order, ReleaseRequest, Withdraw, sign
from zkcollat.relayer.config import load_config
from zkcollat.relayer.contracts import abi, locks_on_chain
from zkcollat.relayer.devnet import Devnet, load
from zkcollat.relayer.procs import Services
from zkcollat.relayer.store import RelayerStore
from zkcollat.relayer.venue_sync import VenueSync

COL = 10**18
LOCK_A = 10 * COL
LOCK_B = 4 * COL
THRESHOLD_A = 8 * COL
THRESHOLD_B = 3 * COL
SPOT_E8 = 3000 * 10**8
STRIKE_E8 = 2800 * 10**8
IV_BPS = 6000
INSURANCE_E6 = 50_000 * 10**6
LOCK_GAS = 400_000  # given, not estimated: the allowance is still pending when the locks go out
MAKER_CASH = 100_000 * 10**6
MAKER_WITHDRAWAL = 1_000 * 10**6
#: gas limits of transactions sent before the one they depend on is mined (not estimable)
APPROVE_GAS = 80_000
DEPOSIT_GAS = 150_000
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

    def add_event(self, client: ChainClient, ev: Any) -> None:
        """The transaction that emitted ``ev`` (a web3 event log)."""
        receipt = client.receipt(bytes(ev["transactionHash"]))
        assert receipt is not None
        self.tx.append("0x" + bytes(ev["transactionHash"]).hex())
        self.gas += int(receipt["gasUsed"])
        self.blocks.append(int(ev["blockNumber"]))

    def add_sent(self, client: ChainClient, hashes: Iterable[str]) -> None:
        """Transactions sent by others (``0x``-hex hashes), already mined on ``client``."""
        for h in hashes:
            receipt = client.receipt(bytes.fromhex(h[2:]))
            assert receipt is not None
            self.tx.append(h)
            self.gas += int(receipt["gasUsed"])
            self.blocks.append(int(receipt["blockNumber"]))

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
        self.journal = open_journal(net.dir / "story.sqlite")
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


def venue_config(net: Devnet) -> dict[str, Any]:
    """The venue parameters (``zkcollat margin init --config``) for the devnet: its chain,
    registry and vault, the collateral token as an ETH-priced asset."""
    import json
    from importlib import resources

    example = resources.files("zkcollat.margin").joinpath("example_venue.json")
    base: dict[str, Any] = json.loads(example.read_text())
    src, exe = net.side("source"), net.side("execution")
    base.update(
        chain_id=exe["chainId"],
        registry_address=exe["registry"],
        vaults=[[src["chainId"], src["vault"]]],
        venue_address=exe["credit"],
    )
    base["assets"] = [
        {
            "source_chain_id": src["chainId"],
            "asset_id": src["token"],
            "symbol": "COL",
            "decimals": 18,
            "base_haircut_bps": 500,
            "sigma_bps": 8000,
        }
    ]
    base["latency"].update(relay_latency_s=30, execution_s=10, finality_s={str(src["chainId"]): 5})
    base["liquidation"]["message_ttl_s"] = DAY
    return base


def devnet_committee(net: Devnet) -> Any:
    """The devnet's development committee as :class:`zkcollat.attest.committee.Committee`."""
    from zkcollat.attest.committee import Committee

    com = net.doc["committee"]
    return Committee(
        int(com["epoch"]), tuple(m["address"] for m in com["members"]), int(com["threshold"])
    )


def make_venue(
    net: Devnet,
    d: Path,
    latency: dict[str, int] | None = None,
    *,
    portfolios: bool = False,
    message_ttl_s: int = DAY,
) -> Any:
    """A venue for the devnet (:func:`venue_config`, its ``latency`` parameters updated by
    ``latency``), the committee and the devnet's verification key (with ``portfolios``, also
    the devnet's Portfolio key); it signs with the devnet's venue account."""
    import dataclasses
    import json

    from zkcollat.formats.snarkjs import vk_from_json
    from zkcollat.margin.config import VenueConfig
    from zkcollat.margin.venue import Venue

    base = venue_config(net)
    base["latency"].update(latency or {})
    base["liquidation"]["message_ttl_s"] = message_ttl_s
    vk = vk_from_json(json.loads((net.dir / "verification_key.json").read_text()))
    cfg = dataclasses.replace(VenueConfig.from_json(base), verifying_key=vk)
    committee = devnet_committee(net)
    d.mkdir(parents=True, exist_ok=True)
    signer = PrivateKey.from_bytes(bytes(load_account(net.account("venue")).account.key))
    kw: dict[str, Any] = {}
    if portfolios:
        from zkcollat.margin.portfolio_credits import statement_check

        meta = net.doc["portfolioKey"]
        pvk = vk_from_json(json.loads((net.dir / meta["verificationKey"]).read_text()))
        kw["portfolio_check"] = statement_check({(int(meta["slots"]), int(meta["assets"])): pvk})
    return Venue.create(
        d / "venue.sqlite", cfg, signer, committee=committee, now=int(time.time()), **kw
    )


def _prover_setup(net: Devnet) -> tuple[Any, Any]:
    """The proving key and the compiled circuit, loaded while the chains work."""
    from zkcollat.formats import pkey
    from zkcollat.statements import CollateralLock

    pk = pkey.load(net.dir / net.doc["provingKey"]["provingKey"])
    return pk, CollateralLock(int(net.doc["provingKey"]["depth"])).compile()


def _story(
    net: Devnet, a: Actors, svc: Services, prover: Future[Any], log: Callable[[str], None]
) -> list[Step]:
    from zkcollat.relayer.prover import prove_lock
    from zkcollat.solidity.calldata import calldata_args
    from zkcollat.vault import Vault

    steps: list[Step] = []
    src_id, exe_id = a.src.chain_id, a.exe.chain_id
    cfg = load_config(net.dir / str(net.doc.get("relayerConfig", "relayer.json")))
    venue_dir = net.dir / f"venue-{a.run}"
    venue = make_venue(net, venue_dir)
    starts = (a.src.head(), a.exe.head())  # this story's venue reads from here on
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
    head_blk = a.src.block("latest")
    assert head_blk is not None
    expiry = head_blk.timestamp + 90 * DAY
    # Sent together (consecutive account nonces), mined in the next block or two.
    approve = a.token.functions.approve(vault_addr, LOCK_A + LOCK_B)
    pending = [a.submit("trader", "source", "approve", approve, gas=APPROVE_GAS)]
    for tag, amount, owner in (("lockA", LOCK_A, trader), ("lockB", LOCK_B, maker)):
        fn = a.vault.functions.lock(a.token.address, amount, owner, exe_id, expiry)
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
    end(
        st,
        f"trader locked 10 COL (lock {lock_a}, for itself) and 4 COL (lock {lock_b}, for the "
        f"maker's account) for chain {exe_id}",
    )

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
    # the transactions that made it: the commit of the root and its submission
    blk = int(a.registry.functions.latestBlock(key).call())
    for ev in a.vault.events.RootCommitted().get_logs(from_block=blk, to_block=blk):
        st.add_event(a.src, ev)
    for ev in a.registry.events.RootAccepted().get_logs(from_block=max(0, a.exe.head() - 50)):
        if int(ev["args"]["blockNumber"]) == blk:
            st.add_event(a.exe, ev)
    st.detail = {"root": str(root)}
    end(st, f"root {str(root)[:12]}… committed on the source chain and accepted by the registry")

    # prove -----------------------------------------------------------------------------------
    st = begin("prove", None)
    tree = Vault(20)
    tree.insert_many(locks_on_chain(a.vault))
    if tree.root_at(size) != root:
        raise StoryError(f"the vault's events give root {tree.root_at(size)} at {size} leaves")
    pk, cs = prover.result(timeout=120)
    min_expiry = expiry - DAY
    proofs = {}
    for lock_id, threshold, owner in ((lock_a, THRESHOLD_A, trader), (lock_b, THRESHOLD_B, maker)):
        proof, typed = prove_lock(
            tree,
            lock_id,
            threshold,
            min_expiry,
            pk=pk,
            cs=cs,
            dest_chain_id=exe_id,
            owner=int(owner, 16),
            size=size,
        )
        proofs[lock_id] = (proof, typed.to_list())
    st.detail = {"thresholds": [str(THRESHOLD_A), str(THRESHOLD_B)], "minExpiry": min_expiry}
    end(st, f"owners proved locks {lock_a} (>= 8 COL) and {lock_b} (>= 3 COL), amounts hidden")

    # credit ----------------------------------------------------------------------------------
    st = begin("credit", "execution")
    credits = []
    for (lock_id, (proof, public)), who in zip(proofs.items(), ("trader", "maker"), strict=True):
        pa, pb, pc, pub = calldata_args(proof, public)
        fn = a.credit.functions.credit(src_id, vault_addr, (pa, pb, pc), pub)
        credits.append((lock_id, who, a.submit(who, "execution", f"credit{lock_id}", fn)))
    # The maker's cash goes in meanwhile (the trade step's transactions, in the same blocks):
    # explicit gas, since the deposit cannot be estimated before the approval is mined.
    credit_addr = a.credit.address
    cash_txs = [
        a.submit(
            "maker", "execution", "approveCash",
            a.quote.functions.approve(credit_addr, MAKER_CASH), gas=APPROVE_GAS,
        ),
        a.submit(
            "maker", "execution", "depositCash",
            a.credit.functions.depositCash(MAKER_CASH), gas=DEPOSIT_GAS,
        ),
    ]
    for lock_id, who, rec in credits:
        st.add(a.sender(who, "execution").wait(rec))
        ckey = a.credit.functions.creditKey(src_id, vault_addr, lock_id).call()
        if not a.credit.functions.isCounting(ckey).call():
            raise StoryError(f"credit of lock {lock_id} does not count")
    sync = VenueSync(
        venue,
        cfg,
        load_account(net.account("venue")).account,
        venue_dir / "sync.sqlite",
        start_blocks=starts,
    )
    _wait(
        "the venue to learn both credits from the chain",
        lambda: (
            sync.run_once()
            and venue.get_credit(src_id, vault_addr.lower(), lock_a) is not None
            and venue.get_credit(src_id, vault_addr.lower(), lock_b) is not None
        ),
    )
    end(st, f"lock {lock_a} credited to the trader, {lock_b} to the maker; the venue synced both")

    # trade -----------------------------------------------------------------------------------
    st = begin("trade", "execution")
    for rec in cash_txs:
        st.add(a.sender("maker", "execution").wait(rec))
    _wait(
        "the venue to book the maker's deposit",
        lambda: (
            sync.run_once() is not None and venue.ledger.cash.get(maker.lower(), 0) >= MAKER_CASH
        ),
    )
    now = int(time.time())
    token_id = int(net.side("source")["token"], 16)
    venue.set_market("ETH", SPOT_E8, IV_BPS, now=now)
    venue.set_asset_price(src_id, token_id, SPOT_E8, now=now)
    put = OptionSpec("ETH", (now // DAY + 30) * DAY, STRIKE_E8, "P")
    ins = venue.list_instrument(put, now=now)
    venue.fund_insurance(INSURANCE_E6, now=now)
    keys = {
        w: PrivateKey.from_bytes(bytes(load_account(net.account(w)).account.key))
        for w in ("trader", "maker")
    }
    nonces = iter(range(1, 10**6))

    def order(who: str, buy: bool, lots: int, price: int, **kw: bool) -> Any:
        flags = {"market": False, "ioc": False, "post_only": False, "reduce_only": False, **kw}
        o = Order(
            keys[who].address,
            put.name,
            buy,
            lots,
            price,
            nonce=next(nonces),
            expiry=now + 600,
            **flags,
        )
        return sign(keys[who], o, venue.domain)

    bid = ins.round_down(venue.mark_e8(put.name, now))
    venue.place(order("maker", True, 1000, bid, post_only=True), now=now)
    lo, hi = 0, 1000
    while lo < hi:  # the largest sale initial margin allows
        mid = (lo + hi + 1) // 2
        if venue.margin(
            trader.lower(), now=now, orders=[OpenOrder(put.name, False, mid * ins.lot_e6, bid)]
        ).meets_im:
            lo = mid
        else:
            hi = mid - 1
    if lo == 0:
        raise StoryError("the trader cannot sell a single lot")
    rep = venue.place(order("trader", False, lo, bid, ioc=True), now=now)
    sold = sum(f.lots for f in rep.fills) * ins.lot_e6
    st.detail = {"instrument": put.name, "size_e6": sold, "price_e8": bid}
    end(
        st,
        f"maker deposited {MAKER_CASH / 10**6:,.0f} QUSD on chain; the trader sold "
        f"{sold / 1e6:g} {put.name} to the maker at {bid / 1e8:,.2f}",
    )

    # liquidate -------------------------------------------------------------------------------
    st = begin("liquidate", "execution")
    shocked = SPOT_E8 * 70 // 100
    venue.set_market("ETH", shocked, IV_BPS, now=now + 60)
    venue.set_market("ETH", shocked, IV_BPS, now=now + 120)
    venue.set_asset_price(src_id, token_id, shocked, now=now + 120)
    now += 120
    if venue.margin(trader.lower(), now=now).meets_mm:
        raise StoryError("the shock did not make the trader liquidatable")
    ask = ins.round_up(venue.mark_e8(put.name, now))
    venue.place(order("maker", False, 1000, ask, reduce_only=True), now=now)
    liq = venue.liquidate(trader.lower(), now=now)
    seizes = [e for e in liq.seizes if e.message.lock_id == lock_a]
    if not seizes:
        raise StoryError(f"the liquidation seized nothing: {liq.to_json()}")
    seize_amount = int(seizes[0].message.amount)
    before = int(a.token.functions.balanceOf(recipient).call())
    st.add_sent(a.exe, sync.run_once(now).sent)
    st.detail = {"seizeAmount": str(seize_amount), "penalty_e6": liq.penalty_e6}
    end(
        st,
        f"ETH -30%: the venue liquidated the trader; Seize of {seize_amount / COL:g} COL of "
        f"lock {lock_a} sent through the credit contract",
    )

    # seize -----------------------------------------------------------------------------------
    st = begin("seize", "source")

    def seized() -> Any:
        evs = a.vault.events.Seized().get_logs(from_block=0, argument_filters={"lockId": lock_a})
        return evs[0] if evs else None

    st.add_event(a.src, _wait(f"the vault to execute the Seize of lock {lock_a}", seized))
    got = int(a.token.functions.balanceOf(recipient).call()) - before
    if got != min(seize_amount, LOCK_A):
        raise StoryError(f"the recipient received {got}, expected {min(seize_amount, LOCK_A)}")
    _wait(
        "the venue to book the seize",
        lambda: sync.run_once().seizes_booked or not venue.receivable_e6(),
    )
    st.detail = {"paid": str(got), "recipient": recipient}
    end(st, f"committee attested, relayer executed: {got / COL:g} COL paid to the recipient")

    # release ---------------------------------------------------------------------------------
    st = begin("release", "source")
    rr = ReleaseRequest(
        keys["maker"].address, src_id, vault_addr.lower(), lock_b, next(nonces), now + 600
    )
    venue.request_release(sign(keys["maker"], rr, venue.domain), now=now)
    # the maker also withdraws cash on the venue: the same sync pass approves it on chain, and
    # the maker's withdrawCash is mined while the vault executes the release (next step)
    w = Withdraw(keys["maker"].address, MAKER_WITHDRAWAL, next(nonces), now + 600)
    venue.withdraw(sign(keys["maker"], w, venue.domain), now=now)
    rep = sync.run_once(now)
    approved = rep.withdrawals
    if len(approved) != 1:
        raise StoryError(f"the sync approved {len(approved)} withdrawal(s), expected 1")
    cash_before = int(a.quote.functions.balanceOf(maker).call())
    withdraw_cash = a.submit(
        "maker", "execution", "withdrawCash", a.credit.functions.withdrawCash(MAKER_WITHDRAWAL)
    )
    st.add_sent(a.exe, rep.sent)

    def released() -> Any:
        evs = a.vault.events.Released().get_logs(from_block=0, argument_filters={"lockId": lock_b})
        return evs[0] if evs else None

    st.add_event(a.src, _wait(f"the vault to execute the Release of lock {lock_b}", released))
    # the relayer records a message executed when its scanner reaches the vault's event at its
    # confirmation depth: waited for, so that the services stop with every message settled
    relayer_store = RelayerStore(cfg.store, create=False)
    try:
        _wait("the relayer to record the Seize and the Release executed",
              lambda: not relayer_store.pending_messages())
    finally:
        relayer_store.close()
    before = int(a.token.functions.balanceOf(trader).call())
    st.add(a.send("trader", "source", "withdraw", a.vault.functions.withdraw(lock_b)))
    back = int(a.token.functions.balanceOf(trader).call()) - before
    if back != LOCK_B:
        raise StoryError(f"the depositor got {back} back, expected {LOCK_B}")
    st.detail = {"returned": str(back)}
    end(
        st,
        f"the maker's release of lock {lock_b} went through the committee; the depositor "
        f"withdrew {back / COL:g} COL",
    )

    # withdraw: the maker takes cash out; the venue approves it on chain --------------------------
    st = begin("withdraw", "execution")
    st.add_sent(a.exe, approved)
    st.add(a.sender("maker", "execution").wait(withdraw_cash))
    got = int(a.quote.functions.balanceOf(maker).call()) - cash_before
    if got != MAKER_WITHDRAWAL:
        raise StoryError(f"the maker received {got} QUSD units, expected {MAKER_WITHDRAWAL}")
    st.detail = {"withdrawn": str(got)}
    end(
        st,
        f"the venue booked the maker's withdrawal, approved it through the credit contract; "
        f"the maker withdrew {got / 10**6:g} QUSD",
    )
    sync.close()
    return steps
