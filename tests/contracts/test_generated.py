"""The generated files of verifier_contracts/ are what the generators write, and the Poseidon
bytecode computes Python's Poseidon (run in revm, without Foundry)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.contracts import make_fixtures
from zkcollat.contracts.generate import generated_files
from zkcollat.contracts.poseidon_evm import MAX_CODE_SIZE, poseidon_segments
from zkcollat.field import R
from zkcollat.hash.poseidon import poseidon_hash

PROJECT = Path(__file__).resolve().parents[2] / "verifier_contracts"


def test_generated_files_are_current() -> None:
    for path, text in generated_files(PROJECT).items():
        assert path.read_text() == text, f"{path} is stale: zkcollat contracts generate"


def test_fixtures_are_current() -> None:
    for path, text in make_fixtures.render().items():
        assert path.read_text() == text, f"{path} is stale: python tests/contracts/make_fixtures.py"


@pytest.mark.parametrize("n", [1, 2, 3, 6])
def test_poseidon_bytecode_equals_python(n: int) -> None:
    from zkcollat.solidity.evm import LocalEvm

    evm = LocalEvm()
    segs = poseidon_segments(n)
    assert all(len(s.runtime) <= MAX_CODE_SIZE for s in segs)
    addrs = [evm.deploy(s.creation) for s in segs]
    rng = random.Random(n)
    cases = [[0] * n, [R - 1] * n] + [[rng.randrange(R) for _ in range(n)] for _ in range(4)]
    assert segs[0].words_in == n and segs[-1].words_out == 1
    for xs in cases:
        data = b"".join(x.to_bytes(32, "big") for x in xs)
        for s, a in zip(segs, addrs, strict=True):
            assert len(data) == 32 * s.words_in
            res = evm.call(a, data)
            assert res.success, res.reason
            data = res.output
            assert len(data) == 32 * s.words_out
        assert int.from_bytes(data, "big") == poseidon_hash(xs)


@pytest.mark.parametrize("bad", ["r", "max", "short", "long"])
def test_poseidon_bytecode_refuses_bad_input(bad: str) -> None:
    from zkcollat.solidity.evm import LocalEvm

    evm = LocalEvm()
    addr = evm.deploy(poseidon_segments(2)[0].creation)
    words = {"r": [1, R], "max": [2**256 - 1, 0], "short": [1], "long": [1, 2, 3]}[bad]
    data = b"".join(x.to_bytes(32, "big") for x in words)
    assert not evm.call(addr, data).success
    assert not evm.call(addr, data[:-1] if bad != "short" else b"").success


def test_generate_command_writes_and_checks(tmp_path: Path) -> None:
    import shutil

    from click.testing import CliRunner

    from zkcollat.cli import main

    (tmp_path / "test-vectors").mkdir()
    shutil.copy(PROJECT / "test-vectors" / "valid_lock.json", tmp_path / "test-vectors")
    (tmp_path / "test" / "fixtures").mkdir(parents=True)
    shutil.copy(PROJECT / "test" / "fixtures" / "portfolio_20_32.json",
                tmp_path / "test" / "fixtures")
    check = ["contracts", "generate", "--check", "--project", str(tmp_path)]
    missing = CliRunner().invoke(main, check)
    assert missing.exit_code == 1 and "stale" in missing.output
    assert not (tmp_path / "src").exists()  # --check writes nothing
    wrote = CliRunner().invoke(main, ["contracts", "generate", "--project", str(tmp_path)])
    assert wrote.exit_code == 0, wrote.output
    for path, text in generated_files(tmp_path).items():
        assert path.read_text() == text
    assert CliRunner().invoke(main, check).exit_code == 0
    (tmp_path / "src" / "lib" / "ZeroHashes.sol").write_text("// edited\n")
    edited = CliRunner().invoke(main, check)
    assert edited.exit_code == 1 and "ZeroHashes.sol" in edited.output
