"""BalanceThreshold(B): ``commitment = H(amount, blinding)``, ``threshold <= amount < 2^B``
(PROTOCOL.md s.4.3)."""

from __future__ import annotations

from dataclasses import dataclass

from zkcollat.errors import CircuitError
from zkcollat.gadgets.compare import assert_greater_eq
from zkcollat.gadgets.poseidon import poseidon_gadget
from zkcollat.r1cs import Api, Private
from zkcollat.statements.base import StatementCircuit
from zkcollat.statements.schema import Fr, PublicInputs

AMOUNT_BITS = 128


@dataclass(frozen=True)
class BalanceThresholdPublic(PublicInputs):
    """The public inputs of BalanceThreshold, in ``public.json`` order.

    ``threshold`` is typed as a field element: its range (< 2^B) depends on the parameter B
    and is checked by the circuit.
    """

    statement = "BalanceThreshold"

    commitment: Fr
    threshold: Fr


class BalanceThreshold(StatementCircuit):
    """``commitment = H(amount, blinding)``, ``threshold <= amount < 2^B`` (PROTOCOL.md s.4.3)."""

    name = "balance_threshold"
    title = "BalanceThreshold"
    section = "4.3"
    public_inputs = BalanceThresholdPublic

    amount = Private()
    blinding = Private()

    bits: int

    def __init__(self, bits: int = AMOUNT_BITS) -> None:
        if isinstance(bits, bool) or not isinstance(bits, int) or not 1 <= bits <= 252:
            raise CircuitError(f"bit width B = {bits!r} must be an integer in 1..252")
        super().__init__(bits=bits)

    def define(self, api: Api) -> None:
        with api.scope("commitment"):
            c = poseidon_gadget(api, [self.amount, self.blinding])
        api.assert_equal(c, self.commitment, "commitment = H(amount, blinding)")
        assert_greater_eq(api, self.amount, self.threshold, self.bits)
