"""A small venue world for the margin tests: one source vault, a WETH collateral, a committee,
and a table-driven stand-in for the Groth16 verifier (the real one is exercised in
test_credit.py::test_credit_with_the_real_verifier)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from zkcollat.attest.attestation import RootAttestation, sign_attestation
from zkcollat.attest.committee import Committee
from zkcollat.attest.secp256k1 import PrivateKey
from zkcollat.curve import G1_GENERATOR, G2_GENERATOR
from zkcollat.curve.points import G1Point
from zkcollat.groth16.keys import Proof, VerifyingKey
from zkcollat.margin.collateral import Credit
from zkcollat.margin.config import AssetConfig, LatencyParams, LiquidationParams, VenueConfig
from zkcollat.margin.venue import Venue

NOW = 1_800_000_000
DAY = 86_400
EXEC_CHAIN = 42161
SRC = 1
VAULT = "0x" + "11" * 20
VAULT2 = "0x" + "12" * 20
REGISTRY = "0x" + "ab" * 20
WETH = "0x" + "c0" * 20
WETH_INT = int(WETH, 16)
RECIPIENT = "0x" + "fe" * 20
ALICE = "0x" + "a1" * 20
BOB = "0x" + "b0" * 20

COMMITTEE_KEYS = [PrivateKey.from_int(7_000 + i) for i in range(3)]
VENUE_KEY = PrivateKey.from_int(31_337)

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
        liquidation=LiquidationParams(
            liquidation_window_s=DAY, penalty_bps=250, seize_recipient=RECIPIENT
        ),
        assets=(AssetConfig(SRC, WETH, "WETH", 18, 500, 8000),),
        option_underlyings=("ETH",),
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


def make_venue(
    cfg: VenueConfig | None = None, db: Any = ":memory:", *, real_verifier: bool = False
) -> tuple[Venue, TableVerifier]:
    """A venue with the table verifier injected, or (``real_verifier``) the venue's own."""
    tv = TableVerifier()
    committee = Committee(0, tuple(k.address for k in COMMITTEE_KEYS), 2)
    v = Venue(
        cfg or make_config(),
        VENUE_KEY,
        db=db,
        committee=committee,
        verifier=None if real_verifier else tv,
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


def ready_venue(
    cfg: VenueConfig | None = None, db: Any = ":memory:", *, real_verifier: bool = False
) -> tuple[Venue, TableVerifier]:
    """A venue with an accepted root 777, ETH at 3000 (60% vol), WETH at 3000, Alice open."""
    v, tv = make_venue(cfg, db, real_verifier=real_verifier)
    attest(v, 777, 100, now=NOW)
    v.set_market("ETH", 3000 * 10**8, 6000, now=NOW)
    v.set_asset_price(SRC, WETH, 3000 * 10**8, now=NOW)
    v.open_account(ALICE, now=NOW)
    return v, tv
