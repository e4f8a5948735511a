"""Margin-engine and credit errors: one subclass per rule, each with a stable ``rule`` name."""

from __future__ import annotations

from zkcollat.errors import CreditError, MarginError

# --- credits (PROTOCOL.md s.7) ----------------------------------------------------------------


class CreditRuleError(CreditError):
    rule = "credit"


class PublicInputError(CreditRuleError):
    rule = "public-inputs"


class InvalidProofError(CreditRuleError):
    rule = "proof"


class RootNotAcceptedError(CreditRuleError):
    rule = "accepted-root"


class AmbiguousRootError(CreditRuleError):
    rule = "root-source"


class WrongDestinationError(CreditRuleError):
    rule = "dest-chain"


class WrongOwnerError(CreditRuleError):
    rule = "owner"


class LockAlreadyCreditedError(CreditRuleError):
    rule = "lock-used"


class ExpiryTooSoonError(CreditRuleError):
    rule = "min-expiry"


class UnknownAssetError(CreditRuleError):
    rule = "asset"


class ZeroThresholdError(CreditRuleError):
    rule = "threshold"


# --- margin ------------------------------------------------------------------------------------


class MarginRuleError(MarginError):
    rule = "margin"


class MarginConfigError(MarginRuleError):
    rule = "config"


class InsufficientMarginError(MarginRuleError):
    rule = "initial-margin"


class ReduceOnlyError(MarginRuleError):
    rule = "reduce-only"


class NotLiquidatableError(MarginRuleError):
    rule = "not-liquidatable"


class UnknownInstrumentError(MarginRuleError):
    rule = "instrument"


class MarketDataError(MarginRuleError):
    rule = "market-data"


class UnknownCreditError(MarginRuleError):
    rule = "credit"


class OrderError(MarginRuleError):
    rule = "order"


class AccountError(MarginRuleError):
    rule = "account"
