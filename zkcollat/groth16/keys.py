"""Groth16 key and proof objects, named as in the paper and in arkworks (the verifier's
values, ``VerifyingKey`` and ``Proof``, are defined in :mod:`zkcollat.groth16.values`).

``VerifyingKey`` is the object behind snarkjs's ``verification_key.json`` (see
``zkcollat.formats.snarkjs``) and behind the generated Solidity verifier, so both are
rendered from one source. ``ProvingKey`` keeps its large query vectors as packed bytes
(the layout of the key file) and loads them into backend point vectors once, on first use.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from zkcollat.curve.backend import Backend, FusedProver, PointVector, get_backend
from zkcollat.curve.points import G1Point, G2Point
from zkcollat.errors import KeyFormatError, LengthMismatch, PointError
from zkcollat.groth16.values import Proof as Proof
from zkcollat.groth16.values import VerifyingKey as VerifyingKey
from zkcollat.groth16.values import key_problems as key_problems

if TYPE_CHECKING:
    from zkcollat.r1cs.system import ConstraintSystem


class DevelopmentKeyWarning(UserWarning):
    """A key from a single-party setup was loaded: whoever ran it can forge proofs."""


warnings.simplefilter("always", DevelopmentKeyWarning)


def warn_development_key(what: str) -> None:
    """Say, every time, that a key comes from no multi-party ceremony (PROTOCOL.md s.5)."""
    warnings.warn(
        f"{what} comes from a development setup, not a multi-party ceremony: whoever ran "
        "the setup can forge proofs. Do not use it to secure real collateral.",
        DevelopmentKeyWarning,
        stacklevel=3,
    )


def is_development_key(vk: VerifyingKey) -> bool:
    """A key made without a multi-party ceremony: marked so, or with ``delta == gamma`` (a
    phase-2 key before any contribution: the phase-1 secrets alone can forge, PROTOCOL.md
    s.5)."""
    return not vk.ceremony or vk.delta_g2 == vk.gamma_g2


@dataclass(frozen=True)
class SparseQuery:
    """A key query vector without its identity points: ``indices[k]`` is the wire of point k
    (``None`` when no point was dropped)."""

    vector: PointVector
    indices: list[int] | None
    length: int

    @classmethod
    def load(cls, backend: Backend, data: bytes, *, g2: bool) -> SparseQuery:
        size = 128 if g2 else 64
        zero = bytes(size)
        n = len(data) // size
        keep = [i for i in range(n) if data[i * size : (i + 1) * size] != zero]
        # Gathering scalars costs a little on every proof: only worth it when many points drop.
        if 8 * (n - len(keep)) < n:
            indices, packed = None, data
        else:
            indices = keep
            packed = b"".join(data[i * size : (i + 1) * size] for i in keep)
        if g2:
            # The prover's own key: a corrupted point only makes its proofs fail to verify,
            # so the costly subgroup check is skipped (curve membership is still checked).
            vector = backend.g2_vector_from_bytes(packed, subgroup=False)
        else:
            vector = backend.g1_vector_from_bytes(packed)
        return cls(vector, indices, n)

    def msm(self, scalars: bytes) -> G1Point | G2Point:
        """``sum s_j * P_j`` over all ``length`` points for packed scalars ``s``."""
        if len(scalars) != 32 * self.length:
            raise LengthMismatch(
                f"MSM over a query of {self.length} points got {len(scalars) // 32} scalars"
            )
        if self.indices is not None:
            scalars = b"".join(scalars[32 * i : 32 * i + 32] for i in self.indices)
        return self.vector.msm(scalars)


@dataclass
class ProvingKey:
    """The prover's half of a setup.

    Query vectors are packed bytes: G1 points as 64-byte ``x || y``, G2 points as 128-byte
    ``x.c0 || x.c1 || y.c0 || y.c1``; the identity is all zeros.

    * ``a_query[j] = u_j(tau) G1``, ``b_g1_query[j] = v_j(tau) G1``, ``b_g2_query[j] = v_j(tau) G2``
      for every wire j;
    * ``h_query[i] = tau^i Z(tau) / delta G1`` for i < n - 1;
    * ``l_query[j] = (beta u_j + alpha v_j + w_j)(tau) / delta G1`` for the private wires.

    ``circuit`` is the compiled circuit the key was made for, when the key carries it (keys
    from ``setup`` do, and ``.zkpk`` version 2 files store it): a prover then needs no
    ``define`` run and no hashing to check that key and circuit match.

    Once a backend's one-call prover holds the query points (:meth:`fused_prover`: the
    native one), the key lets go of their bytes and reads them back from that prover when
    asked for (the same bytes: points decode only from canonical words), so a proving
    process holds the key's points once, not also as bytes.
    """

    vk: VerifyingKey
    beta_g1: G1Point
    delta_g1: G1Point
    n_wires: int
    domain_size: int
    circuit_digest: bytes
    a_query: bytes
    b_g1_query: bytes
    b_g2_query: bytes
    h_query: bytes
    l_query: bytes
    circuit: ConstraintSystem | None = field(default=None, repr=False, compare=False)
    #: The ``b_g2_query`` object whose points are known to lie in G2: made from the generator
    #: (``setup``) or checked where a ``.zkey`` was converted (``zkcollat.ceremony.keys``).
    #: Points read from a key file are checked on the twist only; a prover may split B2's
    #: scalars by G2's endomorphism (faster) only on G2, where alone it acts as a scalar. Bound
    #: to that very bytes object, so a key rebuilt with other points loses it (and let go of,
    #: with the query bytes, once a prover that holds the points takes over).
    b_g2_checked: bytes | None = field(default=None, repr=False, compare=False)
    #: ``b_g2_checked`` was set on the cache directory's word (a record of an earlier check,
    #: ``zkcollat.formats.b2record``), not by a check or a construction in this process: each
    #: proof's B is then checked in G2 (one point, ~0.1 ms natively), and a B outside it sends
    #: the whole query to be checked (:func:`check_b2_query`: the bad point named).
    b_g2_on_record: bool = field(default=False, repr=False, compare=False)
    # Caches of this very key (init=False: dataclasses.replace gives the new key empty ones,
    # so a key rebuilt with other points never proves with this one's loaded points).
    _vectors: dict[str, dict[str, SparseQuery]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _fused: dict[str, FusedProver | None] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @property
    def n_public(self) -> int:
        return self.vk.n_public

    @property
    def b_g2_in_g2(self) -> bool:
        """Whether every ``b_g2_query`` point is known to lie in G2 (see ``b_g2_checked``)."""
        return self.b_g2_checked is not None and self.b_g2_checked is self.b_g2_query

    def vectors(self, backend: Backend | None = None) -> dict[str, SparseQuery]:
        """The query vectors loaded into ``backend`` (default: the active one), cached.

        Identity points are dropped at load (a third of B's are: wires absent from B), so
        the MSMs run over the points that contribute; each query keeps the wire indices
        of the points it holds.
        """
        b = backend or get_backend()
        if b.name not in self._vectors:
            self._vectors[b.name] = {
                "a": SparseQuery.load(b, self.a_query, g2=False),
                "b_g1": SparseQuery.load(b, self.b_g1_query, g2=False),
                "b_g2": SparseQuery.load(b, self.b_g2_query, g2=True),
                "h": SparseQuery.load(b, self.h_query, g2=False),
                "l": SparseQuery.load(b, self.l_query, g2=False),
            }
        return self._vectors[b.name]

    def fused_prover(self, backend: Backend | None = None) -> FusedProver | None:
        """The backend's one-call prover for this key (None: compose from ``vectors``), cached.

        The native backend keeps the query points in Rust (identity points dropped) and
        proves from a witness in one call: no point or scalar crosses back to Python until
        the proof.
        """
        b = backend or get_backend()
        if b.name not in self._fused:
            fused = b.fused_prover(self)
            self._fused[b.name] = fused
            if fused is not None and fused.holds_queries:
                self.__dict__["_query_source"] = fused
                for name in QUERIES:
                    self.__dict__.pop(name, None)
                self.b_g2_checked = None  # not held either (the prover was told)
        return self._fused[b.name]


def check_b2_query(b2: bytes, backend: Backend | None = None) -> None:
    """Check every point of a ``b_g2_query`` (zkcollat's layout) in G2, on ``backend``
    (default: the active one); :class:`KeyFormatError` naming the first point outside it
    (on the twist, of the cofactor's order: the endomorphism that splits B2's scalars acts as
    a scalar only on G2). ~90 us a point natively (~0.4 s CPU at CollateralLock(20))."""
    b = backend or get_backend()
    try:
        b.g2_vector_from_bytes(b2, subgroup=True)
    except PointError as e:
        raise KeyFormatError(f"the key's B2 query (b_g2_query): {e}") from e


#: The query vectors of a :class:`ProvingKey`, by attribute, with the name a
#: :class:`FusedProver` knows each by.
QUERIES = {"a_query": "a", "b_g1_query": "b_g1", "b_g2_query": "b_g2", "h_query": "h",
           "l_query": "l"}


class _QueryBytes:
    """A :class:`ProvingKey` query attribute: the bytes the key was given, until a prover
    that holds the points takes over (:meth:`ProvingKey.fused_prover`); then each read asks
    that prover for them (nothing cached: the point is not to hold them twice)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, obj: ProvingKey | None, owner: type | None = None) -> bytes:
        if obj is None:
            raise AttributeError(self.name)  # no class-level default: a required field
        held = obj.__dict__.get(self.name)
        if held is not None:
            return cast(bytes, held)
        source = cast(FusedProver, obj.__dict__["_query_source"])
        out = source.query_bytes(QUERIES[self.name])
        assert out is not None, "a prover that holds the queries gives them back"
        return out

    def __set__(self, obj: ProvingKey, value: bytes) -> None:
        obj.__dict__[self.name] = value


for _name in QUERIES:
    setattr(ProvingKey, _name, _QueryBytes(_name))


def circuit_metadata(name: str, params: dict[str, int]) -> dict[str, str]:
    """What ``setup`` records in a key's metadata about its circuit (read by
    :func:`circuit_of_key`)."""
    return {"circuit": name, "params": json.dumps(params, sort_keys=True)}


def circuit_of_key(pk: ProvingKey) -> tuple[str, dict[str, int]]:
    """The statement name and parameters that ``zkcollat setup`` recorded in the key's metadata
    (``circuit``, and ``params`` as a JSON object); :class:`KeyFormatError` when absent or
    malformed."""
    md = pk.vk.metadata
    if "circuit" not in md:
        raise KeyFormatError(
            "the proving key does not name its circuit (no 'circuit' in its metadata): "
            "give the circuit explicitly"
        )
    try:
        params = json.loads(md.get("params", "{}"))
        return md["circuit"], {str(k): int(v) for k, v in params.items()}
    except (json.JSONDecodeError, AttributeError, TypeError, ValueError) as e:
        raise KeyFormatError(f"the proving key's circuit parameters are malformed: {e}") from e
