"""Groth16 over BN254: one module per phase (setup, prove, verify), keys in ``keys``."""

from zkcollat.groth16.values import Proof, VerifyingKey
from zkcollat.groth16.verify import BatchResult, verify_batch, verify_batch_or_raise

__all__ = ["BatchResult", "Proof", "VerifyingKey", "verify_batch", "verify_batch_or_raise"]
