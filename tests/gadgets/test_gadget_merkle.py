"""Merkle root from a path (PROTOCOL.md s.3): agrees with the plain twin; tampering rejected."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zkcollat.errors import CircuitError, InputError
from zkcollat.field import R
from zkcollat.gadgets.merkle import LEVEL_COST, merkle_root, merkle_root_plain, path_indices_of
from zkcollat.gadgets.poseidon import poseidon_cost
from zkcollat.hash import poseidon_hash
from zkcollat.r1cs import Api, Circuit, ConstraintSystem, Private, Public

DEPTH = 4


class Inclusion(Circuit):
    """MerkleInclusion(D) of PROTOCOL.md s.4.2."""

    root = Public()
    leaf = Public()
    pathElements = Private(size="depth")
    pathIndices = Private(size="depth")

    def __init__(self, depth: int = DEPTH) -> None:
        super().__init__(depth=depth)

    def define(self, api: Api) -> None:
        root = merkle_root(api, self.leaf, self.pathElements, self.pathIndices)
        api.assert_equal(root, self.root, "root matches")


def build_tree(leaves: list[int], depth: int) -> list[list[int]]:
    """All levels of a complete tree (empty leaves 0), by the plain hash."""
    levels = [leaves + [0] * (2**depth - len(leaves))]
    for _ in range(depth):
        prev = levels[-1]
        levels.append([poseidon_hash([prev[i], prev[i + 1]]) for i in range(0, len(prev), 2)])
    return levels


def path(levels: list[list[int]], index: int) -> tuple[list[int], list[int]]:
    elems = [levels[k][(index >> k) ^ 1] for k in range(len(levels) - 1)]
    return elems, path_indices_of(index, len(levels) - 1)


LEAVES = [poseidon_hash([i, 1000 + i]) for i in range(11)]
TREE = build_tree(LEAVES, DEPTH)
ROOT = TREE[-1][0]


def cs() -> ConstraintSystem:
    return Inclusion().compile()


def inputs_for(index: int) -> dict[str, object]:
    elems, idx = path(TREE, index)
    return {"root": ROOT, "leaf": TREE[0][index], "pathElements": elems, "pathIndices": idx}


def test_level_cost_within_budget() -> None:
    assert poseidon_cost(2) + 3 >= LEVEL_COST
    assert cs().n_constraints == DEPTH * LEVEL_COST + 1
    by_scope = cs().constraint_counts(depth=3)
    assert by_scope["inclusion/merkle/level[2]"] == LEVEL_COST


def test_empty_tree_roots_follow_the_protocol() -> None:
    z = [0]
    for _ in range(DEPTH):
        z.append(poseidon_hash([z[-1], z[-1]]))
    assert build_tree([], DEPTH)[-1][0] == z[DEPTH]


@pytest.mark.parametrize("index", [0, 1, 10, 15])
def test_every_position_proves(index: int) -> None:
    inp = inputs_for(index)
    assert merkle_root_plain(inp["leaf"], inp["pathElements"], inp["pathIndices"]) == ROOT  # type: ignore[arg-type]
    assert cs().is_satisfied(cs().solve(inp))


def _rejected(inp: dict[str, object]) -> str:
    c = cs()
    w = c.solve(inp, check=False)
    i = c.first_unsatisfied(w)
    assert i is not None, "a tampered path satisfied the constraints"
    return c.describe_constraint(i)


@settings(max_examples=25, deadline=None)
@given(
    index=st.integers(0, 15),
    level=st.integers(0, DEPTH - 1),
    how=st.sampled_from(
        ["flip_index", "swap_siblings", "other_sibling", "wrong_leaf", "wrong_root"]
    ),
)
def test_tampered_paths_rejected_by_constraints(index: int, level: int, how: str) -> None:
    inp = inputs_for(index)
    elems = list(inp["pathElements"])  # type: ignore[call-overload]
    idx = list(inp["pathIndices"])  # type: ignore[call-overload]
    if how == "flip_index":
        if TREE[level][index >> level] == elems[level]:
            return  # equal children (empty subtrees): swapping them proves the same thing
        idx[level] ^= 1
    elif how == "swap_siblings":
        j = (level + 1) % DEPTH
        if elems[level] == elems[j]:
            return
        elems[level], elems[j] = elems[j], elems[level]
    elif how == "other_sibling":
        elems[level] = (elems[level] + 1) % R
    elif how == "wrong_leaf":
        if TREE[0][index ^ 1] == TREE[0][index]:
            return
        inp["leaf"] = TREE[0][index ^ 1]
    else:
        inp["root"] = (ROOT + 1) % R
    inp.update(pathElements=elems, pathIndices=idx)
    assert "root matches" in _rejected(inp)


@settings(max_examples=20, deadline=None)
@given(index=st.integers(0, 15), level=st.integers(0, DEPTH - 1), v=st.integers(2, R - 1))
def test_non_boolean_index_rejected(index: int, level: int, v: int) -> None:
    inp = inputs_for(index)
    idx = list(inp["pathIndices"])  # type: ignore[call-overload]
    idx[level] = v
    inp["pathIndices"] = idx
    assert f"(pathIndices[k] is boolean) at inclusion/merkle/level[{level}]" in _rejected(inp)
    with pytest.raises(InputError, match="not 0 or 1"):
        merkle_root_plain(inp["leaf"], inp["pathElements"], idx)  # type: ignore[arg-type]


def test_error_names_the_level() -> None:
    inp = inputs_for(3)
    inp["pathIndices"] = [1, 1, 0, 2]
    with pytest.raises(Exception, match=r"inclusion/merkle/level\[3\]"):
        cs().solve(inp)


def test_path_shape_checked() -> None:
    class Bad(Circuit):
        x = Public()

        def define(self, api: Api) -> None:
            merkle_root(api, self.x, [self.x], [])

    with pytest.raises(CircuitError, match="path of 1 elements and 0 indices"):
        Bad().compile()
    with pytest.raises(InputError):
        path_indices_of(16, 4)


def test_random_tree_against_plain() -> None:
    rnd = random.Random(7)
    leaves = [rnd.randrange(R) for _ in range(14)] + [R - 1, 0]  # edge values as leaves
    levels = build_tree(leaves, DEPTH)
    for index in (0, 5, 14, 15):
        elems, idx = path(levels, index)
        inp = {
            "root": levels[-1][0],
            "leaf": leaves[index],
            "pathElements": elems,
            "pathIndices": idx,
        }
        assert cs().is_satisfied(cs().solve(inp))
