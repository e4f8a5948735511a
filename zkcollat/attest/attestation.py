"""``RootAttestation`` (PROTOCOL.md s.6): its EIP-712 digest, signing, and the signed bundle.

The domain is ``name "zkcollat", version "1", chainId = the execution chain,
verifyingContract = the execution side's root registry`` (the zero address off chain), so a
signature made for one execution chain or registry never counts for another.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from zkcollat.attest.eip712 import ZERO_ADDRESS, Domain, Types, normalize_address, typed_data_digest
from zkcollat.attest.secp256k1 import PrivateKey, Signature
from zkcollat.errors import EncodingError

DOMAIN_NAME = "zkcollat"
DOMAIN_VERSION = "1"

ROOT_ATTESTATION_TYPES: Types = {
    "RootAttestation": [
        ("sourceChainId", "uint256"),
        ("vault", "address"),
        ("blockNumber", "uint64"),
        ("root", "bytes32"),
        ("timestamp", "uint64"),
    ]
}


def zkcollat_domain(chain_id: int, verifying_contract: str = ZERO_ADDRESS) -> Domain:
    return Domain(DOMAIN_NAME, DOMAIN_VERSION, chain_id, verifying_contract)


def _uint(value: object, bits: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**bits:
        raise EncodingError(f"{name} = {value!r} is not a uint{bits}")
    return value


@dataclass(frozen=True)
class RootAttestation:
    """A committee statement: vault ``vault`` on ``source_chain_id`` had ``root`` at a block."""

    source_chain_id: int
    vault: str
    block_number: int
    root: int  # the Poseidon root as an integer; encoded as bytes32 big-endian
    timestamp: int  # unix seconds of the source block

    def __post_init__(self) -> None:
        _uint(self.source_chain_id, 256, "sourceChainId")
        object.__setattr__(self, "vault", normalize_address(self.vault, "vault"))
        _uint(self.block_number, 64, "blockNumber")
        _uint(self.root, 256, "root")
        _uint(self.timestamp, 64, "timestamp")

    def message(self) -> dict[str, Any]:
        return {
            "sourceChainId": self.source_chain_id,
            "vault": self.vault,
            "blockNumber": self.block_number,
            "root": self.root.to_bytes(32, "big"),
            "timestamp": self.timestamp,
        }

    def digest(self, domain: Domain) -> bytes:
        return typed_data_digest(
            domain.separator(), "RootAttestation", self.message(), ROOT_ATTESTATION_TYPES
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "sourceChainId": str(self.source_chain_id),
            "vault": self.vault,
            "blockNumber": str(self.block_number),
            "root": "0x" + self.root.to_bytes(32, "big").hex(),
            "timestamp": str(self.timestamp),
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> RootAttestation:
        try:
            return cls(
                int(d["sourceChainId"]),
                d["vault"],
                int(d["blockNumber"]),
                int(d["root"], 16) if isinstance(d["root"], str) else int(d["root"]),
                int(d["timestamp"]),
            )
        except (KeyError, TypeError, ValueError) as e:
            raise EncodingError(f"malformed RootAttestation JSON: {e}") from e


@dataclass(frozen=True)
class SignedAttestation:
    """What a relayer submits: the attestation, the domain its signers signed, the signatures."""

    attestation: RootAttestation
    domain: Domain
    signatures: tuple[bytes, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "attestation": self.attestation.to_json(),
            "domain": {
                "chainId": str(self.domain.chain_id),
                "verifyingContract": self.domain.verifying_contract,
            },
            "signatures": ["0x" + s.hex() for s in self.signatures],
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> SignedAttestation:
        try:
            dom = d["domain"]
            sigs = tuple(bytes.fromhex(s[2:] if s.startswith("0x") else s) for s in d["signatures"])
            return cls(
                RootAttestation.from_json(d["attestation"]),
                zkcollat_domain(int(dom["chainId"]), dom["verifyingContract"]),
                sigs,
            )
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise EncodingError(f"malformed signed attestation JSON: {e}") from e


def sign_attestation(
    attestation: RootAttestation, domain: Domain, keys: Iterable[PrivateKey]
) -> SignedAttestation:
    digest = attestation.digest(domain)
    sigs = tuple(k.sign_digest(digest).to_bytes() for k in keys)
    return SignedAttestation(attestation, domain, sigs)


def with_signatures(
    signed: SignedAttestation, signatures: Sequence[bytes | Signature]
) -> SignedAttestation:
    raw = tuple(s.to_bytes() if isinstance(s, Signature) else s for s in signatures)
    return SignedAttestation(signed.attestation, signed.domain, raw)
