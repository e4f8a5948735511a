"""The vault's errors: subclasses of :class:`zkcollat.errors.VaultError`.

Callers that only care that the vault refused something catch ``VaultError``; the subclasses
say which rule was broken and carry the offending field or lock id as attributes. The
refusals of :func:`zkcollat.relayer.prover.prove_lock` are also :class:`ProvingError`, so a
relayer that catches proving failures sees them too.
"""

from __future__ import annotations

from zkcollat.errors import NotAStore, ProvingError, VaultError
from zkcollat.errors import StoreCorrupted as _StoreCorrupted
from zkcollat.errors import StoreError as _StoreError


class LockFieldError(VaultError, ValueError):
    """A lock field is missing, of the wrong type, or outside its range (PROTOCOL.md s.3)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class LockSequenceError(VaultError, ValueError):
    """A lock appended out of order: ``lockId`` must be the vault's next sequence number."""


class TreeDepthError(VaultError, ValueError):
    """A tree depth outside 1..32, or a store/snapshot made for another depth."""


class TreeFullError(VaultError):
    """An append beyond the tree's capacity ``2^D``."""


class UnknownLockError(VaultError, ProvingError, KeyError):
    """No lock with this id (or leaf index) is in the vault (at the requested size)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class BlockOrderError(VaultError, ValueError):
    """A root recorded for a block number below the last recorded one."""


class StoreError(VaultError, _StoreError):
    """The SQLite store cannot be opened or written, or belongs to another tree depth."""


class StoreCorrupted(StoreError, _StoreCorrupted):
    """The store's contents are inconsistent (recomputed nodes or root differ from stored)."""


class NotAVault(StoreError, NotAStore):
    """The file given as a vault is not a zkcollat vault (empty, foreign, another kind of
    store, a newer schema); it is never initialised over."""


class SnapshotError(VaultError, ValueError):
    """A JSON snapshot is malformed or inconsistent; the message names the JSON path."""


class LockRefused(VaultError, ProvingError):
    """``prove_lock`` refused: the lock would not satisfy the requested statement."""


class ThresholdAboveAmount(LockRefused):
    """The requested threshold exceeds the lock's amount (or is not below 2^128)."""


class ExpiryTooEarly(LockRefused):
    """The lock expires before the requested ``minExpiry`` (or minExpiry is not below 2^64)."""


class WrongDestination(LockRefused):
    """The lock names another destination chain (or another owner) than the one expected."""
