"""``Release`` and ``Seize``: EIP-712 messages from the venue to a source vault (PROTOCOL.md s.7).

domain: name "zkcollat", version "1", chainId = sourceChainId, verifyingContract = vault, so a
message signed for one vault or chain is worthless at any other. Each names the lock
``(sourceChainId, vault, lockId)`` and carries a nonce (per vault, increasing from 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zkcollat.attest.attestation import zkcollat_domain
from zkcollat.attest.eip712 import Domain, Types, normalize_address, typed_data_digest
from zkcollat.attest.secp256k1 import PrivateKey, Signature, recover_address

RELEASE_TYPES: Types = {
    "Release": [
        ("sourceChainId", "uint256"),
        ("vault", "address"),
        ("lockId", "uint64"),
        ("nonce", "uint64"),
    ]
}
SEIZE_TYPES: Types = {
    "Seize": [
        ("sourceChainId", "uint256"),
        ("vault", "address"),
        ("lockId", "uint64"),
        ("amount", "uint256"),
        ("recipient", "address"),
        ("nonce", "uint64"),
    ]
}


@dataclass(frozen=True)
class Release:
    source_chain_id: int
    vault: str
    lock_id: int
    nonce: int

    kind = "Release"

    def __post_init__(self) -> None:
        object.__setattr__(self, "vault", normalize_address(self.vault, "vault"))

    def domain(self) -> Domain:
        return zkcollat_domain(self.source_chain_id, self.vault)

    def message(self) -> dict[str, Any]:
        return {
            "sourceChainId": self.source_chain_id,
            "vault": self.vault,
            "lockId": self.lock_id,
            "nonce": self.nonce,
        }

    def digest(self) -> bytes:
        return typed_data_digest(
            self.domain().separator(), "Release", self.message(), RELEASE_TYPES
        )


@dataclass(frozen=True)
class Seize:
    source_chain_id: int
    vault: str
    lock_id: int
    amount: int
    recipient: str
    nonce: int

    kind = "Seize"

    def __post_init__(self) -> None:
        object.__setattr__(self, "vault", normalize_address(self.vault, "vault"))
        object.__setattr__(self, "recipient", normalize_address(self.recipient, "recipient"))

    def domain(self) -> Domain:
        return zkcollat_domain(self.source_chain_id, self.vault)

    def message(self) -> dict[str, Any]:
        return {
            "sourceChainId": self.source_chain_id,
            "vault": self.vault,
            "lockId": self.lock_id,
            "amount": self.amount,
            "recipient": self.recipient,
            "nonce": self.nonce,
        }

    def digest(self) -> bytes:
        return typed_data_digest(self.domain().separator(), "Seize", self.message(), SEIZE_TYPES)


VaultMessage = Release | Seize


@dataclass(frozen=True)
class OutboxEntry:
    """A signed message waiting for (or handed to) the relayer."""

    id: int
    message: VaultMessage
    signature: bytes
    created_at: int
    sent_at: int | None = None

    @property
    def signer(self) -> str:
        return recover_address(self.message.digest(), Signature.from_bytes(self.signature))

    def to_json(self) -> dict[str, Any]:
        msg = {k: (str(v) if isinstance(v, int) else v) for k, v in self.message.message().items()}
        return {
            "id": self.id,
            "type": self.message.kind,
            "message": msg,
            "domain": {
                "name": "zkcollat",
                "version": "1",
                "chainId": str(self.message.source_chain_id),
                "verifyingContract": self.message.vault,
            },
            "digest": "0x" + self.message.digest().hex(),
            "signature": "0x" + self.signature.hex(),
        }


def sign_message(key: PrivateKey, message: VaultMessage) -> bytes:
    return key.sign_digest(message.digest()).to_bytes()
