"""zkcollat: zero-knowledge collateral proofs (Groth16 over BN254) for cross-chain margin."""

__version__ = "0.1.0"
