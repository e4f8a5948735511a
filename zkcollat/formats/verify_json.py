"""Verification at the edge: a Groth16 proof given as snarkjs JSON (or parsed objects).

The core verifier (:mod:`zkcollat.groth16.verify`) takes a ``VerifyingKey``, the public inputs
as ints and a ``Proof``. Tools that hold files call these instead: each argument may be the
parsed object or its snarkjs JSON (a dict or list, or the text), and anything that does not
parse is a rejection with the reason, as the verifier's own checks are.
"""

from __future__ import annotations

from collections.abc import Sequence

from zkcollat.curve.backend import Backend
from zkcollat.errors import VerificationError, ZkcollatError
from zkcollat.formats.snarkjs import JsonValue, proof_from_json, public_from_json, vk_from_json
from zkcollat.groth16.keys import Proof, VerifyingKey
from zkcollat.groth16.verify import verify_or_raise


def _public(public: Sequence[int] | JsonValue) -> Sequence[int]:
    if isinstance(public, (str, bytes)) or (
        isinstance(public, list) and any(isinstance(x, str) for x in public)
    ):
        return public_from_json(public)
    if not isinstance(public, (list, tuple)):
        raise VerificationError("public inputs must be a list of field elements")
    ints = [x for x in public if isinstance(x, int)]
    if len(ints) != len(public):
        raise VerificationError("public inputs must be all integers or all decimal strings")
    return ints  # range-checked by the verifier


def verify_snarkjs_or_raise(
    vk: VerifyingKey | JsonValue,
    public: Sequence[int] | JsonValue,
    proof: Proof | JsonValue,
    *,
    backend: Backend | None = None,
) -> None:
    """Parse what is JSON, then :func:`~zkcollat.groth16.verify.verify_or_raise`.

    A file that does not parse (bad JSON, a coordinate >= p, a signal >= r, ...) raises
    VerificationError naming the problem, like any other reason to reject.
    """
    try:
        vk_ = vk if isinstance(vk, VerifyingKey) else vk_from_json(vk)
        proof_ = proof if isinstance(proof, Proof) else proof_from_json(proof)
        xs = _public(public)
    except VerificationError:
        raise
    except ZkcollatError as e:
        raise VerificationError(str(e)) from e
    verify_or_raise(vk_, xs, proof_, backend=backend)


def verify_snarkjs(
    vk: VerifyingKey | JsonValue,
    public: Sequence[int] | JsonValue,
    proof: Proof | JsonValue,
    *,
    backend: Backend | None = None,
) -> bool:
    """True iff the proof is valid; anything malformed is simply invalid (False)."""
    try:
        verify_snarkjs_or_raise(vk, public, proof, backend=backend)
    except VerificationError:
        return False
    return True
