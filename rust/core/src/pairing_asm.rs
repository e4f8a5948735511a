//! The Miller loop and the final exponentiation of Groth16 verification on halo2curves' BN254
//! tower (`Fq12`, with its x86-64 assembly for `Fq`), behind arkworks types.
//!
//! Measured against arkworks 0.6 in one process, interleaved: the final exponentiation takes
//! about 0.68x the time (its Granger-Scott cyclotomic squaring about 0.5x), the sparse line
//! multiplication `mul_by_034` about 0.74x; see `benchmarks/bench_pairing.rs` notes in the
//! README. Everything else (decoding, subgroup checks, line coefficients of G2 points, `vk_x`)
//! stays on arkworks; only `Fq2` line coefficients and `Fq12` values cross over.
//!
//! Both libraries keep `Fq` in Montgomery form with `R = 2^256 mod p` over the same `p`, so an
//! element crosses as its four Montgomery limbs, unchanged. [`available`] checks that layout
//! once at run time (and that the CPU has the BMI2 and ADX instructions the assembly uses);
//! when it does not hold, callers use the arkworks path. The tests compare every operation
//! with arkworks and with a conversion through canonical integers.

use std::sync::OnceLock;

use ark_bn254::{Config, Fq, Fq12, Fq2, Fq6, G1Affine};
use ark_ec::bn::{BnConfig, G2Prepared};
use ark_ec::AffineRepr;
use ark_ff::BigInt;
use ff::Field as _;
use halo2curves::bn256 as h;
use halo2curves::ff_ext::quadratic::QuadSparseMul;
use halo2curves::ff_ext::ExtField;
use rayon::prelude::*;

/// The line coefficients of one G2 point (prepared by arkworks) in halo2curves' `Fq2`.
#[derive(Clone, Debug)]
pub struct Lines {
    coeffs: Vec<(h::Fq2, h::Fq2, h::Fq2)>,
    infinity: bool,
}

impl Lines {
    pub fn new(p: &G2Prepared<Config>) -> Self {
        Self {
            coeffs: p.ell_coeffs.iter().map(|c| (fq2(&c.0), fq2(&c.1), fq2(&c.2))).collect(),
            infinity: p.infinity,
        }
    }
}

/// True iff this process may use this module: the CPU has BMI2 and ADX, and both libraries lay
/// out `Fq` as the same Montgomery limbs (checked on a few values, once).
pub fn available() -> bool {
    static OK: OnceLock<bool> = OnceLock::new();
    *OK.get_or_init(|| cpu_has_asm() && same_layout())
}

#[cfg(target_arch = "x86_64")]
fn cpu_has_asm() -> bool {
    std::arch::is_x86_feature_detected!("bmi2") && std::arch::is_x86_feature_detected!("adx")
}

#[cfg(not(target_arch = "x86_64"))]
fn cpu_has_asm() -> bool {
    false
}

/// The Montgomery limbs of 0, 1, 2, p - 1 and a value with every limb set agree, and so do
/// the limbs of their products (which only holds when `R` is the same).
fn same_layout() -> bool {
    let samples = [
        Fq::from(0u64),
        Fq::from(1u64),
        Fq::from(2u64),
        -Fq::from(1u64),
        Fq::from(u128::MAX) * Fq::from(u128::MAX),
    ];
    let canonical = |x: &Fq| -> h::Fq {
        let b = ark_ff::PrimeField::into_bigint(*x);
        h::Fq::from_raw(b.0)
    };
    samples.iter().all(|a| {
        samples.iter().all(|b| {
            let (ha, hb) = (canonical(a), canonical(b));
            fq(a) == ha && fq(&(*a * b)) == ha * hb && fq_back(&(ha * hb)) == *a * b
        })
    })
}

#[inline]
fn fq(x: &Fq) -> h::Fq {
    h::Fq((x.0).0)
}

#[inline]
fn fq_back(x: &h::Fq) -> Fq {
    // Montgomery limbs of a reduced element (< p) in both libraries.
    Fq::new_unchecked(BigInt(x.0))
}

#[inline]
fn fq2(x: &Fq2) -> h::Fq2 {
    h::Fq2::new(fq(&x.c0), fq(&x.c1))
}

fn fq2_back(x: &h::Fq2) -> Fq2 {
    Fq2::new(fq_back(x.c0()), fq_back(x.c1()))
}

pub fn fq12(x: &Fq12) -> h::Fq12 {
    let six = |y: &Fq6| h::Fq6::new(fq2(&y.c0), fq2(&y.c1), fq2(&y.c2));
    h::Fq12::new(six(&x.c0), six(&x.c1))
}

pub fn fq12_back(x: &h::Fq12) -> Fq12 {
    let six = |y: &h::Fq6| Fq6::new(fq2_back(y.c0()), fq2_back(y.c1()), fq2_back(y.c2()));
    Fq12::new(six(x.c0()), six(x.c1()))
}

#[inline]
fn ell(f: &mut h::Fq12, c: &(h::Fq2, h::Fq2, h::Fq2), px: &h::Fq, py: &h::Fq) {
    // BN254's twist is a D-type twist: the line is sparse in slots 0, 3, 4 (as in arkworks).
    let c0 = h::Fq2::new(c.0.c0() * py, c.0.c1() * py);
    let c1 = h::Fq2::new(c.1.c0() * px, c.1.c1() * px);
    h::Fq12::mul_by_034(f, &c0, &c1, &c.2);
}

/// `prod_i f_{P_i, Q_i}` (the same loop as arkworks' over prepared lines, one squaring chain
/// per thread; 16 pairs or more are split over the thread pool).
pub fn miller_loop(pairs: &[(G1Affine, &Lines)]) -> h::Fq12 {
    let live: Vec<(h::Fq, h::Fq, &Lines)> = pairs
        .iter()
        .filter(|(p, q)| !p.is_zero() && !q.infinity)
        .map(|(p, q)| (fq(&p.x), fq(&p.y), *q))
        .collect();
    if live.is_empty() {
        return h::Fq12::one();
    }
    if live.len() < 16 {
        return miller_loop_serial(&live);
    }
    let chunk = live.len().div_ceil(rayon::current_num_threads().max(1));
    live.par_chunks(chunk).map(miller_loop_serial).reduce(h::Fq12::one, |a, b| a * b)
}

fn miller_loop_serial(group: &[(h::Fq, h::Fq, &Lines)]) -> h::Fq12 {
    debug_assert!(!<Config as BnConfig>::X_IS_NEGATIVE);
    let loop_count = <Config as BnConfig>::ATE_LOOP_COUNT;
    let mut f = h::Fq12::one();
    let mut k = 0;
    for i in (1..loop_count.len()).rev() {
        if i != loop_count.len() - 1 {
            f.square_assign();
        }
        for (px, py, q) in group {
            ell(&mut f, &q.coeffs[k], px, py);
        }
        k += 1;
        if loop_count[i - 1] != 0 {
            for (px, py, q) in group {
                ell(&mut f, &q.coeffs[k], px, py);
            }
            k += 1;
        }
    }
    for (px, py, q) in group {
        ell(&mut f, &q.coeffs[k], px, py);
        ell(&mut f, &q.coeffs[k + 1], px, py);
    }
    f
}

/// The signed binary (NAF) digits of BN254's x, most significant first.
fn x_naf() -> &'static [i8] {
    static NAF: OnceLock<Vec<i8>> = OnceLock::new();
    NAF.get_or_init(|| {
        let mut k = <Config as BnConfig>::X[0] as i128;
        let mut digits = Vec::new();
        while k != 0 {
            let d = if k & 1 == 1 { (2 - (k & 3)) as i8 } else { 0 };
            k = (k - d as i128) / 2;
            digits.push(d);
        }
        digits.reverse();
        digits
    })
}

/// `f^(-x)` for `f` in the cyclotomic subgroup (where the inverse is the conjugate).
fn exp_by_neg_x(f: &h::Fq12) -> h::Fq12 {
    let mut inv = *f;
    inv.conjugate();
    let mut res = h::Fq12::one();
    let mut started = false;
    for &d in x_naf() {
        if started {
            res.cyclotomic_square();
        }
        match d {
            1 => {
                res.mul_assign(f);
                started = true;
            }
            -1 => {
                res.mul_assign(&inv);
                started = true;
            }
            _ => {}
        }
    }
    // BN254's x is positive: f^(-x) is the conjugate of f^x.
    res.conjugate();
    res
}

fn cyclotomic_square(f: &h::Fq12) -> h::Fq12 {
    let mut g = *f;
    g.cyclotomic_square();
    g
}

fn frobenius(f: &h::Fq12, power: usize) -> h::Fq12 {
    let mut g = *f;
    g.frobenius_map(power);
    g
}

fn conjugate(f: &h::Fq12) -> h::Fq12 {
    let mut g = *f;
    g.conjugate();
    g
}

/// `f^((p^12 - 1) / r)` as an arkworks value; None for `f = 0` (no Miller loop gives it).
/// The same chain as arkworks' (easy part, then Fuentes-Castaneda et al.'s hard part), on
/// halo2curves' arithmetic: equal to `Bn254::final_exponentiation` (tested).
pub fn final_exponentiation(f: &h::Fq12) -> Option<Fq12> {
    let f2: Option<h::Fq12> = f.invert().into();
    let f2 = f2?;
    // easy part: f^((p^6 - 1)(p^2 + 1))
    let mut r = conjugate(f) * f2;
    let f2 = r;
    r.frobenius_map(2);
    r.mul_assign(&f2);
    // hard part
    let y0 = exp_by_neg_x(&r);
    let y1 = cyclotomic_square(&y0);
    let y2 = cyclotomic_square(&y1);
    let y3 = y2 * y1;
    let y4 = exp_by_neg_x(&y3);
    let y5 = cyclotomic_square(&y4);
    let y6 = exp_by_neg_x(&y5);
    let y3 = conjugate(&y3);
    let y6 = conjugate(&y6);
    let y7 = y6 * y4;
    let y8 = y7 * y3;
    let y9 = y8 * y1;
    let y10 = y8 * y4;
    let y11 = y10 * r;
    let y13 = frobenius(&y9, 1) * y11;
    let y14 = frobenius(&y8, 2) * y13;
    let y15 = frobenius(&(conjugate(&r) * y9), 3);
    Some(fq12_back(&(y15 * y14)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{Bn254, Fr, G1Projective, G2Affine, G2Projective};
    use ark_ec::pairing::{MillerLoopOutput, Pairing};
    use ark_ec::{CurveGroup, PrimeGroup};
    use ark_ff::{Field, One, PrimeField, UniformRand};

    fn canonical(x: &Fq) -> h::Fq {
        use ff::PrimeField as _;
        let b = x.into_bigint();
        let mut r = [0u8; 32];
        for (i, l) in b.0.iter().enumerate() {
            r[8 * i..8 * i + 8].copy_from_slice(&l.to_le_bytes());
        }
        Option::from(h::Fq::from_repr(r.into())).expect("canonical bytes < p")
    }

    #[test]
    fn layout_and_conversions_are_exact() {
        if !available() {
            eprintln!("pairing_asm unavailable on this CPU: nothing to compare");
            return;
        }
        let mut rng = ark_std::test_rng();
        for _ in 0..200 {
            let (a, b) = (Fq::rand(&mut rng), Fq::rand(&mut rng));
            // limb conversion == conversion through the canonical integer, both ways
            assert_eq!(fq(&a), canonical(&a));
            assert_eq!(fq_back(&canonical(&a)), a);
            assert_eq!(fq_back(&(fq(&a) * fq(&b))), a * b);
            assert_eq!(fq_back(&(fq(&a) + fq(&b))), a + b);
            let f = Fq12::rand(&mut rng);
            let g = Fq12::rand(&mut rng);
            assert_eq!(fq12_back(&fq12(&f)), f);
            assert_eq!(fq12_back(&(fq12(&f) * fq12(&g))), f * g);
            let mut sq = fq12(&f);
            sq.square_assign();
            assert_eq!(fq12_back(&sq), f.square());
            for power in 0..12 {
                let mut a = f;
                a.frobenius_map_in_place(power);
                assert_eq!(fq12_back(&frobenius(&fq12(&f), power)), a);
            }
            let (c0, c1, c2) = (Fq2::rand(&mut rng), Fq2::rand(&mut rng), Fq2::rand(&mut rng));
            let mut a = f;
            a.mul_by_034(&c0, &c1, &c2);
            let mut hf = fq12(&f);
            h::Fq12::mul_by_034(&mut hf, &fq2(&c0), &fq2(&c1), &fq2(&c2));
            assert_eq!(fq12_back(&hf), a);
        }
    }

    #[test]
    fn final_exponentiation_matches_arkworks() {
        if !available() {
            return;
        }
        let mut rng = ark_std::test_rng();
        for _ in 0..16 {
            let f = Fq12::rand(&mut rng);
            let want = Bn254::final_exponentiation(MillerLoopOutput(f)).unwrap().0;
            assert_eq!(final_exponentiation(&fq12(&f)), Some(want));
        }
        assert_eq!(final_exponentiation(&h::Fq12::zero()), None);
        assert_eq!(final_exponentiation(&h::Fq12::one()), Some(Fq12::one()));
    }

    #[test]
    fn miller_loop_matches_arkworks() {
        if !available() {
            return;
        }
        let mut rng = ark_std::test_rng();
        for n in [1usize, 3, 17] {
            let ps: Vec<G1Affine> = (0..n)
                .map(|_| (G1Projective::generator() * Fr::rand(&mut rng)).into_affine())
                .collect();
            let qs: Vec<G2Affine> = (0..n)
                .map(|_| (G2Projective::generator() * Fr::rand(&mut rng)).into_affine())
                .collect();
            let prepared: Vec<G2Prepared<Config>> = qs.iter().map(|q| (*q).into()).collect();
            let lines: Vec<Lines> = prepared.iter().map(Lines::new).collect();
            let pairs: Vec<(G1Affine, &Lines)> = ps.iter().copied().zip(lines.iter()).collect();
            let ours = final_exponentiation(&miller_loop(&pairs)).unwrap();
            let want = Bn254::multi_pairing(ps.clone(), qs.clone()).0;
            assert_eq!(ours, want);
            // a point at infinity on either side drops its pair, as in arkworks
            let inf = Lines::new(&G2Prepared::from(G2Affine::identity()));
            let mut pairs2 = pairs.clone();
            pairs2.push((ps[0], &inf));
            pairs2.push((G1Affine::identity(), &lines[0]));
            assert_eq!(final_exponentiation(&miller_loop(&pairs2)).unwrap(), want);
        }
        // a random G1/G2 pair
        let p = (G1Projective::generator() * Fr::rand(&mut rng)).into_affine();
        let q = (G2Projective::generator() * Fr::rand(&mut rng)).into_affine();
        let lq = Lines::new(&q.into());
        assert_eq!(
            final_exponentiation(&miller_loop(&[(p, &lq)])).unwrap(),
            Bn254::pairing(p, q).0
        );
    }
}
