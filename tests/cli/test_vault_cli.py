"""``zkcollat vault``: every subcommand, and its refusals (exit 2, one line naming the problem)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import ALICE, DEPTH, WETH, World, fails, locks_json, run
from zkcollat.vault import Vault
from zkcollat.vault.snapshot import load_snapshot


def test_world_vault_matches_the_library(world: World) -> None:
    out = json.loads(run("vault", "root", str(world.vault), "--json").stdout)
    with Vault.open(world.vault) as v:
        assert out == {
            "depth": DEPTH,
            "size": 3,
            "root": str(v.root),
            "block_roots": [
                {"blockNumber": b.block_number, "size": b.size, "root": str(b.root)}
                for b in v.block_roots
            ],
        }
        assert [b.block_number for b in v.block_roots] == [100, 101]
        assert v.get_lock(0).owner == int(ALICE, 16) and v.get_lock(2).dest_chain_id == 10
    text = run("vault", "root", str(world.vault)).stdout
    assert f"root  {out['root']}" in text and "block 100: 2 locks" in text


def test_root_at_block_and_size(world: World) -> None:
    with Vault.open(world.vault) as v:
        r2 = v.root_at(2)
    assert json.loads(run("vault", "root", str(world.vault), "--block", "100", "--json").stdout)[
        "root"
    ] == str(r2)
    assert json.loads(run("vault", "root", str(world.vault), "--size", "2", "--json").stdout)[
        "root"
    ] == str(r2)
    assert "no root recorded at or before block 99" in fails(
        "vault", "root", str(world.vault), "--block", "99"
    )
    assert "--size 9" in fails("vault", "root", str(world.vault), "--size", "9")


def test_path(world: World) -> None:
    out = json.loads(run("vault", "path", str(world.vault), "1", "--json").stdout)
    with Vault.open(world.vault) as v:
        p = v.generate_proof(1)
    assert out["verified"] is True
    assert out["pathElements"] == [str(s) for s in p.siblings]
    assert out["pathIndices"] == [1, 0, 0, 0]
    assert out["lock"]["owner"] == str(int(locks_json()[1]["owner"], 16))
    # lock 1 is a right child: its level-0 path element is the sibling on its left
    assert (
        f"level  0: path element {p.siblings[0]} on the left  (path index 1)"
        in run("vault", "path", str(world.vault), "1").stdout
    )
    assert "lock 7 is not in the vault" in fails("vault", "path", str(world.vault), "7")


def test_export_import_check(world: World, tmp_path: Path) -> None:
    snap, copy = tmp_path / "snap.json", tmp_path / "copy.sqlite"
    run("vault", "export", str(world.vault), "-o", str(snap))
    v = load_snapshot(snap)
    out = json.loads(run("vault", "import", str(snap), str(copy), "--json").stdout)
    assert out["root"] == str(v.root) and out["size"] == 3 and out["block_roots"] == 2
    assert "recomputed" in run("vault", "check", str(copy)).stdout
    # import refuses to overwrite, and a corrupt snapshot leaves no half-built vault behind
    assert "already exists" in fails("vault", "import", str(snap), str(copy))
    data = json.loads(snap.read_text())
    data["locks"][1]["amount"] = "1"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    err = fails("vault", "import", str(bad), str(tmp_path / "bad.sqlite"))
    assert "snapshot.blockRoots for block 100" in err and "is not the root" in err
    assert not (tmp_path / "bad.sqlite").exists()
    (tmp_path / "garbage.json").write_text("{not json")
    assert "is not valid JSON" in fails(
        "vault", "import", str(tmp_path / "garbage.json"), str(tmp_path / "g.sqlite")
    )
    assert "does not exist" in fails(
        "vault", "import", str(tmp_path / "none.json"), str(tmp_path / "n.sqlite")
    )
    assert "does not exist" in fails(
        "vault", "export", str(world.vault), "-o", str(tmp_path / "no" / "dir.json")
    )


def test_init_and_add(tmp_path: Path) -> None:
    path = tmp_path / "v.sqlite"
    out = json.loads(run("vault", "init", str(path), "--depth", "3", "--json").stdout)
    assert out["size"] == 0 and out["depth"] == 3
    assert "already exists" in fails("vault", "init", str(path))
    locks = tmp_path / "locks.json"
    locks.write_text(json.dumps(locks_json()))
    out = json.loads(run("vault", "add", str(path), "--locks", str(locks), "--json").stdout)
    assert out["first_lock_id"] == 0 and out["added"] == 2 and out["size"] == 2
    # lockIds given in the file must be the next sequence numbers
    wrong = [dict(locks_json()[0], lockId="5")]
    locks.write_text(json.dumps(wrong))
    assert "next lock id is 2" in fails("vault", "add", str(path), "--locks", str(locks))
    # field ranges are checked and named
    err = fails(
        "vault",
        "add",
        str(path),
        "--owner",
        ALICE,
        "--dest-chain",
        "1",
        "--asset",
        WETH,
        "--amount",
        str(2**128),
        "--expiry",
        "1",
    )
    assert "amount" in err and "2^128" in err
    assert "missing --expiry" in fails(
        "vault",
        "add",
        str(path),
        "--owner",
        ALICE,
        "--dest-chain",
        "1",
        "--asset",
        WETH,
        "--amount",
        "1",
    )
    assert "not both" in fails("vault", "add", str(path), "--locks", str(locks), "--amount", "1")
    locks.write_text("[1, 2")
    assert "is not valid JSON" in fails("vault", "add", str(path), "--locks", str(locks))
    locks.write_text(json.dumps([{"owner": ALICE}]))
    assert "missing fields" in fails("vault", "add", str(path), "--locks", str(locks))
    assert "owner" in fails(
        "vault",
        "add",
        str(path),
        "--owner",
        "0xzz",
        "--dest-chain",
        "1",
        "--asset",
        WETH,
        "--amount",
        "1",
        "--expiry",
        "1",
    )
    # a tree of depth 3 holds 8 locks
    many = [dict(locks_json()[0]) for _ in range(7)]
    locks.write_text(json.dumps(many))
    err = fails("vault", "add", str(path), "--locks", str(locks))
    assert "capacity" in err or "full" in err
    with Vault.open(path) as v:
        assert v.size == 2  # nothing of a refused batch was written


def test_missing_vault_and_bad_depth(tmp_path: Path) -> None:
    missing = str(tmp_path / "none.sqlite")
    for args in (
        ("root", missing),
        ("path", missing, "0"),
        ("check", missing),
        ("add", missing, "--amount", "1"),
        ("export", missing, "-o", "x.json"),
    ):
        assert f"vault file {missing!r} does not exist" in fails("vault", *args)
    fails("vault", "init", str(tmp_path / "v.sqlite"), "--depth", "33")  # click usage error
    (tmp_path / "junk.sqlite").write_text("not a database at all, just text" * 10)
    assert "not a vault" in fails("vault", "root", str(tmp_path / "junk.sqlite"))


def test_bulk_add_is_one_transaction(tmp_path: Path) -> None:
    path = tmp_path / "big.sqlite"
    run("vault", "init", str(path), "--depth", "14")
    n = 5000  # above the 4,096 of the former batches: still one commit (generation 1)
    lock = locks_json()[0]
    (tmp_path / "many.json").write_text(json.dumps({"locks": [lock] * n}))
    out = json.loads(
        run(
            "vault",
            "add",
            str(path),
            "--locks",
            str(tmp_path / "many.json"),
            "--block",
            "7",
            "--json",
        ).stdout
    )
    assert out["added"] == n and out["size"] == n
    with Vault.open(path) as v:
        assert [(b.block_number, b.size) for b in v.block_roots] == [(7, n)]
        assert v.get_lock(n - 1).lock_id == n - 1
        assert v.store is not None and v.store.generation == 1
        v.check_integrity()
        mem = Vault(14)
        mem.insert_many([v.get_lock(i) for i in range(n)])
        assert mem.root == v.root
