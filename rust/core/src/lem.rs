//! snarkjs's point layout (`.zkey`, `.ptau`): each coordinate a 32-byte little-endian word in
//! Montgomery form ("LEM"), G2 as `x.c0 x.c1 y.c0 y.c1`, the identity all zeros. arkworks keeps
//! field elements in the same Montgomery form (R = 2^256), so a word is checked (< p) and used
//! as is. Also the kernels of a phase-2 ceremony: one scalar times many points, and sparse
//! linear combinations of a basis (a key's columns from the Lagrange points of a ptau).

use ark_bn254::{Fq, Fq2, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
use ark_ff::{BigInt, BigInteger, PrimeField, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use rayon::prelude::*;

use crate::codec::{scalars_from_be, G1_BYTES, G2_BYTES, WORD};
use crate::{Error, Result};

fn fq_from_lem(b: &[u8], what: &str) -> Result<Fq> {
    let mut limbs = [0u64; 4];
    for (i, limb) in limbs.iter_mut().enumerate() {
        *limb = u64::from_le_bytes(b[8 * i..8 * i + 8].try_into().expect("8 bytes"));
    }
    let v = BigInt(limbs);
    if v >= Fq::MODULUS {
        return Err(Error::Point(format!("{what} is not below the base field modulus p")));
    }
    Ok(Fq::new_unchecked(v))
}

fn fq_to_lem(x: &Fq, out: &mut [u8]) {
    for (i, limb) in x.0 .0.iter().enumerate() {
        out[8 * i..8 * i + 8].copy_from_slice(&limb.to_le_bytes());
    }
}

/// A G1 point in LEM layout, checked on the curve (G1 has cofactor 1).
pub fn g1_from_lem(b: &[u8], what: &str) -> Result<G1Affine> {
    if b.len() != G1_BYTES {
        return Err(Error::Encoding(format!("{what} must be 64 bytes, got {}", b.len())));
    }
    let x = fq_from_lem(&b[..WORD], &format!("{what}.x"))?;
    let y = fq_from_lem(&b[WORD..], &format!("{what}.y"))?;
    if x.is_zero() && y.is_zero() {
        return Ok(G1Affine::identity());
    }
    let p = G1Affine::new_unchecked(x, y);
    if !p.is_on_curve() {
        return Err(Error::Point(format!("{what} is not on the BN254 G1 curve")));
    }
    Ok(p)
}

/// A G2 point in LEM layout, checked on the twist and, with `subgroup`, in the r-subgroup.
pub fn g2_from_lem(b: &[u8], what: &str, subgroup: bool) -> Result<G2Affine> {
    if b.len() != G2_BYTES {
        return Err(Error::Encoding(format!("{what} must be 128 bytes, got {}", b.len())));
    }
    let c = |i: usize, n: &str| fq_from_lem(&b[WORD * i..WORD * (i + 1)], &format!("{what}.{n}"));
    let x = Fq2::new(c(0, "x.c0")?, c(1, "x.c1")?);
    let y = Fq2::new(c(2, "y.c0")?, c(3, "y.c1")?);
    if x.is_zero() && y.is_zero() {
        return Ok(G2Affine::identity());
    }
    let p = G2Affine::new_unchecked(x, y);
    if !p.is_on_curve() {
        return Err(Error::Point(format!("{what} is not on the BN254 G2 twist curve")));
    }
    // codec's check (a 63-bit multiple and psi, about half of arkworks' 127-bit one; tested
    // equal to it): a converted key's B2 query is checked so, point by point.
    if subgroup && !crate::codec::g2_in_subgroup(&p) {
        return Err(Error::Point(format!("{what} is not in the r-order subgroup G2")));
    }
    Ok(p)
}

pub fn g1_to_lem(p: &G1Affine, out: &mut [u8]) {
    out.fill(0);
    if let Some((x, y)) = p.xy() {
        fq_to_lem(&x, &mut out[..WORD]);
        fq_to_lem(&y, &mut out[WORD..]);
    }
}

pub fn g2_to_lem(p: &G2Affine, out: &mut [u8]) {
    out.fill(0);
    if let Some((x, y)) = p.xy() {
        fq_to_lem(&x.c0, &mut out[..WORD]);
        fq_to_lem(&x.c1, &mut out[WORD..2 * WORD]);
        fq_to_lem(&y.c0, &mut out[2 * WORD..3 * WORD]);
        fq_to_lem(&y.c1, &mut out[3 * WORD..]);
    }
}

/// One of the two groups, as a marker type: its point size and LEM codec.
pub trait LemGroup {
    type G: CurveGroup<ScalarField = Fr>;
    const SIZE: usize;
    fn decode(b: &[u8], what: &str, subgroup: bool) -> Result<<Self::G as CurveGroup>::Affine>;
    fn encode(p: &<Self::G as CurveGroup>::Affine, out: &mut [u8]);
    /// `k_i * P_i` for each i; the points must be in the r-subgroup (GLV).
    fn mul_each(pts: &[<Self::G as CurveGroup>::Affine], ks: &[Fr]) -> Vec<Self::G>;
    /// `k * P` for every point (`k` below r).
    fn scale_all(
        pts: &[<Self::G as CurveGroup>::Affine],
        k: BigInt<4>,
    ) -> Vec<<Self::G as CurveGroup>::Affine>;
}

pub struct G1;
pub struct G2;

impl LemGroup for G1 {
    type G = G1Projective;
    const SIZE: usize = G1_BYTES;
    fn decode(b: &[u8], what: &str, _subgroup: bool) -> Result<G1Affine> {
        g1_from_lem(b, what)
    }
    fn encode(p: &G1Affine, out: &mut [u8]) {
        g1_to_lem(p, out)
    }
    fn mul_each(pts: &[G1Affine], ks: &[Fr]) -> Vec<G1Projective> {
        crate::ceremony::mul_each(pts, ks)
    }
    fn scale_all(pts: &[G1Affine], k: BigInt<4>) -> Vec<G1Affine> {
        crate::ceremony::scale_g1(pts, Fr::from_bigint(k).expect("checked below r"))
    }
}

impl LemGroup for G2 {
    type G = G2Projective;
    const SIZE: usize = G2_BYTES;
    fn decode(b: &[u8], what: &str, subgroup: bool) -> Result<G2Affine> {
        g2_from_lem(b, what, subgroup)
    }
    fn encode(p: &G2Affine, out: &mut [u8]) {
        g2_to_lem(p, out)
    }
    fn mul_each(pts: &[G2Affine], ks: &[Fr]) -> Vec<G2Projective> {
        crate::ceremony::mul_each(pts, ks)
    }
    fn scale_all(pts: &[G2Affine], k: BigInt<4>) -> Vec<G2Affine> {
        // Plain double-and-add: these points need not be in the r-subgroup, where the GLV
        // endomorphism would not act as a scalar.
        let proj: Vec<G2Projective> = pts.par_iter().map(|p| p.into_group().mul_bigint(k)).collect();
        G2Projective::normalize_batch(&proj)
    }
}

type Aff<L> = <<L as LemGroup>::G as CurveGroup>::Affine;

/// The points of a buffer of concatenated LEM points, each checked.
pub fn decode_all<G: LemGroup>(buf: &[u8], what: &str, subgroup: bool) -> Result<Vec<Aff<G>>> {
    if buf.len() % G::SIZE != 0 {
        return Err(Error::Encoding(format!("{what} must be a multiple of {} bytes", G::SIZE)));
    }
    buf.par_chunks(G::SIZE)
        .enumerate()
        .map(|(i, c)| G::decode(c, &format!("{what}[{i}]"), subgroup))
        .collect()
}

pub fn encode_all<G: LemGroup>(points: &[Aff<G>]) -> Vec<u8> {
    let mut out = vec![0u8; points.len() * G::SIZE];
    out.par_chunks_mut(G::SIZE).zip(points.par_iter()).for_each(|(o, p)| G::encode(p, o));
    out
}

/// `k * P` for every point of an LEM buffer (a phase-2 contribution applies 1/delta so),
/// returned in the same layout.
pub fn scale<G: LemGroup>(buf: &[u8], k: &[u8]) -> Result<Vec<u8>> {
    let pts = decode_all::<G>(buf, "point", false)?;
    let ks = scalars_from_be(k, "scalar")?;
    if ks.len() != 1 {
        return Err(Error::Length("scale takes one 32-byte scalar".into()));
    }
    Ok(encode_all::<G>(&G::scale_all(&pts, ks[0])))
}

/// Output j is `sum_{t in ptr[j]..ptr[j+1]} scalars[t] * bases[idx[t]]`, all in LEM layout;
/// the scalars are 32-byte big-endian words below r. G2 bases must be in the r-subgroup
/// (checked: the large terms are multiplied with the GLV endomorphism).
pub fn combine<G: LemGroup>(
    bases: &[u8],
    ptr: &[usize],
    idx: &[usize],
    scalars: &[u8],
) -> Result<Vec<u8>> {
    let pts = decode_all::<G>(bases, "base", true)?;
    let ks = scalars_from_be(scalars, "scalar")?;
    if ks.len() != idx.len() || ptr.is_empty() || ptr[ptr.len() - 1] != idx.len() {
        return Err(Error::Length(format!(
            "combine: {} scalars, {} indices, pointers ending at {:?}",
            ks.len(),
            idx.len(),
            ptr.last()
        )));
    }
    if let Some(bad) = idx.iter().find(|&&i| i >= pts.len()) {
        return Err(Error::Length(format!("combine: index {bad} >= {} bases", pts.len())));
    }
    if ptr.windows(2).any(|w| w[0] > w[1]) {
        return Err(Error::Length("combine: pointers must not decrease".into()));
    }
    // Circuit coefficients are often small or small negatives (r - 1, r - 2^k): those take
    // double-and-add over the shorter of k and r - k, term by term; the others (hash
    // constants) are multiplied in bulk (GLV + wNAF with shared affine tables).
    let half = Fr::MODULUS_MINUS_ONE_DIV_TWO;
    let short = |k: &BigInt<4>| {
        let mut neg = Fr::MODULUS;
        neg.sub_with_borrow(k);
        k.num_bits() <= 64 || neg.num_bits() <= 64
    };
    let big: Vec<usize> = (0..ks.len()).filter(|&t| !short(&ks[t])).collect();
    let big_pts: Vec<Aff<G>> = big.iter().map(|&t| pts[idx[t]]).collect();
    let big_ks: Vec<Fr> =
        big.iter().map(|&t| Fr::from_bigint(ks[t]).expect("checked below r")).collect();
    let products = G::mul_each(&big_pts, &big_ks);
    let mut slot = vec![usize::MAX; ks.len()];
    for (j, &t) in big.iter().enumerate() {
        slot[t] = j;
    }
    let proj: Vec<G::G> = ptr
        .par_windows(2)
        .map(|w| {
            let mut acc = G::G::zero();
            for t in w[0]..w[1] {
                if slot[t] != usize::MAX {
                    acc += products[slot[t]];
                    continue;
                }
                let k = ks[t];
                if k > half {
                    let mut neg = Fr::MODULUS;
                    neg.sub_with_borrow(&k);
                    acc -= pts[idx[t]].into_group().mul_bigint(neg);
                } else {
                    acc += pts[idx[t]].into_group().mul_bigint(k);
                }
            }
            acc
        })
        .collect();
    Ok(encode_all::<G>(&G::G::normalize_batch(&proj)))
}

/// `a_i - b_i` for two LEM buffers of equal length.
pub fn sub<G: LemGroup>(a: &[u8], b: &[u8]) -> Result<Vec<u8>> {
    let pa = decode_all::<G>(a, "a", false)?;
    let pb = decode_all::<G>(b, "b", false)?;
    if pa.len() != pb.len() {
        return Err(Error::Length(format!("sub: {} points minus {}", pa.len(), pb.len())));
    }
    let proj: Vec<G::G> = pa.par_iter().zip(pb.par_iter()).map(|(x, y)| x.into_group() - y).collect();
    Ok(encode_all::<G>(&G::G::normalize_batch(&proj)))
}

/// FFT (or inverse FFT) of a vector of G1 points over the radix-2 domain of its length: the
/// change of basis between a key's H points in snarkjs's odd-coset Lagrange form and the
/// power form `tau^i Z(tau) / delta`.
pub fn fft_g1(buf: &[u8], inverse: bool) -> Result<Vec<u8>> {
    let pts = decode_all::<G1>(buf, "point", false)?;
    let n = pts.len();
    if n == 0 || !n.is_power_of_two() {
        return Err(Error::Length(format!("FFT size {n} is not a power of two")));
    }
    let d = Radix2EvaluationDomain::<Fr>::new(n)
        .ok_or_else(|| Error::Length(format!("FFT size {n} exceeds the 2-adicity of F_r")))?;
    let mut v: Vec<G1Projective> = pts.iter().map(|p| p.into_group()).collect();
    if inverse {
        d.ifft_in_place(&mut v);
    } else {
        d.fft_in_place(&mut v);
    }
    Ok(encode_all::<G1>(&G1Projective::normalize_batch(&v)))
}
