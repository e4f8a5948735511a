"""A two-chain development network: ``zkcollat devnet up|status|down --dir D``.

Two anvil nodes (the pinned npm package) on free local ports: the *source* chain (chain id
31337, a block every 1 s by default) and the *execution* chain (chain id 31338, a block every
2 s), so that latency means something. ``up`` creates development accounts (eth-account
keystores in ``D/keys``, each with a password file; keys never appear on a command line or in
``devnet.json``), funds them on both chains, makes a 2-of-3 development committee and a
development proving key for CollateralLock(20), and writes ``D/devnet.json``. ``up`` is
idempotent: a devnet whose nodes run is left alone; one whose nodes were stopped is restarted
from the state the nodes saved (``--state``). ``down`` stops the recorded pids only (each after
checking that the pid still runs anvil) and leaves ``D`` readable.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zkcollat.chain.anvil import (
    AnvilProcess,
    free_port,
    node_modules,
    runs_anvil,
    start_anvil,
    stop_anvil,
)
from zkcollat.chain.client import ChainClient
from zkcollat.chain.errors import ChainError, RpcUnavailable
from zkcollat.chain.journal import open_journal
from zkcollat.chain.keystore import KeystoreRef, create_keystore, load_account, write_private
from zkcollat.chain.sender import TxSender
from zkcollat.contracts.deploy import Deployer, PortfolioKey, checksum, deploy_devnet
from zkcollat.contracts.toolchain import PROJECT
from zkcollat.formats import limits
from zkcollat.formats.limits import LimitError
from zkcollat.relayer.contracts import ensure_build

SOURCE_CHAIN_ID = 31337
EXECUTION_CHAIN_ID = 31338
SOURCE_BLOCK_TIME_S = 1.0
EXECUTION_BLOCK_TIME_S = 2.0
DEPTH = 20
#: The devnet's Portfolio(DEPTH, k, m) key: k = 8 costs ~10 s of CPU to set up (k = 32: minutes).
PORTFOLIO_SLOTS = 8
PORTFOLIO_ASSETS = 4
CONFIRMATIONS = 2
FUND_WEI = 1000 * 10**18
COLLATERAL_MINT = 1000 * 10**18
QUOTE_MINT = 10_000_000 * 10**6

#: Development accounts: who signs what. The committee members are ``member-0..2``.
ACCOUNTS = ("deployer", "relayer", "venue", "trader", "maker", "recipient")
MEMBERS = 3
THRESHOLD = 2

SIDES = ("source", "execution")


class DevnetError(ChainError):
    """The devnet folder or its nodes are not in the state a command needs."""


@dataclass(frozen=True)
class Devnet:
    """``devnet.json`` as loaded: the folder and the document."""

    dir: Path
    doc: dict[str, Any]

    @property
    def path(self) -> Path:
        return self.dir / "devnet.json"

    def side(self, name: str) -> dict[str, Any]:
        d = self.doc[name]
        assert isinstance(d, dict)
        return d

    def node(self, name: str) -> AnvilProcess:
        s = self.side(name)
        return AnvilProcess(
            int(s["pid"]), int(s["port"]), int(s["chainId"]), float(s["blockTimeS"]), s["anvil"]
        )

    def client(self, name: str, **kwargs: Any) -> ChainClient:
        s = self.side(name)
        return ChainClient(s["rpc"], expected_chain_id=int(s["chainId"]), **kwargs)

    def account(self, name: str) -> KeystoreRef:
        a = self.doc["accounts"][name]
        return KeystoreRef.from_json(a, self.dir)

    def address(self, name: str) -> str:
        return str(self.doc["accounts"][name]["address"])

    def members(self) -> list[KeystoreRef]:
        return [KeystoreRef.from_json(m, self.dir) for m in self.doc["committee"]["members"]]

    def save(self) -> None:
        write_private(self.path, json.dumps(self.doc, indent=2) + "\n")


def load(d: Path) -> Devnet:
    p = d / "devnet.json"
    if not p.exists():
        raise DevnetError(f"no devnet in {d}: {p} does not exist (run `zkcollat devnet up`)")
    try:
        doc = limits.read_json(p, "devnet state", limits.SMALL_JSON)
    except LimitError as e:
        raise DevnetError(str(e)) from e
    if not isinstance(doc, dict) or not all(isinstance(doc.get(s), dict) for s in SIDES):
        raise DevnetError(f"{p} has no 'source' and 'execution' sections")
    return Devnet(d, doc)


def _node_up(net: Devnet, side: str) -> bool:
    node = net.node(side)
    if not runs_anvil(node.pid, node.binary):
        return False
    try:
        return net.client(side, retries=1, backoff_s=0.1).chain_id == node.chain_id
    except (RpcUnavailable, ChainError):
        return False


def _start(
    d: Path, side: str, chain_id: int, block_time_s: float, port: int | None
) -> AnvilProcess:
    return start_anvil(
        chain_id,
        block_time_s=block_time_s,
        log_path=d / f"anvil-{side}.log",
        port=port,
        state_path=d / f"state-{side}.json",
    )


def _side_doc(node: AnvilProcess) -> dict[str, Any]:
    return {
        "rpc": node.rpc,
        "chainId": node.chain_id,
        "blockTimeS": node.block_time_s,
        "port": node.port,
        "pid": node.pid,
        "anvil": node.binary,
    }


def up(
    d: Path,
    *,
    source_block_time_s: float = SOURCE_BLOCK_TIME_S,
    execution_block_time_s: float = EXECUTION_BLOCK_TIME_S,
    project: Path | None = None,
    log: Any = print,
) -> Devnet:
    """Bring the devnet in ``d`` up (idempotent); return it."""
    d.mkdir(parents=True, exist_ok=True)
    if (d / "devnet.json").exists():
        net = load(d)
        for side in SIDES:
            if _node_up(net, side):
                log(f"{side}: running (pid {net.side(side)['pid']}, {net.side(side)['rpc']})")
                continue
            s = net.side(side)
            try:
                node = _start(d, side, int(s["chainId"]), float(s["blockTimeS"]), int(s["port"]))
            except ChainError:
                node = _start(d, side, int(s["chainId"]), float(s["blockTimeS"]), None)
            s.update(_side_doc(node))
            net.save()
            _follow_rpc(net, side)
            log(f"{side}: restarted from its saved state (pid {node.pid}, {node.rpc})")
        return net

    started: list[AnvilProcess] = []
    try:
        src = _start(d, "source", SOURCE_CHAIN_ID, source_block_time_s, None)
        started.append(src)
        exe = _start(d, "execution", EXECUTION_CHAIN_ID, execution_block_time_s, None)
        started.append(exe)
        doc: dict[str, Any] = {
            "development": True,
            "warning": "development devnet: keys in keystores under keys/ with their password "
            "files next to them; never use these accounts anywhere else",
            "createdAt": int(time.time()),
            "source": _side_doc(src),
            "execution": _side_doc(exe),
            "confirmations": {"source": CONFIRMATIONS, "execution": CONFIRMATIONS},
        }
        net = Devnet(d, doc)
        net.save()  # the pids are on disk before anything else can fail
        log(f"source:    chain {src.chain_id} at {src.rpc} (block every {src.block_time_s} s)")
        log(f"execution: chain {exe.chain_id} at {exe.rpc} (block every {exe.block_time_s} s)")

        keys = d / "keys"
        accounts: dict[str, Any] = {}
        for name in ACCOUNTS:
            ref = KeystoreRef(keys / f"{name}.json", keys / f"{name}.password")
            addr = create_keystore(ref.keystore, ref.password_file or keys / f"{name}.password")
            accounts[name] = {"address": addr, "development": True, **_rel(ref, d)}
        members = []
        for i in range(MEMBERS):
            ref = KeystoreRef(keys / f"member-{i}.json", keys / f"member-{i}.password")
            addr = create_keystore(ref.keystore, ref.password_file or keys / f"member-{i}.pw")
            members.append({"address": addr, "development": True, **_rel(ref, d)})
        doc["accounts"] = accounts
        doc["committee"] = {"epoch": 0, "threshold": THRESHOLD, "members": members}
        for side in SIDES:
            c = net.client(side)
            for a in [*accounts.values(), *members]:
                c.rpc("anvil_setBalance", [a["address"], hex(FUND_WEI)])
        log(f"accounts: {', '.join(ACCOUNTS)} and {MEMBERS} committee members, funded on both")
        net.save()

        _proving_key(net, log)
        _portfolio_key(net, log)
        net.save()
        _deploy(net, project, log)
        net.save()
        _relayer_config(net)
        net.save()
        return net
    except BaseException:
        for node in started:
            stop_anvil(node)
        raise


def _rel(ref: KeystoreRef, base: Path) -> dict[str, str]:
    assert ref.password_file is not None
    return {
        "keystore": str(ref.keystore.relative_to(base)),
        "passwordFile": str(ref.password_file.relative_to(base)),
    }


def _proving_key(net: Devnet, log: Any) -> None:
    from zkcollat.formats import pkey
    from zkcollat.formats.snarkjs import vk_to_json, write_json_atomic
    from zkcollat.groth16.setup import setup
    from zkcollat.statements import CollateralLock

    t0 = time.perf_counter()
    cs = CollateralLock(DEPTH).compile()
    pk, vk = setup(cs)
    pkey.save(pk, net.dir / "proving_key.zkpk")
    write_json_atomic(net.dir / "verification_key.json", vk_to_json(vk))
    net.doc["provingKey"] = {
        "statement": "collateral_lock",
        "depth": DEPTH,
        "provingKey": "proving_key.zkpk",
        "verificationKey": "verification_key.json",
        "development": True,
    }
    log(
        f"development proving key for CollateralLock({DEPTH}) in "
        f"{time.perf_counter() - t0:.1f} s (single-party setup, no ceremony)"
    )


def _portfolio_key(net: Devnet, log: Any) -> None:
    from zkcollat.formats import pkey
    from zkcollat.formats.snarkjs import vk_to_json, write_json_atomic
    from zkcollat.groth16.keys import circuit_metadata
    from zkcollat.groth16.setup import setup
    from zkcollat.statements import Portfolio

    t0 = time.perf_counter()
    cs = Portfolio(DEPTH, PORTFOLIO_SLOTS, PORTFOLIO_ASSETS).compile()
    pk, vk = setup(cs)
    pkey.save(pk, net.dir / "portfolio_key.zkpk")
    # the circuit recorded as `zkcollat setup` does: `margin init --portfolio-vk` reads k and m
    params = {"depth": DEPTH, "slots": PORTFOLIO_SLOTS, "assets": PORTFOLIO_ASSETS}
    vk = vk.replace(metadata={**vk.metadata, **circuit_metadata("portfolio", params)})
    write_json_atomic(net.dir / "portfolio_verification_key.json", vk_to_json(vk))
    net.doc["portfolioKey"] = {
        "statement": "portfolio",
        "depth": DEPTH,
        "slots": PORTFOLIO_SLOTS,
        "assets": PORTFOLIO_ASSETS,
        "provingKey": "portfolio_key.zkpk",
        "verificationKey": "portfolio_verification_key.json",
        "development": True,
    }
    log(
        f"development proving key for Portfolio({DEPTH}, {PORTFOLIO_SLOTS}, {PORTFOLIO_ASSETS}) "
        f"in {time.perf_counter() - t0:.1f} s (single-party setup, no ceremony)"
    )


def _deployers(net: Devnet, project: Path) -> tuple[Deployer, Deployer]:
    j = open_journal(net.dir / "deploy.sqlite")
    acct = load_account(net.account("deployer")).account
    return (
        Deployer(TxSender(net.client("source"), acct, j), project),
        Deployer(TxSender(net.client("execution"), acct, j), project),
    )


def _deploy(net: Devnet, project: Path | None, log: Any) -> None:
    proj = project if project is not None else PROJECT
    ensure_build(proj)
    src, exe = _deployers(net, proj)
    members = [m["address"] for m in net.doc["committee"]["members"]]
    addrs = deploy_devnet(
        src,
        exe,
        members=members,
        threshold=THRESHOLD,
        depth=DEPTH,
        recipient=net.address("recipient"),
        settlement=net.address("venue"),
        vk_path=net.dir / "verification_key.json",
        node_modules=node_modules(),
        portfolio=PortfolioKey(
            net.dir / str(net.doc["portfolioKey"]["verificationKey"]),
            int(net.doc["portfolioKey"]["slots"]),
            int(net.doc["portfolioKey"]["assets"]),
        ),
        log=log,
    )
    for side in SIDES:
        net.side(side).update(addrs[side])
    net.doc["contracts"] = {"project": str(proj), "artifacts": str(proj / "out")}
    token, quote = addrs["source"]["token"], addrs["execution"]["quoteToken"]
    mints = [
        (src, token, "trader", COLLATERAL_MINT),
        (exe, quote, "trader", QUOTE_MINT),
        (exe, quote, "maker", QUOTE_MINT),
    ]
    for d, tok, who, amount in mints:
        fn = d.contract("TestToken", tok).functions.mint(checksum(net.address(who)), amount)
        d.call(fn, key=f"mint:{tok}:{who}")
    src.sender.journal.close()
    log(
        f"minted {COLLATERAL_MINT} COL base units to the trader, {QUOTE_MINT} QUSD base units "
        "to the trader and the maker"
    )


def _relayer_config(net: Devnet) -> None:
    """``D/relayer.json``: the configuration the relayer and the committee members read."""
    members = []
    for m in net.doc["committee"]["members"]:
        members.append({"address": m["address"], "url": f"http://127.0.0.1:{free_port()}"})
    src, exe = net.side("source"), net.side("execution")
    cfg = {
        "development": True,
        "source": {
            "rpc": src["rpc"],
            "chainId": src["chainId"],
            "vault": src["vault"],
            "confirmations": net.doc["confirmations"]["source"],
            "startBlock": 0,
        },
        "execution": {
            "rpc": exe["rpc"],
            "chainId": exe["chainId"],
            "registry": exe["registry"],
            "credit": exe["credit"],
            "confirmations": net.doc["confirmations"]["execution"],
            "startBlock": 0,
        },
        "relayer": {
            "source": net.doc["accounts"]["relayer"],
            "execution": net.doc["accounts"]["relayer"],
        },
        "committee": {"threshold": THRESHOLD, "members": members},
        "store": "relayer.sqlite",
        "mirror": "mirror.sqlite",
        "depth": DEPTH,
        "pollS": 0.25,
        "artifacts": net.doc["contracts"]["artifacts"],
    }
    write_private(net.dir / "relayer.json", json.dumps(cfg, indent=2) + "\n")
    net.doc["relayerConfig"] = "relayer.json"


def _follow_rpc(net: Devnet, side: str) -> None:
    """Point ``relayer.json`` at ``side``'s node again: a node restarted on another port (its
    old one taken meanwhile) would leave the relayer and the members asking a dead URL."""
    p = net.dir / str(net.doc.get("relayerConfig", "relayer.json"))
    if not p.is_file():
        return
    try:
        cfg = limits.read_json(p, "relayer configuration", limits.SMALL_JSON)
    except LimitError as e:
        raise DevnetError(str(e)) from e
    if not isinstance(cfg, dict):
        raise DevnetError(f"{p} is not a JSON object")
    rpc = net.side(side)["rpc"]
    if isinstance(cfg.get(side), dict) and cfg[side].get("rpc") != rpc:
        cfg[side]["rpc"] = rpc
        write_private(p, json.dumps(cfg, indent=2) + "\n")


def status(d: Path) -> dict[str, Any]:
    """What runs: each node's pid, whether it answers, and its head block."""
    net = load(d)
    out: dict[str, Any] = {"dir": str(d)}
    for side in SIDES:
        s = net.side(side)
        info: dict[str, Any] = {"rpc": s["rpc"], "chainId": s["chainId"], "pid": s["pid"]}
        info["running"] = _node_up(net, side)
        if info["running"]:
            info["head"] = net.client(side).head()
        out[side] = info
    return out


def down(d: Path) -> dict[str, bool]:
    """Stop the devnet's nodes by their recorded pids; ``{side: was running}``."""
    net = load(d)
    return {side: stop_anvil(net.node(side)) for side in SIDES}
