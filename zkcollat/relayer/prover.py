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

``prove_locks`` proves many requests with one key, here or on a Dask cluster through
:func:`zkcollat.batch.prove_items` (the batch engine of ``zkcollat prove-batch``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from zkcollat.batch import ClusterSpec


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


def _lock_at(vault: Vault, lock_id: int, size: int | None) -> Lock:
    """Lock ``lock_id`` of the vault (as it was with ``size`` locks); UnknownLockError if not."""
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
    return vault.get_lock(lock_id)


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
    lock = _lock_at(vault, lock_id, size)
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



@dataclass(frozen=True)
class LockRequest:
    """One proof asked of :func:`prove_locks`: lock, threshold, minExpiry (and the owner the
    execution side will demand, when known)."""

    lock_id: int
    threshold: int
    min_expiry: int
    owner: int | None = None


@dataclass(frozen=True)
class LockProof:
    """What :func:`prove_locks` made of one request: a proof and its typed public inputs, or
    the reason there is none (a refusal before proving, or the prover's)."""

    request: LockRequest
    proof: Proof | None = None
    public: CollateralLockPublic | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.proof is not None


def prove_locks(
    vault: Vault,
    requests: Sequence[LockRequest],
    *,
    pk_path: str | os.PathLike[str],
    dest_chain_id: int,
    size: int | None = None,
    cluster: ClusterSpec | None = None,
) -> list[LockProof]:
    """Proofs for many locks of one vault with the proving key at ``pk_path``, in the order of
    ``requests``.

    Each request is checked first as :func:`prove_lock` checks it; a refused one gets its
    reason and no proof, and does not stop the others. Without ``cluster`` the proofs are made
    here, one after the other; with a :class:`~zkcollat.batch.ClusterSpec` (a Dask scheduler
    address, or local worker processes) they go through :func:`zkcollat.batch.prove_items`,
    which loads the key once per worker, checks each result's public signals against the input
    and verifies each proof before returning it. A scheduler on another host must be reached
    over ``tls://`` (tasks carry the witness: the amount a proof hides) unless the spec says
    ``insecure``.
    """
    from zkcollat.batch.worker import load_key_and_circuit

    out: list[LockProof | None] = [None] * len(requests)
    todo: dict[str, tuple[int, dict[str, Any]]] = {}
    for i, req in enumerate(requests):
        try:
            lock = _lock_at(vault, req.lock_id, size)
            check_lock_qualifies(
                lock, req.threshold, req.min_expiry, dest_chain_id=dest_chain_id, owner=req.owner
            )
        except ProvingError as e:
            out[i] = LockProof(req, reason=str(e))
            continue
        inputs = lock_inputs(vault, req.lock_id, req.threshold, req.min_expiry, size=size)
        todo[f"request-{i}-lock-{req.lock_id}"] = (i, inputs)
    if cluster is None:
        pk, cs = load_key_and_circuit(os.fspath(pk_path), warn=True)
        for i, _inputs in todo.values():
            req = requests[i]
            try:
                proof, public = prove_lock(
                    vault, req.lock_id, req.threshold, req.min_expiry, pk=pk, cs=cs,
                    dest_chain_id=dest_chain_id, owner=req.owner, size=size,
                )
            except ProvingError as e:
                out[i] = LockProof(req, reason=str(e))
            else:
                out[i] = LockProof(req, proof, public)
    elif todo:
        from zkcollat.batch import open_client, prove_items
        from zkcollat.batch.files import InputItem
        from zkcollat.formats.snarkjs import proof_from_json, public_from_json

        items = [InputItem(name, "relayer", inputs) for name, (_i, inputs) in todo.items()]
        with open_client(cluster) as client:
            for r in prove_items(client, items, pk_path, worker_timeout_s=cluster.worker_timeout_s):
                i = todo[r.name][0]
                if r.ok and r.proof is not None and r.public is not None:
                    public = CollateralLockPublic.from_list(public_from_json(r.public))
                    out[i] = LockProof(requests[i], proof_from_json(r.proof), public)
                else:
                    out[i] = LockProof(requests[i], reason=r.reason or "no proof")
    missing = [requests[i] for i, p in enumerate(out) if p is None]
    if missing:
        raise ProvingError(f"the cluster returned no result for {missing}")
    return [p for p in out if p is not None]
