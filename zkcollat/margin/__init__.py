"""The execution side's options venue, in rooms: book, ledger, risk, collateral, trading,
liquidation, settlement, oracle and store (see ``zkcollat.margin.venue``)."""

from zkcollat.margin.collateral import Credit, haircut_bps, verify_collateral_proof
from zkcollat.margin.config import (
    AssetConfig,
    LatencyParams,
    LiquidationParams,
    PortfolioMarginParams,
    StandardMarginParams,
    VenueConfig,
)
from zkcollat.margin.instruments import Instrument
from zkcollat.margin.liquidation import LiquidationReport
from zkcollat.margin.messages import OutboxEntry, Release, Seize
from zkcollat.margin.params import OracleParams, TradingParams
from zkcollat.margin.pricing import Greeks, OptionSpec, bs_greeks, bs_price
from zkcollat.margin.requirements import MarketData, Requirement
from zkcollat.margin.risk import MarginSummary
from zkcollat.margin.signed import Cancel, Order, ReleaseRequest, SignedMessage, Withdraw, sign
from zkcollat.margin.venue import Venue

__all__ = [
    "AssetConfig",
    "Cancel",
    "Credit",
    "Greeks",
    "Instrument",
    "LatencyParams",
    "LiquidationParams",
    "LiquidationReport",
    "MarginSummary",
    "MarketData",
    "OptionSpec",
    "OracleParams",
    "Order",
    "OutboxEntry",
    "PortfolioMarginParams",
    "Release",
    "ReleaseRequest",
    "Requirement",
    "Seize",
    "SignedMessage",
    "StandardMarginParams",
    "TradingParams",
    "Venue",
    "VenueConfig",
    "Withdraw",
    "bs_greeks",
    "bs_price",
    "haircut_bps",
    "sign",
    "verify_collateral_proof",
]
