"""The trust record cache: a damaged, oversized or foreign record is ignored (the key is
verified again), never trusted and never a crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from zkcollat.ceremony import trust

H = "ab" * 32


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZKCOLLAT_CACHE", str(tmp_path))


def _path() -> Path:
    return Path(trust.cache_dir()) / "trusted" / f"{H}.json"


def test_a_written_record_is_read_back() -> None:
    assert trust.trusted_record(H) is None
    trust.record_trusted(H, {"zkey_sha256": H, "contributions": 2})
    assert trust.trusted_record(H) == {"zkey_sha256": H, "contributions": 2}


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        "[1, 2]",
        '{"zkey_sha256": "' + "cd" * 32 + '"}',  # another key's record under this name
        "[" * 10_000 + "]" * 10_000,
        '{"zkey_sha256": "' + H + '", "n": ' + "9" * 5000 + "}",
    ],
    ids=["not-json", "not-object", "other-key", "deep", "huge-number"],
)
def test_a_damaged_record_is_ignored(text: str) -> None:
    _path().parent.mkdir(parents=True)
    _path().write_text(text)
    assert trust.trusted_record(H) is None


def test_an_oversized_record_is_ignored_without_reading_it() -> None:
    _path().parent.mkdir(parents=True)
    with _path().open("wb") as f:
        f.truncate(64 << 20)  # sparse: 64 MB of zeros, above the small-JSON limit
    assert trust.trusted_record(H) is None
