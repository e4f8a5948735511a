"""The relayer's proving API: a CollateralLock(D) proof for one lock of a vault.

``prove_lock`` checks *before* proving that the lock would satisfy the statement, and refuses
with an error that names the rule (all :class:`LockRefused`, hence both ``VaultError`` and
``ProvingError``):

* :class:`UnknownLockError` — no such lock in the vault (at the requested size);
* :class:`WrongDestination` — the lock's ``destChainId`` (or ``owner``, when given) is not
  the expected one: the execution side would refuse the credit (PROTOCOL.md s.7);
* :class:`ThresholdAboveAmount` — ``threshold > amount`` or ``threshold >= 2^128``;
* :class:`ExpiryTooEarly` — ``minExpiry > expiry`` or ``minExpiry >= 2^64``.

These checks are conveniences: the circuit itself rejects every such witness (see
``tests/vault/test_soundness.py``).
"""

from __future__ import annotations

from typing import Any

from zkcollat.curve.backend import Backend
from zkcollat.errors import InputError, ProvingError, UnsatisfiedConstraint
from zkcollat.groth16.keys import Proof, ProvingKey
from zkcollat.groth16.prove import prove
from zkcollat.r1cs.system import ConstraintSystem
from zkcollat.statements import CollateralLock, CollateralLockPublic
from zkcollat.statements.collateral_lock import AMOUNT_BITS, TIME_BITS
from zkcollat.vault.errors import (
    ExpiryTooEarly,
    ThresholdAboveAmount,
    UnknownLockError,
    WrongDestination,
)
from zkcollat.vault.lock import Lock
from zkcollat.vault.vault import Vault


def _uint(value: object, name: str, bits: int, exc: type[ProvingError]) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise exc(f"{name} must be an integer, got {type(value).__name__}")
    if not 0 <= value < 1 << bits:
        raise exc(f"{name} = {value} is not in [0, 2^{bits}) (the circuit's range check)")
    return value


def check_lock_qualifies(
    lock: Lock,
    threshold: int,
    min_expiry: int,
    *,
    dest_chain_id: int,
    owner: int | None = None,
) -> None:
    """Raise the matching :class:`LockRefused` unless the lock satisfies the statement."""
    if lock.dest_chain_id != dest_chain_id:
        raise WrongDestination(
            f"lock {lock.lock_id} is for destination chain {lock.dest_chain_id}, not the expected "
            f"chain {dest_chain_id}: that chain would refuse the credit"
        )
    if owner is not None and lock.owner != owner:
        raise WrongDestination(
            f"lock {lock.lock_id} belongs to owner {lock.owner:#042x}, not the expected owner "
            f"{owner:#042x}"
        )
    _uint(threshold, "threshold", AMOUNT_BITS, ThresholdAboveAmount)
    if threshold > lock.amount:
        raise ThresholdAboveAmount(
            f"threshold {threshold} is above lock {lock.lock_id}'s amount {lock.amount}: "
            "the statement requires amount >= threshold"
        )
    _uint(min_expiry, "minExpiry", TIME_BITS, ExpiryTooEarly)
    if min_expiry > lock.expiry:
        raise ExpiryTooEarly(
            f"lock {lock.lock_id} expires at {lock.expiry}, before the requested minExpiry "
            f"{min_expiry}: the statement requires expiry >= minExpiry"
        )


def _public(lock: Lock, root: int, threshold: int, min_expiry: int) -> CollateralLockPublic:
    return CollateralLockPublic(
        root=root,
        destChainId=lock.dest_chain_id,
        owner=lock.owner,
        assetId=lock.asset_id,
        lockId=lock.lock_id,
        threshold=threshold,
        minExpiry=min_expiry,
    )


def lock_inputs(
    vault: Vault, lock_id: int, threshold: int, min_expiry: int, *, size: int | None = None
) -> dict[str, Any]:
    """The ``input.json`` object of CollateralLock(D) for this lock, as ints.

    Public inputs are range-checked (:class:`CollateralLockPublic`); the statement itself
    (``amount >= threshold``, ...) is not: the solver checks it.
    """
    lock = vault.get_lock(lock_id)
    path = vault.generate_proof(lock_id, size)
    return {
        **_public(lock, path.root, threshold, min_expiry).to_dict(),
        "amount": lock.amount,
        "expiry": lock.expiry,
        "pathElements": list(path.siblings),
        "pathIndices": list(path.path_indices),
    }


def prove_lock(
    vault: Vault,
    lock_id: int,
    threshold: int,
    min_expiry: int,
    *,
    pk: ProvingKey,
    dest_chain_id: int,
    owner: int | None = None,
    cs: ConstraintSystem | None = None,
    size: int | None = None,
    blinding: tuple[int, int] | None = None,
    backend: Backend | None = None,
) -> tuple[Proof, CollateralLockPublic]:
    """A CollateralLock(vault.depth) proof that lock ``lock_id`` of ``vault`` holds at least
    ``threshold`` base units until at least ``min_expiry``, and its typed public inputs
    (``public.to_list()`` gives the signals in circuit order).

    Refuses before proving, with an error naming the rule (a ``ProvingError`` and a
    ``VaultError``), a lock that is unknown, for another destination chain or owner (what the
    execution side will demand: ``dest_chain_id``, and ``owner`` if given), below the
    threshold or expiring too early. ``size`` proves against the root the vault had with that
    many locks (an attested past root) instead of the current one. ``cs`` is the compiled
    circuit, to reuse across proofs (default: ``CollateralLock`` of the vault's depth);
    ``blinding=(r, s)`` is for deterministic test vectors only.
    """
    if size is not None and not (
        isinstance(size, int) and not isinstance(size, bool) and 0 <= size <= vault.size
    ):
        raise UnknownLockError(f"size {size!r} is not between 0 and the vault's {vault.size} locks")
    m = vault.size if size is None else size
    if isinstance(lock_id, bool) or not isinstance(lock_id, int) or not 0 <= lock_id < m:
        raise UnknownLockError(
            f"lock {lock_id!r} is not in the vault"
            + (f" (it held {m} locks at the requested size)" if size is not None else
               f" (it holds lock ids 0..{m - 1})")
        )
    lock = vault.get_lock(lock_id)
    check_lock_qualifies(lock, threshold, min_expiry, dest_chain_id=dest_chain_id, owner=owner)
    if cs is None:
        cs = CollateralLock(vault.depth).compile()
    inputs = lock_inputs(vault, lock_id, threshold, min_expiry, size=size)
    try:
        witness = cs.solve(inputs)
    except InputError as e:
        raise ProvingError(
            f"the constraint system does not take CollateralLock({vault.depth}) inputs: {e}"
        ) from e
    except UnsatisfiedConstraint as e:
        raise ProvingError(f"lock {lock_id}: the witness does not satisfy the circuit: {e}") from e
    proof = prove(pk, cs, witness, backend=backend, blinding=blinding)
    return proof, CollateralLockPublic.from_list(cs.public_values(witness))

