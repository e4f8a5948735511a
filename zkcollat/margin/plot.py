"""Risk pictures as PNG files (matplotlib, Agg backend, imported only here and only when a
picture is drawn). The numbers come from :mod:`zkcollat.margin.riskview`; this module only
draws them, in quote units (1e-6 quote / 1e6) against spot (1e-8 quote / 1e8)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from zkcollat.margin.riskview import AccountRisk, HistoryPoint


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # files only: no display needed
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: str | Path) -> None:
    """Temp file + rename: a reader never sees half a PNG."""
    p = Path(path)
    tmp = p.with_name(p.name + ".tmp")
    try:
        fig.savefig(tmp, format="png", dpi=110)
        tmp.replace(p)
    finally:
        tmp.unlink(missing_ok=True)


def plot_account(risk: AccountRisk, path: str | Path) -> None:
    """Left: the P&L grid (spot moves x vol moves); right: equity, initial and maintenance
    requirement and collateral value over spot, the current spot and liquidation prices."""
    plt = _pyplot()
    fig, (ax_grid, ax_spot) = plt.subplots(1, 2, figsize=(13, 5.2))
    try:
        g = risk.grid
        cols = [f"{m * 100:+.1f}%" for m in g.spot_moves]
        rows = [f"vol x{v:.2f}" for v in g.vol_multipliers]
        data = [[g.pnl_e6[i][j] / 1e6 for i in range(len(cols))] for j in range(len(rows))]
        lim = max([1e-9, *(abs(x) for r in data for x in r)])
        im = ax_grid.imshow(data, cmap="RdYlGn", vmin=-lim, vmax=lim, aspect="auto")
        ax_grid.set_xticks(range(len(cols)), cols, rotation=45, fontsize=8)
        ax_grid.set_yticks(range(len(rows)), rows, fontsize=8)
        for j, r in enumerate(data):
            for i, x in enumerate(r):
                ax_grid.text(i, j, f"{x:,.0f}", ha="center", va="center", fontsize=7)
        ax_grid.set_title(
            f"{g.underlying} P&L over the portfolio grid (spot {g.spot_e8 / 1e8:,.2f}); "
            f"worst loss {g.worst_loss_e6 / 1e6:,.2f}",
            fontsize=9,
        )
        fig.colorbar(im, ax=ax_grid, label="P&L (quote)")

        xs = [p.spot_e8 / 1e8 for p in risk.points]
        sums = [p.summary for p in risk.points]
        series = (
            ("equity", [s.equity_e6 for s in sums], "black", "-"),
            ("initial margin", [s.im_e6 for s in sums], "tab:orange", "--"),
            ("maintenance margin", [s.mm_e6 for s in sums], "tab:red", "-"),
            ("collateral value", [s.collateral_value_e6 for s in sums], "tab:blue", ":"),
        )
        for label, ys, color, style in series:
            ax_spot.plot(xs, [y / 1e6 for y in ys], label=label, color=color, linestyle=style)
        ax_spot.axvline(risk.spot_e8 / 1e8, color="grey", linewidth=0.8, label="spot now")
        for liq in (risk.liquidation_below_e8, risk.liquidation_above_e8):
            if liq is not None:
                ax_spot.axvline(liq / 1e8, color="tab:red", linewidth=1.5, linestyle="-.")
                ax_spot.annotate(
                    f"liquidation {liq / 1e8:,.2f}",
                    (liq / 1e8, 0.02),
                    xycoords=("data", "axes fraction"),
                    rotation=90,
                    fontsize=8,
                    color="tab:red",
                )
        ax_spot.set_xlabel(f"{risk.underlying} spot")
        ax_spot.set_ylabel("quote")
        ax_spot.set_title(f"{risk.account} ({risk.mode} margin)", fontsize=9)
        ax_spot.legend(fontsize=8)
        ax_spot.grid(alpha=0.3)
        fig.tight_layout()
        _save(fig, path)
    finally:
        plt.close(fig)


def plot_venue(history: list[HistoryPoint], path: str | Path) -> None:
    """Open interest per underlying (units of underlying) and the insurance fund (quote) over
    time, as steps (each value holds until the next change)."""
    plt = _pyplot()
    fig, (ax_oi, ax_fund) = plt.subplots(2, 1, figsize=(10, 6.5), sharex=True)
    try:
        times = [datetime.fromtimestamp(h.at, UTC) for h in history]
        underlyings = sorted({u for h in history for u in h.open_interest_e6})
        for u in underlyings:
            ys = [h.open_interest_e6.get(u, 0) / 1e6 for h in history]
            ax_oi.step(times, ys, where="post", label=u)
        ax_oi.set_ylabel("open interest (units)")
        ax_oi.set_title("Open interest per underlying", fontsize=9)
        if underlyings:
            ax_oi.legend(fontsize=8)
        fund = [h.insurance_e6 / 1e6 for h in history]
        ax_fund.step(times, fund, where="post", color="tab:green")
        ax_fund.set_ylabel("insurance fund (quote)")
        ax_fund.set_xlabel("time (UTC)")
        for ax in (ax_oi, ax_fund):
            ax.grid(alpha=0.3)
        if not history:
            ax_oi.text(
                0.5, 0.5, "no trades or fund movements yet", ha="center", transform=ax_oi.transAxes
            )
        fig.autofmt_xdate()
        fig.tight_layout()
        _save(fig, path)
    finally:
        plt.close(fig)


__all__ = ["plot_account", "plot_venue"]
