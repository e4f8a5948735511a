"""Solidity verifiers generated from a verifying key, and EVM calldata for proofs."""
