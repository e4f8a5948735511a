"""The vault state model (PROTOCOL.md s.3): locks, the append-only tree, SQLite, snapshots.

``Lock`` (validated record), ``PoseidonTree`` (zk-kit vocabulary), ``Vault`` (locks + tree +
SQLite store), ``load_snapshot`` / ``save_snapshot`` (JSON). This package is the source-chain
data model only: proving a lock from a vault is the relayer's (``zkcollat.relayer.prover``).
"""

from zkcollat.vault.lock import Lock
from zkcollat.vault.snapshot import load_snapshot, save_snapshot
from zkcollat.vault.tree import MerkleProof, PoseidonTree, verify_proof, zero_hashes
from zkcollat.vault.vault import Vault

__all__ = [
    "Lock",
    "MerkleProof",
    "PoseidonTree",
    "Vault",
    "load_snapshot",
    "save_snapshot",
    "verify_proof",
    "zero_hashes",
]
