//! Poseidon over F_r with caller-supplied parameters: circomlib's optimised constants, handed
//! over by Python from `zkcollat/gadgets/poseidon_constants_opt.json`, so a data file is the
//! single source of the constants. The plain permutation lives in Python
//! (`zkcollat.gadgets.poseidon.poseidon_hash`) and the tests compare the two on every width.

use ark_bn254::Fr;
use ark_ff::Field;
use rayon::prelude::*;

use crate::{Error, Result};

/// Below this many hashes, `hash_many` runs on the calling thread.
const SEQUENTIAL_HASHES: usize = 64;

#[inline]
fn sbox(x: &mut Fr) {
    let x2 = x.square();
    *x *= x2.square();
}

/// The Poseidon function in circomlib's optimised form (as circomlibjs's `poseidon_opt`):
/// round constants folded through the MDS matrix, and the partial rounds' dense matrix
/// factored into one dense `P` and per-round sparse vectors `S` (Poseidon paper, appendix B).
/// A partial round then costs 3t - 1 multiplications instead of t^2 + ... : about 2x fewer
/// for the 6-input leaf hash. Matrices are applied transposed, as circomlibjs does:
/// new[i] = sum_j m[j][i] * state[j].
pub struct PoseidonOpt {
    t: usize,
    n_full: usize,
    n_partial: usize,
    c: Vec<Fr>,
    s: Vec<Fr>,
    /// M and P transposed (row i holds column i), so each output lane reads a contiguous row.
    m_t: Vec<Fr>,
    p_t: Vec<Fr>,
}

fn transpose(t: usize, m: &[Fr]) -> Vec<Fr> {
    (0..t * t).map(|k| m[(k % t) * t + k / t]).collect()
}

impl PoseidonOpt {
    pub fn new(
        t: usize,
        n_full: usize,
        n_partial: usize,
        c: Vec<Fr>,
        s: Vec<Fr>,
        m: Vec<Fr>,
        p: Vec<Fr>,
    ) -> Result<Self> {
        if !(2..=17).contains(&t) || n_full % 2 != 0 || n_full < 2 {
            return Err(Error::Length(format!("unsupported Poseidon width t = {t}")));
        }
        if c.len() != t * n_full + n_partial
            || s.len() != (2 * t - 1) * n_partial
            || m.len() != t * t
            || p.len() != t * t
        {
            return Err(Error::Length(format!(
                "optimised Poseidon t = {t}: constants have the wrong lengths"
            )));
        }
        let (m_t, p_t) = (transpose(t, &m), transpose(t, &p));
        Ok(Self { t, n_full, n_partial, c, s, m_t, p_t })
    }

    /// `new[i] = sum_j mat_t[i][j] * state[j]` with `mat_t` the transposed matrix (rows
    /// contiguous), each row a lazily reduced sum of products.
    #[inline(always)]
    fn mix<const T: usize>(mat_t: &[Fr], state: &mut [Fr; T]) {
        let mut next = [Fr::from(0u64); T];
        for (i, out) in next.iter_mut().enumerate() {
            let row: &[Fr; T] = mat_t[i * T..(i + 1) * T].try_into().expect("row of T");
            *out = Fr::sum_of_products(row, state);
        }
        *state = next;
    }

    /// The permutation for a width known at compile time (state in registers/stack, loops
    /// unrolled, sums of products reduced once per row).
    fn hash_t<const T: usize>(&self, inputs: &[Fr]) -> Fr {
        let half = self.n_full / 2;
        let (c, mt, pt) = (&self.c, &self.m_t, &self.p_t);
        let mut state = [Fr::from(0u64); T];
        state[1..].copy_from_slice(inputs);
        for i in 0..T {
            state[i] += c[i];
        }
        for r in 0..half - 1 {
            for i in 0..T {
                sbox(&mut state[i]);
                state[i] += c[(r + 1) * T + i];
            }
            Self::mix::<T>(mt, &mut state);
        }
        for i in 0..T {
            sbox(&mut state[i]);
            state[i] += c[half * T + i];
        }
        Self::mix::<T>(pt, &mut state);
        let base = (half + 1) * T;
        for r in 0..self.n_partial {
            sbox(&mut state[0]);
            state[0] += c[base + r];
            let s = &self.s[(2 * T - 1) * r..(2 * T - 1) * (r + 1)];
            let s_row: &[Fr; T] = s[..T].try_into().expect("T entries");
            let s0 = Fr::sum_of_products(s_row, &state);
            let x0 = state[0];
            for k in 1..T {
                state[k] += x0 * s[T + k - 1];
            }
            state[0] = s0;
        }
        let base = base + self.n_partial;
        for r in 0..half - 1 {
            for i in 0..T {
                sbox(&mut state[i]);
                state[i] += c[base + r * T + i];
            }
            Self::mix::<T>(mt, &mut state);
        }
        for s in state.iter_mut() {
            sbox(s);
        }
        // only lane 0 of the last mix is the output
        let row: &[Fr; T] = mt[..T].try_into().expect("row of T");
        Fr::sum_of_products(row, &state)
    }

    /// Hash `t - 1` inputs.
    pub fn hash(&self, inputs: &[Fr]) -> Fr {
        macro_rules! by_width {
            ($($t:literal)*) => {
                match self.t {
                    $($t => self.hash_t::<$t>(inputs),)*
                    _ => unreachable!("width checked in new()"),
                }
            };
        }
        by_width!(2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17)
    }

    pub fn hash_many(&self, flat: &[Fr]) -> Result<Vec<Fr>> {
        let k = self.t - 1;
        if flat.len() % k != 0 {
            return Err(Error::Length(format!(
                "{} inputs do not split into tuples of {k}",
                flat.len()
            )));
        }
        if flat.len() < SEQUENTIAL_HASHES * k {
            // a few hashes (a vault append: one per tree level) stay on the calling thread:
            // handing them to the pool costs more than hashing them
            return Ok(flat.chunks(k).map(|chunk| self.hash(chunk)).collect());
        }
        Ok(flat.par_chunks(k).with_min_len(256).map(|chunk| self.hash(chunk)).collect())
    }
}
