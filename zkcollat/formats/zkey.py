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

import struct
from dataclasses import dataclass, field
from pathlib import Path

from zkcollat.errors import EncodingError, KeyFormatError
from zkcollat.field import P, R
from zkcollat.formats.lem import G1_SIZE, G2_SIZE, container, open_buffer, section_index

MAGIC = b"zkey"
VERSION = 1
GROTH16 = 1
COEF_SIZE = 12 + 32
#: Coefficients are stored times R^2 with R = 2^256 (snarkjs's double Montgomery form).
COEF_FACTOR = pow(2, 512, R)
COEF_FACTOR_INV = pow(COEF_FACTOR, -1, R)

CONTRIBUTION = 0
BEACON = 1


class ZkeyError(KeyFormatError, EncodingError):
    """A ``.zkey`` file is malformed, truncated or not a BN254 Groth16 key."""


@dataclass
class Contribution:
    """One phase-2 contribution: the new delta and the proof that its maker knew the scalar."""

    delta_after: bytes  # G1, LEM
    g1_s: bytes  # G1, LEM
    g1_sx: bytes  # G1, LEM
    g2_spx: bytes  # G2, LEM
    transcript: bytes  # 64 bytes
    kind: int = CONTRIBUTION
    name: str | None = None
    beacon_hash: bytes | None = None
    num_iterations_exp: int | None = None

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


@dataclass
class Zkey:
    """The sections of a Groth16 ``.zkey`` (points as LEM bytes)."""

    n_vars: int
    n_public: int
    domain_size: int
    alpha_g1: bytes
    beta_g1: bytes
    beta_g2: bytes
    gamma_g2: bytes
    delta_g1: bytes
    delta_g2: bytes
    ic: bytes
    coeffs: bytes
    a: bytes
    b1: bytes
    b2: bytes
    c: bytes
    h: bytes
    cs_hash: bytes
    contributions: list[Contribution] = field(default_factory=list)

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


def write_zkey(z: Zkey, path: str | Path) -> None:
    """Write through a temporary file renamed into place."""
    import os
    import tempfile

    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(z.to_bytes())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _contributions(data: bytes, what: str) -> tuple[bytes, list[Contribution]]:
    if len(data) < 68:
        raise ZkeyError(f"{what}: MPC section of {len(data)} bytes is truncated")
    cs_hash = data[:64]
    (n,) = struct.unpack_from("<I", data, 64)
    pos, out = 68, []
    fixed = 3 * G1_SIZE + G2_SIZE + 64 + 8
    for i in range(n):
        if pos + fixed > len(data):
            raise ZkeyError(f"{what}: contribution #{i + 1} is truncated")
        g1 = [data[pos + k * G1_SIZE : pos + (k + 1) * G1_SIZE] for k in range(3)]
        pos += 3 * G1_SIZE
        g2 = data[pos : pos + G2_SIZE]
        pos += G2_SIZE
        transcript = data[pos : pos + 64]
        kind, plen = struct.unpack_from("<II", data, pos + 64)
        pos += 72
        if kind not in (CONTRIBUTION, BEACON):
            raise ZkeyError(f"{what}: contribution #{i + 1} has unknown type {kind}")
        if pos + plen > len(data):
            raise ZkeyError(f"{what}: parameters of contribution #{i + 1} are truncated")
        params, p, last = data[pos : pos + plen], 0, 0
        c = Contribution(g1[0], g1[1], g1[2], g2, transcript, kind)
        while p < len(params):
            tag = params[p]
            if tag <= last:
                raise ZkeyError(f"{what}: parameters of contribution #{i + 1} are not sorted")
            last = tag
            try:
                if tag == 1:
                    ln = params[p + 1]
                    raw = params[p + 2 : p + 2 + ln]
                    if len(raw) != ln:
                        raise IndexError
                    c.name = raw.decode("utf-8", errors="replace")
                    p += 2 + ln
                elif tag == 2:
                    c.num_iterations_exp = params[p + 1]
                    p += 2
                elif tag == 3:
                    ln = params[p + 1]
                    c.beacon_hash = params[p + 2 : p + 2 + ln]
                    if len(c.beacon_hash) != ln:
                        raise IndexError
                    p += 2 + ln
                else:
                    raise ZkeyError(f"{what}: contribution #{i + 1} has unknown parameter {tag}")
            except IndexError as e:
                raise ZkeyError(f"{what}: parameters of contribution #{i + 1} are cut off") from e
        if kind == BEACON and (c.beacon_hash is None or c.num_iterations_exp is None):
            raise ZkeyError(f"{what}: beacon contribution #{i + 1} lacks its beacon parameters")
        pos += plen
        out.append(c)
    if pos != len(data):
        raise ZkeyError(f"{what}: {len(data) - pos} extra bytes after the contributions")
    return cs_hash, out


def read_zkey(source: str | Path | bytes, name: str | None = None) -> Zkey:
    """Parse a Groth16 ``.zkey`` (path or bytes), checking its structure."""
    what = name or (f"zkey {str(source)!r}" if not isinstance(source, bytes) else "zkey")
    try:
        buf = open_buffer(source)
        secs = section_index(buf, MAGIC, VERSION, what)
    except KeyFormatError:
        raise
    except EncodingError as e:
        raise ZkeyError(str(e)) from e
    missing = [k for k in range(1, 11) if k not in secs]
    if missing:
        raise ZkeyError(f"{what} is incomplete: sections {missing} are missing")
    extra = sorted(set(secs) - set(range(1, 11)))
    if extra:
        raise ZkeyError(f"{what}: unknown sections {extra}")

    def sec(k: int) -> bytes:
        off, size = secs[k]
        return bytes(buf[off : off + size])

    h1 = sec(1)
    if len(h1) != 4 or struct.unpack("<I", h1)[0] != GROTH16:
        raise ZkeyError(f"{what} is not a Groth16 key (protocol section {h1.hex()})")
    h = sec(2)
    want = 4 + 32 + 4 + 32 + 12 + 4 * G1_SIZE + 3 * G2_SIZE - G1_SIZE
    if len(h) != want:
        raise ZkeyError(f"{what}: Groth16 header of {len(h)} bytes, expected {want}")
    n8q = struct.unpack_from("<I", h, 0)[0]
    q = int.from_bytes(h[4:36], "little")
    n8r = struct.unpack_from("<I", h, 36)[0]
    r = int.from_bytes(h[40:72], "little")
    if (n8q, q, n8r, r) != (32, P, 32, R):
        raise ZkeyError(f"{what} is not a BN254 key (q = {q}, r = {r})")
    n_vars, n_public, domain = struct.unpack_from("<III", h, 72)
    if domain < 2 or domain & (domain - 1) or domain > 1 << 28:
        raise ZkeyError(f"{what}: domain size {domain} is not a power of two up to 2^28")
    if n_public + 1 > n_vars:
        raise ZkeyError(f"{what}: {n_public} public signals do not fit {n_vars} variables")
    pos = 84
    pts = []
    for size in (G1_SIZE, G1_SIZE, G2_SIZE, G2_SIZE, G1_SIZE, G2_SIZE):
        pts.append(h[pos : pos + size])
        pos += size
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
    coeffs = sec(4)
    if len(coeffs) < 4:
        raise ZkeyError(f"{what}: coefficient section is truncated")
    (nc,) = struct.unpack_from("<I", coeffs, 0)
    if len(coeffs) != 4 + nc * COEF_SIZE:
        raise ZkeyError(f"{what}: coefficient section of {len(coeffs)} bytes for {nc} entries")
    for i in range(nc):
        m, c, s = struct.unpack_from("<III", coeffs, 4 + i * COEF_SIZE)
        if m > 1 or c >= domain or s >= n_vars:
            raise ZkeyError(
                f"{what}: coefficient {i} (matrix {m}, constraint {c}, signal {s}) is out of range"
            )
        v = int.from_bytes(coeffs[4 + i * COEF_SIZE + 12 : 4 + (i + 1) * COEF_SIZE], "little")
        if v >= R:
            raise ZkeyError(f"{what}: coefficient {i} is not below r")
    cs_hash, contributions = _contributions(sec(10), what)
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
