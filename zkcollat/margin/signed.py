"""What only an account may ask for: orders, cancels, withdrawals and release requests, each an
EIP-712 message signed by the account's secp256k1 key (the address a lock names as owner).

domain: name "zkcollat", version "1", chainId = the execution chain, verifyingContract = the
venue's address (``venue_address`` in the config; the zero address off chain).

    Order(address account,string instrument,bool buy,uint64 sizeLots,uint256 priceE8,
          bool market,bool ioc,bool postOnly,bool reduceOnly,uint64 nonce,uint64 expiry)
    Cancel(address account,uint64 orderNonce,uint64 nonce,uint64 expiry)
    Withdraw(address account,uint256 amountE6,uint64 nonce,uint64 expiry)
    ReleaseRequest(address account,uint256 sourceChainId,address vault,uint64 lockId,
                   uint64 nonce,uint64 expiry)

Nonces are unordered, one space per account shared by all four kinds: each is used once. An
order is named by its account and nonce. ``expiry`` is the last second the venue accepts it.

Verifying recovers the signer's key with libsecp256k1 (``coincurve``); without it, the first
signature of an account is recovered in pure Python (~6 ms) and later ones are checked against
the remembered public key with OpenSSL.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, fields
from typing import Any, ClassVar

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils

from zkcollat.attest.attestation import zkcollat_domain
from zkcollat.attest.eip712 import (
    Domain,
    Types,
    keccak256,
    normalize_address,
    type_hash,
    typed_data_digest,
)
from zkcollat.attest.secp256k1 import (
    PrivateKey,
    Signature,
    SignatureError,
    check_signature,
    public_key_to_address,
    recover_public_key,
)
from zkcollat.errors import EncodingError
from zkcollat.margin.errors import SignedMessageError

_coincurve: Any
try:  # libsecp256k1 when installed (a dependency); OpenSSL with a key cache otherwise
    import coincurve as _coincurve
except ImportError:  # pragma: no cover
    _coincurve = None

_CAMEL = {
    "size_lots": "sizeLots",
    "price_e8": "priceE8",
    "post_only": "postOnly",
    "reduce_only": "reduceOnly",
    "order_nonce": "orderNonce",
    "amount_e6": "amountE6",
    "source_chain_id": "sourceChainId",
    "lock_id": "lockId",
}
_BITS = {"uint64": 64, "uint256": 256}


class _Signed:
    """Shared by the four message kinds: field checks, the EIP-712 message and digest."""

    primary: ClassVar[str]
    eip712: ClassVar[list[tuple[str, str]]]
    account: str
    nonce: int
    expiry: int

    def _check(self) -> None:
        try:
            object.__setattr__(self, "account", normalize_address(self.account, "account"))
            if hasattr(self, "vault"):
                object.__setattr__(self, "vault", normalize_address(self.vault, "vault"))
        except EncodingError as e:
            raise SignedMessageError(str(e)) from e
        for name, t in self.eip712:
            v = getattr(self, _py(name))
            if t == "bool" and not isinstance(v, bool):
                raise SignedMessageError(f"{self.primary}.{name} = {v!r} is not a bool")
            if t in _BITS and (
                isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < 2 ** _BITS[t]
            ):
                raise SignedMessageError(f"{self.primary}.{name} = {v!r} is not a {t}")
            if t == "string" and not isinstance(v, str):
                raise SignedMessageError(f"{self.primary}.{name} = {v!r} is not a string")

    def message(self) -> dict[str, Any]:
        return {name: getattr(self, _py(name)) for name, _ in self.eip712}

    def digest(self, domain: Domain) -> bytes:
        """The EIP-712 digest; the same as ``typed_data_digest`` (a test checks it), with the
        type hash and the domain separator computed once."""
        body = b"".join(_word(t, getattr(self, _py(n))) for n, t in self.eip712)
        struct = keccak256(_type_hash(self.primary, tuple(self.eip712)) + body)
        return keccak256(b"\x19\x01" + _separator(domain) + struct)

    def digest_generic(self, domain: Domain) -> bytes:
        types: Types = {self.primary: self.eip712}
        return typed_data_digest(domain.separator(), self.primary, self.message(), types)

    def to_json(self) -> dict[str, Any]:
        return {
            k: (str(v) if isinstance(v, int) and not isinstance(v, bool) else v)
            for k, v in self.message().items()
        }


@functools.cache
def _type_hash(primary: str, fields_: tuple[tuple[str, str], ...]) -> bytes:
    return type_hash(primary, {primary: list(fields_)})


@functools.lru_cache(maxsize=64)
def _separator(domain: Domain) -> bytes:
    return domain.separator()


def _word(t: str, v: Any) -> bytes:
    """One encoded field of the four message types (values already checked)."""
    if t == "address":
        return int(v, 16).to_bytes(32, "big")
    if t == "string":
        return keccak256(v.encode("utf-8"))
    if t == "bool":
        return (1 if v else 0).to_bytes(32, "big")
    return int(v).to_bytes(32, "big")


_PY = {v: k for k, v in _CAMEL.items()}


def _py(camel: str) -> str:
    return _PY.get(camel, camel)


@dataclass(frozen=True)
class Order(_Signed):
    account: str
    instrument: str
    buy: bool
    size_lots: int
    price_e8: int  # the limit; 0 for a market order (the venue's protection band applies)
    market: bool
    ioc: bool
    post_only: bool
    reduce_only: bool
    nonce: int
    expiry: int

    primary = "Order"
    eip712 = [
        ("account", "address"),
        ("instrument", "string"),
        ("buy", "bool"),
        ("sizeLots", "uint64"),
        ("priceE8", "uint256"),
        ("market", "bool"),
        ("ioc", "bool"),
        ("postOnly", "bool"),
        ("reduceOnly", "bool"),
        ("nonce", "uint64"),
        ("expiry", "uint64"),
    ]

    def __post_init__(self) -> None:
        self._check()


@dataclass(frozen=True)
class Cancel(_Signed):
    account: str
    order_nonce: int
    nonce: int
    expiry: int

    primary = "Cancel"
    eip712 = [
        ("account", "address"),
        ("orderNonce", "uint64"),
        ("nonce", "uint64"),
        ("expiry", "uint64"),
    ]

    def __post_init__(self) -> None:
        self._check()


@dataclass(frozen=True)
class Withdraw(_Signed):
    account: str
    amount_e6: int
    nonce: int
    expiry: int

    primary = "Withdraw"
    eip712 = [
        ("account", "address"),
        ("amountE6", "uint256"),
        ("nonce", "uint64"),
        ("expiry", "uint64"),
    ]

    def __post_init__(self) -> None:
        self._check()


@dataclass(frozen=True)
class ReleaseRequest(_Signed):
    account: str
    source_chain_id: int
    vault: str
    lock_id: int
    nonce: int
    expiry: int

    primary = "ReleaseRequest"
    eip712 = [
        ("account", "address"),
        ("sourceChainId", "uint256"),
        ("vault", "address"),
        ("lockId", "uint64"),
        ("nonce", "uint64"),
        ("expiry", "uint64"),
    ]

    def __post_init__(self) -> None:
        self._check()


AccountMessage = Order | Cancel | Withdraw | ReleaseRequest
KINDS: dict[str, type[Any]] = {c.primary: c for c in (Order, Cancel, Withdraw, ReleaseRequest)}


@dataclass(frozen=True)
class SignedMessage:
    message: AccountMessage
    signature: bytes  # 65 bytes r || s || v

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.message.primary,
            "message": self.message.to_json(),
            "signature": "0x" + self.signature.hex(),
        }

    @classmethod
    def from_json(cls, d: Any) -> SignedMessage:
        if not isinstance(d, dict) or set(d) != {"type", "message", "signature"}:
            raise SignedMessageError("a signed message is {type, message, signature}")
        kind = KINDS.get(d["type"])
        if kind is None or not isinstance(d["message"], dict):
            raise SignedMessageError(f"unknown signed message type {d['type']!r}")
        names = {f.name for f in fields(kind)}
        raw = {_py(k): v for k, v in d["message"].items()}
        if set(raw) != names:
            raise SignedMessageError(f"{kind.primary} needs exactly the fields {sorted(names)}")
        args: dict[str, Any] = {}
        for f in fields(kind):
            v = raw[f.name]
            if f.type == "int":
                if not isinstance(v, str) or not v.isdigit() or len(v) > 78:
                    raise SignedMessageError(f"{kind.primary}.{f.name} = {v!r} is not a uint")
                v = int(v)
            args[f.name] = v
        try:
            sig = Signature.from_bytes(d["signature"]).to_bytes()
        except (SignatureError, TypeError) as e:
            raise SignedMessageError(f"signature: {e}") from e
        return cls(kind(**args), sig)


def account_domain(chain_id: int, venue_address: str) -> Domain:
    return zkcollat_domain(chain_id, venue_address)


def sign(key: PrivateKey, message: AccountMessage, domain: Domain) -> SignedMessage:
    if key.address != message.account:
        raise SignedMessageError(f"key {key.address} cannot sign for account {message.account}")
    return SignedMessage(message, key.sign_digest(message.digest(domain)).to_bytes())


class SignatureVerifier:
    """Checks that a signed message was signed by its ``account``; remembers public keys."""

    def __init__(self, domain: Domain) -> None:
        self.domain = domain
        self._keys: dict[str, ec.EllipticCurvePublicKey] = {}
        self._addresses: dict[bytes, str] = {}

    def verify(self, signed: SignedMessage) -> None:
        msg = signed.message
        try:
            sig = Signature.from_bytes(signed.signature)
            check_signature(sig)
        except SignatureError as e:
            raise SignedMessageError(f"{msg.primary} signature refused: {e}") from e
        digest = msg.digest(self.domain)
        if _coincurve is not None:  # libsecp256k1: recovery in tens of microseconds
            try:
                raw = sig.r.to_bytes(32, "big") + sig.s.to_bytes(32, "big") + bytes([sig.v - 27])
                pub = _coincurve.PublicKey.from_signature_and_message(raw, digest, hasher=None)
            except (ValueError, TypeError) as e:
                raise SignedMessageError(f"{msg.primary} signature refused: {e}") from e
            self._check_signer(msg, pub.format(compressed=False)[1:])
            return
        key = self._keys.get(msg.account)
        if key is not None:
            try:
                key.verify(
                    utils.encode_dss_signature(sig.r, sig.s),
                    digest,
                    ec.ECDSA(utils.Prehashed(hashes.SHA256())),
                )
                return
            except InvalidSignature:
                pass  # not this key: recover, to name the signer in the error
        try:
            pub64 = recover_public_key(digest, sig)
        except SignatureError as e:
            raise SignedMessageError(f"{msg.primary} signature refused: {e}") from e
        self._check_signer(msg, pub64)
        self._keys[msg.account] = ec.EllipticCurvePublicKey.from_encoded_point(
            ec.SECP256K1(), b"\x04" + pub64
        )

    def _check_signer(self, msg: AccountMessage, pub64: bytes) -> None:
        who = self._addresses.get(pub64)
        if who is None:
            who = self._addresses[pub64] = public_key_to_address(pub64)
        if who != msg.account:
            raise SignedMessageError(
                f"{msg.primary} for account {msg.account} is signed by {who}: only the account "
                "acts for itself"
            )
