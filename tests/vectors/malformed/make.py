"""Regenerate the malformed-input corpus of this folder: ``python tests/vectors/malformed/make.py``.

Each file is one way a JSON input can be hostile (issue 13); ``tests/cli/test_fuzz.py`` gives
every one of them to every command that reads a JSON file and expects exit status 2 with one
``error:`` line. The binary ones (``*.sqlite``) go to the commands that open a vault.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

HERE = Path(__file__).parent

JSON = {
    "deep_array.json": b"[" * 150_000 + b"]" * 150_000,
    "deep_object.json": b'{"a":' * 5_000 + b"1" + b"}" * 5_000,
    "digits_5000.json": b"[" + b"9" * 5000 + b"]",
    "digits_string_5000.json": b'["' + b"9" * 5000 + b'"]',
    "negative.json": b'["-1", "-2", "-3", "-4", "-5", "-6", "-7"]',
    "float_inf.json": b"[1e999999]",
    "nan.json": b"[NaN]",
    "binary.json": bytes(range(256)) * 4,
    "utf16.json": '{"a": 1}'.encode("utf-16"),
    "empty.json": b"",
    "whitespace.json": b" \n\t ",
    "null.json": b"null",
    "number.json": b"42",
    "string.json": b'"hello"',
    "empty_object.json": b"{}",
    "empty_array.json": b"[]",
    "truncated.json": b'{"protocol": "groth16", "curve": "bn128", "nPublic": 7, "vk_alph',
    "wrong_types.json": b'{"protocol": 1, "curve": [], "nPublic": "7", "IC": {}, "pi_a": 5, '
                        b'"members": "x", "threshold": null, "epoch": -1, "locks": 3, '
                        b'"attestation": [], "signatures": 7, "depth": "deep"}',
    "huge_count.json": b'{"protocol": "groth16", "curve": "bn128", "nPublic": 4294967296, '
                       b'"IC": []}',
    "bool_for_int.json": b'{"epoch": true, "members": [], "threshold": true}',
    "array_of_nulls.json": b"[" + b"null," * 1000 + b"null]",
}


def main() -> None:
    for name, data in JSON.items():
        (HERE / name).write_bytes(data)
    (HERE / "zero_bytes.sqlite").write_bytes(b"")
    (HERE / "text.sqlite").write_bytes(b"this is not a database\n" * 50)
    foreign = HERE / "foreign.sqlite"
    foreign.unlink(missing_ok=True)
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE people (name TEXT)")
    conn.execute("INSERT INTO people VALUES ('ada')")
    conn.commit()
    conn.close()
    header_only = HERE / "header_only.sqlite"
    header_only.write_bytes(b"SQLite format 3\x00" + bytes(84))


if __name__ == "__main__":
    main()
