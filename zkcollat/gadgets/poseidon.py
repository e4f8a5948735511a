"""Poseidon over F_r with circomlib's parameters (PROTOCOL.md s.2), 1 to 16 inputs.

Three forms that agree (tests check all against circomlibjs vectors):

* :func:`poseidon_hash` (also ``poseidon(inputs)``): the plain function, ``list[int] -> int``;
* :func:`poseidon_many`: many hashes at once; plain Python for now, the entry point that the
  native batch backend takes over;
* :func:`poseidon_gadget` (also ``poseidon(api, inputs)``): the circuit gadget.

The permutation is circomlibjs's reference one: state ``[0, in_1, ..., in_n]`` (width
``t = n + 1``), ``8`` full rounds split 4 + 4 around ``N_ROUNDS_P[t - 2]`` partial rounds; each
round adds ``C[r*t + i]``, applies ``x^5`` (to every lane in full rounds, to lane 0 in partial
rounds) and multiplies by the MDS matrix ``M``; the hash is lane 0 of the final state.

Constraint cost of the gadget: the linear layers (round constants, MDS) are folded into linear
combinations, so only ``x^2``, ``x^4``, ``x^5`` of each S-box applied to a non-constant value
cost a constraint each: ``3 * (8 * t + N_ROUNDS_P[t - 2])`` minus 3 for the first round's lane 0,
which is the constant ``0 + C[0]`` (its S-box is computed at compile time). That is
240 for 2 inputs and 354 for 6, the same as circomlib's optimized ``Poseidon(n)``.

Constants: ``poseidon_constants.json`` next to this file, extracted from the pinned circomlibjs by
``tests/vectors/poseidon/extract_constants.mjs`` (the file says so itself).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, overload

from zkcollat.errors import CircuitError, FieldError
from zkcollat.field import FR_BYTES, R, check_fr, unpack_fr
from zkcollat.r1cs.builder import Api
from zkcollat.r1cs.lc import LinComb, Operand, as_lc, linear_sum

MAX_INPUTS = 16
_DATA_FILE = Path(__file__).with_name("poseidon_constants.json")


@functools.cache
def _load() -> dict[int, tuple[list[int], list[list[int]], int, int]]:
    data: dict[str, Any] = json.loads(_DATA_FILE.read_text())
    n_f: int = data["N_ROUNDS_F"]
    n_p = data["N_ROUNDS_P"]
    tables = {}
    for k in range(len(n_p)):
        t = k + 2
        c = [int(x, 16) for x in data["C"][k]]
        m = [[int(x, 16) for x in row] for row in data["M"][k]]
        # Checked at load, in py_ecc's manner: shapes and ranges of the published constants.
        if len(c) != (n_f + n_p[k]) * t or len(m) != t or any(len(row) != t for row in m):
            raise FieldError(f"{_DATA_FILE.name}: constants for t={t} have the wrong shape")
        if any(not 0 <= x < R for x in c) or any(not 0 <= x < R for row in m for x in row):
            raise FieldError(f"{_DATA_FILE.name}: a constant for t={t} is not below r")
        tables[k + 1] = (c, m, n_f, n_p[k])
    if len(tables) != MAX_INPUTS:
        raise FieldError(f"{_DATA_FILE.name}: expected widths 1..{MAX_INPUTS}, got {len(tables)}")
    return tables


def poseidon_constants(n_inputs: int) -> tuple[list[int], list[list[int]], int, int]:
    """``(C, M, n_full, n_partial)`` for ``n_inputs`` (1..16) inputs, width ``t = n_inputs + 1``.

    ``C`` has ``(n_full + n_partial) * t`` round constants, round-major (``C[r*t + i]`` is added
    to lane ``i`` in round ``r``); ``M`` is the ``t x t`` MDS matrix, ``new[i] = sum_j M[i][j] *
    old[j]``; full rounds are the first and last ``n_full / 2``. All values are ints in
    ``[0, r)``. The lists are shared: do not mutate them.
    """
    _check_arity(n_inputs)
    return _load()[n_inputs]


_OPT_FILE = Path(__file__).with_name("poseidon_constants_opt.json")


@functools.cache
def poseidon_constants_opt(
    n_inputs: int,
) -> tuple[list[int], list[int], list[list[int]], list[list[int]], int, int]:
    """circomlib's optimised constants ``(C, S, M, P, n_full, n_partial)`` for ``n_inputs``.

    They describe the same function as :func:`poseidon_constants` with fewer multiplications
    (folded round constants; sparse partial rounds). Only the native batch hash uses them;
    its tests compare it with :func:`poseidon_hash` on every width.
    """
    _check_arity(n_inputs)
    data: dict[str, Any] = json.loads(_OPT_FILE.read_text())
    k = n_inputs - 1
    c = [int(x, 16) for x in data["C"][k]]
    s = [int(x, 16) for x in data["S"][k]]
    m = [[int(x, 16) for x in row] for row in data["M"][k]]
    p = [[int(x, 16) for x in row] for row in data["P"][k]]
    for name, values in (("C", c), ("S", s), ("M", sum(m, [])), ("P", sum(p, []))):
        if any(not 0 <= v < R for v in values):
            raise FieldError(
                f"{_OPT_FILE.name}: a constant of {name} for {n_inputs} inputs is >= r"
            )
    return c, s, m, p, data["N_ROUNDS_F"], data["N_ROUNDS_P"][k]


def _check_arity(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_INPUTS:
        raise FieldError(f"Poseidon takes 1 to {MAX_INPUTS} inputs, got {n!r}")


def poseidon_hash(inputs: Sequence[int]) -> int:
    """The plain Poseidon hash of ``inputs`` (each an int in ``[0, r)``, checked, never reduced)."""
    n = len(inputs)
    _check_arity(n)
    for i, v in enumerate(inputs):
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < R:
            check_fr(v, f"poseidon input[{i}]")
    return _permutation(n)(*inputs)


def poseidon_reference(inputs: Sequence[int]) -> int:
    """The permutation written as plainly as circomlibjs's reference (no range checks).

    :func:`poseidon_hash` runs a lane-unrolled version of this same loop; tests check both.
    """
    n = len(inputs)
    _check_arity(n)
    c, m, n_f, n_p = _load()[n]
    t = n + 1
    half = n_f // 2
    state = [0, *inputs]
    for r in range(n_f + n_p):
        state = [(s + c[r * t + i]) % R for i, s in enumerate(state)]
        for i in range(1 if half <= r < half + n_p else t):
            state[i] = pow(state[i], 5, R)
        state = [sum(mij * sj for mij, sj in zip(row, state, strict=True)) % R for row in m]
    return state[0]


@functools.cache
def _permutation(n: int) -> Callable[..., int]:
    """Compile, once per width, the permutation with the lanes unrolled into locals.

    Same rounds as :func:`poseidon_reference`; unrolling the lanes and keeping the MDS entries
    in locals removes most of the interpreter overhead (about 1.7x for 2 inputs). The source is
    generated from the width only; every constant stays in the lists ``C`` and ``M``.
    """
    c, m, n_f, n_p = _load()[n]
    t = n + 1
    lanes = [f"s{i}" for i in range(t)]
    src = [f"def _perm({', '.join(lanes[1:])}):", "    s0 = 0"]
    src += [f"    m{i}_{j} = M[{i}][{j}]" for i in range(t) for j in range(t)]

    def mds(indent: str) -> None:
        for i in range(t):
            dot = " + ".join(f"m{i}_{j} * s{j}" for j in range(t))
            src.append(f"{indent}t{i} = ({dot}) % R")
        src.append(f"{indent}{', '.join(lanes)} = {', '.join(f't{i}' for i in range(t))}")

    def full_rounds(first: int, end: int) -> None:
        src.append(f"    for k in range({first * t}, {end * t}, {t}):")
        for i in range(t):
            src.append(f"        x = (s{i} + C[k + {i}]) % R")
            src.append("        y = x * x % R")
            src.append(f"        s{i} = y * y % R * x")
        mds("        ")

    half = n_f // 2
    full_rounds(0, half)
    src.append(f"    for k in range({half * t}, {(half + n_p) * t}, {t}):")
    src.append("        x = (s0 + C[k]) % R")
    src.append("        y = x * x % R")
    src.append("        s0 = y * y % R * x")
    src += [f"        s{i} += C[k + {i}]" for i in range(1, t)]
    mds("        ")
    full_rounds(half + n_p, n_f + n_p)
    src.append("    return s0")
    namespace: dict[str, Any] = {"C": c, "M": m, "R": R}
    exec(compile("\n".join(src), f"<poseidon t={t}>", "exec"), namespace)
    fn: Callable[..., int] = namespace["_perm"]
    return fn


def poseidon_many(batch: Sequence[Sequence[int]]) -> list[int]:
    """Hash many input lists (each 1..16 field elements) in one go: the bulk path for trees.

    Lists of the same width go to the active backend's ``poseidon_packed`` in one call (native:
    Rust over the constants of :func:`poseidon_constants`; reference: :func:`poseidon_hash`
    per tuple). Every input is range-checked first, naming ``batch[i][j]``; results keep the
    order of ``batch``.
    """
    from zkcollat.curve.backend import get_backend

    groups: dict[int, list[int]] = {}
    for i, item in enumerate(batch):
        _check_arity(len(item))
        for j, v in enumerate(item):
            if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < R:
                check_fr(v, f"poseidon_many batch[{i}][{j}]")
        groups.setdefault(len(item), []).append(i)
    out = [0] * len(batch)
    backend = get_backend()
    for n, rows in groups.items():
        packed = b"".join(v.to_bytes(FR_BYTES, "big") for i in rows for v in batch[i])
        hashes = unpack_fr(backend.poseidon_packed(n, packed))
        for i, h in zip(rows, hashes, strict=True):
            out[i] = h
    return out


def poseidon_gadget(api: Api, inputs: Sequence[Operand]) -> LinComb:
    """Constrain and return ``Poseidon(inputs)`` (scope ``poseidon``).

    Cost: 3 constraints per S-box on a non-constant value (240 for 2 inputs, 354 for 6; see
    the module docstring). Assumes nothing about the inputs (any field elements); the result is
    a linear combination of the last round's S-box outputs (no extra wire).
    """
    n = len(inputs)
    if not 1 <= n <= MAX_INPUTS:
        raise CircuitError(f"{api.path}: Poseidon takes 1 to {MAX_INPUTS} inputs, got {n}")
    c, m, n_f, n_p = _load()[n]
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


#: The plain twin under the name the other gadget modules use.
poseidon_plain = poseidon_hash


def poseidon_cost(n_inputs: int) -> int:
    """Constraints :func:`poseidon_gadget` adds for ``n_inputs`` non-constant inputs."""
    _, _, n_f, n_p = poseidon_constants(n_inputs)
    return 3 * (n_f * (n_inputs + 1) + n_p) - 3


# Checked when the module loads: the known answer of PROTOCOL.md s.2.
assert (
    poseidon_hash([1, 2])
    == 7853200120776062878684798364095072458815029376092732009249414926327459813530
), "Poseidon constants do not reproduce H(1, 2) of PROTOCOL.md"
