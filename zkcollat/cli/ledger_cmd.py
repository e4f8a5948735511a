"""``zkcollat margin deposit|withdraw|credit|release|liquidate|settle|insurance|
seize-executed|outbox``: money and collateral in and out of the venue, liquidation and
settlement. Withdrawals and releases are signed with the account's key file."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from typing import Any

import click

from zkcollat.cli._common import ADDRESS, CliInputError, emit, json_option, load_json_file
from zkcollat.cli.times import when
from zkcollat.cli.units import QUOTE, DecimalUnits, UInt, px, usd
from zkcollat.margin.liquidation import LiquidationReport
from zkcollat.margin.risk import MarginSummary
from zkcollat.margin.store import Store
from zkcollat.margin.venue import Venue


def summary_text(s: MarginSummary) -> str:
    state = (
        "ok"
        if s.meets_im
        else "below IM (no new risk)"
        if s.meets_mm
        else "BELOW MAINTENANCE: margin call / liquidatable"
    )
    return (
        f"equity {usd(s.equity_e6)} = cash {usd(s.cash_e6)} + options "
        f"{usd(s.options_value_e6)} + collateral {usd(s.collateral_value_e6)}; "
        f"IM {usd(s.im_e6)} (with open orders), MM {usd(s.mm_e6)}: {state}"
    )


def order_json(name: str, o: Any) -> dict[str, Any]:
    return {
        "instrument": name,
        "nonce": str(o.id[1]),
        "side": "buy" if o.buy else "sell",
        "price_e8": str(o.price_e8),
        "lots": o.lots,
        "reduce_only": o.reduce_only,
    }


def account_report(v: Venue, account: str, now: int) -> dict[str, Any]:
    acct = v.addr(account)
    s = v.margin(acct, now=now)
    units = v.units(now)
    credits = [
        {
            "sourceChainId": c.source_chain_id,
            "vault": c.vault,
            "lockId": c.lock_id,
            "threshold": str(c.threshold),
            "validUntil": c.valid_until,
            "status": c.status,
            "counts": c.counts_at(now),
            "haircut_bps": v.haircut_bps(c.source_chain_id, c.vault, c.asset_id, now),
        }
        for c in v.credits.values()
        if c.account == acct
    ]
    return {
        "summary": s.to_json(),
        "positions": {
            n: {"size_e6": z, "mark_e8": int(units[n].mark * 10**8)}
            for n, z in sorted(v.ledger.positions_of(acct).items())
        },
        "open_orders": [order_json(n, o) for n, o in v.open_orders(acct)],
        "credits": credits,
        "reports": [
            {**p.to_json(), "counted_e6": v.provisional_values(now).get(p.key, 0)}
            for p in v.reports_of(acct)
        ],
        "reduce_only": v.reduce_only(now),
    }


def report_text(r: dict[str, Any]) -> str:
    s = r["summary"]
    lines = [f"account {s['account']} ({s['mode']} margin)"]
    for name, p in r["positions"].items():
        lines.append(f"  {name:<32} size {p['size_e6'] / 1e6:+,.1f}  mark {px(p['mark_e8'])}")
    for o in r["open_orders"]:
        lines.append(
            f"  open {o['side']} {o['lots']} lots {o['instrument']} at "
            f"{px(int(o['price_e8']))} (nonce {o['nonce']})"
        )
    for c in r["credits"]:
        lines.append(
            f"  credit lock {c['lockId']} of vault {c['vault']}: {c['threshold']} units,"
            f" haircut {c['haircut_bps']} bps, {c['status']}"
        )
    for p in r["reports"]:
        lines.append(
            f"  reported lock {p['lockId']} of vault {p['vault']}: {p['amount']} units, "
            f"{p['status']}, counts {usd(p['counted_e6'])} until {p['deadline']} (provisional)"
        )
    lines.append(
        f"  cash {usd(s['cash_e6'])}  options {usd(s['options_value_e6'])}  collateral "
        f"{usd(s['collateral_value_e6'])}  equity {usd(s['equity_e6'])}"
    )
    lines.append(
        f"  initial margin {usd(s['im_e6'])}  maintenance margin {usd(s['mm_e6'])}  "
        + (
            "meets IM"
            if s["meets_im"]
            else "below IM"
            if s["meets_mm"]
            else "BELOW MM: liquidatable"
        )
    )
    if r["reduce_only"]:
        lines.append("  venue is REDUCE-ONLY (relay latency above the breaker)")
    return "\n".join(lines)


def liquidation_text(rep: LiquidationReport) -> str:
    lines = [f"before: {summary_text(rep.before)}"]
    lines += [
        f"  closed on the book: {f.lots} lots {n} at {px(f.price_e8)} with {f.maker[0]}"
        for n, f in rep.book_fills
    ]
    lines += [
        f"  to the insurance fund at mark: {s / 1e6:+,.1f} {n} for {usd(c)}"
        for n, s, c in rep.to_fund
    ]
    lines += [f"  auto-deleveraged {a}: {s / 1e6:,.1f} {n} for {usd(c)}" for n, a, s, c in rep.adl]
    for e in rep.seizes:
        m = e.message.message()
        lines.append(
            f"  Seize lock {m['lockId']} of vault {m['vault']}: {m['amount']} units, "
            f"nonce {m['nonce']}, deadline {when(int(m['deadline']))}"
        )
    if rep.after is not None:
        lines.append(f"after:  {summary_text(rep.after)}")
    lines.append(
        f"penalty {usd(rep.penalty_e6)}, fund paid {usd(rep.fund_paid_e6)}, "
        f"shortfall {usd(rep.shortfall_e6)}"
    )
    return "\n".join(lines)


def register(margin: click.Group) -> None:
    from zkcollat.cli.margin_cmd import VenueCtx, key_options

    pass_ctx = click.make_pass_decorator(VenueCtx)

    @margin.command("deposit")
    @click.argument("account", type=ADDRESS)
    @click.argument("amount_e6", metavar="AMOUNT", type=QUOTE)
    @json_option
    @pass_ctx
    def margin_deposit(vc: VenueCtx, account: str, amount_e6: int, as_json: bool) -> None:
        """Book quote cash that arrived for ACCOUNT on the execution chain (opens it if needed)."""
        v = vc.open()
        v.deposit(account, amount_e6, now=vc.now)
        s = v.margin(account, now=vc.now)
        emit(as_json, s.to_json(), f"{s.account}: deposited {usd(amount_e6)}\n{summary_text(s)}")

    @margin.command("withdraw")
    @key_options
    @click.argument("amount_e6", metavar="AMOUNT", type=QUOTE)
    @json_option
    @pass_ctx
    def margin_withdraw(
        vc: VenueCtx, key_path: str, ttl: int, nonce: int | None, amount_e6: int, as_json: bool
    ) -> None:
        """Withdraw cash (signed by the account's key); refused below initial margin."""
        from zkcollat.margin.signed import Withdraw

        v = vc.open()
        s = v.withdraw(
            vc.signed(v, key_path, lambda a, n, e: Withdraw(a, amount_e6, n, e), ttl, nonce),
            now=vc.now,
        )
        emit(as_json, s.to_json(), f"withdrew {usd(amount_e6)}\n{summary_text(s)}")

    @margin.command("credit")
    @click.argument("account", type=ADDRESS)
    @click.argument("proof_path", metavar="PROOF", type=click.Path(dir_okay=False))
    @click.argument("public_path", metavar="PUBLIC", type=click.Path(dir_okay=False))
    @click.option("--source-chain", type=UInt(256), default=None, help="The source vault's chain.")
    @click.option(
        "--vault", "vault_address", type=ADDRESS, default=None, help="The source vault."
    )
    @json_option
    @pass_ctx
    def margin_credit(
        vc: VenueCtx,
        account: str,
        proof_path: str,
        public_path: str,
        source_chain: int | None,
        vault_address: str | None,
        as_json: bool,
    ) -> None:
        """Credit a proven lock (proof.json, public.json) to ACCOUNT as collateral, at most once."""
        proof = load_json_file(proof_path, "proof")
        public = load_json_file(public_path, "public signals")
        if not isinstance(public, list) or not isinstance(proof, dict):
            raise CliInputError("proof.json must be an object and public.json an array")
        v = vc.open()
        c = v.credit(
            account, proof, public, now=vc.now, source_chain_id=source_chain, vault=vault_address
        )
        s = v.margin(account, now=vc.now)
        out = {
            "lockId": str(c.lock_id),
            "vault": c.vault,
            "sourceChainId": str(c.source_chain_id),
            "threshold": str(c.threshold),
            "validUntil": c.valid_until,
            "summary": s.to_json(),
        }
        emit(
            as_json,
            out,
            f"credited lock {c.lock_id} of vault {c.vault}: {c.threshold} units "
            f"until {when(c.valid_until)}\n{summary_text(s)}",
        )

    @margin.command("release")
    @key_options
    @click.argument("source_chain", type=UInt(256))
    @click.argument("vault", type=ADDRESS)
    @click.argument("lock_id", type=UInt(64))
    @json_option
    @pass_ctx
    def margin_release(
        vc: VenueCtx,
        key_path: str,
        ttl: int,
        nonce: int | None,
        source_chain: int,
        vault: str,
        lock_id: int,
        as_json: bool,
    ) -> None:
        """Ask for a lock back (signed by the account's key): a signed Release goes to the outbox
        when the account meets initial margin without it and with its open orders."""
        from zkcollat.margin.signed import ReleaseRequest

        v = vc.open()
        e = v.request_release(
            vc.signed(
                v,
                key_path,
                lambda a, n, x: ReleaseRequest(a, source_chain, vault, lock_id, n, x),
                ttl,
                nonce,
            ),
            now=vc.now,
        )
        emit(as_json, e.to_json(), f"Release of lock {lock_id} signed (outbox entry {e.id})")

    @margin.command("liquidate")
    @click.argument("account", type=ADDRESS)
    @json_option
    @pass_ctx
    def margin_liquidate(vc: VenueCtx, account: str, as_json: bool) -> None:
        """Liquidate ACCOUNT if it is below maintenance margin (the waterfall in the README)."""
        rep = vc.open().liquidate(account, now=vc.now)
        emit(as_json, rep.to_json(), lambda: liquidation_text(rep))

    @margin.command("settle")
    @json_option
    @pass_ctx
    def margin_settle(vc: VenueCtx, as_json: bool) -> None:
        """Cash-settle every expired instrument against its TWAP settlement price."""
        reps = vc.open().settle(now=vc.now)
        emit(
            as_json,
            [r.to_json() for r in reps],
            lambda: "\n".join(
                [
                    f"settled {r.instrument} at {px(r.price_e8)}: {len(r.paid)} payments"
                    + (f", {usd(r.adl_e6)} auto-deleveraged" if r.adl_e6 else "")
                    for r in reps
                ]
                or ["nothing to settle"]
            ),
        )

    @margin.command("insurance")
    @click.option("--fund", "fund_e6", type=QUOTE, default=None, help="Contribute to the fund.")
    @json_option
    @pass_ctx
    def margin_insurance(vc: VenueCtx, fund_e6: int | None, as_json: bool) -> None:
        """The insurance fund, its receivable (claims on seizes not executed yet) and the fees."""
        v = vc.open()
        if fund_e6 is not None:
            v.fund_insurance(fund_e6, now=vc.now)
        out = {
            "insurance_e6": v.insurance_fund_e6(),
            "receivable_e6": v.receivable_e6(),
            "fees_e6": v.fees_e6(),
            "provisional_exposure_e6": v.provisional_exposure_e6(vc.now),
        }
        emit(
            as_json,
            out,
            f"insurance fund {usd(out['insurance_e6'])}, receivable "
            f"{usd(out['receivable_e6'])}, fee account {usd(out['fees_e6'])}, exposure to "
            f"lock reports {usd(out['provisional_exposure_e6'])}",
        )

    @margin.command("seize-executed")
    @click.argument("entry_id", type=UInt(63))
    @click.option(
        "--realised",
        "realised_e6",
        type=DecimalUnits(6, positive=False),
        required=True,
        help="What the seized units fetched (quote units).",
    )
    @json_option
    @pass_ctx
    def margin_seize_executed(vc: VenueCtx, entry_id: int, realised_e6: int, as_json: bool) -> None:
        """Book a Seize that executed on the source chain: its value reaches the ledger now."""
        back = vc.open().seize_executed(entry_id, realised_e6, now=vc.now)
        emit(
            as_json,
            {"entry": entry_id, "fund_received_e6": back},
            f"Seize {entry_id} executed: {usd(realised_e6)} booked, {usd(back)} to the fund",
        )

    @margin.command("outbox")
    @click.option("--all", "show_all", is_flag=True, help="Include messages already sent.")
    @pass_ctx
    def margin_outbox(vc: VenueCtx, show_all: bool) -> None:
        """The signed Release/Seize messages for the source vault (JSON lines)."""
        for e in vc.open().outbox(pending_only=not show_all):
            click.echo(json.dumps(e.to_json()))

    @margin.command("account")
    @click.argument("account", type=ADDRESS)
    @click.option(
        "--mode",
        type=click.Choice(["standard", "portfolio"]),
        default=None,
        help="Set the account's margin mode first (refused if it would not meet initial "
        "margin under the new mode).",
    )
    @json_option
    @pass_ctx
    def margin_account(vc: VenueCtx, account: str, mode: str | None, as_json: bool) -> None:
        """ACCOUNT's positions, open orders, collateral and margin; with --mode, switch it
        between standard (per short option) and portfolio (scenario grid) margin."""
        v = vc.open()
        if mode is not None:
            v.set_margin_mode(account, mode, now=vc.now)
        r = account_report(v, account, vc.now)
        emit(as_json, r, lambda: report_text(r))

    @margin.command("shock")
    @click.argument("account", type=ADDRESS)
    @click.option(
        "--spot-pct",
        type=DecimalUnits(2, positive=False, signed=True),
        default=0,
        help="Move every underlying's spot by this percentage (e.g. -30).",
    )
    @json_option
    @pass_ctx
    def margin_shock(vc: VenueCtx, account: str, spot_pct: int, as_json: bool) -> None:
        """What a spot move would do to ACCOUNT and its collateral (on a copy: nothing changes)."""
        if spot_pct <= -10_000:
            raise CliInputError(f"--spot-pct {spot_pct / 100} must be above -100")
        real = vc.open()
        before = account_report(real, account, vc.now)
        copy = sqlite3.connect(":memory:", isolation_level=None)
        real.conn.backup(copy)
        v = Venue(Store.wrap(copy), real.config, real.signer, now=vc.now)
        v.markets = {
            u: replace(st, spot_e8=st.spot_e8 * (10_000 + spot_pct) // 10_000)
            for u, st in v.markets.items()
        }
        v.asset_prices = {
            k: (p * (10_000 + spot_pct) // 10_000, t) for k, (p, t) in v.asset_prices.items()
        }
        v._units = None
        after = account_report(v, account, vc.now)
        out = {"spot_pct": spot_pct / 100, "before": before, "after": after}
        emit(
            as_json,
            out,
            lambda: (
                f"shock: spot and collateral {spot_pct / 100:+.2f}%\nBEFORE\n"
                f"{report_text(before)}\nAFTER\n{report_text(after)}"
            ),
        )

    @margin.command("audit")
    @json_option
    @pass_ctx
    def margin_audit(vc: VenueCtx, as_json: bool) -> None:
        """Check the books: the conservation equation, open interest, journal sums."""
        v = vc.open()
        v.audit()
        o = v.ledger.outside
        emit(
            as_json,
            {"ok": True, **{k.lstrip("@"): str(x) for k, x in o.items()}},
            f"ok: cash {usd(sum(v.ledger.cash.values()))} = deposits {usd(o['@deposits'])} - "
            f"withdrawals {usd(o['@withdrawals'])} + seized {usd(o['@seized'])}",
        )
