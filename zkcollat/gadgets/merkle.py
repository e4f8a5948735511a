"""Merkle root from an authentication path (PROTOCOL.md s.3), gadget and plain twin.

``pathElements[k]`` is the sibling at level ``k`` (``k = 0`` at the leaves); ``pathIndices[k]``
is bit ``k`` of the leaf index, 1 meaning the current node is the right child. A node is
``H(left, right)`` (Poseidon with 2 inputs).
"""

from __future__ import annotations

from collections.abc import Sequence

from zkcollat.errors import CircuitError, InputError
from zkcollat.field import check_fr
from zkcollat.gadgets.mux import cond_swap
from zkcollat.gadgets.poseidon import poseidon_gadget
from zkcollat.hash import poseidon_hash
from zkcollat.r1cs.builder import Api, gadget
from zkcollat.r1cs.lc import LinComb, Operand, as_lc

#: Constraints per level: Poseidon(2) + the index's boolean check + the swap.
LEVEL_COST = 240 + 2


@gadget("merkle")
def merkle_root(
    api: Api,
    leaf: Operand,
    path_elements: Sequence[Operand],
    path_indices: Sequence[Operand],
) -> LinComb:
    """The root reached from ``leaf`` along the path (a linear combination, no extra wire).

    Constrains every ``path_indices[k]`` to be boolean (a non-boolean index would let the
    prover mix the two children) and costs ``LEVEL_COST = 242`` constraints per level, scoped
    ``merkle/level[k]``. The caller compares the result with the expected root
    (``api.assert_equal``). Assumes nothing about the values of leaf and siblings.
    """
    if len(path_elements) != len(path_indices) or not path_elements:
        raise CircuitError(
            f"{api.path}: path of {len(path_elements)} elements and {len(path_indices)} indices"
        )
    cur = as_lc(leaf)
    for k, (sibling, index) in enumerate(zip(path_elements, path_indices, strict=True)):
        with api.scope(f"level[{k}]"):
            api.assert_bool(index, "pathIndices[k] is boolean")
            api.note_bits(index, 1)
            left, right = cond_swap(api, index, cur, sibling)
            cur = poseidon_gadget(api, [left, right])
    return cur


def merkle_root_plain(leaf: int, path_elements: Sequence[int], path_indices: Sequence[int]) -> int:
    """Plain twin of :func:`merkle_root` (InputError on a non-boolean index or length mismatch)."""
    if len(path_elements) != len(path_indices) or not path_elements:
        raise InputError(f"path of {len(path_elements)} elements and {len(path_indices)} indices")
    cur = check_fr(leaf, "leaf")
    for k, (sibling, index) in enumerate(zip(path_elements, path_indices, strict=True)):
        check_fr(sibling, f"pathElements[{k}]")
        if index not in (0, 1):
            raise InputError(f"pathIndices[{k}] = {index!r} is not 0 or 1")
        cur = poseidon_hash([sibling, cur] if index else [cur, sibling])
    return cur


def path_indices_of(index: int, depth: int) -> list[int]:
    """The ``pathIndices`` of leaf ``index`` in a tree of ``depth`` (LSB first)."""
    if not 0 <= index < (1 << depth):
        raise InputError(f"leaf index {index} does not fit a tree of depth {depth}")
    return [(index >> k) & 1 for k in range(depth)]
