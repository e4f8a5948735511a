"""``zkcollat vectors build|check``: the CollateralLock test vectors for contract auditors."""

from __future__ import annotations

from pathlib import Path

import click

from zkcollat.cli._common import Rejected, emit, json_option


@click.group()
def vectors() -> None:
    """The CollateralLock test vectors (verifier_contracts/test-vectors): build or check them.

    \b
    Examples:
      zkcollat vectors check                      # the committed vectors
      zkcollat vectors build --out /tmp/vectors   # deterministic: byte-identical each run
    """


@vectors.command("build")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder to write (default: verifier_contracts/test-vectors of this checkout).",
)
@click.option("--depth", type=click.IntRange(1, 32), default=None, help="Tree depth (default 20).")
@json_option
def build_cmd(out: Path | None, depth: int | None, as_json: bool) -> None:
    """Write the vectors (development keys from a public seed: forgeable, for tests only)."""
    from zkcollat.vectors import DEFAULT_DEPTH, DEFAULT_OUT, generate

    paths = generate(out or DEFAULT_OUT, DEFAULT_DEPTH if depth is None else depth)
    emit(as_json, [str(p) for p in paths], lambda: "\n".join(str(p) for p in paths))


@vectors.command("check")
@click.argument(
    "folder", type=click.Path(file_okay=False, path_type=Path), required=False, default=None
)
@json_option
def check_cmd(folder: Path | None, as_json: bool) -> None:
    """Check every vector in FOLDER (default: the committed ones); exit 1 on a mismatch."""
    from zkcollat.vectors import DEFAULT_OUT, VectorMismatch, check_dir

    try:
        results = check_dir(folder or DEFAULT_OUT)
    except VectorMismatch as e:
        raise Rejected(str(e)) from e
    emit(
        as_json,
        results,
        lambda: "\n".join(f"ok  {name}: {verdict}" for name, verdict in results.items()),
    )
