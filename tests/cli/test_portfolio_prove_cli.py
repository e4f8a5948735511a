"""``zkcollat prove`` with a Portfolio key: the --lock ids of one owner in one proof of
--asset-threshold per asset, verified by ``zkcollat verify``; and its refusals (exit 2, one line
naming the problem, nothing written)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import (
    ALICE,
    BOB,
    EXAMPLE_VENUE,
    EXEC_CHAIN,
    MIN_EXPIRY,
    NOW,
    WETH,
    World,
    fails,
    run,
)
from zkcollat.margin.config import VenueConfig
from zkcollat.margin.venue import portfolio_check_of
from zkcollat.statements import PortfolioPublic

USDC = "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"


def _lock(owner: str, asset: str, amount: int, dest: str = EXEC_CHAIN) -> dict[str, str]:
    return {"owner": owner, "destChainId": dest, "assetId": asset, "amount": str(amount),
            "expiry": str(NOW + 90 * 86_400)}


@pytest.fixture(scope="module")
def pf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A depth-4 vault: 0 Alice 10 WETH, 1 Bob 2.5 WETH, 2 Alice 5 WETH for chain 10, 3 Alice
    3 WETH, 4 Alice 1,000 USDC, 5 Alice 1 WETH; a Portfolio(4, 2, 2) key."""
    d = tmp_path_factory.mktemp("pf")
    locks = [_lock(ALICE, WETH, 10 * 10**18), _lock(BOB, WETH, 25 * 10**17),
             _lock(ALICE, WETH, 5 * 10**18, "10"), _lock(ALICE, WETH, 3 * 10**18),
             _lock(ALICE, USDC, 1000 * 10**6), _lock(ALICE, WETH, 10**18)]
    (d / "locks.json").write_text(json.dumps(locks))
    run("vault", "init", str(d / "vault.sqlite"), "--depth", "4")
    run("vault", "add", str(d / "vault.sqlite"), "--locks", str(d / "locks.json"), "--block", "7")
    run("setup", "portfolio", "--depth", "4", "--slots", "2", "--assets", "2", "--pk",
        str(d / "pf.zkpk"), "--vk", str(d / "pf.json"))
    return d


def _base(d: Path, *more: str) -> list[str]:
    return ["prove", "--pk", str(d / "pf.zkpk"), "--vault", str(d / "vault.sqlite"),
            "--min-expiry", MIN_EXPIRY, "--dest-chain", EXEC_CHAIN, "--proof",
            str(d / "proof.json"), "--public", str(d / "public.json"), *more]


def test_portfolio_proof_of_two_locks(pf: Path) -> None:
    res = run(*_base(pf, "--lock", "3", "--lock", "0", "--asset-threshold",
                     f"{WETH}={12 * 10**18}", "--json"))
    out = json.loads(res.stdout)
    assert out["lockIds"] == [0, 3]
    public = PortfolioPublic.from_list([int(x) for x in out["publicSignals"]], slots=2, assets=2)
    assert public.locks == (0, 3) and public.owner == int(ALICE, 16)
    assert public.threshold_of(int(WETH, 16)) == 12 * 10**18
    assert public.minExpiry == int(MIN_EXPIRY) and public.destChainId == int(EXEC_CHAIN)
    ok = run("verify", str(pf / "pf.json"), str(pf / "public.json"), str(pf / "proof.json"))
    assert ok.stdout.startswith("OK: the proof is valid")
    # two assets, each its own sum
    run(*_base(pf, "--lock", "0", "--lock", "4", "--asset-threshold", f"{WETH}={10**19}",
               "--asset-threshold", f"{USDC}={1000 * 10**6}"))
    run("verify", str(pf / "pf.json"), str(pf / "public.json"), str(pf / "proof.json"))


def test_portfolio_refusals(pf: Path) -> None:
    (pf / "proof.json").unlink(missing_ok=True)
    weth = f"{WETH}={10**18}"
    assert "names a lock twice" in fails(*_base(pf, "--lock", "0", "--lock", "0",
                                                "--asset-threshold", weth))
    assert "is for owner" in fails(*_base(pf, "--lock", "0", "--lock", "1",
                                          "--asset-threshold", weth))
    assert "on chain 10" in fails(*_base(pf, "--lock", "0", "--lock", "2",
                                         "--asset-threshold", weth))
    assert "do not fit 2 slots" in fails(*_base(pf, "--lock", "0", "--lock", "3", "--lock", "5",
                                                "--asset-threshold", weth))
    err = fails(*_base(pf, "--lock", "0", "--lock", "3", "--asset-threshold",
                       f"{WETH}={13 * 10**18 + 1}"))
    assert "above the portfolio's 13000000000000000000" in err
    assert "does not list" in fails(*_base(pf, "--lock", "0", "--lock", "4",
                                           "--asset-threshold", weth))
    assert "lock 9 is not in the vault" in fails(*_base(pf, "--lock", "9",
                                                        "--asset-threshold", weth))
    assert "not --threshold" in fails(*_base(pf, "--lock", "0", "--threshold", "1"))
    assert "needs --asset-threshold" in fails(*_base(pf, "--lock", "0"))
    assert "is not ASSET=AMOUNT" in fails(*_base(pf, "--lock", "0", "--asset-threshold", WETH))
    assert "twice" in fails(*_base(pf, "--lock", "0", "--asset-threshold", weth,
                                   "--asset-threshold", weth))
    assert "owner" in fails(*_base(pf, "--lock", "0", "--owner", BOB, "--asset-threshold", weth))
    assert not (pf / "proof.json").exists()


def test_asset_threshold_needs_a_portfolio_key(world: object, tmp_path: Path) -> None:
    from tests.cli.conftest import World

    assert isinstance(world, World)
    err = fails("prove", "--pk", str(world.pk), "--vault", str(world.vault), "--lock", "0",
                "--asset-threshold", f"{WETH}=1", "--min-expiry", MIN_EXPIRY, "--dest-chain",
                EXEC_CHAIN, "--proof", str(tmp_path / "p.json"))
    assert "needs a Portfolio key" in err


def test_margin_init_with_portfolio_keys(pf: Path, world: World, tmp_path: Path) -> None:
    """``margin init --portfolio-vk [K:M:]PATH``: the key copied into the venue folder and
    listed in its config (k and m from the key, or given and then checked against it)."""
    init = ["init", "--config", str(EXAMPLE_VENUE), "--committee", str(world.committee),
            "--vk", str(world.vk)]
    run("margin", "--venue", str(tmp_path / "v"), *init, "--portfolio-vk", str(pf / "pf.json"))
    raw = json.loads((tmp_path / "v" / "config.json").read_text())
    assert raw["portfolio_verifying_keys"] == [
        {"slots": 2, "assets": 2, "path": "portfolio_vk_2_2.json"}]
    assert (tmp_path / "v" / "portfolio_vk_2_2.json").read_bytes() == (pf / "pf.json").read_bytes()
    cfg = VenueConfig.load(tmp_path / "v" / "config.json")
    assert set(cfg.portfolio_keys) == {(2, 2)} and portfolio_check_of(cfg) is not None
    # k and m given: they must agree with what the key records
    run("margin", "--venue", str(tmp_path / "w"), *init, "--portfolio-vk", f"2:2:{pf / 'pf.json'}")
    assert "the key records k = 2, m = 2" in fails(
        "margin", "--venue", str(tmp_path / "x"), *init, "--portfolio-vk", f"3:1:{pf / 'pf.json'}")
    # a key without its circuit recorded needs K:M:, and its public-input count must fit
    bare = {k: v for k, v in json.loads((pf / "pf.json").read_text()).items()
            if not k.startswith("zkcollat_c") and not k.startswith("zkcollat_p")}
    (tmp_path / "bare.json").write_text(json.dumps(bare))
    assert "does not record its k and m" in fails(
        "margin", "--venue", str(tmp_path / "x"), *init, "--portfolio-vk",
        str(tmp_path / "bare.json"))
    assert "Portfolio(k = 9, m = 3) has" in fails(
        "margin", "--venue", str(tmp_path / "x"), *init, "--portfolio-vk",
        f"9:3:{tmp_path / 'bare.json'}")
    assert "a second key for Portfolio(k = 2, m = 2)" in fails(
        "margin", "--venue", str(tmp_path / "x"), *init, "--portfolio-vk", str(pf / "pf.json"),
        "--portfolio-vk", f"2:2:{tmp_path / 'bare.json'}")
    assert "not of portfolio" in fails(
        "margin", "--venue", str(tmp_path / "x"), *init, "--portfolio-vk", str(world.vk))
    assert not (tmp_path / "x").exists()  # every refusal before anything is written
