"""Gathering committee signatures to the threshold: one path for root attestations, vault
messages and lock reports.

The gatherer asks each member not yet in ``have`` (until ``threshold`` are), and keeps a
member's signature only if its answer passes ``check`` (the member read what the gatherer read)
and the signature recovers to that member over the gatherer's own digest. A refusal is
reported as ``member_refused``, anything else as ``member_misbehaved``, and skipped: one member
can neither block nor forge the subject.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from typing import Any

from zkcollat.attest.secp256k1 import Signature, recover_address
from zkcollat.errors import ZkcollatError
from zkcollat.formats import limits
from zkcollat.relayer.config import MemberEndpoint

Asker = Callable[[MemberEndpoint, str, dict[str, Any]], dict[str, Any]]
#: (kind, member address, what): kind is ``member_refused`` or ``member_misbehaved``
OnProblem = Callable[[str, str, str], None]
Check = Callable[[dict[str, Any]], str | None]


def ask_http(member: MemberEndpoint, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST ``body`` to a member; its JSON answer, or ``{"error": ...}`` on any failure."""
    req = urllib.request.Request(
        member.url.rstrip("/") + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    what = f"answer of member {member.address} to {path}"
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            out = limits.loads(resp.read(ANSWER_LIMITS.max_bytes + 1), what, ANSWER_LIMITS)
    except urllib.error.HTTPError as e:
        try:
            out = limits.loads(e.read(ANSWER_LIMITS.max_bytes + 1), what, ANSWER_LIMITS)
        except (limits.LimitError, OSError):
            out = {"error": f"HTTP {e.code}"}
    except limits.LimitError as e:  # a member's answer is input like any other
        out = {"error": str(e)}
    except OSError as e:
        out = {"error": f"unreachable: {e}"}
    return out if isinstance(out, dict) else {"error": "answer is not a JSON object"}


#: A member's answer is a small JSON object (a signature, or an error).
ANSWER_LIMITS = limits.Limits(max_bytes=64 << 10, max_depth=16)


def gather(
    members: Sequence[MemberEndpoint],
    threshold: int,
    ask: Asker,
    path: str,
    body: dict[str, Any],
    digest: bytes,
    have: dict[str, bytes],
    *,
    check: Check = lambda _a: None,
    on_problem: OnProblem = lambda _k, _w, _p: None,
) -> dict[str, bytes]:
    """``have`` (member -> 65-byte signature of ``digest``) completed up to ``threshold``."""
    for m in members:
        if len(have) >= threshold:
            break
        if m.address in have:
            continue
        ans = ask(m, path, body)
        if "error" in ans:
            on_problem("member_refused", m.address, str(ans["error"]))
            continue
        problem = check(ans)
        sig_hex = ans.get("signature")
        if problem is None:
            try:
                sig = Signature.from_bytes(str(sig_hex))
                signer = recover_address(digest, sig)
            except ZkcollatError as e:
                problem = f"unusable signature {sig_hex!r}: {e}"
            else:
                if signer != m.address:
                    problem = (
                        f"signature recovers to {signer}, not to the member: it signed "
                        "something else than the subject"
                    )
        if problem is not None:
            on_problem("member_misbehaved", m.address, problem)
            continue
        have[m.address] = sig.to_bytes()
    return have
