"""Bounded readers: every file format reads through these, so hostile input meets a limit and
a project error, never a traceback, a runaway allocation or a crash of the interpreter.

Limits (:class:`Limits`, defaults in :data:`DEFAULT`):

- ``max_bytes``: a file (or a JSON text) larger than this is refused before it is read;
- ``max_depth``: JSON nesting deeper than this is refused (counted over the text's brackets
  outside strings before it is parsed, so 150,000 nested ``[`` cost one scan; the interpreter's
  recursion limit, which is process-wide, is never touched);
- ``max_digits``: a JSON number longer than this is refused (field elements have 77 digits;
  Python's own limit of 4,300 digits would otherwise raise a bare ``ValueError``);
- NaN and Infinity are refused, and the text must be UTF-8.

Binary formats (.r1cs, .wtns, .zkpk and its embedded circuit, .zkey, .ptau) read through
:class:`BinaryReader`, whose every read is bounds-checked and names the file, the field and the
offset, and whose :meth:`BinaryReader.count` bounds a count read from the file (by a limit and
by the bytes left) before anything is allocated for it.

Errors are :class:`LimitError` (an :class:`~zkcollat.errors.EncodingError`): the message names
the file (or what the text is), the field or position, and the problem.
"""

from __future__ import annotations

import json
import math
import os
import re
from itertools import accumulate
from typing import Any, Literal, NamedTuple

from zkcollat.errors import EncodingError, ZkcollatError


class LimitError(EncodingError):
    """Input refused by a reader: too large, too deep, too many digits, not UTF-8, not JSON, or
    truncated; the message names the file, the field and the problem."""


class Limits(NamedTuple):
    """How much a reader takes: bytes, nesting depth, digits of a number (immutable)."""

    max_bytes: int = 256 << 20
    max_depth: int = 64
    max_digits: int = 100


DEFAULT = Limits()
#: Small JSON documents (keys, proofs, public signals, committees, attestations, configs).
SMALL_JSON = Limits(max_bytes=16 << 20)

# A JSON string, escapes included (an unterminated one runs to the end of the text). Patterns,
# not compiled objects: re compiles (and caches) them on the first scan, not at import, which
# every command pays (~1 ms; ``zkcollat prove --zkey --wtns`` reads no JSON unless the cache
# holds trust records).
_STRING = r'"[^"\\]*(?:\\.[^"\\]*)*"?'
_NOT_BRACKET = r"[^\[\]{}]+"
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def _nesting_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in ``text``, strings skipped.

    The parser reads strings exactly as ``_STRING`` does (a quote, then characters or
    backslash pairs, then a quote), and it stops at its first error, so it never nests
    deeper than this count, valid text or not.
    """
    brackets = re.sub(_NOT_BRACKET, "", re.sub(_STRING, "", text, flags=re.DOTALL))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def _read_at_most(f: Any, limit: int, hint: int) -> bytes:
    """Up to ``limit`` bytes of ``f``, asking first for ``hint`` (the file's size and one): a
    read of ``limit`` bytes at once would allocate them all, however small the file."""
    parts: list[bytes] = []
    left = limit
    ask = hint
    while left > 0:
        chunk = f.read(min(left, max(ask, 1 << 16)))
        if not chunk:
            break
        parts.append(chunk)
        left -= len(chunk)
        ask = 1 << 20  # the file grew while read (or is a pipe): on in 1 MiB steps
    return parts[0] if len(parts) == 1 else b"".join(parts)


def read_bytes(path: str | os.PathLike[str], what: str, max_bytes: int) -> bytes:
    """The bytes of ``path``, refused (before reading) if it holds more than ``max_bytes``."""
    name = os.fspath(path)
    try:
        with open(name, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size > max_bytes:
                raise LimitError(
                    f"{what} file {name!r} is {size} bytes, above the limit of {max_bytes}"
                )
            data = _read_at_most(f, max_bytes + 1, size + 1)
    except FileNotFoundError:
        raise LimitError(f"{what} file {name!r} does not exist") from None
    except IsADirectoryError:
        raise LimitError(f"{what} file {name!r} is a folder") from None
    except OSError as e:
        raise LimitError(f"{what} file {name!r} cannot be read: {e.strerror}") from None
    if len(data) > max_bytes:  # grew while read (a pipe, a device)
        raise LimitError(f"{what} file {name!r} is larger than the limit of {max_bytes} bytes")
    return data


def loads(text: str | bytes, what: str, limits: Limits = DEFAULT) -> Any:
    """Parse JSON ``text`` within ``limits``; ``what`` names it in errors."""
    if len(text) > limits.max_bytes:
        raise LimitError(f"{what} is {len(text)} bytes, above the limit of {limits.max_bytes}")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as e:
            raise LimitError(
                f"{what} is not UTF-8 text (byte {e.start}: {text[e.start:e.start + 1]!r})"
            ) from None
    if text.startswith("\ufeff"):
        text = text[1:]

    def parse_int(s: str) -> int:
        if len(s.lstrip("-")) > limits.max_digits:
            raise LimitError(
                f"{what}: a number of {len(s.lstrip('-'))} digits (limit {limits.max_digits}; "
                "write large integers as decimal strings)"
            )
        return int(s)

    def parse_float(s: str) -> float:
        if len(s) > limits.max_digits:
            raise LimitError(f"{what}: a number of {len(s)} characters "
                             f"(limit {limits.max_digits})")
        v = float(s)
        if not math.isfinite(v):
            raise LimitError(f"{what}: {s} is not a finite number")
        return v

    def parse_constant(s: str) -> Any:
        raise LimitError(f"{what}: {s} is not a JSON number")

    # no deeper than its opening brackets: most texts skip the scan (which costs ~ a parse)
    opening = text.count("[") + text.count("{")
    if opening > limits.max_depth and _nesting_depth(text) > limits.max_depth:
        raise LimitError(f"{what}: JSON nested deeper than the limit of {limits.max_depth} levels")
    try:
        return json.loads(text, parse_int=parse_int, parse_float=parse_float,
                          parse_constant=parse_constant)
    except RecursionError:  # a max_depth above what this thread's stack has left
        raise LimitError(
            f"{what}: JSON nested deeper than this thread's stack allows "
            f"(limit {limits.max_depth} levels)"
        ) from None
    except json.JSONDecodeError as e:
        raise LimitError(
            f"{what} is not valid JSON: {e.msg} at line {e.lineno} column {e.colno}"
        ) from None
    except ValueError as e:  # the interpreter's own limits (digits of an int)
        if isinstance(e, LimitError):
            raise
        raise LimitError(f"{what}: {e}") from None


def read_json(path: str | os.PathLike[str], what: str, limits: Limits = DEFAULT) -> Any:
    """JSON from a file within ``limits``; errors name the file and what it should have been."""
    data = read_bytes(path, what, limits.max_bytes)
    return loads(data, f"{what} file {os.fspath(path)!r}", limits)


def check_depth(obj: Any, what: str, max_depth: int) -> None:
    """:class:`LimitError` if ``obj`` (already parsed) nests lists/dicts deeper than
    ``max_depth``; iterative, for objects that did not come through :func:`loads`."""
    stack: list[tuple[Any, int]] = [(obj, 1)]
    while stack:
        o, d = stack.pop()
        if isinstance(o, (list, tuple, dict)):
            if d > max_depth:
                raise LimitError(f"{what}: nested deeper than the limit of {max_depth} levels")
            stack.extend((v, d + 1) for v in (o.values() if isinstance(o, dict) else o))


class BinaryReader:
    """A bounds-checked cursor over the bytes of a binary file.

    Every read names ``what`` (the file) and the field being read, and every error gives the
    offset in the file, so a truncated or damaged file yields one line such as ``.r1cs file
    'c.r1cs': truncated reading section 2 size (8 bytes at offset 1024, 3 left)``. ``error`` is
    the class raised (a format's own error class);
    :meth:`sub` reads a part of the file (a section) with offsets still counted from the start
    of the file.
    """

    def __init__(
        self,
        data: bytes | memoryview | Any,
        what: str,
        *,
        error: type[ZkcollatError] = LimitError,
        base: int = 0,
    ) -> None:
        self.data = memoryview(data)
        self.what = what
        self.pos = 0
        self.base = base
        self._error = error

    @property
    def left(self) -> int:
        return len(self.data) - self.pos

    @property
    def offset(self) -> int:
        """The position in the file (not in this part of it)."""
        return self.base + self.pos

    def error(self, message: str) -> ZkcollatError:
        return self._error(f"{self.what}: {message}")

    def fail(self, message: str) -> ZkcollatError:
        """An error about what was found at the current offset."""
        return self.error(f"{message} (at offset {self.offset})")

    def take(self, n: int, field: str) -> memoryview:
        if n < 0 or n > self.left:
            raise self.error(
                f"truncated reading {field} ({n} bytes at offset {self.offset}, {self.left} left)"
            )
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def raw(self, n: int, field: str) -> bytes:
        """The next ``n`` bytes, copied."""
        return bytes(self.take(n, field))

    def u8(self, field: str) -> int:
        return self.take(1, field)[0]

    def u32(self, field: str) -> int:
        return int.from_bytes(self.take(4, field), "little")

    def u64(self, field: str) -> int:
        return int.from_bytes(self.take(8, field), "little")

    def uint(self, n: int, field: str, order: Literal["little", "big"] = "little") -> int:
        return int.from_bytes(self.take(n, field), order)

    def seek(self, pos: int, field: str) -> None:
        if not 0 <= pos <= len(self.data):
            raise self.error(f"{field} points to offset {self.base + pos}, outside the "
                             f"{len(self.data)} bytes from offset {self.base}")
        self.pos = pos

    def sub(self, n: int, field: str, what: str | None = None) -> BinaryReader:
        """A reader over the next ``n`` bytes (consumed here), for one part of the file."""
        start = self.offset
        view = self.take(n, field)
        return BinaryReader(view, what or self.what, error=self._error, base=start)

    def done(self, field: str) -> None:
        """Nothing may follow ``field``: trailing bytes are refused with their offset."""
        if self.left:
            raise self.error(f"{self.left} trailing bytes after {field} (from offset "
                             f"{self.offset})")

    def count(self, n: int, limit: int, field: str, item_bytes: int = 0) -> int:
        """A count read from the file, bounded by ``limit`` and (with ``item_bytes``) by the
        bytes left, so nothing is allocated for items the file cannot hold."""
        if not 0 <= n <= limit:
            raise self.error(f"{field} = {n} is above the limit of {limit} (at offset "
                             f"{self.offset})")
        if item_bytes and n * item_bytes > self.left:
            raise self.error(
                f"{field} = {n} items of {item_bytes} bytes, but only {self.left} bytes are "
                f"left (at offset {self.offset})"
            )
        return n
