"""Hash functions over F_r: Poseidon with circomlib's parameters (PROTOCOL.md s.2).

Below both ``curve`` (whose backends hash in bulk) and ``gadgets`` (whose Poseidon gadget is
built from the same constants); it imports only ``field`` and ``errors``.
"""

from zkcollat.hash.poseidon import (
    MAX_INPUTS,
    check_arity,
    poseidon_constants,
    poseidon_constants_opt,
    poseidon_hash,
    poseidon_reference,
)

__all__ = [
    "MAX_INPUTS",
    "check_arity",
    "poseidon_constants",
    "poseidon_constants_opt",
    "poseidon_hash",
    "poseidon_reference",
]
