//! Kernels of a phase-2 ceremony besides the LEM layout (`lem.rs`): one scalar times many G1
//! points, as a contribution applies `1/x` to every point of a key's L and H sections, and a
//! G2 point times an integer of any size (ffjavascript's `G2.fromRng` multiplies by the full
//! G2 cofactor, which is larger than r).

use ark_bn254::{g1, g2, Fr, G1Affine, G1Projective, G2Affine};
use ark_ec::scalar_mul::glv::GLVConfig;
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::{AdditiveGroup, AffineRepr, CurveGroup};
use ark_ff::{BigInteger, PrimeField, Zero};
use rayon::prelude::*;

/// wNAF window: digits are odd and below 2^(WINDOW - 1) in absolute value.
const WINDOW: usize = 5;
/// Odd multiples kept per point: P, 3P, ..., (2 TABLE - 1) P.
const TABLE: usize = 1 << (WINDOW - 2);
/// Points per task (their tables are made affine together, one inversion per chunk).
const CHUNK: usize = 256;

/// A scalar split by GLV (`k = +-k1 +- lambda k2`, halves of ~128 bits), each half in wNAF.
struct Split {
    pos1: bool,
    pos2: bool,
    d1: Vec<i64>,
    d2: Vec<i64>,
}

fn split<P: GLVConfig>(k: P::ScalarField) -> Split {
    let ((pos1, k1), (pos2, k2)) = P::scalar_decomposition(k);
    Split {
        pos1,
        pos2,
        d1: k1.into_bigint().find_wnaf(WINDOW).expect("window in 2..64"),
        d2: k2.into_bigint().find_wnaf(WINDOW).expect("window in 2..64"),
    }
}

fn add_digit<P: SWCurveConfig>(acc: &mut Projective<P>, digit: Option<&i64>, row: &[Affine<P>]) {
    match digit {
        Some(&d) if d > 0 => *acc += row[(d / 2) as usize],
        Some(&d) if d < 0 => *acc -= row[(-d / 2) as usize],
        _ => {}
    }
}

/// `k_i P_i` for one chunk; `splits` has one entry per point, or one for all.
fn mul_chunk<P: GLVConfig>(pts: &[Affine<P>], splits: &[Split]) -> Vec<Projective<P>> {
    let at = |i: usize| if splits.len() == 1 { &splits[0] } else { &splits[i] };
    // (2j + 1) b1 for b1 = +-P (the sign of k1), made affine together
    let mut tab = Vec::with_capacity(pts.len() * TABLE);
    for (i, p) in pts.iter().enumerate() {
        let b1 = if at(i).pos1 { p.into_group() } else { -p.into_group() };
        let two = b1.double();
        let mut t = b1;
        tab.push(t);
        for _ in 1..TABLE {
            t += two;
            tab.push(t);
        }
    }
    let tab = Projective::<P>::normalize_batch(&tab);
    tab.chunks_exact(TABLE)
        .enumerate()
        .map(|(i, row)| {
            let s = at(i);
            // (2j + 1) b2 for b2 = +-phi(P) (the sign of k2) is +-phi((2j + 1) b1)
            let flip = s.pos1 != s.pos2;
            let row2: [Affine<P>; TABLE] = core::array::from_fn(|j| {
                let e = P::endomorphism_affine(&row[j]);
                if flip {
                    -e
                } else {
                    e
                }
            });
            let mut acc = Projective::<P>::zero();
            for t in (0..s.d1.len().max(s.d2.len())).rev() {
                acc.double_in_place();
                add_digit(&mut acc, s.d1.get(t), row);
                add_digit(&mut acc, s.d2.get(t), &row2);
            }
            acc
        })
        .collect()
}

/// `k * P` for every point. The scalar is split once (GLV) and written once in wNAF; each
/// point then costs ~128 doublings and ~43 mixed additions from a table of its odd multiples
/// (affine, shared inversions) and their images under the endomorphism, instead of a generic
/// multiplication per point. G1 only: every point of G1 is in the r-subgroup.
pub fn scale_g1(points: &[G1Affine], k: Fr) -> Vec<G1Affine> {
    let s = [split::<g1::Config>(k)];
    let mut out = vec![G1Affine::zero(); points.len()];
    out.par_chunks_mut(CHUNK).zip(points.par_chunks(CHUNK)).for_each(|(out, pts)| {
        out.copy_from_slice(&G1Projective::normalize_batch(&mul_chunk(pts, &s)));
    });
    out
}

/// `k_i * P_i` for each i, as [`scale_g1`] with a scalar per point (each split on its own).
/// The points must be in the r-subgroup (the endomorphism acts as lambda only there): G1
/// always; G2 points checked by the caller.
pub fn mul_each<P: GLVConfig>(points: &[Affine<P>], scalars: &[P::ScalarField]) -> Vec<Projective<P>> {
    assert_eq!(points.len(), scalars.len(), "one scalar per point");
    let mut out = vec![Projective::<P>::zero(); points.len()];
    out.par_chunks_mut(CHUNK)
        .zip(points.par_chunks(CHUNK).zip(scalars.par_chunks(CHUNK)))
        .for_each(|(out, (pts, ks))| {
            let splits: Vec<Split> = ks.iter().map(|k| split::<P>(*k)).collect();
            out.copy_from_slice(&mul_chunk(pts, &splits));
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
    fn mul_each_equals_generic_multiplication_on_both_groups() {
        let mut rng = ark_std::test_rng();
        let mut ks: Vec<Fr> = (0..300).map(|_| Fr::rand(&mut rng)).collect();
        ks[3] = Fr::zero();
        ks[4] = -Fr::from(1u64);
        let mut p1: Vec<G1Affine> =
            (0..300).map(|_| G1Projective::rand(&mut rng).into_affine()).collect();
        p1[5] = G1Affine::zero();
        for ((p, k), q) in p1.iter().zip(&ks).zip(mul_each(&p1, &ks)) {
            assert_eq!(q, *p * k);
        }
        let p2: Vec<G2Affine> =
            (0..300).map(|_| ark_bn254::G2Projective::rand(&mut rng).into_affine()).collect();
        for ((p, k), q) in p2.iter().zip(&ks).zip(mul_each(&p2, &ks)) {
            assert_eq!(q, *p * k);
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
