"""The gadget library: each gadget takes ``api`` first and has a plain (out-of-circuit) twin."""

from typing import TYPE_CHECKING, Any

from zkcollat.gadgets.bits import (
    assert_bool,
    from_bits,
    is_equal,
    is_zero,
    range_check,
    to_bits,
)
from zkcollat.gadgets.compare import (
    assert_greater_eq,
    assert_greater_than,
    assert_less_eq,
    assert_less_than,
    greater_eq,
    greater_than,
    less_eq,
    less_than,
)
from zkcollat.gadgets.mux import cond_swap, mux, select

if TYPE_CHECKING:
    from zkcollat.gadgets.merkle import merkle_root, merkle_root_plain
    from zkcollat.gadgets.poseidon import poseidon, poseidon_cost, poseidon_gadget

#: Loaded on first use: the Poseidon gadgets bring the permutation's constants, which a reader
#: of a key's embedded circuit (the bits hints, ``zkcollat prove --pk --input``) never needs.
_LAZY = {
    "merkle_root": "merkle",
    "merkle_root_plain": "merkle",
    "poseidon": "poseidon",
    "poseidon_cost": "poseidon",
    "poseidon_gadget": "poseidon",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"zkcollat.gadgets.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "assert_bool",
    "assert_greater_eq",
    "assert_greater_than",
    "assert_less_eq",
    "assert_less_than",
    "cond_swap",
    "from_bits",
    "greater_eq",
    "greater_than",
    "is_equal",
    "is_zero",
    "less_eq",
    "less_than",
    "merkle_root",
    "merkle_root_plain",
    "mux",
    "poseidon",
    "poseidon_cost",
    "poseidon_gadget",
    "range_check",
    "select",
    "to_bits",
]
