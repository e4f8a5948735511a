"""BN254 points and the backend that does their heavy arithmetic."""

from zkcollat.curve.backend import (
    COSET_SHIFT,
    Backend,
    PointVector,
    available_backends,
    get_backend,
    load_backend,
    set_backend,
    use_backend,
)
from zkcollat.curve.hashing import poseidon_many
from zkcollat.curve.points import (
    G1_GENERATOR,
    G1_IDENTITY,
    G2_GENERATOR,
    G2_IDENTITY,
    G1Point,
    G2Point,
)

__all__ = [
    "COSET_SHIFT",
    "G1_GENERATOR",
    "G1_IDENTITY",
    "G2_GENERATOR",
    "G2_IDENTITY",
    "Backend",
    "G1Point",
    "G2Point",
    "PointVector",
    "available_backends",
    "get_backend",
    "load_backend",
    "poseidon_many",
    "set_backend",
    "use_backend",
]
