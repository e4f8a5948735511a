"""Collateral credits and their value (PROTOCOL.md s.7).

value = threshold * price * (1 - haircut), haircut = base + z * sigma * sqrt(L / year),
L = max(relay + source finality + execution from config, relay latency observed on recent
attestations). The add-on is the move the asset can make, at z standard deviations, while a
liquidation travels to the source chain and settles there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from zkcollat.margin.config import BPS, AssetConfig
from zkcollat.margin.pricing import E6, E8, YEAR_S, bps_ceil

CreditKey = tuple[int, str, int]  # (sourceChainId, vault, lockId)


@dataclass(frozen=True)
class Credit:
    source_chain_id: int
    vault: str
    lock_id: int
    account: str
    asset_id: int
    threshold: int  # asset base units: the credited quantity, never more
    min_expiry: int
    valid_until: int  # minExpiry - liquidationWindow: the credit counts until then
    root: int
    credited_at: int
    status: str = "active"  # active | released | seized
    seized_amount: int = 0

    @property
    def key(self) -> CreditKey:
        return self.source_chain_id, self.vault, self.lock_id

    def counts_at(self, now: int) -> bool:
        return self.status == "active" and now < self.valid_until

    def seizable_at(self, now: int) -> bool:
        """The lock stays frozen on the source chain until minExpiry: seize until then."""
        return self.status == "active" and now < self.min_expiry


def haircut_bps(asset: AssetConfig, latency_s: int, z: float) -> int:
    """Base haircut plus the latency add-on, in bps rounded up, at most 100%."""
    addon = z * (asset.sigma_bps / BPS) * math.sqrt(max(0, latency_s) / YEAR_S)
    return min(BPS, asset.base_haircut_bps + bps_ceil(addon))


def value_e6(amount: int, price_e8: int, decimals: int, haircut: int) -> int:
    """amount base units * price (quote per whole token, 1e-8) * (1 - haircut), in 1e-6 quote,
    rounded down. Integer arithmetic throughout."""
    return amount * price_e8 * (BPS - haircut) * E6 // (10**decimals * E8 * BPS)


def units_for_value(value_e6_needed: int, price_e8: int, decimals: int, haircut: int) -> int:
    """The fewest base units whose haircut value (as :func:`value_e6`) reaches the amount."""
    if value_e6_needed <= 0:
        return 0
    per = price_e8 * (BPS - haircut) * E6
    if per == 0:
        return 2**256  # worthless at this haircut: no amount suffices
    den = 10**decimals * E8 * BPS
    return -(-value_e6_needed * den // per)
