"""One exception hierarchy for zkcollat.

Every error raised on purpose by zkcollat derives from :class:`ZkcollatError`. Messages name
the offending value (or field, signal, file) and the rule it broke, so that a CLI user or a
relayer log can act on the message alone.

Subsystems subclass the broad classes below in their own modules when they need finer
distinctions; callers that only care about "bad input" catch the broad class.
"""

from __future__ import annotations


class ZkcollatError(Exception):
    """Base class of every zkcollat error."""


# --- arithmetic core -------------------------------------------------------------------------


class FieldError(ZkcollatError, ValueError):
    """A value is not a valid field element (negative, >= the modulus, wrong encoding length)."""


class PointError(ZkcollatError, ValueError):
    """A point is malformed: coordinate >= p, not on its curve, or (G2) outside the r-subgroup."""


class EncodingError(ZkcollatError, ValueError):
    """Bytes, JSON or EVM words that cannot be decoded into what they claim to be."""


class LengthMismatch(ZkcollatError, ValueError):
    """Two sequences that must have the same length (points and scalars, ...) do not."""


class BackendError(ZkcollatError, RuntimeError):
    """A backend was asked for that does not exist or could not be loaded."""


# --- circuits ---------------------------------------------------------------------------------


class CircuitError(ZkcollatError):
    """A circuit definition is wrong (duplicate signal names, misuse of the builder API)."""


class InputError(ZkcollatError, ValueError):
    """Prover inputs do not match a circuit: missing, extra, malformed or out-of-range signals."""


class UnsatisfiedConstraint(ZkcollatError):
    """A witness violates a constraint; the message names the gadget path and the constraint."""


# --- proof system -----------------------------------------------------------------------------


class ProofSystemError(ZkcollatError):
    """Base of Groth16 errors."""


class KeyFormatError(ProofSystemError, ValueError):
    """A proving or verification key file is malformed or does not belong to the circuit."""


class ProofFormatError(ProofSystemError, ValueError):
    """A proof or public-signals file is malformed."""


class ProvingError(ProofSystemError):
    """A proof could not be produced (for example the witness does not satisfy the circuit)."""


class VerificationError(ProofSystemError):
    """A proof was rejected; the message says why (the raising variant of ``verify``)."""


# --- application layers -----------------------------------------------------------------------


class VaultError(ZkcollatError):
    """Vault state errors: invalid lock fields, unknown lock, corrupted store."""


class AttestationError(ZkcollatError):
    """A root attestation or committee configuration was rejected; the message names the rule."""


class CreditError(ZkcollatError):
    """A collateral credit was refused; the message names the rule."""


class MarginError(ZkcollatError):
    """The margin engine refused an operation (insufficient margin, reduce-only, bad config)."""


class SolidityError(ZkcollatError):
    """Solidity generation or compilation failed."""


# --- storage ----------------------------------------------------------------------------------


class StoreError(ZkcollatError):
    """A store (SQLite file) cannot be opened, read or written; the message names the file."""


class StoreCorrupted(StoreError):
    """A store's contents are damaged or inconsistent (SQLite corruption, rows that disagree)."""


class StoreBusy(StoreError):
    """Another process held the store's write lock for longer than the busy timeout."""


class NotAStore(StoreError):
    """An existing file is not a store of the expected kind (empty, foreign, another kind or
    a newer schema). Such a file is never initialised over."""


class NotAVenue(NotAStore, MarginError):
    """The file given as a venue is not a zkcollat venue."""


class NotARegistry(NotAStore, AttestationError):
    """The file given as a root registry is not a zkcollat root registry."""
