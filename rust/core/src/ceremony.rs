//! Kernels of a phase-2 ceremony besides the LEM layout (`lem.rs`): one scalar times many G1
//! points, as a contribution applies `1/x` to every point of a key's L and H sections, and a
//! G2 point times an integer of any size (ffjavascript's `G2.fromRng` multiplies by the full
//! G2 cofactor, which is larger than r).

use ark_bn254::{g1, g2, Fr, G1Affine, G1Projective, G2Affine};
use ark_ec::scalar_mul::glv::GLVConfig;
use ark_ec::short_weierstrass::SWCurveConfig;
use ark_ec::{AdditiveGroup, AffineRepr, CurveGroup};
use ark_ff::{BigInteger, PrimeField, Zero};
use rayon::prelude::*;

/// wNAF window: digits are odd and below 2^(WINDOW - 1) in absolute value.
const WINDOW: usize = 5;
/// Odd multiples kept per point: P, 3P, ..., (2 TABLE - 1) P.
const TABLE: usize = 1 << (WINDOW - 2);
/// Points per task (their tables are made affine together, one inversion per chunk).
const CHUNK: usize = 256;

fn add_digit(acc: &mut G1Projective, digit: Option<&i64>, row: &[G1Affine]) {
    match digit {
        Some(&d) if d > 0 => *acc += row[(d / 2) as usize],
        Some(&d) if d < 0 => *acc -= row[(-d / 2) as usize],
        _ => {}
    }
}

/// `k * P` for every point. The scalar is split once (GLV: `k = k1 + lambda k2`, both halves
/// of ~128 bits) and written once in wNAF; each point then costs ~128 doublings and ~43 mixed
/// additions from a table of its odd multiples (affine, shared inversions) and their images
/// under the endomorphism, instead of a generic multiplication per point.
pub fn scale_g1(points: &[G1Affine], k: Fr) -> Vec<G1Affine> {
    let ((pos1, k1), (pos2, k2)) = g1::Config::scalar_decomposition(k);
    let d1 = k1.into_bigint().find_wnaf(WINDOW).expect("window in 2..64");
    let d2 = k2.into_bigint().find_wnaf(WINDOW).expect("window in 2..64");
    let len = d1.len().max(d2.len());
    let flip = pos1 != pos2;
    let mut out = vec![G1Affine::zero(); points.len()];
    out.par_chunks_mut(CHUNK)
        .zip(points.par_chunks(CHUNK))
        .for_each(|(out, pts)| {
            // (2j + 1) b1 for b1 = +-P (the sign of k1)
            let mut tab = Vec::with_capacity(pts.len() * TABLE);
            for p in pts {
                let b1 = if pos1 {
                    p.into_group()
                } else {
                    -p.into_group()
                };
                let two = b1.double();
                let mut t = b1;
                tab.push(t);
                for _ in 1..TABLE {
                    t += two;
                    tab.push(t);
                }
            }
            let tab = G1Projective::normalize_batch(&tab);
            let res: Vec<G1Projective> = tab
                .chunks_exact(TABLE)
                .map(|row| {
                    // (2j + 1) b2 for b2 = +-phi(P) (the sign of k2) is +-phi((2j + 1) b1)
                    let row2: [G1Affine; TABLE] = core::array::from_fn(|j| {
                        let e = g1::Config::endomorphism_affine(&row[j]);
                        if flip {
                            -e
                        } else {
                            e
                        }
                    });
                    let mut acc = G1Projective::zero();
                    for t in (0..len).rev() {
                        acc.double_in_place();
                        add_digit(&mut acc, d1.get(t), row);
                        add_digit(&mut acc, d2.get(t), &row2);
                    }
                    acc
                })
                .collect();
            out.copy_from_slice(&G1Projective::normalize_batch(&res));
        });
    out
}

/// `k * P` for a point on the G2 twist (not necessarily in the r-subgroup) and an integer `k`
/// given as big-endian bytes of any length: plain double-and-add, no reduction mod r.
pub fn g2_mul_integer(p: &G2Affine, k_be: &[u8]) -> G2Affine {
    let mut limbs = vec![0u64; k_be.len().div_ceil(8)];
    for (i, b) in k_be.iter().rev().enumerate() {
        limbs[i / 8] |= u64::from(*b) << (8 * (i % 8));
    }
    g2::Config::mul_affine(p, &limbs).into_affine()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::PrimeGroup;
    use ark_ff::{Field, UniformRand};

    #[test]
    fn scale_equals_generic_multiplication() {
        let mut rng = ark_std::test_rng();
        let mut pts: Vec<G1Affine> = (0..600)
            .map(|_| G1Projective::rand(&mut rng).into_affine())
            .collect();
        pts[7] = G1Affine::zero();
        pts[8] = G1Projective::generator().into_affine();
        let mut ks: Vec<Fr> = (0..6).map(|_| Fr::rand(&mut rng)).collect();
        ks.extend([
            Fr::zero(),
            Fr::from(1u64),
            -Fr::from(1u64),
            Fr::from(2u64).pow([128]),
        ]);
        for k in ks {
            let got = scale_g1(&pts, k);
            for (p, q) in pts.iter().zip(&got) {
                assert_eq!(*q, (*p * k).into_affine());
            }
        }
    }

    #[test]
    fn integer_multiple_on_g2_is_not_reduced() {
        let mut rng = ark_std::test_rng();
        let p = ark_bn254::G2Projective::rand(&mut rng).into_affine();
        let r = Fr::MODULUS.to_bytes_be();
        assert!(g2_mul_integer(&p, &r).is_zero()); // p is in the subgroup
        let mut r_plus_one = Fr::MODULUS;
        r_plus_one.add_with_carry(&1u64.into());
        assert_eq!(g2_mul_integer(&p, &r_plus_one.to_bytes_be()), p);
        assert_eq!(
            g2_mul_integer(&p, &[0, 0, 3]),
            (p * Fr::from(3u64)).into_affine()
        );
        assert!(g2_mul_integer(&p, &[]).is_zero());
    }
}
