//! The Groth16 prover in one call: witness rows, the quotient H(x), the MSMs (A, B in G1 and
//! G2, and L with H as one, since C only needs their sum) and the final combination, with no
//! round trip to Python in between.
//!
//! ```text
//!   A = alpha + sum_j w_j u_j(tau) + r delta                      (G1)
//!   B = beta  + sum_j w_j v_j(tau) + s delta                      (G2, and in G1 for C)
//!   C = sum_{j private} w_j l_j + sum_i h_i tau^i Z(tau)/delta + s A + r B1 - r s delta
//! ```
//!
//! Query vectors keep only their non-identity points (a wire absent from every B row has the
//! identity as `v_j(tau) G`), with the wire index of each point. The MSMs are the
//! batch-affine bucket method of `crate::msm_affine` (it skips zero scalars, adds the
//! scalars 1 and r - 1 without a bucket pass and gives small scalars only their low windows;
//! the G1 ones split each large scalar in two halves by the endomorphism, GLV).

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInt, PrimeField};
use rayon::prelude::*;

use crate::msm_affine::{msm_glv_parts, AffineMsm};
use crate::qap::{quotient_coeffs, Matrices, Rows};
use crate::{Error, Result};

/// A key query without its identity points; `wires[k]` is the wire of `points[k]`.
pub struct Query<G: CurveGroup> {
    points: Vec<G::Affine>,
    wires: Vec<u32>,
    /// The length of the full vector (one point per wire, identity included).
    pub length: usize,
    /// Every point is known to lie in the r-order subgroup ([`Query::in_subgroup`]).
    subgroup: bool,
}

impl<G> Query<G>
where
    G: CurveGroup<ScalarField = Fr> + AffineMsm,
{
    pub fn new(full: Vec<G::Affine>) -> Result<Self> {
        let length = full.len();
        if u32::try_from(length).is_err() {
            return Err(Error::Length(format!("a query of {length} points is too long")));
        }
        let (wires, points) =
            full.into_iter().enumerate().filter(|(_, p)| !p.is_zero()).map(|(i, p)| (i as u32, p)).unzip();
        Ok(Self { points, wires, length, subgroup: false })
    }

    /// The query with its points declared in the r-order subgroup (`yes`): the caller's
    /// promise (the points were made from the generator, or checked and the check recorded),
    /// which lets the MSM use the endomorphism (`AffineMsm::msm_subgroup`; in G2 it acts as
    /// the scalar `lambda` only on the subgroup). A false promise gives a wrong sum, so only
    /// checked points may be declared.
    pub fn in_subgroup(mut self, yes: bool) -> Self {
        self.subgroup = yes;
        self
    }

    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// Point `j` of the full vector (the identity for a wire without a point), for each j in
    /// order: the vector the query was made from, with no copy of it held.
    pub fn full_points(&self) -> impl Iterator<Item = G::Affine> + '_ {
        let mut next = 0;
        (0..self.length).map(move |j| {
            if next < self.wires.len() && self.wires[next] as usize == j {
                next += 1;
                self.points[next - 1]
            } else {
                G::Affine::zero()
            }
        })
    }

    /// The scalars of the points kept, from one scalar per wire of the full vector.
    fn gather(&self, scalars: &[BigInt<4>]) -> Vec<BigInt<4>> {
        debug_assert_eq!(scalars.len(), self.length);
        self.wires.iter().map(|&i| scalars[i as usize]).collect()
    }

    /// `sum s_j P_j` over the full vector, `scalars` holding one scalar per wire.
    pub fn msm(&self, scalars: &[BigInt<4>]) -> G {
        let s = self.gather(scalars);
        if self.subgroup {
            G::msm_subgroup(&self.points, &s)
        } else {
            G::msm_affine(&self.points, &s)
        }
    }
}

/// The proving key's points, decoded and checked once.
pub struct ProvingKey {
    pub alpha_g1: G1Affine,
    pub beta_g1: G1Affine,
    pub delta_g1: G1Affine,
    pub beta_g2: G2Affine,
    pub delta_g2: G2Affine,
    pub a: Query<G1Projective>,
    pub b_g1: Query<G1Projective>,
    pub b_g2: Query<G2Projective>,
    /// `tau^i Z(tau) / delta G1` for i < n - 1.
    pub h: Vec<G1Affine>,
    /// Over the private wires (n_public + 1 ..).
    pub l: Query<G1Projective>,
    pub n_public: usize,
    pub n_wires: usize,
    pub domain_size: usize,
}

/// A proof, or the first constraint the witness does not satisfy.
pub enum Proved {
    Proof(G1Affine, G2Affine, G1Affine),
    Unsatisfied(usize),
}

impl ProvingKey {
    /// Check that the parts fit together (lengths against the wire count and the domain).
    pub fn check(&self) -> Result<()> {
        let n = self.n_wires;
        let ok = self.a.length == n
            && self.b_g1.length == n
            && self.b_g2.length == n
            && self.l.length + self.n_public + 1 == n
            && self.domain_size.is_power_of_two()
            && self.h.len() + 1 == self.domain_size;
        if !ok {
            return Err(Error::Length(
                "proving key: query lengths do not match the wire count and domain".into(),
            ));
        }
        Ok(())
    }

    /// A proof for witness `w` of the circuit `m` with blinding `(r, s)`.
    pub fn prove(&self, m: &Matrices, w: &[Fr], r: Fr, s: Fr) -> Result<Proved> {
        if m.n_wires != self.n_wires || m.n_public != self.n_public {
            return Err(Error::Length(format!(
                "the circuit has {} wires and {} public inputs, the key {} and {}",
                m.n_wires, m.n_public, self.n_wires, self.n_public
            )));
        }
        let (a, b, c) = match m.rows(w, self.domain_size)? {
            Rows::Unsatisfied(i) => return Ok(Proved::Unsatisfied(i)),
            Rows::Ok(a, b, c) => (a, b, c),
        };
        let (a, b, c) = self.prove_rows(w, a, b, c, r, s)?;
        Ok(Proved::Proof(a, b, c))
    }

    /// A proof for a snarkjs key's circuit: the rows `A.w`, `B.w` from the key's coefficient
    /// section (checked entry by entry, `crate::zkey::rows`) and `C.w = A.w * B.w`.
    ///
    /// A witness that does not satisfy the circuit still gives a proof (the key carries no C
    /// matrix to check the rows against), one that does not verify: callers verify it.
    pub fn prove_zkey(
        &self,
        coeffs: &[u8],
        w: &[Fr],
        r: Fr,
        s: Fr,
    ) -> Result<(G1Affine, G2Affine, G1Affine)> {
        if w.len() != self.n_wires {
            return Err(Error::Length(format!(
                "the witness has {} values, the key {} wires",
                w.len(),
                self.n_wires
            )));
        }
        let (a, b, c) = crate::zkey::rows(coeffs, w, self.domain_size)?;
        self.prove_rows(w, a, b, c, r, s)
    }

    /// The MSMs and the combination, from the witness and its rows on the domain (rows not
    /// checked against each other: `prove` checks them; public for `examples/prove_phases`).
    pub fn prove_rows(
        &self,
        w: &[Fr],
        a: Vec<Fr>,
        b: Vec<Fr>,
        c: Vec<Fr>,
        r: Fr,
        s: Fr,
    ) -> Result<(G1Affine, G2Affine, G1Affine)> {
        let wb: Vec<BigInt<4>> = w.par_iter().map(|x| x.into_bigint()).collect();
        let n_pub = self.n_public;
        // h's coefficients (the FFTs) on one side, three witness MSMs on the other; then L and
        // H, which C only needs added, as one MSM (one bucket reduction for both).
        let (hb, (a_acc, b1_acc, b2_acc)) = rayon::join(
            || -> Result<Vec<BigInt<4>>> {
                let h = quotient_coeffs(a, b, c)?;
                Ok(h[..self.h.len()].par_iter().map(|x| x.into_bigint()).collect())
            },
            || (self.a.msm(&wb), self.b_g1.msm(&wb), self.b_g2.msm(&wb)),
        );
        let hb = hb?;
        let lb = self.l.gather(&wb[n_pub + 1..]);
        let lh_acc = msm_glv_parts(&[(&self.l.points, &lb), (&self.h, &hb)]);
        let (rb, sb) = (r.into_bigint(), s.into_bigint());
        let a_pt = self.alpha_g1.into_group() + a_acc + self.delta_g1.mul_bigint(rb);
        let b2 = self.beta_g2.into_group() + b2_acc + self.delta_g2.mul_bigint(sb);
        let b1 = self.beta_g1.into_group() + b1_acc + self.delta_g1.mul_bigint(sb);
        let c_pt = lh_acc + a_pt * s + b1 * r - self.delta_g1.mul_bigint((r * s).into_bigint());
        let [a_aff, c_aff] =
            <[G1Affine; 2]>::try_from(G1Projective::normalize_batch(&[a_pt, c_pt])).expect("2");
        Ok((a_aff, b2.into_affine(), c_aff))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::g2::Config as G2Config;
    use ark_ec::scalar_mul::glv::GLVConfig;
    use ark_ec::short_weierstrass::{Affine, Projective};
    use ark_ec::VariableBaseMSM;
    use ark_ff::UniformRand;
    use ark_std::rand::{rngs::StdRng, SeedableRng};

    /// A G2 query sums exactly over twist points outside G2 unless declared in the subgroup;
    /// declared (points made from the generator), it sums through the endomorphism, the same
    /// sum; identity points (dropped) and the scalar gather are the same either way.
    #[test]
    fn g2_query_splits_only_when_declared_in_the_subgroup() {
        let mut rng = StdRng::seed_from_u64(21);
        let g = G2Projective::rand(&mut rng);
        let mut full: Vec<G2Affine> =
            G2Projective::normalize_batch(&(0..300).map(|_| g * Fr::rand(&mut rng)).collect::<Vec<_>>());
        for p in full.iter_mut().step_by(4) {
            *p = G2Affine::identity();
        }
        let scalars: Vec<BigInt<4>> = (0..300).map(|_| Fr::rand(&mut rng).into_bigint()).collect();
        let want = G2Projective::msm_bigint(&full, &scalars);
        assert_eq!(Query::<G2Projective>::new(full.clone()).unwrap().msm(&scalars), want);
        assert_eq!(Query::<G2Projective>::new(full.clone()).unwrap().in_subgroup(true).msm(&scalars), want);

        let outside = loop {
            let x = ark_bn254::Fq2::rand(&mut rng);
            if let Some(p) = Affine::<G2Config>::get_point_from_x_unchecked(x, false) {
                if !p.is_in_correct_subgroup_assuming_on_curve() {
                    break p;
                }
            }
        };
        assert_ne!(G2Config::endomorphism_affine(&outside), (outside * G2Config::LAMBDA).into_affine());
        full[101] = outside;
        let want = Projective::<G2Config>::msm_bigint(&full, &scalars);
        assert_eq!(Query::<G2Projective>::new(full).unwrap().msm(&scalars), want);
    }
}
