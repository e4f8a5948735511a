"""zkcollat's proving key file (``*.zkpk``): one read, no parsing of points in Python.

Layout::

    8 bytes   magic  b"ZKCPK\\x00v1"
    4 bytes   big-endian length L of the header
    L bytes   header, UTF-8 JSON: format, version, n_public, n_wires, domain_size,
              circuit_digest (hex), ceremony, metadata, sections {name: [offset, length]},
              payload_sha256 (hex)
    payload   sections, concatenated:
              alpha_g1, beta_g1, delta_g1 (64 bytes each), beta_g2, gamma_g2, delta_g2
              (128 bytes each), gamma_abc_g1 ((n_public + 1) * 64), a_query, b_g1_query,
              b_g2_query, h_query, l_query, and from version 2 optionally ``circuit``: the
              compiled circuit (``zkcollat.formats.circuit``), whose digest is the header's
              ``circuit_digest``, so that proving needs neither ``define`` nor hashing

G1 points are 64 bytes ``x || y``; G2 points 128 bytes ``x.c0 || x.c1 || y.c0 || y.c1``
(the native backend's order); the identity is all zeros; integers are 32-byte big-endian.
Version 1 files (no circuit) still load. The payload hash detects corruption; the points
themselves are validated again when loaded into a backend (curve membership; the G2 subgroup
for the verifying key's points). B2's points are checked on the twist only; a record in the
cache that these very bytes were checked in G2 (:mod:`zkcollat.formats.b2record`) lets the
prover split B2's scalars by G2's endomorphism.
"""

from __future__ import annotations

import json
import os
from typing import Any

from zkcollat.curve.points import g1_from_bytes, g2_from_native_bytes
from zkcollat.db import atomic_write
from zkcollat.errors import KeyFormatError, ZkcollatError
from zkcollat.formats import limits
from zkcollat.formats.digest import sha256_hex
from zkcollat.groth16.keys import ProvingKey, VerifyingKey, key_problems, warn_development_key

MAGIC = b"ZKCPK\x00v1"
FORMAT = "zkcollat-proving-key"
VERSION = 2
READABLE_VERSIONS = (1, 2)


def encode(pk: ProvingKey) -> bytes:
    """The file's bytes for ``pk``."""
    vk = pk.vk
    parts: list[tuple[str, bytes]] = [
        ("alpha_g1", vk.alpha_g1.to_bytes()),
        ("beta_g1", pk.beta_g1.to_bytes()),
        ("delta_g1", pk.delta_g1.to_bytes()),
        ("beta_g2", vk.beta_g2.to_native_bytes()),
        ("gamma_g2", vk.gamma_g2.to_native_bytes()),
        ("delta_g2", vk.delta_g2.to_native_bytes()),
        ("gamma_abc_g1", b"".join(p.to_bytes() for p in vk.gamma_abc_g1)),
        ("a_query", pk.a_query),
        ("b_g1_query", pk.b_g1_query),
        ("b_g2_query", pk.b_g2_query),
        ("h_query", pk.h_query),
        ("l_query", pk.l_query),
    ]
    if pk.circuit is not None:
        from zkcollat.formats import circuit

        embedded = circuit.encode(pk.circuit)
        if embedded is not None:
            parts.append(("circuit", embedded))
    sections, offset = {}, 0
    for name, data in parts:
        sections[name] = [offset, len(data)]
        offset += len(data)
    payload = b"".join(d for _, d in parts)
    header = {
        "format": FORMAT,
        "version": VERSION,
        "n_public": pk.n_public,
        "n_wires": pk.n_wires,
        "domain_size": pk.domain_size,
        "circuit_digest": pk.circuit_digest.hex(),
        "ceremony": vk.ceremony,
        "metadata": dict(vk.metadata),
        "sections": sections,
        "payload_sha256": sha256_hex(payload, 0),
    }
    head = json.dumps(header, sort_keys=True).encode()
    return MAGIC + len(head).to_bytes(4, "big") + head + payload


#: Largest key file the loader takes (a depth-32 CollateralLock key is well below).
MAX_FILE_BYTES = 1 << 34


def decode(data: bytes, *, source: str = "proving key", warn: bool = True) -> ProvingKey:
    """Parse and check a proving key file's bytes (raises KeyFormatError naming the problem)."""
    r = limits.BinaryReader(data, source, error=KeyFormatError)
    if len(data) == 0:
        raise r.error("the file is empty (0 bytes)")
    magic = r.raw(min(len(MAGIC), r.left), "the magic bytes")
    if magic != MAGIC:
        if MAGIC.startswith(magic):  # the start of the magic, then the end of the file
            r.take(len(MAGIC) - len(magic), "the magic bytes")
        raise r.error("not a zkcollat proving key (bad magic bytes at offset 0)")
    n = r.uint(4, "the header length", "big")
    head = r.raw(n, "the header")
    try:
        header = limits.loads(head, f"{source}: the header", limits.SMALL_JSON)
    except limits.LimitError as e:
        raise KeyFormatError(str(e)) from e
    if not isinstance(header, dict):
        raise KeyFormatError(f"{source}: the header is not a JSON object")
    if header.get("format") != FORMAT or header.get("version") not in READABLE_VERSIONS:
        raise KeyFormatError(f"{source}: unsupported format/version {header.get('version')!r}")
    payload = r.sub(r.left, "the payload")
    table = header.get("sections")
    if not isinstance(table, dict):
        raise KeyFormatError(f"{source}: the header has no section table")
    sec: dict[str, bytes] = {}
    for name, entry in table.items():
        if (
            not isinstance(entry, list)
            or len(entry) != 2
            or not all(type(v) is int for v in entry)
        ):
            raise KeyFormatError(f"{source}: section {name} is {entry!r}, not [offset, length]")
        off, length = entry
        if off < 0 or length < 0:
            raise KeyFormatError(f"{source}: section {name} at offset {off} of length {length}")
        if off + length > payload.left:
            raise KeyFormatError(
                f"{source} is truncated: section {name} (offset {payload.base + off}, "
                f"{length} bytes) extends beyond the end of the file (offset "
                f"{payload.base + payload.left})"
            )
        sec[name] = bytes(payload.data[off : off + length])
    if sha256_hex(data, payload.base) != header.get("payload_sha256"):
        raise KeyFormatError(f"{source} is corrupted or truncated (payload hash mismatch)")
    try:
        n_pub, n_wires, dsize = header["n_public"], header["n_wires"], header["domain_size"]
        expect = {
            "gamma_abc_g1": (n_pub + 1) * 64,
            "a_query": n_wires * 64,
            "b_g1_query": n_wires * 64,
            "b_g2_query": n_wires * 128,
            "h_query": (dsize - 1) * 64,
            "l_query": (n_wires - n_pub - 1) * 64,
        }
        for k, ln in expect.items():
            if len(sec[k]) != ln:
                raise KeyFormatError(
                    f"{source}: section {k} has {len(sec[k])} bytes, expected {ln}"
                )
        ic = sec["gamma_abc_g1"]
        vk = VerifyingKey(
            alpha_g1=g1_from_bytes(sec["alpha_g1"], "alpha_g1"),
            beta_g2=g2_from_native_bytes(sec["beta_g2"], "beta_g2"),
            gamma_g2=g2_from_native_bytes(sec["gamma_g2"], "gamma_g2"),
            delta_g2=g2_from_native_bytes(sec["delta_g2"], "delta_g2"),
            gamma_abc_g1=tuple(
                g1_from_bytes(ic[i : i + 64], f"IC[{i // 64}]") for i in range(0, len(ic), 64)
            ),
            ceremony=header["ceremony"] is True,
            metadata={str(k): str(v) for k, v in header.get("metadata", {}).items()},
        )
        problems = key_problems(vk)
        if problems:
            raise KeyFormatError(f"{source}: key refused: {'; '.join(problems)}")
        if vk.ceremony and vk.delta_g2 == vk.gamma_g2:  # no phase-2 contribution
            vk = vk.replace(ceremony=False)
        pk = ProvingKey(
            vk=vk,
            beta_g1=g1_from_bytes(sec["beta_g1"], "beta_g1"),
            delta_g1=g1_from_bytes(sec["delta_g1"], "delta_g1"),
            n_wires=n_wires,
            domain_size=dsize,
            circuit_digest=bytes.fromhex(header["circuit_digest"]),
            a_query=sec["a_query"],
            b_g1_query=sec["b_g1_query"],
            b_g2_query=sec["b_g2_query"],
            h_query=sec["h_query"],
            l_query=sec["l_query"],
        )
        if "circuit" in sec:
            from zkcollat.formats import circuit

            pk.circuit = circuit.decode(sec["circuit"], source=source, digest=pk.circuit_digest)
        from zkcollat.formats import b2record

        if b2record.recorded(pk.b_g2_query, "std"):  # checked in G2 before: B2 may be split
            pk.b_g2_checked = pk.b_g2_query
            pk.b_g2_on_record = True
    except KeyFormatError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, OverflowError) as e:
        if isinstance(e, ZkcollatError):
            raise KeyFormatError(f"{source}: {e}") from e
        raise KeyFormatError(f"{source}: malformed header ({e!r})") from e
    if warn and not vk.ceremony:
        warn_development_key(source)
    return pk


def save(pk: ProvingKey, path: str | os.PathLike[str]) -> None:
    """Write the key atomically (temporary file, fsync, rename). A proving key holds no
    secret: its mode follows the umask.

    A key whose B2 points are known in G2 here (made by ``setup``, or converted from a
    checked ``.zkey``: ``pk.b_g2_in_g2``) also leaves a record of it in the cache directory,
    so that the key loaded again has B2 split by G2's endomorphism (:mod:`.b2record`)."""
    atomic_write(path, encode(pk))
    if pk.b_g2_in_g2 and not pk.b_g2_on_record:
        from zkcollat.formats import b2record

        b2record.record(pk.b_g2_query, "std")


def read_header(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The JSON header of a key file, read without the payload (nothing is checked but the
    magic bytes and the JSON): its ``payload_sha256`` identifies the key cheaply, for example
    to check that every worker of a cluster holds the same key as the client."""
    try:
        with open(path, "rb") as f:
            head = f.read(12)
            if head[:8] != MAGIC or len(head) < 12:
                raise KeyFormatError(f"{os.fspath(path)!r} is not a zkcollat proving key")
            raw = f.read(int.from_bytes(head[8:12], "big"))
    except FileNotFoundError as e:
        raise KeyFormatError(f"proving key file {os.fspath(path)!r} does not exist") from e
    try:
        header = limits.loads(raw, f"proving key {os.fspath(path)!r}: the header",
                              limits.SMALL_JSON)
    except limits.LimitError as e:
        raise KeyFormatError(str(e)) from e
    if not isinstance(header, dict) or not isinstance(header.get("payload_sha256"), str):
        raise KeyFormatError(f"proving key {os.fspath(path)!r}: the header has no payload hash")
    return header


def read_section(path: str | os.PathLike[str], name: str, length: int) -> bytes:
    """One section of a key file, read alone (the header's section table, then that range):
    nothing else is read, and the payload hash is not checked, so this is for a caller that
    checks what it reads by other means (``prove --zkey`` verifies the proof made with it).
    :class:`KeyFormatError` when the file is not a key file, has no such section, or the
    section is not ``length`` bytes."""
    source = f"proving key {os.fspath(path)!r}"
    with open(path, "rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:8] != MAGIC:
            raise KeyFormatError(f"{source} is not a zkcollat proving key")
        n = int.from_bytes(head[8:12], "big")
        try:
            header = limits.loads(f.read(n), f"{source}: the header", limits.SMALL_JSON)
        except limits.LimitError as e:
            raise KeyFormatError(str(e)) from e
        table = header.get("sections") if isinstance(header, dict) else None
        entry = table.get(name) if isinstance(table, dict) else None
        if (
            not isinstance(entry, list)
            or len(entry) != 2
            or not all(type(v) is int and v >= 0 for v in entry)
            or entry[1] != length
        ):
            raise KeyFormatError(f"{source}: no section {name} of {length} bytes")
        f.seek(12 + n + entry[0])
        data = f.read(length)
    if len(data) != length:
        raise KeyFormatError(f"{source} is truncated: section {name} ends beyond the file")
    return data


def load(path: str | os.PathLike[str], *, warn: bool = True) -> ProvingKey:
    """Read a key file in one piece; warns when the key comes from no ceremony."""
    try:
        data = limits.read_bytes(path, "proving key", MAX_FILE_BYTES)
    except limits.LimitError as e:
        raise KeyFormatError(str(e)) from e
    return decode(data, source=f"proving key {os.fspath(path)!r}", warn=warn)
