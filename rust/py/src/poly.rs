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
    m.add_class::<R1cs>()?;
    Ok(())
}

/// The R1CS matrices of one circuit, held in Rust for repeated witness evaluation.
#[pyclass(frozen)]
pub struct R1cs(zkcollat_core::qap::Matrices);

impl R1cs {
    pub fn matrices(&self) -> &zkcollat_core::qap::Matrices {
        &self.0
    }
}

fn u32s(buf: &[u8], what: &str) -> zkcollat_core::Result<Vec<u32>> {
    if buf.len() % 4 != 0 {
        return Err(zkcollat_core::Error::Encoding(format!(
            "{what}: not whole little-endian u32 words"
        )));
    }
    Ok(buf.chunks(4).map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes"))).collect())
}

fn csr(
    n_wires: usize,
    m: (Vec<usize>, Vec<usize>, Vec<u8>),
    what: &str,
) -> zkcollat_core::Result<zkcollat_core::qap::Csr> {
    zkcollat_core::qap::Csr::new(m.0, m.1, frs_from_be(&m.2, what)?, n_wires)
}

#[pymethods]
impl R1cs {
    /// Each matrix as (row_ptr, cols, packed values).
    #[new]
    fn new(
        py: Python<'_>,
        n_wires: usize,
        n_public: usize,
        a: (Vec<usize>, Vec<usize>, Vec<u8>),
        b: (Vec<usize>, Vec<usize>, Vec<u8>),
        c: (Vec<usize>, Vec<usize>, Vec<u8>),
    ) -> PyResult<Self> {
        let mats = detached(py, move || {
            Ok(zkcollat_core::qap::Matrices {
                a: csr(n_wires, a, "A")?,
                b: csr(n_wires, b, "B")?,
                c: csr(n_wires, c, "C")?,
                n_wires,
                n_public,
            })
        })?;
        Ok(Self(mats))
    }

    /// The matrices as little-endian u32 arrays (row_ptr, cols, value index into `table`,
    /// for A, B and C) and one table of distinct values (32-byte big-endian words, each < r):
    /// no Python int or 32-byte word per entry crosses the boundary.
    #[staticmethod]
    #[allow(clippy::too_many_arguments)]
    fn indexed(
        py: Python<'_>,
        n_wires: usize,
        n_public: usize,
        a: (&[u8], &[u8], &[u8]),
        b: (&[u8], &[u8], &[u8]),
        c: (&[u8], &[u8], &[u8]),
        table: &[u8],
    ) -> PyResult<Self> {
        // borrowed from the Python bytes: each array is read once, into the u32s kept
        let mats = detached(py, move || {
            let table = frs_from_be(table, "value table")?;
            let m = |x: (&[u8], &[u8], &[u8]), what: &str| {
                zkcollat_core::qap::Csr::indexed(
                    u32s(x.0, what)?,
                    u32s(x.1, what)?,
                    u32s(x.2, what)?,
                    table.clone(),
                    n_wires,
                )
            };
            Ok(zkcollat_core::qap::Matrices {
                a: m(a, "A")?,
                b: m(b, "B")?,
                c: m(c, "C")?,
                n_wires,
                n_public,
            })
        })?;
        Ok(Self(mats))
    }

    /// (a, b, c) packed on the size-n domain, or the index of the first unsatisfied row (int).
    fn rows<'py>(&self, py: Python<'py>, witness: Vec<u8>, n: usize) -> PyResult<Bound<'py, PyAny>> {
        let rows = detached(py, || self.0.rows(&frs_from_be(&witness, "witness")?, n))?;
        match rows {
            zkcollat_core::qap::Rows::Unsatisfied(i) => Ok(i.into_pyobject(py)?.into_any()),
            zkcollat_core::qap::Rows::Ok(a, b, c) => Ok((
                PyBytes::new(py, &frs_to_be(&a)),
                PyBytes::new(py, &frs_to_be(&b)),
                PyBytes::new(py, &frs_to_be(&c)),
            )
                .into_pyobject(py)?
                .into_any()),
        }
    }
}
