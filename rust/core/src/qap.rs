//! The Groth16 quotient polynomial H(x), evaluated over a coset, from the QAP evaluations.
//!
//! Given a(x), b(x), c(x) as evaluations on the domain D of size n (the constraint rows of
//! A.w, B.w, C.w, zero-padded), returns the n coefficients' worth of h(x) evaluations needed by
//! the prover, in the form the proving key's H query expects: the coset evaluations
//! `(a*b - c)(g*w^i) / Z(g*w^i)` brought back to coefficients of h. Z(x) = x^n - 1 is constant
//! on the coset: Z(g*w^i) = g^n - 1.

use ark_bn254::Fr;
use ark_ff::{Field, One};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use rayon::prelude::*;

use crate::fft::COSET_SHIFT;
use crate::{Error, Result};

/// Coefficients of h(x) = (a(x) b(x) - c(x)) / (x^n - 1), degree < n - 1.
pub fn quotient_coeffs(a: Vec<Fr>, b: Vec<Fr>, c: Vec<Fr>) -> Result<Vec<Fr>> {
    let n = a.len();
    if b.len() != n || c.len() != n {
        return Err(Error::Length("a, b, c evaluations differ in length".into()));
    }
    let d = Radix2EvaluationDomain::<Fr>::new(n)
        .filter(|d| d.size() == n)
        .ok_or_else(|| Error::Length(format!("QAP domain size {n} is not a power of two")))?;
    let shift = Fr::from(COSET_SHIFT);
    let coset = d.get_coset(shift).ok_or_else(|| Error::Length("no coset".into()))?;
    let (mut a, mut b, mut c) = (a, b, c);
    // to coefficients, then to evaluations on the coset (where Z does not vanish)
    rayon::join(
        || d.ifft_in_place(&mut a),
        || rayon::join(|| d.ifft_in_place(&mut b), || d.ifft_in_place(&mut c)),
    );
    rayon::join(
        || coset.fft_in_place(&mut a),
        || rayon::join(|| coset.fft_in_place(&mut b), || coset.fft_in_place(&mut c)),
    );
    let z_inv = (shift.pow([n as u64]) - Fr::one())
        .inverse()
        .expect("the coset shift is not an n-th root of unity");
    a.par_iter_mut().zip(b.par_iter()).zip(c.par_iter()).for_each(|((ai, bi), ci)| {
        *ai = (*ai * bi - ci) * z_inv;
    });
    drop((b, c)); // not held through the last FFT and the caller's next allocations
    coset.ifft_in_place(&mut a);
    Ok(a)
}

/// A sparse matrix in CSR form: row i is `cols[k], table[vix[k]]` for k in
/// `ptr[i]..ptr[i+1]`. Values are indices into a table of the distinct coefficients (a
/// circuit has few: CollateralLock(32)'s 228k entries hold a handful), and indices are u32:
/// 12 bytes an entry instead of 48 (usize row, usize column, field element).
pub struct Csr {
    ptr: Vec<u32>,
    cols: Vec<u32>,
    vix: Vec<u32>,
    table: Vec<Fr>,
    /// `one[i]`: `table[i] == 1` (an addition, no multiplication).
    one: Vec<bool>,
}

impl Csr {
    /// From per-entry values (the values are gathered into a table of distinct ones).
    pub fn new(ptr: Vec<usize>, cols: Vec<usize>, vals: Vec<Fr>, n_wires: usize) -> Result<Self> {
        let too_big = |v: &usize| u32::try_from(*v).is_err();
        if ptr.iter().any(too_big) || cols.iter().any(too_big) {
            return Err(Error::Length("malformed CSR matrix (an index above 2^32)".into()));
        }
        let mut seen = std::collections::HashMap::new();
        let mut table = Vec::new();
        let vix = vals
            .iter()
            .map(|v| {
                *seen.entry(*v).or_insert_with(|| {
                    table.push(*v);
                    (table.len() - 1) as u32
                })
            })
            .collect();
        Self::indexed(
            ptr.iter().map(|&p| p as u32).collect(),
            cols.iter().map(|&c| c as u32).collect(),
            vix,
            table,
            n_wires,
        )
    }

    /// From value indices into `table` (shared by a circuit's three matrices).
    pub fn indexed(
        ptr: Vec<u32>,
        cols: Vec<u32>,
        vix: Vec<u32>,
        table: Vec<Fr>,
        n_wires: usize,
    ) -> Result<Self> {
        let ok = !ptr.is_empty()
            && ptr[0] == 0
            && ptr.windows(2).all(|w| w[0] <= w[1])
            && *ptr.last().expect("non-empty") as usize == cols.len()
            && cols.len() == vix.len()
            && cols.iter().all(|&c| (c as usize) < n_wires)
            && vix.iter().all(|&v| (v as usize) < table.len());
        if !ok {
            return Err(Error::Length("malformed CSR matrix".into()));
        }
        let one = table.iter().map(|v| *v == Fr::from(1u64)).collect();
        Ok(Self { ptr, cols, vix, table, one })
    }

    fn rows(&self) -> usize {
        self.ptr.len() - 1
    }

    /// `M.w`, in a vector with room for `capacity` entries (the caller pads it to the
    /// domain without moving it).
    fn mul_vec(&self, w: &[Fr], capacity: usize) -> Vec<Fr> {
        let rows = (0..self.rows())
            .into_par_iter()
            .with_min_len(512)
            .map(|i| {
                let mut acc = Fr::from(0u64);
                for k in self.ptr[i] as usize..self.ptr[i + 1] as usize {
                    let (v, x) = (self.vix[k] as usize, w[self.cols[k] as usize]);
                    if self.one[v] {
                        acc += x;
                    } else {
                        acc += self.table[v] * x;
                    }
                }
                acc
            });
        let mut out = Vec::with_capacity(capacity.max(self.rows()));
        out.par_extend(rows);
        out
    }
}

/// The three R1CS matrices of a circuit, loaded once and evaluated for every witness.
pub struct Matrices {
    pub a: Csr,
    pub b: Csr,
    pub c: Csr,
    pub n_wires: usize,
    pub n_public: usize,
}

/// What `Matrices::rows` found: the domain evaluations, or the first unsatisfied row.
pub enum Rows {
    Ok(Vec<Fr>, Vec<Fr>, Vec<Fr>),
    Unsatisfied(usize),
}

impl Matrices {
    /// A.w, B.w, C.w on the size-`n` domain: the public-input rows `A[m+i][i] = 1` appended
    /// to A (as in `zkcollat.groth16.qap`), everything zero-padded. Checks a*b = c row by row.
    pub fn rows(&self, w: &[Fr], n: usize) -> Result<Rows> {
        if w.len() != self.n_wires {
            return Err(Error::Length(format!(
                "the witness has {} values, the circuit {} wires",
                w.len(),
                self.n_wires
            )));
        }
        let m = self.a.rows();
        if n < m + self.n_public + 1 {
            return Err(Error::Length(format!("domain of {n} cannot hold {m} rows")));
        }
        let (mut a, (mut b, mut c)) =
            rayon::join(|| self.a.mul_vec(w, n), || rayon::join(|| self.b.mul_vec(w, n), || self.c.mul_vec(w, n)));
        if let Some(i) = (0..m).find(|&i| a[i] * b[i] != c[i]) {
            return Ok(Rows::Unsatisfied(i));
        }
        a.extend_from_slice(&w[..=self.n_public]);
        a.resize(n, Fr::from(0u64));
        b.resize(n, Fr::from(0u64));
        c.resize(n, Fr::from(0u64));
        Ok(Rows::Ok(a, b, c))
    }
}
