"""SHA-256 for the file formats, without OpenSSL where the native extension hashes.

``hashlib`` maps OpenSSL (~2.5 ms and ~3.5 MB of a proving process that needs nothing else
from it); the extension's ``sha256`` gives the same digest. Kept apart from the formats that
use it (``pkey``, the ``.zkey`` cache names of :mod:`zkcollat.ceremony.keys`) so that a
caller hashing bytes loads no key classes.
"""

from __future__ import annotations


def sha256_hex(data: bytes | memoryview, start: int = 0) -> str:
    """SHA-256 of ``data[start:]`` in hex, with no copy of the slice: the native extension's
    when it has one, else ``hashlib``'s."""
    if isinstance(data, bytes):
        try:
            from zkcollat import _native
        except ImportError:  # a pure-Python install
            pass
        else:
            if hasattr(_native, "sha256"):  # not in an extension built before it
                return _native.sha256(data, start).hex()
    import hashlib

    return hashlib.sha256(memoryview(data)[start:]).hexdigest()
