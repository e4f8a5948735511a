"""The ``zkcollat`` command line (click). Commands are thin: each calls one library function."""

from __future__ import annotations

import json
import sys
import time

import click

from zkcollat import __version__


@click.group()
@click.version_option(__version__, prog_name="zkcollat")
@click.option("--backend", type=click.Choice(["native", "reference"]), default=None,
              help="Arithmetic backend (default: native when built, else reference; "
                   "or set ZKCOLLAT_BACKEND).")
def main(backend: str | None) -> None:
    """zkcollat: zero-knowledge collateral proofs (Groth16 over BN254) for cross-chain margin."""
    if backend:
        from zkcollat.curve import set_backend

        set_backend(backend)


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
        ok = b.pairing_check([
            (b.g1_mul(G1_GENERATOR, a), b.g2_mul(G2_GENERATOR, c)),
            (b.g1_neg(b.g1_mul(G1_GENERATOR, a * c)), G2_GENERATOR),
        ])
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
