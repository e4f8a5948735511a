"""Attested vault roots (PROTOCOL.md s.6): EIP-712, secp256k1 signatures, committee, registry;
lock reports (docs/protocol.md s.9) signed by the same committee."""

from zkcollat.attest.attestation import (
    ROOT_ATTESTATION_TYPES,
    RootAttestation,
    SignedAttestation,
    sign_attestation,
    zkcollat_domain,
)
from zkcollat.attest.committee import Committee
from zkcollat.attest.eip712 import Domain, keccak256, normalize_address, typed_data_digest
from zkcollat.attest.lock_report import LockReport, SignedLockReport, sign_lock_report
from zkcollat.attest.registry import AcceptedRoot, RegistryConfig, RootRegistry
from zkcollat.attest.secp256k1 import PrivateKey, Signature, recover_address

__all__ = [
    "ROOT_ATTESTATION_TYPES",
    "AcceptedRoot",
    "Committee",
    "Domain",
    "LockReport",
    "PrivateKey",
    "RegistryConfig",
    "RootAttestation",
    "RootRegistry",
    "Signature",
    "SignedAttestation",
    "SignedLockReport",
    "keccak256",
    "normalize_address",
    "recover_address",
    "sign_attestation",
    "sign_lock_report",
    "typed_data_digest",
    "zkcollat_domain",
]
