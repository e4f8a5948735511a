//! FFTs over F_r and the Groth16 quotient, on packed 32-byte big-endian buffers.

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use zkcollat_core::codec::{frs_from_be, frs_to_be};
use zkcollat_core::{fft, qap};

use crate::errors::detached;

/// FFT of `values` (n words, n a power of two); `inverse` and `coset` select the variant.
#[pyfunction(name = "fft")]
#[pyo3(signature = (values, inverse=false, coset=false))]
fn fft_py<'py>(
    py: Python<'py>,
    values: Vec<u8>,
    inverse: bool,
    coset: bool,
) -> PyResult<Bound<'py, PyBytes>> {
    let out = detached(py, move || {
        let v = frs_from_be(&values, "value")?;
        let r = if inverse { fft::ifft(&v, coset)? } else { fft::fft(&v, coset)? };
        Ok(frs_to_be(&r))
    })?;
    Ok(PyBytes::new(py, &out))
}

/// Coefficients of h = (a*b - c) / (x^n - 1) from the evaluations of a, b, c on the domain.
#[pyfunction]
fn quotient<'py>(
    py: Python<'py>,
    a: Vec<u8>,
    b: Vec<u8>,
    c: Vec<u8>,
) -> PyResult<Bound<'py, PyBytes>> {
    let out = detached(py, move || {
        let h = qap::quotient_coeffs(
            frs_from_be(&a, "a")?,
            frs_from_be(&b, "b")?,
            frs_from_be(&c, "c")?,
        )?;
        Ok(frs_to_be(&h))
    })?;
    Ok(PyBytes::new(py, &out))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(fft_py, m)?)?;
    m.add_function(wrap_pyfunction!(quotient, m)?)?;
    Ok(())
}
