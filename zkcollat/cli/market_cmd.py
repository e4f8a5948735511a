"""``zkcollat margin order|book|trades|instruments|list-instrument``: the order book from the
command line. Orders and cancels are signed with the account's key file; sizes are in units
of the underlying (whole lots), prices in quote per unit, both parsed exactly."""

from __future__ import annotations

from typing import Any

import click

from zkcollat.cli._common import ADDRESS, emit, json_option
from zkcollat.cli.times import TIME, iso
from zkcollat.cli.units import PRICE, DecimalUnits, UInt, human, px, usd
from zkcollat.margin.pricing import OptionSpec
from zkcollat.margin.signed import Cancel, Order

SIZE = DecimalUnits(6)  # units of underlying, in 1e-6


def register(margin: click.Group) -> None:
    from zkcollat.cli.ledger_cmd import order_json, summary_text
    from zkcollat.cli.margin_cmd import VenueCtx, key_options

    pass_ctx = click.make_pass_decorator(VenueCtx)

    @margin.group("order")
    def order() -> None:
        """Place, cancel and list orders (signed by the account's key)."""

    @order.command("place")
    @key_options
    @click.argument("instrument")
    @click.argument("side", type=click.Choice(["buy", "sell"]))
    @click.argument("size_e6", metavar="SIZE", type=SIZE)
    @click.argument("price", metavar="PRICE|market")
    @click.option("--ioc", is_flag=True, help="Immediate or cancel: nothing rests.")
    @click.option("--post-only", is_flag=True, help="Refused if it would trade on arrival.")
    @click.option("--reduce-only", is_flag=True, help="Only ever reduces the position.")
    @json_option
    @pass_ctx
    def order_place(
        vc: VenueCtx,
        key_path: str,
        ttl: int,
        nonce: int | None,
        instrument: str,
        side: str,
        size_e6: int,
        price: str,
        ioc: bool,
        post_only: bool,
        reduce_only: bool,
        as_json: bool,
    ) -> None:
        """Buy or sell SIZE units of INSTRUMENT at PRICE (a limit, on the tick) or at market
        (within the protection band, immediate or cancel)."""
        v = vc.open()
        ins = v.instrument(instrument)
        lots = ins.lots_from_e6(size_e6)
        market = price == "market"
        price_e8 = 0 if market else PRICE.convert(price, None, None)
        signed = vc.signed(
            v,
            key_path,
            lambda a, n, e: Order(
                a,
                ins.name,
                side == "buy",
                lots,
                price_e8,
                market,
                ioc,
                post_only,
                reduce_only,
                n,
                e,
            ),
            ttl,
            nonce,
        )
        rep = v.place(signed, now=vc.now)
        s = v.margin(signed.message.account, now=vc.now)
        out = {
            "order": {"account": rep.order[0], "nonce": str(rep.order[1])},
            "instrument": ins.name,
            "fills": [
                {
                    "maker": f.maker[0],
                    "price_e8": str(f.price_e8),
                    "lots": f.lots,
                    "size_e6": f.lots * ins.lot_e6,
                }
                for f in rep.fills
            ],
            "rested_lots": rep.rested_lots,
            "dropped_lots": rep.dropped_lots,
            "cancelled": [
                {"account": o[0], "nonce": str(o[1]), "reason": r} for o, r in rep.cancelled
            ],
            "summary": s.to_json(),
        }

        def text() -> str:
            lines = [f"order {rep.order[1]}: {side} {human(size_e6, 6, 1)} {ins.name}"]
            lines += [
                f"  filled {human(f.lots * ins.lot_e6, 6, 1)} at {px(f.price_e8)} "
                f"against {f.maker[0]}"
                for f in rep.fills
            ]
            if rep.rested_lots:
                lines.append(f"  resting: {human(rep.rested_lots * ins.lot_e6, 6, 1)}")
            if rep.dropped_lots:
                lines.append(f"  not filled (IOC): {human(rep.dropped_lots * ins.lot_e6, 6, 1)}")
            lines += [f"  cancelled resting order {o[1]} of {o[0]} ({r})" for o, r in rep.cancelled]
            return "\n".join([*lines, summary_text(s)])

        emit(as_json, out, text)

    @order.command("cancel")
    @key_options
    @click.argument("order_nonce", type=UInt(64))
    @json_option
    @pass_ctx
    def order_cancel(
        vc: VenueCtx, key_path: str, ttl: int, nonce: int | None, order_nonce: int, as_json: bool
    ) -> None:
        """Cancel the account's open order ORDER_NONCE."""
        v = vc.open()
        o = v.cancel(
            vc.signed(v, key_path, lambda a, n, e: Cancel(a, order_nonce, n, e), ttl, nonce),
            now=vc.now,
        )
        emit(
            as_json,
            {"cancelled": str(o.id[1]), "lots": o.lots},
            f"cancelled order {o.id[1]} ({o.lots} lots left)",
        )

    @order.command("list")
    @click.argument("account", type=ADDRESS)
    @json_option
    @pass_ctx
    def order_list(vc: VenueCtx, account: str, as_json: bool) -> None:
        """ACCOUNT's open orders."""
        v = vc.open()
        rows = [order_json(n, o) for n, o in v.open_orders(v.addr(account))]
        emit(
            as_json,
            rows,
            lambda: (
                "\n".join(
                    f"{r['nonce']:>20} {r['side']:<4} {r['lots']:>8} lots {r['instrument']} at "
                    f"{px(int(r['price_e8']))}" + (" reduce-only" if r["reduce_only"] else "")
                    for r in rows
                )
                or "no open orders"
            ),
        )

    @margin.command("book")
    @click.argument("instrument")
    @click.option("--depth", type=UInt(16), default=10, show_default=True)
    @json_option
    @pass_ctx
    def book(vc: VenueCtx, instrument: str, depth: int, as_json: bool) -> None:
        """INSTRUMENT's order book: the best levels of each side, and the mark."""
        v = vc.open()
        ins = v.instrument(instrument)
        b = v.books[ins.name]
        bids, asks = b.depth(True, depth), b.depth(False, depth)
        mark = v.mark_e8(ins.name, vc.now) if ins.status == "active" else None
        out = {
            "instrument": ins.name,
            "mark_e8": None if mark is None else str(mark),
            "bids": [{"price_e8": str(p), "lots": q, "orders": n} for p, q, n in bids],
            "asks": [{"price_e8": str(p), "lots": q, "orders": n} for p, q, n in asks],
        }

        def text() -> str:
            lines = [f"{ins.name}  mark {px(mark) if mark is not None else ins.status}"]
            lines += [
                f"  ask {px(p):>12}  {human(q * ins.lot_e6, 6, 1):>10}  ({n})"
                for p, q, n in reversed(asks)
            ]
            lines += [
                f"  bid {px(p):>12}  {human(q * ins.lot_e6, 6, 1):>10}  ({n})" for p, q, n in bids
            ]
            return "\n".join(lines)

        emit(as_json, out, text)

    @margin.command("trades")
    @click.option("--account", type=ADDRESS, default=None, help="Only this account's trades.")
    @click.option("--instrument", default=None, help="Only this instrument.")
    @click.option("--limit", type=UInt(32), default=50, show_default=True)
    @json_option
    @pass_ctx
    def trades(
        vc: VenueCtx, account: str | None, instrument: str | None, limit: int, as_json: bool
    ) -> None:
        """The latest trades: book trades, liquidations, transfers to the fund, ADL."""
        v = vc.open()
        rows = v.store.trades(v.addr(account) if account else None, instrument, limit)
        emit(
            as_json,
            rows,
            lambda: (
                "\n".join(
                    f"{r['id']:>6} {r['kind']:<11} {r['instrument']} "
                    f"{human(int(r['size_e6']), 6, 1)} at {px(int(r['price_e8']))}: "
                    f"{r['buyer']} pays {r['seller']} {usd(int(r['cash_e6']))}"
                    for r in rows
                )
                or "no trades"
            ),
        )

    @margin.command("instruments")
    @click.option(
        "--names",
        is_flag=True,
        help="Only the names, one a line: PUT=$(zkcollat margin instruments --names).",
    )
    @json_option
    @pass_ctx
    def instruments(vc: VenueCtx, names: bool, as_json: bool) -> None:
        """The listed instruments and their rules."""
        from zkcollat.margin.instruments import instrument_to_json

        v = vc.open()
        rows = [instrument_to_json(i) for i in v.instruments.values()]
        if names and not as_json:
            if rows:
                click.echo("\n".join(str(r["spec"]) for r in rows))
            return
        emit(
            as_json,
            rows,
            lambda: (
                "\n".join(
                    f"{r['spec']:<32} {r['status']:<8} tick {px(r['tick_e8'])} lot "
                    f"{human(r['lot_e6'], 6, 1)} size {r['min_lots']}..{r['max_lots']} lots, "
                    f"position limit {r['position_limit_lots']}, OI limit {r['oi_limit_lots']}"
                    for r in rows
                )
                or "no instruments listed"
            ),
        )

    @margin.command("list-instrument")
    @click.argument("underlying")
    @click.argument("expiry", type=TIME)
    @click.argument("strike_e8", metavar="STRIKE", type=PRICE)
    @click.argument("kind", type=click.Choice(["C", "P"]))
    @click.option("--tick", "tick_e8", type=PRICE, default=None, help="Price tick (quote).")
    @click.option("--lot", "lot_e6", type=SIZE, default=None, help="Lot (units of underlying).")
    @click.option("--min-lots", type=UInt(62), default=None)
    @click.option("--max-lots", type=UInt(62), default=None)
    @click.option("--position-limit-lots", type=UInt(62), default=None)
    @click.option("--oi-limit-lots", type=UInt(62), default=None)
    @json_option
    @pass_ctx
    def list_instrument(
        vc: VenueCtx,
        /,
        underlying: str,
        expiry: int,
        strike_e8: int,
        kind: str,
        as_json: bool,
        **rules: Any,
    ) -> None:
        """List an option for trading (the operator's call); unnamed rules from the config."""
        v = vc.open()
        ins = v.list_instrument(
            OptionSpec(underlying, expiry, strike_e8, kind),
            now=vc.now,
            **{k: r for k, r in rules.items() if r is not None},
        )
        emit(
            as_json,
            {"instrument": ins.name},
            f"listed {ins.name} (expires {iso(ins.spec.expiry)})",
        )
