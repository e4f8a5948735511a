"""Many Poseidon hashes at once, through the active backend (the bulk path for trees).

The function itself is :mod:`zkcollat.hash`; this module only batches it onto a backend
(native: Rust over circomlib's optimised constants; reference: the plain function per tuple).
"""

from __future__ import annotations

from collections.abc import Sequence

from zkcollat.curve.backend import get_backend
from zkcollat.field import FR_BYTES, R, check_fr, unpack_fr


def poseidon_many(batch: Sequence[Sequence[int]]) -> list[int]:
    """Hash many input lists (each 1..16 field elements) in one go: the bulk path for trees.

    Lists of the same width go to the active backend's ``poseidon_packed`` in one call (native:
    Rust over circomlib's optimised constants; reference: :func:`zkcollat.hash.poseidon_hash`
    per tuple). Every input is range-checked first, naming ``batch[i][j]``; results keep the
    order of ``batch``.
    """
    from zkcollat.hash.poseidon import check_arity

    groups: dict[int, list[int]] = {}
    for i, item in enumerate(batch):
        check_arity(len(item))
        for j, v in enumerate(item):
            if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < R:
                check_fr(v, f"poseidon_many batch[{i}][{j}]")
        groups.setdefault(len(item), []).append(i)
    out = [0] * len(batch)
    backend = get_backend()
    for n, rows in groups.items():
        packed = b"".join(v.to_bytes(FR_BYTES, "big") for i in rows for v in batch[i])
        hashes = unpack_fr(backend.poseidon_packed(n, packed))
        for i, h in zip(rows, hashes, strict=True):
            out[i] = h
    return out
