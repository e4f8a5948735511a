"""Regenerate tests/solidity/vectors/synthetic_collateral7.json.

    ZKCOLLAT_BACKEND=reference python tests/solidity/make_vectors.py

The key is synthetic (tests/solidity/synthetic.py, label "vector-collateral7"): its trapdoor
is public, so it is a test vector, never a key to deploy a verifier for. The committed example
of the generator's output is verifier_contracts/src/CollateralLockVerifier.sol (the key of the
test vectors; `zkcollat contracts generate`).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.solidity.synthetic import synthetic_case  # noqa: E402
from zkcollat.formats.snarkjs import (  # noqa: E402
    proof_to_json,
    public_to_json,
    vk_to_json,
    write_json_atomic,
)

LABEL = "vector-collateral7"
PUBLIC = (
    0x2B9C1E0F7A6D5C4B3A29180706F5E4D3C2B1A09F8E7D6C5B4A3928170605F4E3,  # root
    10,  # destChainId
    0x00000000000000000000000000000000DEADBEEF,  # owner
    0xDAC17F958D2EE523A2206206994597C13D831EC7,  # assetId
    123456,  # lockId
    (1 << 128) - 1,  # threshold: the largest the circuit allows
    (1 << 64) - 1,  # minExpiry: the largest the circuit allows
)
VECTOR = ROOT / "tests" / "solidity" / "vectors" / "synthetic_collateral7.json"


def main() -> None:
    case = synthetic_case(LABEL, PUBLIC)
    VECTOR.parent.mkdir(parents=True, exist_ok=True)
    write_json_atomic(
        VECTOR,
        {
            "command": "ZKCOLLAT_BACKEND=reference python tests/solidity/make_vectors.py",
            "note": "synthetic Groth16 key with a public trapdoor (tests/solidity/synthetic.py)",
            "verification_key": vk_to_json(case.vk),
            "proof": proof_to_json(case.proof),
            "public": public_to_json(list(case.public)),
        },
    )


if __name__ == "__main__":
    main()
