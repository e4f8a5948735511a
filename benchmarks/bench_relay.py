"""Latency and batching of the relayer on a devnet: blocks and seconds in each direction.

On a devnet (``zkcollat devnet up --dir D``; the script brings one up in a temporary folder if
``--dir`` is not given, and down again at the end), with the three members and the relayer
running as processes:

* lock -> root accepted: ``--locks`` locks sent together (interval mining is paused while they
  are sent, then one block takes them all, as when they arrive together); for each, the source
  blocks from its lock block to the block of the root that contains it, and the seconds from
  the lock block's timestamp to the execution block that accepted the root; how many locks the
  root carried;
* seize marked -> executed: ``--seizes`` credits marked seized together (one execution block);
  the seconds from the marking block to the source block that executed each seize, in blocks of
  each chain.

Figures are min / median / max over the locks and seizes of the run. The confirmation depth (2
blocks on each chain) is part of every figure: what the relayer adds is the rest.

    python benchmarks/bench_relay.py --locks 100 --seizes 4
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from web3 import Web3
from web3.logs import DISCARD

from zkcollat.relayer import devnet as dn
from zkcollat.relayer.procs import Services
from zkcollat.relayer.story import COL, DAY, LOCK_GAS, Actors


def _stats(xs: list[float]) -> dict[str, float]:
    return {"min": min(xs), "median": statistics.median(xs), "max": max(xs)}


def _wait(cond: Any, timeout_s: float = 300.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > deadline:
            raise TimeoutError("the devnet did not get there in time")
        time.sleep(0.2)


def run(d: Path, n_locks: int, n_seizes: int, project: Path | None) -> dict[str, Any]:
    net = dn.up(d, project=project, log=lambda _s: None)
    svc = Services(net)
    svc.start_all()
    try:
        svc.wait_ready()
        a = Actors(net, f"bench{int(time.time())}")
        src_id, exe_id = a.src.chain_id, a.exe.chain_id
        vault = Web3.to_checksum_address(net.side("source")["vault"])
        trader = a.addr("trader")
        total = (n_locks + 1) * COL
        a.send("trader", "source", "approve", a.token.functions.approve(vault, total))
        head = a.src.block("latest")
        assert head is not None
        expiry = head.timestamp + 90 * DAY
        # all at once: interval mining paused while they are sent, then one block takes them
        a.src.rpc("evm_setIntervalMining", [0])
        recs = [
            a.submit(
                "trader",
                "source",
                f"lock{i}",
                a.vault.functions.lock(a.token.address, COL, trader, exe_id, expiry),
                gas=LOCK_GAS,
            )
            for i in range(n_locks)
        ]
        a.src.rpc("anvil_mine", ["0x1"])
        a.src.rpc("evm_setIntervalMining", [int(net.side("source")["blockTimeS"])])
        mined = [a.sender("trader", "source").wait(r, timeout_s=300) for r in recs]
        locks = []
        for r in mined:
            rc = a.src.receipt(r.hash)
            assert rc is not None
            ev = a.vault.events.Locked().process_receipt(rc, errors=DISCARD)[0]
            locks.append((int(ev["args"]["lockId"]), int(rc["blockNumber"])))
        last_id = max(i for i, _ in locks)
        key = Web3.keccak(a.src.w3.codec.encode(["uint256", "address"], [src_id, vault]))

        def accepted_covering() -> Any:
            for ev in a.registry.events.RootAccepted().get_logs(from_block=0):
                blk = int(ev["args"]["blockNumber"])
                if int(a.vault.functions.leafCount().call(block_identifier=blk)) > last_id:
                    return ev
            return None

        acc = _wait(accepted_covering)
        root_blk = int(acc["args"]["blockNumber"])
        acc_blk = a.exe.block(int(acc["blockNumber"]))
        assert acc_blk is not None
        commits = a.vault.events.RootCommitted().get_logs(from_block=min(b for _, b in locks))
        leaves = sorted(int(e["args"]["leafCount"]) for e in commits)
        first = min(i for i, _ in locks)
        batches = [c for c in leaves if c > first]
        lock_blocks, lock_secs = [], []
        for _i, b in locks:
            blk = a.src.block(b)
            assert blk is not None
            lock_blocks.append(float(root_blk - b))
            lock_secs.append(float(acc_blk.timestamp - blk.timestamp))
        del key
        out: dict[str, Any] = {
            "locks": n_locks,
            "lock_to_root_blocks": _stats(lock_blocks),
            "lock_to_accepted_s": _stats(lock_secs),
            "commits_covering_the_locks": len(batches),
            "largest_commit_leaves": max(
                [batches[0] - first] + [y - x for x, y in zip(batches, batches[1:], strict=False)]
            )
            if batches
            else 0,
            "block_times_s": [
                net.side("source")["blockTimeS"],
                net.side("execution")["blockTimeS"],
            ],
        }
        if n_seizes:
            out.update(_seizes(net, a, locks[:n_seizes], src_id, vault))
        return out
    finally:
        svc.stop_all()


def _seizes(
    net: dn.Devnet, a: Actors, locks: list[tuple[int, int]], src_id: int, vault: str
) -> dict[str, Any]:
    from zkcollat.formats import pkey
    from zkcollat.relayer.contracts import locks_on_chain
    from zkcollat.relayer.prover import prove_lock
    from zkcollat.solidity.calldata import calldata_args
    from zkcollat.statements import CollateralLock
    from zkcollat.vault import Vault

    pk = pkey.load(net.dir / "proving_key.zkpk")
    cs = CollateralLock(20).compile()
    key = Web3.keccak(a.src.w3.codec.encode(["uint256", "address"], [src_id, vault]))
    size = int(
        a.vault.functions.leafCount().call(
            block_identifier=int(a.registry.functions.latestBlock(key).call())
        )
    )
    tree = Vault(20)
    tree.insert_many(locks_on_chain(a.vault)[:size])
    trader = a.addr("trader")
    for lock_id, _b in locks:
        lk = tree.get_lock(lock_id)
        proof, public = prove_lock(
            tree,
            lock_id,
            COL,
            lk.expiry - DAY,
            pk=pk,
            cs=cs,
            dest_chain_id=a.exe.chain_id,
            owner=int(trader, 16),
        )
        pa, pb, pc, pub = calldata_args(proof, public)
        a.send(
            "trader",
            "execution",
            f"credit{lock_id}",
            a.credit.functions.credit(src_id, vault, (pa, pb, pc), pub),
        )
    head = a.src.block("latest")
    assert head is not None
    recs = [
        a.submit(
            "venue",
            "execution",
            f"seize{lock_id}",
            a.credit.functions.markSeized(src_id, vault, lock_id, COL, head.timestamp + DAY),
            gas=200_000,
        )
        for lock_id, _ in locks
    ]
    marked = [a.sender("venue", "execution").wait(r) for r in recs]
    ids = [lock_id for lock_id, _ in locks]

    def executed() -> Any:
        evs = a.vault.events.Seized().get_logs(from_block=0)
        got = {int(e["args"]["lockId"]): e for e in evs}
        return got if all(i in got for i in ids) else None

    got = _wait(executed)
    secs = []
    for (lock_id, _), m in zip(locks, marked, strict=True):
        mb = a.exe.block(int(m.block or 0))
        eb = a.src.block(int(got[lock_id]["blockNumber"]))
        assert mb is not None and eb is not None
        secs.append(float(eb.timestamp - mb.timestamp))
    return {"seizes": len(locks), "marked_to_executed_s": _stats(secs)}


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--dir", type=Path, default=None, help="an existing devnet folder")
    ap.add_argument("--locks", type=int, default=100)
    ap.add_argument("--seizes", type=int, default=4)
    ap.add_argument("--project", type=Path, default=None, help="the Foundry project with its build")
    args = ap.parse_args()
    from native_only import require_native  # benchmarks/ is the script's folder

    require_native("bench_relay.py")
    if args.dir is not None:
        print(json.dumps(run(args.dir, args.locks, args.seizes, args.project), indent=1))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp) / "devnet"
        try:
            print(json.dumps(run(d, args.locks, args.seizes, args.project), indent=1))
        finally:
            if (d / "devnet.json").exists():
                dn.down(d)
    return 0


if __name__ == "__main__":
    sys.exit(main())
