"""``zkcollat devnet up|status|down``: two local anvil chains with development accounts."""

from __future__ import annotations

from pathlib import Path

import click

from zkcollat.cli._common import emit, json_option

_DIR = click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="The devnet's folder (devnet.json, keys/, node logs and states).",
)


@click.group()
def devnet() -> None:
    """A two-chain development network on local anvil nodes.

    \b
    Example:
      zkcollat devnet up --dir devnet
      zkcollat devnet status --dir devnet
      zkcollat devnet down --dir devnet
    """


@devnet.command("up")
@_DIR
@click.option(
    "--source-block-time",
    type=float,
    default=1.0,
    show_default=True,
    help="Seconds between blocks on the source chain.",
)
@click.option(
    "--execution-block-time",
    type=float,
    default=2.0,
    show_default=True,
    help="Seconds between blocks on the execution chain.",
)
@json_option
def up_cmd(
    directory: Path, source_block_time: float, execution_block_time: float, as_json: bool
) -> None:
    """Start the two nodes (or leave running ones alone) and write DIR/devnet.json.

    Development only: accounts are fresh keys in keystores under DIR/keys, funded on both
    chains; the committee is 2 of 3 development keys; the proving key has no ceremony.
    """
    from zkcollat.relayer import devnet as dn

    lines: list[str] = []
    net = dn.up(
        directory,
        source_block_time_s=source_block_time,
        execution_block_time_s=execution_block_time,
        log=(lines.append if as_json else click.echo),
    )
    emit(as_json, net.doc, f"devnet up: {net.path}")


@devnet.command("status")
@_DIR
@json_option
def status_cmd(directory: Path, as_json: bool) -> None:
    """Whether each node runs, and its head block."""
    from zkcollat.relayer import devnet as dn

    st = dn.status(directory)

    def text() -> str:
        out = []
        for side in dn.SIDES:
            s = st[side]
            state = f"running, head {s['head']}" if s["running"] else "stopped"
            out.append(f"{side:<9} chain {s['chainId']} {s['rpc']} pid {s['pid']}: {state}")
        return "\n".join(out)

    emit(as_json, st, text)


@devnet.command("down")
@_DIR
@json_option
def down_cmd(directory: Path, as_json: bool) -> None:
    """Stop the nodes this devnet started (by their recorded pids); DIR stays readable."""
    from zkcollat.relayer import devnet as dn

    res = dn.down(directory)
    emit(
        as_json,
        res,
        "\n".join(f"{s}: {'stopped' if r else 'was not running'}" for s, r in res.items()),
    )


@devnet.command("story")
@_DIR
@json_option
def story_cmd(directory: Path, as_json: bool) -> None:
    """Run the whole path on the devnet and print each step's transactions, blocks and gas.

    Starts the three committee members and the relayer for the story's duration (their logs
    are in DIR). Steps: lock, attest, prove, credit, trade, liquidate, seize, release.
    """
    from zkcollat.relayer.story import run_story

    res = run_story(directory, log=(lambda _s: None) if as_json else click.echo)
    emit(as_json, res, f"story done in {res['seconds']} s")
