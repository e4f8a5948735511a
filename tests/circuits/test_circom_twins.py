"""The circom twins in ``circuits/`` against the Python statements (PROTOCOL.md s.4).

For each parameterisation with a main file in ``circuits/main/``:

* the twin declares the same signals, in the same order, with the same public list (quick);
* compiled with the pinned circom2 (``--O2``), its constraint count is within 1% of the Python
  circuit's, and its wires 1.. carry the protocol's input names in the protocol's order;
* the same ``input.json`` gives the same public signals through snarkjs ``wtns calculate`` and
  through the Python solver, and the circom witness satisfies the circom ``.r1cs``;
* inputs that break the statement (amount below threshold, a value out of its range, a
  non-boolean path index, a wrong root...) are refused by both witness generators.

Compiling takes seconds to tens of seconds per circuit, so those tests are marked slow.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.jstools import ROOT, circom2_compile, snarkjs_cli
from zkcollat.errors import InputError, UnsatisfiedConstraint
from zkcollat.field import R
from zkcollat.formats.r1cs_bin import R1csFile, read_r1cs
from zkcollat.formats.signals import read_input_json
from zkcollat.formats.wtns import read_wtns
from zkcollat.gadgets.merkle import merkle_root_plain, path_indices_of
from zkcollat.hash import poseidon_hash
from zkcollat.r1cs import Circuit
from zkcollat.r1cs.system import ConstraintSystem
from zkcollat.relayer.portfolio import portfolio_inputs, portfolio_public
from zkcollat.statements import BalanceThreshold, CollateralLock, MerkleInclusion, Portfolio
from zkcollat.statements.portfolio import layout, word_bits
from zkcollat.vault import Lock, Vault

CIRCUITS = ROOT / "circuits"

WETH = 0xC02AAA39B223FE8D0A0E5C4F27EAD9083C756CC2
DEPTH = 20


@dataclass(frozen=True)
class Twin:
    main: str  # stem of circuits/main/<main>.circom
    source: str  # circuits/<source>.circom, which holds the template
    template: str
    python: Callable[[], Circuit]


TWINS = {
    t.main: t
    for t in (
        Twin("collateral_lock_20", "collateral_lock", "CollateralLock",
             lambda: CollateralLock(DEPTH)),
        Twin("merkle_inclusion_20", "merkle_inclusion", "MerkleInclusion",
             lambda: MerkleInclusion(DEPTH)),
        Twin("balance_threshold_128", "balance_threshold", "BalanceThreshold",
             lambda: BalanceThreshold(128)),
        Twin("portfolio_20_4_2", "portfolio", "Portfolio", lambda: Portfolio(DEPTH, 4, 2)),
    )
}


# --- inputs -----------------------------------------------------------------------------------

SIBLINGS = [(k + 1) * 0x9E3779B97F4A7C15 % R for k in range(DEPTH)]


def _lock_inputs(
    *,
    amount: int = 10 * 10**18,
    expiry: int = 1_900_000_000,
    threshold: int = 8 * 10**18,
    min_expiry: int = 1_890_000_000,
    lock_id: int = 5,
) -> dict[str, Any]:
    """CollateralLock inputs whose root is recomputed from the (possibly bad) values, so that
    only the rule under test can fail."""
    owner, dest, asset = 0xA11CE, 42161, WETH
    leaf = poseidon_hash([lock_id, owner, dest, asset, amount, expiry])
    bits = path_indices_of(lock_id, DEPTH)
    return {
        "root": merkle_root_plain(leaf, SIBLINGS, bits), "destChainId": dest, "owner": owner,
        "assetId": asset, "lockId": lock_id, "threshold": threshold, "minExpiry": min_expiry,
        "amount": amount, "expiry": expiry, "pathElements": SIBLINGS, "pathIndices": bits,
    }


def _merkle_inputs(leaf: int = 0x1234567890, index: int = 0b1011) -> dict[str, Any]:
    bits = path_indices_of(index, DEPTH)
    return {"root": merkle_root_plain(leaf, SIBLINGS, bits), "leaf": leaf,
            "pathElements": SIBLINGS, "pathIndices": bits}


def _balance_inputs(
    amount: int = 10 * 10**18, threshold: int = 8 * 10**18, blinding: int = 0xB11D
) -> dict[str, Any]:
    return {"commitment": poseidon_hash([amount, blinding]), "threshold": threshold,
            "amount": amount, "blinding": blinding}


def _with_mixed_index(inputs: dict[str, Any], level: int, index: int) -> dict[str, Any]:
    """A path whose index at ``level`` is not a bit, with the root that the swap formula
    (left, right) = (cur + d, sib - d), d = index * (sib - cur) then gives: only the boolean
    constraint on the index stands in the way."""
    leaf = inputs["leaf"] if "leaf" in inputs else poseidon_hash(
        [inputs[k] for k in ("lockId", "owner", "destChainId", "assetId", "amount", "expiry")]
    )
    bits = list(inputs["pathIndices"])
    bits[level] = index
    cur = leaf
    for sib, b in zip(inputs["pathElements"], bits, strict=True):
        d = b * (sib - cur) % R
        cur = poseidon_hash([(cur + d) % R, (sib - d) % R])
    return {**inputs, "pathIndices": bits, "root": cur}


USDC = 0xA0B86991C6218B36C1D19D4A2E9EB0CE3606EB48
WBTC = 0x2260FAC5E5542A773AA44FBCB6EDAC8DA0C6C5B3
PF_OWNER, PF_DEST, PF_MIN_EXPIRY = 0xA11CE, 42161, 1_890_000_000


def _portfolio(ids: list[int], sums: dict[int, int], *, min_expiry: int = PF_MIN_EXPIRY,
               **packed: Any) -> dict[str, Any]:
    """Portfolio(20, 4, 2) inputs for locks of a small vault; ``packed`` changes public values
    after the fact (packed with the statement's layout, bypassing the dataclass's checks).
    The listed assets are sorted: (USDC, WETH)."""
    vault = Vault(DEPTH)
    vault.insert_many([
        Lock(0, PF_OWNER, PF_DEST, WETH, 10 * 10**18, PF_MIN_EXPIRY + 100),
        Lock(1, 0xB0B, PF_DEST, WETH, 50 * 10**18, PF_MIN_EXPIRY + 100),
        Lock(2, PF_OWNER, PF_DEST, USDC, 7_000 * 10**6, PF_MIN_EXPIRY + 5),
        Lock(3, PF_OWNER, PF_DEST, WETH, 3 * 10**18, PF_MIN_EXPIRY),
        Lock(4, PF_OWNER, PF_DEST, WBTC, 2 * 10**8, PF_MIN_EXPIRY + 9),
    ])
    public = portfolio_public(vault, ids, sums, min_expiry, dest_chain_id=PF_DEST,
                              owner=PF_OWNER, slots=4, assets=2)
    if any(i not in public.locks for i in ids):
        raise AssertionError(ids)
    inputs = portfolio_inputs(vault, public)
    if packed:
        d = {**public.to_dict(), **packed}
        inputs["packed"] = [
            sum((d[p.name] if p.entry is None else d[p.name][p.entry]) << p.offset for p in w)
            for w in layout(4, 2)
        ]
    return inputs


def _portfolio_good() -> dict[str, Any]:
    return _portfolio([0, 2, 3], {WETH: 13 * 10**18, USDC: 7_000 * 10**6})


def _portfolio_with_slot3(lock_id: int, ids: list[int], **packed: Any) -> dict[str, Any]:
    """The good portfolio plus lock ``lock_id``'s true witness in slot 3 under public ``ids``."""
    good = _portfolio_good()
    one = _portfolio([lock_id], {WETH: 0})
    out = dict(good)
    for name in ("amount", "expiry", "assetId"):
        out[name] = [*good[name][:3], one[name][0]]
    for name in ("pathElements", "pathIndices"):
        out[name] = [*good[name][:3 * DEPTH], *one[name][:DEPTH]]
    d = {"lockIds": ids, "thresholds": [7_000 * 10**6, 13 * 10**18], **packed}
    out["packed"] = _portfolio([0, 2, 3], {WETH: 13 * 10**18, USDC: 7_000 * 10**6}, **d)["packed"]
    return out


def _portfolio_stray_bit() -> dict[str, Any]:
    inputs = _portfolio_good()
    inputs["packed"] = list(inputs["packed"])
    inputs["packed"][1] += 1 << word_bits(layout(4, 2)[1])
    return inputs


def _portfolio_empty_amount() -> dict[str, Any]:
    inputs = _portfolio_good()
    inputs["amount"] = [*inputs["amount"][:3], 5]
    return inputs


GOOD: dict[str, Callable[[], dict[str, Any]]] = {
    "collateral_lock_20": _lock_inputs,
    "merkle_inclusion_20": _merkle_inputs,
    "balance_threshold_128": _balance_inputs,
    "portfolio_20_4_2": _portfolio_good,
}

BAD: dict[str, tuple[str, Callable[[], dict[str, Any]]]] = {
    "amount below threshold": ("collateral_lock_20", lambda: _lock_inputs(
        amount=8 * 10**18 - 1)),
    "expiry before minExpiry": ("collateral_lock_20", lambda: _lock_inputs(
        expiry=1_890_000_000 - 1)),
    "amount = 2^128": ("collateral_lock_20", lambda: _lock_inputs(amount=1 << 128)),
    "threshold = amount = 2^128": ("collateral_lock_20", lambda: _lock_inputs(
        amount=1 << 128, threshold=1 << 128)),
    "amount wraps: threshold - amount = r - 1": ("collateral_lock_20", lambda: _lock_inputs(
        amount=R - 1, threshold=2**127)),
    "expiry = 2^64": ("collateral_lock_20", lambda: _lock_inputs(expiry=1 << 64)),
    "minExpiry = expiry = 2^64": ("collateral_lock_20", lambda: _lock_inputs(
        expiry=1 << 64, min_expiry=1 << 64)),
    "pathIndices[3] = 2": ("collateral_lock_20", lambda: _with_mixed_index(
        _lock_inputs(), 3, 2)),
    "wrong root": ("collateral_lock_20", lambda: {**_lock_inputs(), "root": 12345}),
    "wrong owner": ("collateral_lock_20", lambda: {**_lock_inputs(), "owner": 0xB0B}),
    "merkle: pathIndices[0] = r - 1": ("merkle_inclusion_20", lambda: _with_mixed_index(
        _merkle_inputs(), 0, R - 1)),
    "merkle: leaf not in the tree": ("merkle_inclusion_20", lambda: {
        **_merkle_inputs(), "leaf": 0x1234567891}),
    "balance: amount below threshold": ("balance_threshold_128", lambda: _balance_inputs(
        amount=5, threshold=6)),
    "balance: amount = 2^128": ("balance_threshold_128", lambda: _balance_inputs(
        amount=1 << 128, threshold=1)),
    "balance: wrong blinding": ("balance_threshold_128", lambda: {
        **_balance_inputs(), "blinding": 0xB11E}),
    "portfolio: a sum one below its threshold": ("portfolio_20_4_2", lambda: _portfolio(
        [0, 2, 3], {WETH: 13 * 10**18, USDC: 7_000 * 10**6},
        thresholds=[7_000 * 10**6, 13 * 10**18 + 1])),
    "portfolio: an expired lock": ("portfolio_20_4_2", lambda: _portfolio(
        [0, 2, 3], {WETH: 13 * 10**18, USDC: 7_000 * 10**6}, minExpiry=PF_MIN_EXPIRY + 1)),
    "portfolio: another owner": ("portfolio_20_4_2", lambda: _portfolio(
        [0, 2, 3], {WETH: 13 * 10**18, USDC: 7_000 * 10**6}, owner=0xB0B)),
    "portfolio: a lock of another owner": ("portfolio_20_4_2", lambda: _portfolio_with_slot3(
        1, [0, 2, 3, 1])),
    "portfolio: an asset not listed": ("portfolio_20_4_2", lambda: _portfolio_with_slot3(
        4, [0, 2, 3, 4])),
    "portfolio: a repeated lockId": ("portfolio_20_4_2", lambda: _portfolio_with_slot3(
        3, [0, 2, 3, 3], thresholds=[7_000 * 10**6, 16 * 10**18])),
    "portfolio: an empty slot with an amount": ("portfolio_20_4_2", _portfolio_empty_amount),
    "portfolio: a packed word with a stray bit": ("portfolio_20_4_2", _portfolio_stray_bit),
}


def _to_json(inputs: dict[str, Any]) -> dict[str, Any]:
    return {k: [str(x) for x in v] if isinstance(v, list) else str(v) for k, v in inputs.items()}


# --- quick: the sources declare what the Python statements declare -----------------------------


def _declared_signals(source: str, template: str) -> list[str]:
    text = (CIRCUITS / f"{source}.circom").read_text()
    m = re.search(rf"template {template}\([\w, ]*\) \{{(.*?)\n\}}", text, re.S)
    assert m, f"template {template} not found in circuits/{source}.circom"
    return re.findall(r"signal input (\w+)", m.group(1))


@pytest.mark.parametrize("stem", sorted(TWINS))
def test_sources_declare_the_protocol_signals_in_order(stem: str) -> None:
    twin = TWINS[stem]
    cs = twin.python().compile()
    python_inputs = [s.name for s in cs.inputs]  # public first, then private, declared order
    assert _declared_signals(twin.source, twin.template) == python_inputs
    main_text = (CIRCUITS / "main" / f"{stem}.circom").read_text()
    m = re.search(r"component main \{public \[([^\]]*)\]\} = (\w+)\(([\d, ]+)\);", main_text)
    assert m, f"circuits/main/{stem}.circom has no main component with a public list"
    public = [p.strip() for p in m.group(1).split(",")]
    assert public == [s.name for s in cs.inputs if s.public]
    assert m.group(2) == twin.template
    assert [int(x) for x in m.group(3).split(",")] == list(twin.python().params.values())


# --- slow: compiled with circom2 --------------------------------------------------------------


@dataclass(frozen=True)
class Compiled:
    r1cs: R1csFile
    wasm: Path
    sym: Path
    python: ConstraintSystem


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Compiled]:
    cache: dict[str, Compiled] = {}
    out = tmp_path_factory.mktemp("circom")

    def get(stem: str) -> Compiled:
        if stem not in cache:
            r1cs, wasm = circom2_compile(CIRCUITS / "main" / f"{stem}.circom", out)
            cache[stem] = Compiled(
                read_r1cs(r1cs), wasm, r1cs.with_suffix(".sym"), TWINS[stem].python().compile()
            )
        return cache[stem]

    return get


def _circom_witness(c: Compiled, inputs: dict[str, Any], tmp: Path) -> list[int]:
    """snarkjs ``wtns calculate`` with the circom wasm; AssertionError carrying snarkjs's
    message when the witness generator refuses the inputs."""
    (tmp / "input.json").write_text(json.dumps(_to_json(inputs)))
    proc = subprocess.run(
        [*snarkjs_cli(), "wtns", "calculate", str(c.wasm), "input.json", "witness.wtns"],
        cwd=tmp, capture_output=True, text=True, timeout=600,
    )
    if proc.returncode != 0 or not (tmp / "witness.wtns").exists():
        raise AssertionError(f"circom witness refused: {proc.stdout[-1500:]}{proc.stderr[-1500:]}")
    return read_wtns(tmp / "witness.wtns")


def _unsatisfied(r1cs: R1csFile, w: list[int]) -> list[int]:
    def ev(lc: dict[int, int]) -> int:
        return sum(w[i] * v for i, v in lc.items()) % R

    return [i for i, (a, b, c) in enumerate(r1cs.constraints) if ev(a) * ev(b) % R != ev(c)]


def _sym_names(sym: Path) -> dict[int, str]:
    """wire index -> signal name from circom's ``.sym`` (``label,wire,component,name``)."""
    names: dict[int, str] = {}
    for line in sym.read_text().splitlines():
        _, wire, _, name = line.split(",", 3)
        if int(wire) >= 0:
            names.setdefault(int(wire), name)
    return names


@pytest.mark.slow
@pytest.mark.parametrize("stem", sorted(TWINS))
def test_constraint_count_within_one_percent(
    compiled: Callable[[str], Compiled], stem: str
) -> None:
    c = compiled(stem)
    ours, theirs = c.python.n_constraints, c.r1cs.n_constraints
    assert abs(theirs - ours) <= ours / 100, f"circom {theirs} vs Python {ours} constraints"


@pytest.mark.slow
@pytest.mark.parametrize("stem", sorted(TWINS))
def test_wires_carry_the_protocol_names_in_order(
    compiled: Callable[[str], Compiled], stem: str
) -> None:
    c = compiled(stem)
    assert (c.r1cs.n_pub_out, c.r1cs.n_pub_in, c.r1cs.n_prv_in) == (
        0, c.python.n_public, c.python.n_private)
    names = _sym_names(c.sym)
    expected = ["main." + n for n in c.python.public_names + c.python.private_names]
    assert [names[i] for i in range(1, 1 + len(expected))] == expected


@pytest.mark.slow
@pytest.mark.parametrize("stem", sorted(TWINS))
def test_same_input_json_same_public_signals(
    compiled: Callable[[str], Compiled], stem: str, tmp_path: Path
) -> None:
    c = compiled(stem)
    inputs = GOOD[stem]()
    # the very file both take: what the Python solver reads from disk, snarkjs reads too
    (tmp_path / "input.json").write_text(json.dumps(_to_json(inputs)))
    ours = c.python.solve(read_input_json(tmp_path / "input.json"))
    theirs = _circom_witness(c, inputs, tmp_path)
    n = c.python.n_public
    assert theirs[0] == 1
    assert theirs[1 : 1 + n] == ours[1 : 1 + n]
    assert len(theirs) == c.r1cs.n_wires
    assert _unsatisfied(c.r1cs, theirs) == []
    # and the r1cs check is not vacuous: a witness for another threshold/leaf fails it
    forged = list(theirs)
    forged[2] = (forged[2] + 1) % R
    assert _unsatisfied(c.r1cs, forged)


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(BAD))
def test_wrong_witness_refused_by_both(
    compiled: Callable[[str], Compiled], case: str, tmp_path: Path
) -> None:
    stem, make = BAD[case]
    c = compiled(stem)
    inputs = make()
    with pytest.raises(UnsatisfiedConstraint):
        c.python.solve(_to_json(inputs))
    with pytest.raises(AssertionError, match="Assert Failed"):
        _circom_witness(c, inputs, tmp_path)


@pytest.mark.slow
def test_inputs_at_least_r_python_refuses_circom_reduces(
    compiled: Callable[[str], Compiled], tmp_path: Path
) -> None:
    """A known difference, documented in circuits/README.md: circom's witness generator
    reduces an input >= r modulo r; the Python parser refuses it (PROTOCOL s.1). A prover
    running the circom twin must check its inputs < r itself."""
    c = compiled("balance_threshold_128")
    good = _balance_inputs()
    aliased = {**good, "threshold": good["threshold"] + R}
    with pytest.raises(InputError, match=">= r"):
        c.python.solve(_to_json(aliased))
    assert _circom_witness(c, aliased, tmp_path) == _circom_witness(c, good, tmp_path)
