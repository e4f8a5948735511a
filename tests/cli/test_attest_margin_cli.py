"""``zkcollat attest`` and ``zkcollat margin``: the execution side through the command line,
with the refusals (a bundle below threshold or for another chain: exit 1; a lock credited
twice, a proof for another account, a healthy account liquidated, a bad number: exit 2),
and the two exploits of issue 12 as regression tests."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.cli.conftest import (
    ALICE,
    ALICE_SECRET,
    BOB,
    BOB_SECRET,
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


def _key(tmp_path: Path, name: str, secret: int) -> str:
    p = tmp_path / f"{name}.key"
    p.write_text(f"0x{secret:064x}\n")
    return str(p)


EXPIRY = (NOW // DAY + 30) * DAY
PUT = f"ETH-{EXPIRY}-{2800 * 10**8}-P"


def _market(world: World, tmp_path: Path) -> tuple[list[str], str, str]:
    """A venue with the root accepted, ETH and WETH at 3000, the put listed, Alice's lock
    credited and Bob (a market maker) holding 100,000 of cash."""
    v, bundle = _venue(world, tmp_path)
    run(*v, "submit-root", str(bundle))
    run(*v, "market", "ETH", "--spot", "3000", "--iv-pct", "60")
    run(*v, "asset-price", "1", WETH, "--price", "3000")
    run(*v, "list-instrument", "ETH", str(EXPIRY), "2800", "P")
    run(*v, "credit", ALICE, str(world.proof), str(world.public))
    run(*v, "deposit", BOB, "100000")
    return v, _key(tmp_path, "alice", ALICE_SECRET), _key(tmp_path, "bob", BOB_SECRET)


def _mark(v: list[str]) -> str:
    m = int(json.loads(run(*v, "book", PUT, "--json").stdout)["mark_e8"])
    return f"{m // 10**7 / 10:.1f}"  # on the 0.1 tick, rounded down


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
    assert "not an accepted root" in fails(*v, "credit", ALICE, str(world.proof), str(world.public))
    assert json.loads(run(*v, "submit-root", str(bundle), "--json").stdout)["latency_s"] == 20
    run(*v, "market", "ETH", "--spot", "3000.00", "--iv-pct", "60")
    run(*v, "asset-price", "1", WETH, "--price", "3000")
    assert "is not the account credited" in fails(
        *v, "credit", "0x" + "b0" * 20, str(world.proof), str(world.public)
    )
    out = json.loads(run(*v, "credit", ALICE, str(world.proof), str(world.public), "--json").stdout)
    assert out["lockId"] == "0" and out["threshold"] == str(8 * 10**18)
    assert 0 < out["summary"]["collateral_value_e6"] < 8 * 3000 * 10**6
    assert "already credited" in fails(*v, "credit", ALICE, str(world.proof), str(world.public))
    alice, bob = _key(tmp_path, "alice", ALICE_SECRET), _key(tmp_path, "bob", BOB_SECRET)
    # instruments exist only when the operator lists them
    assert "not listed by the operator" in fails(
        *v, "order", "place", "--key", alice, PUT, "sell", "1", "100"
    )
    run(*v, "list-instrument", "ETH", str(EXPIRY), "2800", "P")
    assert PUT in run(*v, "instruments").stdout
    run(*v, "deposit", BOB, "100000")
    mark = _mark(v)
    bid = json.loads(
        run(
            *v,
            "order",
            "place",
            "--key",
            bob,
            "--nonce",
            "1",
            PUT,
            "buy",
            "100",
            mark,
            "--post-only",
            "--json",
        ).stdout
    )
    assert bid["rested_lots"] == 1000 and bid["fills"] == []
    book = json.loads(run(*v, "book", PUT, "--json").stdout)
    assert book["bids"][0]["lots"] == 1000 and book["asks"] == []
    assert "100.0" in run(*v, "book", PUT).stdout
    # Alice sells 40 puts to Bob's bid; too many would break her initial margin
    assert "initial margin" in fails(
        *v, "order", "place", "--key", alice, PUT, "sell", "100", mark, "--ioc"
    )
    out = json.loads(
        run(*v, "order", "place", "--key", alice, PUT, "sell", "40", mark, "--ioc", "--json").stdout
    )
    assert [f["lots"] for f in out["fills"]] == [400] and out["summary"]["meets_im"] is True
    trades = json.loads(run(*v, "trades", "--json").stdout)
    assert trades[0]["buyer"] == BOB and trades[0]["seller"] == ALICE
    cash = int(trades[0]["cash_e6"])
    assert cash == 400 * (int(float(mark) * 10) * 10**7 // 10**7) * 10_000  # ticks x lots
    acct = json.loads(run(*v, "account", ALICE, "--json").stdout)
    assert acct["positions"][PUT]["size_e6"] == -40_000_000
    assert acct["summary"]["cash_e6"] == cash - -(-cash * 30 // 10_000)  # taker fee rounds up
    assert json.loads(run(*v, "order", "list", BOB, "--json").stdout)[0]["lots"] == 600
    run(*v, "order", "cancel", "--key", bob, "1")
    assert "is not open" in fails(*v, "order", "cancel", "--key", bob, "1")
    assert json.loads(run(*v, "order", "list", BOB, "--json").stdout) == []
    # the lock cannot come back while the short puts need it
    assert "initial margin" in fails(*v, "release", "--key", alice, "1", VAULT_ADDRESS, "0")
    shock = json.loads(run(*v, "shock", ALICE, "--spot-pct", "-30", "--json").stdout)
    assert shock["before"]["summary"]["meets_mm"] is True
    assert shock["after"]["summary"]["meets_mm"] is False
    assert json.loads(run(*v, "account", ALICE, "--json").stdout) == acct
    assert "meets maintenance margin" in fails(*v, "liquidate", ALICE)
    # a 30% fall: held by the breaker, confirmed by the next update, then liquidation
    held = json.loads(run(*v, "market", "ETH", "--spot", "2100", "--iv-pct", "60", "--json").stdout)
    assert held["outcome"] == "held" and held["breaker"] is True
    assert "reduce-only" in fails(*v, "order", "place", "--key", bob, PUT, "buy", "1", mark)
    run(*v, "market", "ETH", "--spot", "2100", "--iv-pct", "60")
    run(*v, "asset-price", "1", WETH, "--price", "2100")
    run(*v, "insurance", "--fund", "30000")
    rep = json.loads(run(*v, "liquidate", ALICE, "--json").stdout)
    assert rep["before"]["meets_mm"] is False
    assert rep["to_fund"][0]["instrument"] == PUT and rep["to_fund"][0]["size_e6"] == 40_000_000
    assert len(rep["seizes"]) == 1 and rep["fund_paid_e6"] > 0
    ins = json.loads(run(*v, "insurance", "--json").stdout)
    assert ins["receivable_e6"] > 0
    entry = json.loads(run(*v, "outbox").stdout.strip().splitlines()[0])
    m = entry["message"]
    assert m["lockId"] == "0" and m["vault"] == VAULT_ADDRESS and "recipient" not in m
    seize = Seize(
        int(m["sourceChainId"]),
        m["vault"],
        int(m["lockId"]),
        int(m["amount"]),
        int(m["nonce"]),
        int(m["deadline"]),
    )
    assert entry["digest"] == "0x" + seize.digest().hex() and int(m["deadline"]) > NOW
    signer = recover_address(seize.digest(), Signature.from_bytes(entry["signature"]))
    key_text = (tmp_path / "venue" / "signer.key").read_text().strip()
    from zkcollat.attest.secp256k1 import PrivateKey

    assert signer == PrivateKey.from_int(int(key_text, 16)).address
    run(*v, "seize-executed", str(entry["id"]), "--realised", "16800")
    assert "already booked" in fails(*v, "seize-executed", str(entry["id"]), "--realised", "1")
    assert json.loads(run(*v, "audit", "--json").stdout)["ok"] is True
    # expiry: the put settles against the TWAP of the last prices
    after = ["margin", "--venue", str(tmp_path / "venue"), "--now", str(EXPIRY + 1)]
    out = json.loads(run(*after, "settle", "--json").stdout)
    assert out[0]["instrument"] == PUT and out[0]["settlement_price_e8"] == str(2100 * 10**8)
    assert json.loads(run(*after, "settle", "--json").stdout) == []
    assert "expired" in fails(*after, "order", "place", "--key", bob, PUT, "buy", "1", "700")
    run(*after, "audit")


def test_exploit_free_cash_from_self_chosen_prices(world: World, tmp_path: Path) -> None:
    """Issue 12: an account that deposited 0.000001 bought puts at 76% of the mark and sold
    them at 124%, and ended with cash nobody paid. Now a trade needs a counterparty at a
    price inside the band, the buyer must afford the premium, and self-trades never happen."""
    v, alice, bob = _market(world, tmp_path)
    mallory_secret = 0x3A11
    mallory = _key(tmp_path, "mallory", mallory_secret)
    from zkcollat.attest.secp256k1 import PrivateKey

    addr = PrivateKey.from_int(mallory_secret).address
    run(*v, "deposit", addr, "0.000001")
    mark = float(_mark(v))
    for _ in range(3):
        for side, px in (("buy", mark * 0.70), ("sell", mark * 1.30)):
            err = fails(*v, "order", "place", "--key", mallory, PUT, side, "10", f"{px:.1f}")
            assert "band" in err, err
        # inside the band the order would rest until someone trades with it, and it needs
        # initial margin for its worst case meanwhile: a gain at the mark is not counted
        for side, px in (("buy", mark * 0.76), ("sell", mark * 1.24)):
            err = fails(*v, "order", "place", "--key", mallory, PUT, side, "10", f"{px:.1f}")
            assert "initial margin" in err, err
    # selling to herself is impossible: her own resting order is cancelled, not filled
    run(*v, "deposit", addr, "50000")
    run(*v, "order", "place", "--key", mallory, "--nonce", "7", PUT, "buy", "1", _mark(v))
    out = json.loads(
        run(
            *v, "order", "place", "--key", mallory, PUT, "sell", "1", _mark(v), "--ioc", "--json"
        ).stdout
    )
    assert out["fills"] == [] and out["cancelled"][0]["reason"] == "self-trade"
    acct = json.loads(run(*v, "account", addr, "--json").stdout)["summary"]
    assert acct["equity_e6"] <= 50_000_000_001 and acct["cash_e6"] == 50_000_000_001
    audit = json.loads(run(*v, "audit", "--json").stdout)
    assert audit["ok"] is True and audit["seized"] == "0"


def test_exploit_equity_from_rounding_and_release(world: World, tmp_path: Path) -> None:
    """Issue 12: per-position rounding in the holder's favour and unbounded sizes turned into
    equity, and the venue signed a Release while short puts were open. Now sizes are bounded,
    marks round against the account, and a Release needs initial margin without the lock."""
    v, alice, bob = _market(world, tmp_path)
    assert "outside [1, 10000]" in fails(
        *v, "order", "place", "--key", alice, PUT, "sell", "100000", _mark(v)
    )
    assert "whole number of lots" in fails(
        *v, "order", "place", "--key", alice, PUT, "sell", "0.05", _mark(v)
    )
    run(*v, "order", "place", "--key", bob, PUT, "buy", "5", _mark(v))
    run(*v, "order", "place", "--key", alice, PUT, "sell", "5", _mark(v), "--ioc")
    a = json.loads(run(*v, "account", ALICE, "--json").stdout)["summary"]
    b = json.loads(run(*v, "account", BOB, "--json").stdout)["summary"]
    # the two marks of the same 5 puts round against both holders: they sum to at most 0
    assert a["options_value_e6"] + b["options_value_e6"] <= 0
    assert "initial margin" in fails(*v, "release", "--key", alice, "1", VAULT_ADDRESS, "0")
    assert run(*v, "outbox").stdout == ""
    # once the puts are bought back the lock is released, with a nonce and a deadline
    run(*v, "order", "place", "--key", bob, PUT, "sell", "5", _mark(v), "--reduce-only")
    run(*v, "order", "place", "--key", alice, PUT, "buy", "5", "market", "--reduce-only")
    # the round trip cost Alice two fees: paid from her lock's value, it blocks the release
    assert "equity -" in fails(*v, "release", "--key", alice, "1", VAULT_ADDRESS, "0")
    run(*v, "deposit", ALICE, "10")
    rel = json.loads(run(*v, "release", "--key", alice, "1", VAULT_ADDRESS, "0", "--json").stdout)
    assert rel["type"] == "Release" and int(rel["message"]["deadline"]) > NOW
    assert "no active credit" in fails(*v, "release", "--key", alice, "1", VAULT_ADDRESS, "0")
    assert json.loads(run(*v, "audit", "--json").stdout)["ok"] is True


def test_margin_bad_numbers_name_the_option(world: World, tmp_path: Path) -> None:
    v, alice, bob = _market(world, tmp_path)
    for bad in ("nan", "inf", "-1", "1e5", "10" + "0" * 400, "3000.000000001", "0x10", ""):
        err = fails(*v, "market", "ETH", "--spot", bad, "--iv-pct", "60")
        assert "--spot" in err and repr(bad) in err, err
        err = fails(*v, "deposit", BOB, bad)
        assert "AMOUNT" in err and repr(bad) in err, err
        err = fails(*v, "order", "place", "--key", bob, PUT, "buy", bad, "100")
        assert "SIZE" in err and repr(bad) in err, err
    err = fails(*v, "order", "place", "--key", bob, PUT, "buy", "1", "nan")
    assert "'nan'" in err
    assert "--iv-pct" in fails(*v, "market", "ETH", "--spot", "3000", "--iv-pct", "inf")
    assert "--now" in fails("margin", "--now", "-5", "account", ALICE)
    # numbers that parse but break a rule name it
    assert "outside the configured bounds" in fails(
        *v, "market", "ETH", "--spot", "0.001", "--iv-pct", "60"
    )
    assert "tick" in fails(*v, "order", "place", "--key", bob, PUT, "buy", "1", "100.05")
    assert "AMOUNT" in fails(*v, "deposit", BOB, "0")


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
    # an empty or foreign file is never taken for a venue, and is left as it was
    v, bundle = _venue(world, tmp_path)
    d = tmp_path / "fake"
    d.mkdir()
    for name in ("config.json", "signer.key", "verification_key.json"):
        (d / name).write_bytes((tmp_path / "venue" / name).read_bytes())
    (d / "venue.sqlite").write_bytes(b"")
    assert "is empty (0 bytes): not a venue" in fails("margin", "--venue", str(d), "account", ALICE)
    assert (d / "venue.sqlite").read_bytes() == b""
    (d / "venue.sqlite").write_bytes(b"not a database at all")
    assert "not the SQLite header" in fails("margin", "--venue", str(d), "account", ALICE)
    (d / "venue.sqlite").unlink()
    with sqlite3.connect(d / "venue.sqlite") as c:
        c.execute("CREATE TABLE other (x)")
    assert "another program, not a venue" in fails("margin", "--venue", str(d), "account", ALICE)
    (d / "venue.sqlite").unlink()
    from zkcollat.vault import Vault

    Vault.open(d / "venue.sqlite", depth=4).close()  # a vault is not a venue either
    assert "is a zkcollat vault, not a venue" in fails(
        "margin", "--venue", str(d), "account", ALICE
    )
    run(*v, "submit-root", str(bundle))
    assert "block" in fails(*v, "submit-root", str(bundle))
    (tmp_path / "pub.json").write_text(json.dumps(["1", "2"]))
    assert "7 public inputs" in fails(
        *v, "credit", ALICE, str(world.proof), str(tmp_path / "pub.json")
    )
    (tmp_path / "pub.json").write_text("{")
    assert "is not valid JSON" in fails(
        *v, "credit", ALICE, str(world.proof), str(tmp_path / "pub.json")
    )
    pub = json.loads(world.public.read_text())
    pub[5] = str(int(pub[5]) - 1)
    (tmp_path / "pub.json").write_text(json.dumps(pub))
    assert "does not verify" in fails(
        *v, "credit", ALICE, str(world.proof), str(tmp_path / "pub.json")
    )
    assert "'ACCOUNT': '0x123' is not an address" in fails(*v, "deposit", "0x123", "5")
    out = json.loads(run(*v, "deposit", ALICE, "5", "--json").stdout)
    assert out["cash_e6"] == 5_000_000 and out["equity_e6"] == 5_000_000
    assert "is not listed" in fails(*v, "market", "BTC", "--spot", "1", "--iv-pct", "1")
    assert "is not listed" in fails(*v, "asset-price", "1", "0x" + "22" * 20, "--price", "1")
    assert "empty or has" in fails(*v, "list-instrument", "ETH-X", "1", "1", "P")
    assert "not listed by the operator" in fails(*v, "book", "ETH-bad")
    assert "above -100" in fails(*v, "shock", ALICE, "--spot-pct", "-100")
    with sqlite3.connect(tmp_path / "venue" / "venue.sqlite") as conn:
        assert conn.execute("SELECT COUNT(*) FROM credits").fetchone()[0] == 0


def test_margin_init_signer_key_is_a_secret_and_a_refusal_leaves_nothing(
    world: World, tmp_path: Path
) -> None:
    given = tmp_path / "signer_given.key"
    given.write_text(f"0x{BOB_SECRET:064x}\n")
    given.chmod(0o644)
    init = ["init", "--config", str(EXAMPLE_VENUE), "--committee", str(world.committee),
            "--vk", str(world.vk)]
    out = json.loads(run("margin", "--venue", str(tmp_path / "v"), *init, "--signer-key",
                         str(given), "--json").stdout)
    assert out["signer"] == BOB
    signer = tmp_path / "v" / "signer.key"
    assert signer.stat().st_mode & 0o777 == 0o600  # copied as a secret, whatever its mode
    assert int(signer.read_text().strip(), 16) == BOB_SECRET
    # a bad key, committee or config: refused before anything is written
    bad = tmp_path / "bad.key"
    bad.write_bytes(b"\x80" * 64)
    assert "does not hold a hex secret" in fails(
        "margin", "--venue", str(tmp_path / "w"), *init, "--signer-key", str(bad))
    (tmp_path / "zero.key").write_text("0x" + "0" * 64)
    assert "not in (0, n)" in fails(
        "margin", "--venue", str(tmp_path / "w"), *init, "--signer-key",
        str(tmp_path / "zero.key"))
    assert not (tmp_path / "w").exists()
    (tmp_path / "x").mkdir()  # an existing empty folder stays as it was
    assert "committee" in fails("margin", "--venue", str(tmp_path / "x"), "init", "--committee",
                                str(world.vk), "--vk", str(world.vk))
    assert list((tmp_path / "x").iterdir()) == []
