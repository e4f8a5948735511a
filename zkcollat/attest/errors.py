"""Attestation errors: one subclass of :class:`zkcollat.errors.AttestationError` per rule.

Each class carries ``rule``, a short stable name a relayer can log or match on; the message
says which value broke it.
"""

from __future__ import annotations

from zkcollat.errors import AttestationError


class AttestationRuleError(AttestationError):
    rule = "attestation"


class WeakCommitteeError(AttestationRuleError):
    rule = "committee-strength"


class CommitteeConfigError(AttestationRuleError):
    rule = "committee-config"


class EpochError(AttestationRuleError):
    rule = "epoch"


class ThresholdNotMetError(AttestationRuleError):
    rule = "threshold"


class UnknownSignerError(AttestationRuleError):
    rule = "unknown-signer"


class RotatedOutSignerError(AttestationRuleError):
    rule = "rotated-out-signer"


class DuplicateSignerError(AttestationRuleError):
    rule = "duplicate-signer"


class HighSError(AttestationRuleError):
    rule = "high-s"


class MalformedSignatureError(AttestationRuleError):
    rule = "malformed-signature"


class ZeroRootError(AttestationRuleError):
    rule = "zero-root"


class NonIncreasingBlockError(AttestationRuleError):
    rule = "block-number-increases"


class WrongDomainError(AttestationRuleError):
    rule = "domain"


class UnknownVaultError(AttestationRuleError):
    rule = "vault"


class FutureTimestampError(AttestationRuleError):
    rule = "timestamp"


class RootRangeError(AttestationRuleError):
    rule = "root-range"


class Uint64RangeError(AttestationRuleError):
    rule = "uint64-range"
