"""The statements of PROTOCOL.md section 4, written with the builder.

Signal names and the order of public inputs are exactly the protocol's, so the same
``input.json`` serves these circuits and any faithful circom implementation of them.
"""

from zkcollat.circuits.statements import (
    BalanceThreshold,
    CollateralLock,
    MerkleInclusion,
    by_name,
)

__all__ = ["BalanceThreshold", "CollateralLock", "MerkleInclusion", "by_name"]
