"""The venue config's ``portfolio_verifying_keys``: read and checked at load (each refusal
names the entry and field), written back unchanged, and turned into the venue's Portfolio
check, so that a venue opened from the config alone verifies a real Portfolio proof; one
without them refuses every portfolio credit."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.margin.helpers import (
    ALICE,
    COMMITTEE_KEYS,
    DAY,
    E8,
    EXEC_CHAIN,
    NOW,
    SRC,
    VAULT,
    VENUE_KEY,
    WETH,
    WETH_INT,
    attest,
    make_config,
)
from zkcollat.attest.committee import Committee
from zkcollat.curve import Backend, use_backend
from zkcollat.formats.snarkjs import vk_to_json
from zkcollat.groth16.keys import Proof
from zkcollat.groth16.setup import setup
from zkcollat.margin import errors as E
from zkcollat.margin.config import VenueConfig
from zkcollat.margin.venue import Venue, portfolio_check_of
from zkcollat.relayer.portfolio import portfolio_public, prove_portfolio
from zkcollat.statements import Portfolio, PortfolioPublic
from zkcollat.statements.portfolio import word_count
from zkcollat.vault import Lock, Vault

DEPTH, SLOTS, ASSETS = 3, 2, 1
MIN_EXPIRY = NOW + 30 * DAY


@dataclass
class Real:
    vk_file: Path
    public: PortfolioPublic
    proof: Proof


@pytest.fixture(scope="module")
def real(tmp_path_factory: Any) -> Iterator[Real]:
    with use_backend("native") as native:
        yield _real(tmp_path_factory, native)


def _real(tmp_path_factory: Any, native: Backend) -> Real:
    vault = Vault(DEPTH)
    owner = int(ALICE, 16)
    vault.insert_many([
        Lock(0, owner, EXEC_CHAIN, WETH_INT, 2 * 10**18, MIN_EXPIRY + 100),
        Lock(1, owner, EXEC_CHAIN, WETH_INT, 10**18, MIN_EXPIRY + 100),
    ])
    public = portfolio_public(vault, [0, 1], {WETH_INT: 3 * 10**18}, MIN_EXPIRY,
                              dest_chain_id=EXEC_CHAIN, owner=owner, slots=SLOTS, assets=ASSETS)
    cs = Portfolio(DEPTH, SLOTS, ASSETS).compile()
    pk, vk = setup(cs, seed=b"tests/margin/test_portfolio_keys", backend=native)
    proof = prove_portfolio(vault, public, pk=pk, cs=cs, backend=native)
    d = tmp_path_factory.mktemp("pvk")
    (d / "pvk.json").write_text(json.dumps(vk_to_json(vk)))
    return Real(d / "pvk.json", public, proof)


def raw_config(**extra: Any) -> dict[str, Any]:
    return {**make_config().to_json(), **extra}


def entry(path: str = "pvk.json", slots: Any = SLOTS, assets: Any = ASSETS) -> dict[str, Any]:
    return {"slots": slots, "assets": assets, "path": path}


def test_round_trip(real: Real) -> None:
    cfg = VenueConfig.from_json(raw_config(portfolio_verifying_keys=[entry()]), real.vk_file.parent)
    assert [e.to_json() for e in cfg.portfolio_verifying_keys] == [entry()]
    assert set(cfg.portfolio_keys) == {(SLOTS, ASSETS)}
    out = cfg.to_json()
    assert out["portfolio_verifying_keys"] == [entry()]
    again = VenueConfig.from_json(out, real.vk_file.parent)
    assert again == cfg and set(again.portfolio_keys) == {(SLOTS, ASSETS)}
    assert "portfolio_verifying_keys" not in make_config().to_json()  # none: not written


def _other_shape() -> tuple[int, int]:
    """A (k, m) whose public-input count differs from Portfolio(SLOTS, ASSETS)'s."""
    mine = word_count(SLOTS, ASSETS)
    return next((k, 1) for k in range(SLOTS + 1, 64) if word_count(k, 1) != mine)


@pytest.mark.parametrize(
    ("keys", "match"),
    [
        ({"path": "pvk.json"}, r"portfolio_verifying_keys must be a list"),
        (["pvk.json"], r"portfolio_verifying_keys\[0\] must be an object"),
        ([{**entry(), "depth": 3}], r"portfolio_verifying_keys\[0\] has unknown keys \['depth'\]"),
        ([entry(slots=0)], r"portfolio_verifying_keys\[0\]\.slots = 0 must be a positive"),
        ([entry(slots=True)], r"portfolio_verifying_keys\[0\]\.slots = True must be a positive"),
        ([entry(slots="2")], r"portfolio_verifying_keys\[0\]\.slots = '2' must be a positive"),
        ([entry(assets=-1)], r"portfolio_verifying_keys\[0\]\.assets = -1 must be a positive"),
        ([entry(assets=10**6)], r"portfolio_verifying_keys\[0\]\.assets: asset count"),
        ([entry(path="")], r"portfolio_verifying_keys\[0\]\.path = '' must be a file path"),
        ([entry(path="absent.json")], r"portfolio_verifying_keys\[0\]\.path: .*does not exist"),
        ([entry(), entry()], r"portfolio_verifying_keys\[1\]: a second key for Portfolio\(k = 2"),
    ],
)
def test_refusals_name_the_field(real: Real, keys: Any, match: str) -> None:
    with pytest.raises(E.MarginConfigError, match=match):
        VenueConfig.from_json(raw_config(portfolio_verifying_keys=keys), real.vk_file.parent)


def test_a_key_of_another_shape_is_refused(real: Real) -> None:
    k, m = _other_shape()
    with pytest.raises(E.MarginConfigError, match=rf"\[0\]\.path: the key has \d+ public inputs; "
                                                  rf"Portfolio\(k = {k}, m = {m}\) has"):
        VenueConfig.from_json(raw_config(portfolio_verifying_keys=[entry(slots=k, assets=m)]),
                              real.vk_file.parent)


def test_a_file_that_is_not_a_key_is_refused(tmp_path: Path) -> None:
    (tmp_path / "pvk.json").write_text('{"protocol": "plonk"}')
    with pytest.raises(E.MarginConfigError, match=r"\[0\]\.path: .*protocol"):
        VenueConfig.from_json(raw_config(portfolio_verifying_keys=[entry()]), tmp_path)


def _venue(cfg: VenueConfig) -> Venue:
    committee = Committee(0, tuple(k.address for k in COMMITTEE_KEYS), 2)
    v = Venue.create(":memory:", cfg, VENUE_KEY, committee=committee, now=NOW)
    v.set_asset_price(SRC, WETH, 3000 * E8, now=NOW)
    return v


def test_a_venue_from_the_config_credits_a_real_portfolio(real: Real) -> None:
    cfg = VenueConfig.from_json(raw_config(portfolio_verifying_keys=[entry()]), real.vk_file.parent)
    assert portfolio_check_of(cfg) is not None
    v = _venue(cfg)
    attest(v, real.public.root, 100, now=NOW)
    # a proof of one unit more is refused by the key, the real one accepted
    more = real.public.replace(thresholds=(3 * 10**18 + 1,))
    with pytest.raises(E.InvalidProofError, match="does not verify"):
        v.credit_portfolio(ALICE, real.proof, more, (WETH_INT, WETH_INT), now=NOW,
                           source_chain_id=SRC, vault=VAULT)
    p = v.credit_portfolio(ALICE, real.proof, real.public, (WETH_INT, WETH_INT), now=NOW,
                           source_chain_id=SRC, vault=VAULT)
    assert p.lock_ids == (0, 1) and v.is_credited((SRC, VAULT, 1))
    assert v.collateral_value(ALICE, NOW) > 0
    v.audit()


def test_a_venue_without_portfolio_keys_refuses_portfolios(real: Real) -> None:
    cfg = VenueConfig.from_json(raw_config())
    assert portfolio_check_of(cfg) is None
    v = _venue(cfg)
    attest(v, real.public.root, 100, now=NOW)
    with pytest.raises(E.InvalidProofError, match="no verifier for Portfolio proofs"):
        v.credit_portfolio(ALICE, real.proof, real.public, (WETH_INT, WETH_INT), now=NOW,
                           source_chain_id=SRC, vault=VAULT)
    assert not v.is_credited((SRC, VAULT, 0))
