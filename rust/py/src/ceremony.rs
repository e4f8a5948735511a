//! snarkjs keys as a prover reads them (`zkcollat_core::zkey`) and ceremony kernels
//! (`zkcollat_core::ceremony`; the bulk LEM ones are in `lem.rs`).

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use zkcollat_core::codec::{frs_from_be, frs_to_be, g2_from_bytes, g2_to_bytes};
use zkcollat_core::{ceremony, zkey};

use crate::errors::detached;

/// `(A.w, B.w, C.w)` on a domain of `n` rows from a key's coefficient section and a packed
/// witness (32-byte big-endian words), each packed the same way.
#[pyfunction]
fn zkey_rows<'py>(
    py: Python<'py>,
    coeffs: Vec<u8>,
    witness: Vec<u8>,
    n: usize,
) -> PyResult<(
    Bound<'py, PyBytes>,
    Bound<'py, PyBytes>,
    Bound<'py, PyBytes>,
)> {
    let (a, b, c) = detached(py, move || {
        let w = frs_from_be(&witness, "witness")?;
        let (a, b, c) = zkey::rows(&coeffs, &w, n)?;
        Ok((frs_to_be(&a), frs_to_be(&b), frs_to_be(&c)))
    })?;
    Ok((
        PyBytes::new(py, &a),
        PyBytes::new(py, &b),
        PyBytes::new(py, &c),
    ))
}

/// `k * P` for a G2 point in zkcollat's layout, checked on the twist but not required in the
/// r-subgroup, and an integer `k` of any size (big-endian bytes): no reduction mod r.
#[pyfunction]
fn g2_mul_integer<'py>(
    py: Python<'py>,
    point: Vec<u8>,
    k: Vec<u8>,
) -> PyResult<Bound<'py, PyBytes>> {
    let out = detached(py, move || {
        let p = g2_from_bytes(&point, "point", false)?;
        Ok(g2_to_bytes(&ceremony::g2_mul_integer(&p, &k)))
    })?;
    Ok(PyBytes::new(py, &out))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(zkey_rows, m)?)?;
    m.add_function(wrap_pyfunction!(g2_mul_integer, m)?)?;
    Ok(())
}
