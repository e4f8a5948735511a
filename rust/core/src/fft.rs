//! Radix-2 FFTs over F_r on arkworks' evaluation domains.
//!
//! The coset is `5 * <omega>`, 5 being the multiplicative generator of F_r, the same shift
//! the reference backend uses.

use ark_bn254::Fr;
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};

use crate::{Error, Result};

pub const COSET_SHIFT: u64 = 5;

fn domain(n: usize, coset: bool) -> Result<Radix2EvaluationDomain<Fr>> {
    if n == 0 || !n.is_power_of_two() {
        return Err(Error::Length(format!("FFT size {n} is not a power of two")));
    }
    let d = Radix2EvaluationDomain::<Fr>::new(n)
        .ok_or_else(|| Error::Length(format!("FFT size {n} exceeds the 2-adicity of F_r")))?;
    if coset {
        d.get_coset(Fr::from(COSET_SHIFT))
            .ok_or_else(|| Error::Length("coset domain could not be built".into()))
    } else {
        Ok(d)
    }
}

pub fn fft(values: &[Fr], coset: bool) -> Result<Vec<Fr>> {
    let d = domain(values.len(), coset)?;
    Ok(d.fft(values))
}

pub fn ifft(values: &[Fr], coset: bool) -> Result<Vec<Fr>> {
    let d = domain(values.len(), coset)?;
    Ok(d.ifft(values))
}
