"""``zkcollat margin``: the execution side's options venue, kept in a folder.

The folder (``--venue DIR``, default ``venue``) holds ``config.json`` (a VenueConfig, see
``zkcollat margin example-config``), ``verification_key.json`` (and a
``portfolio_vk_K_M.json`` per ``--portfolio-vk``), ``venue.sqlite`` (the
whole venue state) and ``signer.key`` (the key that signs Release/Seize messages). Accounts
act for themselves: orders, cancels, withdrawals and releases are signed with the account's
key file (``--key``, as ``zkcollat attest keygen`` writes it). Times are unix seconds:
``--now`` (default: the clock). Amounts are decimals in human units (3000.5), parsed exactly.
"""

from __future__ import annotations

import json
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from zkcollat.attest.attestation import SignedAttestation
from zkcollat.attest.committee import Committee
from zkcollat.cli._common import (
    ADDRESS,
    CliInputError,
    emit,
    json_option,
    load_json_file,
    now_or,
    warn,
)
from zkcollat.cli.times import TIME
from zkcollat.cli.units import PRICE, DecimalUnits, UInt, px
from zkcollat.margin.config import VenueConfig
from zkcollat.margin.signed import AccountMessage, SignedMessage, sign
from zkcollat.margin.venue import Venue

CONFIG, DB, SIGNER, VK = "config.json", "venue.sqlite", "signer.key", "verification_key.json"


@dataclass
class VenueCtx:
    dir: Path
    now: int

    def open(self) -> Venue:
        for name in (CONFIG, DB, SIGNER):
            if not (self.dir / name).is_file():
                raise CliInputError(
                    f"{self.dir / name} does not exist: create the venue with `zkcollat margin "
                    f"--venue {self.dir} init ...`"
                )
        from zkcollat.cli.attest_cmd import read_key

        cfg = VenueConfig.load(self.dir / CONFIG)
        if cfg.verifying_key is not None and not cfg.verifying_key.ceremony:
            warn(
                f"the venue's verifying key ({cfg.verifying_key_path}) is a "
                "development key (no multi-party ceremony)"
            )
        return Venue.open(self.dir / DB, cfg, read_key(str(self.dir / SIGNER)), now=self.now)

    def signed(
        self, venue: Venue, key_path: str, build: Any, ttl: int, nonce: int | None
    ) -> SignedMessage:
        """Sign a message for the key file's account: ``build(account, nonce, expiry)``."""
        from zkcollat.cli.attest_cmd import read_key

        key = read_key(key_path)
        n = secrets.randbits(63) if nonce is None else nonce
        msg: AccountMessage = build(key.address, n, self.now + ttl)
        return sign(key, msg, venue.domain)


pass_ctx = click.make_pass_decorator(VenueCtx)


def key_options(f: Any) -> Any:
    f = click.option(
        "--nonce",
        type=UInt(64),
        default=None,
        help="The message's nonce (default: random; each is used once).",
    )(f)
    f = click.option(
        "--ttl",
        type=UInt(32),
        default=300,
        show_default=True,
        help="Seconds the signed message stays valid.",
    )(f)
    return click.option(
        "--key",
        "key_path",
        required=True,
        type=click.Path(dir_okay=False),
        help="The account's secp256k1 key file (zkcollat attest keygen).",
    )(f)


@click.group()
@click.option(
    "--venue",
    "venue_dir",
    default="venue",
    show_default=True,
    type=click.Path(file_okay=False),
    help="The venue's folder.",
)
@click.option(
    "--now",
    type=TIME,
    default=None,
    help="Time of the operation: unix seconds, +2h (from the clock) or an ISO date "
    "(default: the clock). Relative times of the subcommand count from it.",
)
@click.pass_context
def margin(ctx: click.Context, venue_dir: str, now: int | None) -> None:
    """The options venue on the execution chain: a market where accounts trade options
    against each other, with proven locks as collateral.

    \b
    Examples:
      zkcollat margin init --config venue.json --committee committee.json --vk vk.json
      zkcollat margin list-instrument ETH 1900000000 2800 P
      zkcollat margin market ETH --spot 3000 --iv-pct 60
      zkcollat margin deposit 0x...b0b 100000
      zkcollat margin order place --key bob.key ETH-1900000000-280000000000-P buy 5 113.5
      zkcollat margin order place --key alice.key ETH-1900000000-280000000000-P sell 5 market
      zkcollat margin book ETH-1900000000-280000000000-P
      zkcollat margin account 0x...a11ce
      zkcollat margin liquidate 0x...a11ce
      zkcollat margin report-lock report.json
      zkcollat margin resolve-reports
      zkcollat margin settle
    """
    ctx.obj = VenueCtx(Path(venue_dir), now_or(now))


@margin.command("init")
@click.option(
    "--config",
    "config_path",
    default=None,
    type=click.Path(dir_okay=False),
    help="Venue parameters (JSON; default: the packaged example that "
    "`zkcollat margin example-config` prints).",
)
@click.option(
    "--committee",
    "committee_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="The attesting committee (from `zkcollat attest committee`).",
)
@click.option(
    "--vk",
    "vk_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="The CollateralLock verification_key.json the venue checks proofs with.",
)
@click.option(
    "--portfolio-vk",
    "portfolio_vks",
    multiple=True,
    metavar="[K:M:]PATH",
    help="A Portfolio(k, m) verification key the venue checks portfolio proofs with "
    "(repeatable); k and m from the key (as `zkcollat setup` records them) or given as K:M:.",
)
@click.option(
    "--signer-key",
    type=click.Path(dir_okay=False),
    default=None,
    help="Key that signs Release/Seize messages (default: a new one).",
)
@json_option
@pass_ctx
def margin_init(
    vc: VenueCtx,
    config_path: str | None,
    committee_path: str,
    vk_path: str,
    portfolio_vks: tuple[str, ...],
    signer_key: str | None,
    as_json: bool,
) -> None:
    """Create the venue folder: config, verifying keys, signer key and an empty state."""
    from zkcollat.attest.secp256k1 import PrivateKey
    from zkcollat.cli.attest_cmd import new_key, read_key_secret, write_key
    from zkcollat.cli.proof_cmd import load_vk
    from zkcollat.db import atomic_write, atomic_write_json

    for name in (DB, CONFIG, VK, SIGNER):
        if (vc.dir / name).exists():
            raise CliInputError(f"{vc.dir / name} already exists (the venue is initialised)")
    if vc.dir.exists() and not vc.dir.is_dir():
        raise CliInputError(f"the venue folder {vc.dir} is a file")
    # every input is read and checked before anything is written: a refusal leaves nothing
    raw = (
        json.loads(example_config_text())
        if config_path is None
        else load_json_file(config_path, "venue config")
    )
    if not isinstance(raw, dict):
        raise CliInputError(f"venue config {config_path!r} must be a JSON object")
    load_vk(vk_path)
    vk_bytes = Path(vk_path).read_bytes()
    committee = Committee.from_json(load_json_file(committee_path, "committee"))
    if "portfolio_verifying_keys" in raw:
        raise CliInputError(
            "the venue config lists portfolio_verifying_keys: give each key with --portfolio-vk "
            "instead (init copies it into the venue folder)"
        )
    pf = [portfolio_key_arg(spec) for spec in portfolio_vks]
    VenueConfig.from_json({
        **raw,
        "verifying_key_path": str(Path(vk_path).resolve()),
        "portfolio_verifying_keys": [
            {"slots": k, "assets": m, "path": str(Path(p).resolve())} for k, m, p in pf
        ],
    })
    pf_files = {f"portfolio_vk_{k}_{m}.json": (k, m, Path(p).read_bytes()) for k, m, p in pf}
    for name in pf_files:
        if (vc.dir / name).exists():
            raise CliInputError(f"{vc.dir / name} already exists (the venue is initialised)")
    if pf_files:
        raw = {
            **raw,
            "portfolio_verifying_keys": [
                {"slots": k, "assets": m, "path": name} for name, (k, m, _) in pf_files.items()
            ],
        }
    if signer_key is not None:
        secret = read_key_secret(signer_key)
        key = PrivateKey.from_int(secret)
    else:
        secret, key = new_key()
    made_dir = not vc.dir.exists()
    written: list[Path] = []
    try:
        vc.dir.mkdir(parents=True, exist_ok=True)
        atomic_write(vc.dir / VK, vk_bytes, overwrite=False)
        written.append(vc.dir / VK)
        for name, (_, _, data) in pf_files.items():
            atomic_write(vc.dir / name, data, overwrite=False)
            written.append(vc.dir / name)
        atomic_write_json(vc.dir / CONFIG, {**raw, "verifying_key_path": VK}, overwrite=False)
        written.append(vc.dir / CONFIG)
        write_key(secret, str(vc.dir / SIGNER))  # a secret: 0600, never over a file
        written.append(vc.dir / SIGNER)
        cfg = VenueConfig.load(vc.dir / CONFIG)
        written.append(vc.dir / DB)  # created exclusively by Venue.create, so it is ours
        Venue.create(vc.dir / DB, cfg, key, committee=committee, now=vc.now).conn.close()
    except BaseException:
        for p in written:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{p}{suffix}").unlink(missing_ok=True)
        if made_dir:
            shutil.rmtree(vc.dir, ignore_errors=True)
        raise
    out = {
        "venue": str(vc.dir),
        "chain_id": cfg.chain_id,
        "signer": key.address,
        "committee": committee.to_json(),
        "portfolio_keys": [[k, m] for k, m, _ in pf_files.values()],
    }
    emit(
        as_json,
        out,
        f"venue {vc.dir} on chain {cfg.chain_id}: committee "
        f"{committee.threshold} of {len(committee.members)}, signer {key.address}",
    )


def portfolio_key_arg(spec: str) -> tuple[int, int, str]:
    """``--portfolio-vk [K:M:]PATH``: (k, m, path); k and m, when not given, from the key's
    ``zkcollat_circuit`` / ``zkcollat_params`` (written by ``zkcollat setup``), and when both
    are there they must agree."""
    import re

    given = re.fullmatch(r"(\d+):(\d+):(.+)", spec)
    path = given.group(3) if given else spec
    d = load_json_file(path, "Portfolio verification key")
    recorded: tuple[int, int] | None = None
    if isinstance(d, dict) and d.get("zkcollat_circuit") == "portfolio":
        try:
            params = json.loads(d.get("zkcollat_params", "{}"))
            recorded = int(params["slots"]), int(params["assets"])
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as e:
            raise CliInputError(f"{path}: the key's zkcollat_params are malformed: {e}") from e
    elif isinstance(d, dict) and "zkcollat_circuit" in d:
        raise CliInputError(f"{path} is a key of {d['zkcollat_circuit']!r}, not of portfolio")
    if given:
        km = int(given.group(1)), int(given.group(2))
        if recorded is not None and recorded != km:
            raise CliInputError(
                f"--portfolio-vk {spec}: the key records k = {recorded[0]}, m = {recorded[1]}"
            )
        return km[0], km[1], path
    if recorded is None:
        raise CliInputError(
            f"--portfolio-vk {spec}: the key does not record its k and m: give them as K:M:PATH"
        )
    return recorded[0], recorded[1], path


def example_config_text() -> str:
    """The packaged example venue config (zkcollat/margin/example_venue.json)."""
    from importlib import resources

    return resources.files("zkcollat.margin").joinpath("example_venue.json").read_text("utf-8")


@margin.command("example-config")
def margin_example_config() -> None:
    """Print the packaged example venue config (edit it and pass it to `init --config`)."""
    click.echo(example_config_text(), nl=False)


@margin.command("submit-root")
@click.argument("bundle", type=click.Path(dir_okay=False))
@json_option
@pass_ctx
def margin_submit_root(vc: VenueCtx, bundle: str, as_json: bool) -> None:
    """Accept a signed root attestation (the relayer's job)."""
    signed = SignedAttestation.from_json(load_json_file(bundle, "signed attestation"))
    a = vc.open().submit_attestation(signed, now=vc.now)
    out = {
        "root": str(a.root),
        "blockNumber": a.block_number,
        "vault": a.vault,
        "sourceChainId": a.source_chain_id,
        "signers": list(a.signers),
        "latency_s": a.latency_s,
    }
    emit(
        as_json,
        out,
        f"accepted root {a.root} of vault {a.vault} at block {a.block_number} "
        f"({len(a.signers)} signers, relay latency {a.latency_s} s)",
    )


@margin.command("market")
@click.argument("underlying")
@click.option("--spot", "spot_e8", type=PRICE, default=None, help="Spot price (quote units).")
@click.option(
    "--iv-pct",
    "iv_bps",
    type=DecimalUnits(2),
    default=None,
    help="Implied volatility in percent (60 or 62.5).",
)
@click.option("--confirm", is_flag=True, help="Confirm a held jump (operator).")
@json_option
@pass_ctx
def margin_market(
    vc: VenueCtx,
    underlying: str,
    spot_e8: int | None,
    iv_bps: int | None,
    confirm: bool,
    as_json: bool,
) -> None:
    """An oracle update of an underlying's spot and implied volatility. A jump beyond the
    configured fraction is held and trips the underlying's breaker until confirmed."""
    v = vc.open()
    if confirm:
        v.confirm_market(underlying, now=vc.now)
        what = "confirmed"
    else:
        if spot_e8 is None or iv_bps is None:
            raise click.UsageError("give --spot and --iv-pct (or --confirm)")
        what = v.set_market(underlying, spot_e8, iv_bps, now=vc.now)
    st = v.markets[underlying]
    out = {
        "underlying": underlying,
        "outcome": what,
        "spot_e8": str(st.spot_e8),
        "iv_bps": st.iv_bps,
        "breaker": st.breaker,
    }
    emit(
        as_json,
        out,
        f"{underlying}: {what}; spot {px(st.spot_e8)}, implied vol "
        f"{st.iv_bps / 100:.2f}%" + ("; BREAKER: held jump, reduce-only" if st.breaker else ""),
    )


@margin.command("asset-price")
@click.argument("source_chain", type=UInt(256))
@click.argument("asset", type=ADDRESS)
@click.option("--price", "price_e8", type=PRICE, required=True, help="Price of one token.")
@json_option
@pass_ctx
def margin_asset_price(
    vc: VenueCtx, source_chain: int, asset: str, price_e8: int, as_json: bool
) -> None:
    """Set a collateral token's price (the oracle's job)."""
    vc.open().set_asset_price(source_chain, asset, price_e8, now=vc.now)
    emit(
        as_json,
        {"sourceChainId": str(source_chain), "asset": asset, "price_e8": str(price_e8)},
        f"asset {asset} on chain {source_chain}: {px(price_e8)}",
    )


from zkcollat.cli import ledger_cmd, market_cmd, provisional_cmd  # noqa: E402  (join the group)

ledger_cmd.register(margin)
market_cmd.register(margin)
provisional_cmd.register(margin)

__all__ = ["VenueCtx", "key_options", "margin"]
