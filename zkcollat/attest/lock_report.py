"""``LockReport`` (docs/protocol.md s.9): the committee's word that a lock was seen in the source
vault's events before its root is attested, the message optimistic (provisional) credit rests on.

```
LockReport(uint256 sourceChainId,address vault,uint64 lockId,address owner,uint64 destChainId,
           address assetId,uint128 amount,uint64 expiry,uint64 blockNumber,bytes32 blockHash)
domain: as RootAttestation (name "zkcollat", version "1", chainId = the execution chain,
        verifyingContract = the execution side's root registry)
```

Its type hash differs from ``RootAttestation``'s (another primary type, other fields), and the
type hash is the first word of every EIP-712 struct hash, so a signature over a root can never
be read as a signature over a lock report, or the other way round, although both share the
domain. Each member signs only a ``Locked`` event it read from its own source node, at least
the report confirmation depth below the head and in a block still canonical there; the
execution side counts a report only with ``threshold`` distinct members of its current
committee (the same check as a root: :meth:`~zkcollat.attest.registry.RootRegistry.check_signers`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from zkcollat.attest.attestation import zkcollat_domain
from zkcollat.attest.eip712 import Domain, Types, normalize_address, typed_data_digest
from zkcollat.attest.secp256k1 import PrivateKey, Signature, SignatureError
from zkcollat.errors import EncodingError

LOCK_REPORT_TYPES: Types = {
    "LockReport": [
        ("sourceChainId", "uint256"),
        ("vault", "address"),
        ("lockId", "uint64"),
        ("owner", "address"),
        ("destChainId", "uint64"),
        ("assetId", "address"),
        ("amount", "uint128"),
        ("expiry", "uint64"),
        ("blockNumber", "uint64"),
        ("blockHash", "bytes32"),
    ]
}

_UINTS = {
    "sourceChainId": 256,
    "lockId": 64,
    "destChainId": 64,
    "amount": 128,
    "expiry": 64,
    "blockNumber": 64,
}


def _uint(value: object, bits: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**bits:
        raise EncodingError(f"LockReport.{name} = {value!r} is not a uint{bits}")
    return value


def _json_uint(d: Mapping[str, Any], name: str) -> int:
    v = d[name]
    if not isinstance(v, str) or not v.isascii() or not v.isdigit() or len(v) > 78:
        raise EncodingError(f"LockReport.{name} = {v!r} is not a decimal string")
    return _uint(int(v), _UINTS[name], name)


@dataclass(frozen=True)
class LockReport:
    """Lock ``lock_id`` of ``vault`` (its six fields as the ``Locked`` event carries them), seen
    in source block ``block_number`` with hash ``block_hash``."""

    source_chain_id: int
    vault: str
    lock_id: int
    owner: str
    dest_chain_id: int
    asset_id: str
    amount: int
    expiry: int
    block_number: int
    block_hash: bytes

    def __post_init__(self) -> None:
        _uint(self.source_chain_id, 256, "sourceChainId")
        object.__setattr__(self, "vault", normalize_address(self.vault, "LockReport.vault"))
        _uint(self.lock_id, 64, "lockId")
        object.__setattr__(self, "owner", normalize_address(self.owner, "LockReport.owner"))
        _uint(self.dest_chain_id, 64, "destChainId")
        object.__setattr__(self, "asset_id", normalize_address(self.asset_id, "LockReport.assetId"))
        _uint(self.amount, 128, "amount")
        _uint(self.expiry, 64, "expiry")
        _uint(self.block_number, 64, "blockNumber")
        if not isinstance(self.block_hash, bytes) or len(self.block_hash) != 32:
            raise EncodingError(f"LockReport.blockHash = {self.block_hash!r} is not 32 bytes")

    @property
    def key(self) -> tuple[int, str, int]:
        """The credit key (sourceChainId, vault, lockId) the report speaks of."""
        return self.source_chain_id, self.vault, self.lock_id

    def message(self) -> dict[str, Any]:
        return {
            "sourceChainId": self.source_chain_id,
            "vault": self.vault,
            "lockId": self.lock_id,
            "owner": self.owner,
            "destChainId": self.dest_chain_id,
            "assetId": self.asset_id,
            "amount": self.amount,
            "expiry": self.expiry,
            "blockNumber": self.block_number,
            "blockHash": self.block_hash,
        }

    def digest(self, domain: Domain) -> bytes:
        sep = domain.separator()
        return typed_data_digest(sep, "LockReport", self.message(), LOCK_REPORT_TYPES)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in self.message().items():
            out[k] = v if isinstance(v, str) else "0x" + v.hex() if isinstance(v, bytes) else str(v)
        return out

    @classmethod
    def from_json(cls, d: Any) -> LockReport:
        if not isinstance(d, Mapping):
            raise EncodingError("a LockReport must be a JSON object")
        names = {n for n, _ in LOCK_REPORT_TYPES["LockReport"]}
        if set(d) != names:
            raise EncodingError(f"a LockReport has exactly the fields {sorted(names)}")
        bh = d["blockHash"]
        if not isinstance(bh, str) or not bh.startswith("0x") or len(bh) != 66:
            raise EncodingError(f"LockReport.blockHash = {bh!r} is not 0x and 64 hex digits")
        try:
            block_hash = bytes.fromhex(bh[2:])
        except ValueError:
            raise EncodingError(f"LockReport.blockHash = {bh!r} is not hex") from None
        return cls(
            _json_uint(d, "sourceChainId"),
            d["vault"],
            _json_uint(d, "lockId"),
            d["owner"],
            _json_uint(d, "destChainId"),
            d["assetId"],
            _json_uint(d, "amount"),
            _json_uint(d, "expiry"),
            _json_uint(d, "blockNumber"),
            block_hash,
        )


@dataclass(frozen=True)
class SignedLockReport:
    """What a relayer forwards to the venue: the report, the domain, the members' signatures."""

    report: LockReport
    domain: Domain
    signatures: tuple[bytes, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "LockReport",
            "report": self.report.to_json(),
            "domain": {
                "chainId": str(self.domain.chain_id),
                "verifyingContract": self.domain.verifying_contract,
            },
            "signatures": ["0x" + s.hex() for s in self.signatures],
        }

    @classmethod
    def from_json(cls, d: Any) -> SignedLockReport:
        if not isinstance(d, Mapping) or set(d) != {"type", "report", "domain", "signatures"}:
            raise EncodingError("a signed lock report is {type, report, domain, signatures}")
        if d["type"] != "LockReport":
            raise EncodingError(f"type = {d['type']!r}: this is not a signed LockReport")
        dom, sigs = d["domain"], d["signatures"]
        if not isinstance(dom, Mapping) or set(dom) != {"chainId", "verifyingContract"}:
            raise EncodingError("lock report domain must be {chainId, verifyingContract}")
        cid = dom["chainId"]
        if not isinstance(cid, str) or not cid.isascii() or not cid.isdigit() or len(cid) > 78:
            raise EncodingError(f"lock report domain chainId = {cid!r} is not a decimal string")
        if not isinstance(sigs, list) or not all(isinstance(s, str) for s in sigs):
            raise EncodingError("lock report signatures must be a list of hex strings")
        raw = []
        for i, s in enumerate(sigs):
            try:
                raw.append(Signature.from_bytes(s).to_bytes())
            except SignatureError as e:
                raise EncodingError(f"lock report signature[{i}]: {e}") from e
        return cls(
            LockReport.from_json(d["report"]),
            zkcollat_domain(int(cid), dom["verifyingContract"]),
            tuple(raw),
        )


def sign_lock_report(
    report: LockReport, domain: Domain, keys: Iterable[PrivateKey]
) -> SignedLockReport:
    digest = report.digest(domain)
    return SignedLockReport(report, domain, tuple(k.sign_digest(digest).to_bytes() for k in keys))
