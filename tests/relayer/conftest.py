"""A devnet with the contracts deployed, shared by a test module; always brought down."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from zkcollat.chain.anvil import anvil_binary
from zkcollat.chain.errors import ChainError
from zkcollat.contracts.toolchain import PROJECT
from zkcollat.relayer import devnet as dn
from zkcollat.relayer.contracts import ensure_build


def contracts_project() -> Path:
    """The Foundry project (``verifier_contracts``), built with the pinned forge if needed."""
    p = Path(os.environ.get("ZKCOLLAT_CONTRACTS_PROJECT", PROJECT))
    ensure_build(p)
    return p


@pytest.fixture(scope="module")
def devnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dn.Devnet]:
    try:
        anvil_binary()
    except ChainError as e:
        pytest.skip(str(e))
    project = contracts_project()
    d = tmp_path_factory.mktemp("devnet")
    try:
        yield dn.up(d, project=project, log=lambda _s: None)
    finally:
        if (d / "devnet.json").exists():
            dn.down(d)
