"""Every binary reader (.r1cs, .wtns, .zkpk, .zkey, .ptau) on a file cut short inside each of
its sections (and inside its headers): the reader's own error class, one message that names
the file and the offset where the data ran out, never anything else (issue 13).

Cut points come from the files' own layout: for the iden3 containers (.r1cs, .wtns, .zkey,
.ptau) the file header, each section header and the start, middle and end of each payload;
for .zkpk the magic, the header length, the JSON header and each section of the payload.
"""

from __future__ import annotations

import json
import struct
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.ceremony.makers import make_ptau, tiny_r1cs
from tests.groth16.circuits import Cube
from zkcollat.curve import load_backend, use_backend
from zkcollat.errors import EncodingError, KeyFormatError
from zkcollat.formats import pkey
from zkcollat.formats.digest import sha256_hex
from zkcollat.formats.ptau import PtauError, read_ptau
from zkcollat.formats.r1cs_bin import r1cs_bytes, read_r1cs
from zkcollat.formats.wtns import read_wtns, wtns_bytes
from zkcollat.formats.zkey import ZkeyError, read_zkey
from zkcollat.groth16.setup import setup

SECRETS = (0x1234567, 0x89ABCDEF, 0x13579BDF)


def container_cuts(data: bytes) -> list[int]:
    """Lengths to cut an iden3 container to: inside its header and each section's."""
    cuts = {0, 3, 4, 8, 11}
    (n,) = struct.unpack_from("<I", data, 8)
    pos = 12
    for _ in range(n):
        kind, size = struct.unpack_from("<IQ", data, pos)
        cuts |= {pos, pos + 4, pos + 11}
        start = pos + 12
        cuts |= {start, start + 1, start + size // 2, start + size - 1}
        pos = start + size
    assert pos == len(data)
    return sorted(c for c in cuts if 0 <= c < len(data))


def zkpk_cuts(data: bytes) -> list[int]:
    n = int.from_bytes(data[8:12], "big")
    cuts = {0, 7, 8, 11, 12, 12 + n // 2, 12 + n - 1, 12 + n}
    header = json.loads(data[12 : 12 + n])
    for off, length in header["sections"].values():
        start = 12 + n + off
        cuts |= {start + 1, start + length // 2, start + length - 1}
    return sorted(c for c in cuts if 0 <= c < len(data))


@pytest.fixture(scope="module")
def files() -> dict[str, tuple[bytes, Callable[[Path], Any], type[Exception], list[int]]]:
    from zkcollat.ceremony.phase2 import circuit_from_r1cs, new_zkey

    cs = Cube().compile()
    native = load_backend("native")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pk, _ = setup(cs, seed=b"truncation", backend=native)
    with use_backend("native"):
        ptau = make_ptau(2, *SECRETS)
        zkey = new_zkey(circuit_from_r1cs(tiny_r1cs()), read_ptau(ptau)).to_bytes()
    wtns = wtns_bytes(cs.solve({"y": 35, "tag": 7, "x": 3}))
    r1cs = r1cs_bytes(cs)
    zkpk = pkey.encode(pk)
    return {
        "r1cs": (r1cs, read_r1cs, EncodingError, container_cuts(r1cs)),
        "wtns": (wtns, read_wtns, EncodingError, container_cuts(wtns)),
        "zkey": (zkey, read_zkey, ZkeyError, container_cuts(zkey)),
        "ptau": (ptau, read_ptau, PtauError, container_cuts(ptau)),
        "zkpk": (zkpk, lambda p: pkey.load(p, warn=False), KeyFormatError, zkpk_cuts(zkpk)),
    }


@pytest.mark.parametrize("kind", ["r1cs", "wtns", "zkey", "ptau", "zkpk"])
def test_truncated_inside_every_section_names_file_and_offset(
    kind: str,
    files: dict[str, tuple[bytes, Callable[[Path], Any], type[Exception], list[int]]],
    tmp_path: Path,
) -> None:
    data, read, error, cuts = files[kind]
    path = tmp_path / f"cut.{kind}"
    path.write_bytes(data)
    read(path)  # the whole file reads
    assert len(cuts) >= 10
    for n in cuts:
        path.write_bytes(data[:n])
        with pytest.raises(error) as e:
            read(path)
        msg = str(e.value)
        assert str(path) in msg, (n, msg)
        assert "offset" in msg or "empty" in msg, (n, msg)
        assert "\n" not in msg and "Traceback" not in msg


@pytest.mark.parametrize("kind", ["r1cs", "wtns", "zkey", "ptau"])
def test_trailing_bytes_named_with_their_offset(
    kind: str,
    files: dict[str, tuple[bytes, Callable[[Path], Any], type[Exception], list[int]]],
    tmp_path: Path,
) -> None:
    data, read, error, _ = files[kind]
    path = tmp_path / f"long.{kind}"
    path.write_bytes(data + b"\x00" * 3)
    with pytest.raises(error, match=rf"3 trailing bytes .*offset {len(data)}") as e:
        read(path)
    assert str(path) in str(e.value)


def test_zkpk_section_table_outside_the_payload_is_refused(
    files: dict[str, tuple[bytes, Callable[[Path], Any], type[Exception], list[int]]],
) -> None:
    data = files["zkpk"][0]
    n = int.from_bytes(data[8:12], "big")
    header = json.loads(data[12 : 12 + n])
    payload = data[12 + n :]

    def with_sections(**changes: list[int]) -> bytes:
        h = dict(header, sections={**header["sections"], **changes})
        head = json.dumps(h, sort_keys=True).encode()
        return data[:8] + len(head).to_bytes(4, "big") + head + payload

    off, length = header["sections"]["beta_g1"]
    for bad, why in (
        ([off, len(payload)], "beyond"),
        ([-64, 64], "offset -64"),
        ([off, -1], "-1"),
        ([len(payload) + 1, 0], "beyond"),
        (["0", 64], "not"),
    ):
        with pytest.raises(KeyFormatError, match=why) as e:
            pkey.decode(with_sections(beta_g1=bad), source="proving key 'k.zkpk'", warn=False)
        assert "beta_g1" in str(e.value) and "'k.zkpk'" in str(e.value)


@pytest.mark.parametrize("start", [0, 1, 100, 999, 1000, 5000])
def test_the_payload_hash_is_sha256_of_the_tail(start: int) -> None:
    """The key file's payload hash (native when the extension has it) is SHA-256 of the bytes
    from ``start`` on; past the end, of nothing."""
    import hashlib

    data = bytes(range(256)) * 4 + b"tail"
    assert sha256_hex(data, start) == hashlib.sha256(data[start:]).hexdigest()
    assert sha256_hex(memoryview(data), start) == hashlib.sha256(data[start:]).hexdigest()
