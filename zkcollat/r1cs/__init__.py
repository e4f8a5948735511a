"""Circuits written in Python: the builder API, the circuit base class and the compiled system.

>>> from zkcollat.r1cs import Circuit, Public, Private, Api
>>> class Square(Circuit):
...     y = Public()
...     x = Private()
...     def define(self, api: Api) -> None:
...         api.assert_equal(api.mul(self.x, self.x), self.y)
>>> cs = Square().compile()
>>> w = cs.solve({"y": "9", "x": 3})
>>> cs.is_satisfied(w), cs.public_values(w)
(True, [9])
"""

from zkcollat.r1cs.builder import Api, gadget
from zkcollat.r1cs.circuit import Circuit, Input, Private, Public, circuit, clear_cache
from zkcollat.r1cs.lc import LinComb, Operand, as_lc, linear_sum
from zkcollat.r1cs.system import (
    CircuitStats,
    ConstraintSystem,
    InputSpec,
    SparseMatrix,
)

#: Signals are linear combinations of wires; the name used in docstrings.
Signal = LinComb

__all__ = [
    "Api",
    "Circuit",
    "CircuitStats",
    "ConstraintSystem",
    "Input",
    "InputSpec",
    "LinComb",
    "Operand",
    "Private",
    "Public",
    "Signal",
    "SparseMatrix",
    "as_lc",
    "circuit",
    "clear_cache",
    "gadget",
    "linear_sum",
]
