"""Portfolio credits: one Portfolio(D, k) proof credits many locks at once (PROTOCOL.md s.7).

A Portfolio proof shows that k lock slots of one ``owner`` and ``destChainId``, each either
empty or a lock in the tree with ``root`` unexpired until ``minExpiry``, with strictly
increasing ``lockIds``, hold for every listed asset j at least ``T_j`` in total. The venue:

- credits all the proof's lockIds at once, in one transaction, each at most once, in the same
  key space ``(sourceChainId, vault, lockId)`` as single CollateralLock credits: a lock
  credited singly cannot be credited again in a portfolio, and the other way round;
- values the credit with its live prices, ``sum_j T_j * price_j * (1 - haircut_j)``, each term
  rounded down (against the account), so a falling price is seen at once;
- releases a portfolio whole (one ``Release`` per lock), under the same margin rule as a lock;
- seizes it one lock at a time: each ``Seize`` asks for no more than what is still owed (in
  the units of that lock's asset, and never more than ``T_j`` less what was already seized of
  asset j); the vault pays ``min(amount, lock)``; the relayer reports what the vault paid, and
  that executed amount, not the requested one, is what the venue books. Only then is the next
  lock asked for; when nothing more is owed (or no lock is left), the untouched locks are
  released.

Which slot holds which asset is not public in the proof. The lock's asset (public on the
source chain, where every lock's fields are) is named by whoever submits the credit, one per
lockId; it is used only to size a ``Seize`` request. Value is booked from the executed amount
and the asset the relayer read on the source chain, so a wrong name makes a request too small
(the next lock is asked for) or too large (the surplus is the account's own, booked to its
cash), never value from nothing.

The statement's typed public inputs come from ``zkcollat.statements`` (the "portfolio"
statement); the venue reads them through :class:`PortfolioClaim` and checks the Groth16 proof
through a :data:`PortfolioCheck`, so the statement's encoding of its public values (packed or
hashed) stays the statement's business.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from zkcollat.attest.registry import RootRegistry
from zkcollat.errors import ZkcollatError
from zkcollat.field import check_fr
from zkcollat.groth16.keys import Proof, VerifyingKey
from zkcollat.margin import errors as E
from zkcollat.margin.collateral import CreditKey, _resolve_source, haircut_bps, value_e6
from zkcollat.margin.config import VenueConfig
from zkcollat.statements import PortfolioPublic

U64, U128, U160 = 2**64, 2**128, 2**160


class PortfolioValues(Protocol):
    """The public values of a Portfolio(D, k, m) proof, as the statement's typed public inputs
    (``zkcollat.statements``' PortfolioPublic) carry them, in its order and names: ``lockIds``
    has k entries (slot 0 always a lock; a 0 after it is an empty slot), ``assetIds`` and
    ``thresholds`` m entries (``0, 0`` is padding)."""

    @property
    def root(self) -> int: ...
    @property
    def destChainId(self) -> int: ...  # noqa: N802 (the statement's signal names)
    @property
    def owner(self) -> int: ...
    @property
    def minExpiry(self) -> int: ...  # noqa: N802
    @property
    def lockIds(self) -> Sequence[int]: ...  # noqa: N802
    @property
    def assetIds(self) -> Sequence[int]: ...  # noqa: N802
    @property
    def thresholds(self) -> Sequence[int]: ...


@dataclass(frozen=True)
class PortfolioClaim:
    """What the venue credits from a Portfolio proof's public values (:func:`claim_of`):
    ``lockIds`` only the used slots' (strictly increasing), ``assetIds`` without padding."""

    root: int
    destChainId: int  # noqa: N815 (the statement's names)
    owner: int
    minExpiry: int  # noqa: N815
    lockIds: tuple[int, ...]  # noqa: N815
    assetIds: tuple[int, ...]  # noqa: N815
    thresholds: tuple[int, ...]


def claim_of(public: PortfolioValues) -> PortfolioClaim:
    """The used slots' lockIds (slot 0, then each up to the first 0) and the listed assets without
    padding (``0, 0``) or an asset listed more than once with threshold 0 (it backs no slot);
    every other value as it is, for :func:`check_claim`."""
    try:
        ids, assets, thr = list(public.lockIds), list(public.assetIds), list(public.thresholds)
    except TypeError as e:
        raise E.PublicInputError(f"lockIds, assetIds and thresholds must be lists: {e}") from e
    if len(assets) != len(thr):
        raise E.PublicInputError(
            f"{len(assets)} assets and {len(thr)} thresholds: one threshold per asset"
        )
    pairs = list(zip(assets, thr, strict=True))
    n = next((i for i in range(1, len(ids)) if ids[i] == 0), len(ids))  # used: a prefix
    if any(i != 0 for i in ids[n:]):
        raise E.PublicInputError(f"lockIds: a used slot after the empty slot {n}")
    used = tuple(ids[:n])
    count: dict[object, int] = {}
    for a, _ in pairs:
        count[a] = count.get(a, 0) + 1
    idle = {a for a in count if count[a] > 1 and all(t == 0 for b, t in pairs if b == a)}
    kept = [(a, t) for a, t in pairs if not (a == 0 and t == 0) and a not in idle]
    return PortfolioClaim(
        public.root,
        public.destChainId,
        public.owner,
        public.minExpiry,
        used,
        tuple(a for a, _ in kept),
        tuple(t for _, t in kept),
    )


#: ``(public values, proof) -> bool``: the statement's Groth16 check of a Portfolio proof (it
#: encodes the values as the statement's public inputs and picks the key for its k and m).
PortfolioCheck = Callable[[PortfolioValues, Proof], bool]


@dataclass(frozen=True)
class StatementCheck:
    """The :data:`PortfolioCheck` of the registry's Portfolio statement: the values must be a
    ``PortfolioPublic`` (k slots, m assets), encoded by it (``to_list``: root, then the packed
    words) and verified with ``keys[(k, m)]`` (by default the Python Groth16 verifier)."""

    keys: Mapping[tuple[int, int], VerifyingKey]
    verifier: Callable[[VerifyingKey, list[int], Proof], bool] | None = None

    def __call__(self, public: PortfolioValues, proof: Proof) -> bool:
        if not isinstance(public, PortfolioPublic):
            raise E.PublicInputError("a Portfolio proof's public values must be a PortfolioPublic")
        vk = self.keys.get((public.slots, public.assets))
        if vk is None or vk.n_public != len(public.to_list()):
            raise E.InvalidProofError(
                f"no verifying key for Portfolio with k = {public.slots}, m = {public.assets}"
            )
        if self.verifier is None:
            from zkcollat.groth16.verify import verify

            return bool(verify(vk, public.to_list(), proof))
        return self.verifier(vk, public.to_list(), proof)


def statement_check(
    keys: Mapping[tuple[int, int], VerifyingKey],
    verifier: Callable[[VerifyingKey, list[int], Proof], bool] | None = None,
) -> StatementCheck:
    """The :data:`PortfolioCheck` of the registry's Portfolio statement for ``keys``
    (``{(k, m): verifying key}``), see :class:`StatementCheck`."""
    return StatementCheck(dict(keys), verifier)


@dataclass(frozen=True)
class PortfolioCredit:
    id: int
    source_chain_id: int
    vault: str
    account: str
    root: int
    min_expiry: int
    valid_until: int
    assets: tuple[int, ...]
    thresholds: tuple[int, ...]
    lock_ids: tuple[int, ...]
    lock_assets: tuple[int, ...]  # the submitter's naming of each lock's asset (sizing only)
    credited_at: int
    status: str = "active"  # active | released | seizing | seized
    seized: tuple[int, ...] = ()  # per asset, base units the vault paid
    owed_e6: int = 0  # while seizing: value still to collect from the locks
    next_lock: int = 0  # while seizing: index of the next lock to ask for

    def lock_keys(self) -> list[CreditKey]:
        return [(self.source_chain_id, self.vault, i) for i in self.lock_ids]

    def counts_at(self, now: int) -> bool:
        return self.status == "active" and now < self.valid_until

    def seizable_at(self, now: int) -> bool:
        return self.status == "active" and now < self.min_expiry


def _uint(v: object, bound: int, name: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < bound:
        raise E.PublicInputError(f"{name} = {v!r} is not an integer in [0, {bound})")
    return v


def check_claim(claim: PortfolioClaim) -> None:
    """Ranges (PROTOCOL.md s.3), lockIds strictly increasing, assets distinct and aligned with
    thresholds, at least one lock and one positive threshold."""
    if isinstance(claim.root, bool) or not isinstance(claim.root, int):
        raise E.PublicInputError(f"root = {claim.root!r} is not an integer")
    try:
        check_fr(claim.root, "root")
    except ZkcollatError as e:
        raise E.PublicInputError(str(e)) from e
    _uint(claim.owner, U160, "owner")
    _uint(claim.destChainId, U64, "destChainId")
    _uint(claim.minExpiry, U64, "minExpiry")
    if len(claim.assetIds) != len(claim.thresholds) or not claim.assetIds:
        raise E.PublicInputError(
            f"{len(claim.assetIds)} assets and {len(claim.thresholds)} thresholds: one threshold "
            "per asset, at least one asset"
        )
    for j, (a, t) in enumerate(zip(claim.assetIds, claim.thresholds, strict=True)):
        _uint(a, U160, f"assets[{j}]")
        _uint(t, U128, f"thresholds[{j}]")
    if len(set(claim.assetIds)) != len(claim.assetIds):
        raise E.PublicInputError("an asset is listed twice in the portfolio")
    if not any(claim.thresholds):
        raise E.ZeroThresholdError("every threshold is 0: nothing to credit")
    if not claim.lockIds:
        raise E.PublicInputError("the portfolio names no lock")
    prev = -1
    for i, lid in enumerate(claim.lockIds):
        _uint(lid, U64, f"lockIds[{i}]")
        if lid <= prev:
            raise E.PublicInputError(
                f"lockIds must be strictly increasing: lockIds[{i}] = {lid} after {prev}"
            )
        prev = lid


def admit_portfolio(
    cfg: VenueConfig,
    registry: RootRegistry,
    check: PortfolioCheck | None,
    account: str,
    proof: Proof | Mapping[str, Any],
    public: PortfolioValues,
    lock_assets: Sequence[int],
    now: int,
    source: tuple[int | None, str | None],
    taken: Callable[[CreditKey], bool],
) -> PortfolioCredit:
    """Every rule of a portfolio credit; ``taken`` says whether a lock is credited already
    (singly or in a portfolio), inside the crediting transaction."""
    claim = claim_of(public)
    check_claim(claim)
    if claim.destChainId != cfg.chain_id:
        raise E.WrongDestinationError(
            f"proof destChainId = {claim.destChainId}; this venue is chain {cfg.chain_id}"
        )
    if claim.owner != int(account, 16):
        raise E.WrongOwnerError(
            f"proof owner = {claim.owner:#042x} is not the account credited {account}"
        )
    if isinstance(lock_assets, (str, bytes)) or len(lock_assets) != len(claim.lockIds):
        raise E.PublicInputError(
            f"name one asset per lock: {len(claim.lockIds)} locks, "
            f"{'?' if isinstance(lock_assets, (str, bytes)) else len(lock_assets)} assets"
        )
    for i, a in enumerate(lock_assets):
        if isinstance(a, bool) or not isinstance(a, int) or a not in claim.assetIds:
            raise E.PublicInputError(
                f"lock {claim.lockIds[i]}: asset {a!r} is not one of the portfolio's assets"
            )
    for a, t in zip(claim.assetIds, claim.thresholds, strict=True):
        if t and a not in lock_assets:
            raise E.PublicInputError(
                f"asset {a:#042x} has threshold {t} but no lock is named as holding it"
            )
    chain, vault = _resolve_source(registry, claim.root, *source)
    for a in claim.assetIds:
        if cfg.asset(chain, a) is None:
            raise E.UnknownAssetError(
                f"assetId {a:#042x} on source chain {chain} is not a listed collateral"
            )
    window = cfg.liquidation.liquidation_window_s
    valid_until = claim.minExpiry - window
    if valid_until <= now:
        raise E.ExpiryTooSoonError(
            f"minExpiry = {claim.minExpiry} leaves {claim.minExpiry - now}s; the liquidation "
            f"window needs more than {window}s"
        )
    for lid in claim.lockIds:
        if taken((chain, vault, lid)):
            raise E.LockAlreadyCreditedError(f"lock {chain}:{vault}:{lid} was already credited")
    if check is None:
        raise E.InvalidProofError("the venue has no verifier for Portfolio proofs configured")
    try:
        if not isinstance(proof, Proof):
            from zkcollat.formats.snarkjs import proof_from_json

            proof = proof_from_json(dict(proof))
        ok = check(public, proof)
    except ZkcollatError as e:
        raise E.InvalidProofError(f"proof rejected: {e}") from e
    if not ok:
        raise E.InvalidProofError("the Portfolio proof does not verify for these public values")
    return PortfolioCredit(
        0,  # the store numbers it inside the crediting transaction
        chain,
        vault,
        account,
        claim.root,
        claim.minExpiry,
        valid_until,
        claim.assetIds,
        claim.thresholds,
        claim.lockIds,
        tuple(lock_assets),
        now,
        seized=(0,) * len(claim.assetIds),
    )


def portfolio_value_e6(
    cfg: VenueConfig,
    p: PortfolioCredit,
    prices: Mapping[tuple[int, int], tuple[int, int]],
    latency_s: int,
) -> int:
    """sum over assets of T_j * price_j * (1 - haircut_j), each term rounded down; an asset
    without a price (or unlisted) is worth nothing."""
    total = 0
    for a, t in zip(p.assets, p.thresholds, strict=True):
        asset = cfg.asset(p.source_chain_id, a)
        price = prices.get((p.source_chain_id, a), (0, 0))[0]
        if asset is None or price <= 0 or t == 0:
            continue
        total += value_e6(
            t, price, asset.decimals, haircut_bps(asset, latency_s, cfg.latency.haircut_z)
        )
    return total


# --- rows ----------------------------------------------------------------------------------


def portfolio_to_row(p: PortfolioCredit) -> tuple[Any, ...]:
    return (
        p.id,
        str(p.source_chain_id),
        p.vault,
        p.account,
        f"{p.root:#066x}",
        str(p.min_expiry),
        str(p.valid_until),
        json.dumps(
            [
                [f"{a:#042x}", str(t), str(s)]
                for a, t, s in zip(p.assets, p.thresholds, p.seized, strict=True)
            ]
        ),
        json.dumps(
            [[str(i), f"{a:#042x}"] for i, a in zip(p.lock_ids, p.lock_assets, strict=True)]
        ),
        p.credited_at,
        p.status,
        str(p.owed_e6),
        p.next_lock,
    )


def portfolio_from_row(row: Sequence[Any]) -> PortfolioCredit:
    pid, chain, vault, acct, root, minexp, valid, assets, locks, at, status, owed, nxt = row
    a = json.loads(assets)
    lk = json.loads(locks)
    return PortfolioCredit(
        int(pid),
        int(chain),
        vault,
        acct,
        int(root, 16),
        int(minexp),
        int(valid),
        tuple(int(x[0], 16) for x in a),
        tuple(int(x[1]) for x in a),
        tuple(int(x[0]) for x in lk),
        tuple(int(x[1], 16) for x in lk),
        int(at),
        status,
        tuple(int(x[2]) for x in a),
        int(owed),
        int(nxt),
    )


def replace(p: PortfolioCredit, **kw: Any) -> PortfolioCredit:
    return dataclasses.replace(p, **kw)
