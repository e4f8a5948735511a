"""``zkcollat demo``: the whole cross-chain story, step by step, on a built-in example.

Source chain (chain 1): a vault with thousands of locks in SQLite; one of them is Alice's
10 WETH. A committee of three (development keys, threshold 2) attests the vault's root.
Alice's relayer proves (CollateralLock, Groth16) that her lock is in that root and worth at
least 8 WETH until at least 60 days from now, without revealing the amount. The execution
chain (42161) checks the proof in Python and, when solc-js is installed, with the generated
Solidity verifier in a local EVM; the options venue credits the lock as margin, Alice sells
puts, ETH falls 30%, the account drops below maintenance margin, and the liquidation closes
the puts and emits a signed ``Seize`` message for the source vault.

Every figure printed is measured on this run. All of it is library calls; nothing here
computes what the library computes.
"""

from __future__ import annotations

import dataclasses
import json
import random
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import click

from zkcollat.attest.secp256k1 import PrivateKey
from zkcollat.cli._common import CliInputError, now_or, progress
from zkcollat.cli.ledger_cmd import summary_text
from zkcollat.cli.times import when
from zkcollat.cli.units import px, usd

SOURCE_CHAIN = 1
EXEC_CHAIN = 42161
VAULT_ADDRESS = "0x0000000000000000000000000000000000000011"
WETH = "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2"
ALICE_SECRET, MAKER_SECRET = 0xA11CE, 0x3A4E5
#: Alice's account: the address of her key, which her lock names as owner.
ALICE = PrivateKey.from_int(ALICE_SECRET).address
INSURANCE_E6 = 20_000 * 10**6
MAKER_CASH_E6 = 250_000 * 10**6
DAY = 86_400
ETH = 10**18
E8 = 10**8
#: Development committee keys: fixed so that every demo run shows the same addresses.
COMMITTEE_SECRETS = (0xC0FFEE01, 0xC0FFEE02, 0xC0FFEE03)
VENUE_SECRET = 0x5E1F5E1F


def find_node_modules(given: str | None) -> Path | None:
    """node_modules with the pinned solc: the one given, else ./node_modules, else the
    checkout's (next to the package)."""
    candidates = (
        [Path(given)]
        if given
        else [
            Path.cwd() / "node_modules",
            Path(__file__).resolve().parents[2] / "node_modules",
        ]
    )
    for c in candidates:
        if (c / "solc" / "package.json").is_file():
            return c
    return None


class Story:
    """Prints numbered steps (or collects them for --json)."""

    def __init__(self, as_json: bool, total: int) -> None:
        self.as_json = as_json
        self.total = total
        self.n = 0
        self.steps: list[dict[str, Any]] = []

    @contextmanager
    def step(self, title: str) -> Iterator[dict[str, Any]]:
        self.n += 1
        rec: dict[str, Any] = {"step": self.n, "title": title}
        if not self.as_json:
            gap = "\n" if self.n > 1 else ""  # a blank line between steps
            click.secho(f"{gap}[{self.n}/{self.total}] {title}", bold=True)
        t0 = time.perf_counter()
        yield rec
        rec["seconds"] = round(time.perf_counter() - t0, 3)
        self.steps.append(rec)

    def say(self, text: str) -> None:
        if not self.as_json:
            click.echo("    " + text.replace("\n", "\n    "))


def _make_locks(n: int, alice_index: int, now: int, seed: int) -> list[Any]:
    from zkcollat.vault import Lock

    rng = random.Random(seed)
    weth = int(WETH, 16)
    locks = []
    for i in range(n):
        if i == alice_index:
            locks.append(Lock(i, int(ALICE, 16), EXEC_CHAIN, weth, 10 * ETH, now + 90 * DAY))
        else:
            locks.append(
                Lock(
                    i,
                    rng.getrandbits(160),
                    EXEC_CHAIN if rng.random() < 0.8 else 10,
                    weth,
                    rng.randrange(ETH // 10, 50 * ETH),
                    now + rng.randrange(30, 365) * DAY,
                )
            )
    return locks


def _evm_check(vk: Any, proof: Any, public: list[int], node_modules: Path) -> dict[str, Any]:
    from zkcollat.solidity import generate_collateral_lock_verifier, verify_proof_calldata
    from zkcollat.solidity.evm import LocalEvm
    from zkcollat.solidity.solc import compile_sources

    src = generate_collateral_lock_verifier(vk)
    t0 = time.perf_counter()
    comp = compile_sources({"CollateralLockVerifier.sol": src}, node_modules)
    compile_s = time.perf_counter() - t0
    evm = LocalEvm()
    addr = evm.deploy(comp["CollateralLockVerifier"].bytecode)
    ok = evm.call(addr, verify_proof_calldata(proof, public))
    bad = list(public)
    bad[5] += 1  # claim a higher threshold with the same proof
    rejected = evm.call(addr, verify_proof_calldata(proof, bad))
    return {
        "compiler": comp.compiler_version,
        "compile_seconds": round(compile_s, 2),
        "valid": ok.as_bool(),
        "gas": ok.gas_used,
        "execution_gas": ok.execution_gas,
        "tampered_valid": rejected.success and rejected.as_bool(),
    }


def run_demo(
    n_locks: int,
    depth: int,
    workdir: Path,
    node_modules: Path | None,
    as_json: bool,
    evm: bool = True,
) -> dict[str, Any]:
    """The story; returns what ``--json`` prints."""
    from zkcollat.attest import Committee, RootAttestation, sign_attestation
    from zkcollat.formats import pkey
    from zkcollat.formats.snarkjs import (
        proof_to_json,
        public_to_json,
        vk_to_json,
        write_json_atomic,
    )
    from zkcollat.groth16.prove import rerandomize
    from zkcollat.groth16.setup import setup
    from zkcollat.groth16.verify import verify
    from zkcollat.margin import OptionSpec, Order, VenueConfig, sign
    from zkcollat.margin.collateral import value_e6
    from zkcollat.margin.errors import LockAlreadyCreditedError
    from zkcollat.margin.risk import OpenOrder
    from zkcollat.margin.venue import Venue
    from zkcollat.relayer.prover import prove_lock
    from zkcollat.statements import CollateralLock
    from zkcollat.vault import Vault

    now = now_or(None)  # the commands' clock ($ZKCOLLAT_NOW or the system's)
    story = Story(as_json, 9)
    alice_index = n_locks // 2
    figures: dict[str, Any] = {"locks": n_locks, "depth": depth, "dir": str(workdir)}

    with story.step("Source chain: a vault of collateral locks (SQLite, Poseidon tree)") as rec:
        locks = _make_locks(n_locks, alice_index, now, seed=2026)
        vault = Vault.open(workdir / "vault.sqlite", depth)
        chunk = max(1, min(4096, n_locks // 8 or 1))
        block = 19_000_000
        t0 = time.perf_counter()
        with progress(range(0, n_locks, chunk), "    building the vault") as bar:
            for i in bar:
                block += 1
                vault.insert_many(locks[i : i + chunk], block_number=block)
        rec.update(
            seconds_build=round(time.perf_counter() - t0, 3), root=str(vault.root), block=block
        )
        story.say(
            f"{n_locks} locks appended in {rec['seconds_build']:.2f} s over "
            f"{len(vault.block_roots)} blocks; depth {depth}\n"
            f"root at block {block}: {vault.root}\n"
            f"Alice's lock is id {alice_index}: 10 WETH, expires in 90 days, "
            f"for account {ALICE} on chain {EXEC_CHAIN}"
        )
    figures["vault"] = rec

    with story.step("Development setup of CollateralLock (Groth16, BN254)") as rec:
        cs = CollateralLock(depth).compile()
        pk, vk = setup(cs)
        pkey.save(pk, workdir / "proving_key.zkpk")
        write_json_atomic(workdir / "verification_key.json", vk_to_json(vk))
        rec.update(constraints=cs.n_constraints, public_inputs=cs.n_public)
        story.say(
            f"{cs.n_constraints} constraints, {cs.n_public} public inputs "
            f"({', '.join(cs.public_names)})\n"
            "WARNING: single-party development keys, no ceremony: whoever ran the setup "
            "could forge proofs"
        )
    figures["setup"] = rec

    cfg_json = json.loads(
        resources.files("zkcollat.margin").joinpath("example_venue.json").read_text()
    )
    cfg = dataclasses.replace(VenueConfig.from_json(cfg_json), verifying_key=vk)
    keys = [PrivateKey.from_int(s) for s in COMMITTEE_SECRETS]
    committee = Committee(0, tuple(k.address for k in keys), 2)
    venue = Venue.create(
        workdir / "venue.sqlite",
        cfg,
        PrivateKey.from_int(VENUE_SECRET),
        committee=committee,
        now=now,
    )

    with story.step("Committee attests the root (EIP-712, 2 of 3 signatures)") as rec:
        att = RootAttestation(SOURCE_CHAIN, VAULT_ADDRESS, block, vault.root, now - 12)
        signed = sign_attestation(att, venue.registry.config.domain, [keys[0], keys[2]])
        write_json_atomic(workdir / "attestation.json", signed.to_json())
        acc = venue.submit_attestation(signed, now=now)
        rec.update(signers=list(acc.signers), latency_s=acc.latency_s)
        story.say(
            f"committee {', '.join(k.address for k in keys)} (threshold 2)\n"
            f"signed by {acc.signers[0]} and {acc.signers[1]}; the venue on chain "
            f"{EXEC_CHAIN} accepted root of block {acc.block_number} "
            f"(relay latency {acc.latency_s} s)"
        )
    figures["attestation"] = rec

    threshold, min_expiry = 8 * ETH, now + 60 * DAY
    with story.step("Alice's relayer proves her lock: >= 8 WETH until >= 60 days") as rec:
        t0 = time.perf_counter()
        proof, named = prove_lock(
            vault,
            alice_index,
            threshold,
            min_expiry,
            pk=pk,
            dest_chain_id=EXEC_CHAIN,
            owner=int(ALICE, 16),
            cs=cs,
        )
        rec["prove_seconds"] = round(time.perf_counter() - t0, 3)
        public = named.to_list()
        write_json_atomic(workdir / "proof.json", proof_to_json(proof))
        write_json_atomic(workdir / "public.json", public_to_json(public))
        story.say(
            f"proof in {rec['prove_seconds']:.2f} s (witness + Groth16 prover)\n"
            f"public: root, destChainId {named.destChainId}, owner {named.owner:#x}, assetId "
            f"{named.assetId:#x},\n        lockId {named.lockId}, threshold {named.threshold}, "
            f"minExpiry {named.minExpiry}\n"
            "hidden: the amount (10 WETH) and the expiry (lockId, public, is the leaf index)"
        )
    figures["proof"] = rec

    with story.step("Execution chain: the proof is checked") as rec:
        t0 = time.perf_counter()
        ok = verify(vk, public, proof)
        rec["python_verify_seconds"] = round(time.perf_counter() - t0, 4)
        bad = dataclasses.replace(named, threshold=9 * ETH).to_list()
        rec["python_valid"], rec["python_tampered_valid"] = ok, verify(vk, bad, proof)
        story.say(
            f"Python verifier: {'valid' if ok else 'INVALID'} in "
            f"{rec['python_verify_seconds'] * 1e3:.1f} ms; the same proof claiming 9 WETH: "
            f"{'valid' if rec['python_tampered_valid'] else 'rejected'}"
        )
        if not ok:
            raise CliInputError("the demo's proof did not verify")
        if evm and node_modules is not None:
            try:
                import pyrevm  # noqa: F401

                have_evm = True
            except ImportError:
                have_evm = False
            if have_evm:
                ev = _evm_check(vk, proof, public, node_modules)
                rec["evm"] = ev
                story.say(
                    f"Solidity verifier ({ev['compiler'].split('+')[0]}, compiled in "
                    f"{ev['compile_seconds']:.1f} s) in a local EVM (revm): "
                    f"{'valid' if ev['valid'] else 'INVALID'}, {ev['gas']:,} gas for the "
                    f"transaction ({ev['execution_gas']:,} execution); tampered: "
                    f"{'valid' if ev['tampered_valid'] else 'rejected'}"
                )
            else:
                story.say("EVM check skipped: pyrevm is not installed")
        else:
            story.say(
                "EVM check skipped: "
                + ("--no-evm" if not evm else "node_modules/solc not found (run `npm ci`)")
            )
    figures["verify"] = rec

    spot_e8, iv_bps = 3000 * E8, 6000
    with story.step("The venue credits the lock as margin (keyed by vault and lock id)") as rec:
        venue.set_market("ETH", spot_e8, iv_bps, now=now)
        venue.set_asset_price(SOURCE_CHAIN, WETH, spot_e8, now=now)
        venue.open_account(ALICE, now=now)
        credit = venue.credit(ALICE, proof, public, now=now)
        hc = venue.haircut_bps(SOURCE_CHAIN, VAULT_ADDRESS, int(WETH, 16), now)
        s = venue.margin(ALICE, now=now)
        again = rerandomize(vk.delta_g2, proof)
        assert verify(vk, public, again)
        try:
            venue.credit(ALICE, again, public, now=now)
            replay = "ACCEPTED (bug)"
        except LockAlreadyCreditedError as refused:
            replay = f"refused: {refused}"
        rec.update(haircut_bps=hc, collateral_value_e6=s.collateral_value_e6, replay=replay)
        story.say(
            f"ETH 3,000.00 (implied vol 60%); credit: {credit.threshold / ETH:g} WETH "
            f"x 3,000 x (1 - {hc / 100:.2f}% haircut) = {usd(s.collateral_value_e6)}\n"
            f"a re-randomised copy of the proof (also valid): {replay}"
        )
    figures["credit"] = rec

    # 30 days to the second: the marks (and so every figure after) are the same on any day
    put = OptionSpec("ETH", now + 30 * DAY, 2800 * E8, "P")
    alice_key, maker_key = PrivateKey.from_int(ALICE_SECRET), PrivateKey.from_int(MAKER_SECRET)
    nonces = iter(range(1, 1000))

    def order_msg(key: Any, name: str, buy: bool, lots: int, price: int, **kw: bool) -> Any:
        flags = {"market": False, "ioc": False, "post_only": False, "reduce_only": False, **kw}
        o = Order(key.address, name, buy, lots, price, nonce=next(nonces), expiry=now + 60, **flags)
        return sign(key, o, venue.domain)

    with story.step("A market maker quotes the put; Alice sells to it on the book") as rec:
        ins = venue.list_instrument(put, now=now)
        venue.fund_insurance(INSURANCE_E6, now=now)
        venue.deposit(maker_key.address, MAKER_CASH_E6, now=now)
        m = venue.mark_e8(put.name, now)
        bid = ins.round_down(m)
        venue.place(order_msg(maker_key, put.name, True, 1000, bid, post_only=True), now=now)
        lo, hi = 0, 1000  # lots: the largest sale that initial margin allows
        while lo < hi:
            mid = (lo + hi + 1) // 2
            o = [OpenOrder(put.name, False, mid * ins.lot_e6, bid)]
            if venue.margin(ALICE, now=now, orders=o).meets_im:
                lo = mid
            else:
                hi = mid - 1
        if lo == 0:
            raise CliInputError("the demo account cannot sell a single lot")
        rep = venue.place(order_msg(alice_key, put.name, False, lo, bid, ioc=True), now=now)
        s = venue.margin(ALICE, now=now)
        size = sum(f.lots for f in rep.fills) * ins.lot_e6
        rec.update(
            instrument=put.name,
            size_e6=size,
            price_e8=bid,
            summary=s.to_json(),
            maker=maker_key.address,
            fees_e6=venue.fees_e6(),
        )
        story.say(
            f"listed {put.name} (tick {px(ins.tick_e8)}, lot {ins.lot_e6 / 1e6:g} ETH); the "
            f"maker {maker_key.address}\n  bids {ins.lot_e6 * 1000 / 1e6:g} puts at "
            f"{px(bid)} (post-only, signed with its key)\n"
            f"Alice's signed IOC sell of {size / 1e6:g} puts (the most initial margin allows) "
            f"fills at {px(bid)} against it\n{summary_text(s)}"
        )
    figures["order"] = rec

    shocked = spot_e8 * 70 // 100
    with story.step("Price shock: ETH falls 30% -> breaker, confirmation, margin call") as rec:
        first = venue.set_market("ETH", shocked, iv_bps, now=now + 60)
        second = venue.set_market("ETH", shocked, iv_bps, now=now + 120)
        venue.set_asset_price(SOURCE_CHAIN, WETH, shocked, now=now + 120)
        now += 120
        s = venue.margin(ALICE, now=now)
        rec.update(oracle=[first, second], summary=s.to_json())
        story.say(
            f"ETH {px(shocked)}: the first update is {first} (a jump beyond "
            f"{venue.config.oracle.max_jump_bps / 100:g}% trips the breaker: reduce-only), "
            f"the next one {second} it\n{summary_text(s)}"
            + ("\nMARGIN CALL: equity below maintenance margin" if not s.meets_mm else "")
        )
    figures["shock"] = rec

    with story.step("Liquidation: puts bought back on the book, the lock seized") as rec:
        ask = ins.round_up(venue.mark_e8(put.name, now))
        venue.place(order_msg(maker_key, put.name, False, 1000, ask, reduce_only=True), now=now)
        rep_l = venue.liquidate(ALICE, now=now)
        rec.update(rep_l.to_json())
        lines = [
            f"closed on the book: {f.lots * ins.lot_e6 / 1e6:g} puts at {px(f.price_e8)} "
            f"from the maker"
            for _, f in rep_l.book_fills
        ]
        lines += [f"to the insurance fund at mark: {sz / 1e6:+g} {n}" for n, sz, _ in rep_l.to_fund]
        for e in rep_l.seizes:
            msg = e.message.message()
            lines.append(
                f"Seize(sourceChainId {msg['sourceChainId']}, vault {msg['vault']}, lockId "
                f"{msg['lockId']}, amount {msg['amount']}, nonce {msg['nonce']}, deadline "
                f"{when(int(msg['deadline']))})\n  EIP-712 digest 0x{e.message.digest().hex()}\n"
                f"  signed by the venue {e.signer}"
            )
        lines.append(
            f"penalty {usd(rep_l.penalty_e6)} (owed to the insurance fund); the fund pays the "
            f"deficit, {usd(rep_l.fund_paid_e6)}, now and holds a receivable of "
            f"{usd(venue.receivable_e6())} until the seize executes"
        )
        if rep_l.seizes:
            e = rep_l.seizes[0]
            got = value_e6(e.message.amount, shocked, 18, 0)  # type: ignore[union-attr]
            back = venue.seize_executed(e.id, got, now=now + 900)
            rec["seize_realised_e6"], rec["fund_received_e6"] = got, back
            lines.append(
                f"the seize executed on the source chain: {usd(got)} booked, "
                f"{usd(back)} back to the fund"
            )
        venue.audit()
        lines.append(
            f"books balance: cash {usd(sum(venue.ledger.cash.values()))} = deposits - "
            f"withdrawals + seized; fund {usd(venue.insurance_fund_e6())}, fees "
            f"{usd(venue.fees_e6())}"
        )
        story.say("\n".join(lines))
        (workdir / "outbox.jsonl").write_text(
            "".join(json.dumps(e.to_json()) + "\n" for e in venue.outbox(pending_only=False))
        )
    figures["liquidation"] = rec
    venue.conn.close()
    vault.close()
    return {"steps": story.steps, "figures": figures}


#: The files a run writes in --dir (``--force`` replaces them; SQLite side files too).
DEMO_FILES = (
    "vault.sqlite",
    "proving_key.zkpk",
    "verification_key.json",
    "venue.sqlite",
    "attestation.json",
    "proof.json",
    "public.json",
    "outbox.jsonl",
)


@click.command("demo")
@click.option(
    "--locks",
    "n_locks",
    type=click.IntRange(2, 1 << 20),
    default=4096,
    show_default=True,
    help="Locks in the source vault.",
)
@click.option(
    "--depth", type=click.IntRange(2, 32), default=20, show_default=True, help="Tree depth D."
)
@click.option(
    "--dir",
    "workdir",
    type=click.Path(file_okay=False),
    default=None,
    help="Keep the files here (vault.sqlite, keys, proof, venue.sqlite, outbox); "
    "default: a temporary folder, removed afterwards.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Run again over a --dir that holds an earlier run: its files are replaced "
    "(other files are left alone).",
)
@click.option(
    "--node-modules",
    type=click.Path(file_okay=False),
    default=None,
    help="node_modules holding solc (default: ./node_modules or the checkout's).",
)
@click.option("--no-evm", is_flag=True, help="Skip the Solidity verifier in the local EVM.")
@click.option("--json", "as_json", is_flag=True, help="Print the steps and figures as JSON.")
def demo(
    n_locks: int,
    depth: int,
    workdir: str | None,
    force: bool,
    node_modules: str | None,
    no_evm: bool,
    as_json: bool,
) -> None:
    """The whole cross-chain story on a built-in example, step by step with figures.

    A source vault with --locks locks, a committee-attested root, a proof for one lock
    verified in Python and (with node_modules/solc and pyrevm) by the generated Solidity
    verifier, credited as margin; short puts, a 30% price shock, a margin call and a
    liquidation that emits a signed Seize message.

    \b
    Examples:
      zkcollat demo
      zkcollat demo --locks 65536 --dir demo-run
      zkcollat demo --json > demo.json
    """
    if (1 << depth) < n_locks:
        raise CliInputError(f"--locks {n_locks} do not fit a tree of depth {depth}")
    t0 = time.perf_counter()
    nm = find_node_modules(node_modules)
    if workdir is not None:
        d = Path(workdir)
        d.mkdir(parents=True, exist_ok=True)
        if force:
            for name in DEMO_FILES:
                for f in (d / name, d / f"{name}-wal", d / f"{name}-shm", d / f"{name}-journal"):
                    if f.is_dir():
                        raise CliInputError(f"--dir {workdir!r}: {f.name} is a folder")
                    f.unlink(missing_ok=True)
        elif any(d.iterdir()):
            raise CliInputError(f"--dir {workdir!r} is not empty (--force runs over it)")
        result = run_demo(n_locks, depth, d, nm, as_json, evm=not no_evm)
    else:
        tmp = tempfile.mkdtemp(prefix="zkcollat-demo-")
        try:
            result = run_demo(n_locks, depth, Path(tmp), nm, as_json, evm=not no_evm)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    result["total_seconds"] = round(time.perf_counter() - t0, 2)
    if as_json:
        click.echo(json.dumps(result, indent=1))
    else:
        click.secho(
            f"\ndone in {result['total_seconds']:.1f} s"
            + (f"; files in {workdir}" if workdir else ""),
            bold=True,
        )
