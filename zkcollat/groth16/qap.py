"""From R1CS to QAP: the evaluation domain, the polynomials at tau (setup) and the witness
rows A.w, B.w, C.w (proving).

The domain has ``n = 2^k >= constraints + nPublic + 1`` points. As circom/snarkjs do, one
extra row per public wire (wire 0 included) is appended to A: row ``m + i`` is ``w_i * 0 = 0``
with ``A[m + i][i] = 1``. It makes the public wires' polynomials linearly independent, which
Groth16's soundness needs when a public input appears in no constraint of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zkcollat.curve.backend import Backend, get_backend
from zkcollat.errors import UnsatisfiedConstraint
from zkcollat.field import R

if TYPE_CHECKING:
    from zkcollat.r1cs.system import ConstraintSystem


def domain_size(cs: ConstraintSystem) -> int:
    """The power of two that holds every constraint plus the public-input rows."""
    rows = cs.n_constraints + cs.n_public + 1
    n = 1
    while n < rows:
        n *= 2
    return n


def circuit_digest(cs: ConstraintSystem) -> bytes:
    """SHA-256 over the wire counts and the three matrices: ties keys to one circuit."""
    cached = getattr(cs, "_zkcollat_digest", None)
    if isinstance(cached, bytes):
        return cached
    import hashlib  # here: a key's circuit carries its digest, and proving needs no OpenSSL

    h = hashlib.sha256()
    h.update(f"zkcollat-r1cs-v1:{cs.n_wires}:{cs.n_public}:{cs.n_constraints}".encode())
    for m in cs.matrices():
        h.update(len(m.row_ptr).to_bytes(8, "big"))
        h.update(b"".join(x.to_bytes(8, "big") for x in m.row_ptr))
        h.update(b"".join(x.to_bytes(8, "big") for x in m.cols))
        h.update(m.packed_vals())
    digest = h.digest()
    cs._zkcollat_digest = digest  # type: ignore[attr-defined]
    return digest


def lagrange_at(tau: int, n: int) -> list[int]:
    """``L_i(tau)`` for the size-n domain: ``(tau^n - 1) / n * omega^i / (tau - omega^i)``."""
    omega = pow(5, (R - 1) // n, R)
    z = (pow(tau, n, R) - 1) % R
    if z == 0:
        raise ValueError("tau lies in the evaluation domain")
    denoms, w = [], 1
    for _ in range(n):
        denoms.append((tau - w) % R)
        w = w * omega % R
    inv = _batch_inverse(denoms)
    scale = z * pow(n, -1, R) % R
    out, w = [], 1
    for i in range(n):
        out.append(scale * w % R * inv[i] % R)
        w = w * omega % R
    return out


def _batch_inverse(values: list[int]) -> list[int]:
    prefix, acc = [], 1
    for v in values:
        prefix.append(acc)
        acc = acc * v % R
    inv_acc = pow(acc, -1, R)
    out = [0] * len(values)
    for i in range(len(values) - 1, -1, -1):
        out[i] = prefix[i] * inv_acc % R
        inv_acc = inv_acc * values[i] % R
    return out


def qap_at(cs: ConstraintSystem, tau: int) -> tuple[list[int], list[int], list[int], int]:
    """``(u_j(tau), v_j(tau), w_j(tau))`` for every wire j, and ``Z(tau) = tau^n - 1``."""
    n = domain_size(cs)
    lag = lagrange_at(tau, n)
    mats = cs.matrices()
    polys = []
    for mat in mats:
        acc = [0] * cs.n_wires
        for row in range(mat.n_rows):
            li = lag[row]
            for k in range(mat.row_ptr[row], mat.row_ptr[row + 1]):
                j = mat.cols[k]
                acc[j] = (acc[j] + mat.vals[k] * li) % R
        polys.append(acc)
    u, v, w = polys
    m = cs.n_constraints
    for i in range(cs.n_public + 1):
        u[i] = (u[i] + lag[m + i]) % R
    return u, v, w, (pow(tau, n, R) - 1) % R


def witness_rows(
    cs: ConstraintSystem, witness: bytes, backend: Backend | None = None
) -> tuple[bytes, bytes, bytes]:
    """A.w, B.w, C.w on the domain (public-input rows appended, zero-padded), packed.

    ``witness`` is the packed witness vector. Raises :class:`UnsatisfiedConstraint` naming the
    first constraint where ``a * b != c``, so an invalid witness is refused before any MSM.
    """
    b = backend or get_backend()
    out = b.qap_rows(cs, witness, domain_size(cs))
    if isinstance(out, int):
        raise UnsatisfiedConstraint(
            f"the witness does not satisfy the circuit: {cs.describe_constraint(out)}"
        )
    return out
