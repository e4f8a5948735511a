"""A small venue world for the margin tests: one source vault, a WETH collateral, a committee,
listed ETH options, accounts with secp256k1 keys that sign their own orders, and a
table-driven stand-in for the Groth16 verifier (the real one runs in test_credit.py)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from hypothesis import HealthCheck, settings

from zkcollat.attest.attestation import RootAttestation, sign_attestation
from zkcollat.attest.committee import Committee
from zkcollat.attest.secp256k1 import PrivateKey
from zkcollat.curve import G1_GENERATOR, G2_GENERATOR
from zkcollat.curve.points import G1Point
from zkcollat.groth16.keys import Proof, VerifyingKey
from zkcollat.margin.collateral import Credit
from zkcollat.margin.config import AssetConfig, LatencyParams, LiquidationParams, VenueConfig
from zkcollat.margin.params import OracleParams, TradingParams
from zkcollat.margin.portfolio_credits import PortfolioClaim, PortfolioCredit
from zkcollat.margin.pricing import OptionSpec
from zkcollat.margin.risk import OpenOrder
from zkcollat.margin.signed import Cancel, Order, ReleaseRequest, SignedMessage, Withdraw, sign
from zkcollat.margin.venue import Venue

NOW = 1_800_000_000
DAY = 86_400
E6, E8 = 10**6, 10**8
EXEC_CHAIN = 42161
SRC = 1
VAULT = "0x" + "11" * 20
VAULT2 = "0x" + "12" * 20
REGISTRY = "0x" + "ab" * 20
WETH = "0x" + "c0" * 20
WETH_INT = int(WETH, 16)
USDC = "0x" + "d0" * 20
USDC_INT = int(USDC, 16)

KEYS = {
    name: PrivateKey.from_int(0xA000 + i)
    for i, name in enumerate(("alice", "bob", "carol", "dave", "erin"))
}
ALICE, BOB, CAROL, DAVE, ERIN = (KEYS[n].address for n in ("alice", "bob", "carol", "dave", "erin"))
KEY_OF = {k.address: k for k in KEYS.values()}

COMMITTEE_KEYS = [PrivateKey.from_int(7_000 + i) for i in range(3)]
VENUE_KEY = PrivateKey.from_int(31_337)
EXPIRY = NOW + 30 * DAY
PUT = OptionSpec("ETH", EXPIRY, 2800 * E8, "P")
CALL = OptionSpec("ETH", EXPIRY, 3200 * E8, "C")

#: A stand-in key: never checked by the table verifier, only counted (7 public inputs).
DUMMY_VK = VerifyingKey(
    G1_GENERATOR, G2_GENERATOR, G2_GENERATOR, G2_GENERATOR, tuple([G1_GENERATOR] * 8)
)


def make_config(**overrides: Any) -> VenueConfig:
    base: dict[str, Any] = dict(
        chain_id=EXEC_CHAIN,
        registry_address=REGISTRY,
        vaults=((SRC, VAULT), (SRC, VAULT2)),
        risk_free_rate_bps=0,
        latency=LatencyParams(
            relay_latency_s=60,
            execution_s=60,
            default_finality_s=780,
            attestation_interval_s=300,
            latency_window_s=3600,
            breaker_latency_s=1800,
        ),
        liquidation=LiquidationParams(liquidation_window_s=DAY, penalty_bps=250),
        assets=(AssetConfig(SRC, WETH, "WETH", 18, 500, 8000),),
        option_underlyings=("ETH",),
        trading=TradingParams(),
        oracle=OracleParams(max_age_s=10 * 365 * DAY),
        verifying_key=DUMMY_VK,
    )
    base.update(overrides)
    return VenueConfig(**base)


@dataclass
class TableVerifier:
    """Accepts exactly the (public inputs, proof) pairs it issued; each issue is a new proof
    object, as a re-randomised proof would be."""

    issued: set[tuple[tuple[int, ...], Proof]] = field(default_factory=set)
    calls: int = 0

    def issue(self, public: list[int]) -> Proof:
        n = len(self.issued) + 1
        proof = Proof(G1Point(n, n), G2_GENERATOR, G1Point(0, 0))
        self.issued.add((tuple(public), proof))
        return proof

    def __call__(self, vk: VerifyingKey, public: list[int], proof: Proof) -> bool:
        self.calls += 1
        return (tuple(public), proof) in self.issued


@dataclass
class PortfolioTable:
    """The Portfolio twin of :class:`TableVerifier`: accepts exactly the (claim, proof) pairs
    it issued (a stand-in for the statement's Groth16 check, which the statement's own tests
    run)."""

    issued: set[tuple[PortfolioClaim, Proof]] = field(default_factory=set)
    calls: int = 0

    def issue(self, claim: PortfolioClaim) -> Proof:
        n = len(self.issued) + 10**6
        proof = Proof(G1Point(n, n), G2_GENERATOR, G1Point(0, 0))
        self.issued.add((claim, proof))
        return proof

    def __call__(self, claim: PortfolioClaim, proof: Proof) -> bool:
        self.calls += 1
        return (claim, proof) in self.issued


PORTFOLIO_TABLE = PortfolioTable()


def make_venue(
    cfg: VenueConfig | None = None, db: Any = ":memory:", *, real_verifier: bool = False
) -> tuple[Venue, TableVerifier]:
    tv = TableVerifier()
    committee = Committee(0, tuple(k.address for k in COMMITTEE_KEYS), 2)
    v = Venue.create(
        db,
        cfg or make_config(),
        VENUE_KEY,
        committee=committee,
        verifier=None if real_verifier else tv,
        portfolio_check=PORTFOLIO_TABLE,
        now=NOW,
    )
    return v, tv


def attest(
    venue: Venue, root: int, block: int, *, now: int, vault: str = VAULT, latency_s: int = 30
) -> None:
    att = RootAttestation(SRC, vault, block, root, now - latency_s)
    venue.submit_attestation(
        sign_attestation(att, venue.registry.config.domain, COMMITTEE_KEYS[:2]), now=now
    )


def lock_public(
    account: str,
    lock_id: int,
    threshold: int,
    *,
    root: int = 777,
    min_expiry: int = NOW + 30 * DAY,
    asset: int = WETH_INT,
    dest: int = EXEC_CHAIN,
) -> list[int]:
    return [root, dest, int(account, 16), asset, lock_id, threshold, min_expiry]


def credit_lock(
    venue: Venue,
    tv: TableVerifier,
    account: str,
    lock_id: int,
    threshold: int,
    *,
    now: int = NOW,
    root: int = 777,
    min_expiry: int = NOW + 30 * DAY,
) -> Credit:
    pub = lock_public(account, lock_id, threshold, root=root, min_expiry=min_expiry)
    return venue.credit(account, tv.issue(pub), pub, now=now, source_chain_id=SRC, vault=VAULT)


def portfolio_claim(
    account: str,
    lock_ids: tuple[int, ...],
    assets: tuple[int, ...] = (WETH_INT,),
    thresholds: tuple[int, ...] = (10**18,),
    *,
    root: int = 777,
    min_expiry: int = NOW + 30 * DAY,
    dest: int = EXEC_CHAIN,
) -> PortfolioClaim:
    return PortfolioClaim(root, dest, int(account, 16), min_expiry, lock_ids, assets, thresholds)


def credit_portfolio(
    venue: Venue,
    account: str,
    lock_ids: tuple[int, ...],
    assets: tuple[int, ...] = (WETH_INT,),
    thresholds: tuple[int, ...] = (10**18,),
    *,
    lock_assets: tuple[int, ...] | None = None,
    now: int = NOW,
    **kw: Any,
) -> PortfolioCredit:
    """Credit a portfolio (a proof issued by the table); each lock named as holding the first
    asset unless ``lock_assets`` says otherwise."""
    claim = portfolio_claim(account, lock_ids, assets, thresholds, **kw)
    la = lock_assets if lock_assets is not None else (assets[0],) * len(lock_ids)
    if lock_assets is None and len(assets) > 1:  # the last lock holds each other asset
        la = (assets[0],) * (len(lock_ids) - len(assets) + 1) + assets[1:]
    return venue.credit_portfolio(
        account,
        PORTFOLIO_TABLE.issue(claim),
        claim,
        la,
        now=now,
        source_chain_id=SRC,
        vault=VAULT,
    )


def ready_venue(
    cfg: VenueConfig | None = None, db: Any = ":memory:", *, real_verifier: bool = False
) -> tuple[Venue, TableVerifier]:
    """Root 777 accepted, ETH at 3000 (60% vol), WETH at 3000, PUT and CALL listed, and the
    five accounts open."""
    v, tv = make_venue(cfg, db, real_verifier=real_verifier)
    attest(v, 777, 100, now=NOW)
    v.set_market("ETH", 3000 * E8, 6000, now=NOW)
    v.set_asset_price(SRC, WETH, 3000 * E8, now=NOW)
    v.list_instrument(PUT, now=NOW)
    v.list_instrument(CALL, now=NOW)
    for a in (ALICE, BOB, CAROL, DAVE, ERIN):
        v.open_account(a, now=NOW)
    return v, tv


_nonce = [0]


def next_nonce() -> int:
    _nonce[0] += 1
    return _nonce[0]


def order(
    v: Venue,
    account: str,
    inst: OptionSpec | str,
    buy: bool,
    lots: int,
    price_e8: int = 0,
    *,
    now: int = NOW,
    market: bool = False,
    ioc: bool = False,
    post_only: bool = False,
    reduce_only: bool = False,
    nonce: int | None = None,
    expiry: int | None = None,
    key: PrivateKey | None = None,
) -> SignedMessage:
    name = inst.name if isinstance(inst, OptionSpec) else inst
    msg = Order(
        account,
        name,
        buy,
        lots,
        price_e8,
        market,
        ioc,
        post_only,
        reduce_only,
        next_nonce() if nonce is None else nonce,
        now + 60 if expiry is None else expiry,
    )
    k = key or KEY_OF[account]
    if k.address != account:  # a forgery: signed by someone else
        return replace(sign(k, replace(msg, account=k.address), v.domain), message=msg)
    return sign(k, msg, v.domain)


def cancel(v: Venue, account: str, order_nonce: int, *, now: int = NOW) -> SignedMessage:
    return sign(KEY_OF[account], Cancel(account, order_nonce, next_nonce(), now + 60), v.domain)


def withdraw(v: Venue, account: str, amount_e6: int, *, now: int = NOW) -> SignedMessage:
    return sign(KEY_OF[account], Withdraw(account, amount_e6, next_nonce(), now + 60), v.domain)


def release(v: Venue, account: str, lock_id: int, *, now: int = NOW) -> SignedMessage:
    return sign(
        KEY_OF[account],
        ReleaseRequest(account, SRC, VAULT, lock_id, next_nonce(), now + 60),
        v.domain,
    )


def mark(v: Venue, inst: OptionSpec, now: int = NOW) -> int:
    """The mark rounded down to the default tick."""
    m = v.mark_e8(inst.name, now)
    return m - m % v.config.trading.tick_e8


def machine_settings(max_examples: int, steps: int) -> settings:
    """The settings of a venue state machine run (tests/margin/test_stateful*.py): no deadline,
    slow steps and large draws allowed."""
    return settings(
        max_examples=max_examples,
        stateful_step_count=steps,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def put_lots_allowed(v: Venue, account: str, lots: int, price_e8: int, now: int) -> int:
    """The most lots of PUT (up to ``lots``, else 0) ``account`` can sell at ``price_e8`` and
    still meet initial margin with the order open."""
    lot = v.instruments[PUT.name].lot_e6
    while lots and not v.margin(
        account, now=now, orders=[OpenOrder(PUT.name, False, lots * lot, price_e8)]
    ).meets_im:
        lots -= 1
    return lots
