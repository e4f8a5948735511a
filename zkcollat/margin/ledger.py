"""The ledger: cash, positions and open interest, in memory, with the conservation check.

Every movement of money is a posting from one account to another (a pair of journal entries:
one side's debit is the other's credit), so money is only ever moved, never made. Money enters
and leaves only through three outside accounts: deposits, withdrawals, and value realised from
seized collateral (booked when the seize executed on the source chain). So at every step

    sum of cash (accounts + fee account + insurance fund) = deposits - withdrawals + seized

and every trade moves a position from seller to buyer, so each instrument's positions sum to
zero and its open interest is the sum of the long positions. :meth:`Ledger.check` verifies
both; the venue calls it at the end of every event, before it commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zkcollat.margin.errors import ConservationError

FEES = "fees"
INSURANCE = "insurance"
DEPOSITS = "@deposits"
WITHDRAWALS = "@withdrawals"
SEIZED = "@seized"
OUTSIDE = (DEPOSITS, WITHDRAWALS, SEIZED)


@dataclass(frozen=True)
class Posting:
    src: str  # debited
    dst: str  # credited
    amount_e6: int
    kind: str  # trade, fee, deposit, withdrawal, settlement, penalty, deficit, adl, seized


@dataclass
class Ledger:
    cash: dict[str, int] = field(default_factory=dict)
    pos: dict[str, dict[str, int]] = field(default_factory=dict)  # name -> account -> e6
    names: dict[str, set[str]] = field(default_factory=dict)  # account -> names held
    basis: dict[tuple[str, str], int] = field(default_factory=dict)  # cash paid into a position
    oi: dict[str, int] = field(default_factory=dict)  # instrument -> sum of longs, e6
    outside: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTSIDE, 0))
    pending: list[Posting] = field(default_factory=list)
    dirty_cash: set[str] = field(default_factory=set)
    dirty_positions: set[tuple[str, str]] = field(default_factory=set)
    touched: set[str] = field(default_factory=set)  # instruments traded in this event

    def __post_init__(self) -> None:
        for a in (FEES, INSURANCE):
            self.cash.setdefault(a, 0)

    # --- money ---------------------------------------------------------------------------

    def transfer(self, src: str, dst: str, amount_e6: int, kind: str) -> None:
        if isinstance(amount_e6, bool) or not isinstance(amount_e6, int) or amount_e6 < 0:
            raise ConservationError(f"posting of {amount_e6!r} from {src} to {dst}")
        if amount_e6 == 0 or src == dst:
            return
        if dst in (DEPOSITS, SEIZED) or src == WITHDRAWALS:
            raise ConservationError(f"money cannot flow from {src} to {dst}")
        if src in OUTSIDE:
            self.outside[src] += amount_e6
        else:
            self.cash[src] = self.cash.get(src, 0) - amount_e6
            self.dirty_cash.add(src)
        if dst in OUTSIDE:
            self.outside[dst] += amount_e6
        else:
            self.cash[dst] = self.cash.get(dst, 0) + amount_e6
            self.dirty_cash.add(dst)
        self.pending.append(Posting(src, dst, amount_e6, kind))

    def pay(self, payer: str, payee: str, signed_e6: int, kind: str) -> None:
        """Move ``signed_e6`` from payer to payee (a negative amount moves it back)."""
        if signed_e6 >= 0:
            self.transfer(payer, payee, signed_e6, kind)
        else:
            self.transfer(payee, payer, -signed_e6, kind)

    # --- positions -----------------------------------------------------------------------

    def position(self, account: str, name: str) -> int:
        return self.pos.get(name, {}).get(account, 0)

    def positions_of(self, account: str) -> dict[str, int]:
        return {n: self.pos[n][account] for n in self.names.get(account, ())}

    def move_position(self, buyer: str, seller: str, name: str, size_e6: int, cash_e6: int) -> None:
        """``seller`` delivers ``size_e6`` of ``name`` to ``buyer`` for ``cash_e6`` (the same
        integer leaves one and reaches the other; negative when the buyer is paid)."""
        if size_e6 <= 0 or buyer == seller:
            raise ConservationError(f"trade of {size_e6} {name} between {buyer} and {seller}")
        self.pay(buyer, seller, cash_e6, "trade")
        holders = self.pos.setdefault(name, {})
        for acct, d, c in ((buyer, size_e6, cash_e6), (seller, -size_e6, -cash_e6)):
            old = holders.get(acct, 0)
            new = old + d
            b = self.basis.get((acct, name), 0)
            if old and (new == 0 or (new > 0) != (old > 0)):
                b = 0 if new == 0 else c * new // d  # flipped: the new part's cost only
            elif old and abs(new) < abs(old):
                b = b * new // old  # reduced: keep the remaining share of the cost
            else:
                b += c
            self._set(acct, name, new, b)
            self.oi[name] = self.oi.get(name, 0) + max(new, 0) - max(old, 0)
        self.touched.add(name)

    def _set(self, acct: str, name: str, size: int, basis: int) -> None:
        holders = self.pos.setdefault(name, {})
        if size:
            holders[acct] = size
            self.basis[(acct, name)] = basis
            self.names.setdefault(acct, set()).add(name)
        else:
            holders.pop(acct, None)
            self.basis.pop((acct, name), None)
            self.names.get(acct, set()).discard(name)
        self.dirty_positions.add((acct, name))

    def load_position(self, acct: str, name: str, size: int, basis: int) -> None:
        self._set(acct, name, size, basis)
        self.oi[name] = self.oi.get(name, 0) + max(size, 0)
        self.dirty_positions.discard((acct, name))

    def close_instrument(self, name: str) -> None:
        """After settlement: every position in ``name`` is gone (their cash has moved)."""
        for acct in list(self.pos.get(name, {})):
            self._set(acct, name, 0, 0)
        self.oi[name] = 0
        self.touched.add(name)

    def holders(self, name: str) -> dict[str, int]:
        return dict(self.pos.get(name, {}))

    # --- the equation --------------------------------------------------------------------

    def check(self, names: set[str] | None = None) -> None:
        """The conservation equation over all cash, and the open interest of ``names``
        (default: every instrument)."""
        total = sum(self.cash.values())
        o = self.outside
        expected = o[DEPOSITS] - o[WITHDRAWALS] + o[SEIZED]
        if total != expected:
            raise ConservationError(
                f"sum of cash {total} != deposits {o[DEPOSITS]} - withdrawals "
                f"{o[WITHDRAWALS]} + seized {o[SEIZED]} = {expected}"
            )
        for name in self.pos if names is None else names:
            holders = self.pos.get(name, {})
            net = sum(holders.values())
            longs = sum(s for s in holders.values() if s > 0)
            if net != 0 or longs != self.oi.get(name, 0):
                raise ConservationError(
                    f"{name}: positions sum to {net} (must be 0); longs {longs}, open interest "
                    f"{self.oi.get(name, 0)}"
                )

    def take_pending(self) -> list[Posting]:
        out, self.pending = self.pending, []
        return out
