"""``zkcollat margin plot``: risk pictures of an account or of the whole venue (PNG).

matplotlib is imported only when a picture is drawn (``zkcollat.margin.plot``), so the other
commands do not pay for it; the numbers come from ``zkcollat.margin.riskview``.
"""

from __future__ import annotations

from typing import Any

import click

from zkcollat.cli._common import ADDRESS, emit, json_option, new_file
from zkcollat.cli.units import px, usd


@click.command("plot")
@click.argument("account", type=ADDRESS, required=False)
@click.option(
    "--venue",
    "whole_venue",
    is_flag=True,
    help="Plot the whole venue: open interest and the insurance fund over time.",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="The PNG file to write.",
)
@click.option(
    "--underlying",
    default=None,
    help="The underlying to plot (default: the one the account trades).",
)
@click.option(
    "--fixed-collateral",
    is_flag=True,
    help="Keep collateral token prices fixed when spot moves (default: they move with spot, "
    "as in `margin shock`).",
)
@click.option("--force", is_flag=True, help="Overwrite the output file.")
@json_option
@click.pass_context
def plot_cmd(
    ctx: click.Context,
    account: str | None,
    whole_venue: bool,
    output: str,
    underlying: str | None,
    fixed_collateral: bool,
    force: bool,
    as_json: bool,
) -> None:
    """Draw ACCOUNT's risk, or with --venue the whole venue's history, into a PNG.

    \b
    For an account: its P&L over the portfolio scenario grid (spot moves x volatility moves),
    and its equity, initial and maintenance margin and collateral value over spot, with the
    liquidation prices marked. For the venue: open interest per underlying and the insurance
    fund over time.
    Examples:
      zkcollat margin plot 0x...a11ce -o risk.png
      zkcollat margin plot --venue -o venue.png
    """
    from zkcollat.margin import riskview

    if whole_venue == (account is not None):
        raise click.UsageError("give ACCOUNT or --venue (one of them)")
    out = new_file(output, "output file", force=force)
    vc = ctx.obj
    v = vc.open()
    from zkcollat.margin import plot

    if whole_venue:
        hist = riskview.venue_history(v.store)
        plot.plot_venue(hist, out)
        last = hist[-1] if hist else None
        oi = {} if last is None else {u: str(x) for u, x in last.open_interest_e6.items()}
        fund = 0 if last is None else last.insurance_e6
        emit(
            as_json,
            {
                "output": str(out),
                "points": len(hist),
                "open_interest_e6": oi,
                "insurance_e6": str(fund),
            },
            f"wrote {out}: {len(hist)} points; insurance fund now {usd(fund)}",
        )
        return
    assert account is not None
    r = riskview.account_risk(
        v, account, vc.now, underlying=underlying, collateral_follows=not fixed_collateral
    )
    plot.plot_account(r, out)
    emit(as_json, _account_json(r, str(out)), lambda: _account_text(r, str(out)))


def _account_json(r: Any, out: str) -> dict[str, Any]:
    return {
        "output": out,
        "account": r.account,
        "mode": r.mode,
        "underlying": r.underlying,
        "spot_e8": str(r.spot_e8),
        "worst_grid_loss_e6": r.grid.worst_loss_e6,
        "liquidation_below_e8": None
        if r.liquidation_below_e8 is None
        else str(r.liquidation_below_e8),
        "liquidation_above_e8": None
        if r.liquidation_above_e8 is None
        else str(r.liquidation_above_e8),
    }


def _account_text(r: Any, out: str) -> str:
    liq = [
        f"at or below {px(x)}" if i == 0 else f"at or above {px(x)}"
        for i, x in enumerate((r.liquidation_below_e8, r.liquidation_above_e8))
        if x is not None
    ]
    return (
        f"wrote {out}: {r.account} ({r.mode} margin), {r.underlying} spot {px(r.spot_e8)}; "
        f"worst grid loss {usd(int(r.grid.worst_loss_e6))}; liquidation "
        + (" and ".join(liq) if liq else "not within -60%..+60% of spot")
    )


__all__ = ["plot_cmd"]
