//! snarkjs's LEM point layout (see `zkcollat_core::lem`): conversions and ceremony kernels.

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use zkcollat_core::codec::{g1_from_bytes, g1_to_bytes, g2_from_bytes, g2_to_bytes};
use zkcollat_core::lem::{self, LemGroup, G1, G2};
use zkcollat_core::Error;

use crate::errors::detached;

fn run<'py>(
    py: Python<'py>,
    f: impl FnOnce() -> zkcollat_core::Result<Vec<u8>> + Send + pyo3::marker::Ungil,
) -> PyResult<Bound<'py, PyBytes>> {
    let out = detached(py, f)?;
    Ok(PyBytes::new(py, &out))
}

/// LEM points to zkcollat's layout (big-endian words), each checked on its curve; G2 points
/// also in the r-subgroup when `subgroup`.
#[pyfunction]
#[pyo3(signature = (buf, g2, subgroup=false))]
fn lem_to_std<'py>(
    py: Python<'py>,
    buf: Vec<u8>,
    g2: bool,
    subgroup: bool,
) -> PyResult<Bound<'py, PyBytes>> {
    run(py, move || {
        Ok(if g2 {
            lem::decode_all::<G2>(&buf, "point", subgroup)?
                .iter()
                .flat_map(g2_to_bytes)
                .collect()
        } else {
            lem::decode_all::<G1>(&buf, "point", false)?
                .iter()
                .flat_map(g1_to_bytes)
                .collect()
        })
    })
}

/// zkcollat's layout to LEM, each point checked on its curve.
#[pyfunction]
fn std_to_lem<'py>(py: Python<'py>, buf: Vec<u8>, g2: bool) -> PyResult<Bound<'py, PyBytes>> {
    run(py, move || {
        let size = if g2 { 128 } else { 64 };
        if buf.len() % size != 0 {
            return Err(Error::Encoding(format!("points must be a multiple of {size} bytes")));
        }
        let mut out = vec![0u8; buf.len()];
        for (i, (c, o)) in buf.chunks(size).zip(out.chunks_mut(size)).enumerate() {
            let what = format!("point[{i}]");
            if g2 {
                G2::encode(&g2_from_bytes(c, &what, false)?, o);
            } else {
                G1::encode(&g1_from_bytes(c, &what)?, o);
            }
        }
        Ok(out)
    })
}

/// `k * P` for every LEM point of `buf` (k: one 32-byte big-endian scalar below r).
#[pyfunction]
fn lem_scale<'py>(
    py: Python<'py>,
    buf: Vec<u8>,
    k: Vec<u8>,
    g2: bool,
) -> PyResult<Bound<'py, PyBytes>> {
    run(py, move || {
        if g2 {
            lem::scale::<G2>(&buf, &k)
        } else {
            lem::scale::<G1>(&buf, &k)
        }
    })
}

/// Sparse linear combinations of LEM bases: output j sums `scalars[t] * bases[idx[t]]` over
/// `ptr[j] <= t < ptr[j+1]`.
#[pyfunction]
fn lem_combine<'py>(
    py: Python<'py>,
    bases: Vec<u8>,
    ptr: Vec<usize>,
    idx: Vec<usize>,
    scalars: Vec<u8>,
    g2: bool,
) -> PyResult<Bound<'py, PyBytes>> {
    run(py, move || {
        if g2 {
            lem::combine::<G2>(&bases, &ptr, &idx, &scalars)
        } else {
            lem::combine::<G1>(&bases, &ptr, &idx, &scalars)
        }
    })
}

/// `a_i - b_i` pointwise over two LEM buffers.
#[pyfunction]
fn lem_sub<'py>(
    py: Python<'py>,
    a: Vec<u8>,
    b: Vec<u8>,
    g2: bool,
) -> PyResult<Bound<'py, PyBytes>> {
    run(py, move || {
        if g2 {
            lem::sub::<G2>(&a, &b)
        } else {
            lem::sub::<G1>(&a, &b)
        }
    })
}

/// FFT (inverse with `inverse`) of LEM G1 points over the domain of their (power-of-two) count.
#[pyfunction]
fn lem_fft_g1<'py>(py: Python<'py>, buf: Vec<u8>, inverse: bool) -> PyResult<Bound<'py, PyBytes>> {
    run(py, move || lem::fft_g1(&buf, inverse))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(lem_to_std, m)?)?;
    m.add_function(wrap_pyfunction!(std_to_lem, m)?)?;
    m.add_function(wrap_pyfunction!(lem_scale, m)?)?;
    m.add_function(wrap_pyfunction!(lem_combine, m)?)?;
    m.add_function(wrap_pyfunction!(lem_sub, m)?)?;
    m.add_function(wrap_pyfunction!(lem_fft_g1, m)?)?;
    Ok(())
}
