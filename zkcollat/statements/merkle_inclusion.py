"""MerkleInclusion(D): ``leaf`` is in the tree with ``root`` (PROTOCOL.md s.4.2)."""

from __future__ import annotations

from dataclasses import dataclass

from zkcollat.gadgets.merkle import merkle_root
from zkcollat.r1cs import Api, Private
from zkcollat.statements.base import StatementCircuit
from zkcollat.statements.collateral_lock import check_depth
from zkcollat.statements.schema import Fr, PublicInputs


@dataclass(frozen=True)
class MerkleInclusionPublic(PublicInputs):
    """The public inputs of MerkleInclusion, in ``public.json`` order."""

    statement = "MerkleInclusion"

    root: Fr
    leaf: Fr


class MerkleInclusion(StatementCircuit):
    """``leaf`` is in the tree with ``root`` (PROTOCOL.md s.4.2)."""

    name = "merkle_inclusion"
    title = "MerkleInclusion"
    section = "4.2"
    public_inputs = MerkleInclusionPublic

    pathElements = Private(size="depth")
    pathIndices = Private(size="depth")

    depth: int

    def __init__(self, depth: int = 20) -> None:
        super().__init__(depth=check_depth(depth))

    def define(self, api: Api) -> None:
        root = merkle_root(api, self.leaf, self.pathElements, self.pathIndices)
        api.assert_equal(root, self.root, "computed root equals the public root")
