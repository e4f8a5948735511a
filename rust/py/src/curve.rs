//! G1/G2 point operations, point vectors for MSM, and the pairing check.

use ark_bn254::{G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use zkcollat_core::codec::{
    g1_from_bytes, g1_to_bytes, g1s_from_bytes, g2_from_bytes, g2_to_bytes, g2s_from_bytes_with,
    scalar_bigint_from_be,
};
use zkcollat_core::msm::PointVec;
use zkcollat_core::{pairing, Error};

use crate::errors::{detached, to_py};

type R<T> = zkcollat_core::Result<T>;

fn scalar(k: &[u8]) -> R<ark_ff::BigInt<4>> {
    if k.len() != 32 {
        return Err(Error::Encoding(format!("scalar must be 32 bytes, got {}", k.len())));
    }
    scalar_bigint_from_be(k, "scalar")
}

#[pyfunction]
fn g1_add<'py>(py: Python<'py>, a: &[u8], b: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    let r: R<_> = (|| Ok((g1_from_bytes(a, "a")? + g1_from_bytes(b, "b")?).into_affine()))();
    Ok(PyBytes::new(py, &g1_to_bytes(&r.map_err(|e| to_py(py, e))?)))
}

#[pyfunction]
fn g1_neg<'py>(py: Python<'py>, a: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    let p = g1_from_bytes(a, "a").map_err(|e| to_py(py, e))?;
    Ok(PyBytes::new(py, &g1_to_bytes(&(-p))))
}

#[pyfunction]
fn g1_mul<'py>(py: Python<'py>, a: &[u8], k: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    let r: R<G1Affine> = (|| Ok(g1_from_bytes(a, "a")?.mul_bigint(scalar(k)?).into_affine()))();
    Ok(PyBytes::new(py, &g1_to_bytes(&r.map_err(|e| to_py(py, e))?)))
}

#[pyfunction]
fn g2_add<'py>(py: Python<'py>, a: &[u8], b: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    let r: R<_> = (|| {
        Ok((g2_from_bytes(a, "a", false)? + g2_from_bytes(b, "b", false)?).into_affine())
    })();
    Ok(PyBytes::new(py, &g2_to_bytes(&r.map_err(|e| to_py(py, e))?)))
}

#[pyfunction]
fn g2_neg<'py>(py: Python<'py>, a: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    let p = g2_from_bytes(a, "a", false).map_err(|e| to_py(py, e))?;
    Ok(PyBytes::new(py, &g2_to_bytes(&(-p))))
}

#[pyfunction]
fn g2_mul<'py>(py: Python<'py>, a: &[u8], k: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    let r: R<G2Affine> =
        (|| Ok(g2_from_bytes(a, "a", false)?.mul_bigint(scalar(k)?).into_affine()))();
    Ok(PyBytes::new(py, &g2_to_bytes(&r.map_err(|e| to_py(py, e))?)))
}

/// True when the (on-curve) point is in the r-order subgroup; off-curve input is an error.
#[pyfunction]
fn g2_in_subgroup(py: Python<'_>, a: &[u8]) -> PyResult<bool> {
    let p = g2_from_bytes(a, "a", false).map_err(|e| to_py(py, e))?;
    Ok(zkcollat_core::codec::g2_in_subgroup(&p))
}

/// Product of pairings is one: `g1s` is n*64 bytes, `g2s` n*128 bytes, all checked on their
/// curves; G2 points also in the subgroup unless the caller has done so (`subgroup=False`).
#[pyfunction]
#[pyo3(signature = (g1s, g2s, subgroup=true))]
fn pairing_check(py: Python<'_>, g1s: Vec<u8>, g2s: Vec<u8>, subgroup: bool) -> PyResult<bool> {
    detached(py, move || {
        let p = g1s_from_bytes(&g1s, "pairs.g1")?;
        let q = g2s_from_bytes_with(&g2s, "pairs.g2", subgroup)?;
        if p.len() != q.len() {
            return Err(Error::Length(format!(
                "pairing check has {} G1 points but {} G2 points",
                p.len(),
                q.len()
            )));
        }
        Ok(pairing::pairing_check(&p, &q))
    })
}

/// A Python class over `PointVec` for one group: points decoded and checked once in Rust,
/// then used for many MSMs (`msm_range`).
macro_rules! point_vec_class {
    ($name:ident, $group:ty, $decode:expr, $encode:expr) => {
        #[pyclass(frozen)]
        struct $name(PointVec<$group>);

        #[pymethods]
        impl $name {
            /// `subgroup=False` skips the G2 r-subgroup check (curves are always checked;
            /// G1 has cofactor 1, so the flag changes nothing there).
            #[new]
            #[pyo3(signature = (points, subgroup=true))]
            fn new(py: Python<'_>, points: Vec<u8>, subgroup: bool) -> PyResult<Self> {
                let pts = detached(py, move || ($decode)(&points, subgroup))?;
                Ok(Self(PointVec::new(pts)))
            }
            fn __len__(&self) -> usize {
                self.0.points.len()
            }
            /// `sum scalars[i] * points[start + i]`; scalars: 32-byte big-endian words, < r.
            fn msm_range<'py>(
                &self,
                py: Python<'py>,
                start: usize,
                scalars: Vec<u8>,
            ) -> PyResult<Bound<'py, PyBytes>> {
                let p = detached(py, || self.0.msm_range(start, &scalars))?;
                Ok(PyBytes::new(py, &$encode(&p)))
            }
        }
    };
}

point_vec_class!(G1Vec, G1Projective, |b: &[u8], _| g1s_from_bytes(b, "point"), g1_to_bytes);
point_vec_class!(
    G2Vec,
    G2Projective,
    |b: &[u8], s| g2s_from_bytes_with(b, "point", s),
    g2_to_bytes
);

/// `[k_i * base]` for packed scalars `ks` (each < r): the fixed-base batch of a setup.
#[pyfunction]
fn g1_batch_mul<'py>(py: Python<'py>, base: &[u8], ks: Vec<u8>) -> PyResult<Bound<'py, PyBytes>> {
    let b = g1_from_bytes(base, "base").map_err(|e| to_py(py, e))?;
    let pts = detached(py, move || zkcollat_core::msm::batch_mul::<G1Projective>(b, &ks))?;
    let mut out = Vec::with_capacity(pts.len() * 64);
    for p in &pts {
        out.extend_from_slice(&g1_to_bytes(p));
    }
    Ok(PyBytes::new(py, &out))
}

#[pyfunction]
fn g2_batch_mul<'py>(py: Python<'py>, base: &[u8], ks: Vec<u8>) -> PyResult<Bound<'py, PyBytes>> {
    let b = g2_from_bytes(base, "base", true).map_err(|e| to_py(py, e))?;
    let pts = detached(py, move || zkcollat_core::msm::batch_mul::<G2Projective>(b, &ks))?;
    let mut out = Vec::with_capacity(pts.len() * 128);
    for p in &pts {
        out.extend_from_slice(&g2_to_bytes(p));
    }
    Ok(PyBytes::new(py, &out))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(g1_add, m)?)?;
    m.add_function(wrap_pyfunction!(g1_neg, m)?)?;
    m.add_function(wrap_pyfunction!(g1_mul, m)?)?;
    m.add_function(wrap_pyfunction!(g2_add, m)?)?;
    m.add_function(wrap_pyfunction!(g2_neg, m)?)?;
    m.add_function(wrap_pyfunction!(g2_mul, m)?)?;
    m.add_function(wrap_pyfunction!(g2_in_subgroup, m)?)?;
    m.add_function(wrap_pyfunction!(pairing_check, m)?)?;
    m.add_function(wrap_pyfunction!(g1_batch_mul, m)?)?;
    m.add_function(wrap_pyfunction!(g2_batch_mul, m)?)?;
    m.add_class::<G1Vec>()?;
    m.add_class::<G2Vec>()?;
    Ok(())
}
