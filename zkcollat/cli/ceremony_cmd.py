"""``zkcollat ceremony new|contribute|beacon|verify|export-vk`` and ``zkcollat keys import|export``:
Groth16 phase 2 in snarkjs's ``.zkey`` format, on a public Powers of Tau."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from zkcollat.cli._common import (
    CliInputError,
    Rejected,
    circuit_size_options,
    emit,
    existing_file,
    json_option,
    new_file,
    stages,
    warn,
)
from zkcollat.cli.circuit_cmd import CIRCUITS, circuit_params, compiled
from zkcollat.cli.zkey_prove import DEV_WARNING, unverified

if TYPE_CHECKING:
    from zkcollat.formats.zkey import Zkey



def _circuit_from(
    spec: str, depth: int | None, bits: int | None
) -> tuple[Any, str | None, dict[str, int]]:
    """A phase-2 circuit from an ``.r1cs`` path or one of zkcollat's statement names."""
    from zkcollat.ceremony.keys import circuit_of
    from zkcollat.ceremony.phase2 import circuit_from_r1cs

    if spec.lower() in CIRCUITS:
        name = spec.lower()
        params = circuit_params(name, depth, bits)
        return circuit_of(compiled(name, **params)), name, params
    path = existing_file(spec, "circuit (.r1cs)")
    return circuit_from_r1cs(path.read_bytes(), f"{spec}"), None, {}


def _read_zkey(path: str) -> Any:
    from zkcollat.formats.zkey import read_zkey

    existing_file(path, "zkey")
    return read_zkey(path)


def _read_ptau(path: str) -> Any:
    from zkcollat.formats.ptau import read_ptau

    existing_file(path, "ptau")
    return read_ptau(path)


def _hash_text(h: bytes) -> str:
    from zkcollat.ceremony.phase2 import format_hash

    return "\n".join("    " + line for line in format_hash(h).splitlines())


def _dev_note(zkey_bytes: bytes, what: str) -> str | None:
    """None when ``ceremony verify`` recorded this exact key file as trusted; else the reason."""
    from zkcollat.ceremony.trust import file_sha256, trusted_record

    if trusted_record(file_sha256(zkey_bytes)) is not None:
        return None
    return unverified(what)


def _add_contribution(
    in_path: str,
    out_path: str,
    force: bool,
    as_json: bool,
    label: str,
    add: Callable[[Zkey], bytes],
) -> None:
    """Read the key IN, ``add`` one contribution to it (returning its hash), write OUT."""
    from zkcollat.formats.zkey import write_zkey

    new_file(out_path, "zkey", force=force)
    with stages("contributing", 3) as say:
        say(f"reading {in_path}")
        zk = _read_zkey(in_path)
        say("scaling L and H by the secret's inverse")
        h = add(zk)
        say(f"writing {out_path}")
        write_zkey(zk, out_path)
    emit(
        as_json,
        {"zkey": out_path, "contribution": len(zk.contributions), "contribution_hash": h.hex()},
        f"wrote {out_path} ({label}contribution #{len(zk.contributions)})\n"
        f"contribution hash:\n{_hash_text(h)}",
    )


@click.group()
def ceremony() -> None:
    """Groth16 phase 2 (snarkjs's .zkey format) on a public Powers of Tau.

    zkcollat does not run phase 1: it uses a finished, prepared ptau (for example the
    Hermez/Polygon perpetual powers of tau, powersOfTau28_hez_final_NN.ptau). snarkjs and
    zkcollat check each other's keys and contributions.

    \b
    Example:
      zkcollat ceremony new collateral_lock powersOfTau28_hez_final_14.ptau -o 0000.zkey
      zkcollat ceremony contribute 0000.zkey 0001.zkey --name alice
      zkcollat ceremony beacon 0001.zkey final.zkey 0102...1f 10
      zkcollat ceremony verify final.zkey --circuit collateral_lock powersOfTau28_hez_final_14.ptau
      zkcollat ceremony export-vk final.zkey -o verification_key.json
    """


@ceremony.command("new")
@click.argument("circuit_spec", metavar="CIRCUIT")
@click.argument("ptau_path", metavar="PTAU")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="The initial key to write (.zkey).",
)
@circuit_size_options
@click.option("--force", is_flag=True, help="Overwrite the output.")
@json_option
def new_cmd(
    circuit_spec: str,
    ptau_path: str,
    output: str,
    depth: int | None,
    bits: int | None,
    force: bool,
    as_json: bool,
) -> None:
    """The initial key of CIRCUIT on PTAU (no contribution yet: a development key).

    CIRCUIT is an .r1cs file (any circom circuit) or a zkcollat statement name.
    """
    from zkcollat.ceremony.phase2 import new_zkey
    from zkcollat.formats.zkey import write_zkey

    new_file(output, "zkey", force=force)
    from zkcollat.ceremony.phase2 import NEW_STAGES

    with stages("initial key", 2 + len(NEW_STAGES)) as say:
        say("reading the circuit and the ptau")
        circuit, _name, _params = _circuit_from(circuit_spec, depth, bits)
        ptau = _read_ptau(ptau_path)
        zk = new_zkey(circuit, ptau, say)
        say(f"writing {output}")
        write_zkey(zk, output)
    warn(DEV_WARNING.format(what=output, why="it has no phase-2 contribution yet (delta = gamma)"))
    emit(
        as_json,
        {
            "zkey": output,
            "circuit_hash": zk.cs_hash.hex(),
            "constraints": circuit.n_constraints,
            "domain_size": zk.domain_size,
        },
        f"wrote {output}: {circuit.n_constraints} constraints, domain {zk.domain_size}\n"
        f"circuit hash:\n{_hash_text(zk.cs_hash)}",
    )


@ceremony.command("contribute")
@click.argument("in_path", metavar="IN")
@click.argument("out_path", metavar="OUT")
@click.option("--name", default=None, help="Your name, recorded in the key (up to 64 bytes).")
@click.option(
    "-e", "--entropy", default="", help="Extra text mixed into the OS entropy (optional)."
)
@click.option("--force", is_flag=True, help="Overwrite OUT.")
@json_option
def contribute_cmd(
    in_path: str, out_path: str, name: str | None, entropy: str, force: bool, as_json: bool
) -> None:
    """Add your contribution to IN and write OUT; prints the contribution hash to publish.

    The secret comes from the operating system's entropy (plus --entropy); it is used once
    and kept nowhere.
    """
    from zkcollat.ceremony.phase2 import contribute

    _add_contribution(
        in_path, out_path, force, as_json, "", lambda zk: contribute(zk, entropy, name)
    )


@ceremony.command("beacon")
@click.argument("in_path", metavar="IN")
@click.argument("out_path", metavar="OUT")
@click.argument("beacon_hex", metavar="BEACON_HEX")
@click.argument("iterations", metavar="ITER", type=int)
@click.option("--name", default=None, help="A name for the beacon contribution.")
@click.option("--force", is_flag=True, help="Overwrite OUT.")
@json_option
def beacon_cmd(
    in_path: str,
    out_path: str,
    beacon_hex: str,
    iterations: int,
    name: str | None,
    force: bool,
    as_json: bool,
) -> None:
    """A final contribution from a public random value (2^ITER rounds of SHA-256 over it)."""
    from zkcollat.ceremony.phase2 import beacon

    try:
        value = bytes.fromhex(beacon_hex.removeprefix("0x"))
    except ValueError as e:
        raise CliInputError(f"BEACON_HEX {beacon_hex!r} is not hexadecimal") from e
    _add_contribution(
        in_path, out_path, force, as_json, "beacon, ",
        lambda zk: beacon(zk, value, iterations, name),
    )


@ceremony.command("verify")
@click.argument("zkey_path", metavar="ZKEY")
@click.argument("ptau_path", metavar="PTAU")
@click.option(
    "--r1cs",
    "r1cs_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="The circuit as an .r1cs file.",
)
@click.option(
    "--circuit",
    "circuit_name",
    type=click.Choice(CIRCUITS),
    default=None,
    help="Or: one of zkcollat's statements (with --depth/--bits).",
)
@circuit_size_options
@json_option
def verify_cmd(
    zkey_path: str,
    ptau_path: str,
    r1cs_path: str | None,
    circuit_name: str | None,
    depth: int | None,
    bits: int | None,
    as_json: bool,
) -> None:
    """Check ZKEY against the circuit and PTAU; prints the chain of contribution hashes.

    Exit 0 when the key verifies, 1 when it does not (with the reason). A key is trusted
    (no development mark) only when PTAU is a recognised public ceremony and the key has at
    least one contribution; a trusted key is recorded, so `prove --zkey` can tell.
    """
    from zkcollat.ceremony.keys import check_key_circuit
    from zkcollat.ceremony.phase2 import VERIFY_STAGES, verify
    from zkcollat.ceremony.trust import RECOGNISED_PTAU, file_sha256, record_trusted, verdict
    from zkcollat.errors import KeyFormatError

    if (r1cs_path is None) == (circuit_name is None):
        raise CliInputError("give the circuit: either --r1cs FILE or --circuit NAME")
    spec = r1cs_path or circuit_name or ""
    with stages("verifying", 1 + len(VERIFY_STAGES)) as say:
        say("reading the circuit, the key and the ptau")
        circuit, name, params = _circuit_from(spec, depth, bits)
        zk = _read_zkey(zkey_path)
        ptau = _read_ptau(ptau_path)
        failed: KeyFormatError | None = None
        try:
            if name is not None:
                check_key_circuit(zk, name, params, compiled(name, **params))
            result = verify(zk, circuit, ptau, say)
        except KeyFormatError as e:  # a chain that does not verify, or a key for another circuit
            failed = e
    if failed is not None:  # said after the bar has ended
        if as_json:
            click.echo(json.dumps({"valid": False, "reason": str(failed)}))
        raise Rejected(str(failed)) from failed
    ptau_hash = ptau.blake2b()
    why = verdict(ptau_hash, len(result.contributions), result.delta_is_generator)
    data = Path(zkey_path).read_bytes()
    digest = file_sha256(data)
    if why is None:
        record_trusted(
            digest,
            {
                "zkey_sha256": digest,
                "ptau": RECOGNISED_PTAU[ptau_hash],
                "ptau_blake2b": ptau_hash,
                "circuit_hash": result.cs_hash.hex(),
                "contributions": [c.hash.hex() for c in result.contributions],
            },
        )
    else:
        warn(DEV_WARNING.format(what=zkey_path, why=why))
    out = {
        "valid": True,
        "trusted": why is None,
        "reason": why,
        "circuit_hash": result.cs_hash.hex(),
        "ptau_blake2b": ptau_hash,
        "contributions": [
            {
                "index": c.index,
                "name": c.name,
                "hash": c.hash.hex(),
                "beacon": None
                if c.beacon is None
                else {"hash": c.beacon[0].hex(), "iterations_exp": c.beacon[1]},
            }
            for c in result.contributions
        ],
    }

    def text() -> str:
        lines = [f"circuit hash:\n{_hash_text(result.cs_hash)}"]
        for c in reversed(result.contributions):
            label = f"contribution #{c.index}" + (f" {c.name}" if c.name else "")
            if c.beacon is not None:
                label += f" (beacon {c.beacon[0].hex()}, 2^{c.beacon[1]} iterations)"
            lines.append(f"{label}:\n{_hash_text(c.hash)}")
        if not result.contributions:
            lines.append("no contributions")
        lines.append(
            "OK: the key verifies"
            + (
                "; trusted (recognised public ptau, >= 1 contribution)"
                if why is None
                else "; DEVELOPMENT KEY: " + why
            )
        )
        return "\n".join(lines)

    emit(as_json, out, text)


@ceremony.command("export-vk")
@click.argument("zkey_path", metavar="ZKEY")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default="verification_key.json",
    show_default=True,
    help="verification_key.json to write.",
)
@json_option
def export_vk_cmd(zkey_path: str, output: str, as_json: bool) -> None:
    """Write the verification key of ZKEY (snarkjs JSON), marked unless verified trusted."""
    from zkcollat.ceremony.keys import zkey_to_vk
    from zkcollat.formats.snarkjs import vk_to_json, write_json_atomic

    zk = _read_zkey(zkey_path)
    why = _dev_note(Path(zkey_path).read_bytes(), zkey_path)
    vk = zkey_to_vk(zk, trusted=why is None)
    write_json_atomic(output, vk_to_json(vk))
    if why is not None:
        warn(DEV_WARNING.format(what=zkey_path, why=why))
    emit(
        as_json,
        {"vk": output, "trusted": why is None, "nPublic": vk.n_public},
        f"wrote {output} ({vk.n_public} public inputs)",
    )


# --- keys ----------------------------------------------------------------------------------------


@click.group()
def keys() -> None:
    """Convert proving keys between snarkjs's .zkey and zkcollat's .zkpk.

    \b
    Examples:
      zkcollat keys import final.zkey -o proving_key.zkpk --circuit collateral_lock --depth 20
      zkcollat keys export proving_key.zkpk -o proving_key.zkey
    """


@keys.command("import")
@click.argument("zkey_path", metavar="ZKEY")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default="proving_key.zkpk",
    show_default=True,
    help="The .zkpk to write.",
)
@click.option(
    "--circuit",
    "circuit_name",
    type=click.Choice(CIRCUITS),
    default=None,
    help="The zkcollat statement the key is for (checked), so that `prove --pk` "
    "can use it with --vault/--input.",
)
@circuit_size_options
@click.option("--force", is_flag=True, help="Overwrite the output.")
@json_option
def import_cmd(
    zkey_path: str,
    output: str,
    circuit_name: str | None,
    depth: int | None,
    bits: int | None,
    force: bool,
    as_json: bool,
) -> None:
    """A .zkpk proving key from a snarkjs .zkey."""
    from zkcollat.ceremony.keys import check_key_circuit, zkey_to_pk
    from zkcollat.formats import pkey
    from zkcollat.groth16.keys import circuit_metadata
    from zkcollat.groth16.qap import circuit_digest

    new_file(output, "proving key", force=force)
    zk = _read_zkey(zkey_path)
    why = _dev_note(Path(zkey_path).read_bytes(), zkey_path)
    md: dict[str, str] = {}
    digest = None
    if circuit_name is not None:
        params = circuit_params(circuit_name, depth, bits)
        cs = compiled(circuit_name, **params)
        check_key_circuit(zk, circuit_name, params, cs)
        digest = circuit_digest(cs)
        md = circuit_metadata(circuit_name, params)
    pk = zkey_to_pk(zk, circuit_digest=digest, trusted=why is None, metadata=md)
    pkey.save(pk, output)
    if why is not None:
        warn(DEV_WARNING.format(what=zkey_path, why=why))
    emit(
        as_json,
        {"pk": output, "trusted": why is None, "circuit": circuit_name},
        f"wrote {output}"
        + (
            f" for {circuit_name}"
            if circuit_name
            else " (a circuit zkcollat did not compile: prove with --zkey --wtns)"
        ),
    )


@keys.command("export")
@click.argument("pk_path", metavar="ZKPK")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default="proving_key.zkey",
    show_default=True,
    help="The .zkey to write.",
)
@click.option("--force", is_flag=True, help="Overwrite the output.")
@json_option
def export_cmd(pk_path: str, output: str, force: bool, as_json: bool) -> None:
    """A snarkjs .zkey from a .zkpk of one of zkcollat's statements (for snarkjs or rapidsnark).

    The .zkey has no phase-2 record: `snarkjs zkey verify` refuses it, as it should a key
    made without a ceremony.
    """
    from zkcollat.ceremony.keys import circuit_of, pk_to_zkey
    from zkcollat.cli.proof_cmd import load_pk
    from zkcollat.formats.zkey import write_zkey
    from zkcollat.groth16.keys import circuit_of_key

    new_file(output, "zkey", force=force)
    pk = load_pk(pk_path)
    name, params = circuit_of_key(pk)
    zk = pk_to_zkey(pk, circuit_of(compiled(name, **params)))
    write_zkey(zk, output)
    emit(
        as_json,
        {"zkey": output, "circuit": name, "params": params},
        f"wrote {output} for {name}" + "".join(f" {k}={v}" for k, v in params.items()),
    )
