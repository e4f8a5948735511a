//! The Groth16 quotient polynomial H(x), evaluated over a coset, from the QAP evaluations.
//!
//! Given a(x), b(x), c(x) as evaluations on the domain D of size n (the constraint rows of
//! A.w, B.w, C.w, zero-padded), returns the n coefficients' worth of h(x) evaluations needed by
//! the prover, in the form the proving key's H query expects: the coset evaluations
//! `(a*b - c)(g*w^i) / Z(g*w^i)` brought back to coefficients of h. Z(x) = x^n - 1 is constant
//! on the coset: Z(g*w^i) = g^n - 1.

use ark_bn254::Fr;
use ark_ff::{Field, One};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use rayon::prelude::*;

use crate::fft::COSET_SHIFT;
use crate::{Error, Result};

/// Coefficients of h(x) = (a(x) b(x) - c(x)) / (x^n - 1), degree < n - 1.
pub fn quotient_coeffs(a: Vec<Fr>, b: Vec<Fr>, c: Vec<Fr>) -> Result<Vec<Fr>> {
    let n = a.len();
    if b.len() != n || c.len() != n {
        return Err(Error::Length("a, b, c evaluations differ in length".into()));
    }
    let d = Radix2EvaluationDomain::<Fr>::new(n)
        .filter(|d| d.size() == n)
        .ok_or_else(|| Error::Length(format!("QAP domain size {n} is not a power of two")))?;
    let shift = Fr::from(COSET_SHIFT);
    let coset = d.get_coset(shift).ok_or_else(|| Error::Length("no coset".into()))?;
    let (mut a, mut b, mut c) = (a, b, c);
    // to coefficients, then to evaluations on the coset (where Z does not vanish)
    rayon::join(
        || d.ifft_in_place(&mut a),
        || rayon::join(|| d.ifft_in_place(&mut b), || d.ifft_in_place(&mut c)),
    );
    rayon::join(
        || coset.fft_in_place(&mut a),
        || rayon::join(|| coset.fft_in_place(&mut b), || coset.fft_in_place(&mut c)),
    );
    let z_inv = (shift.pow([n as u64]) - Fr::one())
        .inverse()
        .expect("the coset shift is not an n-th root of unity");
    a.par_iter_mut().zip(b.par_iter()).zip(c.par_iter()).for_each(|((ai, bi), ci)| {
        *ai = (*ai * bi - ci) * z_inv;
    });
    coset.ifft_in_place(&mut a);
    Ok(a)
}
