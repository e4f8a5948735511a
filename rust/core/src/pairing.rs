//! Multi-pairing product check.

use ark_bn254::{Bn254, G1Affine, G2Affine};
use ark_ec::pairing::Pairing;
use ark_ff::One;

/// True iff `prod e(P_i, Q_i) == 1`. Inputs must be valid points (decoded by `codec`).
pub fn pairing_check(g1: &[G1Affine], g2: &[G2Affine]) -> bool {
    if g1.is_empty() {
        return true;
    }
    Bn254::multi_pairing(g1.iter().copied(), g2.iter().copied()).0.is_one()
}
