"""The base class of a statement's circuit: public inputs from its ``PublicInputs`` dataclass.

A statement's circuit names its dataclass (``public_inputs = CollateralLockPublic``) instead of
declaring ``Public()`` attributes: each field becomes a public signal, in field order, so the
list exists once. Private inputs are declared on the circuit as usual (``Private()``), and so
are the parameters (``depth``, ``bits``) with their defaults in ``__init__``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from zkcollat.errors import CircuitError
from zkcollat.r1cs import Circuit, Public
from zkcollat.statements.schema import PublicInputs

if TYPE_CHECKING:
    from zkcollat.r1cs import LinComb


class StatementCircuit(Circuit):
    """A statement of PROTOCOL.md s.4: ``name``, ``title``, ``version``, ``public_inputs``."""

    #: The statement's name in PROTOCOL.md (``CollateralLock``).
    title: ClassVar[str] = ""
    #: Bumped whenever the statement's constraints or inputs change.
    version: ClassVar[int] = 1
    #: Where PROTOCOL.md defines it.
    section: ClassVar[str] = ""
    #: The typed public inputs, in public.json order.
    public_inputs: ClassVar[type[PublicInputs]]

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        schema = cls.__dict__.get("public_inputs")
        if schema is None:
            return
        if schema.statement != cls.title:
            raise CircuitError(
                f"{cls.__name__}.public_inputs is {schema.__name__} of statement "
                f"{schema.statement!r}, not {cls.title!r}"
            )
        if schema.encoded:  # the circuit declares its own (packed) public signals
            return
        for name in schema.names():
            if name in cls.__dict__:
                raise CircuitError(f"{cls.__name__} declares public input {name!r} twice")
            signal = Public()
            signal.__set_name__(cls, name)
            setattr(cls, name, signal)

    if TYPE_CHECKING:
        # The public signals installed above, for type checkers: ``self.root`` in ``define``.
        def __getattr__(self, name: str) -> LinComb: ...
