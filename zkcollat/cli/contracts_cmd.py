"""``zkcollat contracts build | test | gas``: the Solidity project with the pinned Foundry."""

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
      zkcollat contracts build
      zkcollat contracts test --match-contract CollateralVaultTest
    """


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
