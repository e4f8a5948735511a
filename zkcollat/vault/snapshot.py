"""A vault as one JSON file, so that a relayer can feed it from its own source-chain indexer.

Schema (``format`` ``"zkcollat-vault-snapshot"``, ``version`` 1)::

    {
      "format": "zkcollat-vault-snapshot",
      "version": 1,
      "depth": 20,                       // tree depth D, an integer in 1..32
      "size": 3,                         // number of locks; must equal len(locks)
      "root": "1234...",                 // the tree root after all locks (decimal string)
      "locks": [                         // in lockId order: locks[i].lockId must be "i"
        {"lockId": "0", "owner": "...", "destChainId": "...", "assetId": "...",
         "amount": "...", "expiry": "..."},
        ...
      ],
      "blockRoots": [                    // optional (default []); blockNumber increasing,
        {"blockNumber": 17000000,        //   size non-decreasing and <= "size"
         "size": 2, "root": "5678..."}   // the root after the first `size` locks
      ]
    }

Every lock value is a canonical decimal string (no sign, spaces or leading zeros) within
its PROTOCOL.md s.3 range; ``owner`` and ``assetId`` may also be ``"0x"`` + 40 hex digits.
``root`` is the decimal string of a field element. ``depth``, ``size``, ``blockNumber``
are JSON integers. Loading recomputes the tree and refuses the file (:class:`SnapshotError`
naming the JSON path and the rule) when ``root`` or any block root differs from the
recomputation, or anything above is violated; unknown keys are refused too.
:func:`save_snapshot` writes keys in this order, one lock per line, through a temporary file
renamed into place (``os.replace``), so a reader never sees a half-written snapshot.
"""

from __future__ import annotations

import json
import os
from typing import Any

from zkcollat.db import atomic_write
from zkcollat.errors import EncodingError, FieldError, VaultError
from zkcollat.field import R, parse_decimal
from zkcollat.formats import limits
from zkcollat.vault.errors import LockFieldError, SnapshotError
from zkcollat.vault.lock import Lock
from zkcollat.vault.store import MAX_BLOCK
from zkcollat.vault.tree import MAX_DEPTH, TreeHasher, hashes_to_append
from zkcollat.vault.vault import Vault

FORMAT = "zkcollat-vault-snapshot"
VERSION = 1
_KEYS = ("format", "version", "depth", "size", "root", "locks", "blockRoots")


def snapshot_to_json(vault: Vault) -> dict[str, Any]:
    """The snapshot object of ``vault`` (see the module docstring)."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "depth": vault.depth,
        "size": vault.size,
        "root": str(vault.root),
        "locks": [lk.to_json() for lk in vault.locks()],
        "blockRoots": [
            {"blockNumber": br.block_number, "size": br.size, "root": str(br.root)}
            for br in vault.block_roots
        ],
    }


def dumps(obj: dict[str, Any]) -> str:
    """Deterministic text: one lock / block root per line."""
    lines = ["{"]
    for i, key in enumerate(_KEYS):
        comma = "," if i < len(_KEYS) - 1 else ""
        val = obj[key]
        if isinstance(val, list):
            if not val:
                lines.append(f' "{key}": []{comma}')
                continue
            lines.append(f' "{key}": [')
            lines.extend(
                "  " + json.dumps(item, separators=(", ", ": ")) + ("," if j < len(val) - 1 else "")
                for j, item in enumerate(val)
            )
            lines.append(f" ]{comma}")
        else:
            lines.append(f' "{key}": {json.dumps(val)}{comma}')
    lines.append("}")
    return "\n".join(lines) + "\n"


def save_snapshot(vault: Vault, path: str | os.PathLike[str]) -> None:
    """Write ``vault`` to ``path`` atomically (temporary file, fsync, rename; a public file:
    its mode follows the umask)."""
    atomic_write(path, dumps(snapshot_to_json(vault)))


def _int(d: dict[str, Any], key: str, where: str, lo: int, hi: int) -> int:
    v = d.get(key)
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise SnapshotError(f"{where}.{key} = {v!r} must be a JSON integer in [{lo}, {hi}]")
    return v


def _root(d: dict[str, Any], key: str, where: str) -> int:
    try:
        return parse_decimal(d.get(key), R, f"{where}.{key}")
    except (EncodingError, FieldError) as e:
        raise SnapshotError(str(e)) from e


def vault_from_json(
    data: Any,
    *,
    store_path: str | os.PathLike[str] | None = None,
    hasher: TreeHasher | None = None,
) -> Vault:
    """Build a vault from a snapshot object (in memory, or into a new SQLite file);
    ``hasher`` hashes the tree elsewhere (``zkcollat.batch.tree.DaskHasher``): the roots are
    still compared with the snapshot's."""
    if not isinstance(data, dict):
        raise SnapshotError(f"a snapshot must be a JSON object, got {type(data).__name__}")
    missing = [k for k in _KEYS if k not in data and k != "blockRoots"]
    extra = sorted(str(k) for k in data if k not in _KEYS)
    if missing or extra:
        raise SnapshotError(f"snapshot: missing keys {missing}, unknown keys {extra}")
    if data["format"] != FORMAT:
        raise SnapshotError(f"snapshot.format = {data['format']!r} is not {FORMAT!r}")
    if data["version"] != VERSION:
        raise SnapshotError(f"snapshot.version = {data['version']!r} is not {VERSION}")
    depth = _int(data, "depth", "snapshot", 1, MAX_DEPTH)
    size = _int(data, "size", "snapshot", 0, 1 << depth)
    root = _root(data, "root", "snapshot")
    raw_locks = data["locks"]
    if not isinstance(raw_locks, list):
        raise SnapshotError("snapshot.locks must be a JSON array")
    if len(raw_locks) != size:
        raise SnapshotError(f"snapshot.size = {size} but snapshot.locks has {len(raw_locks)} locks")
    locks = []
    for i, raw in enumerate(raw_locks):
        try:
            lk = Lock.from_json(raw, f"snapshot.locks[{i}]")
        except LockFieldError as e:
            raise SnapshotError(str(e)) from e
        if lk.lock_id != i:
            raise SnapshotError(
                f"snapshot.locks[{i}].lockId = {lk.lock_id}: locks must be in lockId order "
                f"from 0 (lockId is the vault's sequence number)"
            )
        locks.append(lk)
    raw_blocks = data.get("blockRoots", [])
    if not isinstance(raw_blocks, list):
        raise SnapshotError("snapshot.blockRoots must be a JSON array")
    blocks: list[tuple[int, int, int]] = []
    for j, br in enumerate(raw_blocks):
        where = f"snapshot.blockRoots[{j}]"
        if not isinstance(br, dict) or sorted(br) != ["blockNumber", "root", "size"]:
            raise SnapshotError(f"{where} must be an object with blockNumber, size and root")
        b = _int(br, "blockNumber", where, 0, MAX_BLOCK)
        s = _int(br, "size", where, 0, size)
        if blocks and b <= blocks[-1][0]:
            raise SnapshotError(f"{where}.blockNumber = {b} does not increase")
        if blocks and s < blocks[-1][1]:
            raise SnapshotError(f"{where}.size = {s} is below the previous block's size")
        blocks.append((b, s, _root(br, "root", where)))

    vault = Vault(depth) if store_path is None else Vault.open(store_path, depth)
    try:
        if vault.size:
            raise SnapshotError(f"the store {os.fspath(store_path or '')!r} is not empty")
        done = 0
        for b, s, r in blocks:
            vault.insert_many(locks[done:s], block_number=b, hasher=hasher)
            done = s
            if vault.root != r:
                raise SnapshotError(
                    f"snapshot.blockRoots for block {b}: root {r} is not the root {vault.root} "
                    f"of the first {s} locks"
                )
        vault.insert_many(locks[done:], hasher=hasher)
        if vault.root != root:
            raise SnapshotError(
                f"snapshot.root = {root} is not the root {vault.root} recomputed from its locks"
            )
    except VaultError:
        vault.close()
        raise
    return vault


def load_snapshot(
    path: str | os.PathLike[str],
    *,
    store_path: str | os.PathLike[str] | None = None,
    hasher: TreeHasher | None = None,
) -> Vault:
    """Read a snapshot file (see the module docstring); errors name the file and the rule."""
    return build_snapshot(path, read_snapshot(path), store_path=store_path, hasher=hasher)


def read_snapshot(path: str | os.PathLike[str]) -> Any:
    """The JSON object of a snapshot file, read within the limits (not yet checked)."""
    try:
        return limits.read_json(path, "snapshot")
    except limits.LimitError as e:
        raise SnapshotError(str(e)) from e


def snapshot_hashes(data: Any) -> int:
    """About how many hashes building ``data`` (a snapshot object) takes: its locks' leaves
    and the tree over them (each block root adds a few more); 0 if it is malformed."""
    try:
        depth, locks = data["depth"], data["locks"]
        if not (isinstance(depth, int | str) and isinstance(locks, list)):
            return 0
        return hashes_to_append(0, len(locks), min(int(depth), MAX_DEPTH))
    except (KeyError, TypeError, ValueError):
        return 0


def build_snapshot(
    path: str | os.PathLike[str],
    data: Any,
    *,
    store_path: str | os.PathLike[str] | None = None,
    hasher: TreeHasher | None = None,
) -> Vault:
    """:func:`vault_from_json` of what :func:`read_snapshot` read from ``path`` (errors name
    the file)."""
    try:
        return vault_from_json(data, store_path=store_path, hasher=hasher)
    except SnapshotError as e:
        raise SnapshotError(f"{os.fspath(path)}: {e}") from e
