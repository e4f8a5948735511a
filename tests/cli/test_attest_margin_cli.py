"""``zkcollat attest`` and ``zkcollat margin``: the execution side through the command line,
with the refusals (a bundle below threshold or for another chain: exit 1; a lock credited
twice, a proof for another account, a healthy account liquidated: exit 2)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.cli.conftest import (
    ALICE,
    EXAMPLE_VENUE,
    NOW,
    REGISTRY,
    VAULT_ADDRESS,
    WETH,
    World,
    fails,
    run,
)
from zkcollat.attest.attestation import SignedAttestation
from zkcollat.attest.secp256k1 import Signature, recover_address
from zkcollat.margin.messages import Seize
from zkcollat.vault import Vault

DAY = 86_400


def sign_args(world: World, out: Path, *keys: Path, chain: str = "42161") -> list[str]:
    args = ["attest", "sign"]
    for k in keys:
        args += ["--key", str(k)]
    return args + [
        "--source-chain",
        "1",
        "--vault-address",
        VAULT_ADDRESS,
        "--from-vault",
        str(world.vault),
        "--block",
        "101",
        "--timestamp",
        str(NOW - 20),
        "--chain-id",
        chain,
        "--registry",
        REGISTRY,
        "-o",
        str(out),
    ]


def verify_args(bundle: Path, world: World, chain: str = "42161") -> list[str]:
    return [
        "attest",
        "verify",
        str(bundle),
        "--committee",
        str(world.committee),
        "--chain-id",
        chain,
        "--registry",
        REGISTRY,
        "--now",
        str(NOW),
    ]


def test_keys_and_committee(world: World, tmp_path: Path) -> None:
    out = json.loads(run("attest", "keygen", "-o", str(tmp_path / "k.key"), "--json").stdout)
    assert out["address"].startswith("0x") and len(out["address"]) == 42
    assert (tmp_path / "k.key").stat().st_mode & 0o077 == 0
    assert "already exists" in fails("attest", "keygen", "-o", str(tmp_path / "k.key"))
    c = json.loads(world.committee.read_text())
    assert c["threshold"] == 2 and len(c["members"]) == 3 and c["development"] is False
    assert "is below 2" in fails(
        "attest",
        "committee",
        "--threshold",
        "1",
        *map(str, world.keys),
        "-o",
        str(tmp_path / "c.json"),
    )
    (tmp_path / "bad.key").write_text("not hex")
    assert "hex secret" in fails(
        "attest",
        "committee",
        "--threshold",
        "1",
        str(tmp_path / "bad.key"),
        "-o",
        str(tmp_path / "c.json"),
    )
    assert "key file" in fails(
        "attest",
        "committee",
        "--threshold",
        "1",
        str(tmp_path / "missing.key"),
        "-o",
        str(tmp_path / "c.json"),
    )


def test_sign_append_verify(world: World, tmp_path: Path) -> None:
    bundle = tmp_path / "att.json"
    run(*sign_args(world, bundle, world.keys[0]))
    err = fails(*verify_args(bundle, world), code=1)
    assert "INVALID" in err and "needs 2" in err
    run(*sign_args(world, bundle, world.keys[2]), "--append")
    out = json.loads(run(*verify_args(bundle, world), "--json").stdout)
    signed = SignedAttestation.from_json(json.loads(bundle.read_text()))
    with Vault.open(world.vault) as v:
        assert signed.attestation.root == v.root == int(out["root"])
    members = json.loads(world.committee.read_text())["members"]
    assert sorted(out["signers"]) == sorted([members[0], members[2]])
    digest = signed.attestation.digest(signed.domain)
    assert recover_address(digest, Signature.from_bytes(signed.signatures[0])) == members[0]
    # the same signatures do not count on another execution chain
    assert "INVALID" in fails(*verify_args(bundle, world, chain="10"), code=1)
    # appending to a bundle of another attestation is refused
    other = sign_args(world, bundle, world.keys[1])
    other[other.index("--block") + 1] = "100"
    assert "cannot append" in fails(*other, "--append")
    assert "already exists" in fails(*sign_args(world, bundle, world.keys[1]))
    assert "either --root or --from-vault" in fails(
        *sign_args(world, tmp_path / "x.json", world.keys[0]), "--root", "5"
    )
    (tmp_path / "junk.json").write_text("[]")
    assert "malformed signed attestation" in fails(*verify_args(tmp_path / "junk.json", world))
    assert "does not exist" in fails(*verify_args(tmp_path / "none.json", world))


def _venue(world: World, tmp_path: Path) -> tuple[list[str], Path]:
    bundle = tmp_path / "att.json"
    run(*sign_args(world, bundle, world.keys[0], world.keys[1]))
    v = ["margin", "--venue", str(tmp_path / "venue"), "--now", str(NOW)]
    run(
        *v,
        "init",
        "--config",
        str(EXAMPLE_VENUE),
        "--committee",
        str(world.committee),
        "--vk",
        str(world.vk),
    )
    return v, bundle


def test_margin_story(world: World, tmp_path: Path) -> None:
    v, bundle = _venue(world, tmp_path)
    assert "already exists" in fails(
        *v,
        "init",
        "--config",
        str(EXAMPLE_VENUE),
        "--committee",
        str(world.committee),
        "--vk",
        str(world.vk),
    )
    # a proof before its root is attested is refused
    assert "not an accepted root" in fails(*v, "credit", ALICE, str(world.proof), str(world.public))
    out = json.loads(run(*v, "submit-root", str(bundle), "--json").stdout)
    assert out["latency_s"] == 20
    run(*v, "market", "ETH", "--spot-e8", str(3000 * 10**8), "--iv-bps", "6000")
    run(*v, "asset-price", "1", WETH, "--price-e8", str(3000 * 10**8))
    # the proof names Alice: it cannot credit anyone else
    assert "is not the account credited" in fails(
        *v, "credit", "0x" + "b0" * 20, str(world.proof), str(world.public)
    )
    out = json.loads(run(*v, "credit", ALICE, str(world.proof), str(world.public), "--json").stdout)
    assert out["lockId"] == 0 and out["threshold"] == str(8 * 10**18)
    collateral = out["summary"]["collateral_value_e6"]
    assert 0 < collateral < 8 * 3000 * 10**6
    assert "already credited" in fails(*v, "credit", ALICE, str(world.proof), str(world.public))
    expiry = (NOW // DAY + 30) * DAY
    put = f"ETH-{expiry}-{2800 * 10**8}-P"
    assert "initial margin" in fails(*v, "order", ALICE, put, "--", "-1000000000", "mark")
    out = json.loads(run(*v, "order", ALICE, put, "--json", "--", "-40000000", "mark").stdout)
    assert out["summary"]["meets_im"] is True and out["price_e8"] > 0
    acct = json.loads(run(*v, "account", ALICE, "--json").stdout)
    assert acct["positions"][put]["size_e6"] == -40_000_000
    assert acct["positions"][put]["delta"] > 0  # short puts are long delta
    assert acct["credits"][0]["haircut_bps"] > 500 and acct["credits"][0]["counts"] is True
    assert "initial margin" in run(*v, "account", ALICE).stdout
    # a what-if shock reports, and leaves the venue as it was
    shock = json.loads(run(*v, "shock", ALICE, "--spot-pct", "-30", "--json").stdout)
    assert shock["before"]["summary"]["meets_mm"] is True
    assert shock["after"]["summary"]["meets_mm"] is False
    slow = json.loads(run(*v, "shock", ALICE, "--latency-s", "3600", "--json").stdout)
    assert slow["after"]["reduce_only"] is True
    assert slow["after"]["credits"][0]["haircut_bps"] > acct["credits"][0]["haircut_bps"]
    assert json.loads(run(*v, "account", ALICE, "--json").stdout) == acct
    assert "meets maintenance margin" in fails(*v, "liquidate", ALICE)
    # the real shock, the liquidation, and the Seize message in the outbox
    run(*v, "market", "ETH", "--spot-e8", str(2100 * 10**8), "--iv-bps", "6000")
    run(*v, "asset-price", "1", WETH, "--price-e8", str(2100 * 10**8))
    rep = json.loads(run(*v, "liquidate", ALICE, "--json").stdout)
    assert rep["before"]["meets_mm"] is False and rep["closes"][0]["instrument"] == put
    assert len(rep["seizes"]) == 1 and rep["seizes"][0]["type"] == "Seize"
    lines = run(*v, "outbox").stdout.strip().splitlines()
    entry = json.loads(lines[0])
    assert entry["message"]["lockId"] == "0" and entry["message"]["vault"] == VAULT_ADDRESS
    m = entry["message"]
    seize = Seize(
        int(m["sourceChainId"]),
        m["vault"],
        int(m["lockId"]),
        int(m["amount"]),
        m["recipient"],
        int(m["nonce"]),
    )
    assert entry["digest"] == "0x" + seize.digest().hex()
    signer = recover_address(seize.digest(), Signature.from_bytes(entry["signature"]))
    key_text = (tmp_path / "venue" / "signer.key").read_text().strip()
    from zkcollat.attest.secp256k1 import PrivateKey

    assert signer == PrivateKey.from_int(int(key_text, 16)).address


def test_margin_bad_input(world: World, tmp_path: Path) -> None:
    missing = ["margin", "--venue", str(tmp_path / "none"), "--now", str(NOW)]
    assert "does not exist: create the venue" in fails(*missing, "account", ALICE)
    assert "venue config file" in fails(
        *missing,
        "init",
        "--config",
        str(tmp_path / "x.json"),
        "--committee",
        str(world.committee),
        "--vk",
        str(world.vk),
    )
    (tmp_path / "cfg.json").write_text(json.dumps({"chain_id": 1, "bogus": 2}))
    assert "unknown keys ['bogus']" in fails(
        *missing,
        "init",
        "--config",
        str(tmp_path / "cfg.json"),
        "--committee",
        str(world.committee),
        "--vk",
        str(world.vk),
    )
    v, bundle = _venue(world, tmp_path)
    run(*v, "submit-root", str(bundle))
    assert "block" in fails(*v, "submit-root", str(bundle))  # the same block again
    (tmp_path / "pub.json").write_text(json.dumps(["1", "2"]))
    assert "7 public inputs" in fails(
        *v, "credit", ALICE, str(world.proof), str(tmp_path / "pub.json")
    )
    (tmp_path / "pub.json").write_text("{")
    assert "is not valid JSON" in fails(
        *v, "credit", ALICE, str(world.proof), str(tmp_path / "pub.json")
    )
    # a valid-looking proof that does not verify under the venue's key
    pub = json.loads(world.public.read_text())
    pub[5] = str(int(pub[5]) - 1)
    (tmp_path / "pub.json").write_text(json.dumps(pub))
    assert "does not verify" in fails(
        *v, "credit", ALICE, str(world.proof), str(tmp_path / "pub.json")
    )
    assert "account" in fails(*v, "deposit", "0x123", "5")
    assert "must be positive" in fails(*v, "deposit", ALICE, "--", "-5")
    out = json.loads(run(*v, "deposit", ALICE, "5000000", "--json").stdout)
    assert out["cash_e6"] == 5_000_000 and out["equity_e6"] == 5_000_000
    assert (
        json.loads(run(*v, "market", "ETH", "--spot-e8", "1", "--iv-bps", "1", "--json").stdout)[
            "spot_e8"
        ]
        == 1
    )
    assert "is not listed" in fails(*v, "market", "BTC", "--spot-e8", "1", "--iv-bps", "1")
    assert "is not listed" in fails(*v, "asset-price", "1", "0x" + "22" * 20, "--price-e8", "1")
    assert "not UNDERLYING-EXPIRY" in fails(*v, "order", ALICE, "ETH-bad", "1", "1")
    assert "percentages above -100" in fails(*v, "shock", ALICE, "--spot-pct", "-100")
    with sqlite3.connect(tmp_path / "venue" / "venue.sqlite") as conn:
        n = conn.execute("SELECT COUNT(*) FROM credits").fetchone()[0]
    assert n == 0
