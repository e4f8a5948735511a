"""``zkcollat attest``: committee keys, signed root attestations (PROTOCOL.md s.6), checks."""

from __future__ import annotations

import json
import os
import secrets
from typing import Any

import click

from zkcollat.attest.attestation import RootAttestation, SignedAttestation, sign_attestation
from zkcollat.attest.committee import Committee
from zkcollat.attest.db import open_registry_store
from zkcollat.attest.eip712 import ZERO_ADDRESS, normalize_address
from zkcollat.attest.registry import RegistryConfig, RootRegistry
from zkcollat.attest.secp256k1 import N, PrivateKey
from zkcollat.cli._common import (
    ADDRESS,
    CliInputError,
    Rejected,
    emit,
    existing_file,
    json_option,
    load_json_file,
    new_file,
    now_or,
    parse_uint,
)
from zkcollat.cli.times import TIME
from zkcollat.db import FileExists, atomic_write
from zkcollat.errors import AttestationError, EncodingError
from zkcollat.formats import limits
from zkcollat.formats.snarkjs import write_json_atomic


def read_key(path: str) -> PrivateKey:
    """A secp256k1 secret from a key file: 64 hex digits (an optional 0x), as keygen writes."""
    return PrivateKey.from_int(read_key_secret(path))


def read_key_secret(path: str) -> int:
    """The secret of a key file (see :func:`read_key`), checked to be in (0, n)."""
    existing_file(path, "key")
    raw = limits.read_bytes(path, "key", 1024)
    bad = EncodingError(f"key file {path!r} does not hold a hex secret (64 hex digits)")
    try:
        text = raw.decode("ascii").strip()
    except UnicodeDecodeError:
        raise bad from None
    digits = text[2:] if text[:2].lower() == "0x" else text
    if len(digits) != 64:
        raise bad
    try:
        secret = int(digits, 16)
    except ValueError:
        raise bad from None
    if not 0 < secret < N:
        raise EncodingError(f"key file {path!r}: the secret is not in (0, n) of secp256k1")
    return secret


def new_key() -> tuple[int, PrivateKey]:
    """A fresh secret in [1, n) from the OS's CSPRNG, and its key."""
    secret = secrets.randbelow(N - 1) + 1
    return secret, PrivateKey.from_int(secret)


def write_key(secret: int, path: str) -> None:
    p = new_file(path, "key file")
    try:  # a secret: mode 0600 from the moment it exists; never over an existing file
        atomic_write(p, f"0x{secret:064x}\n", secret=True, overwrite=False)
    except FileExists as e:
        raise CliInputError(str(e)) from e


def member_address(spec: str) -> str:
    """A committee member given as an address (0x + 40 hex digits) or as a key file."""
    if spec[:2].lower() == "0x" and (len(spec) == 42 or not os.path.exists(spec)):
        try:
            return normalize_address(spec)
        except EncodingError:
            raise CliInputError(
                f"committee member {spec!r} is not an address (0x followed by 40 hex digits) "
                "nor a key file"
            ) from None
    return read_key(spec).address


@click.group()
def attest() -> None:
    """Root attestations: the committee signs a vault root (EIP-712, secp256k1).

    \b
    Examples:
      zkcollat attest keygen -o k1.key
      zkcollat attest committee --threshold 2 k1.key k2.key k3.key -o committee.json
      zkcollat attest sign --key k1.key --key k2.key --source-chain 1 \\
          --vault-address 0x0000000000000000000000000000000000000011 --from-vault vault.sqlite \\
          --block 100 --timestamp 1800000000 --chain-id 42161 -o attestation.json
      zkcollat attest verify attestation.json --committee committee.json --chain-id 42161
    """


@attest.command("keygen")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="Key file to write (hex secret, mode 600).",
)
@json_option
def attest_keygen(output: str, as_json: bool) -> None:
    """Make a new secp256k1 signing key for a committee member."""
    secret, key = new_key()
    write_key(secret, output)
    emit(as_json, {"key": output, "address": key.address}, f"wrote {output}: {key.address}")


@attest.command("address")
@click.argument("keys", nargs=-1, required=True, type=click.Path(dir_okay=False))
@json_option
def attest_address(keys: tuple[str, ...], as_json: bool) -> None:
    """The address of each key file, one a line (``ALICE=$(zkcollat attest address alice.key)``)."""
    rows = [{"key": k, "address": read_key(k).address} for k in keys]
    emit(as_json, rows if len(rows) > 1 else rows[0], "\n".join(r["address"] for r in rows))


@attest.command("committee")
@click.argument("members", nargs=-1, required=True)
@click.option("--threshold", type=int, required=True, help="Signatures needed.")
@click.option("--epoch", type=int, default=0, show_default=True)
@click.option(
    "--development",
    is_flag=True,
    help="Allow a threshold below 2 or not a strict majority (tests only).",
)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
@json_option
def attest_committee(
    members: tuple[str, ...],
    threshold: int,
    epoch: int,
    development: bool,
    output: str,
    as_json: bool,
) -> None:
    """Write a committee file from MEMBERS (addresses or key files) and a threshold."""
    c = Committee(epoch, tuple(member_address(m) for m in members), threshold, development)
    new_file(output, "committee file")
    write_json_atomic(output, c.to_json())
    emit(
        as_json,
        c.to_json(),
        f"wrote {output}: {c.threshold} of {len(c.members)} members, epoch {c.epoch}",
    )


@attest.command("sign")
@click.option(
    "--key",
    "keys",
    multiple=True,
    required=True,
    type=click.Path(dir_okay=False),
    help="Key file of a signing member (repeat).",
)
@click.option("--source-chain", default=None, help="Chain id of the vault's chain.")
@click.option(
    "--vault-address", type=ADDRESS, default=None, help="The vault contract's address."
)
@click.option("--root", default=None, help="The vault root (decimal or 0x hex).")
@click.option(
    "--from-vault",
    type=click.Path(dir_okay=False),
    default=None,
    help="Or: the root this SQLite vault recorded for --block (refused if it recorded none).",
)
@click.option(
    "--block", "block_number", type=int, default=None, help="Source block number of the root."
)
@click.option(
    "--timestamp",
    type=TIME,
    default=None,
    help="Source block time: unix seconds, -30s (before now) or an ISO date (default: now).",
)
@click.option("--chain-id", default=None, help="The execution chain (EIP-712 domain).")
@click.option(
    "--registry",
    type=ADDRESS,
    default=None,
    help="The execution side's root registry (EIP-712 verifyingContract; default: zero).",
)
@click.option(
    "--append",
    is_flag=True,
    help="Add the signatures to the bundle already in OUTPUT: its attestation and domain are "
    "reused (only --key and -o needed); any field given must match it.",
)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
@json_option
def attest_sign(
    keys: tuple[str, ...],
    source_chain: str | None,
    vault_address: str | None,
    root: str | None,
    from_vault: str | None,
    block_number: int | None,
    timestamp: int | None,
    chain_id: str | None,
    registry: str | None,
    append: bool,
    output: str,
    as_json: bool,
) -> None:
    """Sign a RootAttestation with one or more member keys; write the signed bundle.

    With --append the bundle in OUTPUT supplies the attestation and the domain: only --key
    and -o are needed (fields given anyway must equal the bundle's)."""
    from zkcollat.attest.attestation import zkcollat_domain

    old = None
    if append:
        old = SignedAttestation.from_json(load_json_file(output, "signed attestation"))
        a0, d0 = old.attestation, old.domain
        source_chain = str(a0.source_chain_id) if source_chain is None else source_chain
        vault_address = a0.vault if vault_address is None else vault_address
        block_number = a0.block_number if block_number is None else block_number
        timestamp = a0.timestamp if timestamp is None else timestamp
        chain_id = str(d0.chain_id) if chain_id is None else chain_id
        registry = d0.verifying_contract if registry is None else registry
        if root is None and from_vault is None:
            root = str(a0.root)
    else:
        new_file(output, "signed attestation")
    missing = [
        name
        for name, value in (
            ("--source-chain", source_chain),
            ("--vault-address", vault_address),
            ("--block", block_number),
            ("--chain-id", chain_id),
        )
        if value is None
    ]
    if missing:
        raise CliInputError(f"missing {', '.join(missing)} (or --append to an existing bundle)")
    assert source_chain is not None and vault_address is not None and chain_id is not None
    assert block_number is not None
    if (root is None) == (from_vault is None):
        raise CliInputError("give either --root or --from-vault")
    if from_vault is not None:
        from zkcollat.cli.vault_cmd import open_vault

        with open_vault(from_vault) as v:
            # the root recorded for exactly this block, checked against the tree at its size
            # (what `vault root --block N` reports for a block with a row); none: refused
            r = v.block_root(block_number, exact=True).root
    else:
        assert root is not None
        r = parse_uint(root, "root")
    att = RootAttestation(
        parse_uint(source_chain, "sourceChainId"), vault_address, block_number, r, now_or(timestamp)
    )
    domain = zkcollat_domain(
        parse_uint(chain_id, "chainId"), ZERO_ADDRESS if registry is None else registry
    )
    signed = sign_attestation(att, domain, [read_key(k) for k in keys])
    if old is not None:
        if old.attestation != att or old.domain != domain:
            raise CliInputError(f"{output} holds another attestation or domain; cannot append")
        signed = SignedAttestation(att, domain, old.signatures + signed.signatures)
    write_json_atomic(output, signed.to_json())
    emit(
        as_json,
        signed.to_json(),
        f"wrote {output}: root {r} at block {block_number}, {len(signed.signatures)} signature(s)",
    )


@attest.command("verify")
@click.argument("bundle", type=click.Path(dir_okay=False))
@click.option("--committee", "committee_path", required=True, type=click.Path(dir_okay=False))
@click.option("--chain-id", required=True, help="This execution chain's id.")
@click.option(
    "--registry",
    type=ADDRESS,
    default=ZERO_ADDRESS,
    show_default=True,
    help="This side's root registry address.",
)
@click.option(
    "--now",
    type=TIME,
    default=None,
    help="Time of the check: unix seconds, +1h (from the clock) or an ISO date (default: now).",
)
@json_option
def attest_verify(
    bundle: str, committee_path: str, chain_id: str, registry: str, now: int | None, as_json: bool
) -> None:
    """Apply the root registry's acceptance rules to a signed bundle: exit 0 if it would be
    accepted, 1 with the rule it breaks otherwise."""
    signed = SignedAttestation.from_json(load_json_file(bundle, "signed attestation"))
    committee = Committee.from_json(load_json_file(committee_path, "committee"))
    att = signed.attestation
    cfg = RegistryConfig(
        parse_uint(chain_id, "chainId"), registry, ((att.source_chain_id, att.vault),)
    )
    reg = RootRegistry(open_registry_store(), cfg, committee)
    try:
        accepted = reg.submit(signed, now=now_or(now))
    except AttestationError as e:
        if as_json:
            click.echo(json.dumps({"valid": False, "reason": str(e)}))
        raise Rejected(str(e)) from e
    out: dict[str, Any] = {
        "valid": True,
        "root": str(accepted.root),
        "blockNumber": accepted.block_number,
        "signers": list(accepted.signers),
        "epoch": accepted.epoch,
    }
    emit(
        as_json,
        out,
        f"OK: root {accepted.root} at block {accepted.block_number} signed by "
        f"{len(accepted.signers)} of {len(committee.members)} members "
        f"(threshold {committee.threshold})",
    )
