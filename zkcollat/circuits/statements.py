"""CollateralLock(D), MerkleInclusion(D) and BalanceThreshold(B) (PROTOCOL.md s.4).

Range checks are bit decompositions, as the protocol requires ("never assumed"). Where a
public input carries no range check here (lockId, owner, destChainId, assetId), it is bound
exactly by the leaf hash; the verifier rejects public inputs >= r, and the execution side
compares owner and destChainId with its own values, so no aliasing is possible.
"""

from __future__ import annotations

from zkcollat.errors import CircuitError
from zkcollat.gadgets.compare import assert_greater_eq
from zkcollat.gadgets.merkle import merkle_root
from zkcollat.gadgets.poseidon import poseidon_gadget
from zkcollat.r1cs import Api, Circuit, Private, Public

MAX_DEPTH = 32
AMOUNT_BITS = 128
TIME_BITS = 64


def _check_depth(depth: object) -> int:
    if isinstance(depth, bool) or not isinstance(depth, int) or not 1 <= depth <= MAX_DEPTH:
        raise CircuitError(f"tree depth D = {depth!r} must be an integer in 1..{MAX_DEPTH}")
    return depth


class CollateralLock(Circuit):
    """The lock (lockId, owner, destChainId, assetId, amount, expiry) is in the tree with
    ``root``, ``threshold <= amount < 2^128`` and ``minExpiry <= expiry < 2^64``.

    Reveals that the lock exists and is worth at least ``threshold`` until at least
    ``minExpiry``; hides ``amount`` and ``expiry``. PROTOCOL s.4.1 also claims the leaf's
    position is hidden, but s.3 makes ``lockId`` (public) the leaf index: the path is private,
    the position is not.
    """

    name = "collateral_lock"

    root = Public()
    destChainId = Public()
    owner = Public()
    assetId = Public()
    lockId = Public()
    threshold = Public()
    minExpiry = Public()
    amount = Private()
    expiry = Private()
    pathElements = Private(size="depth")
    pathIndices = Private(size="depth")

    def __init__(self, depth: int = 20) -> None:
        super().__init__(depth=_check_depth(depth))

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


class MerkleInclusion(Circuit):
    """``leaf`` is in the tree with ``root`` (PROTOCOL.md s.4.2)."""

    name = "merkle_inclusion"

    root = Public()
    leaf = Public()
    pathElements = Private(size="depth")
    pathIndices = Private(size="depth")

    def __init__(self, depth: int = 20) -> None:
        super().__init__(depth=_check_depth(depth))

    def define(self, api: Api) -> None:
        root = merkle_root(api, self.leaf, self.pathElements, self.pathIndices)
        api.assert_equal(root, self.root, "computed root equals the public root")


class BalanceThreshold(Circuit):
    """``commitment = H(amount, blinding)``, ``threshold <= amount < 2^B`` (PROTOCOL.md s.4.3)."""

    name = "balance_threshold"

    commitment = Public()
    threshold = Public()
    amount = Private()
    blinding = Private()

    def __init__(self, bits: int = AMOUNT_BITS) -> None:
        if isinstance(bits, bool) or not isinstance(bits, int) or not 1 <= bits <= 252:
            raise CircuitError(f"bit width B = {bits!r} must be an integer in 1..252")
        super().__init__(bits=bits)

    def define(self, api: Api) -> None:
        with api.scope("commitment"):
            c = poseidon_gadget(api, [self.amount, self.blinding])
        api.assert_equal(c, self.commitment, "commitment = H(amount, blinding)")
        assert_greater_eq(api, self.amount, self.threshold, self.params["bits"])  # type: ignore[arg-type]


def by_name(name: str, **params: int) -> Circuit:
    """A statement by CLI name: ``collateral_lock``, ``merkle_inclusion``, ``balance_threshold``."""
    table: dict[str, type[Circuit]] = {
        "collateral_lock": CollateralLock,
        "merkle_inclusion": MerkleInclusion,
        "balance_threshold": BalanceThreshold,
    }
    if name not in table:
        raise CircuitError(f"unknown circuit {name!r}; choose one of {', '.join(table)}")
    return table[name](**params)
