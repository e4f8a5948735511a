//! Poseidon over F_r with caller-supplied parameters: circomlib's optimised constants, handed
//! over by Python from `zkcollat/gadgets/poseidon_constants_opt.json`, so a data file is the
//! single source of the constants. The plain permutation lives in Python
//! (`zkcollat.gadgets.poseidon.poseidon_hash`) and the tests compare the two on every width.

use ark_bn254::Fr;
use ark_ff::Field;
use rayon::prelude::*;

use crate::{Error, Result};

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
    pub t: usize,
    pub n_full: usize,
    pub n_partial: usize,
    pub c: Vec<Fr>,
    pub s: Vec<Fr>,
    pub m: Vec<Fr>,
    pub p: Vec<Fr>,
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
        Ok(Self { t, n_full, n_partial, c, s, m, p })
    }

    #[inline]
    fn mix(t: usize, mat: &[Fr], state: &mut [Fr; 17]) {
        let mut next = [Fr::from(0u64); 17];
        for (i, out) in next.iter_mut().take(t).enumerate() {
            let mut acc = Fr::from(0u64);
            for j in 0..t {
                acc += mat[j * t + i] * state[j];
            }
            *out = acc;
        }
        state[..t].copy_from_slice(&next[..t]);
    }

    pub fn hash(&self, inputs: &[Fr]) -> Fr {
        let t = self.t;
        let half = self.n_full / 2;
        let c = &self.c;
        let mut state = [Fr::from(0u64); 17];
        state[1..t].copy_from_slice(inputs);
        for i in 0..t {
            state[i] += c[i];
        }
        for r in 0..half - 1 {
            for i in 0..t {
                sbox(&mut state[i]);
                state[i] += c[(r + 1) * t + i];
            }
            Self::mix(t, &self.m, &mut state);
        }
        for i in 0..t {
            sbox(&mut state[i]);
            state[i] += c[half * t + i];
        }
        Self::mix(t, &self.p, &mut state);
        let base = (half + 1) * t;
        for r in 0..self.n_partial {
            sbox(&mut state[0]);
            state[0] += c[base + r];
            let s = &self.s[(2 * t - 1) * r..(2 * t - 1) * (r + 1)];
            let mut s0 = Fr::from(0u64);
            for j in 0..t {
                s0 += s[j] * state[j];
            }
            let x0 = state[0];
            for k in 1..t {
                state[k] += x0 * s[t + k - 1];
            }
            state[0] = s0;
        }
        let base = base + self.n_partial;
        for r in 0..half - 1 {
            for i in 0..t {
                sbox(&mut state[i]);
                state[i] += c[base + r * t + i];
            }
            Self::mix(t, &self.m, &mut state);
        }
        for s in state.iter_mut().take(t) {
            sbox(s);
        }
        // only state[0] of the last mix is the output
        let mut out = Fr::from(0u64);
        for j in 0..t {
            out += self.m[j * t] * state[j];
        }
        out
    }

    pub fn hash_many(&self, flat: &[Fr]) -> Result<Vec<Fr>> {
        let k = self.t - 1;
        if flat.len() % k != 0 {
            return Err(Error::Length(format!(
                "{} inputs do not split into tuples of {k}",
                flat.len()
            )));
        }
        Ok(flat.par_chunks(k).with_min_len(256).map(|chunk| self.hash(chunk)).collect())
    }
}
