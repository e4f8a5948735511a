"""Margin-engine and credit errors: one subclass per rule, each with a stable ``rule`` name."""

from __future__ import annotations

from zkcollat.errors import CreditError, MarginError, NotAVenue

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


# --- lock reports and provisional credit (docs/protocol.md s.9) ------------------------------


class LockReportError(CreditRuleError):
    rule = "lock-report"


class ReportDomainError(LockReportError):
    rule = "report-domain"


class ReportedAlreadyError(LockReportError):
    rule = "report-once"


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


# --- the market (issue 12): each rejected input names its rule ------------------------------


class SignedMessageError(MarginRuleError):
    rule = "signature"


class NonceUsedError(MarginRuleError):
    rule = "nonce"


class MessageExpiredError(MarginRuleError):
    rule = "message-expiry"


class TickError(OrderError):
    rule = "tick"


class LotError(OrderError):
    rule = "lot"


class SizeLimitError(OrderError):
    rule = "size"


class BandError(OrderError):
    rule = "band"


class PostOnlyError(OrderError):
    rule = "post-only"


class PositionLimitError(OrderError):
    rule = "position-limit"


class OpenInterestLimitError(OrderError):
    rule = "oi-limit"


class OpenOrdersLimitError(OrderError):
    rule = "open-orders"


class UnknownOrderError(OrderError):
    rule = "unknown-order"


class InstrumentExpiredError(UnknownInstrumentError):
    rule = "expired"


class OracleBoundsError(MarketDataError):
    rule = "oracle-bounds"


class OracleStaleError(ReduceOnlyError):
    rule = "oracle-stale"


class BreakerError(ReduceOnlyError):
    rule = "breaker"


class SettlementError(MarginRuleError):
    rule = "settlement"


class InsufficientCashError(MarginRuleError):
    rule = "cash"


class ConservationError(MarginRuleError):
    """The books do not balance: a bug, never an input error; the transaction is rolled back."""

    rule = "conservation"


class NotAVenueError(NotAVenue, MarginRuleError):
    rule = "not-a-venue"
