//! Multi-scalar multiplication over point vectors that stay in Rust.

use ark_bn254::Fr;
use ark_ec::{CurveGroup, VariableBaseMSM};

use crate::codec::scalars_from_be;
use crate::{Error, Result};

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
        Ok(G::msm_bigint(&self.points[start..start + s.len()], &s).into_affine())
    }
}
