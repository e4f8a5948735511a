"""EVM calldata for a proof: the argument list of ``verifyProof`` and its raw ABI encoding.

Three forms of the same arguments ``(_pA, _pB, _pC, _pubSignals)``:

* :func:`calldata_args` — nested lists of ints (``[[ax, ay], [[bx1, bx0], [by1, by0]], ...]``);
* :func:`calldata_json` / :func:`soliditycalldata` — the same as hex strings, a JSON-ready list
  and the text ``snarkjs zkey export soliditycalldata`` prints (character for character);
* :func:`verify_proof_calldata` — selector + ABI words, the bytes a transaction carries.

G2 words are in the EIP-197 order ``[x.c1, x.c0], [y.c1, y.c0]`` (``G2Point.to_evm()``).
Every public input is checked ``< r`` and every coordinate ``< p`` (points on their curves):
calldata for values a verifier must reject is never produced silently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from Crypto.Hash import keccak

from zkcollat.curve.points import G1Point, G2Point
from zkcollat.errors import EncodingError, PointError
from zkcollat.field import check_fr
from zkcollat.groth16.keys import Proof
from zkcollat.statements import CollateralLock, StatementCircuit
from zkcollat.statements.schema import PublicInputs

_TYPE_BITS = {"uint256": 256, "uint128": 128, "uint64": 64, "address": 160}

Args = list[Any]


def keccak256(data: bytes) -> bytes:
    return keccak.new(digest_bits=256, data=data).digest()


def selector(signature: str) -> bytes:
    """The 4-byte function selector of a canonical signature such as ``f(uint256[2])``."""
    return keccak256(signature.encode("ascii"))[:4]


def verify_proof_signature(n_public: int) -> str:
    """``verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[n])``."""
    return f"verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[{n_public}])"


def verify_statement_signature(statement: type[StatementCircuit]) -> str:
    """``verify<Title>(uint256[2],uint256[2][2],uint256[2],<the public inputs' types>)``."""
    types = ",".join(t.solidity for t in statement.public_inputs.types())
    return f"verify{statement.title}(uint256[2],uint256[2][2],uint256[2],{types})"


VERIFY_COLLATERAL_LOCK_SIGNATURE = verify_statement_signature(CollateralLock)


def _check_proof(proof: Proof) -> None:
    for name, p in (("A", proof.a), ("B", proof.b), ("C", proof.c)):
        if not isinstance(p, (G1Point, G2Point)) or not p.is_on_curve():
            raise PointError(f"proof point {name} = {p!r} is not on its curve (coordinates < p)")


def _proof_words(proof: Proof) -> list[int]:
    _check_proof(proof)
    (bx1, bx0), (by1, by0) = proof.b.to_evm()
    return [*proof.a.to_evm(), bx1, bx0, by1, by0, *proof.c.to_evm()]


def _public(public: Sequence[int]) -> list[int]:
    if isinstance(public, (str, bytes)) or not isinstance(public, Sequence):
        raise EncodingError("public inputs must be a sequence of integers")
    return [check_fr(v, f"public input [{i}]") for i, v in enumerate(public)]


def calldata_args(proof: Proof, public: Sequence[int]) -> Args:
    """``[_pA, _pB, _pC, _pubSignals]`` as nested lists of ints (what web3 libraries take)."""
    pub = _public(public)
    w = _proof_words(proof)
    return [w[0:2], [w[2:4], w[4:6]], w[6:8], pub]


def _hex(v: int) -> str:
    return "0x" + format(v, "064x")


def calldata_json(proof: Proof, public: Sequence[int]) -> Args:
    """:func:`calldata_args` with each word as a ``0x`` + 64-hex-digit string (JSON-ready)."""
    a, b, c, pub = calldata_args(proof, public)
    return [
        [_hex(v) for v in a],
        [[_hex(v) for v in row] for row in b],
        [_hex(v) for v in c],
        [_hex(v) for v in pub],
    ]


def soliditycalldata(proof: Proof, public: Sequence[int]) -> str:
    """The argument text ``snarkjs zkey export soliditycalldata`` prints for the same proof."""
    a, b, c, pub = calldata_json(proof, public)

    def q(s: str) -> str:
        return f'"{s}"'

    return (
        f"[{q(a[0])}, {q(a[1])}],"
        f"[[{q(b[0][0])}, {q(b[0][1])}],[{q(b[1][0])}, {q(b[1][1])}]],"
        f"[{q(c[0])}, {q(c[1])}],"
        f"[{','.join(q(v) for v in pub)}]"
    )


def encode_words(words: Sequence[int]) -> bytes:
    """Raw 32-byte big-endian words; each must fit in a uint256 (no range check beyond that)."""
    out = bytearray()
    for i, w in enumerate(words):
        if isinstance(w, bool) or not isinstance(w, int) or not 0 <= w < 1 << 256:
            raise EncodingError(f"word [{i}] = {w!r} is not a uint256")
        out += w.to_bytes(32, "big")
    return bytes(out)


def verify_proof_calldata(proof: Proof, public: Sequence[int]) -> bytes:
    """Selector + ABI encoding of ``verifyProof(_pA, _pB, _pC, _pubSignals)``.

    All arguments are static, so the encoding is the 8 proof words then the inputs.
    """
    pub = _public(public)
    return selector(verify_proof_signature(len(pub))) + encode_words([*_proof_words(proof), *pub])


def statement_public(schema: type[PublicInputs], values: Mapping[str, int]) -> list[int]:
    """The public inputs of a statement in circuit order, from a mapping by name.

    Each value must be an int within its Solidity type (address = uint160; a field element < r).
    """
    names = schema.names()
    missing = [n for n in names if n not in values]
    extra = sorted(set(values) - set(names))
    if missing or extra:
        raise EncodingError(
            f"{schema.statement} public inputs: missing {missing}, unexpected {extra}; "
            f"expected exactly {list(names)}"
        )
    out = []
    for name, ftype in schema.schema():
        v = values[name]
        typ = ftype.solidity
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < 1 << _TYPE_BITS[typ]:
            raise EncodingError(f"{name} = {v!r} does not fit the Solidity type {typ}")
        out.append(check_fr(v, name))
    return out


def collateral_lock_public(values: Mapping[str, int]) -> list[int]:
    """:func:`statement_public` for CollateralLock."""
    return statement_public(CollateralLock.public_inputs, values)


def verify_statement_calldata(
    statement: type[StatementCircuit], proof: Proof, values: Mapping[str, int]
) -> bytes:
    """Selector + ABI encoding of ``verify<Title>(_pA, _pB, _pC, <named public inputs>)``."""
    pub = statement_public(statement.public_inputs, values)
    words = [*_proof_words(proof), *pub]
    return selector(verify_statement_signature(statement)) + encode_words(words)


def verify_collateral_lock_calldata(proof: Proof, values: Mapping[str, int]) -> bytes:
    """Selector + ABI encoding of ``verifyCollateralLock(_pA, _pB, _pC, root, ..., minExpiry)``."""
    return verify_statement_calldata(CollateralLock, proof, values)
