"""The verifier's values: :class:`VerifyingKey` and :class:`Proof` (re-exported by
:mod:`zkcollat.groth16.keys`, where the proving key lives), and :func:`key_problems`.

They are plain classes with the behaviour of frozen dataclasses (equality and hash over
their fields, ``metadata`` excepted; a ``repr`` naming every field; no assignment after
construction; :meth:`replace` for a changed copy), written out rather than generated: the
``dataclasses`` module imports ``inspect`` (with ``ast``, ``dis``, ``tokenize``), ~6 ms of
every ``zkcollat prove --zkey --wtns`` process, which needs these two values and no other.
"""

from __future__ import annotations

from typing import Any, NoReturn, TypeVar

from zkcollat.curve.points import G1Point, G2Point

_V = TypeVar("_V", bound="Record")


class Record:
    """A mutable dataclass's behaviour from ``_fields`` (the constructor's parameters, in
    order): equality over ``_compared`` (every field when empty), a ``repr`` naming every
    field, :meth:`replace`; unhashable. :class:`Frozen` adds the frozen half. The ``.zkey``'s
    sections (:mod:`zkcollat.formats.zkey`) are records too."""

    _fields: tuple[str, ...] = ()
    _compared: tuple[str, ...] = ()
    __hash__ = None  # type: ignore[assignment]  # mutable: unhashable, as a dataclass

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, f) for f in (self._compared or self._fields))

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Record)
        return self._values() == other._values()

    def __repr__(self) -> str:
        inside = ", ".join(f"{f}={getattr(self, f)!r}" for f in self._fields)
        return f"{type(self).__qualname__}({inside})"

    def replace(self: _V, **changes: Any) -> _V:
        """A copy with ``changes`` (field names), as ``dataclasses.replace``."""
        unknown = set(changes) - set(self._fields)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no field {sorted(unknown)[0]!r}")
        return type(self)(**{f: changes.get(f, getattr(self, f)) for f in self._fields})


class Frozen(Record):
    """A :class:`Record` that is frozen: no assignment after construction (the constructor
    sets its fields with :meth:`_set`), and hashable over ``_compared``."""

    def __hash__(self) -> int:  # type: ignore[override]  # a frozen record is hashable
        return hash(self._values())

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"cannot assign to field {name!r}: {type(self).__name__} is frozen")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"cannot delete field {name!r}: {type(self).__name__} is frozen")

    def _set(self, **values: object) -> None:
        for name, value in values.items():
            object.__setattr__(self, name, value)


class VerifyingKey(Frozen):
    """``alpha_g1, beta_g2, gamma_g2, delta_g2`` and ``gamma_abc_g1`` (snarkjs's ``IC``).

    ``gamma_abc_g1[0]`` is the constant term; ``gamma_abc_g1[i]`` pairs with public input i.
    ``ceremony`` is False for a key made by a single party (development setup): such keys are
    only as trustworthy as whoever ran the setup, and every tool that loads one says so.
    ``metadata`` (what made the key) takes no part in equality or hashing.
    """

    _fields = ("alpha_g1", "beta_g2", "gamma_g2", "delta_g2", "gamma_abc_g1", "ceremony",
               "metadata")
    _compared = _fields[:-1]

    alpha_g1: G1Point
    beta_g2: G2Point
    gamma_g2: G2Point
    delta_g2: G2Point
    gamma_abc_g1: tuple[G1Point, ...]
    ceremony: bool
    metadata: dict[str, str]

    def __init__(
        self,
        alpha_g1: G1Point,
        beta_g2: G2Point,
        gamma_g2: G2Point,
        delta_g2: G2Point,
        gamma_abc_g1: tuple[G1Point, ...],
        ceremony: bool = False,
        metadata: dict[str, str] | None = None,
    ) -> None:
        self._set(
            alpha_g1=alpha_g1,
            beta_g2=beta_g2,
            gamma_g2=gamma_g2,
            delta_g2=delta_g2,
            gamma_abc_g1=gamma_abc_g1,
            ceremony=ceremony,
            metadata={} if metadata is None else metadata,
        )

    @property
    def n_public(self) -> int:
        return len(self.gamma_abc_g1) - 1


class Proof(Frozen):
    """A Groth16 proof ``(a, b, c)``; snarkjs calls them ``pi_a, pi_b, pi_c``.

    Proofs are malleable (anyone can re-randomise a valid proof into another valid one),
    so a proof's bytes must never serve as an identifier or a nullifier.
    """

    _fields = _compared = ("a", "b", "c")

    a: G1Point
    b: G2Point
    c: G1Point

    def __init__(self, a: G1Point, b: G2Point, c: G1Point) -> None:
        self._set(a=a, b=b, c=c)


def key_problems(vk: VerifyingKey) -> list[str]:
    """Why ``vk`` must not be used, or ``[]``.

    An identity ``alpha``, ``beta``, ``gamma`` or ``delta`` lets anyone forge: with
    ``gamma = 0`` (or ``delta = 0``) the pairing with it is 1, so the public-input term (or
    ``C``) drops out of the equation and any values satisfy it; with ``alpha`` or ``beta`` the
    identity, ``e(alpha, beta)`` is 1 and ``A = B = C = 0`` verifies. An identity ``IC[i]``
    (i >= 1) leaves public input i out of the check: any value of it verifies (``IC[0]``, the
    constant term, is refused too: no honest setup gives it).
    """
    out = []
    for name, pt in (("vk_alpha_1", vk.alpha_g1), ("vk_beta_2", vk.beta_g2),
                     ("vk_gamma_2", vk.gamma_g2), ("vk_delta_2", vk.delta_g2)):
        if pt.is_identity():
            out.append(f"{name} is the identity: anyone could forge proofs for this key")
    for i, pt in enumerate(vk.gamma_abc_g1):
        if pt.is_identity():
            out.append(
                f"IC[{i}] is the identity: "
                + ("the constant term is missing" if i == 0
                   else f"public input {i - 1} would not be bound by the proof")
            )
    return out
