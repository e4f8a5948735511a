//! Poseidon over F_r with caller-supplied parameters (circomlib's, handed over by Python
//! from `zkcollat.gadgets.poseidon`, so one data file is the single source of the constants).
//!
//! The permutation is the plain (unoptimised) one circomlib defines: state = [0, inputs...];
//! each round adds its t round constants, applies x^5 to every element (full rounds) or to
//! element 0 only (partial rounds), then multiplies by the MDS matrix; the hash is state[0].

use ark_bn254::Fr;
use ark_ff::Field;
use rayon::prelude::*;

use crate::{Error, Result};

pub struct PoseidonParams {
    pub t: usize,
    pub n_full: usize,
    pub n_partial: usize,
    /// Round constants, `t` per round, rounds in order.
    pub c: Vec<Fr>,
    /// MDS matrix, row-major `t x t`: new[i] = sum_j m[i][j] * state[j].
    pub m: Vec<Fr>,
}

impl PoseidonParams {
    pub fn new(t: usize, n_full: usize, n_partial: usize, c: Vec<Fr>, m: Vec<Fr>) -> Result<Self> {
        let rounds = n_full + n_partial;
        if !(2..=17).contains(&t) || n_full % 2 != 0 {
            return Err(Error::Length(format!("unsupported Poseidon width t = {t}")));
        }
        if c.len() != t * rounds || m.len() != t * t {
            return Err(Error::Length(format!(
                "Poseidon t = {t}: expected {} round constants and {} MDS entries, got {} and {}",
                t * rounds,
                t * t,
                c.len(),
                m.len()
            )));
        }
        Ok(Self { t, n_full, n_partial, c, m })
    }

    #[inline]
    fn sbox(x: &mut Fr) {
        let x2 = x.square();
        *x *= x2.square();
    }

    /// Hash `t - 1` inputs.
    pub fn hash(&self, inputs: &[Fr]) -> Fr {
        let t = self.t;
        debug_assert_eq!(inputs.len(), t - 1);
        let mut state = [Fr::from(0u64); 17];
        state[1..t].copy_from_slice(inputs);
        let mut next = [Fr::from(0u64); 17];
        let half = self.n_full / 2;
        for r in 0..(self.n_full + self.n_partial) {
            let rc = &self.c[r * t..(r + 1) * t];
            for i in 0..t {
                state[i] += rc[i];
            }
            if r < half || r >= half + self.n_partial {
                for s in state.iter_mut().take(t) {
                    Self::sbox(s);
                }
            } else {
                Self::sbox(&mut state[0]);
            }
            for (i, out) in next.iter_mut().take(t).enumerate() {
                let row = &self.m[i * t..(i + 1) * t];
                let mut acc = Fr::from(0u64);
                for j in 0..t {
                    acc += row[j] * state[j];
                }
                *out = acc;
            }
            state[..t].copy_from_slice(&next[..t]);
        }
        state[0]
    }

    /// Hash many input tuples, `t - 1` consecutive elements each, in parallel.
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
