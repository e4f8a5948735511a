"""Times on the command line, one parser for every option that takes one (``--expiry``,
``--min-expiry``, ``--now``, ``--timestamp``, an instrument's expiry):

- unix seconds: ``1900000000``;
- relative to now: ``+30d``, ``+2h``, ``+90m``, ``+45s``, ``+1w``, sums such as ``+1d12h``, and
  the past: ``-30s`` (``now`` is the command's ``--now`` where it has one, else the clock);
- an ISO 8601 date or date-time: ``2027-01-15`` (midnight UTC), ``2027-01-15T08:00:00Z``,
  ``2027-01-15T10:00:00+02:00`` (a time without an offset is UTC).

The result is an integer number of seconds in [0, 2^64); anything else is refused naming the
option and the value (exit status 2). Times shown to people are unix seconds with the UTC
date beside them (:func:`when`).

The commands' clock (:func:`clock`) is the system's, unless the environment variable
``ZKCOLLAT_NOW`` holds a time (unix seconds or an ISO date; a relative one counts from the
system clock): then every command runs at that second, so a script's figures come out the same
on any day (the README's walkthrough sets it).
"""

from __future__ import annotations

import os
import re
import time
from datetime import UTC, datetime
from typing import Any

import click

_UNIT_S = {"w": 7 * 86_400, "d": 86_400, "h": 3_600, "m": 60, "s": 1}
_REL = re.compile(r"^([+-])((?:\d{1,9}[wdhms])+)$")
_PART = re.compile(r"(\d{1,9})([wdhms])")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})?)?$")
MAX_TIME = 2**64
CLOCK_ENV = "ZKCOLLAT_NOW"


def clock() -> int:
    """Now, in unix seconds: ``$ZKCOLLAT_NOW`` if set and not empty, else the system clock.
    A ValueError names the variable when it does not hold a time."""
    text = os.environ.get(CLOCK_ENV, "").strip()
    if not text:
        return int(time.time())
    return parse_time(text, CLOCK_ENV, now=int(time.time()))


def parse_time(text: str, name: str, now: int | None = None) -> int:
    """``text`` as unix seconds (see the module's doc); ``now`` anchors relative times
    (default: the clock). A ValueError names ``name`` and the value."""
    s = text.strip()
    if s.isdigit() and len(s) <= 20:
        v = int(s)
    elif (m := _REL.match(s)) is not None:
        base = clock() if now is None else now
        delta = sum(int(n) * _UNIT_S[u] for n, u in _PART.findall(m.group(2)))
        v = base + delta if m.group(1) == "+" else base - delta
    elif _ISO.match(s):
        try:
            dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
        except ValueError as e:
            raise ValueError(f"{name} = {text!r} is not a valid date: {e}") from None
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        v = int(dt.timestamp())
        if dt.microsecond:
            raise ValueError(f"{name} = {text!r} has a fraction of a second")
    else:
        raise ValueError(
            f"{name} = {text!r} is not a time: give unix seconds, +30d / +2h / +90m / -45s "
            "(from now), or an ISO date such as 2027-01-15 or 2027-01-15T08:00:00Z"
        )
    if not 0 <= v < MAX_TIME:
        raise ValueError(f"{name} = {text!r} is not in [0, 2^64) unix seconds")
    return v


def _context_now(ctx: click.Context | None) -> int | None:
    """The ``now`` of the nearest enclosing command object that has one (``margin --now``)."""
    while ctx is not None:
        n = getattr(ctx.obj, "now", None)
        if isinstance(n, int) and not isinstance(n, bool):
            return n
        ctx = ctx.parent
    return None


class Time(click.ParamType[int]):
    """A time option or argument (unix seconds, ``+30d``, or an ISO date)."""

    name = "time"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        label = param.name if param is not None and param.name else "time"
        try:
            return parse_time(str(value), label, _context_now(ctx))
        except ValueError as e:
            self.fail(str(e), param, ctx)


TIME = Time()


def iso(t: int) -> str:
    """``t`` as an ISO 8601 UTC date-time (2027-01-15T08:00:00Z)."""
    try:
        return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return "beyond year 9999"


def when(t: int) -> str:
    """Unix seconds with the UTC date beside them: ``1900000000 (2030-03-17T17:46:40Z)``."""
    return f"{t} ({iso(t)})"


__all__ = ["MAX_TIME", "TIME", "Time", "iso", "parse_time", "when"]
