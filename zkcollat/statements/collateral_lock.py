"""CollateralLock(D), the main statement (PROTOCOL.md s.4.1).

Range checks are bit decompositions, as the protocol requires ("never assumed"). Where a
public input carries no range check here (lockId, owner, destChainId, assetId), it is bound
exactly by the leaf hash; the verifier rejects public inputs >= r, and the execution side
compares owner and destChainId with its own values, so no aliasing is possible.
"""

from __future__ import annotations

from dataclasses import dataclass

from zkcollat.errors import CircuitError
from zkcollat.gadgets.compare import assert_greater_eq
from zkcollat.gadgets.merkle import merkle_root
from zkcollat.gadgets.poseidon import poseidon_gadget
from zkcollat.r1cs import Api, Private
from zkcollat.statements.base import StatementCircuit
from zkcollat.statements.schema import U64, U128, U160, Fr, PublicInputs

MAX_DEPTH = 32
AMOUNT_BITS = 128
TIME_BITS = 64


def check_depth(depth: object) -> int:
    """``depth`` if it is a tree depth the statements accept (1..32); else CircuitError."""
    if isinstance(depth, bool) or not isinstance(depth, int) or not 1 <= depth <= MAX_DEPTH:
        raise CircuitError(f"tree depth D = {depth!r} must be an integer in 1..{MAX_DEPTH}")
    return depth


@dataclass(frozen=True)
class CollateralLockPublic(PublicInputs):
    """The public inputs of CollateralLock, in ``public.json`` order (PROTOCOL.md s.4.1)."""

    statement = "CollateralLock"

    root: Fr
    destChainId: U64
    owner: U160
    assetId: U160
    lockId: U64
    threshold: U128
    minExpiry: U64


class CollateralLock(StatementCircuit):
    """The lock (lockId, owner, destChainId, assetId, amount, expiry) is in the tree with
    ``root``, ``threshold <= amount < 2^128`` and ``minExpiry <= expiry < 2^64``.

    Reveals that the lock exists and is worth at least ``threshold`` until at least
    ``minExpiry``; hides ``amount`` (uint128) and ``expiry`` (uint64). It does not hide which
    lock it is: ``lockId`` (public) is the leaf index; only the path is private.
    """

    name = "collateral_lock"
    title = "CollateralLock"
    section = "4.1"
    public_inputs = CollateralLockPublic

    amount = Private()
    expiry = Private()
    pathElements = Private(size="depth")
    pathIndices = Private(size="depth")

    depth: int

    def __init__(self, depth: int = 20) -> None:
        super().__init__(depth=check_depth(depth))

    def define(self, api: Api) -> None:
        # Leaf field order is the protocol's: lockId, owner, destChainId, assetId, amount, expiry.
        with api.scope("leaf"):
            leaf = poseidon_gadget(
                api,
                [self.lockId, self.owner, self.destChainId, self.assetId, self.amount, self.expiry],
            )
        root = merkle_root(api, leaf, self.pathElements, self.pathIndices)
        api.assert_equal(root, self.root, "computed root equals the public root")
        # Both sides range-checked inside the gadget: amount, threshold < 2^128 ...
        with api.scope("amount"):
            assert_greater_eq(api, self.amount, self.threshold, AMOUNT_BITS)
        # ... and expiry, minExpiry < 2^64.
        with api.scope("expiry"):
            assert_greater_eq(api, self.expiry, self.minExpiry, TIME_BITS)
