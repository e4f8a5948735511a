"""Solidity verifiers generated from a verifying key, and EVM calldata for proofs.

* :func:`generate_verifier` — a Groth16 verifier with snarkjs's ``verifyProof`` interface;
* :func:`generate_collateral_lock_verifier` — the same plus ``verifyCollateralLock`` taking the
  CollateralLock public inputs by name;
* :func:`soliditycalldata`, :func:`calldata_json`, :func:`calldata_args`,
  :func:`verify_proof_calldata`, :func:`verify_collateral_lock_calldata` — a proof as
  ``verifyProof`` arguments (text, JSON list, ints) or as raw transaction bytes.

``zkcollat.solidity.solc`` (compile with solc-js) and ``zkcollat.solidity.evm`` (a local revm
through pyrevm) serve tests and benchmarks. Command line: ``zkcollat export solidity|calldata``.
"""

from zkcollat.solidity.calldata import (
    calldata_args,
    calldata_json,
    collateral_lock_public,
    soliditycalldata,
    statement_public,
    verify_collateral_lock_calldata,
    verify_proof_calldata,
    verify_statement_calldata,
    verify_statement_signature,
)
from zkcollat.solidity.verifier import (
    COLLATERAL_LOCK_PUBLIC,
    generate_collateral_lock_verifier,
    generate_statement_verifier,
    generate_verifier,
)

__all__ = [
    "COLLATERAL_LOCK_PUBLIC",
    "calldata_args",
    "calldata_json",
    "collateral_lock_public",
    "generate_collateral_lock_verifier",
    "generate_statement_verifier",
    "generate_verifier",
    "soliditycalldata",
    "statement_public",
    "verify_collateral_lock_calldata",
    "verify_proof_calldata",
    "verify_statement_calldata",
    "verify_statement_signature",
]
