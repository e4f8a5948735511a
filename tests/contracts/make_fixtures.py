"""Write the fixtures the Foundry tests replay against Python (seeded, deterministic):

* ``verifier_contracts/test/fixtures/poseidon.json``: Poseidon of 2 and 6 inputs (edge values
  0, 1, r - 1, 2^160 - 1, and random ones) from :func:`zkcollat.hash.poseidon.poseidon_hash`;
* ``verifier_contracts/test/fixtures/vault_differential.json``: random locks committed in random
  batches, with every leaf and every root of the Python tree (:class:`PoseidonTree`), for
  depth 20 and for a depth-4 vault filled to capacity.

Regenerate: ``python tests/contracts/make_fixtures.py`` (``test_fixtures.py`` fails when a
committed file differs from what this writes).
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

from zkcollat.field import R
from zkcollat.hash.poseidon import poseidon_hash
from zkcollat.vault.lock import Lock
from zkcollat.vault.tree import PoseidonTree

FIXTURES = Path(__file__).resolve().parents[2] / "verifier_contracts" / "test" / "fixtures"
#: Where the Foundry test puts the collateral token (vm.etch), so assetId is known here.
ASSET = 0x00000000000000000000000000000000C011A7E2
DEST = 42161
NOW = 1_700_000_000


def poseidon_fixture() -> dict[str, Any]:
    rng = random.Random("zkcollat poseidon fixture v1")
    edges = [0, 1, R - 1, 2**160 - 1, 2**128 - 1, 2**64 - 1]
    cases2 = [[a, b] for a in edges[:3] for b in edges[:3]]
    cases2 += [[rng.randrange(R), rng.randrange(R)] for _ in range(8)]
    cases6 = [[e] * 6 for e in edges[:3]] + [edges]
    cases6 += [[rng.randrange(R) for _ in range(6)] for _ in range(8)]
    return {
        "generatedBy": "python tests/contracts/make_fixtures.py",
        "inputs2": [[str(v) for v in c] for c in cases2],
        "hashes2": [str(poseidon_hash(c)) for c in cases2],
        "inputs6": [[str(v) for v in c] for c in cases6],
        "hashes6": [str(poseidon_hash(c)) for c in cases6],
    }


def vault_run(depth: int, batches: list[int], seed: str) -> dict[str, Any]:
    rng = random.Random(seed)
    tree = PoseidonTree(depth)
    owners: list[str] = []
    amounts: list[str] = []
    expiries: list[str] = []
    leaves: list[str] = []
    roots: list[str] = []
    lock_id = 0
    for size in batches:
        for _ in range(size):
            owner = rng.randrange(1, 2**160)
            amount = rng.choice([1, 2**128 - 1, rng.randrange(1, 2**128)])
            expiry = rng.randrange(NOW + 1, 2**64)
            lock = Lock(lock_id, owner, DEST, ASSET, amount, expiry)
            owners.append(str(owner))
            amounts.append(str(amount))
            expiries.append(str(expiry))
            leaves.append(str(lock.leaf()))
            tree.insert(lock.leaf())
            lock_id += 1
        roots.append(str(tree.root))
    return {
        "depth": depth,
        "asset": str(ASSET),
        "destChainId": DEST,
        "batches": batches,
        "owners": owners,
        "amounts": amounts,
        "expiries": expiries,
        "leaves": leaves,
        "roots": roots,
    }


def vault_fixture() -> dict[str, Any]:
    rng = random.Random("zkcollat vault batches v1")
    batches = [1, 1, 2, 3, 16, 5, 1, 7, 4]
    batches += [rng.randrange(1, 12) for _ in range(4)]
    return {
        "generatedBy": "python tests/contracts/make_fixtures.py",
        "deep": vault_run(20, batches, "zkcollat vault differential v1"),
        "full": vault_run(4, [1, 2, 3, 1, 5, 4], "zkcollat vault full v1"),
        "single": vault_run(5, [1] * 32, "zkcollat vault one by one v1"),
        "pairs": vault_run(6, [2, 3, 2, 2, 6, 1, 8, 2, 2, 30, 5, 1], "zkcollat vault pairs v1"),
    }


def render() -> dict[Path, str]:
    return {
        FIXTURES / "poseidon.json": json.dumps(poseidon_fixture(), indent=1) + "\n",
        FIXTURES / "vault_differential.json": json.dumps(vault_fixture(), indent=1) + "\n",
    }


def main() -> int:
    for path, text in render().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
