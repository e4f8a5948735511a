"""Fixtures for chain tests: anvil nodes that are always stopped, and funded dev accounts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from zkcollat.chain.anvil import AnvilProcess, anvil_binary, start_anvil, stop_anvil
from zkcollat.chain.errors import ChainError


@pytest.fixture
def anvil_factory(tmp_path: Path) -> Iterator[Callable[..., AnvilProcess]]:
    """Start anvil nodes; every node started is stopped when the test ends, pass or fail."""
    try:
        anvil_binary()
    except ChainError as e:
        pytest.skip(str(e))
    started: list[AnvilProcess] = []

    def start(chain_id: int = 31337, block_time_s: float | None = None) -> AnvilProcess:
        node = start_anvil(
            chain_id, block_time_s=block_time_s, log_path=tmp_path / f"anvil-{chain_id}.log"
        )
        started.append(node)
        return node

    try:
        yield start
    finally:
        for node in started:
            stop_anvil(node)
