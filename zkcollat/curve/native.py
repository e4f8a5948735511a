"""The native backend: ``zkcollat._native`` (Rust, arkworks) behind the Backend interface.

Points cross the boundary as bytes: G1 as ``x || y`` (64 bytes), G2 as
``x.c0 || x.c1 || y.c0 || y.c1`` (128 bytes), identity as zeros; scalars as 32-byte
big-endian words. Every decode on the Rust side checks range and curve membership (and
the G2 subgroup where the operation needs it), and raises ``zkcollat.errors`` exceptions.
"""

from __future__ import annotations

import functools
import sys
from array import array
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, cast

from zkcollat import _native
from zkcollat.curve.backend import (
    Backend,
    FusedProver,
    PointVector,
    PreparedVerifyingKey,
    Scalars,
    WitnessProgram,
)
from zkcollat.curve.points import G1Point, G2Point
from zkcollat.errors import FieldError, LengthMismatch, PointError
from zkcollat.field import R, pack_fr, unpack_fr

if TYPE_CHECKING:
    import weakref


# Results of the Rust side are canonical points: they are read back without re-checking.
def g1_unpack(b: bytes) -> G1Point:
    return G1Point(int.from_bytes(b[:32], "big"), int.from_bytes(b[32:64], "big"))


def g2_unpack(b: bytes) -> G2Point:
    w = [int.from_bytes(b[i : i + 32], "big") for i in range(0, 128, 32)]
    return G2Point((w[0], w[1]), (w[2], w[3]))


def _scalar(k: int) -> bytes:
    if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k < R:
        raise FieldError(f"scalar = {k!r} is not an element of F_r (0 <= s < r)")
    return k.to_bytes(32, "big")


def _buf(scalars: Scalars) -> bytes:
    return bytes(scalars) if isinstance(scalars, (bytes, bytearray)) else pack_fr(scalars)


def _u32(xs: Sequence[int]) -> bytes:
    """Little-endian u32 words (indices handed to the Rust side, which checks their bounds)."""
    a = array("I", xs)
    if sys.byteorder != "little":
        a.byteswap()
    return a.tobytes()


def _check_coords(values: Sequence[int], what: str) -> None:
    # Coordinates travel as 32-byte words: anything that does not fit is out of range anyway.
    for v in values:
        if not 0 <= v < 2**256:
            raise PointError(f"{what} has a coordinate {v} that is not below p")


#: An extension built before the Groth16 kernels (a stale local build) lacks them: the
#: generic prover and verifier of zkcollat.groth16 then run on its primitives instead.
#: The benchmarks refuse such a build (benchmarks/native_only.py).
HAS_GROTH16_KERNELS = hasattr(_native, "PreparedVk") and hasattr(_native, "Prover")
# An extension whose prover takes ``b_g2_in_g2`` (B2 split by G2's endomorphism).
_HAS_B2_SPLIT = HAS_GROTH16_KERNELS and "b_g2_in_g2" in str(
    getattr(_native.Prover, "__text_signature__", None)
)


def _b_g2_kw(in_g2: bool) -> dict[str, bool]:
    """The prover's ``b_g2_in_g2`` keyword when the key's B2 points are known in G2 (and the
    extension takes it); nothing otherwise, the plain sum."""
    return {"b_g2_in_g2": True} if in_g2 and _HAS_B2_SPLIT else {}
#: The native witness solver (an older build lacks it: circuits are then solved in Python).
HAS_WITNESS_SOLVER = hasattr(_native, "WitnessProgram")

#: Native copies of constraint systems' matrices, dropped with the system (made on first use:
#: weakref is not imported by ``prove --zkey --wtns``, which proves from a key's sections).
_R1CS: weakref.WeakKeyDictionary[Any, Any] | None = None


@functools.cache
def _poseidon(n_inputs: int) -> Any:
    """The native permutation for one width, with circomlib's optimised constants."""
    from zkcollat.hash.poseidon import poseidon_constants_opt

    c, s, m, p, n_full, n_partial = poseidon_constants_opt(n_inputs)
    flat_m = pack_fr(x for row in m for x in row)
    flat_p = pack_fr(x for row in p for x in row)
    return _native.PoseidonOpt(
        n_inputs + 1, n_full, n_partial, pack_fr(c), pack_fr(s), flat_m, flat_p
    )


class _NativeVector(PointVector):
    """A ``G1Vec`` or ``G2Vec`` of the Rust module; ``unpack`` turns its results into points."""

    def __init__(self, vec: Any, unpack: Callable[[bytes], Any]) -> None:
        self._vec = vec
        self._unpack = unpack

    @classmethod
    def g1(cls, data: bytes) -> _NativeVector:
        return cls(_native.G1Vec(data), g1_unpack)

    @classmethod
    def g2(cls, data: bytes, *, subgroup: bool = True) -> _NativeVector:
        return cls(_native.G2Vec(data, subgroup=subgroup), g2_unpack)

    def __len__(self) -> int:
        return len(self._vec)

    def msm(self, scalars: Scalars) -> Any:
        buf = _buf(scalars)
        if len(buf) // 32 != len(self._vec):
            raise LengthMismatch(f"MSM has {len(self._vec)} points but {len(buf) // 32} scalars")
        return self._unpack(self._vec.msm_range(0, buf))

    def msm_range(self, start: int, scalars: Scalars) -> Any:
        return self._unpack(self._vec.msm_range(start, _buf(scalars)))


class _NativePreparedVk(PreparedVerifyingKey):
    def __init__(self, handle: Any) -> None:
        self._h = handle

    def verify(self, public: bytes, proof: bytes) -> bool:
        return bool(self._h.verify(public, proof))

    def verify_batch(self, public: bytes, proofs: bytes, coeffs: bytes) -> list[tuple[int, str]]:
        return [(int(i), str(why)) for i, why in self._h.verify_batch(public, proofs, coeffs)]


class _NativeProver(FusedProver):
    def __init__(self, backend: NativeBackend, handle: Any) -> None:
        self._backend = backend
        self._h = handle
        self.holds_queries = hasattr(handle, "query")  # not in an extension built before it

    def query_bytes(self, name: str) -> bytes | None:
        return cast(bytes, self._h.query(name)) if self.holds_queries else None

    def prove(
        self, cs: Any, witness: bytes, r: int, s: int
    ) -> tuple[G1Point, G2Point, G1Point] | int:
        out = self._h.prove(self._backend.r1cs(cs), witness, _scalar(r), _scalar(s))
        if isinstance(out, int):
            return out
        return g1_unpack(out[0]), g2_unpack(out[1]), g1_unpack(out[2])

    def prove_zkey(
        self, coeffs: bytes, witness: bytes, r: int, s: int
    ) -> tuple[G1Point, G2Point, G1Point] | None:
        if not hasattr(self._h, "prove_zkey"):  # an extension built before it
            return None
        out = self._h.prove_zkey(coeffs, witness, _scalar(r), _scalar(s))
        return g1_unpack(out[0]), g2_unpack(out[1]), g1_unpack(out[2])


class NativeBackend(Backend):
    """Rust/arkworks backend (see the module docstring)."""

    name = "native"

    def g1_add(self, a: G1Point, b: G1Point) -> G1Point:
        _check_coords((*a, *b), "G1 point")
        return g1_unpack(_native.g1_add(a.to_bytes(), b.to_bytes()))

    def g1_neg(self, a: G1Point) -> G1Point:
        _check_coords(a, "G1 point")
        return g1_unpack(_native.g1_neg(a.to_bytes()))

    def g1_mul(self, a: G1Point, k: int) -> G1Point:
        _check_coords(a, "G1 point")
        return g1_unpack(_native.g1_mul(a.to_bytes(), _scalar(k)))

    def g1_vector(self, points: Sequence[G1Point]) -> PointVector:
        for p in points:
            _check_coords(p, "G1 point")
        return _NativeVector.g1(b"".join(p.to_bytes() for p in points))

    def g1_vector_from_bytes(self, data: bytes) -> PointVector:
        return _NativeVector.g1(data)

    def g2_vector_from_bytes(self, data: bytes, *, subgroup: bool = True) -> PointVector:
        return _NativeVector.g2(data, subgroup=subgroup)

    def r1cs(self, cs: Any) -> Any:
        """The native copy of a constraint system's matrices (made once per system)."""
        global _R1CS
        if _R1CS is None:
            import weakref

            _R1CS = weakref.WeakKeyDictionary()
        handle = _R1CS.get(cs)
        if handle is None:
            if hasattr(_native.R1cs, "indexed"):
                # u32 arrays and one table of distinct values: no 32-byte word per entry (a
                # key's circuit hands over its own arrays)
                a, b, c, table = cs.indexed_matrices()
                handle = _native.R1cs.indexed(cs.n_wires, cs.n_public, a, b, c, table)
            else:  # an extension built before the indexed form
                mats = [(m.row_ptr, m.cols, m.packed_vals()) for m in cs.matrices()]
                handle = _native.R1cs(cs.n_wires, cs.n_public, *mats)
            _R1CS[cs] = handle
        return handle

    def qap_rows(self, cs: Any, witness: bytes, n: int) -> tuple[bytes, bytes, bytes] | int:
        out = self.r1cs(cs).rows(witness, n)
        return out if isinstance(out, int) else (bytes(out[0]), bytes(out[1]), bytes(out[2]))

    def quotient_packed(self, a: bytes, b: bytes, c: bytes) -> bytes:
        return bytes(_native.quotient(a, b, c))

    def g1_batch_mul(self, base: G1Point, scalars: Scalars) -> list[G1Point]:
        _check_coords(base, "G1 point")
        out = _native.g1_batch_mul(base.to_bytes(), _buf(scalars))
        return [g1_unpack(out[i : i + 64]) for i in range(0, len(out), 64)]

    def g2_batch_mul(self, base: G2Point, scalars: Scalars) -> list[G2Point]:
        _check_coords((*base.x, *base.y), "G2 point")
        out = _native.g2_batch_mul(base.to_native_bytes(), _buf(scalars))
        return [g2_unpack(out[i : i + 128]) for i in range(0, len(out), 128)]

    def g2_add(self, a: G2Point, b: G2Point) -> G2Point:
        _check_coords((*a.x, *a.y, *b.x, *b.y), "G2 point")
        return g2_unpack(_native.g2_add(a.to_native_bytes(), b.to_native_bytes()))

    def g2_neg(self, a: G2Point) -> G2Point:
        _check_coords((*a.x, *a.y), "G2 point")
        return g2_unpack(_native.g2_neg(a.to_native_bytes()))

    def g2_mul(self, a: G2Point, k: int) -> G2Point:
        _check_coords((*a.x, *a.y), "G2 point")
        return g2_unpack(_native.g2_mul(a.to_native_bytes(), _scalar(k)))

    def g2_in_subgroup(self, a: G2Point) -> bool:
        if not a.is_on_curve():
            return False
        return bool(_native.g2_in_subgroup(a.to_native_bytes()))

    def g2_vector(self, points: Sequence[G2Point]) -> PointVector:
        for p in points:
            _check_coords((*p.x, *p.y), "G2 point")
        return _NativeVector.g2(b"".join(p.to_native_bytes() for p in points))

    def fft(self, coeffs: Sequence[int]) -> list[int]:
        return unpack_fr(_native.fft(pack_fr(coeffs, "value")))

    def ifft(self, evals: Sequence[int]) -> list[int]:
        return unpack_fr(_native.fft(pack_fr(evals, "value"), inverse=True))

    def coset_fft(self, coeffs: Sequence[int]) -> list[int]:
        return unpack_fr(_native.fft(pack_fr(coeffs, "value"), coset=True))

    def coset_ifft(self, evals: Sequence[int]) -> list[int]:
        return unpack_fr(_native.fft(pack_fr(evals, "value"), inverse=True, coset=True))

    def fft_packed(self, values: bytes, *, inverse: bool = False, coset: bool = False) -> bytes:
        return bytes(_native.fft(values, inverse=inverse, coset=coset))

    def poseidon_packed(self, n_inputs: int, inputs: bytes) -> bytes:
        return bytes(_poseidon(n_inputs).hash_many(inputs))

    def prepare_vk(
        self,
        alpha_g1: G1Point,
        beta_g2: G2Point,
        gamma_g2: G2Point,
        delta_g2: G2Point,
        gamma_abc_g1: Sequence[G1Point],
    ) -> PreparedVerifyingKey | None:
        if not HAS_GROTH16_KERNELS:
            return None
        _check_coords((*alpha_g1, *(c for p in gamma_abc_g1 for c in p)), "vk G1 point")
        for q in (beta_g2, gamma_g2, delta_g2):
            _check_coords((*q.x, *q.y), "vk G2 point")
        handle = _native.PreparedVk(
            alpha_g1.to_bytes(),
            beta_g2.to_native_bytes(),
            gamma_g2.to_native_bytes(),
            delta_g2.to_native_bytes(),
            b"".join(p.to_bytes() for p in gamma_abc_g1),
        )
        return _NativePreparedVk(handle)

    def has_witness_solver(self) -> bool:
        return HAS_WITNESS_SOLVER

    def witness_program(
        self,
        n_wires: int,
        n_inputs: int,
        lc_ptr: bytes,
        term_wire: bytes,
        term_coeff: bytes,
        coeffs: bytes,
        steps: bytes,
        outs: bytes,
    ) -> WitnessProgram | None:
        if not HAS_WITNESS_SOLVER:
            return None
        handle: WitnessProgram = _native.WitnessProgram(
            n_wires, n_inputs, lc_ptr, term_wire, term_coeff, coeffs, steps, outs
        )
        return handle

    def fused_prover(self, pk: Any) -> FusedProver | None:
        if not HAS_GROTH16_KERNELS:
            return None
        vk = pk.vk
        handle = _native.Prover(
            vk.alpha_g1.to_bytes(),
            pk.beta_g1.to_bytes(),
            pk.delta_g1.to_bytes(),
            vk.beta_g2.to_native_bytes(),
            vk.delta_g2.to_native_bytes(),
            pk.a_query,
            pk.b_g1_query,
            pk.b_g2_query,
            pk.h_query,
            pk.l_query,
            pk.n_public,
            pk.n_wires,
            pk.domain_size,
            **_b_g2_kw(pk.b_g2_in_g2),
        )
        return _NativeProver(self, handle)

    def zkey_fused_prover(
        self, zk: Any, h_query: bytes, *, b_g2_in_g2: bool = False
    ) -> FusedProver | None:
        if not HAS_GROTH16_KERNELS or not hasattr(_native.Prover, "from_lem"):
            return None  # an extension built before it
        handle = _native.Prover.from_lem(
            zk.alpha_g1,
            zk.beta_g1,
            zk.delta_g1,
            zk.beta_g2,
            zk.delta_g2,
            zk.a,
            zk.b1,
            zk.b2,
            zk.c,
            h_query,
            zk.n_public,
            zk.n_vars,
            zk.domain_size,
            **_b_g2_kw(b_g2_in_g2),
        )
        return _NativeProver(self, handle)

    def pairing_check(
        self, pairs: Sequence[tuple[G1Point, G2Point]], *, subgroup_checked: bool = False
    ) -> bool:
        for p, q in pairs:
            _check_coords((*p, *q.x, *q.y), "pairing input")
        g1s = b"".join(p.to_bytes() for p, _ in pairs)
        g2s = b"".join(q.to_native_bytes() for _, q in pairs)
        return bool(_native.pairing_check(g1s, g2s, subgroup=not subgroup_checked))
