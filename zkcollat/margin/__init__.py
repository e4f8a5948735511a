"""The execution side's options venue: pricing, requirements, collateral, liquidation, state."""

from zkcollat.margin.collateral import Credit, haircut_bps
from zkcollat.margin.config import (
    AssetConfig,
    LatencyParams,
    LiquidationParams,
    PortfolioMarginParams,
    StandardMarginParams,
    VenueConfig,
)
from zkcollat.margin.messages import OutboxEntry, Release, Seize
from zkcollat.margin.pricing import Greeks, OptionSpec, bs_greeks, bs_price
from zkcollat.margin.requirements import MarketData, Requirement
from zkcollat.margin.venue import (
    AccountGreeks,
    LiquidationReport,
    MarginSummary,
    Venue,
    verify_collateral_proof,
)

__all__ = [
    "AccountGreeks",
    "AssetConfig",
    "Credit",
    "Greeks",
    "LatencyParams",
    "LiquidationParams",
    "LiquidationReport",
    "MarginSummary",
    "MarketData",
    "OptionSpec",
    "OutboxEntry",
    "PortfolioMarginParams",
    "Release",
    "Requirement",
    "Seize",
    "StandardMarginParams",
    "Venue",
    "VenueConfig",
    "bs_greeks",
    "bs_price",
    "haircut_bps",
    "verify_collateral_proof",
]
