"""The statement registry: each statement of PROTOCOL.md s.4 declared once.

A statement is one circuit class (:class:`StatementCircuit`) carrying its name, title, version,
its typed public inputs (a frozen :class:`PublicInputs` dataclass, in ``public.json`` order,
with the range of each field), its private inputs and its ``define``. The prover, the
verifiers, the Solidity generator, the venue and the command line all read it from here.

>>> from zkcollat.statements import STATEMENTS, CollateralLockPublic
>>> list(STATEMENTS)
['collateral_lock', 'merkle_inclusion', 'balance_threshold', 'portfolio']
>>> CollateralLockPublic.names()[:3]
('root', 'destChainId', 'owner')
"""

from __future__ import annotations

from zkcollat.errors import CircuitError
from zkcollat.statements.balance_threshold import BalanceThreshold, BalanceThresholdPublic
from zkcollat.statements.base import StatementCircuit
from zkcollat.statements.collateral_lock import CollateralLock, CollateralLockPublic
from zkcollat.statements.merkle_inclusion import MerkleInclusion, MerkleInclusionPublic
from zkcollat.statements.portfolio import Portfolio, PortfolioPublic
from zkcollat.statements.schema import (
    FR,
    U64,
    U128,
    U160,
    UINT64,
    UINT128,
    UINT160,
    FieldType,
    Fr,
    PublicInputs,
)

#: Every statement by its command-line name, in PROTOCOL.md order.
STATEMENTS: dict[str, type[StatementCircuit]] = {
    cls.name: cls for cls in (CollateralLock, MerkleInclusion, BalanceThreshold, Portfolio)
}


def statement(name: str) -> type[StatementCircuit]:
    """A statement's circuit class by name (``collateral_lock``, ...); CircuitError if unknown."""
    if name not in STATEMENTS:
        raise CircuitError(f"unknown circuit {name!r}; choose one of {', '.join(STATEMENTS)}")
    return STATEMENTS[name]


def by_name(name: str, **params: int) -> StatementCircuit:
    """A statement's circuit by name with its parameters (``depth=20``, ``bits=128``,
    ``slots=8``)."""
    return statement(name)(**params)


__all__ = [
    "FR",
    "STATEMENTS",
    "U64",
    "U128",
    "U160",
    "UINT64",
    "UINT128",
    "UINT160",
    "BalanceThreshold",
    "BalanceThresholdPublic",
    "CollateralLock",
    "CollateralLockPublic",
    "FieldType",
    "Fr",
    "MerkleInclusion",
    "MerkleInclusionPublic",
    "Portfolio",
    "PortfolioPublic",
    "PublicInputs",
    "StatementCircuit",
    "by_name",
    "statement",
]
