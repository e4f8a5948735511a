"""Booleans, bit decomposition, range checks, is_zero / is_equal, with their plain twins.

Bits are little-endian (``bits[0]`` is the least significant), as in circomlib's ``Num2Bits``.

Why a strict mode: for ``n >= 254`` bits, ``2^n > r``, so a value ``x < 2^254 - r`` has two
decompositions, ``x`` and ``x + r``. The strict mode adds the comparison of the bits with the
bit pattern of ``r - 1`` (circomlib's ``AliasCheck``), so only the canonical one satisfies.
"""

from __future__ import annotations

import functools

from zkcollat.errors import CircuitError, InputError
from zkcollat.field import R, check_fr
from zkcollat.r1cs.builder import Api, gadget
from zkcollat.r1cs.lc import LinComb, Operand, as_lc, linear_sum
from zkcollat.r1cs.native import native_hint

#: Bit length of r; ``to_bits`` accepts ``1 <= n <= FIELD_BITS``.
FIELD_BITS = R.bit_length()  # 254


def _alias_check_cost(c: int, n: int) -> int:
    ones = bin(c).count("1")
    runs = sum(1 for i in range(n) if not (c >> i) & 1 and (i == n - 1 or (c >> (i + 1)) & 1))
    return ones - 1 + runs


#: Extra constraints of the strict 254-bit decomposition (the comparison with r - 1).
ALIAS_CHECK_COST = _alias_check_cost(R - 1, FIELD_BITS)


def assert_bool(api: Api, x: Operand) -> None:
    """Constrain ``x`` to 0 or 1: one constraint ``x * (x - 1) = 0``."""
    api.assert_bool(x)
    api.note_bits(x, 1)


def is_bool_plain(x: int) -> bool:
    """Plain twin of :func:`assert_bool`: whether ``x`` is 0 or 1."""
    return x in (0, 1)


@native_hint("bits")
def _bits_hint(n: int, v: int) -> list[int]:
    return [(v >> i) & 1 for i in range(n)]


def _check_width(n: int, where: str) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= FIELD_BITS:
        raise CircuitError(f"{where}: bit width n = {n!r} must be in 1..{FIELD_BITS}")


@gadget("to_bits")
def to_bits(api: Api, x: Operand, n: int, *, strict: bool = True) -> list[LinComb]:
    """Return ``n`` boolean signals ``b`` with ``sum(b[i] * 2^i) = x`` (little-endian).

    Constrains: each bit boolean (``n`` constraints) and the recombination (1 linear
    constraint): ``n + 1`` in all, so it also proves ``x < 2^n`` for ``n <= 253``.
    For ``n = 254`` the decomposition is not unique (``x`` and ``x + r`` both fit); with
    ``strict`` (the default) the bits are also constrained to be ``<= r - 1``
    (:data:`ALIAS_CHECK_COST` more constraints), without it either decomposition satisfies.
    ``n > 254`` is rejected.
    A constant ``x`` costs nothing (its bits are constants; ``x >= 2^n`` is a CircuitError).
    """
    _check_width(n, api.path)
    lx = as_lc(x)
    if lx.is_constant():
        v = lx.constant_value()
        if v >> n:
            raise CircuitError(f"{api.path}: the constant {v} does not fit in {n} bits")
        return [LinComb.constant(b) for b in _bits_hint(n, v)]
    bits = api.hint(functools.partial(_bits_hint, n), lx, n_out=n, label="bits")
    for i, b in enumerate(bits):
        api.assert_bool(b, f"bit {i} is boolean")
        api.note_bits(b, 1)
    api.assert_equal(linear_sum([1 << i for i in range(n)], bits), lx, f"sum of {n} bits = x")
    if n == FIELD_BITS and strict:
        _assert_bits_le_constant(api, bits, R - 1)
    if n < FIELD_BITS:
        api.note_bits(lx, n)
    return bits


def _assert_bits_le_constant(api: Api, bits: list[LinComb], c: int) -> None:
    """Constrain the (boolean) ``bits`` read as an integer to be ``<= c``.

    Scanning from the most significant bit, ``eq`` is 1 while the prefix of ``bits`` equals
    the prefix of ``c``. Where ``c`` has a 1, ``eq`` becomes ``eq * b`` (one constraint, free
    while ``eq`` is the constant 1). Where ``c`` has a run of 0s, the bits of the run must all
    be 0 while ``eq`` is 1: ``eq * sum(run) = 0`` is one constraint for the whole run, because
    the bits are boolean and their sum (at most 254) is 0 only when each is 0.
    Cost for ``c = r - 1``: (ones of c) - 1 + (runs of zeros of c) constraints.
    """
    with api.scope("alias_check"):
        eq = LinComb.constant(1)
        i = len(bits) - 1
        while i >= 0:
            if (c >> i) & 1:
                eq = api.mul(eq, bits[i], f"prefix equal through bit {i}")
                i -= 1
                continue
            run_hi = i
            run: list[LinComb] = []
            while i >= 0 and not (c >> i) & 1:
                run.append(bits[i])
                i -= 1
            api.assert_mul(
                eq,
                linear_sum([1] * len(run), run),
                0,
                f"bits {run_hi}..{i + 1} must be 0 when the prefix equals r-1",
            )


def to_bits_plain(x: int, n: int) -> list[int]:
    """Plain twin of :func:`to_bits`: the ``n`` little-endian bits of ``x``; ``x`` must be in
    ``[0, r)`` and ``< 2^n`` (InputError otherwise: then the gadget is unsatisfiable)."""
    check_fr(x, "x")
    if not 1 <= n <= FIELD_BITS:
        raise InputError(f"bit width n = {n} must be in 1..{FIELD_BITS}")
    if x >> n:
        raise InputError(f"x = {x} does not fit in {n} bits")
    return _bits_hint(n, x)


def from_bits(api: Api, bits: list[Operand]) -> LinComb:
    """``sum(bits[i] * 2^i)``: free (a linear combination); does not constrain the bits."""
    return linear_sum([1 << i for i in range(len(bits))], bits)


def from_bits_plain(bits: list[int]) -> int:
    """Plain twin of :func:`from_bits` (reduced mod r)."""
    return sum(b << i for i, b in enumerate(bits)) % R


@gadget("range_check")
def range_check(api: Api, x: Operand, n: int) -> None:
    """Constrain ``x < 2^n`` (``1 <= n <= 253``): ``n + 1`` constraints via :func:`to_bits`.

    Free when this circuit already enforces ``x < 2^m`` with ``m <= n`` for the very same
    linear combination (for example ``x`` was range-checked before, or is a checked bit).
    """
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n < FIELD_BITS:
        raise CircuitError(
            f"{api.path}: range_check width n = {n!r} must be in 1..{FIELD_BITS - 1}"
        )
    known = api.known_bits(x)
    if known is not None and known <= n:
        return
    to_bits(api, x, n)


def range_check_plain(x: int, n: int) -> bool:
    """Plain twin of :func:`range_check`: whether ``0 <= x < 2^n``."""
    return 0 <= x < (1 << n)


@gadget("is_zero")
def is_zero(api: Api, x: Operand) -> LinComb:
    """Return a signal that is 1 if ``x = 0`` and 0 otherwise: 2 constraints.

    With ``inv`` a hinted wire: ``x * inv = 1 - out`` and ``x * out = 0``. For ``x != 0`` the
    second forces ``out = 0`` and the first then forces ``inv = 1/x``; for ``x = 0`` the first
    forces ``out = 1`` (``inv`` is then free, which is harmless). The output is boolean.
    """
    lx = as_lc(x)
    if lx.is_constant():
        return LinComb.constant(int(lx.constant_value() == 0))
    inv = api.hint(_inv_or_zero, lx, label="inv")
    out = 1 - api.mul(lx, inv, "x * inv = 1 - out")
    api.assert_mul(lx, out, 0, "x * out = 0")
    api.note_bits(out, 1)
    return out


@native_hint("inv_or_zero")
def _inv_or_zero(v: int) -> int:
    return pow(v, -1, R) if v else 0


def is_zero_plain(x: int) -> int:
    """Plain twin of :func:`is_zero`."""
    return int(x % R == 0)


@gadget("is_equal")
def is_equal(api: Api, a: Operand, b: Operand) -> LinComb:
    """1 if ``a = b`` else 0: :func:`is_zero` of ``a - b`` (2 constraints)."""
    return is_zero(api, as_lc(a) - as_lc(b))


def is_equal_plain(a: int, b: int) -> int:
    """Plain twin of :func:`is_equal`."""
    return int((a - b) % R == 0)
