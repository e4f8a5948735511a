//! Poseidon with parameters handed over from Python (circomlib's optimised constants), and
//! SHA-256 of a buffer (a key file's payload hash, with no OpenSSL mapped into the process).

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use sha2::{Digest, Sha256};
use zkcollat_core::codec::{frs_from_be, frs_to_be};

use crate::errors::{detached, to_py};

/// Poseidon in circomlib's optimised form (same function, fewer multiplications).
#[pyclass(frozen)]
struct PoseidonOpt(zkcollat_core::poseidon::PoseidonOpt);

#[pymethods]
impl PoseidonOpt {
    #[new]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        t: usize,
        n_full: usize,
        n_partial: usize,
        c: &[u8],
        s: &[u8],
        m: &[u8],
        p: &[u8],
    ) -> PyResult<Self> {
        let h = (|| {
            zkcollat_core::poseidon::PoseidonOpt::new(
                t,
                n_full,
                n_partial,
                frs_from_be(c, "C")?,
                frs_from_be(s, "S")?,
                frs_from_be(m, "M")?,
                frs_from_be(p, "P")?,
            )
        })()
        .map_err(|e| to_py(py, e))?;
        Ok(Self(h))
    }
    /// Hash consecutive tuples of 32-byte big-endian words (the AVX-512 IFMA kernel when the
    /// CPU has it, 8 hashes per pass).
    fn hash_many<'py>(&self, py: Python<'py>, inputs: Vec<u8>) -> PyResult<Bound<'py, PyBytes>> {
        let out = detached(py, || self.0.hash_many_be(&inputs))?;
        Ok(PyBytes::new(py, &out))
    }

    /// The same on the one-at-a-time kernel (arkworks' `Fr`), whatever the CPU: the
    /// cross-check of the vector kernel in tests, and its A/B in benchmarks.
    fn hash_many_scalar<'py>(
        &self,
        py: Python<'py>,
        inputs: Vec<u8>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let out =
            detached(py, || Ok(frs_to_be(&self.0.hash_many(&frs_from_be(&inputs, "input")?)?)))?;
        Ok(PyBytes::new(py, &out))
    }

    /// True iff `hash_many` runs the AVX-512 IFMA kernel on this CPU.
    #[getter]
    fn vector_kernel(&self) -> bool {
        self.0.has_vector_kernel()
    }
}

/// SHA-256 of `data[start..]` (`start` past the end: of nothing), the GIL released. A key
/// file's payload follows its header in the same buffer: no slice of it is copied to hash it.
#[pyfunction]
fn sha256<'py>(py: Python<'py>, data: &[u8], start: usize) -> PyResult<Bound<'py, PyBytes>> {
    let tail = data.get(start..).unwrap_or(&[]);
    let digest: [u8; 32] = detached(py, || Ok(Sha256::digest(tail).into()))?;
    Ok(PyBytes::new(py, &digest))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(sha256, m)?)?;
    m.add_class::<PoseidonOpt>()?;
    Ok(())
}
