"""EIP-712 typed structured data: ``encodeType``, ``hashStruct`` and the signing digest.

A small, general encoder (atomic types, ``string``/``bytes``, nested structs and arrays) so
that the published "Mail" example of the EIP checks it, and the zkcollat messages of
PROTOCOL.md s.6 and s.7 are just type tables on top of it.

digest = keccak256(0x19 0x01 || hashStruct(EIP712Domain, domain) || hashStruct(primary, message))
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from Crypto.Hash import keccak

from zkcollat.errors import EncodingError

#: A struct type table: ``{"Mail": [("from", "Person"), ("to", "Person"), ...], ...}``.
Types = Mapping[str, Sequence[tuple[str, str]]]

ZERO_ADDRESS = "0x" + "00" * 20

_ADDRESS_RE = re.compile(r"^0x[0-9a-fA-F]{40}$")
_UINT_RE = re.compile(r"^u?int(\d*)$")
_BYTESN_RE = re.compile(r"^bytes(\d+)$")


def keccak256(data: bytes) -> bytes:
    h = keccak.new(digest_bits=256)
    h.update(data)
    return h.digest()


def normalize_address(value: object, name: str = "address") -> str:
    """``0x`` + 40 hex digits, lower-cased; raises :class:`EncodingError` naming the value."""
    if isinstance(value, bytes) and len(value) == 20:
        return "0x" + value.hex()
    if isinstance(value, int) and not isinstance(value, bool):
        if not 0 <= value < 2**160:
            raise EncodingError(f"{name} = {value} is not a uint160 address")
        return "0x" + value.to_bytes(20, "big").hex()
    if not isinstance(value, str) or not _ADDRESS_RE.match(value):
        raise EncodingError(f"{name} = {value!r} is not an address (0x followed by 40 hex digits)")
    return value.lower()


def address_to_int(value: object, name: str = "address") -> int:
    return int(normalize_address(value, name), 16)


@dataclass(frozen=True)
class Domain:
    """The EIP712Domain fields zkcollat uses (all four are always present)."""

    name: str
    version: str
    chain_id: int
    verifying_contract: str = ZERO_ADDRESS

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "verifying_contract",
            normalize_address(self.verifying_contract, "verifyingContract"),
        )
        if isinstance(self.chain_id, bool) or not isinstance(self.chain_id, int):
            raise EncodingError(f"domain chainId = {self.chain_id!r} is not an integer")
        if not 0 <= self.chain_id < 2**256:
            raise EncodingError(f"domain chainId = {self.chain_id} is not a uint256")

    def as_message(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "chainId": self.chain_id,
            "verifyingContract": self.verifying_contract,
        }

    def separator(self) -> bytes:
        return hash_struct("EIP712Domain", self.as_message(), DOMAIN_TYPES)


DOMAIN_TYPES: Types = {
    "EIP712Domain": [
        ("name", "string"),
        ("version", "string"),
        ("chainId", "uint256"),
        ("verifyingContract", "address"),
    ]
}


def _base_type(t: str) -> str:
    return t[: t.index("[")] if "[" in t else t


def _dependencies(primary: str, types: Types, found: set[str]) -> None:
    if primary in found or primary not in types:
        return
    found.add(primary)
    for _, t in types[primary]:
        _dependencies(_base_type(t), types, found)


def encode_type(primary: str, types: Types) -> str:
    """``Mail(Person from,Person to,string contents)Person(string name,address wallet)``."""
    if primary not in types:
        raise EncodingError(f"EIP-712 type {primary!r} is not defined")
    deps: set[str] = set()
    _dependencies(primary, types, deps)
    deps.discard(primary)
    out = []
    for name in [primary, *sorted(deps)]:
        fields = ",".join(f"{t} {n}" for n, t in types[name])
        out.append(f"{name}({fields})")
    return "".join(out)


def type_hash(primary: str, types: Types) -> bytes:
    return keccak256(encode_type(primary, types).encode())


def _to_bytes(value: object, name: str) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str) and value.startswith("0x"):
        try:
            return bytes.fromhex(value[2:])
        except ValueError as e:
            raise EncodingError(f"{name} = {value!r} is not hex") from e
    raise EncodingError(f"{name} must be bytes or a 0x-hex string, got {type(value).__name__}")


def _encode_value(t: str, value: Any, types: Types, name: str) -> bytes:
    if t in types:
        if not isinstance(value, Mapping):
            raise EncodingError(f"{name} must be a {t} struct (a mapping)")
        return hash_struct(t, value, types)
    if t.endswith("]"):
        inner = t[: t.rindex("[")]
        size = t[t.rindex("[") + 1 : -1]
        if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
            raise EncodingError(f"{name} must be an array of {inner}")
        if size and len(value) != int(size):
            raise EncodingError(f"{name} has {len(value)} items, type {t} needs {size}")
        body = b"".join(_encode_value(inner, v, types, f"{name}[{i}]") for i, v in enumerate(value))
        return keccak256(body)
    if t == "string":
        if not isinstance(value, str):
            raise EncodingError(f"{name} must be a string")
        return keccak256(value.encode("utf-8"))
    if t == "bytes":
        return keccak256(_to_bytes(value, name))
    if t == "bool":
        if not isinstance(value, bool):
            raise EncodingError(f"{name} must be a bool")
        return int(value).to_bytes(32, "big")
    if t == "address":
        return address_to_int(value, name).to_bytes(32, "big")
    m = _BYTESN_RE.match(t)
    if m:
        n = int(m.group(1))
        raw = _to_bytes(value, name)
        if not 1 <= n <= 32 or len(raw) != n:
            raise EncodingError(f"{name} must be exactly {n} bytes for {t}, got {len(raw)}")
        return raw.ljust(32, b"\0")
    m = _UINT_RE.match(t)
    if m:
        bits = int(m.group(1) or 256)
        if isinstance(value, bool) or not isinstance(value, int):
            raise EncodingError(f"{name} must be an integer for {t}")
        if t.startswith("u"):
            if not 0 <= value < 2**bits:
                raise EncodingError(f"{name} = {value} does not fit {t}")
            return value.to_bytes(32, "big")
        if not -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
            raise EncodingError(f"{name} = {value} does not fit {t}")
        return (value % 2**256).to_bytes(32, "big")
    raise EncodingError(f"{name} has unsupported EIP-712 type {t!r}")


def encode_data(primary: str, message: Mapping[str, Any], types: Types) -> bytes:
    out = [type_hash(primary, types)]
    for field_name, t in types[primary]:
        if field_name not in message:
            raise EncodingError(f"{primary}.{field_name} is missing")
        out.append(_encode_value(t, message[field_name], types, f"{primary}.{field_name}"))
    return b"".join(out)


def hash_struct(primary: str, message: Mapping[str, Any], types: Types) -> bytes:
    return keccak256(encode_data(primary, message, types))


def typed_data_digest(
    domain_separator: bytes, primary: str, message: Mapping[str, Any], types: Types
) -> bytes:
    """The 32 bytes that are signed: keccak256(0x1901 || domainSeparator || hashStruct)."""
    if len(domain_separator) != 32:
        raise EncodingError("domain separator must be 32 bytes")
    return keccak256(b"\x19\x01" + domain_separator + hash_struct(primary, message, types))
