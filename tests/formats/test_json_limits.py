"""JSON nesting is bounded without touching the interpreter's recursion limit.

The limit is process-wide: a reader that lowered it while parsing (as ``loads`` once did) could
make any other thread of a service (a relayer's HTTP handler, pytest's own reporting) fail with
``RecursionError`` at an ordinary depth. What must hold: the limit is never changed, the depth
is still refused by name, and brackets inside strings do not count.
"""

from __future__ import annotations

import sys
import threading

import pytest

from zkcollat.formats.limits import LimitError, Limits, loads

LIMITS = Limits(max_depth=64)


@pytest.fixture(autouse=True)
def _limit_untouchable(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(_: int) -> None:
        raise AssertionError("loads changed the interpreter's recursion limit")

    monkeypatch.setattr(sys, "setrecursionlimit", refuse)


def test_depth_at_the_limit_parses_and_one_more_is_refused() -> None:
    assert loads("[" * 64 + "]" * 64, "t", LIMITS) is not None
    assert loads('{"a":' * 64 + "1" + "}" * 64, "t", LIMITS) is not None
    with pytest.raises(LimitError, match="t: JSON nested deeper than the limit of 64 levels"):
        loads("[" * 65 + "]" * 65, "t", LIMITS)
    with pytest.raises(LimitError, match="nested deeper than the limit of 64"):
        loads('{"a":' * 40 + "[" * 25 + "]" * 25 + "}" * 40, "t", LIMITS)


@pytest.mark.parametrize("n", [65, 150_000])
def test_hostile_depth_is_refused_without_a_traceback(n: int) -> None:
    with pytest.raises(LimitError, match="nested deeper"):
        loads("[" * n, "t", LIMITS)
    with pytest.raises(LimitError, match="nested deeper"):
        loads("{" * n, "t", Limits(max_depth=5))


def test_brackets_inside_strings_do_not_count() -> None:
    s = "[" * 500 + "{" * 500
    assert loads(f'["{s}"]', "t", LIMITS) == [s]
    assert loads('{"' + s + '": 1}', "t", LIMITS) == {s: 1}
    # an escaped quote does not end the string, an escaped backslash does not escape the quote
    assert loads(r'["\"[[[[", "\\", [["x"]]]', "t", LIMITS) == ['"[[[[', "\\", [["x"]]]
    assert loads('["\\u005b[[["]', "t", LIMITS) == ["[[[["]


def test_malformed_text_still_named_as_invalid_json() -> None:
    for bad in ('["unterminated [[[', '[1"[[[', "[]]]]", '"\\'):
        with pytest.raises(LimitError, match="t is not valid JSON"):
            loads(bad, "t", LIMITS)


def test_other_threads_keep_their_stack_while_hostile_json_is_parsed() -> None:
    """A thread deep in ordinary recursion is not cut short by a parse in another thread."""
    stop = threading.Event()

    def parse_hostile() -> None:
        while not stop.is_set():
            with pytest.raises(LimitError):
                loads("[" * 10_000, "t", LIMITS)

    def recurse(k: int) -> int:
        return 0 if k == 0 else 1 + recurse(k - 1)

    t = threading.Thread(target=parse_hostile)
    t.start()
    try:
        depth = sys.getrecursionlimit() - 200
        for _ in range(200):
            assert recurse(depth) == depth
    finally:
        stop.set()
        t.join()
