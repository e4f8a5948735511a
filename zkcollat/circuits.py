"""Deprecated name of :mod:`zkcollat.statements`, kept so scripts written before the registry
(for one, the gnark comparison harness in the shared benchmarks) still import.

New code imports from ``zkcollat.statements``; this module only re-exports it.
"""

from __future__ import annotations

import warnings

from zkcollat.statements import (
    STATEMENTS,
    BalanceThreshold,
    CollateralLock,
    MerkleInclusion,
    by_name,
)

warnings.warn(
    "zkcollat.circuits is a deprecated name: import from zkcollat.statements",
    DeprecationWarning,
    stacklevel=2,
)

__all__ = ["STATEMENTS", "BalanceThreshold", "CollateralLock", "MerkleInclusion", "by_name"]
