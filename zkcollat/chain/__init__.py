"""Chain clients (web3.py): RPC with retries, keystores, journaled transactions, log following.

- :class:`ChainClient` — one node: retries with backoff, blocks, logs, receipts.
- :mod:`keystore` — development keystores (eth-account), opened with a password file.
- :class:`ChainJournal` — cursor, block hashes and the intended/sent/mined transaction journal,
  in a :mod:`zkcollat.db` store (:func:`open_journal`, :func:`journal_schema`).
- :class:`TxSender` — idempotent sends keyed by (kind, key) through the journal.
- :class:`Follower` — event logs at a confirmation depth, reorg detection by block hash.
- :mod:`anvil` — local anvil nodes for devnets and tests.
"""

import warnings

# web3 imports the deprecated websockets.legacy module; zkcollat uses HTTP only.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import web3  # noqa: F401

from zkcollat.chain.client import BlockRef, ChainClient, LogRef
from zkcollat.chain.errors import (
    ChainError,
    ChainMismatch,
    JournalError,
    KeystoreError,
    MirrorDivergence,
    NotAJournal,
    ReorgTooDeep,
    RpcUnavailable,
    TransactionFailed,
)
from zkcollat.chain.follow import Follower
from zkcollat.chain.journal import ChainJournal, TxRecord, journal_schema, open_journal
from zkcollat.chain.keystore import KeystoreRef, create_keystore, load_account
from zkcollat.chain.sender import Call, TxSender

__all__ = [
    "BlockRef",
    "Call",
    "ChainClient",
    "ChainError",
    "ChainJournal",
    "ChainMismatch",
    "Follower",
    "JournalError",
    "KeystoreError",
    "KeystoreRef",
    "LogRef",
    "MirrorDivergence",
    "NotAJournal",
    "ReorgTooDeep",
    "RpcUnavailable",
    "TransactionFailed",
    "TxRecord",
    "TxSender",
    "create_keystore",
    "journal_schema",
    "load_account",
    "open_journal",
]
