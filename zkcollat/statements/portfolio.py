"""Portfolio(D, k, m): many locks of one owner, one proof (docs/protocol.md s.4.4).

k lock *slots*, each empty or a lock of the same ``owner`` and ``destChainId`` in the tree with
``root``, with ``expiry >= minExpiry``; the lockIds of the used slots strictly increase (no lock
counted twice); for each of the m listed assets j, the amounts of the slots holding asset j sum
to at least ``thresholds[j]``. No single amount is revealed.

Encoding of the slots (public ``lockIds``, k entries):

* slot 0 is always used (a portfolio holds at least one lock; its lockId may be 0);
* slot i >= 1 is used exactly when ``lockIds[i] != 0``: lock 0 can only sit in slot 0, since
  used lockIds strictly increase; the used slots are a prefix (no used slot after an empty one);
* an empty slot's amount is constrained to 0 and it takes part in no sum and no membership
  check; its private expiry, assetId and path are free and change nothing (the prover writes
  zeros).

Assets (public ``assetIds`` and ``thresholds``, m entries each; m is a circuit parameter,
default 4): every used slot's asset must equal **exactly one** listed asset (a lock of an
unlisted asset cannot be put in a slot, so every lockId the proof names adds to exactly one sum,
and a venue crediting the proof's lockIds never books a lock that backs nothing). An asset
listed twice can back no slot (two matches), so its thresholds can only be 0: no amount is
counted twice. Padding entries are ``assetId = 0, threshold = 0``.

Public signals: ``root`` (a field element), then the other public values packed into
``packed[W]`` (see :func:`layout`): each word holds whole values at fixed bit offsets, at most
253 bits, and the circuit decomposes every word into exactly those bits, so every packed value
is range-checked (uint64, uint160, uint128) and unpacking is unique; a word >= 2^(its bits)
(in particular any value >= r) satisfies nothing.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple, Self

from zkcollat.errors import CircuitError, InputError
from zkcollat.field import R, parse_decimal
from zkcollat.gadgets.bits import from_bits, is_equal, is_zero, range_check, to_bits
from zkcollat.gadgets.compare import assert_greater_eq
from zkcollat.gadgets.merkle import merkle_root
from zkcollat.gadgets.poseidon import poseidon_gadget
from zkcollat.r1cs import Api, Private, Public
from zkcollat.r1cs.lc import LinComb, linear_sum
from zkcollat.statements.base import StatementCircuit
from zkcollat.statements.collateral_lock import AMOUNT_BITS, TIME_BITS, check_depth
from zkcollat.statements.schema import (
    FR,
    UINT64,
    UINT128,
    UINT160,
    FieldType,
    PublicInputs,
)

#: Bits a packed word may use: 2^253 < r, so a word's bit decomposition is unique.
WORD_BITS = 253
#: Largest k and m accepted (k bounds the sums: k * 2^128 < 2^(128 + bitlen(k))).
MAX_SLOTS = 256
MAX_ASSETS = 16
DEFAULT_SLOTS = 8
DEFAULT_ASSETS = 4

#: The scalar public values after ``root``, then the lists, in dataclass order.
SCALARS: tuple[tuple[str, FieldType], ...] = (
    ("destChainId", UINT64),
    ("owner", UINT160),
    ("minExpiry", UINT64),
)
LISTS: tuple[tuple[str, FieldType], ...] = (
    ("lockIds", UINT64),
    ("assetIds", UINT160),
    ("thresholds", UINT128),
)


def check_slots(slots: object) -> int:
    """``slots`` if it is a slot count the statement accepts (1..MAX_SLOTS); else CircuitError."""
    if isinstance(slots, bool) or not isinstance(slots, int) or not 1 <= slots <= MAX_SLOTS:
        raise CircuitError(f"slot count k = {slots!r} must be an integer in 1..{MAX_SLOTS}")
    return slots


def check_assets(assets: object) -> int:
    """``assets`` if it is an asset count the statement accepts (1..MAX_ASSETS); else
    CircuitError."""
    if isinstance(assets, bool) or not isinstance(assets, int) or not 1 <= assets <= MAX_ASSETS:
        raise CircuitError(f"asset count m = {assets!r} must be an integer in 1..{MAX_ASSETS}")
    return assets


class Piece(NamedTuple):
    """One public value inside a packed word: ``name[entry]`` (entry None for a scalar) at
    bits ``offset .. offset + bits - 1`` of the word."""

    name: str
    entry: int | None
    offset: int
    bits: int

    @property
    def label(self) -> str:
        return self.name if self.entry is None else f"{self.name}[{self.entry}]"


def layout(slots: int, assets: int) -> tuple[tuple[Piece, ...], ...]:
    """The words of ``packed`` for k = ``slots``, m = ``assets``: first-fit decreasing.

    Values are taken widest first (owner, assetIds, thresholds, then the uint64s destChainId,
    minExpiry, lockIds), each put whole into the first word with room (<= 253 bits), at the
    word's next free offset. For k = 32, m = 4: [owner|destChainId], 4 x [assetId|uint64],
    4 x [threshold|lockId], then three lockIds a word: 18 words (19 public signals with root),
    against 44 unpacked.
    """
    check_slots(slots)
    check_assets(assets)
    values: list[tuple[str, int | None, int]] = [("owner", None, 160)]
    values += [("assetIds", j, 160) for j in range(assets)]
    values += [("thresholds", j, AMOUNT_BITS) for j in range(assets)]
    values += [("destChainId", None, 64), ("minExpiry", None, TIME_BITS)]
    values += [("lockIds", i, 64) for i in range(slots)]
    words: list[list[Piece]] = []
    used: list[int] = []
    for name, index, bits in values:
        for w, u in enumerate(used):
            if u + bits <= WORD_BITS:
                words[w].append(Piece(name, index, u, bits))
                used[w] += bits
                break
        else:
            words.append([Piece(name, index, 0, bits)])
            used.append(bits)
    return tuple(tuple(w) for w in words)


def word_count(slots: int, assets: int) -> int:
    """The number W of ``packed`` words (the statement has W + 1 public signals)."""
    return len(layout(slots, assets))


def word_bits(word: Sequence[Piece]) -> int:
    return sum(p.bits for p in word)


@dataclass(frozen=True)
class PortfolioPublic(PublicInputs):
    """The public values of Portfolio, in this order: ``root, destChainId, owner, minExpiry,
    lockIds[k], assetIds[m], thresholds[m]``.

    The circuit's public signals (``to_list``, ``public.json``) are ``root`` then the packed
    words of :func:`layout`; ``from_list`` / ``from_json`` unpack them and need k and m.
    Construction checks every range and the slot encoding (module docstring): slot 0 used,
    then strictly increasing non-zero lockIds, then zeros; listed assetIds distinct except
    padding entries (assetId 0, threshold 0).
    """

    statement = "Portfolio"
    encoded: ClassVar[bool] = True

    root: int
    destChainId: int
    owner: int
    minExpiry: int
    lockIds: tuple[int, ...]
    assetIds: tuple[int, ...]
    thresholds: tuple[int, ...]

    def __post_init__(self) -> None:
        what = f"{self.statement} public input"
        FR.check(self.root, f"{what} root")
        for name, ftype in SCALARS:
            ftype.check(getattr(self, name), f"{what} {name}")
        for name, ftype in LISTS:
            raw = getattr(self, name)
            if isinstance(raw, (str, bytes)) or not isinstance(raw, Sequence):
                raise InputError(f"{what} {name} must be a list of integers")
            values = tuple(ftype.check(v, f"{what} {name}[{i}]") for i, v in enumerate(raw))
            object.__setattr__(self, name, values)
        if not 1 <= len(self.lockIds) <= MAX_SLOTS:
            raise InputError(f"{what} lockIds: the slot count k = {len(self.lockIds)} must be "
                             f"in 1..{MAX_SLOTS}")
        if not 1 <= len(self.assetIds) <= MAX_ASSETS:
            raise InputError(f"{what} assetIds: the asset count m = {len(self.assetIds)} must "
                             f"be in 1..{MAX_ASSETS}")
        if len(self.thresholds) != len(self.assetIds):
            raise InputError(
                f"{what}s: {len(self.assetIds)} assetIds but {len(self.thresholds)} thresholds"
            )
        ids = self.lockIds
        n = self.count
        for i in range(1, n):
            if ids[i] <= ids[i - 1]:
                raise InputError(
                    f"{what} lockIds[{i}] = {ids[i]} is not above lockIds[{i - 1}] = "
                    f"{ids[i - 1]}: the used slots' lockIds must strictly increase"
                )
        for i in range(n, len(ids)):
            if ids[i] != 0:
                raise InputError(
                    f"{what} lockIds[{i}] = {ids[i]} follows an empty slot (lockIds[{n}] = 0): "
                    "the used slots come first, empty slots are 0"
                )
        seen: dict[int, int] = {}
        for j, (a, t) in enumerate(zip(self.assetIds, self.thresholds, strict=True)):
            if a == 0:
                if t != 0:
                    raise InputError(
                        f"{what} thresholds[{j}] = {t} for assetId 0: asset 0 marks a padding "
                        "entry, whose threshold is 0"
                    )
                continue
            if a in seen:
                raise InputError(
                    f"{what} assetIds[{j}] repeats assetIds[{seen[a]}] = {a:#x}: list each "
                    "asset once"
                )
            seen[a] = j

    # --- the slots ----------------------------------------------------------------------------

    @property
    def slots(self) -> int:
        """k, the number of slots."""
        return len(self.lockIds)

    @property
    def assets(self) -> int:
        """m, the number of listed assets."""
        return len(self.assetIds)

    @property
    def count(self) -> int:
        """The number of used slots: slot 0, then each non-zero lockId up to the first zero."""
        n = 1
        while n < len(self.lockIds) and self.lockIds[n] != 0:
            n += 1
        return n

    @property
    def locks(self) -> tuple[int, ...]:
        """The lockIds the proof covers, increasing (the used slots)."""
        return self.lockIds[: self.count]

    def threshold_of(self, asset_id: int) -> int:
        """The proven lower bound on the amount of ``asset_id`` (0 if not listed)."""
        return sum(t for a, t in zip(self.assetIds, self.thresholds, strict=True)
                   if a == asset_id and a != 0)

    # --- the circuit's public signals ---------------------------------------------------------

    def _value(self, p: Piece) -> int:
        v = getattr(self, p.name)
        return int(v if p.entry is None else v[p.entry])

    def packed(self) -> list[int]:
        """The ``packed`` words of :func:`layout`, each < 2^253 < r."""
        return [
            sum(self._value(p) << p.offset for p in word)
            for word in layout(self.slots, self.assets)
        ]

    def to_list(self) -> list[int]:
        """The public signals in circuit order: ``root``, then the packed words."""
        return [self.root, *self.packed()]

    def to_dict(self) -> dict[str, Any]:
        """The public values by name (lists for lockIds, assetIds, thresholds)."""
        out: dict[str, Any] = {"root": self.root}
        for name, _ in SCALARS:
            out[name] = getattr(self, name)
        for name, _ in LISTS:
            out[name] = list(getattr(self, name))
        return out

    @classmethod
    def schema(cls) -> tuple[tuple[str, FieldType], ...]:
        """``(name, type)`` of each public value (a list field: the type of its entries)."""
        return (("root", FR), *SCALARS, *LISTS)

    @classmethod
    def signal_count(cls, slots: int, assets: int) -> int:
        """The number of public signals (``nPublic``): root and the W packed words."""
        return 1 + word_count(slots, assets)

    @classmethod
    def from_list(  # type: ignore[override]
        cls, values: Sequence[int], *, slots: int, assets: int
    ) -> Self:
        """From the public signals (``root``, packed words) of Portfolio(D, ``slots``,
        ``assets``); a wrong count, a value >= r or a word with bits outside its layout is an
        InputError naming the word."""
        words = layout(slots, assets)
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
            raise InputError(f"{cls.statement} public inputs must be a list of integers")
        if len(values) != 1 + len(words):
            raise InputError(
                f"{cls.statement}(k={slots}, m={assets}) has {1 + len(words)} public inputs "
                f"(root, packed[{len(words)}]); got {len(values)}"
            )
        root = FR.check(values[0], f"{cls.statement} public input root")
        fields: dict[str, Any] = {"root": root}
        lists: dict[str, list[int]] = {
            "lockIds": [0] * slots, "assetIds": [0] * assets, "thresholds": [0] * assets,
        }
        for w, (word, v) in enumerate(zip(words, values[1:], strict=True)):
            FR.check(v, f"{cls.statement} public input packed[{w}]")
            nbits = word_bits(word)
            if v >> nbits:
                raise InputError(
                    f"{cls.statement} public input packed[{w}] = {v} has bits at or above bit "
                    f"{nbits}: it holds {', '.join(p.label for p in word)} ({nbits} bits)"
                )
            for p in word:
                x = (v >> p.offset) & ((1 << p.bits) - 1)
                if p.entry is None:
                    fields[p.name] = x
                else:
                    lists[p.name][p.entry] = x
        return cls(
            root=root,
            destChainId=fields["destChainId"],
            owner=fields["owner"],
            minExpiry=fields["minExpiry"],
            lockIds=tuple(lists["lockIds"]),
            assetIds=tuple(lists["assetIds"]),
            thresholds=tuple(lists["thresholds"]),
        )

    @classmethod
    def from_json(  # type: ignore[override]
        cls, data: object, *, slots: int, assets: int
    ) -> Self:
        """From ``public.json`` (its text, or the parsed array of decimal strings)."""
        if isinstance(data, (str, bytes)):
            try:
                data = json.loads(data)
            except json.JSONDecodeError as e:
                raise InputError(f"{cls.statement} public signals are not valid JSON: {e}") from e
        if not isinstance(data, list):
            raise InputError(f"{cls.statement} public signals must be a JSON array of strings")
        n = cls.signal_count(slots, assets)
        if len(data) != n:
            raise InputError(
                f"{cls.statement}(k={slots}, m={assets}) has {n} public inputs; got {len(data)}"
            )
        names = ["root", *(f"packed[{w}]" for w in range(n - 1))]
        try:
            values = [parse_decimal(v, R, f"public input {nm}")
                      for nm, v in zip(names, data, strict=True)]
        except ValueError as e:
            raise InputError(f"{cls.statement}: {e}") from e
        return cls.from_list(values, slots=slots, assets=assets)

    def replace(self, **changes: Any) -> PortfolioPublic:
        return dataclasses.replace(self, **changes)


def _slots_of(c: object) -> int:
    return int(c.slots)  # type: ignore[attr-defined]


def _slot_path_size(c: object) -> int:
    return int(c.slots) * int(c.depth)  # type: ignore[attr-defined]


def _word_count_of(c: object) -> int:
    return word_count(c.slots, c.assets)  # type: ignore[attr-defined]


class Portfolio(StatementCircuit):
    """k slots, each empty or a lock of ``owner`` for ``destChainId`` in the tree with ``root``
    and ``expiry >= minExpiry``; used lockIds strictly increasing; for each listed asset j the
    used slots of asset j hold at least ``thresholds[j]`` in all (module docstring).

    Private, per slot i (slot i's path is ``pathElements[i*D : (i+1)*D]``, likewise the
    indices): ``amount[i], expiry[i], assetId[i]``.
    """

    name = "portfolio"
    title = "Portfolio"
    section = "4.4"
    public_inputs = PortfolioPublic

    root = Public()
    packed = Public(size=_word_count_of)
    amount = Private(size=_slots_of)
    expiry = Private(size=_slots_of)
    assetId = Private(size=_slots_of)
    pathElements = Private(size=_slot_path_size)
    pathIndices = Private(size=_slot_path_size)

    depth: int
    slots: int
    assets: int

    def __init__(
        self, depth: int = 20, slots: int = DEFAULT_SLOTS, assets: int = DEFAULT_ASSETS
    ) -> None:
        super().__init__(
            depth=check_depth(depth), slots=check_slots(slots), assets=check_assets(assets)
        )

    def define(self, api: Api) -> None:
        k, m, d = self.slots, self.assets, self.depth
        scalars: dict[str, LinComb] = {}
        lists: dict[str, list[LinComb]] = {
            "lockIds": [LinComb.constant(0)] * k,
            "assetIds": [LinComb.constant(0)] * m,
            "thresholds": [LinComb.constant(0)] * m,
        }
        # Every word is decomposed into exactly its layout's bits (< 2^253: unique), so each
        # packed value is a sum of checked bits: range-checked, and its unpacking unique.
        with api.scope("unpack"):
            for w, word in enumerate(layout(k, m)):
                with api.scope(f"packed[{w}]"):
                    bits = to_bits(api, self.packed[w], word_bits(word))
                for p in word:
                    v = from_bits(api, list(bits[p.offset : p.offset + p.bits]))
                    api.note_bits(v, p.bits)
                    if p.entry is None:
                        scalars[p.name] = v
                    else:
                        lists[p.name][p.entry] = v
        owner, dest, min_expiry = scalars["owner"], scalars["destChainId"], scalars["minExpiry"]
        lock_ids, asset_ids, thresholds = (
            lists["lockIds"], lists["assetIds"], lists["thresholds"]
        )
        sum_terms: list[list[LinComb]] = [[] for _ in range(m)]
        used: list[LinComb] = []
        for i in range(k):
            with api.scope(f"slot[{i}]"):
                lock_id, amount, expiry = lock_ids[i], self.amount[i], self.expiry[i]
                if i == 0:
                    u = LinComb.constant(1)  # slot 0 is always used
                else:
                    with api.scope("used"):
                        u = 1 - is_zero(api, lock_id)  # used exactly when lockId != 0
                    if i >= 2:
                        api.assert_mul(u, 1 - used[i - 1], 0, "no used slot after an empty one")
                    # Used: lockId[i] - lockId[i-1] - 1 in [0, 2^64), i.e. strictly above
                    # (both < 2^64; a smaller one wraps to r - x, far above 2^64). Empty: 0.
                    gap = api.mul(u, lock_id - lock_ids[i - 1] - 1, "used * (id - prev - 1)")
                    with api.scope("increasing"):
                        range_check(api, gap, 64)
                    api.assert_mul(1 - u, amount, 0, "an empty slot holds no amount")
                used.append(u)
                with api.scope("leaf"):
                    leaf = poseidon_gadget(
                        api, [lock_id, owner, dest, self.assetId[i], amount, expiry]
                    )
                root = merkle_root(
                    api, leaf, self.pathElements[i * d : (i + 1) * d],
                    self.pathIndices[i * d : (i + 1) * d],
                )
                api.assert_mul(u, root - self.root, 0, "a used slot's lock is in the tree")
                with api.scope("amount"):
                    range_check(api, amount, AMOUNT_BITS)
                # expiry < 2^64 and expiry - used * minExpiry in [0, 2^64): expiry >= minExpiry
                # for a used slot (minExpiry < 2^64 from its word).
                with api.scope("expiry"):
                    range_check(api, expiry, TIME_BITS)
                    floor = min_expiry if i == 0 else api.mul(u, min_expiry, "used * minExpiry")
                    range_check(api, expiry - floor, TIME_BITS)
                # The slot's asset is exactly one listed asset (if used); its amount goes to
                # that asset's sum alone.
                with api.scope("asset"):
                    matches = []
                    for j in range(m):
                        with api.scope(f"is[{j}]"):
                            matches.append(is_equal(api, self.assetId[i], asset_ids[j]))
                    api.assert_mul(
                        u, linear_sum([1] * m, matches) - 1, 0,
                        "a used slot's asset is exactly one listed asset",
                    )
                    for j in range(m):
                        sum_terms[j].append(api.mul(matches[j], amount, f"amount to asset {j}"))
        # Each term < 2^128, k terms: the sum is an integer below 2^(128 + bitlen(k)) < r.
        sum_bits = AMOUNT_BITS + k.bit_length()
        for j in range(m):
            with api.scope(f"threshold[{j}]"):
                assert_greater_eq(
                    api, linear_sum([1] * k, sum_terms[j]), thresholds[j], sum_bits
                )


# --- plain helpers: the input.json of a portfolio --------------------------------------------


def portfolio_input(
    public: PortfolioPublic,
    slots: Sequence[tuple[int, int, int, Sequence[int], Sequence[int]]],
    depth: int,
) -> dict[str, Any]:
    """The ``input.json`` object (ints) of Portfolio(``depth``, k, m) for ``public`` and the
    used slots' private values ``(amount, expiry, assetId, pathElements, pathIndices)``, in
    slot order; empty slots get zeros."""
    k = public.slots
    if len(slots) != public.count:
        raise InputError(
            f"{len(slots)} slot witnesses for {public.count} used slots of the public inputs"
        )
    amount, expiry, asset = [0] * k, [0] * k, [0] * k
    elems, idx = [0] * (k * depth), [0] * (k * depth)
    for i, (a, e, s, pe, pi) in enumerate(slots):
        if len(pe) != depth or len(pi) != depth:
            raise InputError(f"slot {i}: a path of {len(pe)}/{len(pi)} entries, not depth {depth}")
        amount[i], expiry[i], asset[i] = a, e, s
        elems[i * depth : (i + 1) * depth] = list(pe)
        idx[i * depth : (i + 1) * depth] = list(pi)
    return {
        "root": public.root,
        "packed": public.packed(),
        "amount": amount,
        "expiry": expiry,
        "assetId": asset,
        "pathElements": elems,
        "pathIndices": idx,
    }
