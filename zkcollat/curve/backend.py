"""The backend interface: every heavy BN254 operation zkcollat performs goes through here.

Two implementations exist and must agree bit for bit:

* ``reference`` (``zkcollat.curve.reference``): pure Python on py_ecc, written to be read;
* ``native`` (``zkcollat.curve.native``): the Rust module ``zkcollat._native`` on arkworks.

Selection: ``native`` whenever it imports, unless ``ZKCOLLAT_BACKEND`` says otherwise or
:func:`set_backend` / :func:`use_backend` choose one. Asking for ``native`` when the
extension is missing raises :class:`~zkcollat.errors.BackendError`.

Conventions shared by both implementations:

* Points are :class:`~zkcollat.curve.points.G1Point` / ``G2Point`` (affine ints, identity = 0).
  Points handed to a backend must already be valid (on curve); constructors in
  ``zkcollat.curve.points`` check untrusted data. Operations check anyway and raise
  :class:`~zkcollat.errors.PointError` for off-curve input.
* Scalars are ints in ``[0, r)``. A scalar ``>= r`` or negative raises
  :class:`~zkcollat.errors.FieldError`: nothing is silently reduced.
* Bulk scalars may be passed as one ``bytes`` buffer of 32-byte big-endian words
  (:func:`zkcollat.field.pack_fr`), which the native side reads without per-element Python work.
* FFTs work on a power-of-two number of F_r elements. ``coset_*`` use the coset
  ``COSET_SHIFT * <omega>`` with ``COSET_SHIFT`` = 5 (the multiplicative generator of F_r).
"""

from __future__ import annotations

import contextlib
import os
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

from zkcollat.curve.points import G1Point, G2Point
from zkcollat.errors import BackendError

Scalars = bytes | Sequence[int]

#: Multiplicative generator of F_r*, used as the coset shift of ``coset_fft``.
COSET_SHIFT = 5


class PointVector(ABC):
    """A vector of points held by a backend, loaded once and reused for many MSMs."""

    @abstractmethod
    def __len__(self) -> int: ...

    @abstractmethod
    def msm(self, scalars: Scalars) -> G1Point | G2Point:
        """``sum(s_i * P_i)``; ``len(scalars)`` must equal ``len(self)`` (else LengthMismatch)."""

    @abstractmethod
    def msm_range(self, start: int, scalars: Scalars) -> G1Point | G2Point:
        """``sum(s_i * P_{start+i})``: an MSM over the slice of points beginning at ``start``."""


class PreparedVerifyingKey(ABC):
    """A Groth16 verifying key made ready for many checks by a backend (``Backend.prepare_vk``).

    Proofs are 256 bytes ``A (64) || B (128, native G2 order) || C (64)``; public inputs are
    packed 32-byte words. Malformed points (off curve, B outside G2) raise PointError naming
    ``proof.a``, ``proof.b`` or ``proof.c``; an input >= r raises
    FieldError; a wrong input count LengthMismatch.
    """

    @abstractmethod
    def verify(self, public: bytes, proof: bytes) -> bool:
        """True iff the proof is valid for the public inputs."""

    @abstractmethod
    def verify_batch(self, public: bytes, proofs: bytes, coeffs: bytes) -> list[tuple[int, str]]:
        """``(index, reason)`` of each invalid proof among ``len(proofs) // 256``, in index
        order (empty: all valid). ``coeffs`` holds one secret, non-zero random word per proof
        (the caller draws them); a proof that does not decode is invalid with the reason."""


class FusedProver(ABC):
    """A Groth16 prover that does rows, quotient, MSMs and combination in one backend call."""

    #: True when :meth:`query_bytes` gives the key's query vectors back: the key then need
    #: not keep its own copy of them.
    holds_queries: bool = False

    def query_bytes(self, name: str) -> bytes | None:
        """The key's query vector ``name`` (``a``, ``b_g1``, ``b_g2``, ``h`` or ``l``) in the
        key's layout, read back from the prover, or None when it cannot give it."""
        return None

    @abstractmethod
    def prove(
        self, cs: Any, witness: bytes, r: int, s: int
    ) -> tuple[G1Point, G2Point, G1Point] | int:
        """``(A, B, C)``, or the index of the first constraint the witness does not satisfy."""

    def prove_zkey(
        self, coeffs: bytes, witness: bytes, r: int, s: int
    ) -> tuple[G1Point, G2Point, G1Point] | None:
        """``(A, B, C)`` for a snarkjs key's circuit, the rows ``A.w``, ``B.w`` taken from the
        key's coefficient section (``C.w = A.w * B.w``), or None when this prover cannot (the
        caller then composes the proof from the rows). The proof is not checked: a witness
        that does not satisfy the circuit gives one that does not verify."""
        return None


class WitnessProgram(Protocol):
    """A circuit's witness solver in the backend (see ``zkcollat.r1cs.native``)."""

    def solve(self, inputs: bytes) -> bytes | int:
        """The packed witness for the packed input wire values (public then private), or the
        number of the first constraint the solver found unsatisfied."""


class Backend(ABC):
    """The operations of the BN254 core. See the module docstring for shared conventions."""

    name: str

    # --- G1 ---
    @abstractmethod
    def g1_add(self, a: G1Point, b: G1Point) -> G1Point: ...

    @abstractmethod
    def g1_neg(self, a: G1Point) -> G1Point: ...

    @abstractmethod
    def g1_mul(self, a: G1Point, k: int) -> G1Point: ...

    @abstractmethod
    def g1_vector(self, points: Sequence[G1Point]) -> PointVector: ...

    def g1_msm(self, points: Sequence[G1Point], scalars: Scalars) -> G1Point:
        pt = self.g1_vector(points).msm(scalars)
        assert isinstance(pt, G1Point)
        return pt

    def g1_vector_from_bytes(self, data: bytes) -> PointVector:
        """A vector from concatenated 64-byte ``x || y`` points (as key files store them)."""
        from zkcollat.curve.points import g1_from_bytes

        return self.g1_vector([g1_from_bytes(data[i : i + 64]) for i in range(0, len(data), 64)])

    def g1_batch_mul(self, base: G1Point, scalars: Scalars) -> list[G1Point]:
        """``[k * base for k in scalars]`` (fixed-base: one table, many scalars)."""
        from zkcollat.field import unpack_fr

        ks = unpack_fr(bytes(scalars)) if isinstance(scalars, (bytes, bytearray)) else scalars
        return [self.g1_mul(base, k) for k in ks]

    # --- G2 ---
    @abstractmethod
    def g2_add(self, a: G2Point, b: G2Point) -> G2Point: ...

    @abstractmethod
    def g2_neg(self, a: G2Point) -> G2Point: ...

    @abstractmethod
    def g2_mul(self, a: G2Point, k: int) -> G2Point: ...

    @abstractmethod
    def g2_in_subgroup(self, a: G2Point) -> bool:
        """True when ``a`` is on the twist and ``r * a`` is the identity."""

    @abstractmethod
    def g2_vector(self, points: Sequence[G2Point]) -> PointVector: ...

    def g2_msm(self, points: Sequence[G2Point], scalars: Scalars) -> G2Point:
        pt = self.g2_vector(points).msm(scalars)
        assert isinstance(pt, G2Point)
        return pt

    def g2_vector_from_bytes(self, data: bytes, *, subgroup: bool = True) -> PointVector:
        """A vector from concatenated 128-byte G2 points in native order x.c0, x.c1, y.c0, y.c1.

        Points are always checked to be on the twist; ``subgroup=False`` skips the (costly)
        r-subgroup check, for data whose integrity is established otherwise and whose
        corruption could only harm its owner (a prover's own key: a bad key yields proofs
        that fail verification, never false proofs that pass).
        """
        from zkcollat.curve.points import g2_from_native_bytes

        pts = [
            g2_from_native_bytes(data[i : i + 128], f"point[{i // 128}]", subgroup=False)
            for i in range(0, len(data), 128)
        ]
        if not subgroup:
            return self._g2_vector_unchecked(pts)
        return self.g2_vector(pts)

    def _g2_vector_unchecked(self, points: Sequence[G2Point]) -> PointVector:
        return self.g2_vector(points)

    def qap_rows(self, cs: Any, witness: bytes, n: int) -> tuple[bytes, bytes, bytes] | int:
        """``A.w, B.w, C.w`` of a constraint system on the size-n domain, packed, with the
        public-input rows ``A[m + i][i] = 1`` appended and zero padding (see groth16.qap);
        or, when some row has ``a * b != c``, the index of the first such constraint.

        ``cs`` is a ``zkcollat.r1cs.ConstraintSystem``; the native backend loads its matrices
        into Rust once per system.
        """
        from zkcollat.field import R, pack_fr, unpack_fr

        w = unpack_fr(witness)
        ma, mb, mc = cs.matrices()
        a, b, c = ma.mul_vec(w), mb.mul_vec(w), mc.mul_vec(w)
        for i, (x, y, z) in enumerate(zip(a, b, c, strict=True)):
            if x * y % R != z:
                return i
        a.extend(w[: cs.n_public + 1])
        pad = [0] * (n - len(b))
        return pack_fr(a + [0] * (n - len(a))), pack_fr(b + pad), pack_fr(c + pad)

    def quotient_packed(self, a: bytes, b: bytes, c: bytes) -> bytes:
        """Coefficients of ``h = (a*b - c) / (x^n - 1)`` from evaluations on the size-n domain.

        This is the Groth16 prover's H(x): a, b, c are the constraint rows A.w, B.w, C.w
        (zero-padded to n), packed 32-byte words; the division is done on the coset
        ``COSET_SHIFT * <omega>``, where ``x^n - 1`` is the non-zero constant ``COSET_SHIFT^n - 1``.
        """
        from zkcollat.field import R, pack_fr, unpack_fr

        n = len(a) // 32
        ca, cb, cc = (self.coset_fft(self.ifft(unpack_fr(v))) for v in (a, b, c))
        z_inv = pow((pow(COSET_SHIFT, n, R) - 1) % R, -1, R)
        quotient = [(x * y - z) * z_inv % R for x, y, z in zip(ca, cb, cc, strict=True)]
        return pack_fr(self.coset_ifft(quotient))

    def g2_batch_mul(self, base: G2Point, scalars: Scalars) -> list[G2Point]:
        """``[k * base for k in scalars]`` in G2."""
        from zkcollat.field import unpack_fr

        ks = unpack_fr(bytes(scalars)) if isinstance(scalars, (bytes, bytearray)) else scalars
        return [self.g2_mul(base, k) for k in ks]

    # --- F_r polynomials (radix-2 domains) ---
    @abstractmethod
    def fft(self, coeffs: Sequence[int]) -> list[int]:
        """Evaluations of the polynomial at ``omega^i``, ``omega`` of order ``len(coeffs)``."""

    @abstractmethod
    def ifft(self, evals: Sequence[int]) -> list[int]:
        """Coefficients from evaluations on the subgroup of order ``len(evals)``."""

    @abstractmethod
    def coset_fft(self, coeffs: Sequence[int]) -> list[int]:
        """Evaluations at ``COSET_SHIFT * omega^i``."""

    @abstractmethod
    def coset_ifft(self, evals: Sequence[int]) -> list[int]:
        """Coefficients from evaluations at ``COSET_SHIFT * omega^i``."""

    def fft_packed(self, values: bytes, *, inverse: bool = False, coset: bool = False) -> bytes:
        """Any of the four FFTs on a packed buffer of 32-byte big-endian words (bulk path).

        The native backend never turns the words into Python ints; the reference unpacks them.
        """
        from zkcollat.field import pack_fr, unpack_fr

        name = ("coset_" if coset else "") + ("ifft" if inverse else "fft")
        return pack_fr(getattr(self, name)(unpack_fr(values)))

    # --- hashing ---
    def poseidon_packed(self, n_inputs: int, inputs: bytes) -> bytes:
        """Poseidon of consecutive ``n_inputs``-tuples of packed words (each < r), packed.

        The bulk path for trees: one call hashes a whole level. The reference runs the plain
        function of ``zkcollat.hash`` tuple by tuple.
        """
        from zkcollat.errors import LengthMismatch
        from zkcollat.field import pack_fr, unpack_fr
        from zkcollat.hash.poseidon import poseidon_hash

        values = unpack_fr(inputs)
        if len(values) % n_inputs:
            raise LengthMismatch(f"{len(values)} inputs do not split into tuples of {n_inputs}")
        return pack_fr(
            poseidon_hash(values[i : i + n_inputs]) for i in range(0, len(values), n_inputs)
        )

    # --- Groth16 kernels (optional: None means "use the generic code of zkcollat.groth16") ---
    def prepare_vk(
        self,
        alpha_g1: G1Point,
        beta_g2: G2Point,
        gamma_g2: G2Point,
        delta_g2: G2Point,
        gamma_abc_g1: Sequence[G1Point],
    ) -> PreparedVerifyingKey | None:
        """A key prepared for fast verification (points checked, PointError naming the bad one),
        or None when the backend has no such kernel: the reference backend keeps the plain
        four-pairing check of ``zkcollat.groth16.verify``."""
        return None

    def fused_prover(self, pk: Any) -> FusedProver | None:
        """A one-call prover for a ``zkcollat.groth16.keys.ProvingKey``, or None (the generic
        prover of ``zkcollat.groth16.prove`` then composes the proof from MSMs). It may use
        G2's endomorphism for B2 when ``pk.b_g2_in_g2``; the proof is the same."""
        return None

    def zkey_fused_prover(
        self, zk: Any, h_query: bytes, *, b_g2_in_g2: bool = False
    ) -> FusedProver | None:
        """A one-call prover loaded from a snarkjs key's own sections (a
        ``zkcollat.formats.zkey.Zkey``: its points in the file's encoding, each checked on its
        curve) and ``h_query``, its H points in power form (zkcollat's layout), or None (the
        caller then converts the key: ``zkcollat.ceremony.keys.cached_pk``). ``b_g2_in_g2``:
        the caller knows the B2 points to be in G2 (checked when the file was converted)."""
        return None

    # --- witness solver (optional: without one, zkcollat.r1cs solves in Python) ---
    def has_witness_solver(self) -> bool:
        """Whether :meth:`witness_program` gives a native solver."""
        return False

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
        """A circuit's solver program (the arrays of ``zkcollat.r1cs.native``), or None."""
        return None

    # --- pairings ---
    @abstractmethod
    def pairing_check(
        self, pairs: Sequence[tuple[G1Point, G2Point]], *, subgroup_checked: bool = False
    ) -> bool:
        """True iff ``prod e(P_i, Q_i) == 1`` in G_T. An empty product is 1 (True).

        Every point is checked on its curve and every G2 point in the r-subgroup (PointError
        otherwise), unless the caller passes ``subgroup_checked=True`` because it has just
        checked the G2 points itself (the verifier, to name the offending point).
        """


_ENV = "ZKCOLLAT_BACKEND"
_instances: dict[str, Backend] = {}
_current: Backend | None = None


def available_backends() -> list[str]:
    """Names of the backends that load on this machine."""
    names = ["reference"]
    try:
        load_backend("native")
        names.append("native")
    except BackendError:
        pass
    return names


def _machine() -> str:
    """``platform.machine()`` (``uname -m`` where there is one: importing platform costs
    every process a few milliseconds)."""
    if hasattr(os, "uname"):
        return os.uname().machine
    import platform

    return platform.machine()


def missing_cpu_features(cpuinfo: str | None = None) -> list[str]:
    """The x86-64 features the Rust extension is compiled for (BMI2 and ADX, for arkworks'
    assembly: ``.cargo/config.toml``) that this CPU lacks, from ``cpuinfo`` (the text of
    ``/proc/cpuinfo``; read when None). Empty when it has them, on other architectures, or
    when there is nothing to go by."""
    if cpuinfo is None:
        if _machine().lower() not in ("x86_64", "amd64"):
            return []
        try:
            with open("/proc/cpuinfo", "rb") as f:  # bytes: no codec to look up (~0.3 ms)
                line = next((line for line in f if line.startswith(b"flags")), b"")
            cpuinfo = line.decode("ascii", errors="replace")
        except OSError:
            return []
    flags = next((line.partition(":")[2].split() for line in cpuinfo.splitlines()
                  if line.startswith("flags")), None)
    if flags is None:
        return []
    return [f for f in ("bmi2", "adx") if f not in flags]


def load_backend(name: str) -> Backend:
    """The backend called ``name`` (``reference`` or ``native``), loaded once."""
    if name in _instances:
        return _instances[name]
    if name == "reference":
        from zkcollat.curve.reference import ReferenceBackend

        backend: Backend = ReferenceBackend()
    elif name == "native":
        missing = missing_cpu_features()
        if missing:  # importing the extension would run instructions this CPU lacks (SIGILL)
            raise BackendError(
                f"the native backend is not available: this CPU lacks {', '.join(missing)}, "
                "which the Rust extension is compiled for (.cargo/config.toml: arkworks' "
                "assembly); rebuild it without those target features, or select "
                "ZKCOLLAT_BACKEND=reference"
            )
        try:
            from zkcollat.curve.native import NativeBackend
        except ImportError as exc:  # the compiled extension is missing or broken
            raise BackendError(
                "the native backend is not available (zkcollat._native did not import: "
                f"{exc}); reinstall with `pip install .` on a machine with cargo, "
                "or select ZKCOLLAT_BACKEND=reference"
            ) from exc
        backend = NativeBackend()
    else:
        raise BackendError(f"unknown backend {name!r}; choose 'reference' or 'native'")
    _instances[name] = backend
    return backend


def get_backend() -> Backend:
    """The active backend: explicit choice, else ``$ZKCOLLAT_BACKEND``, else native if present."""
    global _current
    if _current is None:
        wanted = os.environ.get(_ENV, "").strip()
        if wanted:
            _current = load_backend(wanted)
        else:
            try:
                _current = load_backend("native")
            except BackendError:
                _current = load_backend("reference")
    return _current


def set_backend(name: str) -> Backend:
    """Select the active backend by name for the whole process."""
    global _current
    _current = load_backend(name)
    return _current


@contextlib.contextmanager
def use_backend(name: str) -> Iterator[Backend]:
    """Temporarily select a backend: ``with use_backend("reference"): ...``."""
    global _current
    previous = _current
    _current = load_backend(name)
    try:
        yield _current
    finally:
        _current = previous
