//! The Miller loop and the final exponentiation of Groth16 verification on halo2curves' BN254
//! tower (`Fq12`, with its x86-64 assembly for `Fq`), behind arkworks types.
//!
//! Measured against arkworks 0.6 in one process, interleaved: the final exponentiation takes
//! about 0.68x the time (its Granger-Scott cyclotomic squaring about 0.5x), the sparse line
//! multiplication `mul_by_034` about 0.74x; see `benchmarks/bench_pairing.rs` notes in the
//! README. Everything else (decoding, subgroup checks, line coefficients of G2 points, `vk_x`)
//! stays on arkworks; only `Fq2` line coefficients and `Fq12` values cross over.
//!
//! Lines come in two forms: `Lines`, arkworks' projective coefficients (three per step, for
//! a single proof's B, whose lines are computed once), and `NormLines`, the same lines divided
//! by their first coefficient (two per step, and a cheaper product with the Miller value):
//! the fixed lines of a key, and a batch's B_i, whose lines are computed together in affine
//! coordinates with one inversion per step for the whole batch. The exponentiation by x in
//! the final exponentiation uses signed windows of width 4 (16 multiplications, not 23).
//!
//! Both libraries keep `Fq` in Montgomery form with `R = 2^256 mod p` over the same `p`, so an
//! element crosses as its four Montgomery limbs, unchanged. [`available`] checks that layout
//! once at run time (and that the CPU has the BMI2 and ADX instructions the assembly uses);
//! when it does not hold, callers use the arkworks path. The tests compare every operation
//! with arkworks and with a conversion through canonical integers.

use std::sync::OnceLock;

use ark_bn254::{Config, Fq, Fq12, Fq2, Fq6, G1Affine, G2Affine, G2Projective};
use ark_ec::bn::{BnConfig, G2Prepared};
use ark_ec::short_weierstrass::SWCurveConfig;
use ark_ec::AffineRepr;
use ark_ff::{AdditiveGroup, BigInt, Field, Zero};
use ff::Field as _;
use halo2curves::bn256 as h;
use halo2curves::ff_ext::cubic::CubicSparseMul;
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
    /// The lines of `q` as arkworks' `G2Prepared::from` computes them (the same formulas in
    /// homogeneous projective coordinates: equal coefficients, tested), and `[3x + 1] q` (see
    /// `NormLines::batch_and_multiple`) for a subgroup check; None for the point at infinity.
    pub fn with_multiple(q: &G2Affine) -> Option<(Self, G2Projective)> {
        if q.is_zero() {
            return None;
        }
        let loop_count = <Config as BnConfig>::ATE_LOOP_COUNT;
        let b = <ark_bn254::g2::Config as SWCurveConfig>::COEFF_B;
        let two_inv = Fq::from(2u64).inverse().expect("2 is invertible");
        let (mut x, mut y, mut z) = (q.x, q.y, Fq2::ONE);
        let mut coeffs = Vec::with_capacity(2 * loop_count.len());
        // T = Q, T = -Q or T = O at an addition (lambda = 0: possible for a point of small
        // order outside G2, the cofactor has factors 10069, 5864401, ...) would make the
        // formulas give a wrong multiple (and a subgroup check based on it unsound): None,
        // and the caller checks B on its own. Doublings never meet O or a 2-torsion point
        // (r and the cofactor are odd) without an addition meeting lambda = 0 first.
        let add = |x: &mut Fq2, y: &mut Fq2, z: &mut Fq2, q: &G2Affine| {
            let theta = *y - q.y * *z;
            let lambda = *x - q.x * *z;
            if lambda.is_zero() {
                return None;
            }
            let c = theta.square();
            let d = lambda.square();
            let e = lambda * d;
            let f = *x * d;
            let g = *z * c;
            let h = e + g - f.double();
            *x = lambda * h;
            *y = theta * (f - h) - e * *y;
            *z *= e;
            let j = theta * q.x - lambda * q.y;
            Some((fq2(&lambda), fq2(&-theta), fq2(&j)))
        };
        debug_assert_eq!(loop_count[0], 0);
        let mut half = G2Projective::zero();
        let neg = -*q;
        for i in (1..loop_count.len()).rev() {
            if i == 1 {
                // homogeneous (X : Y : Z) is Jacobian (XZ, YZ^2, Z)
                half = G2Projective::new_unchecked(x * z, y * z.square(), z);
            }
            let mut a = x * y;
            a.mul_assign_by_fp(&two_inv);
            let bb = y.square();
            let c = z.square();
            let e = b * (c.double() + c);
            let f = e.double() + e;
            let mut g = bb + f;
            g.mul_assign_by_fp(&two_inv);
            let h = (y + z).square() - (bb + c);
            let i2 = e - bb;
            let j = x.square();
            let e_square = e.square();
            x = a * (bb - f);
            y = g.square() - (e_square.double() + e_square);
            z = bb * h;
            coeffs.push((fq2(&-h), fq2(&(j.double() + j)), fq2(&i2)));
            match loop_count[i - 1] {
                1 => coeffs.push(add(&mut x, &mut y, &mut z, q)?),
                -1 => coeffs.push(add(&mut x, &mut y, &mut z, &neg)?),
                _ => {}
            }
        }
        debug_assert!(!<Config as BnConfig>::X_IS_NEGATIVE);
        let q1 = mul_by_char(q);
        let mut q2 = mul_by_char(&q1);
        q2.y = -q2.y;
        coeffs.push(add(&mut x, &mut y, &mut z, &q1)?);
        coeffs.push(add(&mut x, &mut y, &mut z, &q2)?);
        Some((Self { coeffs, infinity: false }, half))
    }

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

/// The lines of one G2 point divided by their slot-0 coefficient. At `P = (x, y)` a line
/// then is `1 + b (x / y) w + c (1 / y) v w`: the factors dropped (the slot-0 coefficient and
/// `y`) lie in `Fq2`, whose elements the final exponentiation sends to 1 (`p^2 - 1` divides
/// `(p^12 - 1) / r`). Two coefficients a step instead of three, and `mul_by_34` (10
/// multiplications in `Fq2`) instead of `mul_by_034` (13).
#[derive(Clone, Debug)]
pub struct NormLines {
    coeffs: Vec<(h::Fq2, h::Fq2)>,
}

impl NormLines {
    /// From arkworks' prepared lines: None for the point at infinity, or if a slot-0
    /// coefficient is zero (no point of G2 gives one; callers then keep `Lines`).
    pub fn from_prepared(p: &G2Prepared<Config>) -> Option<Self> {
        if p.infinity || p.ell_coeffs.iter().any(|c| c.0.is_zero()) {
            return None;
        }
        let mut inv: Vec<h::Fq2> = p.ell_coeffs.iter().map(|c| fq2(&c.0)).collect();
        let mut scratch = vec![h::Fq2::ZERO; inv.len()];
        if !batch_invert(&mut inv, &mut scratch) {
            return None;
        }
        let coeffs =
            p.ell_coeffs.iter().zip(&inv).map(|(c, i)| (fq2(&c.1) * i, fq2(&c.2) * i)).collect();
        Some(Self { coeffs })
    }

    /// The lines of many G2 points (none at infinity), computed in affine coordinates with
    /// one inversion per step for all of them (Montgomery's trick): a doubling step costs
    /// about 2 squarings and 6 multiplications in `Fq2` per point, arkworks' projective one
    /// about 10. The line through `T` with slope `l` is `y_P - l x_P w + (l x_T - y_T) v w`
    /// (the untwisting of BN254's D-type twist), so its normalised coefficients are
    /// `(-l, l x_T - y_T)`. None if a denominator is zero (a point outside G2 can give one:
    /// `2 y_T = 0` or `x_T = x_Q`); callers then keep arkworks' projective lines.
    pub fn batch(qs: &[G2Affine]) -> Option<Vec<Self>> {
        Self::batch_and_multiple(qs).map(|(lines, _)| lines)
    }

    /// As `batch`, and also `[3x + 1] Q_j` for each point: the loop runs over the digits of
    /// `6x + 2 = 2 (3x + 1)`, so `T_j` holds it one doubling before the end (a subgroup check
    /// gets it for free: `codec::g2_in_subgroup_given`). Exact: the affine formulas are
    /// exact whenever no denominator is zero, and a step that would reach the point at
    /// infinity has a zero denominator (None).
    pub fn batch_and_multiple(qs: &[G2Affine]) -> Option<(Vec<Self>, Vec<G2Affine>)> {
        if qs.iter().any(|q| q.is_zero()) {
            return None;
        }
        let n = qs.len();
        let loop_count = <Config as BnConfig>::ATE_LOOP_COUNT;
        let mut out: Vec<Vec<(h::Fq2, h::Fq2)>> = vec![Vec::with_capacity(2 * loop_count.len()); n];
        let q: Vec<(h::Fq2, h::Fq2)> = qs.iter().map(|q| (fq2(&q.x), fq2(&q.y))).collect();
        let neg: Vec<(h::Fq2, h::Fq2)> = q.iter().map(|(x, y)| (*x, -*y)).collect();
        let mut t = q.clone();
        let mut den = vec![h::Fq2::ZERO; n];
        let mut scratch = vec![h::Fq2::ZERO; n];
        // 6x + 2 is even: its last digit is 0, and T = [(6x + 2) / 2] Q after step i = 2
        debug_assert_eq!(loop_count[0], 0);
        let mut half: Vec<G2Affine> = Vec::new();
        for i in (1..loop_count.len()).rev() {
            if i == 1 {
                half = t
                    .iter()
                    .map(|(x, y)| G2Affine::new_unchecked(fq2_back(x), fq2_back(y)))
                    .collect();
            }
            affine_step(&mut t, None, &mut den, &mut scratch, &mut out)?;
            match loop_count[i - 1] {
                1 => affine_step(&mut t, Some(&q), &mut den, &mut scratch, &mut out)?,
                -1 => affine_step(&mut t, Some(&neg), &mut den, &mut scratch, &mut out)?,
                _ => {}
            }
        }
        debug_assert!(!<Config as BnConfig>::X_IS_NEGATIVE);
        // the last two lines: through pi(Q) and -pi^2(Q) (the Frobenius on the twist)
        let (mut q1, mut q2) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for b in qs {
            let p1 = mul_by_char(b);
            let p2 = mul_by_char(&p1);
            q1.push((fq2(&p1.x), fq2(&p1.y)));
            q2.push((fq2(&p2.x), fq2(&-p2.y)));
        }
        affine_step(&mut t, Some(&q1), &mut den, &mut scratch, &mut out)?;
        affine_step(&mut t, Some(&q2), &mut den, &mut scratch, &mut out)?;
        Some((out.into_iter().map(|coeffs| Self { coeffs }).collect(), half))
    }
}

/// One step of `NormLines::batch` for every point: `T_j <- 2 T_j` (`add` None) or
/// `T_j <- T_j + add_j`, pushing the line's normalised coefficients `(-l, l x_T - y_T)`.
/// None if a denominator is zero.
fn affine_step(
    t: &mut [(h::Fq2, h::Fq2)],
    add: Option<&[(h::Fq2, h::Fq2)]>,
    den: &mut [h::Fq2],
    scratch: &mut [h::Fq2],
    out: &mut [Vec<(h::Fq2, h::Fq2)>],
) -> Option<()> {
    match add {
        None => t.iter().zip(den.iter_mut()).for_each(|((_, y), d)| *d = y.double()),
        Some(a) => {
            t.iter().zip(a).zip(den.iter_mut()).for_each(|(((x, _), (ax, _)), d)| *d = *x - ax)
        }
    }
    if !batch_invert(den, scratch) {
        return None;
    }
    for (j, ((x, y), d)) in t.iter_mut().zip(den.iter()).enumerate() {
        let (l, x3) = match add {
            None => {
                let xx = x.square();
                let l = (xx.double() + xx) * d;
                (l, l.square() - x.double())
            }
            Some(a) => {
                let (ax, ay) = &a[j];
                let l = (*y - ay) * d;
                (l, l.square() - *x - ax)
            }
        };
        out[j].push((-l, l * *x - *y));
        *y = l * (*x - x3) - *y;
        *x = x3;
    }
    Some(())
}

/// `v_i <- 1 / v_i` with one inversion (Montgomery's trick) on the calling thread (arkworks'
/// `batch_inversion` hands chunks to the thread pool); false if some `v_i` is zero.
fn batch_invert<F: ff::Field>(v: &mut [F], prefix: &mut [F]) -> bool {
    let mut acc = F::ONE;
    for (p, x) in prefix.iter_mut().zip(v.iter()) {
        *p = acc;
        acc *= x;
    }
    let inv: Option<F> = acc.invert().into();
    let Some(mut inv) = inv else { return false };
    for (x, p) in v.iter_mut().zip(prefix.iter()).rev() {
        let next = inv * *x;
        *x = inv * p;
        inv = next;
    }
    true
}

/// `pi` on the twist: the p-power Frobenius with the twist's constants (as arkworks').
fn mul_by_char(q: &G2Affine) -> G2Affine {
    let (mut x, mut y) = (q.x, q.y);
    x.frobenius_map_in_place(1);
    y.frobenius_map_in_place(1);
    G2Affine::new_unchecked(
        x * <Config as BnConfig>::TWIST_MUL_BY_Q_X,
        y * <Config as BnConfig>::TWIST_MUL_BY_Q_Y,
    )
}

/// `f * (1 + (b + c v) w)` = `(f0 + f1 L v) + (f1 + f0 L) w` with `L = b + c v`.
#[inline]
fn mul_by_34(f: &mut h::Fq12, b: &h::Fq2, c: &h::Fq2) {
    let (f0, f1) = (*f.c0(), *f.c1());
    let t0 = <h::Fq6 as CubicSparseMul>::mul_by_01(&f1, b, c);
    let t1 = <h::Fq6 as CubicSparseMul>::mul_by_01(&f0, b, c);
    *f = h::Fq12::new(f0 + t0.mul_by_nonresidue(), f1 + t1);
}

#[inline]
fn ell_norm(f: &mut h::Fq12, c: &(h::Fq2, h::Fq2), xy: &h::Fq, iy: &h::Fq) {
    let b = h::Fq2::new(c.0.c0() * xy, c.0.c1() * xy);
    let c = h::Fq2::new(c.1.c0() * iy, c.1.c1() * iy);
    mul_by_34(f, &b, &c);
}

/// `prod_i f_{P_i, Q_i}` over prepared lines (one squaring chain per thread; 16 pairs or
/// more are split over the thread pool).
pub fn miller_loop(pairs: &[(G1Affine, &Lines)]) -> h::Fq12 {
    miller_loop_mixed(pairs, &[])
}

type ProjPair<'a> = (h::Fq, h::Fq, &'a Lines);
/// `(x / y, 1 / y, lines)`.
type NormPair<'a> = (h::Fq, h::Fq, &'a NormLines);

/// As `miller_loop` over pairs with `Lines` and pairs with `NormLines` (equal after the final
/// exponentiation). A point at infinity on either side drops its pair.
pub fn miller_loop_mixed(proj: &[(G1Affine, &Lines)], norm: &[(G1Affine, &NormLines)]) -> h::Fq12 {
    let proj: Vec<ProjPair<'_>> = proj
        .iter()
        .filter(|(p, q)| !p.is_zero() && !q.infinity)
        .map(|(p, q)| (fq(&p.x), fq(&p.y), *q))
        .collect();
    // y != 0 on G1 (no point of order 2): one inversion for all the 1 / y.
    let live: Vec<&(G1Affine, &NormLines)> = norm.iter().filter(|(p, _)| !p.is_zero()).collect();
    let mut inv: Vec<h::Fq> = live.iter().map(|(p, _)| fq(&p.y)).collect();
    let mut scratch = vec![h::Fq::ZERO; inv.len()];
    let nonzero = batch_invert(&mut inv, &mut scratch);
    assert!(nonzero, "no point of G1 has y = 0 (G1 has no point of order 2)");
    let norm: Vec<NormPair<'_>> =
        live.iter().zip(&inv).map(|((p, q), i)| (fq(&p.x) * i, *i, *q)).collect();
    let n = proj.len() + norm.len();
    if n == 0 {
        return h::Fq12::one();
    }
    if n < 16 {
        return miller_loop_serial(&proj, &norm);
    }
    let parts = rayon::current_num_threads().max(1);
    let (cp, cn) = (proj.len().div_ceil(parts).max(1), norm.len().div_ceil(parts).max(1));
    (0..parts)
        .into_par_iter()
        .map(|i| {
            let p = proj.get(i * cp..((i + 1) * cp).min(proj.len())).unwrap_or(&[]);
            let q = norm.get(i * cn..((i + 1) * cn).min(norm.len())).unwrap_or(&[]);
            if p.is_empty() && q.is_empty() {
                h::Fq12::one()
            } else {
                miller_loop_serial(p, q)
            }
        })
        .reduce(h::Fq12::one, |a, b| a * b)
}

fn miller_loop_serial(proj: &[ProjPair<'_>], norm: &[NormPair<'_>]) -> h::Fq12 {
    debug_assert!(!<Config as BnConfig>::X_IS_NEGATIVE);
    let loop_count = <Config as BnConfig>::ATE_LOOP_COUNT;
    let mut f = h::Fq12::one();
    let mut k = 0;
    let lines = |f: &mut h::Fq12, k: usize| {
        for (px, py, q) in proj {
            ell(f, &q.coeffs[k], px, py);
        }
        for (xy, iy, q) in norm {
            ell_norm(f, &q.coeffs[k], xy, iy);
        }
    };
    for i in (1..loop_count.len()).rev() {
        if i != loop_count.len() - 1 {
            f.square_assign();
        }
        lines(&mut f, k);
        k += 1;
        if loop_count[i - 1] != 0 {
            lines(&mut f, k);
            k += 1;
        }
    }
    lines(&mut f, k);
    lines(&mut f, k + 1);
    f
}

/// Width of the signed windows of x in `exp_by_neg_x`: digits in {0, +-1, +-3, +-5, +-7}.
const X_WINDOW: u32 = 4;

/// The signed-window digits of BN254's x (width `X_WINDOW`, each non-zero digit odd and
/// followed by at least `X_WINDOW - 1` zeros), most significant first. For x this gives 63
/// squarings and 13 multiplications, plus 1 squaring and 3 multiplications for the table of
/// f, f^3, f^5, f^7: 16 multiplications where the NAF of x needs 23.
fn x_digits() -> &'static [i8] {
    static DIGITS: OnceLock<Vec<i8>> = OnceLock::new();
    DIGITS.get_or_init(|| {
        let mut k = <Config as BnConfig>::X[0] as i128;
        let (width, half) = (1i128 << X_WINDOW, 1i128 << (X_WINDOW - 1));
        let mut digits = Vec::new();
        while k != 0 {
            let d = if k & 1 == 1 {
                let m = k & (width - 1);
                if m >= half {
                    m - width
                } else {
                    m
                }
            } else {
                0
            };
            k = (k - d) / 2;
            digits.push(d as i8);
        }
        digits.reverse();
        digits
    })
}

/// `f^(-x)` for `f` in the cyclotomic subgroup (where the inverse is the conjugate).
fn exp_by_neg_x(f: &h::Fq12) -> h::Fq12 {
    // odd[j] = f^(2j + 1), and its conjugate for a negative digit
    let f2 = cyclotomic_square(f);
    let mut odd = [*f; 4];
    for j in 1..4 {
        odd[j] = odd[j - 1] * f2;
    }
    let digits = x_digits();
    let pick = |d: i8| {
        let g = odd[(d.unsigned_abs() as usize - 1) / 2];
        if d < 0 {
            conjugate(&g)
        } else {
            g
        }
    };
    let mut res = pick(digits[0]);
    for &d in &digits[1..] {
        res.cyclotomic_square();
        if d != 0 {
            res.mul_assign(&pick(d));
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
    fn x_digits_give_x() {
        let mut acc: i128 = 0;
        for &d in x_digits() {
            assert!(d == 0 || (d % 2 != 0 && d.abs() < 1 << (X_WINDOW - 1)));
            acc = 2 * acc + d as i128;
        }
        assert_eq!(acc, <Config as BnConfig>::X[0] as i128);
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
        // the normalised lines (from arkworks' and from the batched affine computation),
        // alone and mixed with projective ones, give the same pairings
        for n in [1usize, 2, 3, 17, 40] {
            let ps: Vec<G1Affine> = (0..n)
                .map(|_| (G1Projective::generator() * Fr::rand(&mut rng)).into_affine())
                .collect();
            let qs: Vec<G2Affine> = (0..n)
                .map(|_| (G2Projective::generator() * Fr::rand(&mut rng)).into_affine())
                .collect();
            let want = Bn254::multi_pairing(ps.clone(), qs.clone()).0;
            let prepared: Vec<G2Prepared<Config>> = qs.iter().map(|q| (*q).into()).collect();
            let from_prep: Vec<NormLines> =
                prepared.iter().map(|p| NormLines::from_prepared(p).unwrap()).collect();
            let batched = NormLines::batch(&qs).unwrap();
            for norm in [&from_prep, &batched] {
                let pairs: Vec<(G1Affine, &NormLines)> = ps.iter().copied().zip(norm).collect();
                assert_eq!(final_exponentiation(&miller_loop_mixed(&[], &pairs)).unwrap(), want);
                // the first pair projective, the rest normalised; an identity G1 point dropped
                let l0 = Lines::new(&prepared[0]);
                let mut rest = pairs[1..].to_vec();
                rest.push((G1Affine::identity(), &norm[0]));
                let ml = miller_loop_mixed(&[(ps[0], &l0)], &rest);
                assert_eq!(final_exponentiation(&ml).unwrap(), want);
            }
        }
        assert!(NormLines::from_prepared(&G2Prepared::from(G2Affine::identity())).is_none());
        // Lines::with_multiple: arkworks' coefficients exactly, and [3x + 1] q
        let k = ark_ff::BigInt::<4>::from(3 * <Config as BnConfig>::X[0] + 1);
        for _ in 0..8 {
            let q = (G2Projective::generator() * Fr::rand(&mut rng)).into_affine();
            let (l, u) = Lines::with_multiple(&q).unwrap();
            assert_eq!(l.coeffs, Lines::new(&G2Prepared::from(q)).coeffs);
            assert_eq!(u.into_affine(), q.mul_bigint(k).into_affine());
        }
        assert!(Lines::with_multiple(&G2Affine::identity()).is_none());
        assert!(NormLines::batch(&[G2Affine::identity()]).is_none());
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
