"""zkcollat: zero-knowledge collateral proofs (Groth16 over BN254) for cross-chain margin.

Programs import :mod:`zkcollat.api`, the documented library face (docs/library.md); the rest
of the package is internal. The layers are described in docs/architecture.md.
"""

__version__ = "0.1.0"
