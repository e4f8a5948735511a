//! Groth16: a prepared verifying key (single and batch verification) and the one-call prover.
//!
//! A proof crosses the boundary as 256 bytes: `A (64) || B (128, x.c0 x.c1 y.c0 y.c1) || C (64)`.

use ark_bn254::{Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ff::{BigInt, PrimeField, Zero};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};
use rayon::prelude::*;
use zkcollat_core::codec::{
    fr_from_be, frs_from_be, g1_from_bytes, g1_to_bytes, g1s_from_bytes, g2_from_bytes,
    g2_to_bytes, g2s_from_bytes_with,
};
use zkcollat_core::groth16::{PreparedVk as CoreVk, ProofPoints};
use zkcollat_core::lem;
use zkcollat_core::prover::{Proved, ProvingKey, Query};
use zkcollat_core::{Error, Result};

use crate::errors::detached;
use crate::poly::R1cs;

const PROOF_BYTES: usize = 256;

/// With `subgroup` false, B is checked on the twist only (`verify_subgroup` and
/// `verify_batch_subgroup` check G2 with the pairing's own work).
fn proof_from_bytes_with(b: &[u8], what: &str, subgroup: bool) -> Result<ProofPoints> {
    if b.len() != PROOF_BYTES {
        return Err(Error::Encoding(format!("{what} must be 256 bytes, got {}", b.len())));
    }
    Ok(ProofPoints {
        a: g1_from_bytes(&b[..64], &format!("{what}.a"))?,
        b: g2_from_bytes(&b[64..192], &format!("{what}.b"), subgroup)?,
        c: g1_from_bytes(&b[192..], &format!("{what}.c"))?,
    })
}

/// Public inputs: 32-byte big-endian words, each < r (never reduced).
fn publics(buf: &[u8], what: &str) -> Result<Vec<Fr>> {
    if buf.len() % 32 != 0 {
        return Err(Error::Encoding(format!("{what} must be a multiple of 32 bytes")));
    }
    buf.chunks(32)
        .enumerate()
        .map(|(i, w)| {
            fr_from_be(w, &format!("{what}[{i}]")).map_err(|_| {
                Error::Field(format!(
                    "{what}[{i}] = 0x{} is not below r (inputs are never reduced)",
                    hex(w)
                ))
            })
        })
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A verifying key with its pairing data precomputed (lines of -gamma and -delta,
/// e(alpha, beta), fixed-base tables of IC); checks every key point on construction.
#[pyclass(frozen)]
pub struct PreparedVk(CoreVk);

#[pymethods]
impl PreparedVk {
    #[new]
    fn new(
        py: Python<'_>,
        alpha_g1: &[u8],
        beta_g2: &[u8],
        gamma_g2: &[u8],
        delta_g2: &[u8],
        ic: &[u8],
    ) -> PyResult<Self> {
        let vk = detached(py, || {
            CoreVk::new(
                g1_from_bytes(alpha_g1, "vk.alpha_g1")?,
                g2_from_bytes(beta_g2, "vk.beta_g2", true)?,
                g2_from_bytes(gamma_g2, "vk.gamma_g2", true)?,
                g2_from_bytes(delta_g2, "vk.delta_g2", true)?,
                &g1s_from_bytes(ic, "vk.IC")?,
            )
        })?;
        Ok(Self(vk))
    }

    #[getter]
    fn n_public(&self) -> usize {
        self.0.n_public()
    }

    /// True iff `proof` (256 bytes) is valid for the packed public inputs; malformed input
    /// (a point off its curve or outside G2, an input >= r, a wrong count) raises.
    fn verify(&self, py: Python<'_>, public: &[u8], proof: &[u8]) -> PyResult<bool> {
        detached(py, || {
            let xs = publics(public, "public input")?;
            // B in G2 is checked with its lines (`verify_subgroup`), in the decoder's words
            let p = proof_from_bytes_with(proof, "proof", false)?;
            self.0
                .verify_subgroup(&xs, &p)?
                .ok_or_else(|| Error::Point("proof.b is not in the r-order subgroup G2".into()))
        })
    }

    /// The invalid proofs among `n`, as `(index, reason)` in index order (empty: all valid).
    /// `public` holds n * n_public words, `proofs` n * 256 bytes, `coeffs` n secret words
    /// (non-zero, < r). A proof whose points or inputs do not decode is invalid with the
    /// decoder's reason and left out of the batch; the others are checked together, and when
    /// that check fails, in halves until each invalid one is found.
    fn verify_batch(
        &self,
        py: Python<'_>,
        public: &[u8],
        proofs: &[u8],
        coeffs: &[u8],
    ) -> PyResult<Vec<(usize, String)>> {
        detached(py, || {
            if proofs.len() % PROOF_BYTES != 0 {
                return Err(Error::Encoding("proofs must be a multiple of 256 bytes".into()));
            }
            let n = proofs.len() / PROOF_BYTES;
            let k = self.0.n_public();
            if public.len() != n * k * 32 {
                return Err(Error::Length(format!(
                    "{n} proofs of a key with {k} public inputs need {} bytes of inputs, got {}",
                    n * k * 32,
                    public.len()
                )));
            }
            let rs = frs_from_be(coeffs, "coefficient")?;
            if rs.len() != n {
                return Err(Error::Length(format!("{} coefficients for {n} proofs", rs.len())));
            }
            let decoded: Vec<Result<(Vec<Fr>, ProofPoints)>> = proofs
                .par_chunks(PROOF_BYTES)
                .enumerate()
                .map(|(i, pb)| {
                    let xs = publics(&public[i * k * 32..(i + 1) * k * 32], "public input")?;
                    Ok((xs, proof_from_bytes_with(pb, "proof", false)?))
                })
                .collect();
            let mut bad: Vec<(usize, String)> = Vec::new();
            let mut items = Vec::with_capacity(n);
            let mut index = Vec::with_capacity(n);
            let mut batch_rs = Vec::with_capacity(n);
            for (i, d) in decoded.into_iter().enumerate() {
                match d {
                    Ok(item) => {
                        items.push(item);
                        index.push(i);
                        batch_rs.push(rs[i]);
                    }
                    Err(e) => bad.push((i, e.to_string())),
                }
            }
            // B_i in G2 is checked with the batch (`verify_batch_subgroup`), in the
            // decoder's words
            let (outside, failed) = self.0.verify_batch_subgroup(&items, &batch_rs)?;
            for j in outside {
                bad.push((index[j], "proof.b is not in the r-order subgroup G2".into()));
            }
            for j in failed {
                bad.push((
                    index[j],
                    "pairing check failed: the proof is not valid for these public inputs under \
                     this key"
                        .into(),
                ));
            }
            bad.sort_unstable_by_key(|(i, _)| *i);
            Ok(bad)
        })
    }
}

/// A 32-byte big-endian word below p, or None.
fn fq_word(b: &[u8]) -> Option<Fq> {
    let mut limbs = [0u64; 4];
    for (i, limb) in limbs.iter_mut().enumerate() {
        let start = 32 - 8 * (i + 1);
        *limb = u64::from_be_bytes(b[start..start + 8].try_into().ok()?);
    }
    Fq::from_bigint(BigInt(limbs))
}

/// A G1 point from two 32-byte words read by `word`, checked on the curve (zeros = identity):
/// None where the naming decoders (`g1_from_bytes`, `lem::g1_from_lem`) would refuse it.
fn g1_quick(b: &[u8], word: fn(&[u8]) -> Option<Fq>) -> Option<G1Affine> {
    let (x, y) = (word(&b[..32])?, word(&b[32..64])?);
    if x.is_zero() && y.is_zero() {
        return Some(G1Affine::identity());
    }
    let p = G1Affine::new_unchecked(x, y);
    p.is_on_curve().then_some(p)
}

/// As `g1_quick` for a G2 point checked on the twist (not in the subgroup).
fn g2_quick(b: &[u8], word: fn(&[u8]) -> Option<Fq>) -> Option<G2Affine> {
    let x = Fq2::new(word(&b[..32])?, word(&b[32..64])?);
    let y = Fq2::new(word(&b[64..96])?, word(&b[96..128])?);
    if x.is_zero() && y.is_zero() {
        return Some(G2Affine::identity());
    }
    let p = G2Affine::new_unchecked(x, y);
    p.is_on_curve().then_some(p)
}

/// Every `size`-byte point of `buf` through `quick`, in parallel; None when the length is not
/// a multiple of `size` or a point is refused (the caller then decodes again with names).
fn all_quick<T: Send>(
    buf: &[u8],
    size: usize,
    quick: impl Fn(&[u8]) -> Option<T> + Sync + Send,
) -> Option<Vec<T>> {
    if buf.len() % size != 0 {
        return None;
    }
    buf.par_chunks(size).map(quick).collect()
}

/// A key's G1 points with the checks of `g1s_from_bytes`, but no name formatted per point
/// (three strings a point were most of the cost of loading a key): when a point is refused,
/// `g1s_from_bytes` decodes the buffer again to name it.
fn key_g1s(buf: &[u8], what: &str) -> Result<Vec<G1Affine>> {
    match all_quick(buf, 64, |b| g1_quick(b, fq_word)) {
        Some(v) => Ok(v),
        None => g1s_from_bytes(buf, what),
    }
}

/// As `key_g1s` for G2 points checked on the twist (not in the subgroup, as before).
fn key_g2s(buf: &[u8], what: &str) -> Result<Vec<G2Affine>> {
    match all_quick(buf, 128, |b| g2_quick(b, fq_word)) {
        Some(v) => Ok(v),
        None => g2s_from_bytes_with(buf, what, false),
    }
}

/// A 32-byte little-endian Montgomery word (snarkjs's LEM) below p, or None: arkworks keeps
/// Fq in the same Montgomery form, so the word is used as is.
fn fq_lem(b: &[u8]) -> Option<Fq> {
    let mut limbs = [0u64; 4];
    for (i, limb) in limbs.iter_mut().enumerate() {
        *limb = u64::from_le_bytes(b[8 * i..8 * i + 8].try_into().ok()?);
    }
    let v = BigInt(limbs);
    (v < Fq::MODULUS).then(|| Fq::new_unchecked(v))
}

/// A `.zkey` section of G1 points (LEM), each checked on the curve; when one is refused, the
/// section is decoded again through `lem::decode_all`, which names it.
fn lem_g1s(buf: &[u8], what: &str) -> Result<Vec<G1Affine>> {
    match all_quick(buf, 64, |b| g1_quick(b, fq_lem)) {
        Some(v) => Ok(v),
        None => lem::decode_all::<lem::G1>(buf, what, false),
    }
}

/// As `lem_g1s` for G2 points, checked on the twist (not in the subgroup, as `key_g2s`).
fn lem_g2s(buf: &[u8], what: &str) -> Result<Vec<G2Affine>> {
    match all_quick(buf, 128, |b| g2_quick(b, fq_lem)) {
        Some(v) => Ok(v),
        None => lem::decode_all::<lem::G2>(buf, what, false),
    }
}

/// The proving key's points in Rust, for the one-call prover.
#[pyclass(frozen)]
pub struct Prover(ProvingKey);

#[pymethods]
impl Prover {
    /// G1 points 64 bytes, G2 128 bytes (identity = zeros). G2 query points are checked on
    /// the twist but not in the subgroup: a corrupted key only yields proofs that fail.
    /// `b_g2_in_g2`: the caller knows every `b_g2` point to be in G2 (made from the generator,
    /// or checked where the key was converted, and the check recorded): B2's MSM then splits
    /// its scalars by the endomorphism, which gives the plain sum only on G2's points.
    #[new]
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (alpha_g1, beta_g1, delta_g1, beta_g2, delta_g2, a, b_g1, b_g2, h, l, n_public, n_wires, domain_size, *, b_g2_in_g2=false))]
    fn new(
        py: Python<'_>,
        alpha_g1: &[u8],
        beta_g1: &[u8],
        delta_g1: &[u8],
        beta_g2: &[u8],
        delta_g2: &[u8],
        a: &[u8],
        b_g1: &[u8],
        b_g2: &[u8],
        h: &[u8],
        l: &[u8],
        n_public: usize,
        n_wires: usize,
        domain_size: usize,
        b_g2_in_g2: bool,
    ) -> PyResult<Self> {
        let pk = detached(py, || {
            let pk = ProvingKey {
                alpha_g1: g1_from_bytes(alpha_g1, "alpha_g1")?,
                beta_g1: g1_from_bytes(beta_g1, "beta_g1")?,
                delta_g1: g1_from_bytes(delta_g1, "delta_g1")?,
                beta_g2: g2_from_bytes(beta_g2, "beta_g2", false)?,
                delta_g2: g2_from_bytes(delta_g2, "delta_g2", false)?,
                a: Query::new(key_g1s(a, "a_query")?)?,
                b_g1: Query::new(key_g1s(b_g1, "b_g1_query")?)?,
                b_g2: Query::new(key_g2s(b_g2, "b_g2_query")?)?.in_subgroup(b_g2_in_g2),
                h: key_g1s(h, "h_query")?,
                l: Query::new(key_g1s(l, "l_query")?)?,
                n_public,
                n_wires,
                domain_size,
            };
            pk.check()?;
            Ok(pk)
        })?;
        Ok(Self(pk))
    }

    /// The prover of a snarkjs key straight from its `.zkey` sections (LEM points: alpha1,
    /// beta1, delta1, beta2, delta2, then sections 5 A, 6 B1, 7 B2 and 8 C, the private
    /// wires' L) and `h`, the power-form H points in zkcollat's layout (the key's section 9
    /// converted once, cached): the same checks as `Prover(...)`, no conversion of the points;
    /// `b_g2_in_g2` as there.
    #[staticmethod]
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (alpha_g1, beta_g1, delta_g1, beta_g2, delta_g2, a, b_g1, b_g2, l, h, n_public, n_wires, domain_size, *, b_g2_in_g2=false))]
    fn from_lem(
        py: Python<'_>,
        alpha_g1: &[u8],
        beta_g1: &[u8],
        delta_g1: &[u8],
        beta_g2: &[u8],
        delta_g2: &[u8],
        a: &[u8],
        b_g1: &[u8],
        b_g2: &[u8],
        l: &[u8],
        h: &[u8],
        n_public: usize,
        n_wires: usize,
        domain_size: usize,
        b_g2_in_g2: bool,
    ) -> PyResult<Self> {
        let pk = detached(py, || {
            let pk = ProvingKey {
                alpha_g1: lem::g1_from_lem(alpha_g1, "alpha1")?,
                beta_g1: lem::g1_from_lem(beta_g1, "beta1")?,
                delta_g1: lem::g1_from_lem(delta_g1, "delta1")?,
                beta_g2: lem::g2_from_lem(beta_g2, "beta2", false)?,
                delta_g2: lem::g2_from_lem(delta_g2, "delta2", false)?,
                a: Query::new(lem_g1s(a, "A")?)?,
                b_g1: Query::new(lem_g1s(b_g1, "B1")?)?,
                b_g2: Query::new(lem_g2s(b_g2, "B2")?)?.in_subgroup(b_g2_in_g2),
                h: key_g1s(h, "h_query")?,
                l: Query::new(lem_g1s(l, "C")?)?,
                n_public,
                n_wires,
                domain_size,
            };
            pk.check()?;
            Ok(pk)
        })?;
        Ok(Self(pk))
    }

    /// One query vector of the key in the layout it was loaded from (one point per wire, or
    /// per power for `h`; G1 64 bytes, G2 128, the identity as zeros): `name` is `a`, `b_g1`,
    /// `b_g2`, `h` or `l`. Points decode only from canonical words, so these are the bytes
    /// the prover was made from: a key whose Python side let go of them reads them here.
    fn query<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyBytes>> {
        let pk = &self.0;
        let g1s = |len: usize, points: &mut dyn Iterator<Item = G1Affine>| {
            PyBytes::new_with(py, 64 * len, |buf: &mut [u8]| {
                for (chunk, p) in buf.chunks_exact_mut(64).zip(points) {
                    chunk.copy_from_slice(&g1_to_bytes(&p));
                }
                Ok(())
            })
        };
        match name {
            "a" => g1s(pk.a.length, &mut pk.a.full_points()),
            "b_g1" => g1s(pk.b_g1.length, &mut pk.b_g1.full_points()),
            "l" => g1s(pk.l.length, &mut pk.l.full_points()),
            "h" => g1s(pk.h.len(), &mut pk.h.iter().copied()),
            "b_g2" => PyBytes::new_with(py, 128 * pk.b_g2.length, |buf: &mut [u8]| {
                for (chunk, p) in buf.chunks_exact_mut(128).zip(pk.b_g2.full_points()) {
                    chunk.copy_from_slice(&g2_to_bytes(&p));
                }
                Ok(())
            }),
            _ => Err(pyo3::exceptions::PyValueError::new_err(format!(
                "no query {name:?} (a, b_g1, b_g2, h or l)"
            ))),
        }
    }

    /// `(a, b, c)` as bytes, or the index of the first unsatisfied constraint (int).
    fn prove<'py>(
        &self,
        py: Python<'py>,
        r1cs: &Bound<'py, R1cs>,
        witness: &[u8],
        r: &[u8],
        s: &[u8],
    ) -> PyResult<Bound<'py, PyAny>> {
        let m = r1cs.get();
        let out = detached(py, || {
            let w = frs_from_be(witness, "witness")?;
            self.0.prove(m.matrices(), &w, fr_from_be(r, "r")?, fr_from_be(s, "s")?)
        })?;
        match out {
            Proved::Unsatisfied(i) => Ok(i.into_pyobject(py)?.into_any()),
            Proved::Proof(a, b, c) => Ok(PyTuple::new(
                py,
                [
                    PyBytes::new(py, &g1_to_bytes(&a)),
                    PyBytes::new(py, &g2_to_bytes(&b)),
                    PyBytes::new(py, &g1_to_bytes(&c)),
                ],
            )?
            .into_any()),
        }
    }

    /// `(a, b, c)` as bytes for a snarkjs key's circuit: the rows from the key's coefficient
    /// section (`coeffs`, section 4, every entry checked) and the packed witness, then the
    /// quotient, the MSMs and the combination, in one call. A witness that does not satisfy
    /// the circuit gives a proof that does not verify (a snarkjs key has no C matrix).
    fn prove_zkey<'py>(
        &self,
        py: Python<'py>,
        coeffs: &[u8],
        witness: &[u8],
        r: &[u8],
        s: &[u8],
    ) -> PyResult<Bound<'py, PyTuple>> {
        let (a, b, c) = detached(py, || {
            let w = frs_from_be(witness, "witness")?;
            self.0.prove_zkey(coeffs, &w, fr_from_be(r, "r")?, fr_from_be(s, "s")?)
        })?;
        PyTuple::new(
            py,
            [
                PyBytes::new(py, &g1_to_bytes(&a)),
                PyBytes::new(py, &g2_to_bytes(&b)),
                PyBytes::new(py, &g1_to_bytes(&c)),
            ],
        )
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PreparedVk>()?;
    m.add_class::<Prover>()?;
    Ok(())
}
