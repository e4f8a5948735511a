"""The Groth16 verifier, applying every rejection rule of PROTOCOL.md s.5.

    e(A, B) = e(alpha, beta) * e(vk_x, gamma) * e(C, delta),  vk_x = IC_0 + sum_i x_i IC_i

``verify`` answers a bool; ``verify_or_raise`` raises
:class:`~zkcollat.errors.VerificationError` naming the reason. Both take parsed objects only;
reading snarkjs JSON is the edge's job (:func:`zkcollat.formats.snarkjs.verify_snarkjs` parses
and then calls these). ``verify_batch`` checks many proofs of one key at once and names the
invalid ones.

The reference backend checks the equation as one product of four pairings, in plain Python.
A backend with a Groth16 kernel (``Backend.prepare_vk``: the native one) prepares each key
once (the lines of ``-gamma`` and ``-delta``, ``e(alpha, beta)``, tables of the ``IC_i``) and
then needs one Miller loop over three pairs and one final exponentiation per proof; a batch
of n proofs needs one Miller loop over n + 2 pairs and one final exponentiation in all, with
secret random coefficients of 128 bits drawn from the OS's CSPRNG (``os.urandom``, as
``secrets`` draws them; ``secrets`` itself would import OpenSSL, through ``hmac``).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence

from zkcollat.curve.backend import Backend, PreparedVerifyingKey, get_backend
from zkcollat.curve.points import G1Point, G2Point
from zkcollat.errors import VerificationError, ZkcollatError
from zkcollat.field import P, R, pack_fr
from zkcollat.groth16.values import Frozen, Proof, VerifyingKey

#: Bits of each secret coefficient of a batch: a batch holding an invalid proof passes with
#: probability about 2^-128.
BATCH_COEFF_BITS = 128
_PAIRING_FAILED = (
    "pairing check failed: the proof is not valid for these public inputs under this key"
)


def _check_public(public: Sequence[int]) -> list[int]:
    if isinstance(public, (str, bytes)) or not isinstance(public, Sequence):
        raise VerificationError("public inputs must be a list of field elements")
    out = []
    for i, x in enumerate(public):
        if isinstance(x, bool) or not isinstance(x, int):
            raise VerificationError(f"public input [{i}] = {x!r} is not an integer")
        if not 0 <= x < R:
            raise VerificationError(
                f"public input [{i}] = {x} is not below r (inputs are never reduced)"
            )
        out.append(x)
    return out


def _check_g2(b: Backend, named: Sequence[tuple[str, G2Point]]) -> None:
    for name, q in named:
        if not isinstance(q, G2Point) or not q.is_on_curve():
            raise VerificationError(f"{name} is not on the G2 twist (coordinate >= p or off curve)")
        if not b.g2_in_subgroup(q):
            raise VerificationError(f"{name} is not in the r-order subgroup G2")


@functools.lru_cache(maxsize=64)
def _checked_vk(b: Backend, vk: VerifyingKey) -> VerifyingKey:
    """Check a key's points once per (backend, key); a key is used for many proofs."""
    if not isinstance(vk.alpha_g1, G1Point) or not vk.alpha_g1.is_on_curve():
        raise VerificationError("vk.alpha_g1 is not a point of G1 (coordinate >= p or off curve)")
    for i, p in enumerate(vk.gamma_abc_g1):
        if not isinstance(p, G1Point) or not p.is_on_curve():
            raise VerificationError(f"vk.IC[{i}] is not a point of G1")
    _check_g2(
        b, [("vk.beta_g2", vk.beta_g2), ("vk.gamma_g2", vk.gamma_g2), ("vk.delta_g2", vk.delta_g2)]
    )
    return vk


@functools.lru_cache(maxsize=64)
def _prepared(b: Backend, vk: VerifyingKey) -> PreparedVerifyingKey | None:
    """The backend's prepared form of a checked key (None: the backend has no kernel)."""
    _checked_vk(b, vk)
    try:
        return b.prepare_vk(vk.alpha_g1, vk.beta_g2, vk.gamma_g2, vk.delta_g2, vk.gamma_abc_g1)
    except ZkcollatError as e:
        raise VerificationError(f"the verifying key is malformed: {e}") from e


def _check_proof_curves(proof: Proof) -> None:
    """Each point on its curve (coordinates < p); B's subgroup is checked with the pairing."""
    for name, p in (("proof.a", proof.a), ("proof.c", proof.c)):
        if not isinstance(p, G1Point) or not p.is_on_curve():
            raise VerificationError(f"{name} is not a point of G1 (coordinate >= p or off curve)")
    if not isinstance(proof.b, G2Point) or not proof.b.is_on_curve():
        raise VerificationError("proof.b is not on the G2 twist (coordinate >= p or off curve)")


def _check_points(b: Backend, vk: VerifyingKey, proof: Proof) -> None:
    _checked_vk(b, vk)
    _check_proof_curves(proof)
    _check_g2(b, [("proof.b", proof.b)])


def _kernel_bytes(proof: Proof) -> bytes:
    """The proof's 256 bytes for a prepared key's kernel (``A || B || C``).

    The kernel decodes them with every check and names the point that fails (off its curve,
    B outside G2); here only what the bytes cannot carry: the types, and coordinates in
    [0, p) (a larger or negative one has no 32-byte word, and is refused, never reduced).
    """
    a, bq, c = proof.a, proof.b, proof.c
    for name, pt in (("proof.a", a), ("proof.c", c)):
        if not isinstance(pt, G1Point) or not (0 <= pt.x < P and 0 <= pt.y < P):
            raise VerificationError(f"{name} is not a point of G1 (coordinate >= p or off curve)")
    if not (
        isinstance(bq, G2Point)
        and len(bq.x) == 2
        and len(bq.y) == 2
        and all(0 <= v < P for v in (*bq.x, *bq.y))
    ):
        raise VerificationError("proof.b is not on the G2 twist (coordinate >= p or off curve)")
    return a.to_bytes() + bq.to_native_bytes() + c.to_bytes()


def _named(proof: Proof, why: str) -> str:
    """Why the kernel refused ``proof``, in the words of the unprepared check (which checks
    the curves in Python first: the same reason either way); B outside G2 is worded alike."""
    try:
        _check_proof_curves(proof)
    except VerificationError as e:
        return str(e)
    return why


def verify_or_raise(
    vk: VerifyingKey,
    public: Sequence[int],
    proof: Proof,
    *,
    backend: Backend | None = None,
    once: bool = False,
) -> None:
    """Return if the proof is valid; else raise VerificationError saying why.

    ``once``: the key serves this one check (a command that proves once and exits), so the
    key is not prepared: the four-pairing product costs about a third of a preparation plus
    a prepared check, and the preparation only pays off from the second proof of a key. The
    same rules either way (the same checks of every point, with their names).
    """
    b = backend or get_backend()
    if not isinstance(vk, VerifyingKey):
        raise VerificationError(f"the verifying key is a {type(vk).__name__}, not a VerifyingKey")
    if not isinstance(proof, Proof):
        raise VerificationError(f"the proof is a {type(proof).__name__}, not a Proof")
    xs = _check_public(public)
    if len(xs) != vk.n_public:
        raise VerificationError(
            f"the key expects {vk.n_public} public inputs, {len(xs)} were given"
        )
    prepared = None if once else _prepared(b, vk)
    if prepared is not None:
        data = _kernel_bytes(proof)
        try:
            ok = prepared.verify(pack_fr(xs), data)
        except ZkcollatError as e:  # a point off its curve or B outside G2
            raise VerificationError(_named(proof, str(e))) from e
        if not ok:
            raise VerificationError(_PAIRING_FAILED)
        return
    _check_points(b, vk, proof)
    ic = vk.gamma_abc_g1
    vk_x = b.g1_add(ic[0], b.g1_msm(list(ic[1:]), xs)) if xs else ic[0]
    ok = b.pairing_check(
        [
            (b.g1_neg(proof.a), proof.b),
            (vk.alpha_g1, vk.beta_g2),
            (vk_x, vk.gamma_g2),
            (proof.c, vk.delta_g2),
        ],
        subgroup_checked=True,
    )  # every G2 point was checked above, with its name
    if not ok:
        raise VerificationError(_PAIRING_FAILED)


def verify(
    vk: VerifyingKey,
    public: Sequence[int],
    proof: Proof,
    *,
    backend: Backend | None = None,
    once: bool = False,
) -> bool:
    """True iff the proof is valid; malformed input of any kind is simply invalid (False).
    ``once``: as for :func:`verify_or_raise`."""
    try:
        verify_or_raise(vk, public, proof, backend=backend, once=once)
    except VerificationError:
        return False
    return True


class BatchResult(Frozen):
    """What ``verify_batch`` found: ``invalid`` maps the index of each invalid proof to why."""

    _fields = _compared = ("n_proofs", "invalid")

    n_proofs: int
    invalid: dict[int, str]

    def __init__(self, n_proofs: int, invalid: dict[int, str] | None = None) -> None:
        self._set(n_proofs=n_proofs, invalid={} if invalid is None else invalid)

    @property
    def all_valid(self) -> bool:
        return not self.invalid

    def __bool__(self) -> bool:
        return self.all_valid

    def describe(self) -> str:
        if self.all_valid:
            return f"all {self.n_proofs} proofs are valid"
        bad = "; ".join(f"proof {i}: {why}" for i, why in sorted(self.invalid.items()))
        return f"{len(self.invalid)} of {self.n_proofs} proofs are invalid: {bad}"


def _coefficients(n: int) -> bytes:
    """n secret non-zero coefficients of BATCH_COEFF_BITS bits each, packed (OS CSPRNG)."""
    out = []
    for _ in range(n):
        c = 0
        while c == 0:  # os.urandom, not random.SystemRandom: the module is on prove's path
            c = int.from_bytes(os.urandom(BATCH_COEFF_BITS // 8), "big")
        out.append(c)
    return pack_fr(out)


def verify_batch(
    vk: VerifyingKey,
    items: Sequence[tuple[Sequence[int], Proof]],
    *,
    backend: Backend | None = None,
) -> BatchResult:
    """Check many ``(public inputs, proof)`` pairs of one key; name every invalid one.

    A malformed item (wrong input count, an input >= r, a point off its curve or outside G2)
    is invalid with the reason ``verify_or_raise`` would give; the others are checked together
    by a random linear combination (see the module docstring) and, if that fails, in halves
    until each invalid proof is found. The answer is the same as checking one by one.
    """
    b = backend or get_backend()
    if not isinstance(vk, VerifyingKey):
        raise VerificationError(f"the verifying key is a {type(vk).__name__}, not a VerifyingKey")
    prepared = _prepared(b, vk)
    invalid: dict[int, str] = {}
    if prepared is None:
        for i, item in enumerate(items):
            try:
                public, proof = item
                verify_or_raise(vk, public, proof, backend=b)
            except (VerificationError, TypeError, ValueError) as e:
                invalid[i] = str(e)
        return BatchResult(len(items), invalid)
    index: list[int] = []
    publics: list[bytes] = []
    proofs: list[bytes] = []
    checked: list[Proof] = []
    for i, item in enumerate(items):
        try:
            public, proof = item
            if not isinstance(proof, Proof):
                raise VerificationError(f"the proof is a {type(proof).__name__}, not a Proof")
            xs = _check_public(public)
            if len(xs) != vk.n_public:
                raise VerificationError(
                    f"the key expects {vk.n_public} public inputs, {len(xs)} were given"
                )
            data = _kernel_bytes(proof)
        except (VerificationError, TypeError, ValueError) as e:
            invalid[i] = str(e)
            continue
        index.append(i)
        publics.append(pack_fr(xs))
        proofs.append(data)
        checked.append(proof)
    if index:
        found = prepared.verify_batch(
            b"".join(publics), b"".join(proofs), _coefficients(len(index))
        )
        for j, why in found:
            invalid[index[j]] = why if why == _PAIRING_FAILED else _named(checked[j], why)
    return BatchResult(len(items), dict(sorted(invalid.items())))


def verify_batch_or_raise(
    vk: VerifyingKey,
    items: Sequence[tuple[Sequence[int], Proof]],
    *,
    backend: Backend | None = None,
) -> None:
    """Return if every proof is valid; else raise VerificationError naming the invalid ones."""
    result = verify_batch(vk, items, backend=backend)
    if not result.all_valid:
        raise VerificationError(result.describe())
