"""The ledger: money only moves in pairs, positions move from seller to buyer, and the
conservation check catches anything else."""

from __future__ import annotations

import pytest

from zkcollat.margin import errors as E
from zkcollat.margin.ledger import DEPOSITS, FEES, INSURANCE, SEIZED, WITHDRAWALS, Ledger


def test_transfers_and_the_equation() -> None:
    led = Ledger()
    led.transfer(DEPOSITS, "a", 100, "deposit")
    led.transfer("a", FEES, 3, "fee")
    led.transfer("a", WITHDRAWALS, 7, "withdrawal")
    led.transfer(SEIZED, INSURANCE, 5, "seized")
    led.check()
    assert led.cash == {FEES: 3, INSURANCE: 5, "a": 90}
    assert [p.kind for p in led.take_pending()] == ["deposit", "fee", "withdrawal", "seized"]
    for bad in (-1, 1.5, True):
        with pytest.raises(E.ConservationError):
            led.transfer("a", "b", bad, "x")  # type: ignore[arg-type]
    with pytest.raises(E.ConservationError):
        led.transfer("a", DEPOSITS, 1, "x")  # money only enters through deposits
    led.cash["a"] += 1  # a movement that is not a posting
    with pytest.raises(E.ConservationError, match="sum of cash"):
        led.check()


def test_positions_move_and_open_interest_nets() -> None:
    led = Ledger()
    led.transfer(DEPOSITS, "b", 1000, "deposit")
    led.move_position("b", "s", "X", 5, 400)
    led.move_position("s", "b", "X", 2, 100)
    led.check()
    assert led.position("b", "X") == 3 and led.position("s", "X") == -3 and led.oi["X"] == 3
    assert led.cash["s"] == 300 and led.cash["b"] == 700
    with pytest.raises(E.ConservationError):
        led.move_position("b", "b", "X", 1, 0)
    led.pos["X"]["b"] += 1
    with pytest.raises(E.ConservationError, match="positions sum"):
        led.check()
