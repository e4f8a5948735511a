"""``zkcollat vault``: a source-chain vault in SQLite (init, add, import, export, root, path)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click

from zkcollat.cli._common import (
    CliInputError,
    Rejected,
    emit,
    existing_file,
    hashing_progress,
    json_option,
    load_json_file,
    new_file,
)
from zkcollat.cli.batch_cmd import cluster_options, cluster_spec
from zkcollat.cli.times import TIME, when
from zkcollat.vault import Lock, Vault
from zkcollat.vault.errors import StoreCorrupted
from zkcollat.vault.snapshot import build_snapshot, read_snapshot, save_snapshot, snapshot_hashes
from zkcollat.vault.store import check_block_number
from zkcollat.vault.tree import DEFAULT_DEPTH, hashes_to_append


def open_vault(path: str | os.PathLike[str]) -> Vault:
    """An existing SQLite vault (a missing file is an error, never a new vault)."""
    existing_file(path, "vault")
    return Vault.open(path)


@click.group()
def vault() -> None:
    """A vault of collateral locks on the source chain, in a SQLite file.

    \b
    Examples:
      zkcollat vault init vault.sqlite --depth 20
      zkcollat vault add vault.sqlite --owner 0x00000000000000000000000000000000000a11ce \\
          --dest-chain 42161 --asset 0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2 \\
          --amount 10000000000000000000 --expiry 1900000000 --block 100
      zkcollat vault add vault.sqlite --locks locks.json --block 101
      zkcollat vault root vault.sqlite
      zkcollat vault path vault.sqlite 0
      zkcollat vault export vault.sqlite -o snapshot.json
      zkcollat vault import snapshot.json copy.sqlite
    """


@vault.command("init")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option(
    "--depth",
    type=click.IntRange(1, 32),
    default=DEFAULT_DEPTH,
    show_default=True,
    help="Tree depth D (the vault holds up to 2^D locks).",
)
@json_option
def vault_init(path: str, depth: int, as_json: bool) -> None:
    """Create an empty vault at PATH (a new SQLite file)."""
    new_file(path, "vault", force=False)
    with Vault.open(path, depth) as v:
        out = {"path": path, "depth": v.depth, "size": v.size, "root": str(v.root)}
    emit(as_json, out, f"created vault {path}: depth {depth}, empty root {out['root']}")


def _lock_objects(path: str, first_id: int) -> tuple[list[Lock], bool]:
    """The locks of a locks file, and whether they carry their own ids (all or none may:
    without, they get the vault's next ids when the append commits)."""
    data = load_json_file(path, "locks")
    if isinstance(data, dict) and "locks" in data:
        data = data["locks"]
    if not isinstance(data, list):
        raise CliInputError(f"locks file {path!r} must hold a JSON array of lock objects")
    locks = []
    with_ids = [isinstance(raw, dict) and "lockId" in raw for raw in data]
    if any(with_ids) and not all(with_ids):
        i = with_ids.index(False)
        raise CliInputError(f"{path}[{i}] has no lockId while others have one: give all or none")
    for i, raw in enumerate(data):
        if isinstance(raw, dict) and "lockId" not in raw:
            raw = {"lockId": str(first_id + i), **raw}
        locks.append(Lock.from_json(raw, f"{path}[{i}]"))
    return locks, bool(data) and all(with_ids)


@vault.command("add")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option(
    "--locks",
    "locks_file",
    type=click.Path(dir_okay=False),
    help="JSON array of locks (protocol names, decimal strings; lockId optional).",
)
@click.option("--owner", help="Destination-chain account (0x address or decimal).")
@click.option("--dest-chain", help="EIP-155 chain id of the execution chain.")
@click.option("--asset", help="Collateral token address on the source chain.")
@click.option("--amount", help="Token base units.")
@click.option(
    "--expiry",
    type=TIME,
    help="When the depositor may withdraw: unix seconds, +30d (from now) or an ISO date.",
)
@click.option(
    "--block",
    type=int,
    default=None,
    help="Source-chain block number that created the locks (records its root).",
)
@json_option
def vault_add(
    path: str,
    locks_file: str | None,
    owner: str | None,
    dest_chain: str | None,
    asset: str | None,
    amount: str | None,
    expiry: int | None,
    block: int | None,
    as_json: bool,
) -> None:
    """Append locks to the vault at PATH: one from the options, or many from --locks.

    Lock ids are the vault's sequence numbers: the next id is the vault's size when the
    append commits (locks in a file may carry their ids: then they must be the next ones). The
    whole file is appended in one transaction: all of it or, on any error or crash, none.
    """
    with open_vault(path) as v:
        first = v.size
        own_ids = False
        if locks_file is not None:
            if any(x is not None for x in (owner, dest_chain, asset, amount, expiry)):
                raise CliInputError("give either --locks or the lock options, not both")
            locks, own_ids = _lock_objects(locks_file, first)
        else:
            given = {
                "--owner": owner,
                "--dest-chain": dest_chain,
                "--asset": asset,
                "--amount": amount,
                "--expiry": expiry,
            }
            missing = [k for k, x in given.items() if x is None]
            if missing:
                raise CliInputError(f"missing {', '.join(missing)} (or give --locks FILE)")
            assert owner and dest_chain and asset and amount and expiry is not None
            # The options are read as a locks.json entry is: one rule for both (addresses
            # as 0x + 40 hex digits or decimal, numbers as decimal strings).
            fields = {
                "lockId": str(first),
                "owner": owner,
                "destChainId": dest_chain,
                "assetId": asset,
                "amount": amount,
                "expiry": str(expiry),
            }
            locks = [Lock.from_json(fields, "lock")]
        if block is not None:
            check_block_number(block)
        work = hashes_to_append(v.size, len(locks), v.depth)
        with hashing_progress("adding (hashing the locks)", work) as hasher:
            first = v.insert_many(locks, block, assign_ids=not own_ids, hasher=hasher)
        out = {"first_lock_id": first, "added": len(locks), "size": v.size, "root": str(v.root)}
    emit(
        as_json,
        out,
        f"added {_count(len(locks), 'lock')}, "
        + (f"id {first}" if len(locks) == 1 else f"ids {first} to {first + len(locks) - 1}")
        + "; "
        f"vault size {out['size']}, root {out['root']}",
    )


def _shown(field: str, value: str) -> str:
    """A lock field for people: addresses in full as 0x + 40 hex digits (as in locks.json),
    the expiry with its UTC date."""
    if field in ("owner", "assetId"):
        return f"0x{int(value):040x}"
    if field == "expiry":
        return when(int(value))
    return value


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


@vault.command("import")
@click.argument("snapshot", type=click.Path(dir_okay=False))
@click.argument("path", type=click.Path(dir_okay=False))
@cluster_options
@json_option
def vault_import(snapshot: str, path: str, as_json: bool, **cluster: Any) -> None:
    """Build a new SQLite vault at PATH from a JSON SNAPSHOT (roots are recomputed and checked).

    With --workers N or --scheduler the tree's leaves and levels are hashed in parallel
    chunks on Dask: local worker processes, or a cluster (see docs/scaling.md).
    """
    existing_file(snapshot, "snapshot")
    dask = cluster["workers"] is not None or cluster["scheduler"] is not None
    if not dask and any(v for k, v in cluster.items() if k not in ("workers", "scheduler")):
        raise CliInputError("the Dask options need --workers N or --scheduler ADDRESS")
    spec = cluster_spec(**cluster) if dask else None
    new_file(path, "vault")
    try:
        data = read_snapshot(snapshot)
        work = snapshot_hashes(data)
        if spec is None:
            with hashing_progress("importing (hashing the tree)", work) as hasher:
                v = build_snapshot(snapshot, data, store_path=path, hasher=hasher)
        else:
            from zkcollat.batch import open_client
            from zkcollat.batch.tree import DaskHasher

            with open_client(spec) as client:
                on_dask = DaskHasher(client, worker_timeout_s=spec.worker_timeout_s)
                with hashing_progress("importing (hashing on Dask)", work, on_dask) as hasher:
                    v = build_snapshot(snapshot, data, store_path=path, hasher=hasher)
    except BaseException:
        Path(path).unlink(missing_ok=True)
        for suffix in ("-wal", "-shm"):
            Path(path + suffix).unlink(missing_ok=True)
        raise
    with v:
        out = {
            "path": path,
            "depth": v.depth,
            "size": v.size,
            "root": str(v.root),
            "block_roots": len(v.block_roots),
        }
    emit(
        as_json,
        out,
        f"imported {out['size']} locks into {path}: root {out['root']} "
        f"(checked against the snapshot)",
    )


@vault.command("export")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False), help="Snapshot file to write."
)
@json_option
def vault_export(path: str, output: str, as_json: bool) -> None:
    """Write the vault at PATH as a JSON snapshot (format zkcollat-vault-snapshot, version 1)."""
    with open_vault(path) as v:
        if not Path(output).resolve().parent.exists():
            raise CliInputError(f"the folder of {output!r} does not exist")
        save_snapshot(v, output)
        out = {"snapshot": output, "size": v.size, "root": str(v.root)}
    emit(as_json, out, f"wrote {output}: {out['size']} locks, root {out['root']}")


@vault.command("root")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option(
    "--block",
    type=int,
    default=None,
    help="The root at the end of this source block instead of the current one.",
)
@click.option("--size", type=int, default=None, help="The root when the vault held SIZE locks.")
@json_option
def vault_root(path: str, block: int | None, size: int | None, as_json: bool) -> None:
    """Print the vault's root (now, at a block, or at a size) and its recorded block roots."""
    if block is not None and size is not None:
        raise CliInputError("give --block or --size, not both")
    with open_vault(path) as v:
        out: dict[str, Any] = {"depth": v.depth, "size": v.size}
        if block is not None:
            br = v.block_root(block)  # checked against the tree at its size
            out.update(block=block, recordedBlock=br.block_number, size=br.size, root=str(br.root))
        elif size is not None:
            if not 0 <= size <= v.size:
                raise CliInputError(f"--size {size} is not between 0 and the vault's {v.size}")
            out.update(size=size, root=str(v.root_at(size)))
        else:
            out["root"] = str(v.root)
        out["block_roots"] = [
            {"blockNumber": b.block_number, "size": b.size, "root": str(b.root)}
            for b in v.block_roots
        ]

    def text() -> str:
        lines = [f"root  {out['root']}", f"size  {out['size']} locks (depth {out['depth']})"]
        if "block" in out:
            at = (
                ""
                if out["recordedBlock"] == out["block"]
                else f" (no locks after block {out['recordedBlock']})"
            )
            lines.append(f"block {out['block']}{at}")
        for b in out["block_roots"][-5:]:
            lines.append(f"  block {b['blockNumber']}: {b['size']} locks, root {b['root']}")
        return "\n".join(lines)

    emit(as_json, out, text)


@vault.command("path")
@click.argument("path", type=click.Path(dir_okay=False))
@click.argument("lock_id", type=int)
@click.option(
    "--size",
    type=int,
    default=None,
    help="The path against the root the vault had with SIZE locks.",
)
@json_option
def vault_path(path: str, lock_id: int, size: int | None, as_json: bool) -> None:
    """Print lock LOCK_ID and its inclusion path (pathElements, pathIndices) to the root."""
    with open_vault(path) as v:
        lock = v.get_lock(lock_id)
        if size is not None and not lock_id < size <= v.size:
            raise CliInputError(
                f"--size {size} must be above the lock id {lock_id} and at most "
                f"the vault's {v.size} locks"
            )
        p = v.generate_proof(lock_id, size)
        ok = v.verify_proof(p)
    out: dict[str, Any] = {
        "lock": lock.to_json(),
        "leaf": str(p.leaf),
        "root": str(p.root),
        "pathElements": [str(s) for s in p.siblings],
        "pathIndices": list(p.path_indices),
        "verified": ok,
    }
    emit(
        as_json,
        out,
        lambda: "\n".join(
            [
                f"lock {lock_id}: "
                + ", ".join(f"{k}={_shown(k, val)}" for k, val in out["lock"].items()),
                f"leaf {out['leaf']}",
                f"root {out['root']} (path checks: {'yes' if ok else 'NO'})",
                *(
                    f"  level {k:2d}: path element {s} on the {'left ' if b else 'right'} "
                    f"(path index {b})"
                    for k, (s, b) in enumerate(
                        zip(out["pathElements"], out["pathIndices"], strict=True)
                    )
                ),
            ]
        ),
    )


@vault.command("check")
@click.argument("path", type=click.Path(dir_okay=False))
@json_option
def vault_check(path: str, as_json: bool) -> None:
    """Recompute every leaf, node and block root of the vault at PATH from its locks.

    Exit status 0 when everything agrees, 1 when the vault is damaged (with the first
    difference), 2 when PATH is not a vault at all."""
    try:
        with open_vault(path) as v:
            work = hashes_to_append(0, v.size, v.depth)
            with hashing_progress("checking (hashing every lock and node)", work) as hasher:
                v.check_integrity(hasher)
            out = {"ok": True, "size": v.size, "root": str(v.root)}
    except StoreCorrupted as e:
        if as_json:
            click.echo(json.dumps({"ok": False, "reason": str(e)}))
        raise Rejected(f"vault check failed: {e}") from e
    emit(as_json, out, f"ok: {out['size']} locks, root {out['root']} recomputed")
