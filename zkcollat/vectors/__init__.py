"""Test vectors for contract auditors: the CollateralLock vectors in
``verifier_contracts/test-vectors`` (``zkcollat vectors build|check``).

A generator (deterministic: a public seed and fixed blindings, so files regenerate byte for
byte) and a checker that needs no keys. See :mod:`zkcollat.vectors.collateral_lock`.
"""

from zkcollat.vectors.collateral_lock import (
    DEFAULT_DEPTH,
    DEFAULT_OUT,
    VectorMismatch,
    check_dir,
    check_vector,
    generate,
)

__all__ = [
    "DEFAULT_DEPTH",
    "DEFAULT_OUT",
    "VectorMismatch",
    "check_dir",
    "check_vector",
    "generate",
]
