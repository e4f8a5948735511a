"""Issue 20 (a newcomer's first hour): the packaged venue config, ``attest sign --append``
with only the key and the bundle, ``demo --force``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import EXAMPLE_VENUE, NOW, World, fails, run


def test_example_config_is_the_packaged_file() -> None:
    out = run("margin", "example-config").stdout
    assert out == EXAMPLE_VENUE.read_text()
    assert json.loads(out)["chain_id"] == 42161


def test_margin_init_without_config_anywhere(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # outside the repository: no zkcollat/margin/ here
    venue = tmp_path / "venue"
    v = ["margin", "--venue", str(venue), "--now", str(NOW)]
    out = run(*v, "init", "--committee", str(world.committee), "--vk", str(world.vk), "--json")
    assert json.loads(out.stdout)["chain_id"] == 42161
    written = json.loads((venue / "config.json").read_text())
    example = json.loads(EXAMPLE_VENUE.read_text())
    assert written == {**example, "verifying_key_path": "verification_key.json"}
    assert "already exists" in fails(
        *v, "init", "--committee", str(world.committee), "--vk", str(world.vk)
    )
