//! Multi-scalar multiplication over point vectors that stay in Rust.

use ark_bn254::Fr;
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};

use crate::codec::scalars_from_be;
use crate::{Error, Result};

/// Below this many points an MSM is computed as a sum of scalar multiplications.
const SMALL_MSM: usize = 16;

/// A vector of affine points, decoded and checked once, then used for many MSMs.
pub struct PointVec<G: CurveGroup> {
    pub points: Vec<G::Affine>,
}

impl<G> PointVec<G>
where
    G: CurveGroup<ScalarField = Fr> + VariableBaseMSM<MulBase = <G as CurveGroup>::Affine>,
{
    pub fn new(points: Vec<G::Affine>) -> Self {
        Self { points }
    }

    /// `sum s_i * P_{start+i}` for the scalars in `buf` (32-byte big-endian, each < r).
    pub fn msm_range(&self, start: usize, buf: &[u8]) -> Result<G::Affine> {
        let s = scalars_from_be(buf, "scalar")?;
        let len = self.points.len();
        if start.checked_add(s.len()).is_none_or(|end| end > len) {
            return Err(Error::Length(format!(
                "MSM of {} scalars from point {start} exceeds the {len} points of the vector",
                s.len()
            )));
        }
        let bases = &self.points[start..start + s.len()];
        if s.len() <= SMALL_MSM {
            // A handful of points (a verifier's vk_x): plain double-and-add per point beats
            // the bucket method and its thread start-up.
            let mut acc = G::zero();
            for (p, k) in bases.iter().zip(&s) {
                acc += p.mul_bigint(k);
            }
            return Ok(acc.into_affine());
        }
        Ok(G::msm_bigint(bases, &s).into_affine())
    }
}

/// `[k_i * base]` for many scalars with one precomputed window table (fixed-base batch mul),
/// as a trusted setup needs for every key vector.
pub fn batch_mul<G>(base: G::Affine, buf: &[u8]) -> Result<Vec<G::Affine>>
where
    G: CurveGroup<ScalarField = Fr> + ark_ec::scalar_mul::ScalarMul<MulBase = <G as CurveGroup>::Affine>,
{
    let ks = crate::codec::frs_from_be(buf, "scalar")?;
    if ks.is_empty() {
        return Ok(Vec::new());
    }
    let table = ark_ec::scalar_mul::BatchMulPreprocessing::new(base.into(), ks.len());
    Ok(table.batch_mul(&ks))
}
