"""The execution side's root registry: acceptance rules and the history per (sourceChainId, vault).

``submit`` applies, in this order, each rule with its own error (see ``attest.errors``):

1. ``domain``: the bundle was signed for this execution chain and this registry;
2. ``vault``: the (sourceChainId, vault) is one this registry serves;
3. ``zero-root`` / ``root-range``: the root is a non-zero element of F_r;
4. ``timestamp``: not later than now plus the allowed clock skew;
5. ``block-number-increases``: strictly above the last accepted block of that vault;
6. per signature: ``malformed-signature``, ``high-s``, then the recovered signer must be a
   member of the *current* epoch (``rotated-out-signer`` if it was one before,
   ``unknown-signer`` otherwise; a signature made over another message, vault, chain or
   registry also recovers to an unknown address), and not seen twice (``duplicate-signer``);
7. ``threshold``: at least ``threshold`` distinct valid members.

Any failing rule rejects the whole bundle; nothing is written. The registry also keeps the
relay latency seen on each accepted root (acceptance time minus the source block's timestamp),
which the margin engine uses for haircuts and its circuit breaker.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field

from zkcollat.attest import errors as E
from zkcollat.attest.attestation import SignedAttestation, zkcollat_domain
from zkcollat.attest.committee import Committee
from zkcollat.attest.eip712 import ZERO_ADDRESS, Domain, normalize_address
from zkcollat.attest.secp256k1 import Signature, SignatureError, check_signature, recover_address
from zkcollat.db import Store
from zkcollat.field import R

VaultKey = tuple[int, str]

# uint64 columns (epoch, timestamp, accepted_at) hold ``value - 2^63``: the whole uint64 range
# in SQLite's signed 64-bit INTEGER, in the same order (_to_db / _from_db). Version 1 held them
# as plain integers (values >= 2^63 could not be stored); registry_meta holds the version.
REGISTRY_VERSION = 2
_OFFSET = 1 << 63
_U64 = (1 << 64) - 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS registry_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS committees (
    epoch INTEGER PRIMARY KEY,
    threshold INTEGER NOT NULL,
    members TEXT NOT NULL,
    development INTEGER NOT NULL,
    activated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS accepted_roots (
    source_chain_id TEXT NOT NULL,
    vault TEXT NOT NULL,
    block_number TEXT NOT NULL,           -- uint64, zero-padded to 20 digits so text order = order
    root TEXT NOT NULL,                   -- 0x + 64 hex
    timestamp INTEGER NOT NULL,
    accepted_at INTEGER NOT NULL,
    epoch INTEGER NOT NULL,
    signers TEXT NOT NULL,
    PRIMARY KEY (source_chain_id, vault, block_number)
);
CREATE INDEX IF NOT EXISTS accepted_roots_root ON accepted_roots (root);
"""


@dataclass(frozen=True)
class RegistryConfig:
    chain_id: int
    address: str = ZERO_ADDRESS
    vaults: tuple[VaultKey, ...] = ()
    max_clock_skew_s: int = 300

    def __post_init__(self) -> None:
        object.__setattr__(self, "address", normalize_address(self.address, "registry address"))
        object.__setattr__(
            self, "vaults", tuple((int(c), normalize_address(v, "vault")) for c, v in self.vaults)
        )

    @property
    def domain(self) -> Domain:
        return zkcollat_domain(self.chain_id, self.address)


@dataclass(frozen=True)
class AcceptedRoot:
    source_chain_id: int
    vault: str
    block_number: int
    root: int
    timestamp: int
    accepted_at: int
    epoch: int
    signers: tuple[str, ...] = field(default=())

    @property
    def latency_s(self) -> int:
        return max(0, self.accepted_at - self.timestamp)


def _to_db(value: int, name: str) -> int:
    """A uint64 as its SQLite INTEGER (``value - 2^63``, order-preserving)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _U64:
        raise E.Uint64RangeError(f"{name} = {value!r} is not a uint64 (0 .. 2^64 - 1)")
    return value - _OFFSET


def _from_db(value: int) -> int:
    return int(value) + _OFFSET


def _migrate_v1(conn: sqlite3.Connection) -> None:
    """Version 1 -> 2: uint64 columns from plain integers to ``value - 2^63``."""
    off = -_OFFSET
    conn.execute("UPDATE committees SET epoch = epoch + ?, activated_at = activated_at + ?",
                 (off, off))
    conn.execute("UPDATE accepted_roots SET timestamp = timestamp + ?, "
                 "accepted_at = accepted_at + ?, epoch = epoch + ?", (off, off, off))


def _root_hex(root: int) -> str:
    return "0x" + root.to_bytes(32, "big").hex()


def _bn(block: int) -> str:
    return f"{block:020d}"


class RootRegistry:
    """The execution side's accepted roots per (sourceChainId, vault) and the committee's
    epochs, in SQLite; ``submit`` applies the rules of the module docstring in order."""

    def __init__(
        self,
        store: Store,
        config: RegistryConfig,
        committee: Committee | None = None,
        *,
        now: int = 0,
    ) -> None:
        """``store``: the venue's store (the registry's tables live in the venue's file) or one
        of its own (:func:`zkcollat.attest.db.open_registry_store`)."""
        self.store = store
        self.conn = store.conn
        self.config = config
        self._vaults = set(config.vaults)
        _to_db(now, "now")
        with store.write() as conn:
            had_tables = conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE name = 'accepted_roots'"
            ).fetchone()[0]
            for stmt in _SCHEMA.split(";"):
                if stmt.strip():
                    conn.execute(stmt)
            row = conn.execute(
                "SELECT value FROM registry_meta WHERE key = 'version'"
            ).fetchone()
            version = int(row[0]) if row is not None else (1 if had_tables else REGISTRY_VERSION)
            if version > REGISTRY_VERSION:
                raise E.CommitteeConfigError(
                    f"the root registry's tables are of version {version}, newer than this "
                    f"release's {REGISTRY_VERSION}: upgrade zkcollat"
                )
            if version == 1:
                _migrate_v1(conn)
            conn.execute("INSERT OR REPLACE INTO registry_meta VALUES ('version', ?)",
                         (str(REGISTRY_VERSION),))
            if self._current_epoch() is None:
                if committee is None:
                    raise E.CommitteeConfigError("a new registry needs its first committee")
                self._store_committee(committee, now)
            elif committee is not None and committee != self.committee():
                raise E.CommitteeConfigError(
                    f"the registry already has committee epoch {self._current_epoch()}; "
                    "change it with rotate()"
                )

    # --- committee ---------------------------------------------------------------------------

    def _current_epoch(self) -> int | None:
        row = self.conn.execute("SELECT MAX(epoch) FROM committees").fetchone()
        return None if row[0] is None else _from_db(row[0])

    def _store_committee(self, c: Committee, now: int) -> None:
        self.conn.execute(
            "INSERT INTO committees (epoch, threshold, members, development, activated_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (_to_db(c.epoch, "epoch"), c.threshold, json.dumps(list(c.members)),
             int(c.development), _to_db(now, "now")),
        )

    def committee(self, epoch: int | None = None) -> Committee:
        with self.store.read():  # the current epoch and its row from one state
            if epoch is None:
                epoch = self._current_epoch()
            row = self.conn.execute(
                "SELECT epoch, threshold, members, development FROM committees WHERE epoch = ?",
                (_to_db(epoch, "epoch") if epoch is not None and 0 <= epoch <= _U64 else None,),
            ).fetchone()
        if row is None:
            raise E.EpochError(f"no committee for epoch {epoch}")
        return Committee(_from_db(row[0]), tuple(json.loads(row[2])), int(row[1]),
                         bool(row[3]), announce=False)

    def rotate(self, committee: Committee, *, now: int = 0) -> None:
        """Install the next epoch's committee; earlier members not in it stop counting at once."""
        _to_db(now, "now")
        with self.store.write():
            current = self._current_epoch()
            assert current is not None
            if committee.epoch != current + 1:
                raise E.EpochError(
                    f"new committee epoch = {committee.epoch}; the next epoch must be {current + 1}"
                )
            self._store_committee(committee, now)

    def _former_members(self, current_epoch: int) -> set[str]:
        out: set[str] = set()
        for (members,) in self.conn.execute(
            "SELECT members FROM committees WHERE epoch < ?", (_to_db(current_epoch, "epoch"),)
        ):
            out.update(json.loads(members))
        return out

    # --- acceptance --------------------------------------------------------------------------

    def submit(self, signed: SignedAttestation, *, now: int) -> AcceptedRoot:
        att = signed.attestation
        cfg = self.config
        _to_db(now, "now")
        if signed.domain != cfg.domain:
            raise E.WrongDomainError(
                f"attestation signed for domain chainId={signed.domain.chain_id} "
                f"verifyingContract={signed.domain.verifying_contract} "
                f"(name {signed.domain.name!r} version {signed.domain.version!r}); "
                f"this registry is "
                f"chainId={cfg.chain_id} verifyingContract={cfg.address}"
            )
        key = (att.source_chain_id, att.vault)
        if key not in self._vaults:
            raise E.UnknownVaultError(
                f"attestation for vault {att.vault} on source chain {att.source_chain_id}: "
                "this registry does not serve that (sourceChainId, vault)"
            )
        if att.root == 0:
            raise E.ZeroRootError(
                f"attestation root is zero (vault {att.vault}, block {att.block_number})"
            )
        if att.root >= R:
            raise E.RootRangeError(
                f"attestation root = {att.root:#x} is not below the field modulus r"
            )
        if att.timestamp > now + cfg.max_clock_skew_s:
            raise E.FutureTimestampError(
                f"attestation timestamp = {att.timestamp} is more than {cfg.max_clock_skew_s}s "
                f"after now = {now}"
            )
        digest = att.digest(cfg.domain)
        with self.store.write():
            latest = self.latest(*key)
            if latest is not None and att.block_number <= latest.block_number:
                raise E.NonIncreasingBlockError(
                    f"attestation blockNumber = {att.block_number} does not increase on the last "
                    f"accepted block {latest.block_number} of vault {att.vault}"
                )
            committee, signers = self.check_signers(digest, signed.signatures)
            accepted = AcceptedRoot(
                att.source_chain_id,
                att.vault,
                att.block_number,
                att.root,
                att.timestamp,
                now,
                committee.epoch,
                tuple(signers),
            )
            self.conn.execute(
                "INSERT INTO accepted_roots VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    str(att.source_chain_id),
                    att.vault,
                    _bn(att.block_number),
                    _root_hex(att.root),
                    _to_db(att.timestamp, "timestamp"),
                    _to_db(now, "now"),
                    _to_db(committee.epoch, "epoch"),
                    json.dumps(signers),
                ),
            )
        return accepted

    def check_signers(
        self, digest: bytes, signatures: Sequence[bytes]
    ) -> tuple[Committee, list[str]]:
        """Rules 6 and 7 for any committee message over ``digest`` (a root attestation, a lock
        report): each signature well formed, low-s, from a distinct member of the current
        epoch, and at least ``threshold`` of them. Returns the committee and the signers."""
        committee = self.committee()
        if len(signatures) > len(committee.members):
            # Recovering each costs milliseconds: a padded bundle is refused before any.
            raise E.MalformedSignatureError(
                f"{len(signatures)} signatures for a committee of "
                f"{len(committee.members)} members"
            )
        former = self._former_members(committee.epoch)
        signers: list[str] = []
        for i, raw in enumerate(signatures):
            try:
                sig = Signature.from_bytes(raw)
                check_signature(sig)
                who = recover_address(digest, sig)
            except SignatureError as e:
                if e.rule == "high-s":
                    raise E.HighSError(f"signature[{i}]: {e}") from e
                raise E.MalformedSignatureError(f"signature[{i}]: {e}") from e
            if not committee.is_member(who):
                if who in former:
                    raise E.RotatedOutSignerError(
                        f"signature[{i}] is from {who}, a member of an earlier epoch who is "
                        f"not in the current committee (epoch {committee.epoch})"
                    )
                raise E.UnknownSignerError(
                    f"signature[{i}] recovers to {who}, not a member of committee epoch "
                    f"{committee.epoch} (or it was made over another message, vault, chain "
                    "or registry)"
                )
            if who in signers:
                raise E.DuplicateSignerError(f"signature[{i}]: member {who} signed twice")
            signers.append(who)
        if len(signers) < committee.threshold:
            raise E.ThresholdNotMetError(
                f"{len(signers)} distinct valid member signature(s); committee epoch "
                f"{committee.epoch} needs {committee.threshold}"
            )
        return committee, signers

    # --- queries -----------------------------------------------------------------------------

    @staticmethod
    def _row(row: tuple[str, str, str, str, int, int, int, str]) -> AcceptedRoot:
        return AcceptedRoot(
            int(row[0]),
            row[1],
            int(row[2]),
            int(row[3], 16),
            _from_db(row[4]),
            _from_db(row[5]),
            _from_db(row[6]),
            tuple(json.loads(row[7])),
        )

    def latest(self, source_chain_id: int, vault: str) -> AcceptedRoot | None:
        row = self.conn.execute(
            "SELECT * FROM accepted_roots WHERE source_chain_id = ? AND vault = ? "
            "ORDER BY block_number DESC LIMIT 1",
            (str(source_chain_id), normalize_address(vault, "vault")),
        ).fetchone()
        return None if row is None else self._row(row)

    def history(self, source_chain_id: int, vault: str) -> list[AcceptedRoot]:
        rows = self.conn.execute(
            "SELECT * FROM accepted_roots WHERE source_chain_id = ? AND vault = ? "
            "ORDER BY block_number",
            (str(source_chain_id), normalize_address(vault, "vault")),
        )
        return [self._row(r) for r in rows]

    def is_accepted(self, source_chain_id: int, vault: str, root: int) -> bool:
        if not 0 <= root < 2**256:
            return False
        row = self.conn.execute(
            "SELECT 1 FROM accepted_roots "
            "WHERE source_chain_id = ? AND vault = ? AND root = ? LIMIT 1",
            (str(source_chain_id), normalize_address(vault, "vault"), _root_hex(root)),
        ).fetchone()
        return row is not None

    def vaults_with_root(self, root: int) -> list[VaultKey]:
        if not 0 <= root < 2**256:
            return []
        rows = self.conn.execute(
            "SELECT DISTINCT source_chain_id, vault FROM accepted_roots WHERE root = ?",
            (_root_hex(root),),
        )
        return [(int(c), v) for c, v in rows]

    def observed_latency_s(
        self, source_chain_id: int, vault: str, *, now: int, window_s: int, interval_s: int
    ) -> int | None:
        """Relay latency seen for a vault: the largest of the latencies of roots accepted in the
        last ``window_s`` seconds and of the silence since the newest root beyond the expected
        ``interval_s`` between attestations (an outage shows up even when nothing arrives).
        None when the vault has no accepted root."""
        with self.store.read():  # the newest root and the recent ones from one state
            latest = self.latest(source_chain_id, vault)
            if latest is None:
                return None
            since = min(max(now - window_s, 0), _U64)
            rows = self.conn.execute(
                "SELECT accepted_at, timestamp FROM accepted_roots "
                "WHERE source_chain_id = ? AND vault = ? AND accepted_at >= ?",
                (str(source_chain_id), latest.vault, _to_db(since, "since")),
            ).fetchall()
        recent = max((a - t for a, t in rows), default=0)  # offsets cancel
        silence = now - latest.timestamp - interval_s
        return max(0, recent, silence)

    def accepted_count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM accepted_roots").fetchone()[0])
