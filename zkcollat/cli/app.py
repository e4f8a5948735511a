"""The ``zkcollat`` click group (:data:`main`, also ``zkcollat.cli.main``): the top-level
options and the command groups, each imported when it runs."""

from __future__ import annotations

import json
import sys
import time

import click

from zkcollat import __version__
from zkcollat.cli._base import use_backend
from zkcollat.cli._common import ZkGroup, end_without_teardown
from zkcollat.cli.options import BACKEND, DEBUG, QUIET

# Each command group is imported when it runs, not at start-up (see ZkGroup): a new command
# is registered here by name, module and attribute (not with main.add_command at import).
_COMMANDS = {
    "vault": ("zkcollat.cli.vault_cmd", "vault"),
    "circuit": ("zkcollat.cli.circuit_cmd", "circuit"),
    "setup": ("zkcollat.cli.proof_cmd", "setup_cmd"),
    "prove": ("zkcollat.cli.proof_cmd", "prove_cmd"),
    "verify": ("zkcollat.cli.proof_cmd", "verify_cmd"),
    "prove-batch": ("zkcollat.cli.batch_cmd", "prove_batch_cmd"),
    "export": ("zkcollat.cli.proof_cmd", "export"),
    "attest": ("zkcollat.cli.attest_cmd", "attest"),
    "ceremony": ("zkcollat.cli.ceremony_cmd", "ceremony"),
    "keys": ("zkcollat.cli.ceremony_cmd", "keys"),
    "margin": ("zkcollat.cli.margin_cmd", "margin"),
    "demo": ("zkcollat.cli.demo_cmd", "demo"),
    "devnet": ("zkcollat.cli.devnet_cmd", "devnet"),
    "relayer": ("zkcollat.cli.relayer_cmd", "relayer"),
    "committee": ("zkcollat.cli.relayer_cmd", "committee"),
    "contracts": ("zkcollat.cli.contracts_cmd", "contracts"),
    "vectors": ("zkcollat.cli.vectors_cmd", "vectors"),
}
#: Subcommands defined in another module than their group's, added when the group loads.
_ATTACH = {
    "margin": [("zkcollat.cli.relayer_cmd", "sync_cmd"), ("zkcollat.cli.plot_cmd", "plot_cmd")],
}


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """``--version``: click's ``version_option`` line, and the process ends without teardown."""
    if not value or ctx.resilient_parsing:
        return
    click.echo(f"zkcollat, version {__version__}")
    end_without_teardown()
    ctx.exit()


@click.group(cls=ZkGroup, lazy=_COMMANDS, attach=_ATTACH)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the version and exit.",
)
@BACKEND.option()
@DEBUG.option()
@QUIET.option()
def main(backend: str | None, debug: bool, quiet: bool) -> None:
    """zkcollat: zero-knowledge collateral proofs (Groth16 over BN254) for cross-chain margin.

    \b
    Start with the whole story on a built-in example:
      zkcollat demo
    Or step by step:
      zkcollat vault init vault.sqlite --depth 20
      zkcollat vault add vault.sqlite --owner 0x... --dest-chain 42161 --asset 0x... \\
          --amount 10000000000000000000 --expiry 1900000000
      zkcollat setup collateral_lock --depth 20
      zkcollat prove --pk proving_key.zkpk --vault vault.sqlite --lock 0 \\
          --threshold 8000000000000000000 --min-expiry 1890000000 --dest-chain 42161
      zkcollat verify verification_key.json public.json proof.json

    Errors print one line and exit with status 2 (bad usage or input); `verify` exits
    with 1 for a proof it rejects.
    """
    use_backend(backend)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def smoke(as_json: bool) -> None:
    """Check the arithmetic core: both backends agree on a pairing and an MSM.

    \b
    Example:
      zkcollat smoke
    """
    from zkcollat.curve import G1_GENERATOR, G2_GENERATOR, available_backends, load_backend

    results = {}
    for name in available_backends():
        b = load_backend(name)
        t0 = time.perf_counter()
        a, c = 0x1234, 0x5678
        ok = b.pairing_check(
            [
                (b.g1_mul(G1_GENERATOR, a), b.g2_mul(G2_GENERATOR, c)),
                (b.g1_neg(b.g1_mul(G1_GENERATOR, a * c)), G2_GENERATOR),
            ]
        )
        msm = b.g1_msm([G1_GENERATOR] * 8, list(range(8)))
        ok = ok and msm == b.g1_mul(G1_GENERATOR, 28)
        results[name] = {"ok": ok, "seconds": round(time.perf_counter() - t0, 4)}
    if as_json:
        click.echo(json.dumps(results))
    else:
        for name, r in results.items():
            click.echo(f"{name:<10} {'ok' if r['ok'] else 'FAILED'}  ({r['seconds'] * 1e3:.1f} ms)")
    if not all(r["ok"] for r in results.values()):
        sys.exit(1)


__all__ = ["main"]
