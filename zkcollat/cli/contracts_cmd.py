"""``zkcollat contracts generate | build | test | snapshot | slither | gas``: the Solidity
project with the pinned Foundry."""

from __future__ import annotations

import click


@click.group()
def contracts() -> None:
    """The contracts of verifier_contracts/ (vault, root registry, credit, verifier).

    \b
    forge, anvil and cast are the npm packages pinned in package.json (installed into a
    cache directory on first use when node_modules has none); solc is solc-js, through the
    project's shim.
    \b
    Examples:
      zkcollat contracts generate --check
      zkcollat contracts build
      zkcollat contracts test --match-contract CollateralVaultTest
    """


@contracts.command()
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if a committed file differs.")
@click.option(
    "--project",
    type=click.Path(file_okay=False, exists=True),
    default=None,
    help="The Foundry project (default: the checkout's verifier_contracts/).",
)
def generate(check: bool, project: str | None) -> None:
    """Write the files of the Foundry project that Python generates (Poseidon bytecode, the
    zero hashes, the verifier of the test vectors' key); --check only compares them."""
    from pathlib import Path

    from zkcollat.cli._common import Rejected
    from zkcollat.contracts.generate import generate as write_all
    from zkcollat.contracts.generate import stale
    from zkcollat.contracts.toolchain import PROJECT

    root = PROJECT if project is None else Path(project)
    if check:
        differ = stale(root)
        if differ:
            raise Rejected("stale: " + ", ".join(str(p) for p in differ))
        click.echo(f"{root}: the generated files are current")
        return
    for path in write_all(root):
        click.echo(str(path))


@contracts.command()
def build() -> None:
    """Compile the project (forge build)."""
    from zkcollat.contracts.toolchain import locate

    locate().forge("build")


@contracts.command(context_settings={"ignore_unknown_options": True})
@click.argument("forge_args", nargs=-1, type=click.UNPROCESSED)
def test(forge_args: tuple[str, ...]) -> None:
    """Run the Foundry tests (forge test); extra arguments go to forge."""
    from zkcollat.contracts.toolchain import locate

    locate().forge("test", *forge_args)


# Fuzz and invariant tests draw inputs that vary from run to run even with a fixed seed, so
# their mean gas is not reproducible: the snapshot holds the deterministic tests only, and
# `contracts test` runs every test.
UNSNAPSHOTTED = "^(testFuzz_|invariant_)"
# Tests that read fixture files through cheatcodes pay memory gas for the absolute path, which
# differs between checkouts: they run in `contracts test`, not in the snapshot.
PATH_DEPENDENT = (
    "^(VaultDifferentialTest|VectorsTest|PortfolioVerifierTest|CollateralCreditRealPortfolioTest)$"
)


@contracts.command()
@click.option("--check", is_flag=True, help="Fail if the gas differs from .gas-snapshot.")
def snapshot(check: bool) -> None:
    """Run the deterministic Foundry tests (not fuzz or invariant tests, whose gas varies)
    and write (or --check, exactly) the committed .gas-snapshot."""
    from zkcollat.contracts.toolchain import locate

    args = ["--no-match-test", UNSNAPSHOTTED, "--no-match-contract", PATH_DEPENDENT]
    locate().forge("snapshot", *args, *(["--check"] if check else []))


@contracts.command()
def slither() -> None:
    """Slither (PyPI, pinned) on forge's build: fails on a high or medium finding that is not
    triaged in verifier_contracts/slither.db.json (each explained in docs/slither.md)."""
    from zkcollat.contracts.toolchain import locate

    locate().slither()


@contracts.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object {Contract.function: gas}.")
def gas(as_json: bool) -> None:
    """Execution gas (transaction gas minus 21,000 and calldata) of the main calls, measured
    on a private anvil chain in the steady state.

    \b
    Example:
      zkcollat contracts gas --json
    """
    import json

    from zkcollat.contracts.gas import measure

    figures = measure()
    if as_json:
        click.echo(json.dumps(figures))
    else:
        for name, value in figures.items():
            click.echo(f"{name:42} {value:>10,}")
