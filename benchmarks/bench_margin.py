"""Margin engine figures: an account with 200 option positions (standard and portfolio grid),
and ``Venue.credit`` without the proof check (a stand-in verifier that accepts).

    ZKCOLLAT_BACKEND=reference python benchmarks/bench_margin.py [--runs N] [--with-verify]

``--with-verify`` also times ``credit`` with the real Python Groth16 verifier on a synthetic
7-input key (whatever backend ZKCOLLAT_BACKEND selects). Prints min / median in milliseconds.
Targets (issue 7): standard <= 5 ms, portfolio <= 50 ms, credit with verification <= 20 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from zkcollat.attest.attestation import RootAttestation, sign_attestation  # noqa: E402
from zkcollat.attest.committee import Committee  # noqa: E402
from zkcollat.attest.db import transaction  # noqa: E402
from zkcollat.attest.secp256k1 import PrivateKey  # noqa: E402
from zkcollat.curve import G1_GENERATOR, G2_GENERATOR  # noqa: E402
from zkcollat.groth16.keys import Proof, VerifyingKey  # noqa: E402
from zkcollat.margin.config import AssetConfig, LiquidationParams, VenueConfig  # noqa: E402
from zkcollat.margin.pricing import OptionSpec  # noqa: E402
from zkcollat.margin.requirements import (  # noqa: E402
    MarketData,
    portfolio_requirement,
    price_positions,
    standard_requirement,
)
from zkcollat.margin.venue import Venue, Verifier  # noqa: E402

NOW = 1_800_000_000
DAY = 86_400
SRC, EXEC = 1, 42161
VAULT = "0x" + "11" * 20
WETH = "0x" + "c0" * 20
DUMMY_VK = VerifyingKey(
    G1_GENERATOR, G2_GENERATOR, G2_GENERATOR, G2_GENERATOR, tuple([G1_GENERATOR] * 8)
)


def timeit(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    fn()  # warm up
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1e3)
    return min(ts), statistics.median(ts)


def report(name: str, fig: tuple[float, float]) -> None:
    print(f"{name:<58} min {fig[0]:8.3f} ms   median {fig[1]:8.3f} ms")


def positions_200(rng: random.Random) -> list[tuple[OptionSpec, int]]:
    """200 distinct options on ETH: 10 expiries x 10 strikes x call/put, mixed long and short."""
    out = []
    for e in range(10):
        expiry = NOW + (e + 1) * 14 * DAY
        for k in range(10):
            strike = (2000 + 200 * k) * 10**8
            for kind in "CP":
                size = rng.choice([-1, 1]) * rng.randint(10**5, 5 * 10**6)
                out.append((OptionSpec("ETH", expiry, strike, kind), size))
    return out


def config(vk: VerifyingKey) -> VenueConfig:
    return VenueConfig(
        chain_id=EXEC,
        vaults=((SRC, VAULT),),
        liquidation=LiquidationParams(liquidation_window_s=DAY),
        assets=(AssetConfig(SRC, WETH, "WETH", 18, 500, 8000),),
        option_underlyings=("ETH",),
        verifying_key=vk,
    )


def venue(db: str | Path, vk: VerifyingKey, verifier: Verifier | None) -> Venue:
    keys = [PrivateKey.from_int(100 + i) for i in range(3)]
    v = Venue(
        config(vk),
        PrivateKey.from_int(5),
        db=db,
        committee=Committee(0, tuple(k.address for k in keys), 2),
        verifier=verifier,
        now=NOW,
    )
    att = RootAttestation(SRC, VAULT, 1, 777, NOW - 30)
    v.submit_attestation(sign_attestation(att, v.registry.config.domain, keys[:2]), now=NOW)
    v.set_market("ETH", 3000 * 10**8, 6000, now=NOW)
    v.set_asset_price(SRC, WETH, 3000 * 10**8, now=NOW)
    return v


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--with-verify", action="store_true")
    args = ap.parse_args()
    rng = random.Random(7)
    pos = positions_200(rng)
    markets = {"ETH": MarketData(3000 * 10**8, 6000)}
    cfg = config(DUMMY_VK)

    def standard() -> object:
        return standard_requirement(price_positions(pos, markets, NOW, 0), cfg.standard)

    def portfolio() -> object:
        return portfolio_requirement(price_positions(pos, markets, NOW, 0), cfg.portfolio, 0)

    print(f"200 positions, {args.runs} runs each")
    report("engine: standard margin (price 200 + requirement)", timeit(standard, args.runs))
    report(
        "engine: portfolio grid (27 scenarios x 200)", timeit(portfolio, max(20, args.runs // 4))
    )

    # The same through the venue: SQLite load of positions, credits, markets + collateral value.
    v = venue(":memory:", DUMMY_VK, lambda vk, pub, proof: True)
    acct = "0x" + "a1" * 20
    v.open_account(acct, now=NOW)
    with transaction(v.conn):
        for opt, size in pos:
            v._set_position(acct, opt.name, size)
    proof = Proof(G1_GENERATOR, G2_GENERATOR, G1_GENERATOR)
    pub = [777, EXEC, int(acct, 16), int(WETH, 16), 0, 10**20, NOW + 30 * DAY]
    v.credit(acct, proof, pub, now=NOW)
    report(
        "venue.margin, standard (SQLite load + collateral)",
        timeit(lambda: v.margin(acct, now=NOW), args.runs),
    )
    v.set_margin_mode(acct, "portfolio", now=NOW)
    report(
        "venue.margin, portfolio", timeit(lambda: v.margin(acct, now=NOW), max(20, args.runs // 4))
    )

    # credit without the proof check (stand-in verifier that accepts), fresh lock each call.
    for label, db in (("in-memory", ":memory:"), ("file, WAL, synchronous=FULL", "file")):
        with tempfile.TemporaryDirectory() as d:
            path: str | Path = ":memory:" if db == ":memory:" else Path(d) / "venue.sqlite"
            vv = venue(path, DUMMY_VK, lambda vk, pub, proof: True)
            counter = iter(range(1, 10**9))

            def one(vv: Venue = vv, counter: object = counter) -> object:
                lock = next(counter)  # type: ignore[call-overload]
                p = [777, EXEC, int(acct, 16), int(WETH, 16), lock, 10**18, NOW + 30 * DAY]
                return vv.credit(acct, proof, p, now=NOW, source_chain_id=SRC, vault=VAULT)

            report(f"credit excluding proof verification ({label})", timeit(one, args.runs))
            n = vv.conn.execute("SELECT COUNT(*) FROM credits").fetchone()[0]
            assert n == args.runs + 1, n

    if args.with_verify:
        from tests.solidity.synthetic import synthetic_case
        from zkcollat.curve import get_backend

        pubs = [
            [777, EXEC, int(acct, 16), int(WETH, 16), i, 10**18, NOW + 30 * DAY]
            for i in range(1, 12)
        ]
        cases = [synthetic_case("bench-credit", tuple(p)) for p in pubs[:1]]
        vk = cases[0].vk
        cases += [synthetic_case("bench-credit", tuple(p)) for p in pubs[1:]]
        vv = venue(":memory:", vk, None)
        it = iter(range(len(pubs)))

        def verified() -> object:
            i = next(it)
            return vv.credit(
                acct, cases[i].proof, pubs[i], now=NOW, source_chain_id=SRC, vault=VAULT
            )

        report(
            f"credit with verification (backend {get_backend().name})",
            timeit(verified, len(pubs) - 1),
        )


if __name__ == "__main__":
    main()
