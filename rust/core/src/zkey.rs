//! snarkjs keys (`.zkey`) as a prover reads them: the rows `A.w`, `B.w` and `C.w` on the
//! domain, from the key's coefficient section (section 4) and a full witness.
//!
//! Section 4 is `count u32`, then per entry `matrix u32 (0 = A, 1 = B) | constraint u32 |
//! signal u32 | value` (32 bytes little-endian, stored as `v * 2^512 mod r`). A key carries no
//! C matrix: `C.w = A.w * B.w` row by row, exact for a witness that satisfies the circuit.

use ark_bn254::Fr;
use ark_ff::{BigInt, Field, PrimeField, Zero};
use rayon::prelude::*;

use crate::{Error, Result};

/// Bytes of one entry of the coefficient section.
pub const COEF_SIZE: usize = 12 + 32;

fn u32_at(b: &[u8], at: usize) -> usize {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes")) as usize
}

/// `(A.w, B.w, C.w)` over a domain of `n` rows. Every entry is checked: the matrix is A or B,
/// the constraint is a row of the domain, the signal a position of the witness, the value
/// below r; the section's length must be exactly its count's.
pub fn rows(coeffs: &[u8], witness: &[Fr], n: usize) -> Result<(Vec<Fr>, Vec<Fr>, Vec<Fr>)> {
    if coeffs.len() < 4 {
        return Err(Error::Encoding(
            "the coefficient section is shorter than its count".into(),
        ));
    }
    let count = u32_at(coeffs, 0);
    let want = count
        .checked_mul(COEF_SIZE)
        .and_then(|x| x.checked_add(4))
        .ok_or_else(|| Error::Length(format!("{count} coefficients overflow")))?;
    if coeffs.len() != want {
        return Err(Error::Length(format!(
            "the coefficient section declares {count} entries ({want} bytes) but has {} bytes",
            coeffs.len()
        )));
    }
    // A stored word c = v * 2^512 read as a Montgomery form (x * 2^256) is the element
    // v * 2^256: sums are taken in that scale and divided by 2^256 once per row.
    let mut acc = [vec![Fr::zero(); n], vec![Fr::zero(); n]];
    for (i, e) in coeffs[4..].chunks_exact(COEF_SIZE).enumerate() {
        let (m, c, s) = (u32_at(e, 0), u32_at(e, 4), u32_at(e, 8));
        if m > 1 {
            return Err(Error::Encoding(format!(
                "coefficient {i}: matrix {m} is neither A (0) nor B (1)"
            )));
        }
        if c >= n {
            return Err(Error::Length(format!(
                "coefficient {i}: constraint {c} is outside the domain of {n} rows"
            )));
        }
        if s >= witness.len() {
            return Err(Error::Length(format!(
                "coefficient {i}: signal {s} is outside the witness of {} values",
                witness.len()
            )));
        }
        let mut limbs = [0u64; 4];
        for (k, limb) in limbs.iter_mut().enumerate() {
            *limb = u64::from_le_bytes(e[12 + 8 * k..20 + 8 * k].try_into().expect("8 bytes"));
        }
        let word = BigInt(limbs);
        if word >= Fr::MODULUS {
            return Err(Error::Field(format!(
                "coefficient {i}: value is not below r"
            )));
        }
        let w = witness[s];
        if !w.is_zero() {
            acc[m][c] += Fr::new_unchecked(word) * w;
        }
    }
    let unscale = Fr::from(2u64)
        .pow([256u64])
        .inverse()
        .expect("2^256 is invertible mod r");
    let [mut a, mut b] = acc;
    a.par_iter_mut()
        .chain(b.par_iter_mut())
        .for_each(|x| *x *= unscale);
    let c = a
        .par_iter()
        .zip(b.par_iter())
        .map(|(x, y)| *x * y)
        .collect();
    Ok((a, b, c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(m: u32, c: u32, s: u32, v: Fr) -> Vec<u8> {
        let stored = v * Fr::from(2u64).pow([512u64]);
        let mut out = Vec::new();
        for x in [m, c, s] {
            out.extend_from_slice(&x.to_le_bytes());
        }
        for limb in stored.into_bigint().0 {
            out.extend_from_slice(&limb.to_le_bytes());
        }
        out
    }

    fn section(entries: &[Vec<u8>]) -> Vec<u8> {
        let mut out = (entries.len() as u32).to_le_bytes().to_vec();
        for e in entries {
            out.extend_from_slice(e);
        }
        out
    }

    #[test]
    fn rows_of_a_product() {
        // x * y = z with w = [1, x=3, y=5, z=15]: A row 0 = x, B row 0 = y
        let w = [1u64, 3, 5, 15].map(Fr::from);
        let s = section(&[
            entry(0, 0, 1, Fr::from(1u64)),
            entry(1, 0, 2, Fr::from(2u64)),
            entry(0, 1, 0, -Fr::from(7u64)),
        ]);
        let (a, b, c) = rows(&s, &w, 2).unwrap();
        assert_eq!(a, vec![Fr::from(3u64), -Fr::from(7u64)]);
        assert_eq!(b, vec![Fr::from(10u64), Fr::zero()]);
        assert_eq!(c, vec![Fr::from(30u64), Fr::zero()]);
    }

    #[test]
    fn malformed_entries_refused() {
        let w = [1u64, 3].map(Fr::from);
        let one = Fr::from(1u64);
        assert!(rows(&section(&[entry(2, 0, 0, one)]), &w, 2).is_err());
        assert!(rows(&section(&[entry(0, 2, 0, one)]), &w, 2).is_err());
        assert!(rows(&section(&[entry(0, 0, 2, one)]), &w, 2).is_err());
        let mut s = section(&[entry(0, 0, 0, one)]);
        s[16..48].copy_from_slice(&[0xff; 32]);
        assert!(rows(&s, &w, 2).is_err());
        let s = section(&[entry(0, 0, 0, one)]);
        assert!(rows(&s[..s.len() - 1], &w, 2).is_err());
        assert!(rows(&s[..2], &w, 2).is_err());
    }
}
