"""Soundness of CollateralLock(D) over wrong witnesses: the *constraints* reject them.

Each test builds a valid full witness with ``cs.solve`` (and checks it is satisfied, so the
test can fail), then makes it wrong in one way, either by editing the witness vector
directly or by solving with wrong inputs and ``check=False`` (the solver would refuse them;
the vector is built anyway), and asserts ``cs.is_satisfied(w)`` is False. Hypothesis searches
at depth 4; one case per attack runs at depth 20.

Attacks: a wrong sibling; a flipped or non-boolean index bit; amount one below threshold;
amount >= 2^128 (wrapping: amount = threshold - 1 + 2^128, amount = r - k, amount = threshold - 1
+ r which is threshold - 1 in the field); threshold >= 2^128; expiry one below minExpiry and
expiry >= 2^64; another lock's leaf (its path with our fields, our path with its fields);
another destChainId, owner, assetId or lockId in the public inputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zkcollat.errors import InputError
from zkcollat.field import R
from zkcollat.hash import poseidon_hash
from zkcollat.r1cs.system import ConstraintSystem
from zkcollat.relayer.prover import lock_inputs
from zkcollat.statements import CollateralLock
from zkcollat.vault import Lock, PoseidonTree, Vault

DEPTH = 4
U64, U128, U160 = 1 << 64, 1 << 128, 1 << 160
SETTINGS = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

locks_st = st.builds(
    lambda owner, dest, asset, amount, expiry: (owner, dest, asset, amount, expiry),
    st.integers(0, U160 - 1), st.integers(0, U64 - 1), st.integers(0, U160 - 1),
    st.integers(0, U128 - 1), st.integers(0, U64 - 1),
)


@dataclass
class Case:
    cs: ConstraintSystem
    vault: Vault
    lock: Lock
    inputs: dict[str, Any]
    witness: list[int]

    def wire(self, name: str, i: int | None = None) -> int:
        spec = next(s for s in self.cs.inputs if s.name == name)
        return spec.first_wire + (i or 0)

    def solve_wrong(self, **changes: Any) -> list[int]:
        """Witness for mutated inputs, built without the solver's checks."""
        inputs = {**self.inputs, **changes}
        return self.cs.solve(inputs, check=False)


def make_case(depth: int, fields: tuple[int, int, int, int, int], index: int, n: int,
              threshold: int | None = None, min_expiry: int | None = None) -> Case:
    cs = CollateralLock(depth).compile()
    owner, dest, asset, amount, expiry = fields
    vault = Vault(depth)
    locks = [
        Lock(i, owner, dest, asset, amount, expiry) if i == index
        else Lock(i, 0xBEEF + i, 1, 0xA55E7, 1000 + i, 2000 + i)
        for i in range(n)
    ]
    vault.insert_many(locks)
    lock = locks[index]
    t = amount if threshold is None else threshold
    m = expiry if min_expiry is None else min_expiry
    inputs = lock_inputs(vault, index, t, m)
    w = cs.solve(inputs)
    assert cs.is_satisfied(w)  # the honest witness holds: the mutations below are the cause
    return Case(cs, vault, lock, inputs, w)


case_st = st.builds(
    lambda f, n, i: make_case(DEPTH, f, i % n, n),
    locks_st, st.integers(1, 1 << DEPTH), st.integers(0, (1 << DEPTH) - 1),
)


# --- the Merkle path ----------------------------------------------------------------------------


@SETTINGS
@given(case_st, st.integers(0, DEPTH - 1), st.integers(1, R - 1), st.booleans())
def test_wrong_sibling(case: Case, k: int, delta: int, direct: bool) -> None:
    bad = (case.inputs["pathElements"][k] + delta) % R
    if direct:  # edit the vector: only the sibling wire changes
        w = list(case.witness)
        w[case.wire("pathElements", k)] = bad
    else:  # re-solve: every intermediate hash is consistent, only the root comparison fails
        elems = list(case.inputs["pathElements"])
        elems[k] = bad
        w = case.solve_wrong(pathElements=elems)
    assert not case.cs.is_satisfied(w)


@SETTINGS
@given(case_st, st.integers(0, DEPTH - 1), st.integers(1, R - 1), st.booleans())
def test_flipped_or_non_boolean_index_bit(case: Case, k: int, value: int, flip: bool) -> None:
    idx = list(case.inputs["pathIndices"])
    idx[k] = idx[k] ^ 1 if flip else (value if value > 1 else 2)
    assert not case.cs.is_satisfied(case.solve_wrong(pathIndices=idx))
    w = list(case.witness)
    w[case.wire("pathIndices", k)] = idx[k]
    assert not case.cs.is_satisfied(w)


@SETTINGS
@given(case_st, st.sampled_from(["root", "destChainId", "owner", "assetId", "lockId", "amount",
                                 "expiry"]), st.integers(1, R - 1))
def test_any_changed_leaf_or_root_value(case: Case, name: str, delta: int) -> None:
    """Another destChainId, owner, assetId or lockId (or amount, expiry, root): the leaf or the
    root comparison breaks, whether re-solved or edited into the vector."""
    other = (case.inputs[name] + delta) % R
    assert not case.cs.is_satisfied(case.solve_wrong(**{name: other}))
    w = list(case.witness)
    w[case.wire(name)] = other
    assert not case.cs.is_satisfied(w)


@SETTINGS
@given(locks_st, st.integers(2, 1 << DEPTH), st.data())
def test_another_locks_leaf(mine: tuple[int, ...], n: int, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, n - 1))
    j = data.draw(st.integers(0, n - 1).filter(lambda x: x != i))
    case = make_case(DEPTH, mine, i, n)  # type: ignore[arg-type]
    path_j = case.vault.generate_proof(j)
    # our fields (lockId i) on lock j's path: a leaf that is not in the tree at j
    w = case.solve_wrong(pathElements=list(path_j.siblings), pathIndices=list(path_j.path_indices))
    assert not case.cs.is_satisfied(w)
    # lock j's fields with lock i's path
    lj = case.vault.get_lock(j)
    w = case.solve_wrong(lockId=lj.lock_id, owner=lj.owner, destChainId=lj.dest_chain_id,
                         assetId=lj.asset_id, amount=lj.amount, expiry=lj.expiry,
                         threshold=0, minExpiry=0)
    assert not case.cs.is_satisfied(w)


# --- amount and expiry --------------------------------------------------------------------------


@SETTINGS
@given(locks_st, st.integers(1, U128 - 1))
def test_amount_below_threshold(fields: tuple[int, int, int, int, int], gap: int) -> None:
    owner, dest, asset, amount, expiry = fields
    amount = min(amount, U128 - 1 - gap)
    case = make_case(DEPTH, (owner, dest, asset, amount, expiry), 0, 3)
    for threshold in {amount + 1, amount + gap}:  # one below, and further below
        assert not case.cs.is_satisfied(case.solve_wrong(threshold=threshold))


@SETTINGS
@given(locks_st, st.integers(1, U64 - 1))
def test_expiry_below_min_expiry(fields: tuple[int, int, int, int, int], gap: int) -> None:
    owner, dest, asset, amount, expiry = fields
    expiry = min(expiry, U64 - 1 - gap)
    case = make_case(DEPTH, (owner, dest, asset, amount, expiry), 0, 3)
    for min_expiry in {expiry + 1, expiry + gap}:
        assert not case.cs.is_satisfied(case.solve_wrong(minExpiry=min_expiry))


def _raw_leaf_case(depth: int, amount: int, expiry: int, threshold: int,
                   min_expiry: int) -> tuple[ConstraintSystem, dict[str, Any]]:
    """A tree whose leaf 1 commits to out-of-range values (no Lock record could hold them)."""
    cs = CollateralLock(depth).compile()
    fields = [1, 0xBEEF, 10, 0xA55E7, amount, expiry]
    tree = PoseidonTree(depth)
    tree.insert_many([poseidon_hash([0, 1, 2, 3, 4, 5]), poseidon_hash(fields), 77])
    p = tree.generate_proof(1)
    inputs = {"root": tree.root, "destChainId": 10, "owner": 0xBEEF, "assetId": 0xA55E7,
              "lockId": 1, "threshold": threshold, "minExpiry": min_expiry, "amount": amount,
              "expiry": expiry, "pathElements": list(p.siblings),
              "pathIndices": list(p.path_indices)}
    return cs, inputs


@SETTINGS
@given(st.integers(1, U128 - 1), st.integers(1, 1 << 100),
       st.sampled_from(["plus 2^128", "r minus k", "threshold + 2^128", "huge threshold"]))
def test_amount_at_or_above_2_128_wraps_nothing(threshold: int, k: int, kind: str) -> None:
    """The leaf and path are valid for these values; only the range checks can refuse."""
    if kind == "plus 2^128":  # amount - threshold = 2^128 - 1 fits in 128 bits (threshold >= 1)
        amount = threshold - 1 + U128
    elif kind == "r minus k":  # a "negative" amount
        amount = R - k
    elif kind == "threshold + 2^128":
        amount = threshold + U128
    else:  # threshold itself out of range, amount = threshold
        threshold = U128 + threshold
        amount = threshold
    cs, inputs = _raw_leaf_case(DEPTH, amount, 500, threshold, 400)
    assert not cs.is_satisfied(cs.solve(inputs, check=False))


@SETTINGS
@given(st.integers(1, U64 - 1), st.integers(1, 1 << 60))
def test_expiry_at_or_above_2_64_wraps_nothing(min_expiry: int, k: int) -> None:
    for expiry in (min_expiry - 1 + U64, R - k, min_expiry + U64):
        cs, inputs = _raw_leaf_case(DEPTH, 1000, expiry, 10, min_expiry)
        assert not cs.is_satisfied(cs.solve(inputs, check=False))


def test_amount_plus_r_is_refused_as_input_and_as_field_element() -> None:
    """amount = threshold - 1 + r: refused as an input (>= r, never reduced); in the field it
    is threshold - 1, which the comparator refuses."""
    case = make_case(DEPTH, (0xBEEF, 1, 0xA55E7, 5000, 3000), 2, 5)
    with pytest.raises(InputError, match=">= r"):
        case.cs.solve({**case.inputs, "amount": case.lock.amount + R})
    with pytest.raises(InputError, match=">= r"):
        case.cs.solve({**case.inputs, "threshold": case.inputs["threshold"] + R})
    w = list(case.witness)
    w[case.wire("threshold")] = case.lock.amount + 1  # = amount + 1 + r - r
    assert not case.cs.is_satisfied(w)
    w = list(case.witness)
    w[case.wire("amount")] = (case.lock.amount - 1 + R) % R
    assert not case.cs.is_satisfied(w)


# --- one case per attack at depth 20 ------------------------------------------------------------


@pytest.mark.slow
def test_depth_20_attacks() -> None:
    case = make_case(20, (0xBEEF, 1, 0xA55E7, 5000, 3000), 6, 9, threshold=5000, min_expiry=3000)
    cs, w0 = case.cs, case.witness
    elems, idx = list(case.inputs["pathElements"]), list(case.inputs["pathIndices"])
    other = case.vault.generate_proof(3)
    attempts = {
        "wrong sibling": case.solve_wrong(pathElements=[elems[0] + 1, *elems[1:]]),
        "flipped index bit": case.solve_wrong(pathIndices=[idx[0] ^ 1, *idx[1:]]),
        "top index bit": case.solve_wrong(pathIndices=[*idx[:19], 1]),
        "amount one below threshold": case.solve_wrong(threshold=5001),
        "expiry one below minExpiry": case.solve_wrong(minExpiry=3001),
        "another lock's path": case.solve_wrong(pathElements=list(other.siblings),
                                                pathIndices=list(other.path_indices)),
        "another destChainId": case.solve_wrong(destChainId=2),
        "another owner": case.solve_wrong(owner=0xBEEE),
    }
    for name, w in attempts.items():
        assert not cs.is_satisfied(w), name
    wrapped = w0[:]
    wrapped[case.wire("threshold")] = 5001
    assert not cs.is_satisfied(wrapped)
    cs2, inputs = _raw_leaf_case(20, 4999 + U128, 3000, 5000, 3000)
    assert not cs2.is_satisfied(cs2.solve(inputs, check=False))
