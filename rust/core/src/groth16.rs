//! Groth16 verification with a prepared key, and batch verification of many proofs of one key.
//!
//! A single proof is checked as
//!
//! ```text
//!   e(A, B) * e(vk_x, -gamma) * e(C, -delta) == e(alpha, beta)
//! ```
//!
//! with one multi-Miller loop over three pairs and one final exponentiation: the line
//! coefficients of `-gamma` and `-delta` are computed once per key, `e(alpha, beta)` too, and
//! `vk_x = IC_0 + sum x_i IC_i` is read from fixed-base tables of the `IC_i`.
//!
//! A batch of proofs is checked with secret random coefficients `r_i` (chosen by the caller, at
//! least 128 bits, never known to the provers):
//!
//! ```text
//!   prod_i e(r_i A_i, B_i) * e(sum_i r_i vk_x_i, -gamma) * e(sum_i r_i C_i, -delta)
//!       == e(alpha, beta)^(sum_i r_i)
//! ```
//!
//! which fails for a batch with an invalid proof except with probability about 2^-128. When it
//! fails, halves are checked again (same coefficients) until every bad proof is found.
//! `verify_batch_subgroup` takes B_i checked on the twist only: the batch's line computation
//! yields `[3x + 1] B_i`, from which `codec::g2_in_subgroup_given` decides G2 membership
//! without a scalar multiplication of its own; the B_i outside G2 are named and left out.
//!
//! The Miller loop and the final exponentiation run on halo2curves' `Fq12` (`pairing_asm`)
//! when this CPU and build allow it, else on arkworks'; both give the same values (tested).

use ark_bn254::{Bn254, Config, Fq12, Fr, G1Affine, G1Projective, G2Affine};
use ark_ec::bn::{g2::EllCoeff, BnConfig, G2Prepared};
use ark_ec::pairing::{MillerLoopOutput, Pairing};
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{BigInt, CyclotomicMultSubgroup, Field, One, PrimeField, Zero};
use rayon::prelude::*;

use crate::codec::{g2_in_subgroup, g2_in_subgroup_given, g2_in_subgroup_given_proj};
use crate::pairing_asm::{self, Lines, NormLines};
use crate::{Error, Result};

type Prepared = G2Prepared<Config>;

/// Window width of the fixed-base tables (bits).
const WINDOW: usize = 4;
const WINDOWS: usize = 256 / WINDOW;
const DIGITS: usize = (1 << WINDOW) - 1;

/// `rows[w][d - 1] = d * 2^(WINDOW * w) * P`: a scalar multiple of `P` is one mixed addition
/// per non-zero digit of the scalar, and no doubling.
struct FixedBase {
    rows: Vec<[G1Affine; DIGITS]>,
}

impl FixedBase {
    fn new(p: G1Affine) -> Self {
        let mut proj = Vec::with_capacity(WINDOWS * DIGITS);
        let mut base: G1Projective = p.into();
        for _ in 0..WINDOWS {
            let mut acc = base;
            for _ in 0..DIGITS {
                proj.push(acc);
                acc += base;
            }
            base = acc; // 2^WINDOW * base
        }
        let aff = G1Projective::normalize_batch(&proj);
        let rows = aff.chunks(DIGITS).map(|c| c.try_into().expect("DIGITS points")).collect();
        Self { rows }
    }

    fn mul(&self, k: &BigInt<4>) -> G1Projective {
        let mut acc = G1Projective::zero();
        for (w, row) in self.rows.iter().enumerate() {
            let bit = w * WINDOW;
            let d = ((k.0[bit / 64] >> (bit % 64)) as usize) & DIGITS;
            if d != 0 {
                acc += &row[d - 1];
            }
        }
        acc
    }
}

/// A Groth16 proof `(A, B, C)` whose points are decoded and checked (B in G2).
#[derive(Clone, Copy, Debug)]
pub struct ProofPoints {
    pub a: G1Affine,
    pub b: G2Affine,
    pub c: G1Affine,
}

/// A verifying key made ready for many verifications.
pub struct PreparedVk {
    alpha_beta: Fq12,
    gamma_neg: Prepared,
    delta_neg: Prepared,
    /// Tables of `IC_0 .. IC_n` (`IC_0` for the batch, where it is multiplied by `sum r_i`).
    ic: Vec<FixedBase>,
    ic0: G1Affine,
    /// The lines of `-gamma` and `-delta` for `pairing_asm` (normalised: see `NormLines`),
    /// when it is available.
    asm: Option<(NormLines, NormLines)>,
}

/// Which arithmetic runs the Miller loop and the final exponentiation (both give the same
/// answers; `verify` picks `Asm` when it is available, and benchmarks compare the two).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Arkworks,
    Asm,
}

#[inline]
fn ell(f: &mut Fq12, c: &EllCoeff<Config>, p: &G1Affine) {
    // BN254's twist is a D-type twist: the line is sparse in slots 0, 3, 4.
    let (mut c0, mut c1) = (c.0, c.1);
    c0.mul_assign_by_fp(&p.y);
    c1.mul_assign_by_fp(&p.x);
    f.mul_by_034(&c0, &c1, &c.2);
}

/// `prod_i f_{P_i, Q_i}` over all pairs with one shared squaring chain per thread (arkworks
/// splits every four pairs, which repeats the 63 squarings of Fq12 for each group of four).
fn miller_loop(pairs: &[(G1Affine, &Prepared)]) -> Fq12 {
    let live: Vec<(G1Affine, &Prepared)> =
        pairs.iter().filter(|(p, q)| !p.is_zero() && !q.infinity).copied().collect();
    if live.is_empty() {
        return Fq12::one();
    }
    // A single verification (three pairs) stays on the calling thread: handing it to the
    // thread pool costs more than it saves, and far more when the machine is busy.
    if live.len() < 16 {
        return miller_loop_serial(&live);
    }
    let chunk = live.len().div_ceil(rayon::current_num_threads().max(1));
    live.par_chunks(chunk).map(miller_loop_serial).reduce(Fq12::one, |a, b| a * b)
}

/// The Miller loop of `group` with one shared squaring chain.
fn miller_loop_serial(group: &[(G1Affine, &Prepared)]) -> Fq12 {
    // BN254's x is positive: no final conjugation (arkworks' loop has the same shape).
    debug_assert!(!<Config as BnConfig>::X_IS_NEGATIVE);
    let loop_count = <Config as BnConfig>::ATE_LOOP_COUNT;
    let mut f = Fq12::one();
    let mut k = 0;
    for i in (1..loop_count.len()).rev() {
        if i != loop_count.len() - 1 {
            f.square_in_place();
        }
        for (p, q) in group {
            ell(&mut f, &q.ell_coeffs[k], p);
        }
        k += 1;
        if loop_count[i - 1] != 0 {
            for (p, q) in group {
                ell(&mut f, &q.ell_coeffs[k], p);
            }
            k += 1;
        }
    }
    for (p, q) in group {
        ell(&mut f, &q.ell_coeffs[k], p);
        ell(&mut f, &q.ell_coeffs[k + 1], p);
    }
    f
}

/// The scalar `x` as a canonical big integer.
fn big(x: &Fr) -> BigInt<4> {
    x.into_bigint()
}

impl PreparedVk {
    /// Points must come from `codec` (on their curves; G2 points in the subgroup).
    pub fn new(
        alpha: G1Affine,
        beta: G2Affine,
        gamma: G2Affine,
        delta: G2Affine,
        ic: &[G1Affine],
    ) -> Result<Self> {
        if ic.is_empty() {
            return Err(Error::Length("a verifying key needs IC_0 (gamma_abc_g1 is empty)".into()));
        }
        let alpha_beta = Bn254::pairing(alpha, beta).0;
        let ic_tables = ic.par_iter().map(|p| FixedBase::new(*p)).collect();
        let (gamma_neg, delta_neg): (Prepared, Prepared) = ((-gamma).into(), (-delta).into());
        let asm = if pairing_asm::available() {
            NormLines::from_prepared(&gamma_neg).zip(NormLines::from_prepared(&delta_neg))
        } else {
            None
        };
        Ok(Self { alpha_beta, gamma_neg, delta_neg, ic: ic_tables, ic0: ic[0], asm })
    }

    /// The engine `verify` and `verify_batch` use.
    pub fn engine(&self) -> Engine {
        if self.asm.is_some() {
            Engine::Asm
        } else {
            Engine::Arkworks
        }
    }

    /// `prod_i e(P_i, B_i) * e(vk_x, -gamma) * e(c, -delta)` on arkworks, final exponentiation
    /// included: `None` only for a zero Miller loop value.
    fn product_ark(
        &self,
        proofs: &[(G1Affine, &Prepared)],
        vk_x: G1Affine,
        c: G1Affine,
    ) -> Option<Fq12> {
        let mut pairs: Vec<(G1Affine, &Prepared)> = proofs.to_vec();
        pairs.push((vk_x, &self.gamma_neg));
        pairs.push((c, &self.delta_neg));
        Bn254::final_exponentiation(MillerLoopOutput(miller_loop(&pairs))).map(|o| o.0)
    }

    /// As `product_ark` on `pairing_asm`, the proofs' lines projective (`proj`) or normalised
    /// (`norm`); the caller has checked that `self.asm` is set.
    fn product_asm(
        &self,
        proj: &[(G1Affine, &Lines)],
        norm: &[(G1Affine, &NormLines)],
        vk_x: G1Affine,
        c: G1Affine,
    ) -> Option<Fq12> {
        let (gamma, delta) = self.asm.as_ref().expect("the asm engine is available");
        let mut all: Vec<(G1Affine, &NormLines)> = Vec::with_capacity(norm.len() + 2);
        all.extend_from_slice(norm);
        all.push((vk_x, gamma));
        all.push((c, delta));
        pairing_asm::final_exponentiation(&pairing_asm::miller_loop_mixed(proj, &all))
    }

    pub fn n_public(&self) -> usize {
        self.ic.len() - 1
    }

    fn check_len(&self, n: usize) -> Result<()> {
        if n != self.n_public() {
            return Err(Error::Length(format!(
                "the key expects {} public inputs, {n} were given",
                self.n_public()
            )));
        }
        Ok(())
    }

    /// `IC_0 + sum x_i IC_i`.
    fn vk_x(&self, xs: &[Fr]) -> G1Projective {
        let mut acc: G1Projective = self.ic0.into();
        for (x, table) in xs.iter().zip(&self.ic[1..]) {
            acc += table.mul(&big(x));
        }
        acc
    }

    /// One proof: true iff it is valid for the public inputs `xs`.
    pub fn verify(&self, xs: &[Fr], proof: &ProofPoints) -> Result<bool> {
        self.verify_with(self.engine(), xs, proof)
    }

    /// `verify` on a chosen engine (`Asm` falls back to arkworks where it is unavailable).
    pub fn verify_with(&self, engine: Engine, xs: &[Fr], proof: &ProofPoints) -> Result<bool> {
        self.check_len(xs.len())?;
        let vk_x = self.vk_x(xs).into_affine();
        let b: Prepared = proof.b.into();
        let out = if engine == Engine::Asm && self.asm.is_some() {
            self.product_asm(&[(proof.a, &Lines::new(&b))], &[], vk_x, proof.c)
        } else {
            self.product_ark(&[(proof.a, &b)], vk_x, proof.c)
        };
        Ok(out == Some(self.alpha_beta))
    }

    /// `verify` for a proof whose B is on the twist but not yet checked to be in G2: None if
    /// B is outside G2. With `pairing_asm`, B's lines yield `[3x + 1] B` on the way
    /// (`Lines::with_multiple`), and the check needs no scalar multiplication of its own
    /// (`codec::g2_in_subgroup_given_proj`); otherwise `codec::g2_in_subgroup` runs first.
    pub fn verify_subgroup(&self, xs: &[Fr], proof: &ProofPoints) -> Result<Option<bool>> {
        self.check_len(xs.len())?;
        if self.asm.is_some() && rayon::current_num_threads() > 1 && !proof.b.is_zero() {
            return Ok(self.verify_subgroup_split(xs, proof));
        }
        if self.asm.is_some() {
            if let Some((lines, u)) = Lines::with_multiple(&proof.b) {
                if !g2_in_subgroup_given_proj(&proof.b, &u) {
                    return Ok(None);
                }
                let vk_x = self.vk_x(xs).into_affine();
                let out = self.product_asm(&[(proof.a, &lines)], &[], vk_x, proof.c);
                return Ok(Some(out == Some(self.alpha_beta)));
            }
        }
        if !g2_in_subgroup(&proof.b) {
            return Ok(None);
        }
        self.verify(xs, proof).map(Some)
    }

    /// `verify_subgroup` on two threads (`pairing_asm` available, B not the identity): one
    /// computes B's lines (and with them the G2 check) and the Miller loop of `e(A, B)`, the
    /// other `vk_x` and the Miller loop of the two fixed pairs; one final exponentiation of
    /// their product. The Miller loop of a product of pairs is the product of their loops, so
    /// this is the same value as the one-thread path, at twice the loop's squarings in all and
    /// about half its time on the clock. Used only when the pool has more than one thread.
    fn verify_subgroup_split(&self, xs: &[Fr], proof: &ProofPoints) -> Option<bool> {
        let (gamma, delta) = self.asm.as_ref().expect("the caller checked the asm engine");
        let (ab, fixed) = rayon::join(
            || {
                let (lines, u) = Lines::with_multiple(&proof.b)?;
                if !g2_in_subgroup_given_proj(&proof.b, &u) {
                    return None;
                }
                Some(pairing_asm::miller_loop_mixed(&[(proof.a, &lines)], &[]))
            },
            || {
                let vk_x = self.vk_x(xs).into_affine();
                pairing_asm::miller_loop_mixed(&[], &[(vk_x, gamma), (proof.c, delta)])
            },
        );
        let out = pairing_asm::final_exponentiation(&(ab? * fixed));
        Some(out == Some(self.alpha_beta))
    }

    /// Many proofs with the caller's secret coefficients (one per proof, non-zero, >= 128
    /// random bits). Returns the indices of the invalid proofs (empty: all valid).
    pub fn verify_batch(
        &self,
        items: &[(Vec<Fr>, ProofPoints)],
        coeffs: &[Fr],
    ) -> Result<Vec<usize>> {
        self.verify_batch_with(self.engine(), items, coeffs)
    }

    /// `verify_batch` on a chosen engine.
    pub fn verify_batch_with(
        &self,
        engine: Engine,
        items: &[(Vec<Fr>, ProofPoints)],
        coeffs: &[Fr],
    ) -> Result<Vec<usize>> {
        self.check_batch(items, coeffs)?;
        if items.is_empty() {
            return Ok(Vec::new());
        }
        let bs: Vec<&G2Affine> = items.iter().map(|(_, p)| &p.b).collect();
        let asm = if engine == Engine::Asm && self.asm.is_some() { norm_lines(&bs) } else { None };
        let bs = match asm {
            Some((lines, _)) => BatchLines::Norm(lines),
            None => BatchLines::Ark(bs.par_iter().map(|b| Prepared::from(**b)).collect()),
        };
        let ra = scaled_a(items, coeffs);
        Ok(self.halving(items, coeffs, &ra, &bs, (0..items.len()).collect()))
    }

    /// `verify_batch` for proofs whose B_i are on the twist but not yet checked to be in G2:
    /// `(the indices of the B_i outside G2, the indices of the other invalid proofs)`. With
    /// `pairing_asm`, each check takes the multiple `[3x + 1] B_i` from the batch's line
    /// computation (`codec::g2_in_subgroup_given`: no scalar multiplication of its own);
    /// otherwise `codec::g2_in_subgroup` checks each B_i first.
    pub fn verify_batch_subgroup(
        &self,
        items: &[(Vec<Fr>, ProofPoints)],
        coeffs: &[Fr],
    ) -> Result<(Vec<usize>, Vec<usize>)> {
        self.check_batch(items, coeffs)?;
        let n = items.len();
        let bs: Vec<&G2Affine> = items.iter().map(|(_, p)| &p.b).collect();
        if self.asm.is_some() {
            if let Some((lines, us)) = norm_lines(&bs) {
                let outside: Vec<usize> = (0..n)
                    .into_par_iter()
                    .filter(|&i| us[i].as_ref().is_some_and(|u| !g2_in_subgroup_given(bs[i], u)))
                    .collect();
                let set: Vec<usize> =
                    (0..n).filter(|i| outside.binary_search(i).is_err()).collect();
                if set.is_empty() {
                    return Ok((outside, Vec::new()));
                }
                let ra = scaled_a(items, coeffs);
                let bad = self.halving(items, coeffs, &ra, &BatchLines::Norm(lines), set);
                return Ok((outside, bad));
            }
        }
        let outside: Vec<usize> =
            (0..n).into_par_iter().filter(|&i| !g2_in_subgroup(bs[i])).collect();
        let keep: Vec<usize> = (0..n).filter(|i| outside.binary_search(i).is_err()).collect();
        let sub: Vec<(Vec<Fr>, ProofPoints)> = keep.iter().map(|&i| items[i].clone()).collect();
        let rs: Vec<Fr> = keep.iter().map(|&i| coeffs[i]).collect();
        let bad = self.verify_batch(&sub, &rs)?.into_iter().map(|j| keep[j]).collect();
        Ok((outside, bad))
    }

    fn check_batch(&self, items: &[(Vec<Fr>, ProofPoints)], coeffs: &[Fr]) -> Result<()> {
        if coeffs.len() != items.len() {
            return Err(Error::Length(format!(
                "{} coefficients for {} proofs",
                coeffs.len(),
                items.len()
            )));
        }
        for (xs, _) in items {
            self.check_len(xs.len())?;
        }
        if coeffs.iter().any(|r| r.is_zero()) {
            return Err(Error::Field("a batch coefficient is zero".into()));
        }
        Ok(())
    }

    /// The invalid proofs of `set`: the whole set at once, then halves of a failing set (same
    /// coefficients) until each invalid proof is alone.
    fn halving(
        &self,
        items: &[(Vec<Fr>, ProofPoints)],
        coeffs: &[Fr],
        ra: &[G1Affine],
        bs: &BatchLines,
        set: Vec<usize>,
    ) -> Vec<usize> {
        let mut bad = Vec::new();
        let mut pending = vec![set];
        while let Some(set) = pending.pop() {
            if set.is_empty() || self.batch_holds(items, coeffs, ra, bs, &set) {
                continue;
            }
            if set.len() == 1 {
                bad.push(set[0]);
            } else {
                let (lo, hi) = set.split_at(set.len() / 2);
                pending.push(hi.to_vec());
                pending.push(lo.to_vec());
            }
        }
        bad.sort_unstable();
        bad
    }

    fn batch_holds(
        &self,
        items: &[(Vec<Fr>, ProofPoints)],
        coeffs: &[Fr],
        ra: &[G1Affine],
        bs: &BatchLines,
        set: &[usize],
    ) -> bool {
        // sum r_i vk_x_i = (sum r_i) IC_0 + sum_j (sum_i r_i x_ij) IC_j
        let n = self.n_public();
        let mut s = vec![Fr::zero(); n + 1];
        for &i in set {
            let r = coeffs[i];
            s[0] += r;
            for (j, x) in items[i].0.iter().enumerate() {
                s[j + 1] += r * x;
            }
        }
        let vk_x: G1Projective = s.iter().zip(&self.ic).map(|(k, t)| t.mul(&big(k))).sum();
        let cs: Vec<G1Affine> = set.iter().map(|&i| items[i].1.c).collect();
        let rs: Vec<BigInt<4>> = set.iter().map(|&i| big(&coeffs[i])).collect();
        let c_sum = G1Projective::msm_bigint(&cs, &rs);
        let [vk_x, c_sum] =
            <[G1Affine; 2]>::try_from(G1Projective::normalize_batch(&[vk_x, c_sum]))
                .expect("two points");
        let out = match bs {
            BatchLines::Ark(bs) => {
                let pairs: Vec<(G1Affine, &Prepared)> =
                    set.iter().map(|&i| (ra[i], &bs[i])).collect();
                self.product_ark(&pairs, vk_x, c_sum)
            }
            BatchLines::Norm(bs) => {
                // a B_i at infinity has no lines: e(r_i A_i, O) = 1
                let pairs: Vec<(G1Affine, &NormLines)> =
                    set.iter().filter_map(|&i| bs[i].as_ref().map(|l| (ra[i], l))).collect();
                self.product_asm(&[], &pairs, vk_x, c_sum)
            }
        };
        out == Some(self.alpha_beta.cyclotomic_exp(big(&s[0])))
    }
}

/// The lines of a batch's B_i: arkworks' projective ones, or `pairing_asm`'s normalised ones
/// (None for a B_i at infinity).
enum BatchLines {
    Ark(Vec<Prepared>),
    Norm(Vec<Option<NormLines>>),
}

/// `r_i A_i` for every proof, affine.
fn scaled_a(items: &[(Vec<Fr>, ProofPoints)], coeffs: &[Fr]) -> Vec<G1Affine> {
    let ra: Vec<G1Projective> =
        items.par_iter().zip(coeffs).map(|((_, p), r)| p.a.mul_bigint(big(r))).collect();
    G1Projective::normalize_batch(&ra)
}

/// Lines and `[3x + 1] B_i` per proof (None for a B_i at infinity).
type NormBatch = (Vec<Option<NormLines>>, Vec<Option<G2Affine>>);

/// The normalised lines of every B_i not at infinity, computed together in affine
/// coordinates (`NormLines::batch_and_multiple`), one part per thread, and `[3x + 1] B_i`;
/// None if a step met a zero denominator (no point of G2 does).
fn norm_lines(bs: &[&G2Affine]) -> Option<NormBatch> {
    let live: Vec<G2Affine> = bs.iter().filter(|b| !b.is_zero()).map(|b| **b).collect();
    let parts = if live.len() < 16 { 1 } else { rayon::current_num_threads().max(1) };
    let chunk = live.len().div_ceil(parts).max(1);
    let done: Vec<(Vec<NormLines>, Vec<G2Affine>)> =
        live.par_chunks(chunk).map(NormLines::batch_and_multiple).collect::<Option<_>>()?;
    let mut lines = Vec::with_capacity(bs.len());
    let mut us = Vec::with_capacity(bs.len());
    let mut it = done.into_iter().flat_map(|(l, u)| l.into_iter().zip(u));
    for b in bs {
        let (l, u) =
            if b.is_zero() { (None, None) } else { it.next().map(|(l, u)| (Some(l), Some(u)))? };
        lines.push(l);
        us.push(u);
    }
    Some((lines, us))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::PrimeGroup;
    use ark_std::UniformRand;

    /// A made-up key and a "proof" satisfying the equation (from chosen discrete logs).
    fn fixture(n_pub: usize) -> (PreparedVk, Vec<(Vec<Fr>, ProofPoints)>) {
        let mut rng = ark_std::test_rng();
        let g1 = G1Projective::generator();
        let g2 = ark_bn254::G2Projective::generator();
        let (alpha, beta, gamma, delta) =
            (Fr::rand(&mut rng), Fr::rand(&mut rng), Fr::rand(&mut rng), Fr::rand(&mut rng));
        let ic_k: Vec<Fr> = (0..=n_pub).map(|_| Fr::rand(&mut rng)).collect();
        let ic: Vec<G1Affine> = ic_k.iter().map(|k| (g1 * k).into_affine()).collect();
        let vk = PreparedVk::new(
            (g1 * alpha).into_affine(),
            (g2 * beta).into_affine(),
            (g2 * gamma).into_affine(),
            (g2 * delta).into_affine(),
            &ic,
        )
        .unwrap();
        let mut items = Vec::new();
        for _ in 0..9 {
            let xs: Vec<Fr> = (0..n_pub).map(|_| Fr::rand(&mut rng)).collect();
            let vx = ic_k[0] + xs.iter().zip(&ic_k[1..]).map(|(x, k)| *x * k).sum::<Fr>();
            // a*b = alpha*beta + vx*gamma + c*delta, pick a, b at random and solve for c
            let (a, b) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
            let c = (a * b - alpha * beta - vx * gamma) / delta;
            let proof = ProofPoints {
                a: (g1 * a).into_affine(),
                b: (g2 * b).into_affine(),
                c: (g1 * c).into_affine(),
            };
            items.push((xs, proof));
        }
        (vk, items)
    }

    #[test]
    fn single_and_batch_agree() {
        let (vk, mut items) = fixture(3);
        let mut rng = ark_std::test_rng();
        for (xs, p) in &items {
            assert!(vk.verify(xs, p).unwrap());
        }
        let coeffs: Vec<Fr> = items.iter().map(|_| Fr::from(u128::rand(&mut rng) | 1)).collect();
        assert_eq!(vk.verify_batch(&items, &coeffs).unwrap(), Vec::<usize>::new());
        // break two proofs in different ways
        items[2].0[1] += Fr::one();
        items[7].1.c = (items[7].1.c + G1Projective::generator()).into_affine();
        assert!(!vk.verify(&items[2].0, &items[2].1).unwrap());
        assert!(!vk.verify(&items[7].0, &items[7].1).unwrap());
        assert_eq!(vk.verify_batch(&items, &coeffs).unwrap(), vec![2, 7]);
        // wrong number of inputs
        assert!(vk.verify(&items[0].0[..2], &items[0].1).is_err());
    }

    /// Every decision of the asm engine equals the arkworks engine's: valid proofs, broken
    /// ones (inputs, A, B, C changed, swapped, identities) and random points.
    #[test]
    fn engines_agree() {
        let (vk, items) = fixture(3);
        if vk.asm.is_none() {
            eprintln!("pairing_asm unavailable here: only arkworks runs");
            return;
        }
        let mut rng = ark_std::test_rng();
        let g1 = G1Projective::generator();
        let g2 = ark_bn254::G2Projective::generator();
        let rand_g1 = |rng: &mut _| (g1 * Fr::rand(rng)).into_affine();
        let mut cases: Vec<(Vec<Fr>, ProofPoints)> = items.clone();
        for (i, (xs, p)) in items.iter().enumerate() {
            let mut xs2 = xs.clone();
            xs2[i % 3] += Fr::one();
            cases.push((xs2, *p));
            let mut q = *p;
            q.a = rand_g1(&mut rng);
            cases.push((xs.clone(), q));
            let mut q = *p;
            q.b = (g2 * Fr::rand(&mut rng)).into_affine();
            cases.push((xs.clone(), q));
            let mut q = *p;
            q.c = (q.c + g1).into_affine();
            cases.push((xs.clone(), q));
            let mut q = *p;
            std::mem::swap(&mut q.a, &mut q.c);
            cases.push((xs.clone(), q));
            let mut q = *p;
            q.a = -q.a;
            cases.push((xs.clone(), q));
            let mut q = *p;
            q.b = -q.b;
            cases.push((xs.clone(), q));
        }
        let zero = ProofPoints { a: G1Affine::zero(), b: G2Affine::zero(), c: G1Affine::zero() };
        cases.push((items[0].0.clone(), zero));
        cases.push((items[0].0.clone(), ProofPoints { a: G1Affine::zero(), ..items[0].1 }));
        cases.push((items[0].0.clone(), ProofPoints { b: G2Affine::zero(), ..items[0].1 }));
        cases.push((items[0].0.clone(), ProofPoints { c: G1Affine::zero(), ..items[0].1 }));
        for _ in 0..8 {
            let p = ProofPoints {
                a: rand_g1(&mut rng),
                b: (g2 * Fr::rand(&mut rng)).into_affine(),
                c: rand_g1(&mut rng),
            };
            cases.push(((0..3).map(|_| Fr::rand(&mut rng)).collect(), p));
        }
        let mut valid = 0;
        for (xs, p) in &cases {
            let ark = vk.verify_with(Engine::Arkworks, xs, p).unwrap();
            assert_eq!(vk.verify_with(Engine::Asm, xs, p).unwrap(), ark);
            assert_eq!(vk.verify(xs, p).unwrap(), ark);
            valid += usize::from(ark);
        }
        assert_eq!(valid, items.len(), "exactly the fixture's proofs are valid");
        let coeffs: Vec<Fr> = cases.iter().map(|_| Fr::from(u128::rand(&mut rng) | 1)).collect();
        let bad_ark = vk.verify_batch_with(Engine::Arkworks, &cases, &coeffs).unwrap();
        let bad_asm = vk.verify_batch_with(Engine::Asm, &cases, &coeffs).unwrap();
        assert_eq!(bad_asm, bad_ark);
        assert_eq!(bad_ark, (items.len()..cases.len()).collect::<Vec<_>>());
        // a batch large enough for the parallel Miller loop, all valid, then one broken
        let many: Vec<(Vec<Fr>, ProofPoints)> =
            (0..40).map(|i| items[i % items.len()].clone()).collect();
        let rs: Vec<Fr> = many.iter().map(|_| Fr::from(u128::rand(&mut rng) | 1)).collect();
        assert_eq!(vk.verify_batch_with(Engine::Asm, &many, &rs).unwrap(), Vec::<usize>::new());
        // the first and the last proof broken (the halving must reach both ends), a B at
        // infinity among valid ones, and a B on the twist but outside G2 (the decoder refuses
        // one; here both engines must still reject it)
        let mut ends = many.clone();
        ends[0].1.c = (ends[0].1.c + g1).into_affine();
        ends[39].0[2] += Fr::one();
        ends[17].1.b = G2Affine::zero();
        let mut off = twist_point(&mut rng);
        while off.is_in_correct_subgroup_assuming_on_curve() {
            off = twist_point(&mut rng);
        }
        ends[25].1.b = off;
        for e in [Engine::Asm, Engine::Arkworks] {
            assert_eq!(vk.verify_batch_with(e, &ends, &rs).unwrap(), vec![0, 17, 25, 39]);
            assert!(!vk.verify_with(e, &ends[25].0, &ends[25].1).unwrap());
        }
        let mut broken = many.clone();
        broken[33].1.a = rand_g1(&mut rng);
        assert_eq!(vk.verify_batch_with(Engine::Asm, &broken, &rs).unwrap(), vec![33]);
        assert_eq!(vk.verify_batch_with(Engine::Arkworks, &broken, &rs).unwrap(), vec![33]);
    }

    /// A point of the twist curve, almost surely outside G2.
    fn twist_point(rng: &mut impl ark_std::rand::Rng) -> G2Affine {
        loop {
            let x = ark_bn254::Fq2::rand(rng);
            let b = <ark_bn254::g2::Config as ark_ec::short_weierstrass::SWCurveConfig>::COEFF_B;
            if let Some(y) = (x * x * x + b).sqrt() {
                return G2Affine::new_unchecked(x, y);
            }
        }
    }

    /// B_i only on the twist: the batch names those outside G2 (first and last position
    /// here) apart from the proofs that fail the pairing check, and agrees with checking each
    /// B_i by `g2_in_subgroup` and then verifying the rest.
    #[test]
    fn batch_checks_the_subgroup() {
        let (vk, items) = fixture(3);
        let pools: Vec<rayon::ThreadPool> = [1, 2]
            .iter()
            .map(|&n| rayon::ThreadPoolBuilder::new().num_threads(n).build().unwrap())
            .collect();
        let mut rng = ark_std::test_rng();
        let many: Vec<(Vec<Fr>, ProofPoints)> =
            (0..40).map(|i| items[i % items.len()].clone()).collect();
        let rs: Vec<Fr> = many.iter().map(|_| Fr::from(u128::rand(&mut rng) | 1)).collect();
        assert_eq!(vk.verify_batch_subgroup(&many, &rs).unwrap(), (vec![], vec![]));
        let mut off = many.clone();
        for i in [0, 39, 12] {
            let mut q = twist_point(&mut rng);
            while g2_in_subgroup(&q) {
                q = twist_point(&mut rng);
            }
            off[i].1.b = q;
        }
        // a point of G2 plus one outside (a G2 component does not hide the other)
        off[20].1.b = (off[20].1.b + twist_point(&mut rng)).into_affine();
        off[7].0[0] += Fr::one();
        off[30].1.b = G2Affine::zero();
        let (outside, bad) = vk.verify_batch_subgroup(&off, &rs).unwrap();
        assert_eq!(outside, vec![0, 12, 20, 39]);
        assert_eq!(bad, vec![7, 30]);
        for (i, (_, p)) in off.iter().enumerate() {
            assert_eq!(g2_in_subgroup(&p.b), outside.binary_search(&i).is_err());
        }
        // a small batch (one part) and a batch of only bad B_i
        assert_eq!(vk.verify_batch_subgroup(&off[..3], &rs[..3]).unwrap(), (vec![0], vec![]));
        let only = vec![off[0].clone(), off[12].clone()];
        assert_eq!(vk.verify_batch_subgroup(&only, &rs[..2]).unwrap(), (vec![0, 1], vec![]));
        assert_eq!(vk.verify_batch_subgroup(&[], &[]).unwrap(), (vec![], vec![]));
        // B of small order (10069 divides the cofactor): refused by both paths, single and
        // batch, wherever the line computation degenerates
        let h2 = {
            use ark_ff::BigInteger;
            let mut two_p = ark_bn254::Fq::MODULUS;
            two_p.add_with_carry(&ark_bn254::Fq::MODULUS);
            two_p.sub_with_borrow(&Fr::MODULUS);
            two_p
        };
        let small: Vec<G2Affine> = (0..6)
            .map(|_| {
                // [r h2 / 10069] P has order 1 or 10069; r h2 / 10069 = r (h2 / 10069)
                let p = twist_point(&mut rng);
                let t = p.mul_bigint(Fr::MODULUS);
                let mut q = h2;
                let mut rem = 0u128;
                for limb in q.0.iter_mut().rev() {
                    let cur = (rem << 64) | *limb as u128;
                    *limb = (cur / 10069) as u64;
                    rem = cur % 10069;
                }
                assert_eq!(rem, 0);
                t.into_affine().mul_bigint(q).into_affine()
            })
            .filter(|s| !s.is_zero())
            .collect();
        assert!(!small.is_empty());
        for s in &small {
            assert!(!g2_in_subgroup(s));
            assert!(s.mul_bigint([10069u64]).is_zero());
            let mut item = many[3].clone();
            item.1.b = *s;
            for pool in &pools {
                assert_eq!(pool.install(|| vk.verify_subgroup(&item.0, &item.1)).unwrap(), None);
            }
            let mut batch = many.clone();
            batch[0].1.b = *s;
            batch[39].1.b = -*s;
            assert_eq!(vk.verify_batch_subgroup(&batch, &rs).unwrap(), (vec![0, 39], vec![]));
        }
        // one proof at a time: the same verdicts, on one thread and on two (B's lines and the
        // fixed pairs' loop side by side)
        for pool in &pools {
            for (i, (xs, p)) in off.iter().enumerate() {
                let want = if outside.contains(&i) { None } else { Some(!bad.contains(&i)) };
                assert_eq!(pool.install(|| vk.verify_subgroup(xs, p)).unwrap(), want);
            }
        }
        assert!(vk.verify_batch_subgroup(&off[..2], &rs[..1]).is_err());
    }

    #[test]
    fn fixed_base_matches_mul() {
        let mut rng = ark_std::test_rng();
        let p = (G1Projective::generator() * Fr::rand(&mut rng)).into_affine();
        let t = FixedBase::new(p);
        for _ in 0..20 {
            let k = Fr::rand(&mut rng);
            assert_eq!(t.mul(&k.into_bigint()), p * k);
        }
        assert_eq!(t.mul(&Fr::zero().into_bigint()), G1Projective::zero());
        let max = -Fr::one();
        assert_eq!(t.mul(&max.into_bigint()), p * max);
    }
}
