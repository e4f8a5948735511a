"""``ensure_build``: the forge build is used only if it was made from the current sources; a
contract edited, added or removed since (or the configuration, or the toolchain pin) rebuilds."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from zkcollat.contracts.toolchain import PROJECT
from zkcollat.relayer import contracts as rc

VAULT = """// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

contract CollateralVault {
    function version() external pure returns (uint256) {
        return 1;
    }
}
"""


def _project(root: Path) -> Path:
    (root / "src").mkdir(parents=True)
    (root / "test").mkdir()
    (root / "src" / "CollateralVault.sol").write_text(VAULT)
    (root / "test" / "Vault.t.sol").write_text("// a test\n")
    (root / "foundry.toml").write_text('[profile.default]\nsrc = "src"\n')
    return root


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every forge build ``ensure_build`` asks for; each writes the artifact forge would."""
    calls: list[Path] = []

    def fake_build(project: Path) -> None:
        calls.append(project)
        art = project / "out" / "CollateralVault.sol" / "CollateralVault.json"
        art.parent.mkdir(parents=True, exist_ok=True)
        art.write_text(json.dumps({"built": len(calls)}))

    monkeypatch.setattr(rc, "_forge_build", fake_build)
    return calls


def test_builds_when_out_is_missing_and_not_again(tmp_path: Path, builds: list[Path]) -> None:
    p = _project(tmp_path / "p")
    assert rc.ensure_build(p) == p / "out"
    assert builds == [p]
    assert (p / "out" / rc.SOURCES_STAMP).read_text().strip() == rc.sources_digest(p)
    rc.ensure_build(p)
    rc.ensure_build(p)
    assert len(builds) == 1  # same sources: the build is used as it is


@pytest.mark.parametrize(
    "change",
    [
        "edit a contract",
        "add a contract",
        "remove a test",
        "rename a contract",
        "edit foundry.toml",
        "edit a script",
    ],
)
def test_rebuilds_after_a_source_change(tmp_path: Path, builds: list[Path], change: str) -> None:
    p = _project(tmp_path / "p")
    rc.ensure_build(p)
    src = p / "src" / "CollateralVault.sol"
    if change == "edit a contract":
        src.write_text(VAULT.replace("return 1;", "return 2;"))
    elif change == "add a contract":
        (p / "src" / "lib").mkdir()
        (p / "src" / "lib" / "Extra.sol").write_text("// SPDX-License-Identifier: MIT\n")
    elif change == "remove a test":
        (p / "test" / "Vault.t.sol").unlink()
    elif change == "rename a contract":
        src.rename(p / "src" / "Vault2.sol")
    elif change == "edit foundry.toml":
        (p / "foundry.toml").write_text('[profile.default]\nsrc = "src"\noptimizer = true\n')
    else:
        (p / "script").mkdir()
        (p / "script" / "Deploy.s.sol").write_text("// deploy\n")
    rc.ensure_build(p)
    assert len(builds) == 2, change
    assert (p / "out" / rc.SOURCES_STAMP).read_text().strip() == rc.sources_digest(p)
    rc.ensure_build(p)
    assert len(builds) == 2


def test_digest_ignores_what_forge_does_not_read(tmp_path: Path) -> None:
    p = _project(tmp_path / "p")
    before = rc.sources_digest(p)
    (p / "README.md").write_text("notes\n")
    (p / "out").mkdir()
    (p / "out" / "x.json").write_text("{}")
    assert rc.sources_digest(p) == before
    # the same bytes under another path are another source tree
    (p / "src" / "CollateralVault.sol").rename(p / "src" / "Other.sol")
    assert rc.sources_digest(p) != before


def test_toolchain_pin_is_part_of_the_digest(
    tmp_path: Path, builds: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from zkcollat.contracts import toolchain

    p = _project(tmp_path / "p")
    rc.ensure_build(p)
    monkeypatch.setattr(toolchain, "SOLC_VERSION", "0.8.31")
    rc.ensure_build(p)
    assert len(builds) == 2


def test_missing_artifact_or_stamp_rebuilds(tmp_path: Path, builds: list[Path]) -> None:
    p = _project(tmp_path / "p")
    rc.ensure_build(p)
    (p / "out" / rc.SOURCES_STAMP).unlink()  # a build made by hand (`forge build`)
    rc.ensure_build(p)
    assert len(builds) == 2
    shutil.rmtree(p / "out" / "CollateralVault.sol")  # a stamp without the artifacts
    rc.ensure_build(p)
    assert len(builds) == 3


def test_failed_build_records_nothing(
    tmp_path: Path, builds: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from zkcollat.errors import SolidityError

    p = _project(tmp_path / "p")
    rc.ensure_build(p)
    (p / "src" / "CollateralVault.sol").write_text(VAULT.replace("return 1;", "return;"))

    def failing(project: Path) -> None:
        raise SolidityError("forge build failed (exit 1)")

    monkeypatch.setattr(rc, "_forge_build", failing)
    with pytest.raises(SolidityError, match="forge build failed"):
        rc.ensure_build(p)
    # the old stamp stays, and it does not match: the next call tries again
    assert (p / "out" / rc.SOURCES_STAMP).read_text().strip() != rc.sources_digest(p)


@pytest.mark.slow
def test_real_forge_rebuilds_an_edited_contract(tmp_path: Path) -> None:
    """With the pinned forge: an ABI change made after the first build is in the artifact the
    next ``ensure_build`` returns."""
    from zkcollat.contracts.toolchain import locate
    from zkcollat.errors import SolidityError

    try:
        locate(install=False)
    except SolidityError as e:
        pytest.skip(str(e))
    p = tmp_path / "p"
    (p / "src").mkdir(parents=True)
    (p / "tools").mkdir()
    shutil.copy2(PROJECT / "tools" / "solc", p / "tools" / "solc")
    (p / "foundry.toml").write_text(
        '[profile.default]\nsrc = "src"\nout = "out"\nlibs = []\nsolc = "tools/solc"\n'
        "offline = true\nauto_detect_solc = false\n"
    )
    src = p / "src" / "CollateralVault.sol"
    src.write_text(VAULT)

    def functions() -> set[str]:
        return {f["name"] for f in rc.abi("CollateralVault", p / "out") if f["type"] == "function"}

    rc.ensure_build(p)
    assert functions() == {"version"}
    src.write_text(VAULT.replace("function version()", "function revision()"))
    rc.ensure_build(p)
    assert functions() == {"revision"}


def test_concurrent_callers_build_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two processes' tests sharing one project: the second waits for the first's build and
    uses it, rather than running forge over the same out/ at the same time."""
    import threading
    import time

    p = _project(tmp_path / "p")
    calls: list[Path] = []
    building, release = threading.Event(), threading.Event()

    def slow_build(project: Path) -> None:
        calls.append(project)
        building.set()
        assert release.wait(30)
        art = project / "out" / "CollateralVault.sol" / "CollateralVault.json"
        art.parent.mkdir(parents=True, exist_ok=True)
        art.write_text("{}")

    monkeypatch.setattr(rc, "_forge_build", slow_build)
    first = threading.Thread(target=rc.ensure_build, args=(p,))
    first.start()
    assert building.wait(30)
    second = threading.Thread(target=rc.ensure_build, args=(p,))
    second.start()
    time.sleep(0.2)  # let the second caller reach the lock while the first is still building
    release.set()
    first.join(30)
    second.join(30)
    assert len(calls) == 1
