"""``zkcollat setup | prove | verify | export``: Groth16 keys, proofs and their Solidity side."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from zkcollat.cli._common import (
    ADDRESS,
    CliInputError,
    Rejected,
    emit,
    end_without_teardown,
    existing_file,
    json_option,
    new_file,
    parse_file,
    parse_uint,
    progress,
    timed,
    warn,
)
from zkcollat.cli.circuit_cmd import CIRCUITS, circuit_params, compiled, portfolio_options
from zkcollat.cli.options import PROOF_OUT, PUBLIC_OUT, WTNS, ZKEY
from zkcollat.cli.times import TIME
from zkcollat.db import atomic_write
from zkcollat.errors import ProofFormatError, ProvingError, ZkcollatError
from zkcollat.formats import pkey
from zkcollat.formats.snarkjs import (
    proof_from_json,
    proof_to_json,
    public_from_json,
    public_to_json,
    read_json,
    vk_from_json,
    vk_to_json,
    write_json_atomic,
)
from zkcollat.groth16.keys import ProvingKey, VerifyingKey, circuit_metadata, circuit_of_key

if TYPE_CHECKING:
    from zkcollat.r1cs.system import ConstraintSystem

PK_NAME = "proving_key.zkpk"
VK_NAME = "verification_key.json"


def load_pk(path: str) -> ProvingKey:
    existing_file(path, "proving key")
    return pkey.load(path)


def load_vk(path: str) -> VerifyingKey:
    vk = parse_file(path, "verification key", vk_from_json)
    if not vk.ceremony:
        why = (
            "delta = gamma: no phase-2 contribution"
            if vk.delta_g2 == vk.gamma_g2
            else "no multi-party ceremony"
        )
        warn(f"{path} is a development key ({why}): whoever ran the setup can forge proofs")
    return vk


# --- setup ------------------------------------------------------------------------------------


@click.command("setup")
@click.argument("name", type=click.Choice(CIRCUITS, case_sensitive=False))
@click.option(
    "--depth",
    type=click.IntRange(1, 32),
    default=None,
    help="collateral_lock / merkle_inclusion / portfolio: tree depth D (default 20).",
)
@click.option(
    "--bits",
    type=click.IntRange(1, 252),
    default=None,
    help="balance_threshold: bit width B (default 128).",
)
@portfolio_options
@click.option(
    "--pk",
    "pk_path",
    default=PK_NAME,
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Proving key file to write (.zkpk).",
)
@click.option(
    "--vk",
    "vk_path",
    default=VK_NAME,
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Verification key to write (snarkjs JSON).",
)
@click.option(
    "--seed",
    default=None,
    help="Derive the secrets from this public seed: FOR TEST VECTORS ONLY "
    "(anyone who knows it can forge proofs).",
)
@click.option("--force", is_flag=True, help="Overwrite existing key files.")
@json_option
def setup_cmd(
    name: str,
    depth: int | None,
    bits: int | None,
    slots: int | None,
    assets: int | None,
    pk_path: str,
    vk_path: str,
    seed: str | None,
    force: bool,
    as_json: bool,
) -> None:
    """Development Groth16 keys for circuit NAME (a single-party setup, not a ceremony).

    Whoever runs this setup knows its secrets and could forge proofs: the keys are marked
    as development keys in their files, and every tool that loads them says so.

    \b
    Example:
      zkcollat setup collateral_lock --depth 20 --pk proving_key.zkpk --vk verification_key.json
      zkcollat setup portfolio --depth 20 --slots 32 --pk portfolio_32.zkpk --vk portfolio_32.json
    """
    from zkcollat.groth16.setup import setup

    name = name.lower()
    params = circuit_params(name, depth, bits, slots, assets)
    new_file(pk_path, "proving key", force=force)
    new_file(vk_path, "verification key", force=force)
    with timed() as t, progress(["compile", "setup", "write"], "setup") as bar:
        for step in bar:
            if step == "compile":
                cs = compiled(name, **params)
            elif step == "setup":
                pk, vk = setup(cs, seed=None if seed is None else seed.encode())
                vk = vk.replace(
                    metadata={**vk.metadata, **circuit_metadata(name, params)}
                )
                pk.vk = vk
            else:
                pkey.save(pk, pk_path)
                write_json_atomic(vk_path, vk_to_json(vk))
    warn(
        "development keys (single-party setup, no multi-party ceremony): "
        "whoever ran this setup can forge proofs; do not secure real collateral with "
        "them"
    )
    out = {
        "circuit": name,
        "params": params,
        "pk": pk_path,
        "vk": vk_path,
        "constraints": cs.n_constraints,
        "domain_size": pk.domain_size,
        "pk_bytes": Path(pk_path).stat().st_size,
        "seconds": round(t[0], 3),
        "ceremony": False,
    }
    emit(
        as_json,
        out,
        f"wrote {pk_path} ({out['pk_bytes']} bytes) and {vk_path} for {name}"
        + "".join(f" {k}={v}" for k, v in params.items())
        + f": {cs.n_constraints} constraints, {t[0]:.2f} s",
    )


# --- prove ------------------------------------------------------------------------------------


def _write_proof(
    proof_path: Path,
    public_path: Path,
    proof: Any,
    public: list[int],
    check: tuple[VerifyingKey, str] | None = None,
) -> None:
    """Write the proof and its public signals; with ``check`` (the key's verifying key and
    its file), only once the proof verifies under that key (nothing is written otherwise)."""
    if check is not None:
        from zkcollat.errors import VerificationError
        from zkcollat.groth16.verify import verify_or_raise

        vk, source = check
        try:
            verify_or_raise(vk, public, proof, once=True)
        except VerificationError as e:
            raise ProvingError(
                f"the proof does not verify under the verifying key of {source} ({e}); "
                f"nothing was written: the key's converted form in the cache may be damaged"
            ) from e
    write_json_atomic(proof_path, proof_to_json(proof))
    write_json_atomic(public_path, public_to_json(public))


@click.command("prove")
@click.option(
    "--pk",
    "pk_path",
    default=PK_NAME,
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Proving key (.zkpk) from `zkcollat setup`.",
)
@ZKEY.option()
@WTNS.option()
@click.option(
    "--vault",
    "vault_path",
    type=click.Path(dir_okay=False),
    help="Prove a lock of this SQLite vault (CollateralLock).",
)
@click.option(
    "--lock",
    "lock_ids",
    type=int,
    multiple=True,
    help="Lock id to prove (repeat for several: files get a _<id> suffix).",
)
@click.option("--threshold", help="Amount the proof reveals the lock is worth at least.")
@click.option(
    "--asset-threshold",
    "asset_thresholds",
    multiple=True,
    metavar="ASSET=AMOUNT",
    help="With a Portfolio key: the --lock ids together hold at least AMOUNT of token ASSET "
    "(repeat per asset; one proof of all the locks).",
)
@click.option(
    "--min-expiry",
    type=TIME,
    help="When the proof reveals the lock lasts at least until: unix seconds, +30d (from now) "
    "or an ISO date.",
)
@click.option("--dest-chain", help="Execution chain id the credit is for.")
@click.option(
    "--owner",
    type=ADDRESS,
    default=None,
    help="Refuse unless the lock belongs to this account (0x + 40 hex digits).",
)
@click.option(
    "--size",
    type=int,
    default=None,
    help="Prove against the (attested) root the vault had with SIZE locks.",
)
@click.option(
    "--input",
    "input_path",
    type=click.Path(dir_okay=False),
    help="Or: an input.json with the circuit's signal names.",
)
@click.option(
    "--circuit",
    "circuit_name",
    type=click.Choice(CIRCUITS),
    default=None,
    help="With --input: the circuit (default: the one named in the key).",
)
@PROOF_OUT.option()
@PUBLIC_OUT.option()
@json_option
def prove_cmd(
    pk_path: str,
    zkey_path: str | None,
    wtns_path: str | None,
    vault_path: str | None,
    lock_ids: tuple[int, ...],
    threshold: str | None,
    asset_thresholds: tuple[str, ...],
    min_expiry: int | None,
    dest_chain: str | None,
    owner: str | None,
    size: int | None,
    input_path: str | None,
    circuit_name: str | None,
    proof_out: str,
    public_out: str,
    as_json: bool,
) -> None:
    """Write a Groth16 proof (proof.json) and its public signals (public.json).

    From a vault and a lock id (the relayer's case), or from an input.json. With a Portfolio
    key (`zkcollat setup portfolio`), the --lock ids of one owner go into one proof that they
    hold at least each --asset-threshold.

    \b
    Examples:
      zkcollat prove --pk proving_key.zkpk --vault vault.sqlite --lock 0 \\
          --threshold 8000000000000000000 --min-expiry 1890000000 --dest-chain 42161
      zkcollat prove --pk portfolio.zkpk --vault vault.sqlite --lock 0 --lock 3 \\
          --asset-threshold 0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2=12000000000000000000 \\
          --min-expiry +30d --dest-chain 42161
      zkcollat prove --pk proving_key.zkpk --input input.json
      zkcollat prove --zkey circuit.zkey --wtns witness.wtns -o proof.json --public public.json
    """
    from zkcollat.cli import zkey_prove

    if zkey_path is not None and wtns_path is not None:
        zkey_prove.prove_wtns_command(
            zkey_path, wtns_path, proof_out, public_out, as_json, vault_path, input_path
        )
        return
    end_without_teardown()  # every file below is written atomically (fsynced, closed)
    if wtns_path is not None:
        raise CliInputError("--wtns needs --zkey")
    if (vault_path is None) == (input_path is None):
        raise CliInputError("give either --vault (with --lock) or --input")
    # A .zkey's points come from the converted-key cache, whose entry only shares the file's
    # verifying key: each proof is checked against that key before it is written, as the
    # --wtns path does (a .zkpk is the user's own file, checked by its payload hash).
    check: tuple[VerifyingKey, str] | None = None
    if zkey_path is not None:
        pk = zkey_prove.zkey_pk(zkey_path, vault_path, circuit_name)
        check = (pk.vk, repr(zkey_path))
    else:
        pk = load_pk(pk_path)
        _b2_checked_once(pk)
    results: list[dict[str, Any]] = []
    if input_path is not None:
        from zkcollat.formats.signals import read_input_json
        from zkcollat.groth16.prove import fullprove

        if pk.circuit is not None and not circuit_name:
            cs = pk.circuit  # carried by the key: no compile, no hashing
        else:
            name, params = (circuit_name, {}) if circuit_name else circuit_of_key(pk)
            cs = compiled(name, **params)
        existing_file(input_path, "input")
        with timed() as t:
            proof, public = fullprove(pk, cs, read_input_json(input_path))
        _write_proof(Path(proof_out), Path(public_out), proof, public, check)
        results.append(
            {
                "proof": proof_out,
                "public": public_out,
                "publicSignals": public_to_json(public),
                "seconds": round(t[0], 3),
            }
        )
    elif _is_portfolio(pk):
        if threshold is not None:
            raise CliInputError(
                "a Portfolio key proves --asset-threshold ASSET=AMOUNT per asset, not --threshold"
            )
        results = [
            _prove_portfolio(
                pk,
                vault_path or "",
                lock_ids,
                asset_thresholds,
                min_expiry,
                dest_chain,
                owner,
                size,
                proof_out,
                public_out,
                check,
            )
        ]
    else:
        if asset_thresholds:
            raise CliInputError(
                "--asset-threshold needs a Portfolio key (zkcollat setup portfolio)"
            )
        results = _prove_locks(
            pk,
            vault_path or "",
            lock_ids,
            threshold,
            min_expiry,
            dest_chain,
            owner,
            size,
            proof_out,
            public_out,
            check,
        )
    out = results[0] if len(results) == 1 else {"proofs": results}

    def text() -> str:
        return "\n".join(
            f"wrote {r['proof']} and {r['public']} ({r['seconds']:.2f} s)" for r in results
        )

    emit(as_json, out, text)


def _b2_checked_once(pk: ProvingKey) -> None:
    """A ``.zkpk`` whose B2 query the cache does not record as checked in G2 (a key made
    elsewhere, or a cache emptied since ``setup``) has it checked now, once (~0.4 s CPU at
    CollateralLock(20)), as a ``.zkey``'s first ``--wtns`` proof does: a point outside G2 is
    refused by name before anything is proved, and every later proof of the key splits B2 by
    G2's endomorphism (:mod:`zkcollat.formats.b2record`)."""
    if pk.b_g2_in_g2:
        return
    from zkcollat.formats import b2record

    b2record.known_in_g2(pk.b_g2_query, "std")
    pk.b_g2_checked = pk.b_g2_query


def _require_options(what: str, *options: tuple[str, object]) -> None:
    """Refuse, naming every one, the options a mode needs that were not given."""
    missing = [name for name, value in options if value is None or value == ()]
    if missing:
        raise CliInputError(f"{what} needs {', '.join(missing)}")


def _prove_locks(
    pk: ProvingKey,
    vault_path: str,
    lock_ids: tuple[int, ...],
    threshold: str | None,
    min_expiry: int | None,
    dest_chain: str | None,
    owner: str | None,
    size: int | None,
    proof_out: str,
    public_out: str,
    check: tuple[VerifyingKey, str] | None = None,
) -> list[dict[str, Any]]:
    from zkcollat.cli.vault_cmd import open_vault
    from zkcollat.relayer.prover import prove_lock
    from zkcollat.statements import CollateralLock

    _require_options(
        "proving from a vault",
        ("--lock", lock_ids),
        ("--threshold", threshold),
        ("--min-expiry", min_expiry),
        ("--dest-chain", dest_chain),
    )
    assert threshold and min_expiry is not None and dest_chain
    th = parse_uint(threshold, "threshold")
    me = min_expiry
    dc = parse_uint(dest_chain, "destChainId", 64)
    ow = None if owner is None else int(owner, 16)
    results = []
    with open_vault(vault_path) as v:
        # The key's own circuit when it carries one for this depth (no compile, no hashing);
        # otherwise the vault's, and a key made for another circuit is refused by prove.
        carried = pk.circuit
        depth_ok = carried is not None and any(
            s.name == "pathElements" and s.size == v.depth for s in carried.inputs
        )
        cs: ConstraintSystem = (
            carried if carried is not None and depth_ok else CollateralLock(v.depth).compile()
        )
        for lid in lock_ids:
            v.get_lock(lid)  # an unknown id fails before any proving
        with progress(lock_ids, "proving") as bar:
            for lid in bar:
                with timed() as t:
                    proof, typed = prove_lock(
                        v, lid, th, me, pk=pk, dest_chain_id=dc, owner=ow, cs=cs, size=size
                    )
                public = typed.to_list()
                pp, pu = Path(proof_out), Path(public_out)
                if len(lock_ids) > 1:
                    pp = pp.with_name(f"{pp.stem}_{lid}{pp.suffix}")
                    pu = pu.with_name(f"{pu.stem}_{lid}{pu.suffix}")
                _write_proof(pp, pu, proof, public, check)
                results.append(
                    {
                        "lockId": lid,
                        "proof": str(pp),
                        "public": str(pu),
                        "publicSignals": public_to_json(public),
                        "seconds": round(t[0], 3),
                    }
                )
    return results


def _is_portfolio(pk: ProvingKey) -> bool:
    try:
        return circuit_of_key(pk)[0] == "portfolio"
    except ZkcollatError:
        return False  # a key that does not name its circuit: proved as CollateralLock


def _prove_portfolio(
    pk: ProvingKey,
    vault_path: str,
    lock_ids: tuple[int, ...],
    asset_thresholds: tuple[str, ...],
    min_expiry: int | None,
    dest_chain: str | None,
    owner: str | None,
    size: int | None,
    proof_out: str,
    public_out: str,
    check: tuple[VerifyingKey, str] | None = None,
) -> dict[str, Any]:
    """One Portfolio proof of ``lock_ids`` with the key's k and m; the locks' owner is --owner
    or the first lock's, and every lock must be that owner's, for --dest-chain."""
    from zkcollat.cli.vault_cmd import open_vault
    from zkcollat.relayer.portfolio import portfolio_public, prove_portfolio
    from zkcollat.statements.portfolio import DEFAULT_ASSETS, DEFAULT_SLOTS

    _require_options(
        "a portfolio proof",
        ("--lock", lock_ids),
        ("--asset-threshold", asset_thresholds),
        ("--min-expiry", min_expiry),
        ("--dest-chain", dest_chain),
    )
    assert min_expiry is not None and dest_chain
    thresholds: dict[int, int] = {}
    for item in asset_thresholds:
        asset, sep, amount = item.partition("=")
        if not sep:
            raise CliInputError(f"--asset-threshold {item!r} is not ASSET=AMOUNT")
        a = parse_uint(asset.strip(), "asset", 160)
        if a in thresholds:
            raise CliInputError(f"--asset-threshold names asset {asset.strip()} twice")
        thresholds[a] = parse_uint(amount.strip(), "threshold", 128)
    if len(set(lock_ids)) != len(lock_ids):
        raise CliInputError(f"--lock names a lock twice: {sorted(lock_ids)}")
    _, params = circuit_of_key(pk)
    dc = parse_uint(dest_chain, "destChainId", 64)
    with open_vault(vault_path) as v:
        if params.get("depth", v.depth) != v.depth:
            raise CliInputError(
                f"the key is for Portfolio of depth {params['depth']}, the vault has depth "
                f"{v.depth}"
            )
        for lid in lock_ids:
            v.get_lock(lid)  # an unknown id fails before any proving
        ow = int(owner, 16) if owner else v.get_lock(lock_ids[0]).owner
        public = portfolio_public(
            v,
            lock_ids,
            thresholds,
            min_expiry,
            dest_chain_id=dc,
            owner=ow,
            slots=params.get("slots", DEFAULT_SLOTS),
            assets=params.get("assets", DEFAULT_ASSETS),
            size=size,
        )
        with timed() as t:
            proof = prove_portfolio(v, public, pk=pk, cs=pk.circuit, size=size)
    pub = public.to_list()
    _write_proof(Path(proof_out), Path(public_out), proof, pub, check)
    return {
        "lockIds": list(public.locks),
        "proof": proof_out,
        "public": public_out,
        "publicSignals": public_to_json(pub),
        "values": public.to_dict(),
        "seconds": round(t[0], 3),
    }


# --- verify -----------------------------------------------------------------------------------


@click.command("verify")
@click.argument("vk_path", metavar="VERIFICATION_KEY", type=click.Path(dir_okay=False))
@click.argument("public_path", metavar="PUBLIC", type=click.Path(dir_okay=False))
@click.argument("proof_path", metavar="PROOF", type=click.Path(dir_okay=False))
@json_option
def verify_cmd(vk_path: str, public_path: str, proof_path: str, as_json: bool) -> None:
    """Check a Groth16 proof: exit 0 if valid, 1 if invalid (with the reason).

    Files that cannot be read or parsed are bad input (exit 2): not JSON, too large or too
    deep, a point off its curve or outside its subgroup, a coordinate >= p, a public input
    >= r, a file given in another's place, a public.json whose length is not the key's
    nPublic. A well-formed proof that does not verify is invalid (exit 1).

    \b
    Example (snarkjs's argument order):
      zkcollat verify verification_key.json public.json proof.json
    """
    from zkcollat.errors import VerificationError
    from zkcollat.formats.verify_json import verify_snarkjs_or_raise

    end_without_teardown()  # reads only; exit 0 (valid) ends without teardown
    vk = load_vk(vk_path)
    public = parse_file(public_path, "public signals", public_from_json)
    proof = parse_file(proof_path, "proof", proof_from_json)
    if len(public) != vk.n_public:
        raise ProofFormatError(
            f"public signals file {public_path!r} has {len(public)} values; the verification "
            f"key {vk_path!r} takes nPublic = {vk.n_public}"
        )
    try:
        with timed() as t:
            verify_snarkjs_or_raise(vk, public, proof)
    except VerificationError as e:
        if as_json:
            click.echo(json.dumps({"valid": False, "reason": str(e)}))
        raise Rejected(str(e)) from e
    emit(
        as_json,
        {"valid": True, "seconds": round(t[0], 4)},
        f"OK: the proof is valid ({t[0] * 1e3:.1f} ms)",
    )


# --- export -----------------------------------------------------------------------------------


@click.group()
def export() -> None:
    """Export a verifier contract or a proof's calldata for the EVM.

    \b
    Examples:
      zkcollat export solidity verification_key.json -o CollateralLockVerifier.sol
      zkcollat export calldata public.json proof.json
    """


@export.command("solidity")
@click.argument("vk_path", metavar="VERIFICATION_KEY", type=click.Path(dir_okay=False))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default=None,
    help="File to write (default: stdout).",
)
@click.option("--name", default=None, help="Contract name.")
@click.option(
    "--statement",
    "statement_name",
    type=click.Choice(CIRCUITS),
    default=None,
    help="The key's statement: adds verify<Title> taking its public inputs by name "
    "(default: collateral_lock for a key with its number of public inputs).",
)
@click.option(
    "--generic", is_flag=True, help="Plain Groth16Verifier even for a CollateralLock key."
)
@portfolio_options
def export_solidity(
    vk_path: str,
    output: str | None,
    name: str | None,
    statement_name: str | None,
    generic: bool,
    slots: int | None,
    assets: int | None,
) -> None:
    """Write the Solidity verifier of VERIFICATION_KEY (snarkjs's verifyProof interface).

    A CollateralLock key (7 public inputs) gets CollateralLockVerifier, which adds
    verifyCollateralLock taking the public inputs by name; --statement names another. A
    portfolio key (named by its file, or --statement portfolio with --slots/--assets) gets
    PortfolioVerifier with verifyPortfolio, which packs the named values itself.
    """
    from zkcollat.solidity import generate_statement_verifier, generate_verifier
    from zkcollat.solidity.portfolio import generate_portfolio_verifier
    from zkcollat.statements import CollateralLock, statement
    from zkcollat.statements.portfolio import DEFAULT_ASSETS, DEFAULT_SLOTS

    vk = load_vk(vk_path)
    if generic and statement_name:
        raise CliInputError("--generic and --statement exclude each other")
    raw = read_json(vk_path, "verification key")  # setup records the circuit in the file
    recorded = raw.get("zkcollat_circuit") if isinstance(raw, dict) else None
    if statement_name is None and not generic and recorded == "portfolio":
        statement_name = "portfolio"
    if statement_name is None and vk.n_public == len(CollateralLock.public_inputs.names()):
        statement_name = CollateralLock.name
    if statement_name == "portfolio" and not generic:
        params: dict[str, int] = {}
        if recorded == "portfolio":
            try:
                params = {
                    str(k): int(v) for k, v in json.loads(raw["zkcollat_params"]).items()
                }
            except (KeyError, ValueError, TypeError, AttributeError) as e:
                raise CliInputError(
                    f"the key's recorded circuit parameters are malformed: {e}"
                ) from e
        for opt, given in (("slots", slots), ("assets", assets)):
            if given is not None and opt in params and params[opt] != given:
                # (k, m) pairs with the same number of public inputs exist: never guess
                raise CliInputError(
                    f"--{opt} {given}: the key was made for {opt} = {params[opt]}"
                )
        k = slots if slots is not None else params.get("slots", DEFAULT_SLOTS)
        m = assets if assets is not None else params.get("assets", DEFAULT_ASSETS)
        src = generate_portfolio_verifier(vk, k, m, name or "PortfolioVerifier")
    elif statement_name and not generic:
        src = generate_statement_verifier(vk, statement(statement_name), name)
    else:
        src = generate_verifier(vk, name or "Groth16Verifier")
    if output is None:
        click.echo(src, nl=False)
    else:
        if not Path(output).resolve().parent.exists():
            raise CliInputError(f"the folder of {output!r} does not exist")
        atomic_write(output, src)
        click.echo(f"wrote {output}", err=True)


@export.command("calldata")
@click.argument("public_path", metavar="PUBLIC", type=click.Path(dir_okay=False))
@click.argument("proof_path", metavar="PROOF", type=click.Path(dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "hex"]),
    default="text",
    show_default=True,
    help="text: snarkjs soliditycalldata; json: the four arguments; hex: the raw "
    "verifyProof transaction data.",
)
def export_calldata(public_path: str, proof_path: str, fmt: str) -> None:
    """Print the verifyProof arguments for PROOF and PUBLIC (snarkjs's argument order)."""
    from zkcollat.solidity import calldata_json, soliditycalldata, verify_proof_calldata

    public = parse_file(public_path, "public signals", public_from_json)
    proof = parse_file(proof_path, "proof", proof_from_json)
    if fmt == "text":
        click.echo(soliditycalldata(proof, public))
    elif fmt == "json":
        click.echo(json.dumps(calldata_json(proof, public)))
    else:
        click.echo("0x" + verify_proof_calldata(proof, public).hex())
