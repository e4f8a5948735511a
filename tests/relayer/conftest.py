"""A devnet with the contracts deployed for each test module, always brought down.

Keys and deployments are made once per session: a template devnet is brought up (proving keys
set up, every contract deployed, accounts funded and minted), then down, which has each anvil
node save its state. Every module gets a copy of that folder, brought up from the saved state on
fresh ports: the same chains as a devnet made from scratch (same contracts, balances, journals),
private to the module, for the cost of starting two nodes.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from zkcollat.chain.anvil import anvil_binary, free_port
from zkcollat.chain.errors import ChainError
from zkcollat.contracts.toolchain import PROJECT
from zkcollat.relayer import devnet as dn
from zkcollat.relayer.contracts import ensure_build


def contracts_project() -> Path:
    """The Foundry project (``verifier_contracts``), built with the pinned forge if needed."""
    p = Path(os.environ.get("ZKCOLLAT_CONTRACTS_PROJECT", PROJECT))
    ensure_build(p)
    return p


@pytest.fixture(scope="session")
def devnet_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A deployed devnet's folder, its nodes stopped with their state saved."""
    try:
        anvil_binary()
    except ChainError as e:
        pytest.skip(str(e))
    project = contracts_project()
    d = tmp_path_factory.mktemp("devnet-template")
    try:
        dn.up(d, project=project, log=lambda _s: None)
    finally:
        if (d / "devnet.json").exists():
            dn.down(d)
    for side in dn.SIDES:
        if not (d / f"state-{side}.json").is_file():
            pytest.fail(f"the template devnet's {side} node saved no state in {d}")
    return d


@pytest.fixture(scope="module")
def devnet(devnet_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dn.Devnet]:
    d = tmp_path_factory.mktemp("devnet")
    shutil.copytree(devnet_template, d, dirs_exist_ok=True)
    copy = dn.load(d)
    for side in dn.SIDES:  # the template's ports may have been taken since
        copy.side(side)["port"] = free_port()
    copy.save()
    try:
        yield dn.up(d, log=lambda _s: None)
    finally:
        dn.down(d)
