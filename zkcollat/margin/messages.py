"""``Release`` and ``Seize``: EIP-712 messages from the venue to a source vault (PROTOCOL.md s.7).

domain: name "zkcollat", version "1", chainId = sourceChainId, verifyingContract = vault, so a
message signed for one vault or chain is worthless at any other. Each names the lock
``(sourceChainId, vault, lockId)`` and carries an unordered nonce (each used once, none blocks
another) and a deadline after which the vault refuses it. There is no recipient: a seize pays
the recipient registered in the vault for this destination chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

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


# the EIP-712 field names of both messages, by the attribute that holds each
_ATTRS = {
    "sourceChainId": "source_chain_id",
    "vault": "vault",
    "lockId": "lock_id",
    "amount": "amount",
    "nonce": "nonce",
    "deadline": "deadline",
}


class _LockMessage:
    """What ``Release`` and ``Seize`` share: the checks, the domain, the message and digest."""

    kind: ClassVar[str]
    types: ClassVar[Types]
    source_chain_id: int
    vault: str

    def _check(self, *uint256: str) -> None:
        object.__setattr__(self, "vault", normalize_address(self.vault, "vault"))
        _uint(self.source_chain_id, 256, "sourceChainId")
        for n in uint256:
            _uint(getattr(self, n), 256, n)
        for n in ("lock_id", "nonce", "deadline"):
            _uint(getattr(self, n), 64, n)

    def domain(self) -> Domain:
        return zkcollat_domain(self.source_chain_id, self.vault)

    def message(self) -> dict[str, Any]:
        return {f: getattr(self, _ATTRS[f]) for f, _ in self.types[self.kind]}

    def digest(self) -> bytes:
        return typed_data_digest(self.domain().separator(), self.kind, self.message(), self.types)


@dataclass(frozen=True)
class Release(_LockMessage):
    source_chain_id: int
    vault: str
    lock_id: int
    nonce: int
    deadline: int

    kind = "Release"
    types = RELEASE_TYPES

    def __post_init__(self) -> None:
        self._check()


@dataclass(frozen=True)
class Seize(_LockMessage):
    source_chain_id: int
    vault: str
    lock_id: int
    amount: int
    nonce: int
    deadline: int

    kind = "Seize"
    types = SEIZE_TYPES

    def __post_init__(self) -> None:
        self._check("amount")


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
