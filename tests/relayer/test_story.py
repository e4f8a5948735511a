"""``zkcollat devnet story``: the whole path on two anvil nodes, every state change checked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from web3 import Web3

from zkcollat.relayer import devnet as dn
from zkcollat.relayer import story as st
from zkcollat.relayer.contracts import contract
from zkcollat.relayer.store import RelayerStore

pytestmark = pytest.mark.slow

STEPS = ["lock", "attest", "prove", "credit", "trade", "liquidate", "seize", "release", "withdraw"]
CHAINS = {
    "lock": "source",
    "attest": "execution",
    "prove": None,
    "credit": "execution",
    "trade": "execution",
    "liquidate": "execution",
    "seize": "source",
    "release": "source",
    "withdraw": "execution",
}
# LockStatus and CreditStatus of the contracts
SEIZED, WITHDRAWN = 3, 4
CREDIT_RELEASED, CREDIT_SEIZED = 2, 3


def test_story_end_to_end(devnet: dn.Devnet) -> None:
    net = devnet
    src, exe = net.client("source"), net.client("execution")
    art = Path(net.doc["contracts"]["artifacts"])
    token = contract(src.w3, "TestToken", net.side("source")["token"], art)
    vault = contract(src.w3, "CollateralVault", net.side("source")["vault"], art)
    credit = contract(exe.w3, "CollateralCredit", net.side("execution")["credit"], art)
    registry = contract(exe.w3, "RootRegistry", net.side("execution")["registry"], art)
    trader = Web3.to_checksum_address(net.address("trader"))
    recipient = Web3.to_checksum_address(net.address("recipient"))
    maker = Web3.to_checksum_address(net.address("maker"))
    trader_before = token.functions.balanceOf(trader).call()

    r = subprocess.run(
        [sys.executable, "-m", "zkcollat.cli", "devnet", "story", "--dir", str(net.dir), "--json"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)},
        timeout=240,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    res = json.loads(r.stdout)
    steps = res["steps"]
    assert [s["name"] for s in steps] == STEPS
    for s in steps:
        assert s["chain"] == CHAINS[s["name"]]
        for h in s["tx"]:  # attest and release span both chains: look on each
            txh = bytes.fromhex(h[2:])
            receipt = src.receipt(txh) or exe.receipt(txh)
            assert receipt is not None and receipt["status"] == 1, (s["name"], h)
        if s["chain"] is not None:
            assert s["tx"] and s["gas"] > 0
    lock_a, lock_b = steps[0]["lockIds"]
    assert steps[4]["size_e6"] > 0  # the trader sold puts to the maker on the venue's book

    # source chain: lock A seized (8 of 10 paid, 2 left), lock B released and withdrawn
    la, _ = vault.functions.getLock(lock_a).call()
    lb, _ = vault.functions.getLock(lock_b).call()
    paid = int(steps[6]["paid"])
    assert 0 < paid <= st.THRESHOLD_A
    assert la[2] == SEIZED and la[4] == st.LOCK_A - paid
    assert lb[2] == WITHDRAWN
    assert token.functions.balanceOf(recipient).call() == paid
    assert token.functions.balanceOf(trader).call() == trader_before - st.LOCK_A
    # execution chain: the attested root, the credits closed, the maker's cash
    src_id = src.chain_id
    vault_addr = Web3.to_checksum_address(net.side("source")["vault"])
    assert registry.functions.isAcceptedRoot(src_id, vault_addr, int(steps[1]["root"])).call()
    for lock_id, status in ((lock_a, CREDIT_SEIZED), (lock_b, CREDIT_RELEASED)):
        key = credit.functions.creditKey(src_id, vault_addr, lock_id).call()
        assert credit.functions.credits(key).call()[2] == status
        assert not credit.functions.isCounting(key).call()
    # the maker's cash: deposited, then a withdrawal approved by the venue and taken out
    assert credit.functions.cash(maker).call() == st.MAKER_CASH - st.MAKER_WITHDRAWAL
    assert credit.functions.approvedWithdrawal(maker).call() == 0
    assert int(steps[8]["withdrawn"]) == st.MAKER_WITHDRAWAL

    # the relayer: nothing mined twice, no alarm, every message executed
    store = RelayerStore(net.dir / "relayer.sqlite", create=False)
    assert store.journal.mined_duplicates() == []
    assert store.alarms() == []
    assert store.pending_messages() == [] and all(m.executed_at for m in store.messages())
    store.close()
