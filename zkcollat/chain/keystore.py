"""Development keystores: eth-account (Web3 Secret Storage) files, opened with a password file.

Keys never travel on a command line or in a configuration file: a configuration names a
keystore file and a password file (or the ``ZKCOLLAT_KEYSTORE_PASSWORD`` environment variable).
Keystores made by :func:`create_keystore` with ``development=True`` use a light KDF (PBKDF2,
2^14 rounds: fast to open in tests and devnets) and carry ``"zkcollat": {"development": true}``;
:func:`load_account` reports that mark so tools can say so.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount

from zkcollat.chain.errors import KeystoreError
from zkcollat.db import atomic_write
from zkcollat.formats import limits

PASSWORD_ENV = "ZKCOLLAT_KEYSTORE_PASSWORD"
DEV_KDF_ITERATIONS = 2**14


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (temp file + rename), readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, text, secret=True)


@dataclass(frozen=True)
class KeystoreRef:
    """Where an account's key is: a keystore file and the file holding its password."""

    keystore: Path
    password_file: Path | None

    def to_json(self) -> dict[str, str]:
        d = {"keystore": str(self.keystore)}
        if self.password_file is not None:
            d["passwordFile"] = str(self.password_file)
        return d

    @classmethod
    def from_json(cls, d: Any, base: Path | None = None) -> KeystoreRef:
        if not isinstance(d, dict) or not isinstance(d.get("keystore"), str):
            raise KeystoreError(f"keystore reference {d!r} has no 'keystore' path")
        pw = d.get("passwordFile")
        if pw is not None and not isinstance(pw, str):
            raise KeystoreError(f"passwordFile = {pw!r} is not a path")

        def resolve(p: str) -> Path:
            q = Path(p)
            return q if q.is_absolute() or base is None else base / q

        return cls(resolve(d["keystore"]), resolve(pw) if pw is not None else None)


def create_keystore(
    path: Path,
    password_file: Path,
    *,
    private_key: bytes | None = None,
    development: bool = True,
) -> str:
    """Write a new keystore (and its password file); return the account's address (lower case).

    A fresh random key and password unless ``private_key`` is given. Refuses to overwrite.
    """
    if path.exists():
        raise KeystoreError(f"keystore {path} already exists; refusing to overwrite it")
    key = private_key if private_key is not None else secrets.token_bytes(32)
    password = secrets.token_hex(16)
    kwargs: dict[str, Any] = (
        {"kdf": "pbkdf2", "iterations": DEV_KDF_ITERATIONS} if development else {"kdf": "scrypt"}
    )
    ks = Account.encrypt(key, password, **kwargs)
    ks["zkcollat"] = {"development": development}
    write_private(password_file, password + "\n")
    write_private(path, json.dumps(ks, indent=1) + "\n")
    return "0x" + str(ks["address"]).lower().removeprefix("0x")


def read_password(ref: KeystoreRef) -> str:
    if ref.password_file is not None:
        try:
            return ref.password_file.read_text().rstrip("\n")
        except OSError as e:
            raise KeystoreError(f"cannot read password file {ref.password_file}: {e}") from e
    pw = os.environ.get(PASSWORD_ENV)
    if pw is None:
        raise KeystoreError(
            f"no password for keystore {ref.keystore}: give a password file or set {PASSWORD_ENV}"
        )
    return pw


@dataclass(frozen=True)
class LoadedAccount:
    account: LocalAccount
    development: bool

    @property
    def address(self) -> str:
        return str(self.account.address).lower()


def load_account(ref: KeystoreRef) -> LoadedAccount:
    """Open a keystore; raises :class:`KeystoreError` naming the file on any failure."""
    try:
        raw = limits.read_bytes(ref.keystore, "keystore", limits.SMALL_JSON.max_bytes)
    except limits.LimitError as e:
        raise KeystoreError(f"cannot read keystore {ref.keystore}: {e}") from e
    try:
        data = limits.loads(raw, f"keystore {ref.keystore}", limits.SMALL_JSON)
    except limits.LimitError as e:  # not UTF-8, not JSON, too deep, too many digits
        raise KeystoreError(f"keystore {ref.keystore} is not JSON within the limits: {e}") from e
    if not isinstance(data, dict) or "crypto" not in data:
        raise KeystoreError(f"keystore {ref.keystore} has no 'crypto' section")
    password = read_password(ref)
    try:
        key = Account.decrypt(data, password)
    except ValueError as e:
        raise KeystoreError(f"keystore {ref.keystore} does not open with its password: {e}") from e
    acct: LocalAccount = Account.from_key(key)
    mark = data.get("zkcollat")
    dev = bool(mark.get("development")) if isinstance(mark, dict) else False
    return LoadedAccount(acct, dev)
