"""Venue figures (issue 12, and issue 7's margin figures).

    python benchmarks/bench_margin.py [--runs N] [--with-verify]

1. The matching engine alone (in memory, no persistence): a book of 10,000 resting orders;
   insert (a non-crossing limit), match (an IOC taking one resting order) and cancel, each
   timed alone. Target: median <= 50 us each.
2. Place and match a signed limit order through the venue: signature check (the key already
   known), nonce, pre-trade margin of taker and maker (each holding 20 positions, with open
   orders), matching, fees, the ledger and its conservation check, and one SQLite transaction
   on a file (WAL, synchronous=FULL): median <= 1 ms. (Orders are signed before timing: signing
   is the client's work.)
3. Re-margin 1,000 accounts of 20 positions after a price tick: median <= 100 ms.
4. The engine's requirements on 200 positions, and ``credit`` (issue 7).
Prints min / median.
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
from zkcollat.attest.secp256k1 import PrivateKey  # noqa: E402
from zkcollat.curve import G1_GENERATOR, G2_GENERATOR  # noqa: E402
from zkcollat.groth16.keys import Proof, VerifyingKey  # noqa: E402
from zkcollat.margin.book import Book, BookOrder, cancel, match  # noqa: E402
from zkcollat.margin.collateral import Verifier  # noqa: E402
from zkcollat.margin.config import AssetConfig, LiquidationParams, VenueConfig  # noqa: E402
from zkcollat.margin.params import OracleParams  # noqa: E402
from zkcollat.margin.pricing import OptionSpec  # noqa: E402
from zkcollat.margin.requirements import (  # noqa: E402
    MarketData,
    portfolio_requirement,
    price_positions,
    standard_requirement,
)
from zkcollat.margin.signed import Order, sign  # noqa: E402
from zkcollat.margin.venue import Venue  # noqa: E402

NOW = 1_800_000_000
DAY = 86_400
SRC, EXEC = 1, 42161
VAULT = "0x" + "11" * 20
WETH = "0x" + "c0" * 20
E8 = 10**8
DUMMY_VK = VerifyingKey(
    G1_GENERATOR, G2_GENERATOR, G2_GENERATOR, G2_GENERATOR, tuple([G1_GENERATOR] * 8)
)


def stats(ts: list[float]) -> tuple[float, float]:
    return min(ts), statistics.median(ts)


def timeit(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    fn()  # warm up
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return stats(ts)


def report(name: str, fig: tuple[float, float], unit: str = "ms") -> None:
    k = {"ms": 1e3, "us": 1e6}[unit]
    print(f"{name:<66} min {fig[0] * k:9.3f} {unit}   median {fig[1] * k:9.3f} {unit}")


def bench_engine(runs: int) -> None:
    rng = random.Random(1)
    book = Book()
    seq = 0
    ids: list[tuple[str, int]] = []
    for i in range(10_000):  # bids 1000..1999, asks 2001..3000 (x tick), 5 orders a level
        buy = i % 2 == 0
        price = (1000 + rng.randrange(1000)) if buy else (2001 + rng.randrange(1000))
        oid = (f"a{i % 97}", i)
        book.add(BookOrder(oid, buy, price, 1 + rng.randrange(10), seq))
        ids.append(oid)
        seq += 1
    n = [10_000]
    ins_t, match_t, cancel_t = [], [], []
    for _ in range(runs):
        n[0] += 1
        oid = ("z", n[0])
        price = 1000 + rng.randrange(1000)
        t0 = time.perf_counter()
        match(book, oid, True, price, 3)  # rests: below every ask
        ins_t.append(time.perf_counter() - t0)
        best = book.best(False)
        assert best is not None
        t0 = time.perf_counter()
        r = match(book, ("t", n[0]), True, best, 1, ioc=True)
        match_t.append(time.perf_counter() - t0)
        assert r.fills
        victim = ids[rng.randrange(len(ids))]
        if victim in book.orders:
            t0 = time.perf_counter()
            o = cancel(book, victim)
            cancel_t.append(time.perf_counter() - t0)
            book.add(BookOrder(victim, o.buy, o.price_e8, o.lots, seq))  # keep the size
        seq += 1
        if r.fills:  # top the ask side up again
            m = r.fills[0].maker
            if m not in book.orders:
                book.add(BookOrder(m, False, 2001 + rng.randrange(1000), 5, seq))
    print(f"matching engine, book of {len(book.orders):,} resting orders, {runs} runs")
    report("  insert a resting limit order", stats(ins_t), "us")
    report("  match an IOC order against the best ask", stats(match_t), "us")
    report("  cancel a resting order", stats(cancel_t), "us")


def config(vk: VerifyingKey) -> VenueConfig:
    return VenueConfig(
        chain_id=EXEC,
        vaults=((SRC, VAULT),),
        liquidation=LiquidationParams(liquidation_window_s=DAY),
        assets=(AssetConfig(SRC, WETH, "WETH", 18, 500, 8000),),
        option_underlyings=("ETH",),
        oracle=OracleParams(max_age_s=365 * DAY),
        verifying_key=vk,
    )


def venue(db: str | Path, vk: VerifyingKey, verifier: Verifier | None) -> Venue:
    keys = [PrivateKey.from_int(100 + i) for i in range(3)]
    v = Venue.create(
        db,
        config(vk),
        PrivateKey.from_int(5),
        verifier=verifier,
        now=NOW,
        committee=Committee(0, tuple(k.address for k in keys), 2),
    )
    att = RootAttestation(SRC, VAULT, 1, 777, NOW - 30)
    v.submit_attestation(sign_attestation(att, v.registry.config.domain, keys[:2]), now=NOW)
    v.set_market("ETH", 3000 * E8, 6000, now=NOW)
    v.set_asset_price(SRC, WETH, 3000 * E8, now=NOW)
    return v


def options(n: int) -> list[OptionSpec]:
    out = []
    for e in range(10):
        for k in range(10):
            for kind in "CP":
                out.append(OptionSpec("ETH", NOW + (e + 1) * 14 * DAY, (2000 + 200 * k) * E8, kind))
    return out[:n]


def bench_place(runs: int) -> None:
    with tempfile.TemporaryDirectory() as d:
        v = venue(Path(d) / "venue.sqlite", DUMMY_VK, None)
        specs = options(20)
        for s in specs:
            v.list_instrument(s, now=NOW)
        maker, taker = PrivateKey.from_int(0xA1), PrivateKey.from_int(0xB2)
        for k in (maker, taker):
            v.deposit(k.address, 10**7 * 10**6, now=NOW)
        # 20 positions each (maker long, taker short 1 unit of every option), loaded directly
        for s in specs:
            v.ledger.load_position(maker.address, s.name, 10**6, 0)
            v.ledger.load_position(taker.address, s.name, -(10**6), 0)
        name = specs[0].name
        px = v.protection_price(v.instruments[name], False, 0, NOW)
        nonces = iter(range(1, 10**9))

        def signed(k: PrivateKey, buy: bool, **kw: bool) -> object:
            o = Order(
                k.address,
                name,
                buy,
                1,
                px,
                False,
                kw.get("ioc", False),
                False,
                False,
                next(nonces),
                NOW + 3600,
            )
            return sign(k, o, v.domain)

        pairs = [(signed(maker, True), signed(taker, False, ioc=True)) for _ in range(runs + 1)]
        rest_t, match_t = [], []
        for i, (bid, ask) in enumerate(pairs):
            t0 = time.perf_counter()
            v.place(bid, now=NOW)  # type: ignore[arg-type]
            t1 = time.perf_counter()
            rep = v.place(ask, now=NOW)  # type: ignore[arg-type]
            t2 = time.perf_counter()
            assert rep.fills
            if i:
                rest_t.append(t1 - t0)
                match_t.append(t2 - t1)
        group = 16
        batches = [
            [o for pair in pairs[i : i + group // 2] for o in pair]
            for i in range(0, len(pairs), group // 2)
        ]
        batches = [
            [
                signed(maker, True) if j % 2 == 0 else signed(taker, False, ioc=True)
                for j in range(len(b))
            ]
            for b in batches
        ]
        per = []
        for b in batches:
            t0 = time.perf_counter()
            res = v.place_many(b, now=NOW)  # type: ignore[arg-type]
            per.append((time.perf_counter() - t0) / len(b))
            assert all(not isinstance(r, Exception) for r in res)
        v.ledger.check()
        print(f"venue, signed orders, both accounts with 20 positions, file DB, {runs} runs")
        report("  place a resting bid (verify, margin, book, commit)", stats(rest_t))
        report("  place and match an IOC sell (both sides' margin, fees, commit)", stats(match_t))
        report(f"  either, group commit of {group} orders (per order)", stats(per))


def bench_remargin(runs: int) -> None:
    v = venue(":memory:", DUMMY_VK, None)
    specs = options(40)
    for s in specs:
        v.list_instrument(s, now=NOW)
    rng = random.Random(3)
    accts = [PrivateKey.from_int(1000 + i).address for i in range(1000)]
    for a in accts:
        v.ensure_account(a)
    for i, a in enumerate(accts):  # 20 positions each: 10 of its own, 10 from its neighbour
        b = accts[(i + 1) % len(accts)]
        for s in rng.sample(specs[:20], 10):
            q = rng.randint(1, 50) * 10**5
            v.ledger.load_position(a, s.name, q, 0)
        for s in rng.sample(specs[20:], 10):
            q = rng.randint(1, 50) * 10**5
            v.ledger.load_position(a, s.name, -q, 0)
            v.ledger.load_position(b, s.name, 0, 0)
    # balance every instrument on a market maker account so that open interest nets to zero
    mm = PrivateKey.from_int(999).address
    v.ensure_account(mm)
    for s in specs:
        net = sum(v.ledger.holders(s.name).values())
        if net:
            v.ledger.load_position(mm, s.name, -net, 0)
    tick = [0]

    def remargin() -> object:
        tick[0] += 1
        v.set_market("ETH", (3000 + tick[0] % 7) * E8, 6000, now=NOW + tick[0])
        return [v.margin(a, now=NOW + tick[0]) for a in accts]

    v.ledger.check()
    n = sum(len(v.ledger.positions_of(a)) for a in accts) / len(accts)
    print(f"re-margin after a price tick: {len(accts)} accounts, {n:.1f} positions on average")
    report("  oracle update + margin of every account", timeit(remargin, runs))


def bench_requirements(runs: int, with_verify: bool) -> None:
    rng = random.Random(7)
    pos = [(s, rng.choice([-1, 1]) * rng.randint(10**5, 5 * 10**6)) for s in options(200)]
    markets = {"ETH": MarketData(3000 * E8, 6000)}
    cfg = config(DUMMY_VK)
    print(f"requirements, 200 positions, {runs} runs")
    report(
        "  standard margin (price 200 + requirement)",
        timeit(
            lambda: standard_requirement(price_positions(pos, markets, NOW, 0), cfg.standard), runs
        ),
    )
    report(
        "  portfolio grid (27 scenarios x 200)",
        timeit(
            lambda: portfolio_requirement(price_positions(pos, markets, NOW, 0), cfg.portfolio, 0),
            max(20, runs // 4),
        ),
    )
    acct = "0x" + "a1" * 20
    proof = Proof(G1_GENERATOR, G2_GENERATOR, G1_GENERATOR)
    with tempfile.TemporaryDirectory() as d:
        vv = venue(Path(d) / "venue.sqlite", DUMMY_VK, lambda vk, pub, proof: True)
        counter = iter(range(1, 10**9))

        def one() -> object:
            p = [777, EXEC, int(acct, 16), int(WETH, 16), next(counter), 10**18, NOW + 30 * DAY]
            return vv.credit(acct, proof, p, now=NOW, source_chain_id=SRC, vault=VAULT)

        report("  credit excluding proof verification (file DB)", timeit(one, runs))
    if with_verify:
        from tests.solidity.synthetic import synthetic_case
        from zkcollat.curve import get_backend

        pubs = [
            [777, EXEC, int(acct, 16), int(WETH, 16), i, 10**18, NOW + 30 * DAY]
            for i in range(1, 12)
        ]
        cases = [synthetic_case("bench-credit", tuple(p)) for p in pubs]
        vv = venue(":memory:", cases[0].vk, None)
        it = iter(range(len(pubs)))

        def verified() -> object:
            i = next(it)
            return vv.credit(
                acct, cases[i].proof, pubs[i], now=NOW, source_chain_id=SRC, vault=VAULT
            )

        report(
            f"  credit with verification (backend {get_backend().name})",
            timeit(verified, len(pubs) - 1),
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=300)
    ap.add_argument("--with-verify", action="store_true")
    args = ap.parse_args()
    from native_only import require_native  # benchmarks/ is the script's folder

    require_native("bench_margin.py")
    bench_engine(max(args.runs, 1000))
    bench_place(args.runs)
    bench_remargin(max(5, args.runs // 20))
    bench_requirements(args.runs, args.with_verify)


if __name__ == "__main__":
    main()
