"""``zkcollat prove --zkey``: proving with a snarkjs key, as ``snarkjs groth16 prove`` (a
``.wtns``) or for one of zkcollat's statements (``--vault`` / ``--input``).

No click command is defined here, and click is not imported: ``prove`` imports this module,
not the ``ceremony`` and ``keys`` command groups, and the fast path of ``prove --zkey --wtns``
(:mod:`zkcollat.cli.fast`) runs :func:`prove_wtns_command` without click.
"""

from __future__ import annotations

from typing import Any

from zkcollat.cli._base import CliInputError, emit, end_without_teardown, existing_file, warn

DEV_WARNING = "{what} is a development key: {why}. Do not secure real collateral with it."


def unverified(what: str) -> str:
    """Why a .zkey that ``ceremony verify`` has not recorded as trusted keeps the mark."""
    return (
        "it has not been verified against a recognised public Powers of Tau with at least one "
        f"phase-2 contribution (run `zkcollat ceremony verify {what} ...`)"
    )


def prove_wtns(zkey_path: str, wtns_path: str, proof_out: str, public_out: str) -> dict[str, Any]:
    """``snarkjs groth16 prove ZKEY WTNS PROOF PUBLIC``, with zkcollat's prover."""
    import time

    from zkcollat.ceremony.keys import prove_zkey_file
    from zkcollat.db import atomic_write_json_all
    from zkcollat.formats.snarkjs import proof_to_json, public_to_json
    from zkcollat.formats.wtns import read_wtns_packed

    existing_file(zkey_path, "zkey")
    existing_file(wtns_path, "witness (.wtns)")
    t0 = time.perf_counter()
    witness = read_wtns_packed(wtns_path)
    proof, public, vk = prove_zkey_file(zkey_path, witness)
    if not vk.ceremony:
        warn(DEV_WARNING.format(what=zkey_path, why=unverified(zkey_path)))
    # both files atomically, their fsyncs at once (~2-4 ms of waiting for the disk each)
    atomic_write_json_all([(proof_out, proof_to_json(proof)), (public_out, public_to_json(public))])
    return {
        "proof": proof_out,
        "public": public_out,
        "publicSignals": public_to_json(public),
        "seconds": round(time.perf_counter() - t0, 3),
    }


def prove_wtns_command(
    zkey_path: str,
    wtns_path: str,
    proof_out: str,
    public_out: str,
    as_json: bool,
    vault_path: str | None = None,
    input_path: str | None = None,
) -> None:
    """``zkcollat prove --zkey K --wtns W -o P --public PUB [--json]``: the proof, the
    public signals, and one line (or the JSON) saying what was written."""
    end_without_teardown()  # every file is written atomically (fsynced, closed)
    if vault_path is not None or input_path is not None:
        raise CliInputError("--zkey with --wtns proves the witness; drop --vault/--input")
    out = prove_wtns(zkey_path, wtns_path, proof_out, public_out)
    emit(as_json, out, f"wrote {proof_out} and {public_out} ({out['seconds']:.2f} s)")


def zkey_pk(zkey_path: str, vault_path: str | None, circuit_name: str | None) -> Any:
    """The proving key of a .zkey for one of zkcollat's statements (checked against it)."""
    from zkcollat.ceremony.keys import pk_for_circuit
    from zkcollat.cli.circuit_cmd import compiled

    existing_file(zkey_path, "zkey")
    if vault_path is not None:
        from zkcollat.cli.vault_cmd import open_vault

        with open_vault(vault_path) as v:
            name, params = "collateral_lock", {"depth": v.depth}
    elif circuit_name is not None:
        name, params = circuit_name, {}
    else:
        raise CliInputError("with --zkey and --input, name the statement with --circuit")
    pk = pk_for_circuit(zkey_path, name, params, compiled(name, **params))
    if not pk.vk.ceremony:
        warn(DEV_WARNING.format(what=zkey_path, why=unverified(zkey_path)))
    return pk
