"""The oracle's rules: bounds, the jump breaker, staleness, and the settlement TWAP.

Plain values in, plain values out; the venue stores what comes out. Prices are integers
(spot in 1e-8 quote per unit, implied vol in bps): the command line parses decimals exactly,
and anything that is not an int (a float, NaN, inf) is refused here too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from zkcollat.margin.errors import MarketDataError, OracleBoundsError, SettlementError
from zkcollat.margin.params import BPS, OracleParams


@dataclass(frozen=True)
class UnderlyingState:
    spot_e8: int  # last accepted
    iv_bps: int
    updated_at: int
    held_spot_e8: int | None = None  # a jump waiting for confirmation
    held_iv_bps: int | None = None
    held_at: int | None = None

    @property
    def breaker(self) -> bool:
        return self.held_spot_e8 is not None

    def stale(self, now: int, p: OracleParams) -> bool:
        return now - self.updated_at > p.max_age_s


def check_int(v: object, lo: int, hi: int, name: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise OracleBoundsError(f"{name} = {v!r} is not an integer")
    if not lo <= v <= hi:
        raise OracleBoundsError(f"{name} = {v} is outside the configured bounds [{lo}, {hi}]")
    return v


def _jump(a: int, b: int, p: OracleParams) -> bool:
    return abs(a - b) * BPS > p.max_jump_bps * b


def update(
    state: UnderlyingState | None, spot_e8: int, iv_bps: int, now: int, p: OracleParams
) -> tuple[UnderlyingState, str]:
    """The state after an update and what happened: "accepted", "held" or "confirmed"."""
    check_int(spot_e8, p.min_spot_e8, p.max_spot_e8, "spot_e8")
    check_int(iv_bps, p.min_iv_bps, p.max_iv_bps, "iv_bps")
    if state is None:
        return UnderlyingState(spot_e8, iv_bps, now), "accepted"
    if now < state.updated_at or (state.held_at is not None and now < state.held_at):
        raise MarketDataError(f"oracle update at {now} is older than the last one")
    if not _jump(spot_e8, state.spot_e8, p):
        return UnderlyingState(spot_e8, iv_bps, now), "accepted"
    if state.held_spot_e8 is not None and not _jump(spot_e8, state.held_spot_e8, p):
        return UnderlyingState(spot_e8, iv_bps, now), "confirmed"
    return replace(state, held_spot_e8=spot_e8, held_iv_bps=iv_bps, held_at=now), "held"


def confirm(state: UnderlyingState) -> UnderlyingState:
    """The operator confirms a held move."""
    if state.held_spot_e8 is None or state.held_iv_bps is None or state.held_at is None:
        raise MarketDataError("no held oracle update to confirm")
    return UnderlyingState(state.held_spot_e8, state.held_iv_bps, state.held_at)


def twap_e8(history: Sequence[tuple[int, int]], start: int, end: int) -> int:
    """Time-weighted average of a step function of accepted prices ``(at, spot_e8)`` (sorted)
    over [start, end], rounded down; a price holds until the next. Needs a price at or before
    ``end``; before the first price the window starts at it."""
    pts = [(t, s) for t, s in history if t <= end]
    if not pts:
        raise SettlementError(f"no accepted oracle price at or before {end}")
    before = [x for x in pts if x[0] <= start]
    inside = [x for x in pts if x[0] > start]
    steps = ([(start, before[-1][1])] if before else []) + inside
    total = weight = 0
    for i, (t, s) in enumerate(steps):
        t_next = steps[i + 1][0] if i + 1 < len(steps) else end
        dt = max(0, t_next - t)
        total += s * dt
        weight += dt
    if weight == 0:
        return steps[-1][1]
    return total // weight
