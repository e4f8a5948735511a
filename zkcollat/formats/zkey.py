"""snarkjs's Groth16 proving key with its phase-2 record (``.zkey``), reader and writer.

An iden3 container (magic ``zkey``, version 1; points in the LEM layout of
:mod:`zkcollat.formats.lem`, integers little-endian)::

    1  header:   protocol u32 (1 = Groth16)
    2  groth16:  n8q u32 | q | n8r u32 | r | nVars u32 | nPublic u32 | domainSize u32 |
                 alpha1 | beta1 | beta2 | gamma2 | delta1 | delta2
    3  IC:       nPublic + 1 G1 points (gamma = 1: no division)
    4  coeffs:   count u32, then per entry matrix u32 (0 = A, 1 = B) | constraint u32 |
                 signal u32 | value (32 bytes LE, stored as value * 2^512 mod r)
    5  A, 6 B1:  nVars G1 points;  7 B2: nVars G2 points
    8  C (L):    nVars - nPublic - 1 G1 points, (beta u + alpha v + w)(tau) / delta
    9  H:        domainSize G1 points L'_{2i+1}(tau) / delta, L' the Lagrange basis of the
                 domain of size 2 * domainSize (snarkjs evaluates A*B - C on its odd points)
    10 MPC:      csHash (64 bytes) | n u32 | n contributions:
                 deltaAfter G1 | g1_s G1 | g1_sx G1 | g2_spx G2 | transcript (64 bytes) |
                 type u32 (0 contribution, 1 beacon) | paramsLength u32 | params:
                 1 name (u8 length, UTF-8), 2 numIterationsExp (u8), 3 beacon hash (u8 length,
                 bytes), in increasing order of tag

The reader checks the structure (sizes of every section against the header, the primes, the
domain, the parameters) and keeps the sections as bytes; points are checked on their curves
when a tool decodes them.
"""

from __future__ import annotations

import os
import struct
import sys

from zkcollat.db.files import atomic_write
from zkcollat.errors import EncodingError, KeyFormatError
from zkcollat.field import P, R
from zkcollat.formats.lem import G1_SIZE, G2_SIZE, container, open_buffer, section_index
from zkcollat.formats.limits import BinaryReader
from zkcollat.groth16.values import Record

MAGIC = b"zkey"
VERSION = 1
#: The largest .zkey read whole into memory (to hash it for a trust record, or to convert it):
#: above any key whose sections a machine could prove with; a larger file is refused unread.
MAX_FILE_BYTES = 1 << 36
GROTH16 = 1
COEF_SIZE = 12 + 32
#: Coefficients are stored times R^2 with R = 2^256 (snarkjs's double Montgomery form).
COEF_FACTOR = pow(2, 512, R)
COEF_FACTOR_INV = pow(COEF_FACTOR, -1, R)

CONTRIBUTION = 0
BEACON = 1


class ZkeyError(KeyFormatError, EncodingError):
    """A ``.zkey`` file is malformed, truncated or not a BN254 Groth16 key."""


class Contribution(Record):
    """One phase-2 contribution: the new delta and the proof that its maker knew the scalar."""

    _fields = ("delta_after", "g1_s", "g1_sx", "g2_spx", "transcript", "kind", "name",
               "beacon_hash", "num_iterations_exp")

    def __init__(
        self,
        delta_after: bytes,  # G1, LEM
        g1_s: bytes,  # G1, LEM
        g1_sx: bytes,  # G1, LEM
        g2_spx: bytes,  # G2, LEM
        transcript: bytes,  # 64 bytes
        kind: int = CONTRIBUTION,
        name: str | None = None,
        beacon_hash: bytes | None = None,
        num_iterations_exp: int | None = None,
    ) -> None:
        self.delta_after = delta_after
        self.g1_s = g1_s
        self.g1_sx = g1_sx
        self.g2_spx = g2_spx
        self.transcript = transcript
        self.kind = kind
        self.name = name
        self.beacon_hash = beacon_hash
        self.num_iterations_exp = num_iterations_exp

    def to_bytes(self) -> bytes:
        params = bytearray()
        if self.name:
            raw = self.name.encode()[:64]
            params += bytes([1, len(raw)]) + raw
        if self.kind == BEACON:
            assert self.beacon_hash is not None and self.num_iterations_exp is not None
            params += bytes([2, self.num_iterations_exp])
            params += bytes([3, len(self.beacon_hash)]) + self.beacon_hash
        return (
            self.delta_after
            + self.g1_s
            + self.g1_sx
            + self.g2_spx
            + self.transcript
            + struct.pack("<II", self.kind, len(params))
            + bytes(params)
        )


class Zkey(Record):
    """The sections of a Groth16 ``.zkey`` (points as LEM bytes)."""

    _fields = ("n_vars", "n_public", "domain_size", "alpha_g1", "beta_g1", "beta_g2",
               "gamma_g2", "delta_g1", "delta_g2", "ic", "coeffs", "a", "b1", "b2", "c", "h",
               "cs_hash", "contributions")

    def __init__(
        self,
        n_vars: int,
        n_public: int,
        domain_size: int,
        alpha_g1: bytes,
        beta_g1: bytes,
        beta_g2: bytes,
        gamma_g2: bytes,
        delta_g1: bytes,
        delta_g2: bytes,
        ic: bytes,
        coeffs: bytes,
        a: bytes,
        b1: bytes,
        b2: bytes,
        c: bytes,
        h: bytes,
        cs_hash: bytes,
        contributions: list[Contribution] | None = None,
    ) -> None:
        self.n_vars = n_vars
        self.n_public = n_public
        self.domain_size = domain_size
        self.alpha_g1 = alpha_g1
        self.beta_g1 = beta_g1
        self.beta_g2 = beta_g2
        self.gamma_g2 = gamma_g2
        self.delta_g1 = delta_g1
        self.delta_g2 = delta_g2
        self.ic = ic
        self.coeffs = coeffs
        self.a = a
        self.b1 = b1
        self.b2 = b2
        self.c = c
        self.h = h
        self.cs_hash = cs_hash
        self.contributions = [] if contributions is None else contributions

    def header_bytes(self) -> bytes:
        return (
            struct.pack("<I", 32)
            + P.to_bytes(32, "little")
            + struct.pack("<I", 32)
            + R.to_bytes(32, "little")
            + struct.pack("<III", self.n_vars, self.n_public, self.domain_size)
            + self.alpha_g1
            + self.beta_g1
            + self.beta_g2
            + self.gamma_g2
            + self.delta_g1
            + self.delta_g2
        )

    def mpc_bytes(self) -> bytes:
        out = bytearray(self.cs_hash) + struct.pack("<I", len(self.contributions))
        for c in self.contributions:
            out += c.to_bytes()
        return bytes(out)

    def to_bytes(self) -> bytes:
        return container(
            MAGIC,
            VERSION,
            [
                (1, struct.pack("<I", GROTH16)),
                (2, self.header_bytes()),
                (3, self.ic),
                (4, self.coeffs),
                (5, self.a),
                (6, self.b1),
                (7, self.b2),
                (8, self.c),
                (9, self.h),
                (10, self.mpc_bytes()),
            ],
        )


def write_zkey(z: Zkey, path: str | os.PathLike[str]) -> None:
    """Write through a temporary file renamed into place (a key holds no secret: its mode
    follows the umask)."""
    atomic_write(path, z.to_bytes())


def _contributions(r: BinaryReader) -> tuple[bytes, list[Contribution]]:
    cs_hash = r.raw(64, "the circuit hash")
    n = r.u32("the number of contributions")
    fixed = 3 * G1_SIZE + G2_SIZE + 64 + 8
    r.count(n, r.left // fixed, "the number of contributions")
    out = []
    for i in range(1, n + 1):
        this = f"contribution #{i}"
        g1 = [r.raw(G1_SIZE, f"{this} {name}") for name in ("deltaAfter", "g1_s", "g1_sx")]
        g2 = r.raw(G2_SIZE, f"{this} g2_spx")
        transcript = r.raw(64, f"{this} transcript")
        kind = r.u32(f"{this} type")
        if kind not in (CONTRIBUTION, BEACON):
            raise r.fail(f"{this} has unknown type {kind}")
        plen = r.u32(f"{this} parameters length")
        params = r.sub(plen, f"{this} parameters")
        c = Contribution(g1[0], g1[1], g1[2], g2, transcript, kind)
        last = 0
        while params.left:
            tag = params.u8(f"{this} parameter tag")
            if tag <= last:
                raise params.fail(f"parameters of {this} are not sorted")
            last = tag
            if tag == 1:
                raw = params.raw(params.u8(f"{this} name length"), f"{this} name")
                c.name = raw.decode("utf-8", errors="replace")
            elif tag == 2:
                c.num_iterations_exp = params.u8(f"{this} numIterationsExp")
            elif tag == 3:
                c.beacon_hash = params.raw(params.u8(f"{this} beacon hash length"),
                                           f"{this} beacon hash")
            else:
                raise params.fail(f"{this} has unknown parameter {tag}")
        if kind == BEACON and (c.beacon_hash is None or c.num_iterations_exp is None):
            raise r.fail(f"beacon {this} lacks its beacon parameters")
        out.append(c)
    r.done("the contributions")
    return cs_hash, out


#: The top 32-bit word of r: a value whose top word is below it is below r.
_R_TOP = R >> 224


def _suspect(coeffs: bytes, nc: int, domain: int, n_vars: int) -> bool:
    """Whether the exact entry-by-entry check must run: not when one pass over the section's
    32-bit words (C-speed maxima, no Python loop over the entries) shows every matrix <= 1,
    constraint < domain, signal < n_vars and value top word < r's."""
    if nc == 0:
        return False
    if sys.byteorder != "little" or len(coeffs) != 4 + nc * COEF_SIZE:
        return True
    words = memoryview(coeffs)[4:].cast("I")  # 11 little-endian words per entry
    return not (
        max(words[0::11]) <= 1
        and max(words[1::11]) < domain
        and max(words[2::11]) < n_vars
        and max(words[10::11]) < _R_TOP
    )


def read_zkey(
    source: str | os.PathLike[str] | bytes,
    name: str | None = None,
    *,
    check_coefficients: bool = True,
) -> Zkey:
    """Parse a Groth16 ``.zkey`` (path or bytes), checking its structure.

    ``check_coefficients=False`` skips the pass over section 4's entries (matrix, constraint,
    signal, value < r): for a caller that checks every entry itself before using it, as both
    provers do (:func:`zkcollat.ceremony.keys.zkey_rows` and the native one-call prover).
    """
    what = name or (f"zkey {str(source)!r}" if not isinstance(source, bytes) else "zkey")
    try:
        buf = open_buffer(source)
    except KeyFormatError:
        raise
    except EncodingError as e:
        raise ZkeyError(str(e)) from e
    secs = section_index(buf, MAGIC, VERSION, what, ZkeyError)
    missing = [k for k in range(1, 11) if k not in secs]
    if missing:
        raise ZkeyError(f"{what} is incomplete: sections {missing} are missing")
    extra = sorted(set(secs) - set(range(1, 11)))
    if extra:
        raise ZkeyError(f"{what}: unknown sections {extra}")

    def sec(k: int) -> bytes:
        off, size = secs[k]
        return bytes(buf[off : off + size])

    def reader(k: int, name: str) -> BinaryReader:
        off, _ = secs[k]
        return BinaryReader(sec(k), f"{what} section {k} ({name})", error=ZkeyError, base=off)

    h1 = reader(1, "header")
    if h1.left != 4 or h1.u32("the protocol") != GROTH16:
        raise ZkeyError(f"{what} is not a Groth16 key (protocol section {sec(1).hex()})")
    h = reader(2, "Groth16 header")
    want = 4 + 32 + 4 + 32 + 12 + 4 * G1_SIZE + 3 * G2_SIZE - G1_SIZE
    if h.left != want:
        raise h.fail(f"Groth16 header of {h.left} bytes, expected {want}")
    n8q = h.u32("n8q")
    q = h.uint(32, "q")
    n8r = h.u32("n8r")
    r = h.uint(32, "r")
    if (n8q, q, n8r, r) != (32, P, 32, R):
        raise ZkeyError(f"{what} is not a BN254 key (q = {q}, r = {r})")
    n_vars, n_public, domain = h.u32("nVars"), h.u32("nPublic"), h.u32("domainSize")
    if domain < 2 or domain & (domain - 1) or domain > 1 << 28:
        raise ZkeyError(f"{what}: domain size {domain} is not a power of two up to 2^28")
    if n_public + 1 > n_vars:
        raise ZkeyError(f"{what}: {n_public} public signals do not fit {n_vars} variables")
    pts = [
        h.raw(size, name)
        for size, name in (
            (G1_SIZE, "alpha1"), (G1_SIZE, "beta1"), (G2_SIZE, "beta2"), (G2_SIZE, "gamma2"),
            (G1_SIZE, "delta1"), (G2_SIZE, "delta2"),
        )
    ]
    h.done("the Groth16 header")
    sizes = {
        3: (n_public + 1) * G1_SIZE,
        5: n_vars * G1_SIZE,
        6: n_vars * G1_SIZE,
        7: n_vars * G2_SIZE,
        8: (n_vars - n_public - 1) * G1_SIZE,
        9: domain * G1_SIZE,
    }
    for k, size in sizes.items():
        if secs[k][1] != size:
            raise ZkeyError(
                f"{what}: section {k} has {secs[k][1]} bytes, expected {size} "
                f"({n_vars} variables, {n_public} public, domain {domain})"
            )
    coeffs = sec(4)  # one copy, read here and kept (1.3 MB for CollateralLock(20))
    co = BinaryReader(coeffs, f"{what} section 4 (coefficients)", error=ZkeyError, base=secs[4][0])
    nc = co.u32("the number of coefficients")
    if co.left != nc * COEF_SIZE:
        raise co.fail(f"coefficient section of {co.left + 4} bytes for {nc} entries")
    suspect = check_coefficients and _suspect(coeffs, nc, domain, n_vars)
    for i in range(nc) if suspect else ():
        m, c, s = co.u32("matrix"), co.u32("constraint"), co.u32("signal")
        if m > 1 or c >= domain or s >= n_vars:
            raise co.error(
                f"coefficient {i} (matrix {m}, constraint {c}, signal {s}) is out of range "
                f"(at offset {co.offset - 12})"
            )
        if co.uint(32, f"coefficient {i}") >= R:
            raise co.error(f"coefficient {i} is not below r (at offset {co.offset - 32})")
    cs_hash, contributions = _contributions(reader(10, "MPC"))
    return Zkey(
        n_vars=n_vars,
        n_public=n_public,
        domain_size=domain,
        alpha_g1=pts[0],
        beta_g1=pts[1],
        beta_g2=pts[2],
        gamma_g2=pts[3],
        delta_g1=pts[4],
        delta_g2=pts[5],
        ic=sec(3),
        coeffs=coeffs,
        a=sec(5),
        b1=sec(6),
        b2=sec(7),
        c=sec(8),
        h=sec(9),
        cs_hash=cs_hash,
        contributions=contributions,
    )
