"""Errors of the chain client layer (all under :class:`zkcollat.errors.ChainError`)."""

from __future__ import annotations

from zkcollat.errors import NotAStore, StoreError, ZkcollatError


class ChainError(ZkcollatError):
    """Base of the chain client's errors: RPC, keystores, transactions, reorgs."""


class RpcUnavailable(ChainError):
    """A node did not answer after every retry; the message names the URL and the method."""


class ChainMismatch(ChainError, ValueError):
    """A node serves another chain id than the configuration names."""


class KeystoreError(ChainError, ValueError):
    """A keystore file is missing, malformed, or its password does not open it."""


class TransactionFailed(ChainError):
    """A transaction reverted or was dropped; the message names it by kind, key and hash."""


class ReorgTooDeep(ChainError):
    """A block already processed at the confirmation depth changed hash: the service halts."""


class MirrorDivergence(ChainError):
    """A relayer's mirror of the vault tree disagrees with the contract's root: it halts."""


class JournalError(ChainError, StoreError):
    """A service's chain store (journal, relayer store, sync store) refused an operation."""


class NotAJournal(NotAStore, JournalError):
    """A file is not the chain store it was opened as (another kind, or a newer schema)."""
