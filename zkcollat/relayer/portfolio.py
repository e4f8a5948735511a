"""A Portfolio(D, k, m) proof for several locks of one owner in a vault (docs/protocol.md s.4.4).

``prove_portfolio`` checks *before* proving that the locks satisfy the statement and refuses
with the same errors as ``prove_lock`` (:class:`LockRefused` subclasses): an unknown lock, a
lock of another owner or destination, a minExpiry after a lock's expiry, an asset that is not
listed, a sum below its threshold (:class:`ThresholdAboveAmount`). These are conveniences:
the circuit itself rejects every such witness (``tests/statements/test_portfolio.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from zkcollat.curve.backend import Backend
from zkcollat.errors import InputError, ProvingError, UnsatisfiedConstraint
from zkcollat.groth16.keys import Proof, ProvingKey
from zkcollat.groth16.prove import prove
from zkcollat.r1cs.system import ConstraintSystem
from zkcollat.statements.portfolio import (
    DEFAULT_ASSETS,
    DEFAULT_SLOTS,
    Portfolio,
    PortfolioPublic,
    portfolio_input,
)
from zkcollat.vault.errors import (
    ExpiryTooEarly,
    ThresholdAboveAmount,
    UnknownLockError,
    WrongDestination,
)
from zkcollat.vault.vault import Vault


def portfolio_public(
    vault: Vault,
    lock_ids: Sequence[int],
    thresholds: Mapping[int, int],
    min_expiry: int,
    *,
    dest_chain_id: int,
    owner: int,
    slots: int = DEFAULT_SLOTS,
    assets: int = DEFAULT_ASSETS,
    size: int | None = None,
) -> PortfolioPublic:
    """The public values of a portfolio of ``lock_ids`` (any order; sorted here) proving
    ``thresholds`` (assetId -> threshold, at most ``assets`` of them; padded with (0, 0))
    against the vault's root (at ``size`` locks if given)."""
    ids = sorted(lock_ids)
    if not ids:
        raise UnknownLockError("a portfolio needs at least one lock")
    if len(ids) > slots:
        raise InputError(f"{len(ids)} locks do not fit {slots} slots")
    if len(set(ids)) != len(ids):
        raise InputError(f"lock ids {ids} name a lock twice")
    if len(thresholds) > assets:
        raise InputError(f"{len(thresholds)} assets do not fit the statement's {assets}")
    listed = sorted(thresholds.items())
    listed += [(0, 0)] * (assets - len(listed))
    root = vault.root if size is None else vault.root_at(size)
    return PortfolioPublic(
        root=root,
        destChainId=dest_chain_id,
        owner=owner,
        minExpiry=min_expiry,
        lockIds=tuple(ids + [0] * (slots - len(ids))),
        assetIds=tuple(a for a, _ in listed),
        thresholds=tuple(t for _, t in listed),
    )


def portfolio_inputs(
    vault: Vault, public: PortfolioPublic, *, size: int | None = None
) -> dict[str, Any]:
    """The ``input.json`` object (ints) of Portfolio(vault.depth, k, m) for ``public``."""
    witnesses = []
    for lock_id in public.locks:
        lock = vault.get_lock(lock_id)
        path = vault.generate_proof(lock_id, size)
        witnesses.append((lock.amount, lock.expiry, lock.asset_id, list(path.siblings),
                          list(path.path_indices)))
    return portfolio_input(public, witnesses, vault.depth)


def check_portfolio_qualifies(vault: Vault, public: PortfolioPublic, size: int | None) -> None:
    """Raise the matching :class:`LockRefused` unless the locks satisfy the statement."""
    m = vault.size if size is None else size
    sums: dict[int, int] = {}
    for lock_id in public.locks:
        if not 0 <= lock_id < m:
            raise UnknownLockError(f"lock {lock_id} is not in the vault (it holds ids 0..{m - 1})")
        lock = vault.get_lock(lock_id)
        if lock.dest_chain_id != public.destChainId or lock.owner != public.owner:
            raise WrongDestination(
                f"lock {lock_id} is for owner {lock.owner:#x} on chain {lock.dest_chain_id}, not "
                f"owner {public.owner:#x} on chain {public.destChainId}"
            )
        if lock.expiry < public.minExpiry:
            raise ExpiryTooEarly(
                f"lock {lock_id} expires at {lock.expiry}, before minExpiry {public.minExpiry}"
            )
        if lock.asset_id == 0 or lock.asset_id not in public.assetIds:
            raise InputError(
                f"lock {lock_id} holds asset {lock.asset_id:#x}, which the portfolio does not "
                "list: every lock must count toward a listed asset"
            )
        sums[lock.asset_id] = sums.get(lock.asset_id, 0) + lock.amount
    for a, t in zip(public.assetIds, public.thresholds, strict=True):
        if t > sums.get(a, 0):
            raise ThresholdAboveAmount(
                f"threshold {t} of asset {a:#x} is above the portfolio's {sums.get(a, 0)} of it"
            )


def prove_portfolio(
    vault: Vault,
    public: PortfolioPublic,
    *,
    pk: ProvingKey,
    cs: ConstraintSystem | None = None,
    size: int | None = None,
    blinding: tuple[int, int] | None = None,
    backend: Backend | None = None,
) -> Proof:
    """A Portfolio(vault.depth, k, m) proof of ``public`` (from :func:`portfolio_public`).

    ``cs`` defaults to the compiled statement of the vault's depth and ``public``'s k and m.
    """
    check_portfolio_qualifies(vault, public, size)
    if public.root != (vault.root if size is None else vault.root_at(size)):
        raise ProvingError("the public root is not the vault's root at the requested size")
    if cs is None:
        cs = Portfolio(vault.depth, public.slots, public.assets).compile()
    inputs = portfolio_inputs(vault, public, size=size)
    try:
        witness = cs.solve(inputs)
    except InputError as e:
        raise ProvingError(f"the constraint system does not take these Portfolio inputs: {e}") \
            from e
    except UnsatisfiedConstraint as e:
        raise ProvingError(f"the witness does not satisfy Portfolio: {e}") from e
    return prove(pk, cs, witness, backend=backend, blinding=blinding)
