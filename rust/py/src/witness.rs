//! The native witness solver (`zkcollat.r1cs.native` builds its program once per circuit).

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use zkcollat_core::codec::{frs_from_be, frs_to_be};
use zkcollat_core::witness::{Program, Solved};
use zkcollat_core::Error;

use crate::errors::{detached, to_py};

fn u32s(buf: &[u8], what: &str) -> zkcollat_core::Result<Vec<u32>> {
    if buf.len() % 4 != 0 {
        return Err(Error::Encoding(format!("{what} must be whole little-endian u32 words")));
    }
    Ok(buf.chunks(4).map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes"))).collect())
}

/// A circuit's solver program (every index checked on construction).
#[pyclass(frozen)]
struct WitnessProgram(Program);

#[pymethods]
impl WitnessProgram {
    /// The u32 arrays are little-endian bytes; `coeffs` 32-byte big-endian words (each < r).
    #[new]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        n_wires: usize,
        n_inputs: usize,
        lc_ptr: &[u8],
        term_wire: &[u8],
        term_coeff: &[u8],
        coeffs: &[u8],
        steps: &[u8],
        outs: &[u8],
    ) -> PyResult<Self> {
        (|| {
            Program::new(
                n_wires,
                n_inputs,
                u32s(lc_ptr, "lc_ptr")?,
                u32s(term_wire, "term_wire")?,
                u32s(term_coeff, "term_coeff")?,
                coeffs,
                &u32s(steps, "steps")?,
                u32s(outs, "outs")?,
            )
        })()
        .map(Self)
        .map_err(|e| to_py(py, e))
    }

    /// The witness (packed 32-byte big-endian words, wire 0 first) for the input wires'
    /// values (packed, each < r), or the row number (int) of the first unsatisfied check.
    fn solve<'py>(&self, py: Python<'py>, inputs: &[u8]) -> PyResult<Bound<'py, PyAny>> {
        let out = detached(py, || {
            Ok(match self.0.solve(&frs_from_be(inputs, "input")?)? {
                Solved::Witness(w) => Ok(frs_to_be(&w)),
                Solved::Unsatisfied(row) => Err(row),
            })
        })?;
        match out {
            Ok(bytes) => Ok(PyBytes::new(py, &bytes).into_any()),
            Err(row) => Ok(row.into_pyobject(py)?.into_any()),
        }
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<WitnessProgram>()?;
    Ok(())
}
