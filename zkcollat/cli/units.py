"""Exact numbers on the command line: decimals become integers in base units with no float
in between, and a bad value (NaN, inf, a sign, an exponent, too many decimals, too large)
exits with status 2 naming the option and the value. Amounts shown to people are printed
with thousands separators (3,000.00)."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import click

_DEC = re.compile(r"^(\d+)(?:\.(\d+))?$")


def parse_decimal(text: str, places: int, *, signed: bool = False, limit: int = 2**128) -> int:
    """``text`` (digits, an optional point and at most ``places`` decimals) times 10^places."""
    s = text.strip()
    neg = signed and s.startswith("-")
    if neg:
        s = s[1:]
    m = _DEC.match(s)
    if m is None or len(s) > 60:
        raise ValueError(f"{text!r} is not a plain decimal number")
    frac = m.group(2) or ""
    if len(frac) > places:
        raise ValueError(f"{text!r} has more than {places} decimals")
    v: int = int(m.group(1)) * 10**places + int(frac.ljust(places, "0") or 0)
    if v >= limit:
        raise ValueError(f"{text!r} is too large")
    return -v if neg else v


class DecimalUnits(click.ParamType[int]):
    """A decimal on the command line, as an integer of 10^-places units."""

    def __init__(self, places: int, *, positive: bool = True, signed: bool = False) -> None:
        self.places, self.positive, self.signed = places, positive, signed
        self.name = f"decimal({places})"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        try:
            v = parse_decimal(str(value), self.places, signed=self.signed)
        except ValueError as e:
            self.fail(str(e), param, ctx)
        if self.positive and v <= 0:
            self.fail(f"{value!r} must be positive", param, ctx)
        return v


class UInt(click.ParamType[int]):
    name = "uint"

    def __init__(self, bits: int = 64) -> None:
        self.bits = bits

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        s = str(value).strip()
        if not s.isdigit() or len(s) > 80 or int(s) >> self.bits:
            self.fail(f"{value!r} is not an integer in [0, 2^{self.bits})", param, ctx)
        return int(s)


QUOTE = DecimalUnits(6)  # cash: 1e-6 quote
PRICE = DecimalUnits(8)  # prices: 1e-8 quote per unit


def human(value: int, places: int, shown: int = 2) -> str:
    """``value`` x 10^-places with thousands separators and ``shown`` decimals."""
    d = (Decimal(value) / (Decimal(10) ** places)).quantize(
        Decimal(1).scaleb(-shown), rounding=ROUND_HALF_EVEN
    )
    return f"{d:,}"


def usd(e6: int) -> str:
    return human(e6, 6)


def px(e8: int) -> str:
    return human(e8, 8)
