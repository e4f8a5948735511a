"""``devnet.json`` is read within limits: a missing, damaged or oversized state file is
refused with a DevnetError that names it (no node is needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from zkcollat.relayer import devnet as dn


def test_no_devnet(tmp_path: Path) -> None:
    with pytest.raises(dn.DevnetError, match="no devnet in .*does not exist"):
        dn.load(tmp_path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{oops", r"devnet state file .*devnet.json' is not valid JSON"),
        ("[" * 10_000 + "]" * 10_000, "nested deeper than the limit"),
        ("[]", "has no 'source' and 'execution' sections"),
        ('{"source": {}, "execution": 3}', "has no 'source' and 'execution' sections"),
    ],
    ids=["not-json", "deep", "list", "no-sections"],
)
def test_a_damaged_state_file_is_named(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "devnet.json").write_text(text)
    with pytest.raises(dn.DevnetError, match=message):
        dn.load(tmp_path)


def test_an_oversized_state_file_is_refused_before_reading(tmp_path: Path) -> None:
    with (tmp_path / "devnet.json").open("wb") as f:
        f.truncate(64 << 20)
    with pytest.raises(dn.DevnetError, match="above the limit"):
        dn.load(tmp_path)
