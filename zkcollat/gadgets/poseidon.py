"""The Poseidon gadget: ``Poseidon(inputs)`` as constraints (PROTOCOL.md s.2).

The hash function itself (constants, the plain function) lives in :mod:`zkcollat.hash`; this
module only turns it into constraints, and its tests compare the two.

Constraint cost: the linear layers (round constants, MDS) are folded into linear combinations,
so only ``x^2``, ``x^4``, ``x^5`` of each S-box applied to a non-constant value cost a
constraint each: ``3 * (8 * t + N_ROUNDS_P[t - 2])`` minus 3 for the first round's lane 0,
which is the constant ``0 + C[0]`` (its S-box is computed at compile time). That is
240 for 2 inputs and 354 for 6, the same as circomlib's optimized ``Poseidon(n)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import overload

from zkcollat.errors import CircuitError
from zkcollat.field import R
from zkcollat.hash.poseidon import MAX_INPUTS, poseidon_constants, poseidon_hash
from zkcollat.r1cs.builder import Api
from zkcollat.r1cs.lc import LinComb, Operand, as_lc, linear_sum


def poseidon_gadget(api: Api, inputs: Sequence[Operand]) -> LinComb:
    """Constrain and return ``Poseidon(inputs)`` (scope ``poseidon``).

    Cost: 3 constraints per S-box on a non-constant value (240 for 2 inputs, 354 for 6; see
    the module docstring). Assumes nothing about the inputs (any field elements); the result is
    a linear combination of the last round's S-box outputs (no extra wire).
    """
    n = len(inputs)
    if not 1 <= n <= MAX_INPUTS:
        raise CircuitError(f"{api.path}: Poseidon takes 1 to {MAX_INPUTS} inputs, got {n}")
    c, m, n_f, n_p = poseidon_constants(n)
    t = n + 1
    half = n_f // 2
    last = n_f + n_p - 1
    with api.scope("poseidon"):
        state = [LinComb(), *(as_lc(x) for x in inputs)]
        for r in range(n_f + n_p):
            base = r * t
            state = [s + c[base + i] for i, s in enumerate(state)]
            lanes = range(1) if half <= r < half + n_p else range(t)
            for i in lanes:
                state[i] = _sbox(api, state[i], r, i)
            if r == last:
                return linear_sum(m[0], state)
            state = [linear_sum(row, state) for row in m]
    raise AssertionError("unreachable")


def _sbox(api: Api, x: LinComb, r: int, i: int) -> LinComb:
    if x.is_constant():
        v = x.constant_value()
        return LinComb.constant(pow(v, 5, R))
    x2 = api.mul(x, x, f"round {r} lane {i}: x^2")
    x4 = api.mul(x2, x2, f"round {r} lane {i}: x^4")
    return api.mul(x4, x, f"round {r} lane {i}: x^5")


@overload
def poseidon(api_or_inputs: Sequence[int]) -> int: ...


@overload
def poseidon(api_or_inputs: Api, inputs: Sequence[Operand]) -> LinComb: ...


def poseidon(
    api_or_inputs: Api | Sequence[int], inputs: Sequence[Operand] | None = None
) -> int | LinComb:
    """``poseidon(inputs) -> int`` (plain) or ``poseidon(api, inputs) -> signal`` (gadget)."""
    if isinstance(api_or_inputs, Api):
        if inputs is None:
            raise CircuitError("poseidon(api, inputs): inputs are missing")
        return poseidon_gadget(api_or_inputs, inputs)
    if inputs is not None:
        raise TypeError("poseidon(inputs) takes one argument; the gadget is poseidon(api, inputs)")
    return poseidon_hash(api_or_inputs)


def poseidon_cost(n_inputs: int) -> int:
    """Constraints :func:`poseidon_gadget` adds for ``n_inputs`` non-constant inputs."""
    _, _, n_f, n_p = poseidon_constants(n_inputs)
    return 3 * (n_f * (n_inputs + 1) + n_p) - 3
