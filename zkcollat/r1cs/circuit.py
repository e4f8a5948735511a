"""The circuit base class: inputs declared by name, one ``define(api)``.

Example::

    class CollateralLock(Circuit):
        name = "collateral_lock"

        root = Public()
        destChainId = Public()
        ...
        pathElements = Private(size="depth")   # an array sized by a parameter
        pathIndices = Private(size="depth")

        def __init__(self, depth: int = 20) -> None:
            super().__init__(depth=depth)

        def define(self, api: Api) -> None:
            leaf = poseidon(api, [self.lockId, ...])
            api.assert_equal(merkle_root(api, leaf, self.pathElements, self.pathIndices), self.root)

    cs = CollateralLock(20).compile()          # compiled once per (class, parameters)
    w = cs.solve({"root": "...", ...})        # an input.json object

Public inputs take wires ``1..nPublic`` in declaration order, private inputs follow; the order
of ``Public()`` attributes is the order of ``public.json``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import ClassVar, Generic, Self, TypeVar, cast, overload

from zkcollat.errors import CircuitError
from zkcollat.r1cs.builder import Api
from zkcollat.r1cs.lc import LinComb
from zkcollat.r1cs.system import ConstraintSystem, InputSpec

#: The size of an array input: an int, the name of a circuit parameter, or a function of
#: the circuit instance.
ArraySize = int | str | Callable[["Circuit"], int]
SizeSpec = ArraySize | None

#: What an input is inside ``define``: one signal, or a list of them for an array.
S = TypeVar("S", LinComb, list[LinComb])


class Input(Generic[S]):
    """An input declared on a :class:`Circuit` subclass (use :class:`Public` / :class:`Private`).

    ``size`` makes it a 1-D array: an int, the name of a circuit parameter, or a callable
    taking the circuit instance. Inside ``define``, ``self.<name>`` is a signal (a
    :class:`LinComb`), or a list of signals for an array.
    """

    public: ClassVar[bool] = False

    def __init__(self, size: SizeSpec = None) -> None:
        self.size = size
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def resolve_size(self, circuit: Circuit) -> int | None:
        s = self.size
        if s is None:
            return None
        if isinstance(s, str):
            s = getattr(circuit, s)
        elif callable(s):
            s = s(circuit)
        if isinstance(s, bool) or not isinstance(s, int) or s < 1:
            raise CircuitError(f"input {self.name!r} must have a size >= 1, got {s!r}")
        return s

    @overload
    def __get__(self, obj: None, objtype: type | None = None) -> Self: ...

    @overload
    def __get__(self, obj: Circuit, objtype: type | None = None) -> S: ...

    def __get__(self, obj: Circuit | None, objtype: type | None = None) -> Self | S:
        if obj is None:
            return self
        signals = obj.__dict__.get("_signals")
        if signals is None:
            raise CircuitError(
                f"input {self.name!r} of {type(obj).__name__} is a signal only inside define(api)"
            )
        return cast(S, signals[self.name])


class Public(Input[S]):
    """A public input: part of ``public.json`` and of the verifier's public signals."""

    public = True

    @overload
    def __init__(self: Public[LinComb], size: None = None) -> None: ...

    @overload
    def __init__(self: Public[list[LinComb]], size: ArraySize) -> None: ...

    def __init__(self, size: SizeSpec = None) -> None:
        super().__init__(size)


class Private(Input[S]):
    """A private input (witness only)."""

    public = False

    @overload
    def __init__(self: Private[LinComb], size: None = None) -> None: ...

    @overload
    def __init__(self: Private[list[LinComb]], size: ArraySize) -> None: ...

    def __init__(self, size: SizeSpec = None) -> None:
        super().__init__(size)


_CACHE: dict[tuple[type, Hashable], ConstraintSystem] = {}
_RESERVED = frozenset(
    {"name", "params", "define", "compile", "solve", "declared_inputs", "scope_name", "cache_key"}
)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class Circuit:
    """Base class of statements written in Python; subclasses declare inputs and ``define``.

    Parameters (for example ``depth``) are passed to ``__init__`` as keywords and become
    attributes; they must be hashable, since the compiled system is cached per
    ``(class, parameters)``. Annotate them on the class (``depth: int``) so that type checkers
    know ``self.depth`` inside ``define``.
    """

    #: Root scope name of the constraints (defaults to the class name in snake_case).
    name: ClassVar[str] = ""

    def __init__(self, **params: Hashable) -> None:
        declared = {i.name for i in self.declared_inputs()}
        for k, v in params.items():
            if k in declared:
                raise CircuitError(f"parameter {k!r} of {type(self).__name__} shadows an input")
            setattr(self, k, v)
        self.params: dict[str, Hashable] = dict(params)

    @classmethod
    def declared_inputs(cls) -> list[Input[LinComb] | Input[list[LinComb]]]:
        """Inputs in declaration order (base classes first)."""
        seen: dict[str, Input[LinComb] | Input[list[LinComb]]] = {}
        for klass in reversed(cls.__mro__):
            for k, v in vars(klass).items():
                if isinstance(v, Input):
                    if k in _RESERVED:
                        raise CircuitError(f"input name {k!r} is reserved by Circuit; rename it")
                    seen.pop(k, None)
                    seen[k] = v
        return list(seen.values())

    @classmethod
    def scope_name(cls) -> str:
        return cls.name or _snake(cls.__name__)

    def define(self, api: Api) -> None:
        """Add the statement's constraints; the inputs are available as ``self.<name>``."""
        raise NotImplementedError(f"{type(self).__name__} must implement define(api)")

    def cache_key(self) -> tuple[type, Hashable]:
        try:
            key = tuple(sorted(self.__dict__.get("params", {}).items()))
            hash(key)
        except TypeError as e:
            raise CircuitError(f"parameters of {type(self).__name__} must be hashable: {e}") from e
        return (type(self), key)

    def compile(self, use_cache: bool = True) -> ConstraintSystem:
        """Run ``define`` once and return the :class:`ConstraintSystem` (cached)."""
        key = self.cache_key()
        if use_cache and key in _CACHE:
            return _CACHE[key]
        cs = self._compile()
        if use_cache:
            _CACHE[key] = cs
        return cs

    def _compile(self) -> ConstraintSystem:
        name = self.scope_name()
        api = Api(name)
        decl = self.declared_inputs()
        if not decl:
            raise CircuitError(f"{type(self).__name__} declares no inputs")
        specs: list[InputSpec] = []
        signals: dict[str, LinComb | list[LinComb]] = {}
        for inp in [i for i in decl if i.public] + [i for i in decl if not i.public]:
            size = inp.resolve_size(self)
            spec = InputSpec(inp.name, inp.public, size, api.n_wires)
            wires = [api._input_wire(label) for label in spec.labels()]
            signals[inp.name] = wires[0] if size is None else wires
            specs.append(spec)
        self.__dict__["_signals"] = signals
        try:
            with api.scope(name):
                self.define(api)
        finally:
            del self.__dict__["_signals"]
        return ConstraintSystem(api, specs)

    # Conveniences: solve through the cached system.
    def solve(self, inputs: Mapping[str, object]) -> list[int]:
        """``self.compile().solve(inputs)``."""
        return self.compile().solve(inputs)


def clear_cache() -> None:
    """Forget every compiled system (tests use it to measure compilation)."""
    _CACHE.clear()


InputDecl = str | tuple[str, int]


def circuit(
    *, public: Sequence[InputDecl] = (), private: Sequence[InputDecl] = (), name: str = ""
) -> Callable[[Callable[..., None]], Circuit]:
    """Turn ``fn(api, **inputs)`` into a parameterless :class:`Circuit` instance.

    Inputs are names or ``(name, size)`` pairs for arrays; ``fn`` receives each as a keyword
    argument::

        @circuit(public=["y"], private=["x"])
        def square(api, y, x):
            api.assert_equal(api.mul(x, x), y)

        cs = square.compile()
    """

    def deco(fn: Callable[..., None]) -> Circuit:
        attrs: dict[str, object] = {}
        order: list[str] = []
        for decls, kind in ((public, Public), (private, Private)):
            for d in decls:
                n, size = (d, None) if isinstance(d, str) else d
                if n in attrs:
                    raise CircuitError(f"input {n!r} of {fn.__name__} is declared twice")
                attrs[n] = kind(size)
                order.append(n)

        def define(self: Circuit, api: Api) -> None:
            fn(api, **{n: getattr(self, n) for n in order})

        attrs["define"] = define
        attrs["name"] = name or fn.__name__
        attrs["__doc__"] = fn.__doc__
        cls = type("".join(p.title() for p in fn.__name__.split("_")), (Circuit,), attrs)
        return cast(Circuit, cls())

    return deco
