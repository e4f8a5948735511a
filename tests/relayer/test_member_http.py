"""A committee member's HTTP endpoint under hostile requests (issue 13): a body that is too
large, deeply nested, not UTF-8, or announced with a bogus Content-Length is answered with one
JSON error (400) and nothing is signed; the member keeps serving."""

from __future__ import annotations

import http.client
import json
import re
import threading
from collections.abc import Iterator

import pytest

from tests.margin.helpers import COMMITTEE_KEYS
from tests.relayer.test_lock_reports import honest
from zkcollat.relayer.member import make_server


@pytest.fixture
def port() -> Iterator[int]:
    server = make_server(honest(COMMITTEE_KEYS[0]), "127.0.0.1", 0)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        t.join(timeout=10)


def _post(port: int, body: bytes, length: str | None = None) -> tuple[int, dict[str, object]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.putrequest("POST", "/v1/lock")
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", str(len(body)) if length is None else length)
        conn.endheaders()
        conn.send(body)
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read())
    finally:
        conn.close()


def _health(port: int) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/v1/health")
        return conn.getresponse().status
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("body", "length", "why"),
    [
        (b"[" * 100_000 + b"]" * 100_000, None, "Content-Length .* not a length up to"),
        (b"[" * 1_000, None, "nested"),
        (b"\xff\xfe{}", None, "UTF-8"),
        (b'{"x": ' + b"9" * 5000 + b"}", None, "digits"),
        (b"{}", "-1", "Content-Length"),
        (b"{}", "1099511627776", "Content-Length"),
        (b"{}", "12abc", "Content-Length"),
        (b"{", None, "JSON"),
    ],
    ids=["huge", "deep", "not-utf8", "digits", "negative", "tib", "garbage", "cut"],
)
def test_hostile_requests_are_refused_and_the_member_keeps_serving(
    port: int, body: bytes, length: str | None, why: str
) -> None:
    status, answer = _post(port, body, length)
    assert status == 400, answer
    assert isinstance(answer.get("error"), str)
    assert re.search(why, str(answer["error"])), answer
    assert "signature" not in answer
    assert _health(port) == 200



@pytest.mark.parametrize(
    ("answer", "status", "why"),
    [
        (b"[" * 10_000, 200, "nested deeper"),
        (b"\xff{}", 200, "UTF-8"),
        (b'{"signature": "' + b"a" * (1 << 20) + b'"}', 200, "above the limit|larger"),
        (b"[" * 10_000, 409, "HTTP 409"),
        (b'{"signature": "0x12"}', 200, None),
    ],
    ids=["deep", "not-utf8", "huge", "deep-error", "valid"],
)
def test_relayer_reads_a_members_answer_within_limits(
    answer: bytes, status: int, why: str | None
) -> None:
    """A member's answer is input too: a hostile member cannot crash the relayer."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from zkcollat.relayer.config import MemberEndpoint
    from zkcollat.relayer.service import ask_http

    class Hostile(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.send_response(status)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        ep = MemberEndpoint("0x" + "01" * 20, f"http://127.0.0.1:{server.server_address[1]}")
        out = ask_http(ep, "/v1/lock", {"x": 1})
    finally:
        server.shutdown()
        server.server_close()
        t.join(timeout=10)
    if why is None:
        assert out == {"signature": "0x12"}
    else:
        assert re.search(why, str(out.get("error"))), out
