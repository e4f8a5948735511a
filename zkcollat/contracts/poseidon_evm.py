"""EVM bytecode of Poseidon (PROTOCOL.md s.2) for the vault contract, generated from the constants.

The vault hashes leaves with 6 inputs and nodes with 2 on chain, and the result must equal
:func:`zkcollat.hash.poseidon.poseidon_hash`. This module writes that function as
straight-line EVM code: circomlib's optimised form (:func:`poseidon_constants_opt`: folded round
constants, sparse partial rounds, so a partial round costs ``2t - 1`` multiplications instead of
``t^2``), the state on the stack, every constant a ``PUSH32``, no loop and no memory except for
the return value.

A contract's code is limited to 24,576 bytes (EIP-170); the 6-input function needs about twice
that, so the rounds are cut into *segments*, each its own contract: segment 0 takes the ``n``
inputs as calldata words and returns the ``t = n + 1`` lane state, middle segments take and
return ``t`` words, the last returns the hash (one word). The caller (``Poseidon.sol``) chains
the calls. Segment 0 reverts (empty data) unless calldata is exactly ``n`` words each ``< r``,
so an input is never reduced.

Additions are lazy: every value carries an upper bound; two values are added with ``ADD`` when
the sum of their bounds stays below ``2^256`` and with ``ADDMOD`` otherwise; ``MULMOD`` takes
any 256-bit operand, so values between segments need not be reduced (a segment trusts the
bounds the generator knows for its inputs). The hash is reduced with ``MOD`` before it is
returned.

The creation code is committed in ``verifier_contracts/poseidon/poseidon.json``; regenerate it
with ``zkcollat contracts generate``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from zkcollat.errors import SolidityError
from zkcollat.field import R
from zkcollat.hash.poseidon import poseidon_constants_opt

#: EIP-170 limit on deployed code.
MAX_CODE_SIZE = 24_576
_WORD = 1 << 256

_ADD, _MUL, _MOD, _ADDMOD, _MULMOD = 0x01, 0x02, 0x06, 0x08, 0x09
_LT, _ISZERO, _AND, _EQ = 0x10, 0x15, 0x16, 0x14
_CALLDATALOAD, _CALLDATASIZE, _CODECOPY = 0x35, 0x36, 0x39
_POP, _MSTORE, _JUMPI, _JUMPDEST = 0x50, 0x52, 0x57, 0x5B
_PUSH0, _PUSH1, _PUSH2, _PUSH32 = 0x5F, 0x60, 0x61, 0x7F
_DUP1, _SWAP1, _RETURN, _REVERT = 0x80, 0x90, 0xF3, 0xFD


class _Val:
    """A value on the symbolic stack, with an exclusive upper bound."""

    __slots__ = ("bound", "name")

    def __init__(self, name: str, bound: int) -> None:
        self.name = name
        self.bound = bound


class _Asm:
    """Straight-line EVM code over a symbolic stack (bottom first)."""

    def __init__(self) -> None:
        self.code = bytearray()
        self.stack: list[_Val] = []

    def _depth(self, v: _Val) -> int:
        for depth, item in enumerate(reversed(self.stack), start=1):
            if item is v:
                return depth
        raise SolidityError(f"poseidon codegen: {v.name} is not on the stack")

    def push(self, value: int, name: str = "const") -> _Val:
        if value == 0:
            self.code.append(_PUSH0)
        else:
            n = (value.bit_length() + 7) // 8
            self.code.append(_PUSH1 + n - 1)
            self.code += value.to_bytes(n, "big")
        v = _Val(name, value + 1)
        self.stack.append(v)
        return v

    def dup(self, v: _Val) -> _Val:
        depth = self._depth(v)
        if depth > 16:
            raise SolidityError(f"poseidon codegen: {v.name} is {depth} deep (DUP reaches 16)")
        self.code.append(_DUP1 + depth - 1)
        self.stack.append(v)
        return v

    def swap(self, k: int) -> None:
        if not 1 <= k <= 16:
            raise SolidityError(f"poseidon codegen: SWAP{k} does not exist")
        self.code.append(_SWAP1 + k - 1)
        s = self.stack
        s[-1], s[-1 - k] = s[-1 - k], s[-1]

    def pop(self) -> None:
        self.code.append(_POP)
        self.stack.pop()

    def op(self, opcode: int, n_in: int, bound: int, name: str) -> _Val:
        self.code.append(opcode)
        del self.stack[-n_in:]
        v = _Val(name, bound)
        self.stack.append(v)
        return v

    def drop(self, v: _Val) -> None:
        """Remove every stack entry of ``v`` (it is dead)."""
        while any(item is v for item in self.stack):
            depth = self._depth(v)
            if depth > 1:
                self.swap(depth - 1)
            self.pop()

    def replace(self, old: _Val, new: _Val) -> None:
        """``new`` is on top: move it into ``old``'s slot and pop ``old``."""
        if self.stack[-1] is not new:
            raise SolidityError("poseidon codegen: replace expects the new value on top")
        depth = self._depth(old)
        self.swap(depth - 1)
        self.pop()


@dataclass(frozen=True)
class Segment:
    """One contract of a Poseidon function: its runtime code and its calldata/return words."""

    runtime: bytes
    words_in: int
    words_out: int

    @property
    def creation(self) -> bytes:
        """Init code that deploys ``runtime`` unchanged (10 bytes, then the runtime)."""
        n = len(self.runtime)
        # PUSH2 n, DUP1, PUSH1 10, PUSH0, CODECOPY(0, 10, n), PUSH0, RETURN(0, n)
        init = bytes(
            [_PUSH2, n >> 8, n & 0xFF, _DUP1, _PUSH1, 10, _PUSH0, _CODECOPY, _PUSH0, _RETURN]
        )
        return init + self.runtime


@dataclass(frozen=True)
class _Round:
    """A full round (``matrix`` set; ``consts`` None for the last) or a partial one."""

    consts: list[int] | None
    matrix: list[list[int]] | None
    c: int = 0
    s: list[int] | None = None


class _Gen:
    """Emits the permutation round by round, cutting segments at round boundaries."""

    def __init__(self, n_inputs: int) -> None:
        self.n = n_inputs
        self.t = n_inputs + 1
        self.segments: list[Segment] = []
        self.asm = _Asm()
        self.p: _Val
        self.lanes: list[_Val] = []
        self.c: list[int] = []
        self.remaining_rounds: list[_Round] = []

    # --- segment boundaries -----------------------------------------------------------------

    def start_first(self) -> None:
        a = self.asm
        n = self.n
        # Guard: calldata is exactly n words, each < r; else revert with empty data.
        # Layout: PUSH1 <ok> ... JUMPI; PUSH0 PUSH0 REVERT; JUMPDEST <ok>
        a.code += bytes([_CALLDATASIZE, _PUSH1, 32 * n, _EQ])
        for i in range(n):
            a.code += bytes([_PUSH32]) + R.to_bytes(32, "big")
            a.code += bytes([_PUSH1, 32 * i, _CALLDATALOAD, _LT, _AND])
        ok = len(a.code) + 4 + 3
        a.code += bytes([_PUSH2, ok >> 8, ok & 0xFF, _JUMPI, _PUSH0, _DUP1, _REVERT, _JUMPDEST])
        self.p = a.push(R, "p")
        c = self.c
        # State [0, in_1..in_n] plus C[0..t): lane 0 is the constant C[0].
        self.lanes = [a.push(c[0], "s0")]
        for i in range(1, self.t):
            a.code += bytes([_PUSH1, 32 * (i - 1), _CALLDATALOAD])
            a.stack.append(_Val(f"in{i}", R))
            self.lanes.append(self.add_const(a.stack[-1], c[i]))

    def start_next(self, bounds: list[int]) -> None:
        a = self.asm = _Asm()
        self.p = a.push(R, "p")
        self.lanes = []
        for i, b in enumerate(bounds):
            a.code += bytes([_PUSH1, 32 * i, _CALLDATALOAD])
            v = _Val(f"s{i}", b)
            a.stack.append(v)
            self.lanes.append(v)

    def finish_segment(self, last: bool) -> None:
        a = self.asm
        if last:
            out = self.lanes[0]
            if out.bound > R:
                a.dup(self.p)
                a.dup(out)
                out2 = a.op(_MOD, 2, R, "hash")
                a.replace(out, out2)
                self.lanes[0] = out2
            a.dup(self.lanes[0])
            a.code += bytes([_PUSH0, _MSTORE, _PUSH1, 32, _PUSH0, _RETURN])
            words_in = self.n if not self.segments else self.t
            self.segments.append(Segment(bytes(a.code), words_in, 1))
            return
        for i, lane in enumerate(self.lanes):
            a.dup(lane)
            a.code += bytes([_PUSH1, 32 * i, _MSTORE])
            a.stack.pop()
        a.code += bytes([_PUSH1, 32 * self.t, _PUSH0, _RETURN])
        words_in = self.n if not self.segments else self.t
        self.segments.append(Segment(bytes(a.code), words_in, self.t))
        self.start_next([lane.bound for lane in self.lanes])

    # --- arithmetic -----------------------------------------------------------------------------

    def add_const(self, v: _Val, c: int) -> _Val:
        """``v + c`` for ``v`` on top of the stack (consumed)."""
        a = self.asm
        if a.stack[-1] is not v:
            raise SolidityError("poseidon codegen: add_const expects its operand on top")
        if c == 0:
            return v
        if v.bound + c < _WORD:
            a.push(c)
            return a.op(_ADD, 2, v.bound + c, v.name)
        a.dup(self.p)
        a.swap(1)
        a.push(c)
        return a.op(_ADDMOD, 3, R, v.name)

    def add_top2(self) -> _Val:
        """Sum of the two values on top (both consumed)."""
        a = self.asm
        x, y = a.stack[-1], a.stack[-2]
        if x.bound + y.bound <= _WORD:
            return a.op(_ADD, 2, x.bound + y.bound - 1, "sum")
        a.dup(self.p)  # [y, x, p]
        a.swap(2)  # [p, x, y]
        return a.op(_ADDMOD, 3, R, "sum")

    def mul_const(self, v: _Val, c: int) -> _Val:
        """``c * v mod r`` pushed on top (``v`` kept)."""
        a = self.asm
        a.dup(self.p)
        a.push(c)
        a.dup(v)
        return a.op(_MULMOD, 3, R, "prod")

    def sbox_top(self) -> _Val:
        """``x^5 mod r`` for ``x`` on top (consumed)."""
        a = self.asm
        x = a.stack[-1]
        a.dup(self.p)  # [x, p]
        a.dup(x)
        a.dup(x)
        x2 = a.op(_MULMOD, 3, R, "x2")  # [x, x2]
        a.dup(self.p)  # [x, x2, p]
        a.swap(1)  # [x, p, x2]
        a.dup(x2)
        a.op(_MULMOD, 3, R, "x4")  # [x, x4]
        a.dup(self.p)  # [x, x4, p]
        a.swap(2)  # [p, x4, x]
        return a.op(_MULMOD, 3, R, "x5")

    def dot(self, row: list[int], lanes: list[_Val]) -> _Val:
        """``sum_j row[j] * lanes[j]`` pushed on top."""
        acc: _Val | None = None
        for c, v in zip(row, lanes, strict=True):
            if c == 0:
                continue
            self.mul_const(v, c)
            acc = self.add_top2() if acc is not None else self.asm.stack[-1]
        if acc is None:
            return self.asm.push(0)
        return acc

    # --- rounds ---------------------------------------------------------------------------------

    def full_round(self, consts: list[int] | None, matrix: list[list[int]]) -> None:
        """S-box every lane, add ``consts`` (if any), multiply by ``matrix`` (columns as rows:
        ``new[i] = sum_j matrix[j][i] * old[j]``); ``matrix=None`` on the last round keeps
        only lane 0 of the product (``consts=None``: no constants, the last round)."""
        a = self.asm
        t = self.t
        ys: list[_Val] = []
        for i in range(t):
            a.dup(self.lanes[i])
            y = self.sbox_top()
            if consts is not None:
                y = self.add_const(y, consts[i])
            ys.append(y)
        for lane in self.lanes:
            a.drop(lane)
        # The last round's product is needed in lane 0 only (the hash).
        n_out = t if self.remaining_rounds else 1
        outs = [self.dot([matrix[j][i] for j in range(t)], ys) for i in range(n_out)]
        for y in ys:
            a.drop(y)
        self.lanes = outs

    def partial_round(self, c: int, s: list[int] | None) -> None:
        if s is None:
            raise SolidityError("poseidon codegen: a partial round needs its sparse row")
        a = self.asm
        t = self.t
        a.dup(self.lanes[0])
        x = self.add_const(self.sbox_top(), c)
        old0 = self.lanes[0]
        a.drop(old0)
        lanes = [x, *self.lanes[1:]]
        s0 = self.dot(s[:t], lanes)
        new = [s0]
        for k in range(1, t):
            self.mul_const(x, s[t + k - 1])
            a.dup(lanes[k])
            v = self.add_top2()
            a.replace(lanes[k], v)
            new.append(v)
        a.drop(x)
        self.lanes = new

    def build(self) -> list[Segment]:
        c, s, m, p, n_f, n_p = poseidon_constants_opt(self.n)
        self.c = c
        t = self.t
        half = n_f // 2
        rounds: list[_Round] = []
        for r in range(half - 1):
            rounds.append(_Round(c[(r + 1) * t : (r + 2) * t], m))
        rounds.append(_Round(c[half * t : (half + 1) * t], p))
        base = (half + 1) * t
        for r in range(n_p):
            row = s[(2 * t - 1) * r : (2 * t - 1) * (r + 1)]
            rounds.append(_Round(None, None, c[base + r], row))
        base += n_p
        for r in range(half - 1):
            rounds.append(_Round(c[base + r * t : base + (r + 1) * t], m))
        rounds.append(_Round(None, m))
        self.remaining_rounds = rounds
        self.start_first()
        budget = MAX_CODE_SIZE - 200  # room for the segment epilogue
        while self.remaining_rounds:
            rnd = self.remaining_rounds.pop(0)
            before = (bytes(self.asm.code), list(self.asm.stack), list(self.lanes))
            self._emit(rnd)
            if len(self.asm.code) > budget:
                # Undo this round, close the segment, and emit the round in the next one.
                self.asm.code = bytearray(before[0])
                self.asm.stack = before[1]
                self.lanes = before[2]
                self.remaining_rounds.insert(0, rnd)
                self.finish_segment(last=False)
                self._emit(self.remaining_rounds.pop(0))
        self.finish_segment(last=True)
        for seg in self.segments:
            if len(seg.runtime) > MAX_CODE_SIZE:
                raise SolidityError(f"poseidon segment of {len(seg.runtime)} bytes > EIP-170")
        return self.segments

    def _emit(self, rnd: _Round) -> None:
        if rnd.matrix is not None:
            self.full_round(rnd.consts, rnd.matrix)
        else:
            self.partial_round(rnd.c, rnd.s)


@functools.cache
def poseidon_segments(n_inputs: int) -> tuple[Segment, ...]:
    """The contracts that compute Poseidon of ``n_inputs`` inputs, in call order."""
    return tuple(_Gen(n_inputs).build())
