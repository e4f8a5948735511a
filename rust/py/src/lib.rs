//! `zkcollat._native`: a thin PyO3 layer over `zkcollat-core`. One file per area; errors
//! become `zkcollat.errors` exceptions in `errors.rs`, and nowhere else.

use pyo3::prelude::*;

mod ceremony;
mod curve;
mod errors;
mod groth16;
mod hash;
mod lem;
mod poly;
mod witness;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    curve::register(m)?;
    poly::register(m)?;
    hash::register(m)?;
    lem::register(m)?;
    groth16::register(m)?;
    witness::register(m)?;
    ceremony::register(m)?;
    Ok(())
}
