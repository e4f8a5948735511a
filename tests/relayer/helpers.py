"""Driving a devnet from tests: in-process relayers and members, locks, credits, messages."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from web3 import Web3

from zkcollat.chain.keystore import load_account
from zkcollat.relayer.config import MemberEndpoint, RelayConfig, load_config
from zkcollat.relayer.devnet import Devnet
from zkcollat.relayer.member import Member, Refused
from zkcollat.relayer.reports import ReportRefused
from zkcollat.relayer.service import Relayer
from zkcollat.relayer.story import DAY, LOCK_GAS, Actors

Ask = Callable[[MemberEndpoint, str, dict[str, Any]], dict[str, Any]]


def config(net: Devnet, tmp: Path, **overrides: Any) -> RelayConfig:
    """D/relayer.json with its own store and mirror under ``tmp`` (so relayers never share)."""
    d = json.loads((net.dir / "relayer.json").read_text())
    for side in ("source", "execution"):
        for k in ("keystore", "passwordFile"):
            d["relayer"][side][k] = str(net.dir / d["relayer"][side][k])
    d["store"] = str(tmp / "relayer.sqlite")
    d["mirror"] = str(tmp / "mirror.sqlite")
    d.update(overrides)
    tmp.mkdir(parents=True, exist_ok=True)
    p = tmp / "relayer.json"
    p.write_text(json.dumps(d))
    return load_config(p)


def members(net: Devnet, cfg: RelayConfig) -> dict[str, Member]:
    out = {}
    for ref in net.members():
        m = Member(cfg, load_account(ref).account)
        out[m.address] = m
    return out


def in_process(ms: dict[str, Member]) -> Ask:
    """Ask members directly (no HTTP); a refusal becomes ``{"error": ...}`` as over HTTP."""

    def ask(ep: MemberEndpoint, path: str, body: dict[str, Any]) -> dict[str, Any]:
        m = ms[ep.address]
        routes = {"/v1/root": m.sign_root, "/v1/message": m.sign_message, "/v1/lock": m.sign_lock}
        try:
            return routes[path](body)
        except (Refused, ReportRefused) as e:
            return {"error": str(e)}

    return ask


def until(relayer: Relayer, cond: Callable[[], Any], what: str, timeout_s: float = 90.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        relayer.run_once()
        v = cond()
        if v:
            return v
        if time.monotonic() > deadline:
            txs = [(t.kind, t.key, t.state, t.status) for t in relayer.store.journal.all_txs()]
            raise AssertionError(
                f"timed out waiting for {what}; relayer transactions {txs[-6:]}, latest root "
                f"{relayer.store.latest_root()}, alarms {relayer.store.alarms()}"
            )
        time.sleep(0.2)


class Driver(Actors):
    """The trader and the venue acting on the devnet."""

    def __init__(self, net: Devnet, run: str) -> None:
        super().__init__(net, run)
        self.vault_addr = Web3.to_checksum_address(net.side("source")["vault"])
        self.trader = self.addr("trader")
        self.n = 0
        self._prover: Any = None

    def tag(self, what: str) -> str:
        self.n += 1
        return f"{what}{self.n}"

    def approve(self, amount: int) -> None:
        fn = self.token.functions.approve(self.vault_addr, amount)
        self.send("trader", "source", self.tag("approve"), fn)

    def lock(self, amount: int, *, wait: bool = True) -> Any:
        head = self.src.block("latest")
        assert head is not None
        fn = self.vault.functions.lock(
            self.token.address, amount, self.trader, self.exe.chain_id, head.timestamp + 90 * DAY
        )
        rec = self.submit("trader", "source", self.tag("lock"), fn, gas=LOCK_GAS)
        return self.sender("trader", "source").wait(rec) if wait else rec

    def lock_id(self, rec: Any) -> int:
        from web3.logs import DISCARD

        receipt = self.src.receipt(rec.hash)
        assert receipt is not None
        return int(
            self.vault.events.Locked().process_receipt(receipt, errors=DISCARD)[0]["args"]["lockId"]
        )

    def accepted(self, lock_id: int) -> bool:
        """Whether the registry's latest root contains ``lock_id``."""
        key = Web3.keccak(
            self.src.w3.codec.encode(["uint256", "address"], [self.src.chain_id, self.vault_addr])
        )
        blk = int(self.registry.functions.latestBlock(key).call())
        return (
            blk > 0 and int(self.vault.functions.leafCount().call(block_identifier=blk)) > lock_id
        )

    def credit_lock(self, lock_id: int, threshold: int) -> None:
        """Prove ``lock_id`` against the registry's latest root and credit it."""
        from zkcollat.formats import pkey
        from zkcollat.relayer.contracts import locks_on_chain
        from zkcollat.relayer.prover import prove_lock
        from zkcollat.solidity.calldata import calldata_args
        from zkcollat.statements import CollateralLock
        from zkcollat.vault import Vault

        if self._prover is None:
            pk = pkey.load(self.net.dir / "proving_key.zkpk")
            self._prover = (pk, CollateralLock(20).compile())
        pk, cs = self._prover
        key = Web3.keccak(
            self.src.w3.codec.encode(["uint256", "address"], [self.src.chain_id, self.vault_addr])
        )
        blk = int(self.registry.functions.latestBlock(key).call())
        size = int(self.vault.functions.leafCount().call(block_identifier=blk))
        tree = Vault(20)
        tree.insert_many(locks_on_chain(self.vault)[:size])
        lk = tree.get_lock(lock_id)
        proof, public = prove_lock(
            tree,
            lock_id,
            threshold,
            lk.expiry - DAY,
            pk=pk,
            cs=cs,
            dest_chain_id=self.exe.chain_id,
            owner=int(self.trader, 16),
        )
        pa, pb, pc, pub = calldata_args(proof, public.to_list())
        fn = self.credit.functions.credit(self.src.chain_id, self.vault_addr, (pa, pb, pc), pub)
        self.send("trader", "execution", self.tag("credit"), fn)

    def latest_tree(self) -> Any:
        """The vault's tree at the registry's latest accepted root (its leaves read from the
        vault's events)."""
        from zkcollat.relayer.contracts import locks_on_chain
        from zkcollat.vault import Vault

        key = Web3.keccak(
            self.src.w3.codec.encode(["uint256", "address"], [self.src.chain_id, self.vault_addr])
        )
        blk = int(self.registry.functions.latestBlock(key).call())
        size = int(self.vault.functions.leafCount().call(block_identifier=blk))
        tree = Vault(20)
        tree.insert_many(locks_on_chain(self.vault)[:size])
        return tree

    def credit_portfolio(self, lock_ids: list[int], threshold: int) -> Any:
        """Prove the trader's ``lock_ids`` (the devnet's one collateral token) worth at least
        ``threshold`` in one Portfolio proof with the devnet's key, and credit it on chain;
        (receipt record, the typed public values)."""
        from zkcollat.formats import pkey
        from zkcollat.relayer.portfolio import portfolio_public, prove_portfolio
        from zkcollat.solidity.calldata import calldata_args

        meta = self.net.doc["portfolioKey"]
        pk = pkey.load(self.net.dir / meta["provingKey"])
        tree = self.latest_tree()
        token = int(self.token.address, 16)
        min_expiry = min(tree.get_lock(i).expiry for i in lock_ids) - DAY
        public = portfolio_public(
            tree,
            lock_ids,
            {token: threshold},
            min_expiry,
            dest_chain_id=self.exe.chain_id,
            owner=int(self.trader, 16),
            slots=int(meta["slots"]),
            assets=int(meta["assets"]),
        )
        proof = prove_portfolio(tree, public, pk=pk)
        pa, pb, pc, _ = calldata_args(proof, public.to_list())
        pub = (
            public.root,
            public.destChainId,
            public.owner,
            public.minExpiry,
            [token],
            [threshold],
            list(public.locks),
        )
        fn = self.credit.functions.creditPortfolio(
            self.src.chain_id, self.vault_addr, (pa, pb, pc), pub
        )
        return self.send("trader", "execution", self.tag("creditPortfolio"), fn), public

    def mark(self, kind: str, lock_id: int, amount: int = 0) -> Any:
        head = self.src.block("latest")
        assert head is not None
        deadline = head.timestamp + DAY
        f = self.credit.functions
        fn = (
            f.markSeized(self.src.chain_id, self.vault_addr, lock_id, amount, deadline)
            if kind == "seize"
            else f.markReleased(self.src.chain_id, self.vault_addr, lock_id, deadline)
        )
        return self.send("venue", "execution", self.tag(kind), fn)

    def status(self, lock_id: int) -> int:
        return int(self.vault.functions.getLock(lock_id).call()[0][2])
