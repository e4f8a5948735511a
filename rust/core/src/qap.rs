//! The Groth16 quotient polynomial H(x), evaluated over a coset, from the QAP evaluations.
//!
//! Given a(x), b(x), c(x) as evaluations on the domain D of size n (the constraint rows of
//! A.w, B.w, C.w, zero-padded), returns the n coefficients' worth of h(x) evaluations needed by
//! the prover, in the form the proving key's H query expects: the coset evaluations
//! `(a*b - c)(g*w^i) / Z(g*w^i)` brought back to coefficients of h. Z(x) = x^n - 1 is constant
//! on the coset: Z(g*w^i) = g^n - 1.

use ark_bn254::Fr;
use ark_ff::{FftField, Field, One, Zero};
use rayon::prelude::*;

use crate::fft::COSET_SHIFT;
use crate::{Error, Result};

/// Coefficients of h(x) = (a(x) b(x) - c(x)) / (x^n - 1), degree < n - 1.
///
/// Seven radix-2 FFTs of size n without a bit-reversal permutation between them: each
/// inverse transform is decimation in frequency (natural order in, bit-reversed out) and each
/// forward one decimation in time (bit-reversed in, natural out), so the orders cancel; only
/// h's coefficients are put back in natural order at the end. The coset shift, the 1/n of the
/// inverse transforms and 1/Z on the coset are one table multiplication each, fused into the
/// last (twiddle-free) layer of the inverse transforms.
pub fn quotient_coeffs(a: Vec<Fr>, b: Vec<Fr>, c: Vec<Fr>) -> Result<Vec<Fr>> {
    let n = a.len();
    if b.len() != n || c.len() != n {
        return Err(Error::Length("a, b, c evaluations differ in length".into()));
    }
    if n == 0 || !n.is_power_of_two() {
        return Err(Error::Length(format!("QAP domain size {n} is not a power of two")));
    }
    let log_n = n.trailing_zeros();
    if log_n > Fr::TWO_ADICITY {
        return Err(Error::Length(format!("QAP domain size {n} exceeds the 2-adicity of F_r")));
    }
    let omega = Fr::get_root_of_unity(n as u64).expect("n divides 2^TWO_ADICITY");
    let shift = Fr::from(COSET_SHIFT);
    let n_inv = Fr::from(n as u64).inverse().expect("n < r");
    // Z(x) = x^n - 1 on the coset: g^n - 1 everywhere
    let z_inv = (shift.pow([n as u64]) - Fr::one())
        .inverse()
        .expect("the coset shift is not an n-th root of unity");
    let par = n >= PAR_MIN && rayon::current_num_threads() > 1;
    let ((fwd, inv), (to_coset, from_coset)) = rayon::join(
        || rayon::join(|| powers(omega, n / 2), || powers(omega.inverse().expect("unit"), n / 2)),
        || {
            rayon::join(
                || bit_reversed_powers(shift, n_inv, n),
                || bit_reversed_powers(shift.inverse().expect("unit"), n_inv * z_inv, n),
            )
        },
    );
    // to coefficients (bit-reversed, times g^i / n), then evaluations on the coset
    let to_coset_evals = |mut x: Vec<Fr>| {
        dif(&mut x, &inv, &to_coset, par);
        dit(&mut x, &fwd, par);
        x
    };
    let (mut a, (b, c)) = rayon::join(
        || to_coset_evals(a),
        || rayon::join(|| to_coset_evals(b), || to_coset_evals(c)),
    );
    let pointwise = |((ai, bi), ci): ((&mut Fr, &Fr), &Fr)| {
        *ai *= bi;
        *ai -= ci;
    };
    if par {
        a.par_iter_mut().zip(b.par_iter()).zip(c.par_iter()).with_min_len(GRAIN).for_each(pointwise);
    } else {
        a.iter_mut().zip(b.iter()).zip(c.iter()).for_each(pointwise);
    }
    drop((b, c)); // not held through the last FFT and the caller's next allocations
    // back to coefficients of h(g x), times g^-i / (n Z(g)): h's coefficients, bit-reversed
    dif(&mut a, &inv, &from_coset, par);
    bit_reverse(&mut a);
    Ok(a)
}

/// Below this size the FFTs run on one thread (the quotient's three transforms run in
/// parallel anyway, and the prover runs its MSMs beside them).
const PAR_MIN: usize = 1 << 15;

/// Butterflies per parallel task.
const GRAIN: usize = 1 << 12;

/// `x^0, x^1, ..., x^(m-1)`.
fn powers(x: Fr, m: usize) -> Vec<Fr> {
    let mut out = Vec::with_capacity(m);
    let mut p = Fr::one();
    for _ in 0..m {
        out.push(p);
        p *= x;
    }
    out
}

/// `t[j] = scale * x^rev(j)` for j < n, rev reversing log2(n) bits: exponent bit `l` is index
/// bit `log2(n) - 1 - l`, so each level fills the indices at half the previous step.
fn bit_reversed_powers(x: Fr, scale: Fr, n: usize) -> Vec<Fr> {
    let mut t = vec![Fr::zero(); n];
    t[0] = scale;
    let mut xp = x; // x^(2^level)
    let mut step = n / 2;
    while step >= 1 {
        for j in (0..n).step_by(2 * step) {
            t[j + step] = t[j] * xp;
        }
        xp.square_in_place();
        step /= 2;
    }
    t
}

/// `f(lo[j], hi[j], j)` for the two halves (`m` each) of every block of `2m` of `x`.
#[inline(always)]
fn layer(x: &mut [Fr], m: usize, par: bool, f: impl Fn(&mut Fr, &mut Fr, usize) + Sync) {
    let block = |chunk: &mut [Fr]| {
        let (lo, hi) = chunk.split_at_mut(m);
        for (j, (u, v)) in lo.iter_mut().zip(hi.iter_mut()).enumerate() {
            f(u, v, j);
        }
    };
    if !par {
        x.chunks_mut(2 * m).for_each(block);
    } else if 2 * m <= GRAIN {
        x.par_chunks_mut(2 * m).with_min_len(GRAIN / (2 * m)).for_each(block);
    } else {
        for chunk in x.chunks_mut(2 * m) {
            let (lo, hi) = chunk.split_at_mut(m);
            lo.par_chunks_mut(GRAIN).zip(hi.par_chunks_mut(GRAIN)).enumerate().for_each(|(q, (l, h))| {
                for (j, (u, v)) in l.iter_mut().zip(h.iter_mut()).enumerate() {
                    f(u, v, q * GRAIN + j);
                }
            });
        }
    }
}

/// Decimation in frequency (Gentleman-Sande), natural order in, bit-reversed out:
/// `x[rev(k)] = scale[rev(k)] sum_i x_i w^(ik)` with `roots[j] = w^j` (j < n/2), `w` of order n.
/// `scale` is applied in the last layer, whose butterflies have no twiddle.
fn dif(x: &mut [Fr], roots: &[Fr], scale: &[Fr], par: bool) {
    let n = x.len();
    let mut m = n / 2;
    while m > 1 {
        let stride = n / (2 * m);
        layer(x, m, par, |u, v, j| {
            let d = *u - *v;
            *u += *v;
            *v = if j == 0 { d } else { d * roots[j * stride] };
        });
        m /= 2;
    }
    if n >= 2 {
        let pairs = |(pair, s): (&mut [Fr], &[Fr])| {
            let d = pair[0] - pair[1];
            pair[0] = (pair[0] + pair[1]) * s[0];
            pair[1] = d * s[1];
        };
        if par {
            x.par_chunks_mut(2).zip(scale.par_chunks(2)).with_min_len(GRAIN).for_each(pairs);
        } else {
            x.chunks_mut(2).zip(scale.chunks(2)).for_each(pairs);
        }
    } else {
        x[0] *= scale[0];
    }
}

/// Decimation in time (Cooley-Tukey), bit-reversed order in, natural out:
/// `X_k = sum_i x[rev(i)] w^(ik)` with `roots[j] = w^j` (j < n/2), `w` of order n.
fn dit(x: &mut [Fr], roots: &[Fr], par: bool) {
    let n = x.len();
    let mut m = 1;
    while m < n {
        let stride = n / (2 * m);
        layer(x, m, par, |u, v, j| {
            let t = if j == 0 { *v } else { *v * roots[j * stride] };
            *v = *u - t;
            *u += t;
        });
        m *= 2;
    }
}

/// The bit-reversal permutation, in place.
fn bit_reverse(x: &mut [Fr]) {
    let n = x.len();
    if n <= 2 {
        return;
    }
    let shift = usize::BITS - n.trailing_zeros();
    for i in 0..n {
        let j = i.reverse_bits() >> shift;
        if i < j {
            x.swap(i, j);
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;
    use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
    use ark_std::rand::{rngs::StdRng, SeedableRng};

    /// The quotient by arkworks' in-order FFTs on its domains (the previous implementation).
    fn by_arkworks(a: &[Fr], b: &[Fr], c: &[Fr]) -> Vec<Fr> {
        let n = a.len();
        let d = Radix2EvaluationDomain::<Fr>::new(n).unwrap();
        let shift = Fr::from(COSET_SHIFT);
        let coset = d.get_coset(shift).unwrap();
        let (mut a, mut b, mut c) = (a.to_vec(), b.to_vec(), c.to_vec());
        for v in [&mut a, &mut b, &mut c] {
            d.ifft_in_place(v);
            coset.fft_in_place(v);
        }
        let z_inv = (shift.pow([n as u64]) - Fr::one()).inverse().unwrap();
        for i in 0..n {
            a[i] = (a[i] * b[i] - c[i]) * z_inv;
        }
        coset.ifft_in_place(&mut a);
        a
    }

    /// Equal to arkworks' FFTs for every size 1..2^12 on random rows (not a satisfied QAP: the
    /// map is the same), and on one thread and on four with the parallel layers forced.
    #[test]
    fn quotient_equals_arkworks() {
        let mut rng = StdRng::seed_from_u64(44);
        for log_n in 0..=12 {
            let n = 1usize << log_n;
            let v = |rng: &mut StdRng| (0..n).map(|_| Fr::rand(rng)).collect::<Vec<Fr>>();
            let (a, b, c) = (v(&mut rng), v(&mut rng), v(&mut rng));
            let want = by_arkworks(&a, &b, &c);
            assert_eq!(quotient_coeffs(a.clone(), b.clone(), c.clone()).unwrap(), want, "n = {n}");
        }
        // a satisfied QAP: a*b = c on the domain, so the division is exact and h has degree < n - 1
        let n = 1 << 10;
        let d = Radix2EvaluationDomain::<Fr>::new(n).unwrap();
        let a: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let b: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let c: Vec<Fr> = a.iter().zip(&b).map(|(x, y)| *x * y).collect();
        let h = quotient_coeffs(a.clone(), b.clone(), c.clone()).unwrap();
        assert_eq!(h, by_arkworks(&a, &b, &c));
        assert!(h[n - 1].is_zero());
        let (pa, pb, pc) = (d.ifft(&a), d.ifft(&b), d.ifft(&c));
        let x = Fr::rand(&mut rng);
        let ev = |p: &[Fr]| p.iter().rev().fold(Fr::zero(), |acc, k| acc * x + k);
        assert_eq!(ev(&pa) * ev(&pb) - ev(&pc), ev(&h) * (x.pow([n as u64]) - Fr::one()));
    }

    #[test]
    fn parallel_layers_equal_serial() {
        let mut rng = StdRng::seed_from_u64(45);
        for log_n in [1, 2, 5, 13, 14] {
            let n = 1usize << log_n;
            let x: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            let roots = powers(Fr::get_root_of_unity(n as u64).unwrap(), n / 2);
            let scale = bit_reversed_powers(Fr::from(7u64), Fr::from(3u64), n);
            let pool = rayon::ThreadPoolBuilder::new().num_threads(4).build().unwrap();
            let (mut s1, mut p1) = (x.clone(), x.clone());
            dif(&mut s1, &roots, &scale, false);
            pool.install(|| dif(&mut p1, &roots, &scale, true));
            assert_eq!(s1, p1, "dif, n = {n}");
            let (mut s2, mut p2) = (x.clone(), x);
            dit(&mut s2, &roots, false);
            pool.install(|| dit(&mut p2, &roots, true));
            assert_eq!(s2, p2, "dit, n = {n}");
        }
    }

    #[test]
    fn wrong_sizes_are_refused() {
        let v = |n: usize| vec![Fr::one(); n];
        assert!(quotient_coeffs(v(0), v(0), v(0)).is_err());
        assert!(quotient_coeffs(v(6), v(6), v(6)).is_err());
        assert!(quotient_coeffs(v(8), v(4), v(8)).is_err());
        assert!(quotient_coeffs(v(8), v(8), v(7)).is_err());
    }
}
