"""``zkcollat margin``: the execution side's options venue, kept in a folder.

The folder (``--venue DIR``, default ``venue``) holds ``config.json`` (a VenueConfig, see
``zkcollat/margin/example_venue.json``), ``verification_key.json``, ``venue.sqlite`` (the
whole venue state) and ``signer.key`` (the key that signs Release/Seize messages).
Times are unix seconds: ``--now`` (default: the clock).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from zkcollat.attest.attestation import SignedAttestation
from zkcollat.attest.committee import Committee
from zkcollat.cli._common import (
    CliInputError,
    emit,
    json_option,
    load_json_file,
    now_or,
    parse_uint,
)
from zkcollat.margin.config import VenueConfig
from zkcollat.margin.pricing import E8, OptionSpec
from zkcollat.margin.requirements import price_positions
from zkcollat.margin.venue import LiquidationReport, MarginSummary, Venue

CONFIG = "config.json"
DB = "venue.sqlite"
SIGNER = "signer.key"
VK = "verification_key.json"


@dataclass
class VenueCtx:
    dir: Path
    now: int

    def open(self) -> Venue:
        for name in (CONFIG, DB, SIGNER):
            if not (self.dir / name).is_file():
                raise CliInputError(
                    f"{self.dir / name} does not exist: create the venue with `zkcollat margin "
                    f"--venue {self.dir} init ...`"
                )
        from zkcollat.cli.attest_cmd import read_key

        cfg = VenueConfig.load(self.dir / CONFIG)
        if cfg.verifying_key is not None and not cfg.verifying_key.ceremony:
            click.echo(
                f"warning: the venue's verifying key ({cfg.verifying_key_path}) is a "
                "development key (no multi-party ceremony)",
                err=True,
            )
        return Venue(cfg, read_key(str(self.dir / SIGNER)), db=self.dir / DB, now=self.now)


pass_ctx = click.make_pass_decorator(VenueCtx)


# --- shared views (the demo prints the same) -------------------------------------------------


def summary_json(s: MarginSummary) -> dict[str, Any]:
    return {
        "account": s.account,
        "mode": s.mode,
        "cash_e6": s.cash_e6,
        "options_value_e6": s.options_value_e6,
        "collateral_value_e6": s.collateral_value_e6,
        "equity_e6": s.equity_e6,
        "im_e6": s.im_e6,
        "mm_e6": s.mm_e6,
        "meets_im": s.meets_im,
        "meets_mm": s.meets_mm,
    }


def usd(e6: int) -> str:
    return f"{e6 / 1e6:,.2f}"


def summary_text(s: MarginSummary) -> str:
    state = (
        "ok"
        if s.meets_im
        else (
            "below IM (no new risk)"
            if s.meets_mm
            else "BELOW MAINTENANCE: margin call / liquidatable"
        )
    )
    return (
        f"equity {usd(s.equity_e6)} = cash {usd(s.cash_e6)} + options "
        f"{usd(s.options_value_e6)} + collateral {usd(s.collateral_value_e6)}; "
        f"IM {usd(s.im_e6)}, MM {usd(s.mm_e6)}: {state}"
    )


def account_report(venue: Venue, account: str, now: int) -> dict[str, Any]:
    """Positions with Greeks, the requirement and the collateral of one account."""
    s = venue.margin(account, now=now)
    g = venue.greeks(account, now=now)
    credits = []
    for c in venue.credits(account):
        credits.append(
            {
                "sourceChainId": c.source_chain_id,
                "vault": c.vault,
                "lockId": c.lock_id,
                "assetId": f"{c.asset_id:#042x}",
                "threshold": str(c.threshold),
                "minExpiry": c.min_expiry,
                "validUntil": c.valid_until,
                "status": c.status,
                "counts": c.counts_at(now),
                "haircut_bps": venue.haircut_bps(c.source_chain_id, c.vault, c.asset_id, now),
            }
        )
    return {
        "summary": summary_json(s),
        "positions": {
            name: {"size_e6": size, **vars(g.positions.get(name) or _zero())}
            for name, size in venue.positions(account).items()
        },
        "greeks_by_underlying": {u: vars(x) for u, x in g.underlyings.items()},
        "credits": credits,
        "reduce_only": venue.reduce_only(now),
    }


def _zero() -> Any:
    from zkcollat.margin.pricing import Greeks

    return Greeks()


def report_text(r: dict[str, Any]) -> str:
    s = r["summary"]
    lines = [f"account {s['account']} ({s['mode']} margin)"]
    for name, p in r["positions"].items():
        lines.append(
            f"  {name:<32} size {p['size_e6'] / 1e6:+.3f}  delta {p['delta']:+.3f} "
            f"gamma {p['gamma']:+.6f} vega {p['vega']:+.2f}/vol "
            f"theta {p['theta']:+.2f}/yr"
        )
    for c in r["credits"]:
        lines.append(
            f"  credit lock {c['lockId']} of vault {c['vault']} (chain "
            f"{c['sourceChainId']}): {c['threshold']} units of {c['assetId']}, "
            f"haircut {c['haircut_bps']} bps, {c['status']}"
            + ("" if c["counts"] else " (no longer counts)")
        )
    lines.append(
        f"  cash {usd(s['cash_e6'])}  options {usd(s['options_value_e6'])}  "
        f"collateral {usd(s['collateral_value_e6'])}  equity {usd(s['equity_e6'])}"
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


def liquidation_json(rep: LiquidationReport) -> dict[str, Any]:
    return {
        "account": rep.account,
        "before": summary_json(rep.before),
        "after": summary_json(rep.after),
        "closes": [
            {
                "instrument": c.instrument,
                "trade_size_e6": c.trade_size_e6,
                "cash_delta_e6": c.cash_delta_e6,
            }
            for c in rep.closes
        ],
        "seizes": [e.to_json() for e in rep.seizes],
        "penalty_e6": rep.penalty_e6,
        "shortfall_e6": rep.shortfall_e6,
    }


def mark_e8(venue: Venue, instrument: str, now: int) -> int:
    """The venue's mark of one unit of an option, in 1e-8 quote."""
    opt = OptionSpec.parse(instrument)
    (p,) = price_positions([(opt, 1)], venue.markets(), now, venue.config.risk_free_rate_bps)
    return round(p.mark * E8)


# --- commands ---------------------------------------------------------------------------------


@click.group()
@click.option(
    "--venue",
    "venue_dir",
    default="venue",
    show_default=True,
    type=click.Path(file_okay=False),
    help="The venue's folder.",
)
@click.option("--now", type=int, default=None, help="Unix time of the operation (default: now).")
@click.pass_context
def margin(ctx: click.Context, venue_dir: str, now: int | None) -> None:
    """The options venue on the execution chain: credit proven locks as margin.

    \b
    Examples:
      zkcollat margin init --config venue.json --committee committee.json \\
          --vk verification_key.json
      zkcollat margin submit-root attestation.json
      zkcollat margin market ETH --spot-e8 300000000000 --iv-bps 6000
      zkcollat margin asset-price 1 0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2 \\
          --price-e8 300000000000
      zkcollat margin credit 0x...a11ce proof.json public.json
      zkcollat margin order 0x...a11ce ETH-1900000000-250000000000-P -- -5000000 mark
      zkcollat margin account 0x...a11ce
      zkcollat margin shock 0x...a11ce --spot-pct -30
      zkcollat margin liquidate 0x...a11ce
      zkcollat margin outbox
    """
    ctx.obj = VenueCtx(Path(venue_dir), now_or(now))


@margin.command("init")
@click.option(
    "--config",
    "config_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="Venue parameters (JSON; see zkcollat/margin/example_venue.json).",
)
@click.option(
    "--committee",
    "committee_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="The attesting committee (from `zkcollat attest committee`).",
)
@click.option(
    "--vk",
    "vk_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="The CollateralLock verification_key.json the venue checks proofs with.",
)
@click.option(
    "--signer-key",
    type=click.Path(dir_okay=False),
    default=None,
    help="Key that signs Release/Seize messages (default: a new one).",
)
@json_option
@pass_ctx
def margin_init(
    vc: VenueCtx,
    config_path: str,
    committee_path: str,
    vk_path: str,
    signer_key: str | None,
    as_json: bool,
) -> None:
    """Create the venue folder: config, verifying key, signer key and an empty state."""
    from zkcollat.cli.attest_cmd import new_key, read_key, write_key
    from zkcollat.cli.proof_cmd import load_vk

    if (vc.dir / DB).exists():
        raise CliInputError(f"{vc.dir / DB} already exists (the venue is initialised)")
    raw = load_json_file(config_path, "venue config")
    if not isinstance(raw, dict):
        raise CliInputError(f"venue config {config_path!r} must be a JSON object")
    load_vk(vk_path)
    committee = Committee.from_json(load_json_file(committee_path, "committee"))
    VenueConfig.from_json({**raw, "verifying_key_path": str(Path(vk_path).resolve())})
    vc.dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(vk_path, vc.dir / VK)
    (vc.dir / CONFIG).write_text(json.dumps({**raw, "verifying_key_path": VK}, indent=1) + "\n")
    if signer_key is not None:
        key = read_key(signer_key)
        shutil.copyfile(signer_key, vc.dir / SIGNER)
    else:
        secret, key = new_key()
        write_key(secret, str(vc.dir / SIGNER))
    cfg = VenueConfig.load(vc.dir / CONFIG)
    Venue(cfg, key, db=vc.dir / DB, committee=committee, now=vc.now).conn.close()
    out = {
        "venue": str(vc.dir),
        "chain_id": cfg.chain_id,
        "signer": key.address,
        "committee": committee.to_json(),
    }
    emit(
        as_json,
        out,
        f"venue {vc.dir} on chain {cfg.chain_id}: committee {committee.threshold} "
        f"of {len(committee.members)}, signer {key.address}",
    )


@margin.command("submit-root")
@click.argument("bundle", type=click.Path(dir_okay=False))
@json_option
@pass_ctx
def margin_submit_root(vc: VenueCtx, bundle: str, as_json: bool) -> None:
    """Accept a signed root attestation (the relayer's job)."""
    signed = SignedAttestation.from_json(load_json_file(bundle, "signed attestation"))
    v = vc.open()
    a = v.submit_attestation(signed, now=vc.now)
    out = {
        "root": str(a.root),
        "blockNumber": a.block_number,
        "vault": a.vault,
        "sourceChainId": a.source_chain_id,
        "signers": list(a.signers),
        "latency_s": a.latency_s,
    }
    emit(
        as_json,
        out,
        f"accepted root {a.root} of vault {a.vault} at block {a.block_number} "
        f"({len(a.signers)} signers, relay latency {a.latency_s} s)",
    )


@margin.command("market")
@click.argument("underlying")
@click.option("--spot-e8", type=int, required=True, help="Spot price, 1e-8 quote units.")
@click.option("--iv-bps", type=int, required=True, help="Implied volatility, basis points.")
@json_option
@pass_ctx
def margin_market(vc: VenueCtx, underlying: str, spot_e8: int, iv_bps: int, as_json: bool) -> None:
    """Set an underlying's spot and implied volatility (the oracle's job)."""
    vc.open().set_market(underlying, spot_e8, iv_bps, now=vc.now)
    emit(
        as_json,
        {"underlying": underlying, "spot_e8": spot_e8, "iv_bps": iv_bps},
        f"{underlying}: spot {spot_e8 / E8:,.2f}, implied vol {iv_bps / 100:.2f}%",
    )


@margin.command("asset-price")
@click.argument("source_chain", type=int)
@click.argument("asset")
@click.option("--price-e8", type=int, required=True, help="Price of one token, 1e-8 quote.")
@json_option
@pass_ctx
def margin_asset_price(
    vc: VenueCtx, source_chain: int, asset: str, price_e8: int, as_json: bool
) -> None:
    """Set a collateral token's price (the oracle's job)."""
    vc.open().set_asset_price(source_chain, asset, price_e8, now=vc.now)
    emit(
        as_json,
        {"sourceChainId": source_chain, "asset": asset, "price_e8": price_e8},
        f"asset {asset} on chain {source_chain}: {price_e8 / E8:,.2f}",
    )


@margin.command("deposit")
@click.argument("account")
@click.argument("amount_e6", type=int)
@json_option
@pass_ctx
def margin_deposit(vc: VenueCtx, account: str, amount_e6: int, as_json: bool) -> None:
    """Open ACCOUNT if needed and deposit quote cash (1e-6 units)."""
    v = vc.open()
    v.open_account(account, now=vc.now)
    v.deposit(account, amount_e6)
    s = v.margin(account, now=vc.now)
    emit(as_json, summary_json(s), f"{account}: deposited {usd(amount_e6)}\n{summary_text(s)}")


@margin.command("credit")
@click.argument("account")
@click.argument("proof_path", metavar="PROOF", type=click.Path(dir_okay=False))
@click.argument("public_path", metavar="PUBLIC", type=click.Path(dir_okay=False))
@click.option("--source-chain", type=int, default=None, help="Name the source vault's chain.")
@click.option("--vault", "vault_address", default=None, help="Name the source vault.")
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
        "lockId": c.lock_id,
        "vault": c.vault,
        "sourceChainId": c.source_chain_id,
        "threshold": str(c.threshold),
        "validUntil": c.valid_until,
        "summary": summary_json(s),
    }
    emit(
        as_json,
        out,
        f"credited lock {c.lock_id} of vault {c.vault}: {c.threshold} units "
        f"until {c.valid_until}\n{summary_text(s)}",
    )


@margin.command("order")
@click.argument("account")
@click.argument("instrument")
@click.argument("size_e6", type=int)
@click.argument("price", metavar="PRICE_E8|mark")
@json_option
@pass_ctx
def margin_order(
    vc: VenueCtx, account: str, instrument: str, size_e6: int, price: str, as_json: bool
) -> None:
    """Trade SIZE_E6 (negative sells) of INSTRUMENT (UNDERLYING-EXPIRY-STRIKE_E8-C|P) at
    PRICE_E8 per unit, or at the venue's mark; refused unless initial margin holds after."""
    v = vc.open()
    price_e8 = mark_e8(v, instrument, vc.now) if price == "mark" else parse_uint(price, "price")
    s = v.place_order(account, instrument, size_e6, price_e8, now=vc.now)
    emit(
        as_json,
        {
            "instrument": instrument,
            "size_e6": size_e6,
            "price_e8": price_e8,
            "summary": summary_json(s),
        },
        f"filled {size_e6 / 1e6:+.3f} {instrument} at {price_e8 / E8:,.2f}\n{summary_text(s)}",
    )


@margin.command("account")
@click.argument("account")
@json_option
@pass_ctx
def margin_account(vc: VenueCtx, account: str, as_json: bool) -> None:
    """ACCOUNT's positions, Greeks, margin requirement and collateral."""
    r = account_report(vc.open(), account, vc.now)
    emit(as_json, r, lambda: report_text(r))


@margin.command("shock")
@click.argument("account")
@click.option(
    "--spot-pct",
    type=float,
    default=0.0,
    help="Move every underlying's spot by this percentage (e.g. -30).",
)
@click.option(
    "--collateral-pct",
    type=float,
    default=None,
    help="Move collateral prices by this percentage (default: the same as --spot-pct).",
)
@click.option(
    "--latency-s",
    type=int,
    default=0,
    help="Let this many seconds pass with no new root attestation (relay outage).",
)
@json_option
@pass_ctx
def margin_shock(
    vc: VenueCtx,
    account: str,
    spot_pct: float,
    collateral_pct: float | None,
    latency_s: int,
    as_json: bool,
) -> None:
    """What a price or latency shock would do to ACCOUNT (on a copy: nothing is changed)."""
    if latency_s < 0 or spot_pct <= -100 or (collateral_pct is not None and collateral_pct <= -100):
        raise CliInputError("--latency-s must be >= 0 and percentages above -100")
    real = vc.open()
    before = account_report(real, account, vc.now)
    copy = sqlite3.connect(":memory:")
    real.conn.backup(copy)
    v = Venue(real.config, real.signer, db=copy, now=vc.now)
    after_now = vc.now + latency_s
    coll = spot_pct if collateral_pct is None else collateral_pct
    for u, m in v.markets().items():
        v.set_market(u, max(1, round(m.spot_e8 * (1 + spot_pct / 100))), m.iv_bps, now=after_now)
    for (chain, asset), p in v.asset_prices().items():
        v.set_asset_price(chain, asset, round(p * (1 + coll / 100)), now=after_now)
    after = account_report(v, account, after_now)
    out = {
        "shock": {"spot_pct": spot_pct, "collateral_pct": coll, "latency_s": latency_s},
        "before": before,
        "after": after,
    }

    def text() -> str:
        return (
            f"shock: spot {spot_pct:+.1f}%, collateral {coll:+.1f}%, {latency_s} s without "
            f"attestations\nBEFORE\n{report_text(before)}\nAFTER\n{report_text(after)}"
        )

    emit(as_json, out, text)


@margin.command("liquidate")
@click.argument("account")
@json_option
@pass_ctx
def margin_liquidate(vc: VenueCtx, account: str, as_json: bool) -> None:
    """Liquidate ACCOUNT if it is below maintenance margin: close positions, seize locks
    (signed Seize messages go to the outbox for the relayer)."""
    rep = vc.open().liquidate(account, now=vc.now)
    out = liquidation_json(rep)

    def text() -> str:
        lines = [f"before: {summary_text(rep.before)}"]
        lines += [f"  closed {c.trade_size_e6 / 1e6:+.3f} {c.instrument}" for c in rep.closes]
        for e in rep.seizes:
            m = e.message.message()
            lines.append(
                f"  Seize lock {m['lockId']} of vault {m['vault']}: {m['amount']} units "
                f"to {m['recipient']} (nonce {m['nonce']})"
            )
        lines.append(f"after:  {summary_text(rep.after)}")
        lines.append(f"penalty {usd(rep.penalty_e6)}, shortfall {usd(rep.shortfall_e6)}")
        return "\n".join(lines)

    emit(as_json, out, text)


@margin.command("outbox")
@click.option("--all", "show_all", is_flag=True, help="Include messages already sent.")
@pass_ctx
def margin_outbox(vc: VenueCtx, show_all: bool) -> None:
    """Print the signed Release/Seize messages for the source vault (JSON lines)."""
    for e in vc.open().outbox(pending_only=not show_all):
        click.echo(json.dumps(e.to_json()))


__all__ = ["account_report", "liquidation_json", "margin", "report_text", "summary_text"]
