"""Regenerate the real-proof vectors: tests/solidity/vectors/collateral_lock_20.json (a
CollateralLock(20) proof) and tests/solidity/vectors/square_1.json (a 1-input circuit).

    python tests/solidity/make_real_vectors.py      # native backend: a few seconds

Keys come from zkcollat.groth16.setup with a fixed seed (development keys: the seed is in this
file, so anyone can forge proofs for them); proofs from zkcollat.groth16.prove with fresh
randomness, so a rerun writes other (equally valid) proofs. The lock sits at leaf 5 of a
depth-20 tree whose other path elements are arbitrary field elements.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.groth16.circuits import Square  # noqa: E402
from zkcollat.field import R  # noqa: E402
from zkcollat.formats.snarkjs import (  # noqa: E402
    proof_to_json,
    public_to_json,
    vk_to_json,
    write_json_atomic,
)
from zkcollat.gadgets.merkle import merkle_root_plain, path_indices_of  # noqa: E402
from zkcollat.groth16.prove import fullprove  # noqa: E402
from zkcollat.groth16.setup import setup  # noqa: E402
from zkcollat.groth16.verify import verify  # noqa: E402
from zkcollat.hash import poseidon_hash  # noqa: E402
from zkcollat.r1cs import Circuit  # noqa: E402
from zkcollat.statements import CollateralLock  # noqa: E402

VECTORS = ROOT / "tests" / "solidity" / "vectors"
COMMAND = "python tests/solidity/make_real_vectors.py"


def collateral_inputs(depth: int) -> dict[str, Any]:
    lock = {
        "lockId": 5,
        "owner": 0x00000000000000000000000000000000C0FFEE01,
        "destChainId": 42161,
        "assetId": 0xA0B86991C6218B36C1D19D4A2E9EB0CE3606EB48,
        "amount": 5_000 * 10**6,
        "expiry": 1_900_086_400,
    }
    leaf = poseidon_hash([lock[k] for k in ("lockId", "owner", "destChainId", "assetId",
                                            "amount", "expiry")])
    siblings = [
        int.from_bytes(hashlib.sha256(f"sibling {k}".encode()).digest(), "big") % R
        for k in range(depth)
    ]
    indices = path_indices_of(lock["lockId"], depth)
    return {
        "root": merkle_root_plain(leaf, siblings, indices),
        "destChainId": lock["destChainId"],
        "owner": lock["owner"],
        "assetId": lock["assetId"],
        "lockId": lock["lockId"],
        "threshold": 4_000 * 10**6,
        "minExpiry": 1_900_000_000,
        "amount": lock["amount"],
        "expiry": lock["expiry"],
        "pathElements": siblings,
        "pathIndices": indices,
    }


def write_vector(name: str, circuit: Circuit, seed: bytes, inputs: dict[str, Any]) -> None:
    cs = circuit.compile()
    pk, vk = setup(cs, seed=seed)
    proof, public = fullprove(pk, cs, inputs)
    assert verify(vk, public, proof)
    write_json_atomic(
        VECTORS / f"{name}.json",
        {
            "command": COMMAND,
            "note": f"development key from zkcollat.groth16.setup(seed={seed!r}); real proof",
            "verification_key": vk_to_json(vk),
            "proof": proof_to_json(proof),
            "public": public_to_json(public),
        },
    )


def main() -> None:
    VECTORS.mkdir(parents=True, exist_ok=True)
    write_vector("square_1", Square(), b"solidity vector square", {"y": 49, "x": 7})
    write_vector(
        "collateral_lock_20",
        CollateralLock(20),
        b"solidity vector collateral_lock_20",
        collateral_inputs(20),
    )


if __name__ == "__main__":
    main()
