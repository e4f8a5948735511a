//! Poseidon over F_r with caller-supplied parameters: circomlib's optimised constants, handed
//! over by Python from `zkcollat/gadgets/poseidon_constants_opt.json`, so a data file is the
//! single source of the constants. The plain permutation lives in Python
//! (`zkcollat.gadgets.poseidon.poseidon_hash`) and the tests compare the two on every width.

use ark_bn254::Fr;
use ark_ff::{Field, PrimeField};
use rayon::prelude::*;

use crate::codec::{bigint_from_be, check_words, frs_from_be, frs_to_be, WORD};
use crate::poseidon_ifma::{self, LANES};
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
    /// The 8-lane AVX-512 IFMA kernel, when the CPU has it (`hash_many_be` uses it).
    ifma: Option<poseidon_ifma::Kernel>,
}

/// A group of fewer hashes than this goes to the one-at-a-time kernel: a vector pass costs
/// about as much for one lane as for eight.
const MIN_VECTOR_LANES: usize = 4;

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
        let ifma = poseidon_ifma::Kernel::new(t, n_full, n_partial, &c, &s, &m_t, &p_t);
        Ok(Self { t, n_full, n_partial, c, s, m_t, p_t, ifma })
    }

    /// The same function without the vector kernel (tests and measurements compare the two).
    pub fn without_vector_kernel(mut self) -> Self {
        self.ifma = None;
        self
    }

    /// True iff `hash_many_be` runs the AVX-512 IFMA kernel.
    pub fn has_vector_kernel(&self) -> bool {
        self.ifma.is_some()
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

    /// `hash_many` on 32-byte big-endian words, in and out (each input checked < r; the
    /// errors are `frs_from_be`'s and `hash_many`'s). With the vector kernel the words go
    /// straight to it, 8 hashes per pass, with no allocation but the output.
    pub fn hash_many_be(&self, buf: &[u8]) -> Result<Vec<u8>> {
        let Some(kn) = &self.ifma else {
            return Ok(frs_to_be(&self.hash_many(&frs_from_be(buf, "input")?)?));
        };
        let words = check_words(buf, "input")?;
        let k = self.t - 1;
        if words % k != 0 {
            // the range errors come first, as on the other path
            frs_from_be(buf, "input")?;
            return Err(Error::Length(format!("{words} inputs do not split into tuples of {k}")));
        }
        let n = words / k;
        let mut out = vec![0u8; n * WORD];
        let group = |(g, (inp, o)): (usize, (&[u8], &mut [u8]))| -> Result<()> {
            let lanes = o.len() / WORD;
            if lanes < MIN_VECTOR_LANES {
                let xs = frs_from_be(inp, "input").map_err(|_| first_bad(inp, g * LANES * k))?;
                let hs: Vec<Fr> = xs.chunks(k).map(|x| self.hash(x)).collect();
                o.copy_from_slice(&frs_to_be(&hs));
                return Ok(());
            }
            let mut x = [[0u64; 4]; LANES * 16];
            for (i, w) in inp.chunks(WORD).enumerate() {
                let b = bigint_from_be(w);
                if b >= Fr::MODULUS {
                    return Err(first_bad(inp, g * LANES * k));
                }
                x[i] = b.0;
            }
            let mut h = [[0u64; 4]; LANES];
            kn.hash8(&x[..lanes * k], &mut h[..lanes]);
            for (w, limbs) in o.chunks_mut(WORD).zip(&h) {
                for (i, limb) in limbs.iter().enumerate() {
                    w[WORD - 8 * (i + 1)..WORD - 8 * i].copy_from_slice(&limb.to_be_bytes());
                }
            }
            Ok(())
        };
        let (ins, outs) = (buf.chunks(LANES * k * WORD), out.chunks_mut(LANES * WORD));
        if n < SEQUENTIAL_HASHES {
            ins.zip(outs).enumerate().try_for_each(group)?;
        } else {
            buf.par_chunks(LANES * k * WORD)
                .zip(out.par_chunks_mut(LANES * WORD))
                .enumerate()
                .with_min_len(4)
                .try_for_each(group)?;
        }
        Ok(out)
    }
}

/// The error naming the first input word of `group` (starting at word `first`) that is not
/// below r.
fn first_bad(group: &[u8], first: usize) -> Error {
    let i = group
        .chunks(WORD)
        .position(|w| bigint_from_be(w) >= Fr::MODULUS)
        .expect("a word of the group is out of range");
    Error::Field(format!("input[{}] is not below the scalar field modulus r", first + i))
}

impl PoseidonOpt {
    /// Width t (inputs + 1).
    pub fn width(&self) -> usize {
        self.t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;

    fn make(t: usize, n_partial: usize, rng: &mut impl ark_std::rand::Rng) -> PoseidonOpt {
        let mut v = |n: usize| (0..n).map(|_| Fr::rand(rng)).collect::<Vec<_>>();
        let (c, s, m, p) = (v(t * 8 + n_partial), v((2 * t - 1) * n_partial), v(t * t), v(t * t));
        PoseidonOpt::new(t, 8, n_partial, c, s, m, p).expect("shapes")
    }

    fn edge_and_random(n: usize, rng: &mut impl ark_std::rand::Rng) -> Vec<Fr> {
        let r_minus_1 = -Fr::from(1u64);
        (0..n)
            .map(|i| match i % 5 {
                0 => Fr::from(0u64),
                1 => r_minus_1,
                2 => Fr::from(1u64),
                _ => Fr::rand(rng),
            })
            .collect()
    }

    /// The vector kernel equals the one-at-a-time kernel on every width, for every count of
    /// hashes around the lane groups, on 0, 1, r - 1 and random inputs (random constants:
    /// the code path does not depend on their values).
    #[test]
    fn vector_kernel_equals_scalar() {
        if !poseidon_ifma::available() {
            eprintln!("no AVX-512 IFMA on this CPU: only the scalar kernel runs");
            return;
        }
        let mut rng = ark_std::test_rng();
        for t in 2..=17 {
            let h = make(t, 57, &mut rng);
            assert!(h.has_vector_kernel());
            for n in [1usize, 3, 4, 7, 8, 9, 15, 16, 17, 21, 64, 70, 200] {
                let xs = edge_and_random(n * (t - 1), &mut rng);
                let want: Vec<Fr> = xs.chunks(t - 1).map(|c| h.hash(c)).collect();
                let got = h.hash_many_be(&frs_to_be(&xs)).expect("in range");
                assert_eq!(got, frs_to_be(&want), "t = {t}, n = {n}");
            }
            // all lanes r - 1 (the largest intermediate bounds) and all zero
            for x in [-Fr::from(1u64), Fr::from(0u64)] {
                let xs = vec![x; 8 * (t - 1)];
                let want = frs_to_be(&vec![h.hash(&xs[..t - 1]); 8]);
                assert_eq!(h.hash_many_be(&frs_to_be(&xs)).expect("in range"), want);
            }
        }
    }

    #[test]
    fn vector_kernel_refuses_what_the_scalar_path_refuses() {
        let mut rng = ark_std::test_rng();
        let h = make(3, 57, &mut rng);
        let scalar = make(3, 57, &mut ark_std::test_rng()).without_vector_kernel();
        let mut buf = frs_to_be(&edge_and_random(2 * 40, &mut rng));
        let r = crate::codec::fr_to_be(&Fr::from(0u64));
        let mut modulus = [0u8; 32];
        for (i, limb) in Fr::MODULUS.0.iter().enumerate() {
            modulus[32 - 8 * (i + 1)..32 - 8 * i].copy_from_slice(&limb.to_be_bytes());
        }
        assert_eq!(r, [0u8; 32]);
        for bad in [0usize, 5, 17, 79] {
            let mut b = buf.clone();
            b[bad * 32..bad * 32 + 32].copy_from_slice(&modulus);
            let e = h.hash_many_be(&b).unwrap_err();
            assert_eq!(e, scalar.hash_many_be(&b).unwrap_err());
            assert_eq!(
                e,
                Error::Field(format!("input[{bad}] is not below the scalar field modulus r"))
            );
        }
        buf.truncate(buf.len() - 32);
        assert!(matches!(h.hash_many_be(&buf), Err(Error::Length(_))));
        assert!(matches!(h.hash_many_be(&buf[..31]), Err(Error::Encoding(_))));
        assert_eq!(h.hash_many_be(&[]).expect("empty"), Vec::<u8>::new());
    }
}
