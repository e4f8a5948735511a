"""Portfolio(D, k, m): its public values, its packing, and its constraints over wrong witnesses.

Each soundness test starts from an honest witness (checked satisfied, so the test can fail),
changes one thing, solves without the solver's checks (``check=False``) and asserts that the
constraints refuse it. Public values the typed dataclass would refuse (a repeated lockId, ...)
are packed by hand with the statement's layout, so that only the circuit stands in the way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from zkcollat.curve import Backend
from zkcollat.errors import CircuitError, InputError, ProvingError, UnsatisfiedConstraint
from zkcollat.field import R
from zkcollat.groth16.setup import setup
from zkcollat.groth16.verify import verify
from zkcollat.r1cs.system import ConstraintSystem
from zkcollat.relayer.portfolio import portfolio_inputs, portfolio_public, prove_portfolio
from zkcollat.statements import STATEMENTS, Portfolio, PortfolioPublic, by_name
from zkcollat.statements.portfolio import WORD_BITS, layout, word_bits, word_count
from zkcollat.vault import Lock, Vault
from zkcollat.vault.errors import LockRefused, UnknownLockError

DEPTH, SLOTS, ASSETS = 4, 4, 2
ALICE, BOB, DEST = 0xA11CE, 0xB0B, 42161
WETH, USDC, WBTC = 0xC02AAA39B223FE8D0A0E5C4F27EAD9083C756CC2, 0xA0B8, 0x2260
MIN_EXPIRY = 1_890_000_000


def make_vault(depth: int = DEPTH) -> Vault:
    v = Vault(depth)
    v.insert_many([
        Lock(0, ALICE, DEST, WETH, 10 * 10**18, MIN_EXPIRY + 100),
        Lock(1, BOB, DEST, WETH, 50 * 10**18, MIN_EXPIRY + 100),  # another owner
        Lock(2, ALICE, DEST, USDC, 7_000 * 10**6, MIN_EXPIRY + 5),
        Lock(3, ALICE, DEST, WETH, 3 * 10**18, MIN_EXPIRY),  # expires exactly at minExpiry
        Lock(4, ALICE, DEST, WBTC, 2 * 10**8, MIN_EXPIRY + 9),  # an asset the proof does not list
        Lock(5, ALICE, DEST, WETH, 1, MIN_EXPIRY - 1),  # expires one second too early
        Lock(6, ALICE, 1, WETH, 1, MIN_EXPIRY + 1),  # another destination chain
    ])
    return v


@dataclass
class Case:
    cs: ConstraintSystem
    vault: Vault
    public: PortfolioPublic
    inputs: dict[str, Any]

    def holds(self, **changes: Any) -> bool:
        return self.cs.is_satisfied(self.cs.solve({**self.inputs, **changes}, check=False))

    def packed(self, **values: Any) -> list[int]:
        """Packed words for the public values with ``values`` changed, bypassing the
        dataclass's checks (the layout and the bit ranges still hold)."""
        d = {**self.public.to_dict(), **values}
        out = []
        for word in layout(self.public.slots, self.public.assets):
            out.append(sum((d[p.name] if p.entry is None else d[p.name][p.entry]) << p.offset
                           for p in word))
        return out


@pytest.fixture(scope="module")
def case() -> Case:
    vault = make_vault()
    public = portfolio_public(vault, [3, 0, 2], {WETH: 13 * 10**18, USDC: 7_000 * 10**6},
                              MIN_EXPIRY, dest_chain_id=DEST, owner=ALICE, slots=SLOTS,
                              assets=ASSETS)
    cs = Portfolio(DEPTH, SLOTS, ASSETS).compile()
    inputs = portfolio_inputs(vault, public)
    assert cs.is_satisfied(cs.solve(inputs))
    return Case(cs, vault, public, inputs)


# --- registry and public values ---------------------------------------------------------------


def test_registry_entry_and_parameters() -> None:
    assert STATEMENTS["portfolio"] is Portfolio
    assert Portfolio.public_inputs is PortfolioPublic and Portfolio.title == "Portfolio"
    c = by_name("portfolio", depth=3, slots=2, assets=1)
    assert c.params == {"depth": 3, "slots": 2, "assets": 1}
    assert Portfolio().params == {"depth": 20, "slots": 8, "assets": 4}
    for bad in ({"slots": 0}, {"slots": 257}, {"assets": 0}, {"assets": 17}, {"depth": 0},
                {"slots": True}):
        with pytest.raises(CircuitError):
            Portfolio(**bad)  # type: ignore[arg-type]
    cs = Portfolio(3, 5, 2).compile()
    assert [s.name for s in cs.inputs] == [
        "root", "packed", "amount", "expiry", "assetId", "pathElements", "pathIndices"]
    assert cs.n_public == 1 + word_count(5, 2) == PortfolioPublic.signal_count(5, 2)


def test_public_value_order_is_fixed() -> None:
    assert [n for n, _ in PortfolioPublic.schema()] == [
        "root", "destChainId", "owner", "minExpiry", "lockIds", "assetIds", "thresholds"]


@pytest.mark.parametrize(("k", "m", "words"), [(1, 4, 9), (8, 4, 10), (32, 4, 18), (2, 1, 4)])
def test_layout_packs_whole_values_into_at_most_253_bits(k: int, m: int, words: int) -> None:
    lay = layout(k, m)
    assert len(lay) == words
    seen = set()
    for word in lay:
        assert word_bits(word) <= WORD_BITS
        end = 0
        for p in word:
            assert p.offset == end  # contiguous, no overlap
            end += p.bits
            seen.add(p.label)
    assert seen == {"destChainId", "owner", "minExpiry", *(f"lockIds[{i}]" for i in range(k)),
                    *(f"assetIds[{j}]" for j in range(m)), *(f"thresholds[{j}]" for j in range(m))}


def test_edge_values_round_trip(case: Case) -> None:
    p = PortfolioPublic(root=R - 1, destChainId=(1 << 64) - 1, owner=(1 << 160) - 1,
                        minExpiry=(1 << 64) - 1, lockIds=(0, (1 << 64) - 2, (1 << 64) - 1, 0),
                        assetIds=((1 << 160) - 1, 0), thresholds=((1 << 128) - 1, 0))
    assert p.count == 3 and p.locks == (0, (1 << 64) - 2, (1 << 64) - 1)
    values = p.to_list()
    assert all(0 <= v < R for v in values) and len(values) == 1 + word_count(4, 2)
    assert PortfolioPublic.from_list(values, slots=4, assets=2) == p
    assert PortfolioPublic.from_json(json.dumps(p.to_json()), slots=4, assets=2) == p
    assert PortfolioPublic.from_dict(p.to_dict()) == p
    assert case.public.threshold_of(WETH) == 13 * 10**18 and case.public.threshold_of(WBTC) == 0


def test_unpacking_is_unique_and_refuses_stray_bits(case: Case) -> None:
    values = case.public.to_list()
    for w, word in enumerate(layout(SLOTS, ASSETS)):
        for extra in (1 << word_bits(word), 1 << (WORD_BITS - 1), R - values[1 + w]):
            bad = list(values)
            bad[1 + w] = values[1 + w] + extra
            with pytest.raises(InputError, match=rf"packed\[{w}\]"):
                PortfolioPublic.from_list(bad, slots=SLOTS, assets=ASSETS)
    with pytest.raises(InputError, match="root"):
        PortfolioPublic.from_list([R, *values[1:]], slots=SLOTS, assets=ASSETS)
    with pytest.raises(InputError, match="has 7 public inputs"):
        PortfolioPublic.from_list(values[:-1], slots=SLOTS, assets=ASSETS)
    with pytest.raises(InputError, match="has 7 public inputs"):
        PortfolioPublic.from_json(["1"] * 6, slots=SLOTS, assets=ASSETS)


@pytest.mark.parametrize(("changes", "match"), [
    ({"lockIds": (3, 3, 0, 0)}, r"lockIds\[1\] = 3 is not above"),
    ({"lockIds": (3, 2, 0, 0)}, r"lockIds\[1\] = 2 is not above"),
    ({"lockIds": (0, 2, 0, 3)}, r"lockIds\[3\] = 3 follows an empty slot"),
    ({"lockIds": (1 << 64, 0, 0, 0)}, r"lockIds\[0\] = 18446744073709551616 is not a uint64"),
    ({"lockIds": ()}, "slot count"),
    ({"assetIds": (WETH, WETH)}, r"assetIds\[1\] repeats"),
    ({"assetIds": (WETH, 0), "thresholds": (1, 1)}, r"thresholds\[1\] = 1 for assetId 0"),
    ({"thresholds": (1,)}, "2 assetIds but 1 thresholds"),
    ({"thresholds": (1 << 128, 0)}, r"thresholds\[0\] .* not a uint128"),
    ({"owner": 1 << 160}, "owner"),
    ({"root": R}, "root"),
    ({"lockIds": "0123"}, "list of integers"),
])
def test_non_canonical_public_values_are_refused(case: Case, changes: dict[str, Any],
                                                 match: str) -> None:
    with pytest.raises(InputError, match=match):
        case.public.replace(**changes)


# --- the constraints ---------------------------------------------------------------------------


def test_honest_witness_and_its_public_signals(case: Case) -> None:
    w = case.cs.solve(case.inputs)
    assert PortfolioPublic.from_list(case.cs.public_values(w), slots=SLOTS,
                                     assets=ASSETS) == case.public
    # lock 3 expires exactly at minExpiry and each sum meets its threshold exactly
    assert case.public.thresholds == (7_000 * 10**6, 13 * 10**18)


def test_a_sum_one_below_its_threshold(case: Case) -> None:
    for j in range(ASSETS):
        t = list(case.public.thresholds)
        t[j] += 1
        assert not case.holds(packed=case.packed(thresholds=t))


def test_a_slot_outside_the_tree(case: Case) -> None:
    amounts = list(case.inputs["amount"])
    amounts[1] += 1  # slot 1 (lock 2) claims one more unit: its leaf is not in the tree
    assert not case.holds(amount=amounts)
    elems = list(case.inputs["pathElements"])
    elems[DEPTH + 2] = (elems[DEPTH + 2] + 1) % R  # a wrong sibling on slot 1's path
    assert not case.holds(pathElements=elems)
    other = make_vault()
    other.insert(Lock(7, ALICE, DEST, WETH, 100 * 10**18, MIN_EXPIRY + 100))
    p7 = other.generate_proof(7)
    # lock 7 of another tree, with its own (valid in that tree) path: not under our root
    ids = [0, 2, 3, 7]
    elems = list(case.inputs["pathElements"])
    idx = list(case.inputs["pathIndices"])
    elems[3 * DEPTH:] = list(p7.siblings)
    idx[3 * DEPTH:] = list(p7.path_indices)
    amounts = [*case.inputs["amount"][:3], 100 * 10**18]
    assert not case.holds(packed=case.packed(lockIds=ids), pathElements=elems, pathIndices=idx,
                          amount=amounts, expiry=[*case.inputs["expiry"][:3], MIN_EXPIRY + 100],
                          assetId=[*case.inputs["assetId"][:3], WETH])


def _with_lock(case: Case, lock_id: int, ids: list[int], **values: Any) -> dict[str, Any]:
    """Inputs with ``lock_id`` (a real lock of the vault) in slot 3, its true path and fields."""
    lk = case.vault.get_lock(lock_id)
    p = case.vault.generate_proof(lock_id)
    inp = dict(case.inputs)
    for name, v in (("amount", lk.amount), ("expiry", lk.expiry), ("assetId", lk.asset_id)):
        inp[name] = [*case.inputs[name][:3], v]
    inp["pathElements"] = [*case.inputs["pathElements"][:3 * DEPTH], *p.siblings]
    inp["pathIndices"] = [*case.inputs["pathIndices"][:3 * DEPTH], *p.path_indices]
    inp["packed"] = case.packed(lockIds=ids, **values)
    return inp


def test_another_owner_or_destination(case: Case) -> None:
    # Bob's lock 1 (true leaf and path) in Alice's portfolio: the leaf has Alice as owner
    inp = _with_lock(case, 1, [0, 2, 3, 1])
    assert not case.cs.is_satisfied(case.cs.solve(inp, check=False))
    inp = _with_lock(case, 6, [0, 2, 3, 6])  # destination chain 1, not 42161
    assert not case.cs.is_satisfied(case.cs.solve(inp, check=False))
    assert not case.holds(packed=case.packed(owner=BOB))
    assert not case.holds(packed=case.packed(destChainId=1))


def test_an_expired_lock(case: Case) -> None:
    assert not case.holds(packed=case.packed(minExpiry=MIN_EXPIRY + 1))  # lock 3 expires first
    inp = _with_lock(case, 5, [0, 2, 3, 5])  # lock 5 expires at minExpiry - 1
    assert not case.cs.is_satisfied(case.cs.solve(inp, check=False))


def test_an_asset_not_listed(case: Case) -> None:
    inp = _with_lock(case, 4, [0, 2, 3, 4])  # WBTC, not listed: the asset rule is what fails
    where = r"exactly one listed asset\) at portfolio/slot\[3\]/asset "
    with pytest.raises(UnsatisfiedConstraint, match=where):
        case.cs.check_witness(case.cs.solve(inp, check=False))


def test_an_asset_listed_twice_backs_no_slot(case: Case) -> None:
    # WETH listed twice: a WETH slot matches two entries, so nothing can be counted twice
    assert not case.holds(packed=case.packed(assetIds=[WETH, WETH],
                                             thresholds=[13 * 10**18, 13 * 10**18]))
    assert not case.holds(packed=case.packed(assetIds=[WETH, WETH], thresholds=[0, 0]))


def test_a_repeated_or_decreasing_lock_id(case: Case) -> None:
    # lock 3 twice (slots 2 and 3), each with its true leaf and path: WETH would count 16
    inp = _with_lock(case, 3, [0, 2, 3, 3])
    assert not case.cs.is_satisfied(case.cs.solve(inp, check=False))
    # the same lock in two slots is refused even when the sum needs it
    inp = _with_lock(case, 3, [0, 2, 3, 3], thresholds=[7_000 * 10**6, 16 * 10**18])
    assert not case.cs.is_satisfied(case.cs.solve(inp, check=False))
    # decreasing order (slots permuted with their witnesses)
    perm = [0, 2, 1]
    inp = dict(case.inputs)
    for name in ("amount", "expiry", "assetId"):
        inp[name] = [case.inputs[name][i] for i in perm] + [0]
    for name in ("pathElements", "pathIndices"):
        inp[name] = [x for i in perm for x in case.inputs[name][i * DEPTH:(i + 1) * DEPTH]]
        inp[name] += [0] * DEPTH
    inp["packed"] = case.packed(lockIds=[0, 3, 2, 0])
    assert not case.cs.is_satisfied(case.cs.solve(inp, check=False))
    # the control: the true order with the same witnesses holds
    assert case.holds()


def test_an_empty_slot_with_an_amount(case: Case) -> None:
    amounts = list(case.inputs["amount"])
    amounts[3] = 5 * 10**18  # slot 3 is empty (lockId 0): its amount may not count ...
    assert not case.holds(amount=amounts)
    assets = list(case.inputs["assetId"])
    assets[3] = WETH  # ... not even toward a listed asset with a threshold that needs it
    assert not case.holds(amount=amounts, assetId=assets,
                          packed=case.packed(thresholds=[7_000 * 10**6, 18 * 10**18]))


def test_a_used_slot_after_an_empty_one(case: Case) -> None:
    # slots (0, 2, -, 3): lock 3's true witness in slot 3 behind an empty slot 2
    inp = _with_lock(case, 3, [0, 2, 0, 3])
    for name in ("amount", "expiry", "assetId"):
        inp[name][2] = 0
    inp["pathElements"][2 * DEPTH:3 * DEPTH] = [0] * DEPTH
    inp["pathIndices"][2 * DEPTH:3 * DEPTH] = [0] * DEPTH
    assert not case.cs.is_satisfied(case.cs.solve(inp, check=False))


def test_slot_zero_is_always_a_lock(case: Case) -> None:
    """lockIds[0] = 0 means lock 0, never "empty": a slot 0 that is not lock 0 fails."""
    amounts = list(case.inputs["amount"])
    amounts[0] = 0
    assert not case.holds(amount=amounts,
                          packed=case.packed(thresholds=[7_000 * 10**6, 3 * 10**18]))


def test_a_packed_word_with_a_stray_bit(case: Case) -> None:
    for w, word in enumerate(layout(SLOTS, ASSETS)):
        packed = case.packed()
        packed[w] += 1 << word_bits(word)
        assert not case.holds(packed=packed)


# --- proving: the relayer's checks, then both backends ----------------------------------------


def test_prover_refuses_before_proving(case: Case) -> None:
    v = case.vault
    kw: dict[str, Any] = {"dest_chain_id": DEST, "owner": ALICE, "slots": SLOTS, "assets": ASSETS}
    for ids, th, exc in (
        ([0, 1], {WETH: 1}, LockRefused),  # Bob's lock
        ([0, 5], {WETH: 1}, LockRefused),  # expires too early
        ([0, 4], {WETH: 1}, InputError),  # WBTC not listed
        ([0, 3], {WETH: 13 * 10**18 + 1}, LockRefused),  # sum one below
        ([0, 99], {WETH: 1}, UnknownLockError),  # no such lock
    ):
        with pytest.raises(exc):
            pub = portfolio_public(v, ids, th, MIN_EXPIRY, **kw)
            prove_portfolio(v, pub, pk=None)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="do not fit 4 slots"):
        portfolio_public(v, [0, 2, 3, 4, 5], {WETH: 1}, MIN_EXPIRY, **kw)
    with pytest.raises(InputError, match="name a lock twice"):
        portfolio_public(v, [0, 0], {WETH: 1}, MIN_EXPIRY, **kw)
    with pytest.raises(ProvingError, match="root"):
        pub = portfolio_public(v, [0], {WETH: 1}, MIN_EXPIRY, **kw).replace(root=1)
        prove_portfolio(v, pub, pk=None)  # type: ignore[arg-type]


def _prove_and_verify(backend: Backend, depth: int, slots: int, assets: int) -> None:
    vault = make_vault(depth)
    public = portfolio_public(vault, [0, 3], {WETH: 13 * 10**18}, MIN_EXPIRY,
                              dest_chain_id=DEST, owner=ALICE, slots=slots, assets=assets)
    cs = Portfolio(depth, slots, assets).compile()
    pk, vk = setup(cs, seed=b"tests/statements/test_portfolio", backend=backend)
    proof = prove_portfolio(vault, public, pk=pk, cs=cs, backend=backend)
    assert verify(vk, public.to_list(), proof, backend=backend)
    more = public.replace(thresholds=(13 * 10**18 + 1, *[0] * (assets - 1)))  # one unit more
    assert not verify(vk, more.to_list(), proof, backend=backend)
    fewer = public.replace(lockIds=(0, 0, 0)[:slots])  # drop lock 3 from the public list
    assert not verify(vk, fewer.to_list(), proof, backend=backend)


def test_prove_and_verify_native(native: Backend) -> None:
    _prove_and_verify(native, DEPTH, 3, 1)


@pytest.mark.slow
def test_prove_and_verify_reference(reference: Backend) -> None:
    _prove_and_verify(reference, 3, 2, 1)


def test_layout_closed_form_of_the_docs_and_the_circom_twin() -> None:
    """docs/protocol.md s.4.4 and circuits/portfolio.circom state the first-fit layout in
    closed form: word 0 = owner | destChainId << 160, word 1 + j = assetIds[j] | u[1 + j] << 160,
    word 1 + m + j = thresholds[j] | u[1 + m + j] << 128, then three uint64s a word."""
    for k in range(1, 65):
        for m in range(1, 17):
            u = [("destChainId", None), ("minExpiry", None), *(("lockIds", i) for i in range(k))]
            words: list[list[tuple[str, int | None, int, int]]] = [[("owner", None, 0, 160)]]
            words += [[("assetIds", j, 0, 160)] for j in range(m)]
            words += [[("thresholds", j, 0, 128)] for j in range(m)]
            for t, (name, entry) in enumerate(u):
                if t == 0:
                    words[0].append((name, entry, 160, 64))
                elif t <= m:
                    words[t].append((name, entry, 160, 64))
                elif t <= 2 * m:
                    words[t].append((name, entry, 128, 64))
                else:
                    r = t - (2 * m + 1)
                    if r % 3 == 0:
                        words.append([])
                    words[-1].append((name, entry, 64 * (r % 3), 64))
            assert [[tuple(p) for p in w] for w in layout(k, m)] == words, (k, m)
            rest = max(0, k + 2 - (2 * m + 1))
            assert word_count(k, m) == 1 + 2 * m + (rest + 2) // 3  # circom's pfWords
