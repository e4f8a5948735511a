"""zkcollat as a library: the names a relayer or a venue imports.

Everything exported here is typed, documented and kept stable; anything not exported here is
internal and may change. The command line (``zkcollat ...``) is built on the same functions.

A relayer proves that a lock of its vault is worth at least a threshold until at least a time,
for the account and chain that will credit it::

    from zkcollat import api

    vault = api.Vault.open("vault.sqlite")
    pk = api.load_proving_key("proving_key.zkpk")
    proof, public = api.prove_lock(
        vault, 7, threshold=8 * 10**18, min_expiry=1_890_000_000,
        pk=pk, dest_chain_id=42161, owner=0xA11CE,
    )
    api.write_proof("proof.json", "public.json", proof, public)

A committee member signs the vault's root for the execution side's registry, and the venue
accepts it, checks the proof and credits the lock::

    signed = api.attest(
        api.RootAttestation(source_chain_id=1, vault="0x...11", block_number=101,
                            root=vault.root_at(3), timestamp=1_795_323_374),
        chain_id=42161, registry="0x...ab", keys=[member_key],
    )
    api.accept_root(venue.registry, signed, now=now)
    vk = api.load_verifying_key("verification_key.json")
    proof, public = api.read_proof("proof.json", "public.json")
    if api.verify(vk, public, proof):
        credit = api.credit(venue, "0x...0a11ce", proof, public, now=now)

Many proofs of one key are checked at once with :func:`verify_batch`, which names every
invalid one with its reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

from zkcollat.attest.attestation import (
    RootAttestation,
    SignedAttestation,
    sign_attestation,
    zkcollat_domain,
)
from zkcollat.attest.committee import Committee
from zkcollat.attest.lock_report import LockReport, SignedLockReport, sign_lock_report
from zkcollat.attest.registry import AcceptedRoot, RegistryConfig, RootRegistry
from zkcollat.attest.secp256k1 import PrivateKey
from zkcollat.errors import (
    AttestationError,
    CreditError,
    InputError,
    ProvingError,
    VaultError,
    VerificationError,
    ZkcollatError,
)
from zkcollat.formats import pkey
from zkcollat.formats.snarkjs import (
    proof_from_json,
    proof_to_json,
    read_json,
    vk_from_json,
    write_json_atomic,
)
from zkcollat.groth16.keys import Proof, ProvingKey, VerifyingKey
from zkcollat.groth16.verify import BatchResult
from zkcollat.groth16.verify import verify as _groth16_verify
from zkcollat.groth16.verify import verify_batch as _groth16_verify_batch
from zkcollat.groth16.verify import verify_or_raise as _groth16_verify_or_raise
from zkcollat.margin.collateral import Credit
from zkcollat.margin.config import VenueConfig
from zkcollat.margin.messages import Release, Seize
from zkcollat.margin.provisional import ProvisionalCredit
from zkcollat.margin.venue import Venue
from zkcollat.relayer.portfolio import portfolio_public, prove_portfolio
from zkcollat.relayer.prover import prove_lock
from zkcollat.statements import (
    STATEMENTS,
    BalanceThresholdPublic,
    CollateralLockPublic,
    MerkleInclusionPublic,
    PortfolioPublic,
    PublicInputs,
)
from zkcollat.vault.lock import Lock
from zkcollat.vault.vault import Vault

PathLike = str | os.PathLike[str]

# --- keys and files -------------------------------------------------------------------------


def load_proving_key(path: PathLike) -> ProvingKey:
    """A ``.zkpk`` proving key; a development key (no ceremony) warns when it loads."""
    return pkey.load(path)


def load_verifying_key(path: PathLike) -> VerifyingKey:
    """A snarkjs ``verification_key.json``, fully validated (points on their curves)."""
    return vk_from_json(read_json(path, "verification key"))


def read_proof(proof_path: PathLike, public_path: PathLike) -> tuple[Proof, CollateralLockPublic]:
    """A CollateralLock ``proof.json`` and its ``public.json``, parsed and range-checked."""
    proof = proof_from_json(read_json(proof_path, "proof"))
    public = CollateralLockPublic.from_json(read_json(public_path, "public signals"))
    return proof, public


def write_proof(
    proof_path: PathLike, public_path: PathLike, proof: Proof, public: PublicInputs
) -> None:
    """Write ``proof.json`` and ``public.json`` (snarkjs's schemas; each file written whole)."""
    write_json_atomic(proof_path, proof_to_json(proof))
    write_json_atomic(public_path, public.to_json())


# --- relayer: prove ---------------------------------------------------------------------------
# prove_lock is zkcollat.relayer.prover.prove_lock, exported as it is.

# --- verify -----------------------------------------------------------------------------------


def _signals(public: PublicInputs | Sequence[int]) -> Sequence[int]:
    return public.to_list() if isinstance(public, PublicInputs) else public


def verify(vk: VerifyingKey, public: PublicInputs | Sequence[int], proof: Proof) -> bool:
    """True iff ``proof`` is a valid Groth16 proof of ``public`` under ``vk``.

    Every rejection rule of the protocol applies (input count, inputs below r, points on their
    curves, G2 in its subgroup); anything malformed is simply invalid.
    """
    return _groth16_verify(vk, _signals(public), proof)


def verify_or_raise(vk: VerifyingKey, public: PublicInputs | Sequence[int], proof: Proof) -> None:
    """Like :func:`verify`, but raise :class:`VerificationError` saying why a proof is rejected."""
    _groth16_verify_or_raise(vk, _signals(public), proof)


def verify_batch(
    vk: VerifyingKey, items: Sequence[tuple[PublicInputs | Sequence[int], Proof]]
) -> BatchResult:
    """Check many ``(public, proof)`` pairs of one key together; ``invalid`` of the result names
    each invalid proof by its index with the reason :func:`verify_or_raise` would give (a
    malformed item is invalid, never an exception). Same verdicts as :func:`verify` one by one,
    at a fraction of the cost on the native backend (one random linear combination)."""
    return _groth16_verify_batch(vk, [_plain_item(item) for item in items])


def _plain_item(item: object) -> Any:
    """``(public, proof)`` with typed public inputs as their list; anything else unchanged (the
    batch verifier judges a malformed item)."""
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], PublicInputs):
        return (item[0].to_list(), item[1])
    return item


# --- committee: attest ------------------------------------------------------------------------


def attest(
    attestation: RootAttestation,
    *,
    chain_id: int,
    registry: str,
    keys: Iterable[PrivateKey],
) -> SignedAttestation:
    """Sign a vault root for the root registry ``registry`` on execution chain ``chain_id``
    (EIP-712, one low-s signature per key). Append others' signatures to reach the threshold."""
    return sign_attestation(attestation, zkcollat_domain(chain_id, registry), keys)


def accept_root(registry: RootRegistry, signed: SignedAttestation, *, now: int) -> AcceptedRoot:
    """Submit a signed attestation to the execution side's registry; refused (an
    :class:`AttestationError` naming the rule) below threshold, for another domain or vault,
    for a zero root or a block number that does not increase."""
    return registry.submit(signed, now=now)


def sign_report(
    report: LockReport,
    *,
    chain_id: int,
    registry: str,
    keys: Iterable[PrivateKey],
) -> SignedLockReport:
    """Sign a lock report (optimistic credit, docs/protocol.md s.9) in the same domain as roots
    (another EIP-712 type: a root signature is never a report signature)."""
    return sign_lock_report(report, zkcollat_domain(chain_id, registry), keys)


def report_lock(venue: Venue, signed: SignedLockReport, *, now: int) -> ProvisionalCredit:
    """Count a signed lock report as provisional credit of the lock's owner, capped and until
    its proof arrives or its verification window ends; refused (an :class:`AttestationError` or
    a :class:`CreditError` naming the rule) below the committee threshold, for another domain,
    vault, chain or asset, or for a lock already reported or credited."""
    return venue.report_lock(signed, now=now)


# --- venue: credit ----------------------------------------------------------------------------


def credit(
    venue: Venue,
    account: str,
    proof: Proof,
    public: CollateralLockPublic,
    *,
    now: int,
    source_chain_id: int | None = None,
    vault: str | None = None,
) -> Credit:
    """Credit a proven lock to ``account`` as margin collateral: ``threshold`` valued at the
    current price less the haircut, once per (sourceChainId, vault, lockId). Refused (a
    :class:`CreditError` naming the rule) for another chain or account, an unaccepted root, a
    lock already credited, an expiry inside the liquidation window, or an invalid proof."""
    return venue.credit(
        account, proof, public.to_list(), now=now, source_chain_id=source_chain_id, vault=vault
    )


__all__ = [
    "STATEMENTS",
    "AcceptedRoot",
    "BatchResult",
    "AttestationError",
    "BalanceThresholdPublic",
    "CollateralLockPublic",
    "Committee",
    "Credit",
    "CreditError",
    "InputError",
    "Lock",
    "LockReport",
    "MerkleInclusionPublic",
    "PortfolioPublic",
    "PrivateKey",
    "Proof",
    "ProvingError",
    "ProvingKey",
    "ProvisionalCredit",
    "PublicInputs",
    "RegistryConfig",
    "Release",
    "RootAttestation",
    "RootRegistry",
    "Seize",
    "SignedAttestation",
    "SignedLockReport",
    "Vault",
    "VaultError",
    "Venue",
    "VenueConfig",
    "VerificationError",
    "VerifyingKey",
    "ZkcollatError",
    "accept_root",
    "attest",
    "credit",
    "load_proving_key",
    "load_verifying_key",
    "portfolio_public",
    "prove_lock",
    "prove_portfolio",
    "report_lock",
    "read_proof",
    "sign_report",
    "verify",
    "verify_batch",
    "verify_or_raise",
    "write_proof",
]
