"""Records that a proving key's B2 query lies in G2, in the cache directory (one home for
``.zkpk`` and ``.zkey`` keys).

Why: B2 (``sum_j w_j B2_j`` in G2) is a proof's largest MSM. The native prover halves its
windows by G2's endomorphism ``phi`` (GLV), which acts as a scalar only on G2's points; on a
twist point outside G2 (a cofactor part) the split sum differs from the plain one. Points read
from a key file are checked on the twist only, and a full subgroup check costs ~90 us a point
(~0.4 s CPU at CollateralLock(20)), more than the split saves per proof (~14 ms), so the check
is made once and remembered here: an empty file ``b2/<sha256 of the query's bytes>.<layout>.ok``
says "these bytes, read in this layout (``std``: a ``.zkpk``'s ``b_g2_query``; ``lem``: a
``.zkey``'s section 7), are points of G2". It is written where that is known: a key made by
``setup`` or converted from a ``.zkey`` (checked) when saved (:func:`zkcollat.formats.pkey.save`),
a ``.zkey``'s section on its first ``prove --zkey --wtns``; it is read where a key is loaded.

Soundness. The record is the cache directory's word, like the trust records: whoever can
write there can make a B2 with a point outside G2 pass for checked. What that can do:

* Nothing to a well-formed key: on G2 the split is exact, record or none.
* For a key with a point outside G2, a split over it gives a B that differs from the plain
  sum's only by a cofactor-order part. A verifier refuses B outside G2, so such a proof is
  refused, never accepted for a false statement (Groth16's soundness holds whatever the prover
  computes); with the plain sum the same key gives a B outside G2 as well, unless that wire's
  values kill the cofactor part. So a forged record can only make the cache owner's own proofs
  fail, and only with a key that is malformed already.
* It is also caught where it matters. A proof made on a record's word has its B checked in G2
  (one point, ~0.1 ms natively: :data:`~zkcollat.groth16.keys.ProvingKey.b_g2_on_record`, in
  :func:`zkcollat.groth16.prove.fullprove` and :func:`~zkcollat.groth16.prove.prove`, both
  backends); B outside G2 sends the whole query to be checked, and the bad point is refused by
  name (:class:`~zkcollat.errors.KeyFormatError`). B in G2 means the split gave the plain sum's
  G2 part: the proof is the one the plain sum would give, less a cofactor part a verifier
  refuses. The ``.zkey`` path verifies every proof besides and checks B2 anew when one fails
  (``zkcollat.ceremony.keys.prove_zkey_file``).

The query is hashed only when the cache holds some record (no record: no hashing, ~1 ms per MB).
"""

from __future__ import annotations

import contextlib
import os
from typing import Literal

from zkcollat.db import cache_file, write_cache_file
from zkcollat.errors import KeyFormatError, PointError
from zkcollat.formats.digest import sha256_hex

#: How a B2 query's bytes are laid out: ``std`` zkcollat's (``x.c0 || x.c1 || y.c0 || y.c1``,
#: big-endian), ``lem`` a ``.zkey``'s (little-endian Montgomery words).
Layout = Literal["std", "lem"]


def _folder() -> str:
    return cache_file("b2")


def entry(b2: bytes, layout: Layout) -> str:
    """The record's file for a B2 query's bytes in ``layout`` (named by their SHA-256)."""
    return cache_file("b2", f"{sha256_hex(bytes(b2))}.{layout}.ok")


def recorded(b2: bytes, layout: Layout) -> bool:
    """Whether the cache records these bytes as checked in G2 (not hashed when it holds no
    record at all)."""
    try:
        with os.scandir(_folder()) as entries:
            if next(entries, None) is None:
                return False
    except OSError:  # no record folder (or none readable): no record
        return False
    return os.path.exists(entry(b2, layout))


def record(b2: bytes, layout: Layout) -> None:
    """Record these bytes as checked in G2 (the caller knows they are). A cache that cannot
    be written is left alone: the next load sums B2 plainly, which is exact on any point."""
    with contextlib.suppress(OSError):
        write_cache_file(entry(b2, layout), b"")


def check(b2: bytes, layout: Layout) -> bytes:
    """Check every point of the query in G2 (on the active backend) and return it in zkcollat's
    layout; :class:`KeyFormatError` naming the first point outside G2, in the same words for
    both layouts and both backends: ``the key's B2 query (<where>): point[j] is not in the
    r-order subgroup G2``."""
    if layout == "std":
        from zkcollat.groth16.keys import check_b2_query

        check_b2_query(b2)
        return b2
    from zkcollat.formats.lem import lem_to_std

    try:
        return lem_to_std(b2, g2=True, subgroup=True)
    except PointError as e:
        raise KeyFormatError(f"the key's B2 query (section 7): {e}") from e


def known_in_g2(b2: bytes, layout: Layout, *, fresh: bool = False) -> bool:
    """Make sure the query's points are in G2: True when the cache records an earlier check
    of these very bytes, else (or with ``fresh``) check them now (:func:`check`, a point outside
    refused by name), record it and return False."""
    if not fresh and recorded(b2, layout):
        return True
    check(b2, layout)
    record(b2, layout)
    return False
