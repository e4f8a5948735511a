"""How a statement declares its public inputs once: a frozen dataclass of typed fields.

A statement's public inputs are the fields of one dataclass, in ``public.json`` order, each
annotated with its range::

    @dataclass(frozen=True)
    class CollateralLockPublic(PublicInputs):
        root: Fr            # a field element, < r
        destChainId: U64    # 0 .. 2^64 - 1
        owner: U160         # an address
        ...

Everything else reads that one declaration: the circuit (its public signals, in that order),
the prover (``to_list``), the verifiers and files (``from_list``, ``from_json``: decimal strings
as in ``public.json``), the Solidity generator (names and Solidity types of the arguments) and
the venue. Field names are the circuit's signal names (PROTOCOL.md s.4), camelCase as there.

Construction checks every field against its range and names the field in the error
(:class:`~zkcollat.errors.InputError`); values are never reduced.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, ClassVar, Self, get_args, get_origin, get_type_hints

from zkcollat.errors import InputError
from zkcollat.field import R, parse_decimal


@dataclass(frozen=True)
class FieldType:
    """The range of a public input: ``bits`` wide (``None``: any field element below r)."""

    name: str
    bits: int | None
    #: The Solidity type that holds exactly this range (``address`` for uint160).
    solidity: str

    def check(self, value: object, what: str) -> int:
        """``value`` if it is an int within this range; else :class:`InputError` naming ``what``."""
        if isinstance(value, bool) or not isinstance(value, int):
            raise InputError(f"{what} must be an integer, got {type(value).__name__}")
        if self.bits is None:
            if not 0 <= value < R:
                raise InputError(
                    f"{what} = {value} is not a field element below r (inputs are never reduced)"
                )
        elif not 0 <= value < 1 << self.bits:
            raise InputError(f"{what} = {value} is not a {self.name} (0 .. 2^{self.bits} - 1)")
        return value

    def solidity_word(self, name: str) -> str:
        """A Solidity expression turning argument ``name`` of this type into a uint256 word."""
        return f"uint256(uint160({name}))" if self.solidity == "address" else name


FR = FieldType("field element", None, "uint256")
UINT64 = FieldType("uint64", 64, "uint64")
UINT128 = FieldType("uint128", 128, "uint128")
UINT160 = FieldType("uint160", 160, "address")

Fr = Annotated[int, FR]
U64 = Annotated[int, UINT64]
U128 = Annotated[int, UINT128]
U160 = Annotated[int, UINT160]


@dataclass(frozen=True)
class PublicInputs:
    """Base of each statement's typed public inputs (subclasses are frozen dataclasses)."""

    #: The statement's title, as in PROTOCOL.md s.4 (``CollateralLock``).
    statement: ClassVar[str] = ""
    #: True when the circuit's public signals are an encoding of these fields (packed words)
    #: rather than the fields themselves; the circuit then declares its own ``Public()``s.
    encoded: ClassVar[bool] = False

    def __post_init__(self) -> None:
        for name, ftype in self.schema():
            ftype.check(getattr(self, name), f"{self.statement} public input {name}")

    @classmethod
    def schema(cls) -> tuple[tuple[str, FieldType], ...]:
        """``(name, type)`` of each public input, in ``public.json`` order."""
        return _schema(cls)

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(name for name, _ in cls.schema())

    @classmethod
    def types(cls) -> tuple[FieldType, ...]:
        return tuple(t for _, t in cls.schema())

    def to_list(self) -> list[int]:
        """The public signals in circuit order (what ``groth16.verify`` takes)."""
        return [getattr(self, name) for name in self.names()]

    def to_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.names()}

    def to_json(self) -> list[str]:
        """The ``public.json`` array: decimal strings in circuit order."""
        return [str(v) for v in self.to_list()]

    @classmethod
    def from_list(cls, values: Sequence[int]) -> Self:
        """From the public signals in circuit order; wrong count or range names the field."""
        names = cls.names()
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
            raise InputError(f"{cls.statement} public inputs must be a list of integers")
        if len(values) != len(names):
            raise InputError(
                f"{cls.statement} has {len(names)} public inputs ({', '.join(names)}); "
                f"got {len(values)}"
            )
        return cls(**dict(zip(names, values, strict=True)))

    @classmethod
    def from_dict(cls, values: Mapping[str, int]) -> Self:
        """From a mapping by name; a missing or unexpected name is an error naming it."""
        names = cls.names()
        missing = [n for n in names if n not in values]
        extra = sorted(set(values) - set(names))
        if missing or extra:
            raise InputError(
                f"{cls.statement} public inputs: missing {missing}, unexpected {extra}; "
                f"expected exactly {list(names)}"
            )
        return cls(**{n: values[n] for n in names})

    @classmethod
    def from_json(cls, data: object) -> Self:
        """From ``public.json`` (its text, or the parsed array of decimal strings)."""
        if isinstance(data, (str, bytes)):
            try:
                data = json.loads(data)
            except json.JSONDecodeError as e:
                raise InputError(f"{cls.statement} public signals are not valid JSON: {e}") from e
        if not isinstance(data, list):
            raise InputError(f"{cls.statement} public signals must be a JSON array of strings")
        names = cls.names()
        if len(data) != len(names):
            raise InputError(
                f"{cls.statement} has {len(names)} public inputs ({', '.join(names)}); "
                f"got {len(data)}"
            )
        try:
            values = [
                parse_decimal(v, R, f"public input {n}")
                for n, v in zip(names, data, strict=True)
            ]
        except ValueError as e:
            raise InputError(f"{cls.statement}: {e}") from e
        return cls.from_list(values)


_SCHEMAS: dict[type[PublicInputs], tuple[tuple[str, FieldType], ...]] = {}


def _schema(cls: type[PublicInputs]) -> tuple[tuple[str, FieldType], ...]:
    if cls in _SCHEMAS:
        return _SCHEMAS[cls]
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls.__name__} must be a dataclass")
    hints = get_type_hints(cls, include_extras=True)
    out = []
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        types = [m for m in get_args(hint)[1:] if isinstance(m, FieldType)]
        if get_origin(hint) is not Annotated or len(types) != 1:
            raise TypeError(f"{cls.__name__}.{f.name} must be annotated Fr, U64, U128 or U160")
        out.append((f.name, types[0]))
    _SCHEMAS[cls] = tuple(out)
    return _SCHEMAS[cls]
