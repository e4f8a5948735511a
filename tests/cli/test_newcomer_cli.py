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


def test_sign_append_reuses_the_bundle(world: World, tmp_path: Path) -> None:
    from tests.cli.test_attest_margin_cli import sign_args, verify_args

    bundle = tmp_path / "att.json"
    run(*sign_args(world, bundle, world.keys[0]))
    first = json.loads(bundle.read_text())
    assert run(*verify_args(bundle, world), ok=False).exit_code == 1  # 1 of 2 signatures
    run("attest", "sign", "--append", "--key", str(world.keys[1]), "-o", str(bundle))
    both = json.loads(bundle.read_text())
    assert {k: v for k, v in both.items() if k != "signatures"} == {
        k: v for k, v in first.items() if k != "signatures"
    }
    assert len(both["signatures"]) == 2 and both["signatures"][0] == first["signatures"][0]
    assert run(*verify_args(bundle, world)).stdout.startswith("OK")
    # a field given anyway must match the bundle's
    assert "cannot append" in fails(
        "attest", "sign", "--append", "--key", str(world.keys[2]), "--block", "100",
        "-o", str(bundle),
    )  # fmt: skip
    assert "cannot append" in fails(
        "attest", "sign", "--append", "--key", str(world.keys[2]), "--root", "5", "-o", str(bundle)
    )
    assert json.loads(bundle.read_text()) == both  # refusals leave the bundle as it was
    # without --append the fields are required, and the bundle must exist to append to
    missing = fails("attest", "sign", "--key", str(world.keys[0]), "-o", str(tmp_path / "n.json"))
    assert "missing --source-chain, --vault-address, --block, --chain-id" in missing
    assert "does not exist" in fails(
        "attest", "sign", "--append", "--key", str(world.keys[0]), "-o", str(tmp_path / "n.json")
    )


@pytest.mark.slow
def test_demo_force_runs_over_an_earlier_run(tmp_path: Path) -> None:
    d = tmp_path / "run"
    args = ["demo", "--locks", "8", "--depth", "4", "--no-evm", "--dir", str(d), "--json"]
    run(*args)
    (d / "notes.txt").write_text("mine")
    assert "is not empty (--force runs over it)" in fails(*args)
    out = json.loads(run(*args, "--force").stdout)  # venue.sqlite etc. replaced, not reused
    assert out["figures"]["verify"]["python_valid"] is True
    assert (d / "notes.txt").read_text() == "mine"  # not the demo's: left alone
    assert (d / "venue.sqlite").is_file() and (d / "outbox.jsonl").is_file()


def test_attest_address_prints_a_key_files_address(world: World, tmp_path: Path) -> None:
    """ALICE=$(zkcollat attest address alice.key), as the README's walkthrough does."""
    from zkcollat.cli.attest_cmd import read_key

    k0, k1 = (str(k) for k in world.keys[:2])
    a0, a1 = read_key(k0).address, read_key(k1).address
    assert run("attest", "address", k0).stdout == a0 + "\n"
    assert run("attest", "address", k0, k1).stdout == f"{a0}\n{a1}\n"
    assert json.loads(run("attest", "address", k0, "--json").stdout) == {"key": k0, "address": a0}
    bad = tmp_path / "bad.key"
    bad.write_text("0x1234\n")
    assert "does not hold a hex secret" in fails("attest", "address", str(bad))
    assert "does not exist" in fails("attest", "address", str(tmp_path / "none.key"))


def test_quiet_from_the_environment(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """ZKCOLLAT_QUIET=1 is -q for every command: no development-key warning."""
    args = ["verify", str(world.vk), str(world.public), str(world.proof)]
    assert "warning:" in run(*args).stderr
    monkeypatch.setenv("ZKCOLLAT_QUIET", "1")
    assert run(*args).stderr == ""
    monkeypatch.setenv("ZKCOLLAT_QUIET", "0")
    assert "warning:" in run(*args).stderr


def test_vault_progress_bars_only_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 20: vault add, import and check show a bar on stderr when it is a terminal and
    -q was not given; never on stdout (so --json stays JSON), and the results are the same."""
    import zkcollat.cli._common as common

    n = 300
    locks = [
        {
            "owner": "0x" + f"{i + 1:040x}",
            "destChainId": "42161",
            "assetId": "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2",
            "amount": str(10**18 + i),
            "expiry": "1900000000",
        }
        for i in range(n)
    ]
    (tmp_path / "locks.json").write_text(json.dumps(locks))

    def steps(tag: str, *top: str) -> list[tuple[str, str]]:
        v, snap = str(tmp_path / f"{tag}.sqlite"), str(tmp_path / f"{tag}.json")
        run("vault", "init", v, "--depth", "12")
        outs = []
        for args in (
            ["vault", "add", v, "--locks", str(tmp_path / "locks.json"), "--block", "5"],
            ["vault", "export", v, "-o", snap],
            ["vault", "import", snap, v + ".copy"],
            ["vault", "check", v],
        ):
            r = run(*top, *args, "--json")
            out = json.loads(r.stdout)  # stdout is JSON only
            out.pop("path", None), out.pop("snapshot", None)
            outs.append((json.dumps(out, sort_keys=True), r.stderr))
        return outs

    plain = steps("plain")  # not a terminal: no bars
    assert all(err == "" for _out, err in plain)
    monkeypatch.setattr(common, "_stderr_is_terminal", lambda: True)
    monkeypatch.setattr(common, "BAR_MIN_HASHES", 100)
    barred = steps("barred")
    assert [o for o, _e in barred] == [o for o, _e in plain]  # the same vaults and roots
    labels = (
        "adding (hashing the locks)",
        None,
        "importing (hashing the tree)",
        "checking (hashing every lock and node)",
    )
    for (_o, err), label in zip(barred, labels, strict=True):
        assert (label in err) if label else err == ""
    quiet = steps("quiet", "-q")
    assert [o for o, _e in quiet] == [o for o, _e in plain]
    assert all(err == "" for _out, err in quiet)
