"""``Release`` and ``Seize``: EIP-712 messages from the venue to a source vault (PROTOCOL.md s.7).

domain: name "zkcollat", version "1", chainId = sourceChainId, verifyingContract = vault, so a
message signed for one vault or chain is worthless at any other. Each names the lock
``(sourceChainId, vault, lockId)`` and carries an unordered nonce (each used once, none blocks
another) and a deadline after which the vault refuses it. There is no recipient: a seize pays
the recipient registered in the vault for this destination chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zkcollat.attest.attestation import zkcollat_domain
from zkcollat.attest.eip712 import Domain, Types, normalize_address, typed_data_digest
from zkcollat.attest.secp256k1 import PrivateKey, Signature, recover_address
from zkcollat.errors import EncodingError

RELEASE_TYPES: Types = {
    "Release": [
        ("sourceChainId", "uint256"),
        ("vault", "address"),
        ("lockId", "uint64"),
        ("nonce", "uint64"),
        ("deadline", "uint64"),
    ]
}
SEIZE_TYPES: Types = {
    "Seize": [
        ("sourceChainId", "uint256"),
        ("vault", "address"),
        ("lockId", "uint64"),
        ("amount", "uint256"),
        ("nonce", "uint64"),
        ("deadline", "uint64"),
    ]
}


def _uint(v: object, bits: int, name: str) -> None:
    if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < 2**bits:
        raise EncodingError(f"{name} = {v!r} is not a uint{bits}")


@dataclass(frozen=True)
class Release:
    source_chain_id: int
    vault: str
    lock_id: int
    nonce: int
    deadline: int

    kind = "Release"

    def __post_init__(self) -> None:
        object.__setattr__(self, "vault", normalize_address(self.vault, "vault"))
        _uint(self.source_chain_id, 256, "sourceChainId")
        for n in ("lock_id", "nonce", "deadline"):
            _uint(getattr(self, n), 64, n)

    def domain(self) -> Domain:
        return zkcollat_domain(self.source_chain_id, self.vault)

    def message(self) -> dict[str, Any]:
        return {
            "sourceChainId": self.source_chain_id,
            "vault": self.vault,
            "lockId": self.lock_id,
            "nonce": self.nonce,
            "deadline": self.deadline,
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
    nonce: int
    deadline: int

    kind = "Seize"

    def __post_init__(self) -> None:
        object.__setattr__(self, "vault", normalize_address(self.vault, "vault"))
        _uint(self.source_chain_id, 256, "sourceChainId")
        _uint(self.amount, 256, "amount")
        for n in ("lock_id", "nonce", "deadline"):
            _uint(getattr(self, n), 64, n)

    def domain(self) -> Domain:
        return zkcollat_domain(self.source_chain_id, self.vault)

    def message(self) -> dict[str, Any]:
        return {
            "sourceChainId": self.source_chain_id,
            "vault": self.vault,
            "lockId": self.lock_id,
            "amount": self.amount,
            "nonce": self.nonce,
            "deadline": self.deadline,
        }

    def digest(self) -> bytes:
        return typed_data_digest(self.domain().separator(), "Seize", self.message(), SEIZE_TYPES)


VaultMessage = Release | Seize


@dataclass(frozen=True)
class OutboxEntry:
    """A signed message waiting for (or handed to) the relayer; ``executed_at`` is set when
    the source chain reports the message executed (a seize's value is booked then)."""

    id: int
    message: VaultMessage
    signature: bytes
    created_at: int
    sent_at: int | None = None
    executed_at: int | None = None

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
            "executed_at": self.executed_at,
        }


def sign_message(key: PrivateKey, message: VaultMessage) -> bytes:
    return key.sign_digest(message.digest()).to_bytes()
