"""``zkcollat circuit``: the statements of PROTOCOL.md s.4 (info, .r1cs export, witness)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from zkcollat.cli._common import (
    circuit_size_options,
    emit,
    existing_file,
    json_option,
    new_file,
)

if TYPE_CHECKING:
    from zkcollat.r1cs.system import ConstraintSystem

F = TypeVar("F", bound=Callable[..., Any])

#: The statements' names, as ``tuple(zkcollat.statements.STATEMENTS)`` (a test keeps them
#: equal): spelled out so that a command's option choices do not import the statements, their
#: gadgets and the Poseidon constants (``zkcollat prove --zkey --wtns`` uses none of them).
CIRCUITS = ("collateral_lock", "merkle_inclusion", "balance_threshold", "portfolio")


def circuit_params(
    name: str,
    depth: int | None,
    bits: int | None,
    slots: int | None = None,
    assets: int | None = None,
) -> dict[str, int]:
    """The parameters of a circuit by name: depth for the tree circuits, bits for the balance,
    slots and assets for the portfolio."""
    from zkcollat.statements import statement

    accepted = inspect.signature(statement(name)).parameters
    given = {"depth": depth, "bits": bits, "slots": slots, "assets": assets}
    return {k: v for k, v in given.items() if v is not None and k in accepted}


@functools.cache
def compiled(name: str, **params: int) -> ConstraintSystem:
    from zkcollat.statements import by_name

    return by_name(name, **params).compile()


def portfolio_options(f: F) -> F:
    f = click.option(
        "--assets",
        type=click.IntRange(1, 16),
        default=None,
        help="portfolio: listed assets m (default 4).",
    )(f)
    return click.option(
        "--slots",
        type=click.IntRange(1, 256),
        default=None,
        help="portfolio: lock slots k (default 8).",
    )(f)


def circuit_options(f: F) -> F:
    """NAME (a statement) with its --depth / --bits, and --slots / --assets (portfolio)."""
    f = portfolio_options(f)
    f = circuit_size_options(f)
    return click.argument("name", type=click.Choice(CIRCUITS, case_sensitive=False))(f)


def _normalise(name: str) -> str:
    return name.lower().replace("-", "_")


@click.group()
def circuit() -> None:
    """The circuits: collateral_lock (the main statement), merkle_inclusion, balance_threshold,
    portfolio (k locks of one owner, per-asset sums).

    \b
    Examples:
      zkcollat circuit info collateral_lock --depth 20
      zkcollat circuit info portfolio --depth 20 --slots 32
      zkcollat circuit export collateral_lock --depth 20 -o collateral_lock.r1cs
      zkcollat circuit witness collateral_lock input.json -o witness.wtns
    """


@circuit.command("info")
@circuit_options
@json_option
def circuit_info(
    name: str,
    depth: int | None,
    bits: int | None,
    slots: int | None,
    assets: int | None,
    as_json: bool,
) -> None:
    """Constraints, public and private inputs of circuit NAME."""
    name = _normalise(name)
    params = circuit_params(name, depth, bits, slots, assets)
    cs = compiled(name, **params)
    st = cs.stats()
    out = st.as_dict()
    out["params"] = params
    out["public"] = cs.public_names
    out["private"] = cs.private_names

    def names(public: bool) -> str:
        return ", ".join(
            s.name if s.size is None else f"{s.name}[{s.size}]"
            for s in cs.inputs
            if s.public == public
        )

    def text() -> str:
        shown = " ".join(f"{k}={v}" for k, v in params.items())
        lines = [
            f"circuit      {st.name} {shown}".rstrip(),
            f"constraints  {st.constraints}",
            f"wires        {st.wires}",
            f"public       {st.public_inputs}: {names(True)}",
            f"private      {st.private_inputs}: {names(False)}",
            f"non-zeros    A {st.nnz_a}, B {st.nnz_b}, C {st.nnz_c}",
            "by gadget:",
        ]
        lines += [f"  {scope:<40} {n}" for scope, n in st.by_scope.items()]
        return "\n".join(lines)

    emit(as_json, out, text)


@circuit.command("export")
@circuit_options
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="The .r1cs file to write (circom's binary format, read by snarkjs).",
)
@click.option("--force", is_flag=True, help="Overwrite OUTPUT.")
@json_option
def circuit_export(
    name: str,
    depth: int | None,
    bits: int | None,
    slots: int | None,
    assets: int | None,
    output: str,
    force: bool,
    as_json: bool,
) -> None:
    """Write circuit NAME as a circom .r1cs file."""
    from zkcollat.formats.r1cs_bin import write_r1cs

    name = _normalise(name)
    cs = compiled(name, **circuit_params(name, depth, bits, slots, assets))
    new_file(output, "output", force=force)
    write_r1cs(cs, output)
    out = {"r1cs": output, "constraints": cs.n_constraints, "wires": cs.n_wires}
    emit(as_json, out, f"wrote {output}: {cs.n_constraints} constraints, {cs.n_wires} wires")


@circuit.command("witness")
@circuit_options
@click.argument("input_json", type=click.Path(dir_okay=False))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="The .wtns file to write (snarkjs's witness format).",
)
@click.option("--force", is_flag=True, help="Overwrite OUTPUT.")
@json_option
def circuit_witness(
    name: str,
    depth: int | None,
    bits: int | None,
    slots: int | None,
    assets: int | None,
    input_json: str,
    output: str,
    force: bool,
    as_json: bool,
) -> None:
    """Solve circuit NAME's witness from INPUT_JSON (protocol signal names) into a .wtns file."""
    from zkcollat.formats.signals import read_input_json
    from zkcollat.formats.wtns import write_wtns

    name = _normalise(name)
    cs = compiled(name, **circuit_params(name, depth, bits, slots, assets))
    existing_file(input_json, "input")
    new_file(output, "output", force=force)
    w = cs.solve(read_input_json(input_json))
    write_wtns(w, output)
    out = {"wtns": output, "wires": len(w), "public": [str(x) for x in cs.public_values(w)]}
    emit(
        as_json,
        out,
        f"wrote {output}: {len(w)} values; the witness satisfies all "
        f"{cs.n_constraints} constraints",
    )
