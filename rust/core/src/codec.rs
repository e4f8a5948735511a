//! Bytes <-> arkworks values, with every range and curve check.

use ark_bn254::{Config, Fq, Fq2, Fr, G1Affine, G2Affine, G2Projective};
use ark_ec::bn::BnConfig;
use ark_ec::AffineRepr;
use ark_ff::{AdditiveGroup, BigInt, Field, PrimeField, Zero};
use rayon::prelude::*;

use crate::{Error, Result};

pub const WORD: usize = 32;

/// Buffers shorter than this are converted on the calling thread: handing a few words to the
/// thread pool (waking a worker, waiting for it) costs more than converting them, and on a
/// busy machine the wait is the scheduler's (a vault append makes 21 small calls).
const SEQUENTIAL_BYTES: usize = 4096 * WORD;

pub fn bigint_from_be(bytes: &[u8]) -> BigInt<4> {
    debug_assert_eq!(bytes.len(), WORD);
    let mut limbs = [0u64; 4];
    for (i, limb) in limbs.iter_mut().enumerate() {
        let start = WORD - 8 * (i + 1);
        *limb = u64::from_be_bytes(bytes[start..start + 8].try_into().expect("8 bytes"));
    }
    BigInt(limbs)
}

/// A canonical scalar (< r) as a big integer, for MSMs that skip the Montgomery form.
pub fn scalar_bigint_from_be(bytes: &[u8], what: &str) -> Result<BigInt<4>> {
    let b = bigint_from_be(bytes);
    if b >= Fr::MODULUS {
        return Err(Error::Field(format!("{what} is not below the scalar field modulus r")));
    }
    Ok(b)
}

pub fn fr_from_be(bytes: &[u8], what: &str) -> Result<Fr> {
    if bytes.len() != WORD {
        return Err(Error::Encoding(format!("{what} must be 32 bytes, got {}", bytes.len())));
    }
    Fr::from_bigint(bigint_from_be(bytes))
        .ok_or_else(|| Error::Field(format!("{what} is not below the scalar field modulus r")))
}

/// A point coordinate: a value >= p is a malformed point (Error::Point), never reduced.
pub fn fq_from_be(bytes: &[u8], what: &str) -> Result<Fq> {
    Fq::from_bigint(bigint_from_be(bytes))
        .ok_or_else(|| Error::Point(format!("{what} is not below the base field modulus p")))
}

fn bigint_to_be(b: &BigInt<4>) -> [u8; WORD] {
    let mut out = [0u8; WORD];
    for (i, limb) in b.0.iter().enumerate() {
        out[WORD - 8 * (i + 1)..WORD - 8 * i].copy_from_slice(&limb.to_be_bytes());
    }
    out
}

/// No allocation (`to_bytes_be` makes a Vec per element).
pub fn fr_to_be(x: &Fr) -> [u8; WORD] {
    bigint_to_be(&x.into_bigint())
}

pub fn fq_to_be(x: &Fq) -> [u8; WORD] {
    bigint_to_be(&x.into_bigint())
}

pub fn check_words(buf: &[u8], what: &str) -> Result<usize> {
    if buf.len() % WORD != 0 {
        return Err(Error::Encoding(format!(
            "{what} must be a multiple of 32 bytes, got {}",
            buf.len()
        )));
    }
    Ok(buf.len() / WORD)
}

/// Decode a buffer of 32-byte big-endian scalars (each checked < r).
pub fn frs_from_be(buf: &[u8], what: &str) -> Result<Vec<Fr>> {
    check_words(buf, what)?;
    // the element's name is formatted only for an error (no allocation per element)
    let one = |(i, w): (usize, &[u8])| {
        Fr::from_bigint(bigint_from_be(w)).ok_or_else(|| {
            Error::Field(format!("{what}[{i}] is not below the scalar field modulus r"))
        })
    };
    if buf.len() < SEQUENTIAL_BYTES {
        buf.chunks(WORD).enumerate().map(one).collect()
    } else {
        buf.par_chunks(WORD).enumerate().map(one).collect()
    }
}

/// Decode a buffer of scalars straight to canonical big integers (each checked < r).
pub fn scalars_from_be(buf: &[u8], what: &str) -> Result<Vec<BigInt<4>>> {
    check_words(buf, what)?;
    let one = |(i, w): (usize, &[u8])| {
        let b = bigint_from_be(w);
        if b >= Fr::MODULUS {
            return Err(Error::Field(format!(
                "{what}[{i}] is not below the scalar field modulus r"
            )));
        }
        Ok(b)
    };
    if buf.len() < SEQUENTIAL_BYTES {
        buf.chunks(WORD).enumerate().map(one).collect()
    } else {
        buf.par_chunks(WORD).enumerate().map(one).collect()
    }
}

pub fn frs_to_be(xs: &[Fr]) -> Vec<u8> {
    let mut out = vec![0u8; xs.len() * WORD];
    if xs.len() * WORD < SEQUENTIAL_BYTES {
        out.chunks_mut(WORD).zip(xs).for_each(|(o, x)| o.copy_from_slice(&fr_to_be(x)));
    } else {
        out.par_chunks_mut(WORD)
            .zip(xs.par_iter())
            .for_each(|(o, x)| o.copy_from_slice(&fr_to_be(x)));
    }
    out
}

pub const G1_BYTES: usize = 64;
pub const G2_BYTES: usize = 128;

pub fn g1_from_bytes(b: &[u8], what: &str) -> Result<G1Affine> {
    if b.len() != G1_BYTES {
        return Err(Error::Encoding(format!("{what} must be 64 bytes, got {}", b.len())));
    }
    let x = fq_from_be(&b[..32], &format!("{what}.x"))?;
    let y = fq_from_be(&b[32..], &format!("{what}.y"))?;
    if x.is_zero() && y.is_zero() {
        return Ok(G1Affine::identity());
    }
    let p = G1Affine::new_unchecked(x, y);
    if !p.is_on_curve() {
        return Err(Error::Point(format!("{what} is not on the BN254 G1 curve")));
    }
    // G1 has cofactor 1: every curve point is in the r-order group.
    Ok(p)
}

pub fn g1_to_bytes(p: &G1Affine) -> [u8; G1_BYTES] {
    let mut out = [0u8; G1_BYTES];
    if let Some((x, y)) = p.xy() {
        out[..32].copy_from_slice(&fq_to_be(&x));
        out[32..].copy_from_slice(&fq_to_be(&y));
    }
    out
}

/// Decode a G2 point; with `subgroup`, also require it to be in the r-order subgroup.
pub fn g2_from_bytes(b: &[u8], what: &str, subgroup: bool) -> Result<G2Affine> {
    if b.len() != G2_BYTES {
        return Err(Error::Encoding(format!("{what} must be 128 bytes, got {}", b.len())));
    }
    let c = |i: usize, n: &str| fq_from_be(&b[32 * i..32 * (i + 1)], &format!("{what}.{n}"));
    let x = Fq2::new(c(0, "x.c0")?, c(1, "x.c1")?);
    let y = Fq2::new(c(2, "y.c0")?, c(3, "y.c1")?);
    if x.is_zero() && y.is_zero() {
        return Ok(G2Affine::identity());
    }
    let p = G2Affine::new_unchecked(x, y);
    if !p.is_on_curve() {
        return Err(Error::Point(format!("{what} is not on the BN254 G2 twist curve")));
    }
    if subgroup && !g2_in_subgroup(&p) {
        return Err(Error::Point(format!("{what} is not in the r-order subgroup G2")));
    }
    Ok(p)
}

pub fn g2_to_bytes(p: &G2Affine) -> [u8; G2_BYTES] {
    let mut out = [0u8; G2_BYTES];
    if let Some((x, y)) = p.xy() {
        out[..32].copy_from_slice(&fq_to_be(&x.c0));
        out[32..64].copy_from_slice(&fq_to_be(&x.c1));
        out[64..96].copy_from_slice(&fq_to_be(&y.c0));
        out[96..].copy_from_slice(&fq_to_be(&y.c1));
    }
    out
}

/// Decode a buffer of concatenated G1 points, each checked.
pub fn g1s_from_bytes(buf: &[u8], what: &str) -> Result<Vec<G1Affine>> {
    if buf.len() % G1_BYTES != 0 {
        return Err(Error::Encoding(format!("{what} must be a multiple of 64 bytes")));
    }
    buf.par_chunks(G1_BYTES)
        .enumerate()
        .map(|(i, c)| g1_from_bytes(c, &format!("{what}[{i}]")))
        .collect()
}

/// Decode a buffer of concatenated G2 points, each checked (curve and subgroup).
pub fn g2s_from_bytes(buf: &[u8], what: &str) -> Result<Vec<G2Affine>> {
    g2s_from_bytes_with(buf, what, true)
}

/// As `g2s_from_bytes`, with the subgroup check optional (curve membership always checked).
pub fn g2s_from_bytes_with(buf: &[u8], what: &str, subgroup: bool) -> Result<Vec<G2Affine>> {
    if buf.len() % G2_BYTES != 0 {
        return Err(Error::Encoding(format!("{what} must be a multiple of 128 bytes")));
    }
    buf.par_chunks(G2_BYTES)
        .enumerate()
        .map(|(i, c)| g2_from_bytes(c, &format!("{what}[{i}]"), subgroup))
        .collect()
}

/// psi, the untwist-Frobenius-twist endomorphism of the twist, on Jacobian coordinates:
/// (X, Y, Z) -> (X^p c_x, Y^p c_y, Z^p).
fn psi(q: &G2Projective) -> G2Projective {
    let (mut x, mut y, mut z) = (q.x, q.y, q.z);
    x.frobenius_map_in_place(1);
    y.frobenius_map_in_place(1);
    z.frobenius_map_in_place(1);
    G2Projective::new_unchecked(
        x * <Config as BnConfig>::TWIST_MUL_BY_Q_X,
        y * <Config as BnConfig>::TWIST_MUL_BY_Q_Y,
        z,
    )
}

/// Membership of an on-curve twist point in the r-order subgroup G2, with one 63-bit scalar
/// multiplication: `[x+1]Q + psi([x]Q) + psi^2([x]Q) == psi^3([2x]Q)` (x = 4965661367192848881,
/// the BN parameter; El Housni, Guillevic, Piellard, "Co-factor clearing and subgroup membership
/// testing on pairing-friendly curves", 2022). arkworks checks `psi(Q) == [6x^2]Q`, which needs a
/// 127-bit one; the tests compare both on points in and out of the subgroup.
pub fn g2_in_subgroup(q: &G2Affine) -> bool {
    if q.is_zero() {
        return true;
    }
    let t = q.mul_bigint(<Config as BnConfig>::X);
    let psi_t = psi(&t);
    let psi2_t = psi(&psi_t);
    let lhs = t + q + psi_t + psi2_t;
    let rhs = psi(&psi2_t).double();
    lhs == rhs
}

/// `g2_in_subgroup` for an on-curve twist point `q` given `u = [3x + 1] q` (which the batched
/// line computation of `pairing_asm::NormLines` yields): with `w = [3x] q = u - q`, the same
/// test multiplied by 3, `w + psi(w) + psi^2(w) + [3] q == psi^3([2] w)`, with no scalar
/// multiplication left. Equivalent to the test above on the whole twist group because 3
/// divides neither r nor the cofactor 2p - r (both are 1 mod 3): multiplication by 3 is then
/// injective on E'(Fq2), so `[3] D == O` only for `D == O` (checked when the module's tests
/// run). The caller must pass the true `[3x + 1] q`.
pub fn g2_in_subgroup_given(q: &G2Affine, u: &G2Affine) -> bool {
    g2_in_subgroup_given_proj(q, &G2Projective::from(*u))
}

/// `g2_in_subgroup_given` with `u` in projective coordinates.
pub fn g2_in_subgroup_given_proj(q: &G2Affine, u: &G2Projective) -> bool {
    if q.is_zero() {
        return true;
    }
    let w = *u - q;
    let psi_w = psi(&w);
    let psi2_w = psi(&psi_w);
    let q3 = G2Projective::from(*q).double() + q;
    w + psi_w + psi2_w + q3 == psi(&psi2_w).double()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::{CurveGroup, PrimeGroup};
    use ark_ff::BigInteger;
    use ark_std::UniformRand;

    #[test]
    fn words_round_trip_and_name_the_bad_one() {
        let mut rng = ark_std::test_rng();
        for n in [50usize, 5000] {
            // below and above SEQUENTIAL_BYTES
            let xs: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            for x in &xs[..20] {
                assert_eq!(fr_to_be(x).to_vec(), x.into_bigint().to_bytes_be());
                let q = Fq::rand(&mut rng);
                assert_eq!(fq_to_be(&q).to_vec(), q.into_bigint().to_bytes_be());
            }
            let mut buf = frs_to_be(&xs);
            assert_eq!(frs_from_be(&buf, "x").unwrap(), xs);
            let bigs: Vec<BigInt<4>> = xs.iter().map(|x| x.into_bigint()).collect();
            assert_eq!(scalars_from_be(&buf, "s").unwrap(), bigs);
            buf[7 * 32..8 * 32].copy_from_slice(&[0xff; 32]);
            let e = frs_from_be(&buf, "x").unwrap_err();
            assert_eq!(e, Error::Field("x[7] is not below the scalar field modulus r".into()));
            assert!(scalars_from_be(&buf, "s").unwrap_err().to_string().starts_with("s[7] "));
        }
    }

    /// A point of the twist, almost surely outside G2 (the cofactor is about 2^254).
    fn twist_point(rng: &mut impl ark_std::rand::Rng) -> G2Affine {
        loop {
            let x = Fq2::rand(rng);
            let rhs = x * x * x
                + <ark_bn254::g2::Config as ark_ec::short_weierstrass::SWCurveConfig>::COEFF_B;
            if let Some(y) = rhs.sqrt() {
                let p = G2Affine::new_unchecked(x, y);
                assert!(p.is_on_curve());
                return p;
            }
        }
    }

    #[test]
    fn g2_subgroup_check_agrees_with_arkworks() {
        let mut rng = ark_std::test_rng();
        for _ in 0..64 {
            let inside = (G2Projective::generator() * Fr::rand(&mut rng)).into_affine();
            assert!(g2_in_subgroup(&inside));
            let outside = twist_point(&mut rng);
            assert_eq!(
                g2_in_subgroup(&outside),
                outside.is_in_correct_subgroup_assuming_on_curve()
            );
            assert!(!g2_in_subgroup(&outside));
            // a subgroup point plus a point with a component outside: still outside
            let mixed = (inside + outside).into_affine();
            assert!(!g2_in_subgroup(&mixed));
            // clearing the cofactor lands in G2
            let cleared = outside.clear_cofactor();
            assert!(g2_in_subgroup(&cleared));
            assert!(cleared.is_in_correct_subgroup_assuming_on_curve());
        }
        assert!(g2_in_subgroup(&G2Affine::identity()));
    }

    #[test]
    fn subgroup_check_given_the_multiple() {
        use ark_ff::BigInteger;
        // 3 divides neither r nor the twist's cofactor 2p - r (what makes the test sound)
        let p = ark_bn254::Fq::MODULUS;
        let mut two_p = p;
        two_p.add_with_carry(&p);
        let mut h = two_p;
        h.sub_with_borrow(&Fr::MODULUS);
        let mod3 =
            |b: &BigInt<4>| b.0.iter().rev().fold(0u128, |acc, l| ((acc << 64) + *l as u128) % 3);
        assert_eq!((mod3(&Fr::MODULUS), mod3(&h)), (1, 1));
        let x = <Config as BnConfig>::X[0];
        let k = BigInt::<4>::from(3 * x + 1);
        let mut rng = ark_std::test_rng();
        for _ in 0..32 {
            let inside = (G2Projective::generator() * Fr::rand(&mut rng)).into_affine();
            let outside = twist_point(&mut rng);
            let mixed = (inside + outside).into_affine();
            for q in [inside, outside, mixed] {
                let u = q.mul_bigint(k).into_affine();
                assert_eq!(g2_in_subgroup_given(&q, &u), g2_in_subgroup(&q));
            }
            assert!(!g2_in_subgroup_given(&outside, &outside.mul_bigint(k).into_affine()));
            // the batched lines give exactly that multiple
            let (_, us) =
                crate::pairing_asm::NormLines::batch_and_multiple(&[inside, outside, mixed])
                    .unwrap();
            for (q, u) in [inside, outside, mixed].iter().zip(&us) {
                assert_eq!(*u, q.mul_bigint(k).into_affine());
            }
        }
        assert!(g2_in_subgroup_given(&G2Affine::identity(), &G2Affine::identity()));
    }
}
