"""Groth16 over BN254: one module per phase (setup, prove, verify), keys in ``keys``."""

from zkcollat.groth16.keys import Proof, VerifyingKey

__all__ = ["Proof", "VerifyingKey"]
