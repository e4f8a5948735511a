"""``zkcollat margin sync`` through the CLI: bad configurations and keys fail before anything is
opened; on a devnet, a deposit made on chain is booked by the venue; a node that serves another
chain id, or no node at all, is an error naming the URL."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from zkcollat.attest.secp256k1 import PrivateKey
from zkcollat.chain.keystore import create_keystore, load_account
from zkcollat.cli import main
from zkcollat.relayer import devnet as dn
from zkcollat.relayer import story as st

from .helpers import Driver

ADDR = "0x" + "11" * 20


def _cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def _config(tmp: Path, **sides: dict[str, Any]) -> Path:
    doc: dict[str, Any] = {
        "source": {"rpc": "http://127.0.0.1:9", "chainId": 31337, "vault": ADDR},
        "execution": {
            "rpc": "http://127.0.0.1:9",
            "chainId": 31338,
            "registry": ADDR,
            "credit": ADDR,
        },
        "committee": {"threshold": 1, "members": [{"address": ADDR, "url": "http://x"}]},
    }
    for k, v in sides.items():
        doc[k] = {**doc[k], **v}
    p = tmp / "relayer.json"
    p.write_text(json.dumps(doc))
    return p


def _sync(venue: Path, config: Path, key: Path, *more: str) -> Result:
    return _cli("margin", "--venue", str(venue), "sync", "--config", str(config), "--key",
                str(key), *more)


@pytest.fixture
def key(tmp_path: Path) -> Path:
    ks = tmp_path / "venue.json"
    create_keystore(ks, tmp_path / "venue.password")
    return ks


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"execution": {"chainId": 31337}}, "same chain id 31337"),
        ({"execution": {"credit": "0x1234"}}, "execution.credit"),
        ({"source": {"rpc": "ftp://127.0.0.1:9"}}, "source.rpc = 'ftp://127.0.0.1:9' is not"),
        ({"source": {"chainId": -1}}, "source.chainId = -1 is not a non-negative integer"),
    ],
)
def test_sync_bad_config(tmp_path: Path, key: Path, change: dict[str, Any], message: str) -> None:
    r = _sync(tmp_path / "no-venue", _config(tmp_path, **change), key)
    assert r.exit_code == 2, r.output
    assert message in r.output
    assert not (tmp_path / "no-venue").exists()  # failed before the venue was opened


def test_sync_config_not_json(tmp_path: Path, key: Path) -> None:
    p = tmp_path / "relayer.json"
    p.write_text("{not json")
    r = _sync(tmp_path / "venue", p, key)
    assert r.exit_code == 2 and "is not JSON" in r.output
    for hostile, why in ((b"[" * 200_000, "nested deeper"), (b"\xff\xfe{}", "UTF-8")):
        p.write_bytes(hostile)
        r = _sync(tmp_path / "venue", p, key)
        assert r.exit_code == 2 and why in r.output, r.output
        assert "internal error" not in r.output and "Traceback" not in r.output


def test_sync_missing_files(tmp_path: Path, key: Path) -> None:
    r = _sync(tmp_path / "venue", tmp_path / "none.json", key)
    assert r.exit_code == 2 and "does not exist" in r.output
    r = _sync(tmp_path / "venue", _config(tmp_path), tmp_path / "none.json")
    assert r.exit_code == 2 and "does not exist" in r.output


def test_sync_wrong_password(tmp_path: Path, key: Path) -> None:
    bad = tmp_path / "bad.password"
    bad.write_text("not the password\n")
    r = _sync(tmp_path / "venue", _config(tmp_path), key, "--password-file", str(bad))
    assert r.exit_code == 2 and "error:" in r.output and "password" in r.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_sync_on_devnet(devnet: dn.Devnet, tmp_path: Path) -> None:
    net = devnet
    venue = tmp_path / "venue"
    cfg_file = tmp_path / "venue-config.json"
    cfg_file.write_text(json.dumps(st.venue_config(net)))
    com_file = tmp_path / "committee.json"
    com_file.write_text(json.dumps(st.devnet_committee(net).to_json()))
    signer = tmp_path / "signer.key"
    secret = bytes(load_account(net.account("venue")).account.key)
    signer.write_text("0x" + secret.hex() + "\n")
    assert PrivateKey.from_bytes(secret).address.lower() == net.address("venue").lower()
    r = _cli("margin", "--venue", str(venue), "init", "--config", str(cfg_file), "--committee",
             str(com_file), "--vk", str(net.dir / "verification_key.json"), "--portfolio-vk",
             "{slots}:{assets}:".format(**net.doc["portfolioKey"])
             + str(net.dir / net.doc["portfolioKey"]["verificationKey"]), "--signer-key",
             str(signer))
    assert r.exit_code == 0, r.output
    ref = net.account("venue")
    key = ref.keystore
    assert ref.password_file is not None
    pw = ["--password-file", str(ref.password_file)]

    # the maker deposits cash on chain; the sync books it once the block is at depth
    d = Driver(net, "synccli")
    cash = 5_000 * 10**6
    d.send("maker", "execution", "approve", d.quote.functions.approve(d.credit.address, cash))
    d.send("maker", "execution", "deposit", d.credit.functions.depositCash(cash))
    booked: dict[str, Any] = {}
    for _ in range(60):
        r = _sync(venue, net.dir / "relayer.json", key, *pw, "--json")
        assert r.exit_code == 0, r.output
        out = json.loads(r.stdout)
        booked = {k: booked.get(k, 0) + out[k] for k in ("deposits", "roots", "credits")}
        if booked["deposits"]:
            break
        d.exe.rpc("evm_mine", [])
    assert booked["deposits"] == 1
    r = _cli("margin", "--venue", str(venue), "account", d.addr("maker"), "--json")
    assert r.exit_code == 0, r.output
    assert int(json.loads(r.stdout)["summary"]["cash_e6"]) == cash
    again = json.loads(_sync(venue, net.dir / "relayer.json", key, *pw, "--json").stdout)
    assert again["deposits"] == 0  # never booked twice
    assert again["reportsFailed"] == [] and again["alarms"] == []
    retry = _sync(venue, net.dir / "relayer.json", key, *pw, "--retry-reports", "--json")
    assert retry.exit_code == 0, retry.output
    assert json.loads(retry.stdout)["reportsRetried"] == 0  # nothing was given up

    # withdrawals booked by the venue are approved on chain, one allowance at a time
    maker_key = tmp_path / "maker.key"
    maker_key.write_text("0x" + bytes(load_account(net.account("maker")).account.key).hex())
    maker = d.addr("maker")
    venue_args = ["margin", "--venue", str(venue)]
    assert _cli(*venue_args, "withdraw", "--key", str(maker_key), "1000").exit_code == 0
    out = json.loads(_sync(venue, net.dir / "relayer.json", key, *pw, "--json").stdout)
    assert len(out["withdrawalsApproved"]) == 1 and out["withdrawalsWaiting"] == []
    assert d.credit.functions.approvedWithdrawal(maker).call() == 1000 * 10**6
    # a second one while the first allowance is unused waits (setting the allowance now could
    # race with a withdrawal under the old one)
    assert _cli(*venue_args, "withdraw", "--key", str(maker_key), "500").exit_code == 0
    out = json.loads(_sync(venue, net.dir / "relayer.json", key, *pw, "--json").stdout)
    assert out["withdrawalsApproved"] == [] and out["withdrawalsWaiting"] == [maker.lower()]
    assert d.credit.functions.approvedWithdrawal(maker).call() == 1000 * 10**6
    balance = d.quote.functions.balanceOf(maker).call()
    d.send("maker", "execution", "withdraw1", d.credit.functions.withdrawCash(1000 * 10**6))
    out = json.loads(_sync(venue, net.dir / "relayer.json", key, *pw, "--json").stdout)
    assert len(out["withdrawalsApproved"]) == 1
    assert d.credit.functions.approvedWithdrawal(maker).call() == 500 * 10**6
    d.send("maker", "execution", "withdraw2", d.credit.functions.withdrawCash(500 * 10**6))
    assert d.quote.functions.balanceOf(maker).call() == balance + 1500 * 10**6
    assert d.credit.functions.cash(maker).call() == cash - 1500 * 10**6
    out = json.loads(_sync(venue, net.dir / "relayer.json", key, *pw, "--json").stdout)
    assert out["withdrawalsApproved"] == [] and out["withdrawalsWaiting"] == []
    assert d.credit.functions.approvedWithdrawal(maker).call() == 0

    # a node of another chain id
    doc = json.loads((net.dir / "relayer.json").read_text())
    doc["execution"]["chainId"] = 777
    wrong = net.dir / "wrong-chain.json"
    wrong.write_text(json.dumps(doc))
    r = _sync(venue, wrong, key, *pw)
    assert r.exit_code == 2
    assert f"serves chain id {net.side('execution')['chainId']}, the configuration says 777" in (
        r.output
    )

    # no node at all: retried with backoff, then an error naming the URL
    doc["execution"]["chainId"] = net.side("execution")["chainId"]
    url = f"http://127.0.0.1:{_free_port()}"
    doc["execution"]["rpc"] = url
    gone = net.dir / "no-node.json"
    gone.write_text(json.dumps(doc))
    r = _sync(venue, gone, key, *pw)
    assert r.exit_code == 2
    assert f"{url} did not answer" in r.output
