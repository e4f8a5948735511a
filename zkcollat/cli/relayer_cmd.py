"""``zkcollat relayer run`` and ``zkcollat committee serve``: the services between the chains."""

from __future__ import annotations

import json
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

import click

from zkcollat.cli._common import emit, json_option, warn

_CONFIG = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    required=True,
    help="The configuration file (JSON; `zkcollat devnet up` writes D/relayer.json).",
)

EXIT_HALTED = 3
EXIT_UNDER_SIGNED = 4


@click.group()
def relayer() -> None:
    """The relayer between the source vault and the execution chain.

    \b
    Example:
      zkcollat relayer run --config devnet/relayer.json
      zkcollat relayer run --config devnet/relayer.json --once --json
      zkcollat relayer report-lock --config devnet/relayer.json 0xTXHASH 0 -o report.json
    """


@relayer.command("run")
@_CONFIG
@click.option("--once", is_flag=True, help="One pass of the loop, then exit.")
@json_option
def run_cmd(config_path: Path, once: bool, as_json: bool) -> None:
    """Follow both chains, commit and attest roots, deliver releases and seizes.

    Exits with status 3 when it halts on purpose (a reorg deeper than the confirmation depth,
    or its mirror of the vault tree disagreeing with the contract): an operator must look.
    """
    from zkcollat.relayer.config import load_config
    from zkcollat.relayer.metrics import Metrics
    from zkcollat.relayer.service import Halt, Relayer

    cfg = load_config(config_path)
    metrics = Metrics()
    if cfg.metrics_port is not None and not once:
        metrics.serve(cfg.metrics_port)
    r = Relayer(cfg, metrics=metrics)
    stopping = [False]

    def stop(signum: int, frame: FrameType | None) -> None:
        stopping[0] = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        if once:
            rep = r.run_once()
            obj = {
                "sourceBlocks": rep.source_blocks,
                "executionBlocks": rep.execution_blocks,
                "committed": None if rep.committed is None else rep.committed.hash_hex,
                "attested": None if rep.attested is None else rep.attested.hash_hex,
                "delivered": [t.hash_hex for t in rep.delivered],
                "alarms": [{"kind": k, "detail": d} for k, d in r.store.alarms()],
            }
            emit(as_json, obj, lambda: json.dumps(obj, indent=1))
        else:
            click.echo(f"relayer: source {cfg.source.rpc}, execution {cfg.execution.rpc}")
            r.run(lambda: stopping[0])
    except Halt as e:
        click.echo(f"ALARM: {e}", err=True)
        sys.exit(EXIT_HALTED)
    finally:
        r.close()


@relayer.command("report-lock")
@_CONFIG
@click.argument("tx")
@click.argument("log_index", type=int)
@click.option(
    "-o",
    "--out",
    "out_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the signed lock report here (JSON) for `zkcollat margin report-lock`.",
)
@json_option
def report_lock_cmd(
    config_path: Path, tx: str, log_index: int, out_path: str | None, as_json: bool
) -> None:
    """Gather the committee's signatures over the vault's Locked log TX:LOG_INDEX, read at the
    report depth (source.reportConfirmations) by this relayer and by each member.

    Exits with status 4 when fewer than the threshold of members signed (yet)."""
    from zkcollat.cli._common import new_file
    from zkcollat.db import atomic_write_json
    from zkcollat.relayer.config import load_config
    from zkcollat.relayer.service import Relayer

    out = None if out_path is None else new_file(out_path, "signed lock report", force=True)
    r = Relayer(load_config(config_path))
    try:
        signed = r.report_lock(tx, log_index)
    finally:
        r.close()
    if signed is None:
        click.echo(
            f"lock report {tx}:{log_index}: fewer than {r.cfg.threshold} members signed it yet",
            err=True,
        )
        sys.exit(EXIT_UNDER_SIGNED)
    if out is not None:
        atomic_write_json(out, signed.to_json())
    rep = signed.report
    emit(
        as_json,
        signed.to_json(),
        f"lock {rep.lock_id} of vault {rep.vault}: {rep.amount} units of {rep.asset_id} for "
        f"{rep.owner}, seen in block {rep.block_number}; {len(signed.signatures)} signatures"
        + ("" if out is None else f", written to {out}"),
    )


@click.group()
def committee() -> None:
    """A committee member: signs roots and vault messages it has read itself.

    \b
    Example:
      zkcollat committee serve --key devnet/keys/member-0.json --config devnet/relayer.json
    """


@committee.command("serve")
@click.option(
    "--key",
    "key_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    required=True,
    help="The member's keystore; its password is in KEY's .password file next to it, or "
    "in ZKCOLLAT_KEYSTORE_PASSWORD.",
)
@click.option(
    "--password-file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="The keystore's password file (default: KEY with the suffix .password, if present).",
)
@_CONFIG
def serve_cmd(key_path: Path, password_file: Path | None, config_path: Path) -> None:
    """Serve this member's signatures on the URL the configuration gives its address."""
    from zkcollat.chain.keystore import KeystoreRef, load_account
    from zkcollat.relayer.config import ConfigError, load_config
    from zkcollat.relayer.member import Member, serve

    cfg = load_config(config_path)
    pw = password_file
    if pw is None and key_path.with_suffix(".password").is_file():
        pw = key_path.with_suffix(".password")
    acct = load_account(KeystoreRef(key_path, pw))
    if acct.development:
        warn("development keystore")
    member = Member(cfg, acct.account)
    mine = [m for m in cfg.members if m.address == member.address]
    if not mine:
        raise ConfigError(f"{member.address} is not a member in {config_path}")
    url = mine[0].url.removeprefix("http://")
    host, _, port = url.partition(":")
    click.echo(f"member {member.address} serving on http://{host}:{port}")

    done = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    serve(member, host, int(port.rstrip("/")), done)


@click.command("sync")
@_CONFIG
@click.option(
    "--key",
    "key_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    required=True,
    help="Keystore of the venue's settlement account (it sends markSeized/markReleased).",
)
@click.option(
    "--password-file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="The keystore's password file (default: KEY with the suffix .password, if present).",
)
@click.option(
    "--retry-reports",
    is_flag=True,
    help="Before the pass, try again every lock report given up after its retries (the "
    "reportsFailed of earlier passes), from its first attempt.",
)
@json_option
@click.pass_context
def sync_cmd(
    ctx: click.Context,
    config_path: Path,
    key_path: Path,
    password_file: Path | None,
    retry_reports: bool,
    as_json: bool,
) -> None:
    """One pass between the venue and the chains (the chains at their confirmation depth).

    \b
    Learns accepted roots, credits, portfolio credits and cash deposits from the execution
    chain; has the committee sign lock reports for new locks (at the report depth) and takes
    them as provisional credit; lapses reports past their deadline and liquidates accounts below
    maintenance; sends the venue's Release/Seize messages (a portfolio's through the contract's
    markPortfolio* functions) and approves its cash withdrawals through the credit contract;
    books executed seizes (and reports a portfolio's to the contract).
    A lock report short of the threshold is tried again with a growing wait and given up after
    its limit (alarm report_failed, listed under reportsFailed); --retry-reports tries those
    again.
    Example:
      zkcollat margin --venue venue sync --config devnet/relayer.json \\
          --key devnet/keys/venue.json
    """
    from zkcollat.chain.keystore import KeystoreRef, load_account
    from zkcollat.relayer.config import load_config
    from zkcollat.relayer.venue_sync import VenueSync

    vc = ctx.obj
    cfg = load_config(config_path)  # a bad configuration or key fails before anything opens
    pw = password_file
    if pw is None and key_path.with_suffix(".password").is_file():
        pw = key_path.with_suffix(".password")
    acct = load_account(KeystoreRef(key_path, pw)).account
    venue = vc.open()
    sync = VenueSync(venue, cfg, acct, vc.dir / "sync.sqlite")
    try:
        retried = sync.retry_failed_reports() if retry_reports else 0
        rep = sync.run_once(vc.now)
    finally:
        sync.close()
    obj = {
        "roots": rep.roots,
        "credits": rep.credits,
        "portfolios": rep.portfolios,
        "deposits": rep.deposits,
        "sent": rep.sent,
        "seizesBooked": rep.seizes_booked,
        "seizesReissued": rep.reissued,
        "releasesReissued": rep.releases_reissued,
        "withdrawalsApproved": rep.withdrawals,
        "withdrawalsWaiting": rep.withdrawals_waiting,
        "reports": rep.reports,
        "reportsReorged": rep.reports_reorged,
        "reportsWaiting": rep.reports_waiting,
        "reportsRefused": rep.reports_refused,
        "reportsResolved": rep.reports_resolved,
        "reportsRetried": retried,
        "reportsFailed": rep.reports_failed,
        "liquidated": rep.liquidated,
        "alarms": [{"kind": k, "detail": d} for k, d in rep.alarms],
    }
    emit(
        as_json,
        obj,
        f"synced: {rep.roots} root(s), {rep.credits} credit(s), {rep.portfolios} portfolio "
        f"credit(s), {rep.deposits} deposit(s); "
        f"sent {len(rep.sent)} message(s); booked {rep.seizes_booked} seize(s); approved "
        f"{len(rep.withdrawals)} withdrawal(s)"
        + (f", {len(rep.withdrawals_waiting)} waiting" if rep.withdrawals_waiting else "")
        + f"; {rep.reports} lock report(s) taken, {rep.reports_reorged} reorged, "
        f"{len(rep.reports_resolved)} resolved, {len(rep.liquidated)} account(s) liquidated"
        + (f"; {len(rep.reports_failed)} lock report(s) failed" if rep.reports_failed else "")
        + "".join(f"\nALARM {k}: {d}" for k, d in rep.alarms),
    )
