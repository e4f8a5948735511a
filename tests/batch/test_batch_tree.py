"""A vault's tree hashed in chunks on a 2-worker Dask cluster equals the one-process build
(slow: a cluster takes seconds to start)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from zkcollat.batch import ClusterSpec, open_client
from zkcollat.batch.tree import DaskHasher
from zkcollat.cli import main
from zkcollat.vault import Lock, Vault
from zkcollat.vault.snapshot import load_snapshot, save_snapshot, snapshot_to_json, vault_from_json

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::UserWarning")]

WETH = 0xC02AAA39B223FE8D0A0E5C4F27EAD9083C756CC2


def _vault(n: int, depth: int) -> Vault:
    v = Vault(depth=depth)
    locks = [Lock(i, 0xA11CE + i, 42161, WETH, 10**18 + i, 1_900_000_000 + i) for i in range(n)]
    v.insert_many(locks[: n // 3], block_number=100)
    v.insert_many(locks[n // 3 :], block_number=101)
    return v


def test_dask_tree_equals_local_tree(tmp_path: Path) -> None:
    v = _vault(1000, 12)
    snap = snapshot_to_json(v)
    with open_client(ClusterSpec(workers=2)) as client:
        hasher = DaskHasher(client, chunk=64, min_records=1)  # many small chunks
        mem = vault_from_json(snap, hasher=hasher)
        assert hasher.tasks > 2 * 12
        save_snapshot(v, tmp_path / "snap.json")
        stored = load_snapshot(tmp_path / "snap.json", store_path=tmp_path / "v.sqlite",
                               hasher=DaskHasher(client, chunk=100, min_records=50))
    assert mem.tree.levels == v.tree.levels and mem.root == v.root
    with stored:
        assert stored.root == v.root
        assert [b.root for b in stored.block_roots] == [b.root for b in v.block_roots]
        stored.check_integrity()


def test_cli_vault_import_on_dask_workers(tmp_path: Path) -> None:
    v = _vault(300, 10)
    save_snapshot(v, tmp_path / "snap.json")
    args = ["vault", "import", str(tmp_path / "snap.json"), str(tmp_path / "v.sqlite"),
            "--workers", "2", "--json"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, (result.output, result.exception)
    assert json.loads(result.stdout)["root"] == str(v.root)
    refused = CliRunner().invoke(main, ["vault", "import", str(tmp_path / "snap.json"),
                                        str(tmp_path / "w.sqlite"), "--insecure"])
    assert refused.exit_code == 2 and "--workers N or --scheduler" in refused.stderr
