"""Poseidon over F_r with circomlib's parameters (PROTOCOL.md s.2), 1 to 16 inputs.

The hash function itself, below both the curve backends and the gadgets (which import it):

* :func:`poseidon_hash`: the plain function, ``list[int] -> int`` (inputs checked, never reduced);
* :func:`poseidon_reference`: the same permutation written as plainly as circomlibjs's;
* :func:`poseidon_constants` / :func:`poseidon_constants_opt`: the published constants, which the
  circuit gadget (``zkcollat.gadgets.poseidon``) and the native batch kernel
  (``zkcollat.curve.native``) are built from. Many hashes at once go through the active
  backend: ``zkcollat.curve.poseidon_many``.

The permutation is circomlibjs's reference one: state ``[0, in_1, ..., in_n]`` (width
``t = n + 1``), ``8`` full rounds split 4 + 4 around ``N_ROUNDS_P[t - 2]`` partial rounds; each
round adds ``C[r*t + i]``, applies ``x^5`` (to every lane in full rounds, to lane 0 in partial
rounds) and multiplies by the MDS matrix ``M``; the hash is lane 0 of the final state.

Constants: ``poseidon_constants.json`` next to this file, extracted from the pinned circomlibjs by
``tests/vectors/poseidon/extract_constants.mjs`` (the file says so itself).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from zkcollat.errors import FieldError
from zkcollat.field import R, check_fr

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
    check_arity(n_inputs)
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
    check_arity(n_inputs)
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


def check_arity(n: int) -> None:
    """Raise FieldError unless ``n`` is a Poseidon input count (1..16)."""
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_INPUTS:
        raise FieldError(f"Poseidon takes 1 to {MAX_INPUTS} inputs, got {n!r}")


def poseidon_hash(inputs: Sequence[int]) -> int:
    """The plain Poseidon hash of ``inputs`` (each an int in ``[0, r)``, checked, never reduced)."""
    n = len(inputs)
    check_arity(n)
    for i, v in enumerate(inputs):
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < R:
            check_fr(v, f"poseidon input[{i}]")
    return _permutation(n)(*inputs)


def poseidon_reference(inputs: Sequence[int]) -> int:
    """The permutation written as plainly as circomlibjs's reference (no range checks).

    :func:`poseidon_hash` runs a lane-unrolled version of this same loop; tests check both.
    """
    n = len(inputs)
    check_arity(n)
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


# Checked when the module loads: the known answer of PROTOCOL.md s.2.
assert (
    poseidon_hash([1, 2])
    == 7853200120776062878684798364095072458815029376092732009249414926327459813530
), "Poseidon constants do not reproduce H(1, 2) of PROTOCOL.md"
