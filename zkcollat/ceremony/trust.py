"""When a phase-2 key stops being a development key (PROTOCOL.md s.5).

In snarkjs's key format gamma is the G2 generator: whoever knows the phase-1 secrets (tau,
alpha, beta) can forge proofs whatever phase 2 did, and whoever knows delta can forge too.
So a key is trusted only when

1. its ptau is one of the recognised public phase-1 ceremonies below (the file's Blake2b-512
   hash, as the ceremony published it), and
2. it has at least one verified phase-2 contribution after ``new``, so that delta != gamma
   (a key with delta = gamma = the generator has none).

Both are established only by ``zkcollat ceremony verify`` (the key rebuilt from the circuit and
that very ptau); a verified, trusted key is recorded by its file hash so that later tools
(``prove --zkey``, ``keys import``) can tell, and every other key keeps the development mark.
"""

from __future__ import annotations

import json
import os
from typing import Any

from zkcollat.db import cache_dir as cache_dir  # where the records live (re-exported)
from zkcollat.db import cache_file, write_cache_file
from zkcollat.formats import limits
from zkcollat.formats.limits import LimitError

#: The Hermez / Polygon zkEVM "perpetual powers of tau" (54 contributions and a beacon),
#: prepared for phase 2, one file per power: Blake2b-512 of each file as published in
#: snarkjs's README (files ``powersOfTau28_hez_final_NN.ptau``; power 28 without ``_28``).
_HEZ_BLAKE2B: dict[int, str] = {
    8: "d6a8fb3a04feb600096c3b791f936a578c4e664d262e4aa24beed1b7a9a96aa5"
    "eb72864d628db247e9293384b74b36ffb52ca8d148d6e1b8b51e279fdf57b583",
    9: "94f108a80e81b5d932d8e8c9e8fd7f46cf32457e31462deeeef37af1b71c2c1b"
    "3c71fb0d9b59c654ec266b042735f50311f9fd1d4cadce47ab234ad163157cb5",
    10: "6cfeb8cda92453099d20120bdd0e8a5c4e7706c2da9a8f09ccc157ed2464d921"
    "fd0437fb70db42104769efd7d6f3c1f964bcf448c455eab6f6c7d863e88a5849",
    11: "47c282116b892e5ac92ca238578006e31a47e7c7e70f0baa8b687f0a5203e28e"
    "a07bbbec765a98dcd654bad618475d4661bfaec3bd9ad2ed12e7abc251d94d33",
    12: "ded2694169b7b08e898f736d5de95af87c3f1a64594013351b1a796dbee393bd"
    "825f88f9468c84505ddd11eb0b1465ac9b43b9064aa8ec97f2b73e04758b8a4a",
    13: "58efc8bf2834d04768a3d7ffcd8e1e23d461561729beaac4e3e7a47829a1c906"
    "6d5320241e124a1a8e8aa6c75be0ba66f65bc8239a0542ed38e11276f6fdb4d9",
    14: "eeefbcf7c3803b523c94112023c7ff89558f9b8e0cf5d6cdcba3ade60f168af4"
    "a181c9c21774b94fbae6c90411995f7d854d02ebd93fb66043dbb06f17a831c1",
    15: "982372c867d229c236091f767e703253249a9b432c1710b4f326306bfa2428a1"
    "7b06240359606cfe4d580b10a5a1f63fbed499527069c18ae17060472969ae6e",
    16: "6a6277a2f74e1073601b4f9fed6e1e55226917efb0f0db8a07d98ab01df1ccf4"
    "3eb0e8c3159432acd4960e2f29fe84a4198501fa54c8dad9e43297453efec125",
    17: "6247a3433948b35fbfae414fa5a9355bfb45f56efa7ab4929e669264a0258976"
    "741dfbe3288bfb49828e5df02c2e633df38d2245e30162ae7e3bcca5b8b49345",
    18: "7e6a9c2e5f05179ddfc923f38f917c9e6831d16922a902b0b4758b8e79c2ab8a"
    "81bb5f29952e16ee6c5067ed044d7857b5de120a90704c1d3b637fd94b95b13e",
    19: "bca9d8b04242f175189872c42ceaa21e2951e0f0f272a0cc54fc37193ff66486"
    "00eaf1c555c70cdedfaf9fb74927de7aa1d33dc1e2a7f1a50619484989da0887",
    20: "89a66eb5590a1c94e3f1ee0e72acf49b1669e050bb5f93c73b066b564dca4e0c"
    "7556a52b323178269d64af325d8fdddb33da3a27c34409b821de82aa2bf1a27b",
    21: "9aef0573cef4ded9c4a75f148709056bf989f80dad96876aadeb6f1c6d062391"
    "f07a394a9e756d16f7eb233198d5b69407cca44594c763ab4a5b67ae73254678",
    22: "0d64f63dba1a6f11139df765cb690da69d9b2f469a1ddd0de5e4aa628abb28f7"
    "87f04c6a5fb84a235ec5ea7f41d0548746653ecab0559add658a83502d1cb21b",
    23: "3063a0bd81d68711197c8820a92466d51aeac93e915f5136d74f63c394ee6d88"
    "c5e8016231ea6580bec02e25d491f319d92e77f5c7f46a9caa8f3b53c0ea544f",
    24: "fa404d140d5819d39984833ca5ec3632cd4995f81e82db402371a4de7c2eae86"
    "87c62bc632a95b0c6aadba3fb02680a94e09174b7233ccd26d78baca2647c733",
    25: "0377d860cdb09a8a31ea1b0b8c04335614c8206357181573bf294c25d5ca7dff"
    "72387224fbd868897e6769f7805b3dab02854aec6d69d7492883b5e4e5f35eeb",
    26: "418dee4a74b9592198bd8fd02ad1aea76f9cf3085f206dfd7d594c9e264ae919"
    "611b1459a1cc920c2f143417744ba9edd7b8d51e44be9452344a225ff7eead19",
    27: "10ffd99837c512ef99752436a54b9810d1ac8878d368fb4b806267bdd664b4ab"
    "f276c9cd3c4b9039a1fa4315a0c326c0e8e9e8fe0eb588ffd4f9021bf7eae1a1",
    28: "55c77ce8562366c91e7cda394cf7b7c15a06c12d8c905e8b36ba9cf5e13eb37d"
    "1a429c589e8eaba4c591bc4b88a0e2828745a53e170eac300236f5c1a326f41a",
}

RECOGNISED_PTAU: dict[str, str] = {
    h: f"powersOfTau28_hez_final_{p:02d}.ptau" if p < 28 else "powersOfTau28_hez_final.ptau"
    for p, h in _HEZ_BLAKE2B.items()
}


def verdict(ptau_blake2b: str, n_contributions: int, delta_is_generator: bool) -> str | None:
    """None when the key is trusted; else why it keeps the development mark."""
    if ptau_blake2b not in RECOGNISED_PTAU:
        return (
            "its ptau is not a recognised public phase-1 ceremony (Blake2b "
            f"{ptau_blake2b[:16]}...): whoever made that ptau can forge proofs"
        )
    if n_contributions == 0 or delta_is_generator:
        return "phase 2 has no contribution (delta = gamma = the generator): anyone can forge"
    return None


def file_sha256(data: bytes) -> str:
    from zkcollat.formats.digest import sha256_hex  # the extension's SHA-256: no OpenSSL mapped

    return sha256_hex(data)


def _record_path(zkey_sha256: str) -> str:
    return cache_file("trusted", f"{zkey_sha256}.json")


def record_trusted(zkey_sha256: str, info: dict[str, Any]) -> None:
    """Remember that ``ceremony verify`` found this exact key file trusted (written
    atomically under a fresh temporary name, so two verifications at once cannot mix)."""
    write_cache_file(_record_path(zkey_sha256), json.dumps(info, indent=1, sort_keys=True))


def records_exist() -> bool:
    """Whether the cache holds any trust record: when it holds none, no key file is trusted
    whatever its bytes, and a caller need not hash the file (~3 ms for CollateralLock(20)'s
    3.7 MB key) to know it."""
    try:
        with os.scandir(cache_file("trusted")) as entries:
            return next(entries, None) is not None
    except OSError:  # no record directory (or none readable): no record
        return False


def trusted_file(data: bytes) -> bool:
    """Whether ``ceremony verify`` recorded the key file of these bytes as trusted
    (:func:`trusted_record` of its SHA-256; hashed only when :func:`records_exist`)."""
    return records_exist() and trusted_record(file_sha256(data)) is not None


def trusted_record(zkey_sha256: str) -> dict[str, Any] | None:
    """The record of an earlier successful verification of this key file, if any."""
    try:
        data = limits.read_json(_record_path(zkey_sha256), "trust record", limits.SMALL_JSON)
    except (OSError, LimitError):  # absent, unreadable or damaged: verify again
        return None
    return data if isinstance(data, dict) and data.get("zkey_sha256") == zkey_sha256 else None
