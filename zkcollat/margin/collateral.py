"""Collateral credits and their value (PROTOCOL.md s.7).

value = threshold * price * (1 - haircut), haircut = base + z * sigma * sqrt(L / year),
L = max(relay + source finality + execution from config, relay latency observed on recent
attestations). The add-on is the move the asset can make, at z standard deviations, while a
liquidation travels to the source chain and settles there.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from zkcollat.attest.eip712 import normalize_address
from zkcollat.attest.registry import RootRegistry
from zkcollat.errors import EncodingError, ZkcollatError
from zkcollat.field import check_fr
from zkcollat.groth16.keys import Proof, VerifyingKey
from zkcollat.margin import errors as E
from zkcollat.margin.config import BPS, AssetConfig, VenueConfig
from zkcollat.margin.pricing import E6, E8, YEAR_S, bps_ceil
from zkcollat.statements import CollateralLockPublic

CreditKey = tuple[int, str, int]  # (sourceChainId, vault, lockId)


@dataclass(frozen=True)
class Credit:
    source_chain_id: int
    vault: str
    lock_id: int
    account: str
    asset_id: int
    threshold: int  # asset base units: the credited quantity, never more
    min_expiry: int
    valid_until: int  # minExpiry - liquidationWindow: the credit counts until then
    root: int
    credited_at: int
    status: str = "active"  # active | released | seized
    seized_amount: int = 0

    @property
    def key(self) -> CreditKey:
        return self.source_chain_id, self.vault, self.lock_id

    def counts_at(self, now: int) -> bool:
        return self.status == "active" and now < self.valid_until

    def seizable_at(self, now: int) -> bool:
        """The lock stays frozen on the source chain until minExpiry: seize until then."""
        return self.status == "active" and now < self.min_expiry


def haircut_bps(asset: AssetConfig, latency_s: int, z: float) -> int:
    """Base haircut plus the latency add-on, in bps rounded up, at most 100%."""
    addon = z * (asset.sigma_bps / BPS) * math.sqrt(max(0, latency_s) / YEAR_S)
    return min(BPS, asset.base_haircut_bps + bps_ceil(addon))


def value_e6(amount: int, price_e8: int, decimals: int, haircut: int) -> int:
    """amount base units * price (quote per whole token, 1e-8) * (1 - haircut), in 1e-6 quote,
    rounded down. Integer arithmetic throughout."""
    scale: int = 10**decimals * E8 * BPS
    return amount * price_e8 * (BPS - haircut) * E6 // scale


def units_for_value(value_e6_needed: int, price_e8: int, decimals: int, haircut: int) -> int:
    """The fewest base units whose haircut value (as :func:`value_e6`) reaches the amount."""
    if value_e6_needed <= 0:
        return 0
    per = price_e8 * (BPS - haircut) * E6
    if per == 0:
        return 2**256  # worthless at this haircut: no amount suffices
    den: int = 10**decimals * E8 * BPS
    return -(-value_e6_needed * den // per)


# --- admitting a credit (PROTOCOL.md s.7) -----------------------------------------------------

#: ``(vk, public, proof) -> bool``: the Groth16 check a venue runs on a credit.
Verifier = Callable[[VerifyingKey, list[int], Proof], bool]
#: CollateralLock's public inputs, in circuit order (the statement registry's declaration).
PUBLIC_NAMES = CollateralLockPublic.names()


def verify_collateral_proof(vk: VerifyingKey, public: list[int], proof: Proof) -> bool:
    """The venue's one call into the Python Groth16 verifier."""
    from zkcollat.groth16.verify import verify

    return bool(verify(vk, public, proof))


def parse_public(public: Sequence[int | str]) -> list[int]:
    n = len(PUBLIC_NAMES)
    if isinstance(public, (str, bytes)) or len(public) != n:
        got = "?" if isinstance(public, (str, bytes)) else len(public)
        raise E.PublicInputError(
            f"CollateralLock has {n} public inputs ({', '.join(PUBLIC_NAMES)}); got {got}"
        )
    out = []
    for name, v in zip(PUBLIC_NAMES, public, strict=True):
        x = int(v) if isinstance(v, str) and v.isdigit() and len(v) <= 78 else v
        if not isinstance(x, int) or isinstance(x, bool):
            raise E.PublicInputError(f"public input {name} = {v!r} is not an integer")
        try:
            out.append(check_fr(x, f"public input {name}"))
        except ZkcollatError as e:
            raise E.PublicInputError(str(e)) from e
    return out


def admit(
    cfg: VenueConfig,
    registry: RootRegistry,
    verifier: Verifier,
    account: str,
    proof: Proof | Mapping[str, Any],
    public: Sequence[int | str],
    now: int,
    source: tuple[int | None, str | None],
    already: Callable[[CreditKey], bool],
) -> Credit:
    """Every rule of a credit except "at most once" inside the transaction (``already``)."""
    root, dest, owner, asset_id, lock_id, threshold, min_expiry = parse_public(public)
    if dest != cfg.chain_id:
        raise E.WrongDestinationError(
            f"proof destChainId = {dest}; this venue is chain {cfg.chain_id}"
        )
    if owner != int(account, 16):
        raise E.WrongOwnerError(
            f"proof owner = {owner:#042x} is not the account credited {account}"
        )
    if lock_id >= 2**64 or min_expiry >= 2**64 or threshold >= 2**128:
        raise E.PublicInputError(
            "lockId and minExpiry must be < 2^64 and threshold < 2^128 (PROTOCOL.md s.3)"
        )
    if threshold == 0:
        raise E.ZeroThresholdError(f"lock {lock_id}: threshold is 0, nothing to credit")
    chain, vault = _resolve_source(registry, root, *source)
    if cfg.asset(chain, asset_id) is None:
        raise E.UnknownAssetError(
            f"assetId {asset_id:#042x} on source chain {chain} is not a listed collateral"
        )
    window = cfg.liquidation.liquidation_window_s
    valid_until = min_expiry - window
    if valid_until <= now:
        raise E.ExpiryTooSoonError(
            f"minExpiry = {min_expiry} leaves {min_expiry - now}s; the liquidation window "
            f"needs more than {window}s"
        )
    key = (chain, vault, lock_id)
    if already(key):
        raise E.LockAlreadyCreditedError(f"lock {chain}:{vault}:{lock_id} was already credited")
    vals = [root, dest, owner, asset_id, lock_id, threshold, min_expiry]
    vk = cfg.verifying_key
    if vk is None or vk.n_public != len(PUBLIC_NAMES):
        raise E.InvalidProofError("the venue has no verifying key for CollateralLock configured")
    try:
        if not isinstance(proof, Proof):
            from zkcollat.formats.snarkjs import proof_from_json

            proof = proof_from_json(dict(proof))
        ok = verifier(vk, vals, proof)
    except ZkcollatError as e:
        raise E.InvalidProofError(f"proof rejected: {e}") from e
    if not ok:
        raise E.InvalidProofError("the Groth16 proof does not verify for these public inputs")
    return Credit(
        chain, vault, lock_id, account, asset_id, threshold, min_expiry, valid_until, root, now
    )


def _resolve_source(
    registry: RootRegistry, root: int, chain: int | None, vault: str | None
) -> tuple[int, str]:
    if chain is None and vault is None:
        found = registry.vaults_with_root(root)
        if not found:
            raise E.RootNotAcceptedError(f"root {root:#066x} is not an accepted root of any vault")
        if len(found) > 1:
            raise E.AmbiguousRootError(
                f"root {root:#066x} is accepted for {len(found)} vaults; name the source vault"
            )
        return found[0]
    if chain is None or vault is None:
        raise E.AmbiguousRootError("give both source_chain_id and vault, or neither")
    try:
        vlt = normalize_address(vault, "vault")
    except EncodingError as e:
        raise E.PublicInputError(str(e)) from e
    if not registry.is_accepted(chain, vlt, root):
        raise E.RootNotAcceptedError(
            f"root {root:#066x} is not an accepted root of vault {vlt} on chain {chain}"
        )
    return chain, vlt


def credit_to_row(c: Credit) -> tuple[Any, ...]:
    return (
        str(c.source_chain_id),
        c.vault,
        str(c.lock_id),
        c.account,
        f"{c.asset_id:#042x}",
        str(c.threshold),
        str(c.min_expiry),
        str(c.valid_until),
        f"{c.root:#066x}",
        c.credited_at,
        c.status,
        str(c.seized_amount),
    )


def credit_from_row(row: Sequence[Any]) -> Credit:
    chain, vault, lock, acct, asset, thr, minexp, valid, root, at, status, seized = row
    return Credit(
        int(chain),
        vault,
        int(lock),
        acct,
        int(asset, 16),
        int(thr),
        int(minexp),
        int(valid),
        int(root, 16),
        int(at),
        status,
        int(seized),
    )
