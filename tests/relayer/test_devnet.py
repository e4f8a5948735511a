"""``zkcollat devnet up|status|down`` on two real anvil nodes."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from zkcollat.chain import KeystoreRef, load_account
from zkcollat.chain.anvil import anvil_binary, runs_anvil
from zkcollat.chain.errors import ChainError
from zkcollat.relayer import devnet as dn

pytestmark = pytest.mark.slow


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "zkcollat.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        timeout=180,
    )


@pytest.fixture
def devnet_dir(tmp_path: Path) -> Iterator[Path]:
    try:
        anvil_binary()
    except ChainError as e:
        pytest.skip(str(e))
    d = tmp_path / "devnet"
    try:
        yield d
    finally:
        if (d / "devnet.json").exists():
            dn.down(d)


def test_up_status_down_up(devnet_dir: Path) -> None:
    r = _cli("devnet", "up", "--dir", str(devnet_dir), "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc == json.loads((devnet_dir / "devnet.json").read_text())
    assert doc["source"]["chainId"] != doc["execution"]["chainId"]
    assert (doc["source"]["blockTimeS"], doc["execution"]["blockTimeS"]) == (1.0, 2.0)
    # keys only in keystores: no 64-hex-digit secret anywhere in devnet.json
    text = (devnet_dir / "devnet.json").read_text()
    for name in dn.ACCOUNTS:
        acct = load_account(KeystoreRef.from_json(doc["accounts"][name], devnet_dir))
        assert acct.development and acct.address == doc["accounts"][name]["address"]
        assert acct.account.key.hex().removeprefix("0x") not in text
    net = dn.load(devnet_dir)
    for side in dn.SIDES:
        c = net.client(side)
        for name in dn.ACCOUNTS:
            if name != "deployer":  # the deployer paid for the deployment
                assert c.balance(net.address(name)) == dn.FUND_WEI
    src = net.client("source")
    assert src.w3.eth.get_code(src.w3.to_checksum_address(doc["source"]["vault"]))
    exe = net.client("execution")
    for k in ("registry", "verifier", "credit"):
        assert exe.w3.eth.get_code(exe.w3.to_checksum_address(doc["execution"][k]))
    assert len(doc["committee"]["members"]) == 3 and doc["committee"]["threshold"] == 2
    assert (devnet_dir / doc["provingKey"]["provingKey"]).is_file()
    pids = {s: doc[s]["pid"] for s in dn.SIDES}

    # idempotent: a second up leaves the running nodes alone
    r = _cli("devnet", "up", "--dir", str(devnet_dir), "--json")
    assert r.returncode == 0, r.stderr
    assert {s: json.loads(r.stdout)[s]["pid"] for s in dn.SIDES} == pids
    st = json.loads(_cli("devnet", "status", "--dir", str(devnet_dir), "--json").stdout)
    assert st["source"]["running"] and st["execution"]["running"]

    r = _cli("devnet", "down", "--dir", str(devnet_dir), "--json")
    assert json.loads(r.stdout) == {"source": True, "execution": True}
    assert not any(runs_anvil(p, doc["source"]["anvil"]) for p in pids.values())
    assert (devnet_dir / "devnet.json").is_file()  # D stays readable
    st = json.loads(_cli("devnet", "status", "--dir", str(devnet_dir), "--json").stdout)
    assert not st["source"]["running"] and not st["execution"]["running"]
    # a second down touches nothing
    assert json.loads(_cli("devnet", "down", "--dir", str(devnet_dir), "--json").stdout) == {
        "source": False,
        "execution": False,
    }

    # up again: the nodes come back with their state (balances kept); the source node's port
    # is taken meanwhile (a listener that never answers): it comes back on another, and the
    # relayer's configuration follows it
    with socket.create_server(("127.0.0.1", doc["source"]["port"])):
        r = _cli("devnet", "up", "--dir", str(devnet_dir), "--json")
    assert r.returncode == 0, r.stderr
    net = dn.load(devnet_dir)
    assert net.side("source")["port"] != doc["source"]["port"]
    assert net.side("execution")["port"] == doc["execution"]["port"]
    cfg = json.loads((devnet_dir / "relayer.json").read_text())
    assert [cfg[s]["rpc"] for s in dn.SIDES] == [net.side(s)["rpc"] for s in dn.SIDES]
    assert net.client("source").balance(net.address("trader")) == dn.FUND_WEI
    assert net.client("execution").balance(net.address("trader")) == dn.FUND_WEI


def test_status_of_a_folder_without_devnet(tmp_path: Path) -> None:
    r = _cli("devnet", "status", "--dir", str(tmp_path))
    assert r.returncode == 2 and "no devnet in" in r.stderr
