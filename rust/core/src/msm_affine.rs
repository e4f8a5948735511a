//! Multi-scalar multiplication with buckets accumulated in affine coordinates.
//!
//! Pippenger's bucket method over signed `c`-bit digits (`2^(c-1)` buckets per window), where
//! each bucket addition is an affine addition `lambda = (y2 - y1) / (x2 - x1)` and the
//! inversions of a whole batch of independent additions share one field inversion
//! (Montgomery's trick: 3 multiplications per element). An addition then costs about
//! 6M + 1S against 8M + 2S for a mixed addition into an XYZZ bucket.
//!
//! A batch may hold at most one addition per bucket. An addition whose bucket is already in
//! the batch waits in a short queue and is retried after the batch is applied; when the queue
//! is full, or at the end of a window, waiting additions go into a second set of XYZZ buckets
//! instead (the same group element, added at the reduction). Additions where the two points
//! share `x` are resolved before the batch: `P + P` is a doubling (`lambda = 3x^2 / 2y`),
//! `P + (-P)` empties the bucket.
//!
//! Scalars 0 are skipped, scalars 1 and `r - 1` are summed directly (no bucket pass), and a
//! small scalar only has non-zero digits in its low windows, so it costs as many additions as
//! it has windows. Windows run in parallel on rayon's pool. Below [`SMALL`] points the MSM is
//! arkworks' (`VariableBaseMSM::msm_bigint`).

use ark_bn254::Fr;
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::{AdditiveGroup, AffineRepr, VariableBaseMSM};
use ark_ff::{BigInt, BigInteger, Field, PrimeField, Zero};
use rayon::prelude::*;

type Bucket<P> = <Projective<P> as VariableBaseMSM>::Bucket;

/// Below this many points, arkworks' MSM (its set-up costs less than ours for tiny inputs).
pub const SMALL: usize = 64;

/// The window width used for `n` points, measured (`examples/msm_speed`): 10-11 best on
/// CollateralLock(20)'s queries (4,000-8,200 points); 11-12 on 2^14 random points (13 is 5-10%
/// slower); 13-14 for G1 and 12-13 for G2 on 2^16 (15 is 20-25% slower); above 2^16 not measured.
pub fn window_bits(n: usize) -> usize {
    match n {
        0..=255 => 7,
        256..=1023 => 9,
        1024..=4095 => 10,
        4096..=32767 => 11,
        32768..=65535 => 12,
        65536..=262_143 => 13,
        _ => 14,
    }
}

/// Additions per batch for `buckets` buckets per window.
fn batch_size(buckets: usize) -> usize {
    (buckets / 8).clamp(8, 512)
}

/// Waiting additions kept for a later batch before they go to the XYZZ buckets.
const QUEUE: usize = 128;

/// `sum s_i P_i`, every scalar taken as a 256-bit integer (below `r` in the prover).
pub fn msm<P>(bases: &[Affine<P>], scalars: &[BigInt<4>]) -> Projective<P>
where
    P: SWCurveConfig<ScalarField = Fr>,
{
    let n = bases.len().min(scalars.len());
    if n < SMALL {
        return Projective::<P>::msm_bigint(&bases[..n], &scalars[..n]);
    }
    msm_with(&bases[..n], &scalars[..n], window_bits(n))
}

/// The groups of the prover (BN254's G1 and G2) with [`msm`] as a method.
pub trait AffineMsm: ark_ec::CurveGroup {
    fn msm_affine(bases: &[Self::Affine], scalars: &[BigInt<4>]) -> Self;
}

impl<P: SWCurveConfig<ScalarField = Fr>> AffineMsm for Projective<P> {
    fn msm_affine(bases: &[Affine<P>], scalars: &[BigInt<4>]) -> Self {
        msm(bases, scalars)
    }
}

/// [`msm`] with the window width `c` (2..=15) given: for tests and measurement.
pub fn msm_with<P>(bases: &[Affine<P>], scalars: &[BigInt<4>], c: usize) -> Projective<P>
where
    P: SWCurveConfig<ScalarField = Fr>,
{
    assert!((2..=15).contains(&c), "window width {c} outside 2..=15");
    let n = bases.len().min(scalars.len());
    let (bases, scalars) = (&bases[..n], &scalars[..n]);
    let windows = 257usize.div_ceil(c);
    let one = BigInt::<4>::from(1u64);
    let mut minus_one = Fr::MODULUS;
    minus_one.sub_with_borrow(&one);

    // Signed digits, scalar-major (`digits[i * windows + w]`); 0/1/r-1 scalars get none.
    let mut digits = vec![0i16; n * windows];
    let chunk = n.div_ceil(rayon::current_num_threads().max(1) * 4).max(256);
    let (plus, minus) = digits
        .par_chunks_mut(chunk * windows)
        .zip(scalars.par_chunks(chunk).zip(bases.par_chunks(chunk)))
        .map(|(ds, (ss, bs))| {
            let (mut plus, mut minus) = (Bucket::<P>::default(), Bucket::<P>::default());
            for ((d, s), b) in ds.chunks_mut(windows).zip(ss).zip(bs) {
                if b.is_zero() {
                    continue;
                } else if *s == one {
                    plus += b;
                } else if *s == minus_one {
                    minus += b;
                } else if !s.is_zero() {
                    signed_digits(s, c, d);
                }
            }
            (plus, minus)
        })
        .reduce(
            || (Bucket::<P>::default(), Bucket::<P>::default()),
            |(mut p1, mut m1), (p2, m2)| {
                p1 += &p2;
                m1 += &m2;
                (p1, m1)
            },
        );

    let sums: Vec<Projective<P>> = (0..windows)
        .into_par_iter()
        .map(|w| Window::<P>::new(c).sum(bases, &digits, windows, w))
        .collect();
    let mut total = Projective::<P>::zero();
    for s in sums.iter().rev() {
        for _ in 0..c {
            total.double_in_place();
        }
        total += s;
    }
    let (plus, minus): (Projective<P>, Projective<P>) = (plus.into(), minus.into());
    total + plus - minus
}

/// The signed base-`2^c` digits of `s` (each in `-(2^(c-1) - 1) ..= 2^(c-1)`) into `out`.
fn signed_digits(s: &BigInt<4>, c: usize, out: &mut [i16]) {
    let limbs = s.as_ref();
    let mask = (1u64 << c) - 1;
    let half = 1i64 << (c - 1);
    let mut carry = 0i64;
    for (w, d) in out.iter_mut().enumerate() {
        let start = w * c;
        let (limb, off) = (start / 64, start % 64);
        let mut bits = 0u64;
        if limb < 4 {
            bits = limbs[limb] >> off;
            if off + c > 64 && limb + 1 < 4 {
                bits |= limbs[limb + 1] << (64 - off);
            }
        }
        let mut v = (bits & mask) as i64 + carry;
        carry = 0;
        if v > half {
            v -= 1 << c;
            carry = 1;
        }
        *d = v as i16;
    }
    debug_assert_eq!(carry, 0, "the digits cover 257 bits");
}

/// The buckets of one window and the batch of additions pending on them.
struct Window<P: SWCurveConfig> {
    buckets: Vec<Affine<P>>,
    /// Additions that could not be batched (XYZZ), allocated on first use.
    spill: Vec<Bucket<P>>,
    pending: Vec<bool>,
    /// The batch: bucket index, the point added, numerator and denominator of lambda.
    idx: Vec<u32>,
    pts: Vec<Affine<P>>,
    num: Vec<P::BaseField>,
    den: Vec<P::BaseField>,
    prefix: Vec<P::BaseField>,
    queue: Vec<(u32, Affine<P>)>,
    batch: usize,
}

impl<P: SWCurveConfig> Window<P> {
    fn new(c: usize) -> Self {
        let k = 1usize << (c - 1);
        let batch = batch_size(k);
        Self {
            buckets: vec![Affine::<P>::identity(); k],
            spill: Vec::new(),
            pending: vec![false; k],
            idx: Vec::with_capacity(batch),
            pts: Vec::with_capacity(batch),
            num: Vec::with_capacity(batch),
            den: Vec::with_capacity(batch),
            prefix: Vec::with_capacity(batch),
            queue: Vec::with_capacity(QUEUE),
            batch,
        }
    }

    /// `sum_k (k + 1) B_k` for window `w` of the digits.
    fn sum(mut self, bases: &[Affine<P>], digits: &[i16], windows: usize, w: usize) -> Projective<P> {
        for (i, b) in bases.iter().enumerate() {
            let d = digits[i * windows + w];
            if d == 0 {
                continue;
            }
            let p = if d > 0 { *b } else { -*b };
            self.add(d.unsigned_abs() as u32 - 1, p);
            if self.idx.len() >= self.batch {
                self.flush();
                self.retry();
            }
        }
        self.flush();
        for (k, p) in std::mem::take(&mut self.queue) {
            self.spill_add(k, &p);
        }
        self.reduce()
    }

    /// Schedule `B_k += p`.
    fn add(&mut self, k: u32, p: Affine<P>) {
        let ku = k as usize;
        if self.pending[ku] {
            if self.queue.len() < QUEUE {
                self.queue.push((k, p));
            } else {
                self.spill_add(k, &p);
            }
            return;
        }
        let b = self.buckets[ku];
        if b.is_zero() {
            self.buckets[ku] = p;
            return;
        }
        let (num, den) = if b.x == p.x {
            if b.y != p.y {
                // p = -b (a point of order 2 would have y = 0 = -y, none on these curves).
                self.buckets[ku] = Affine::<P>::identity();
                return;
            }
            // Doubling: lambda = (3x^2 + a) / 2y.
            let mut num = b.x.square();
            num = num + num.double();
            if !P::COEFF_A.is_zero() {
                num += P::COEFF_A;
            }
            (num, b.y.double())
        } else {
            (p.y - b.y, p.x - b.x)
        };
        self.pending[ku] = true;
        self.idx.push(k);
        self.pts.push(p);
        self.num.push(num);
        self.den.push(den);
    }

    fn spill_add(&mut self, k: u32, p: &Affine<P>) {
        if self.spill.is_empty() {
            self.spill = vec![Bucket::<P>::default(); self.buckets.len()];
        }
        self.spill[k as usize] += p;
    }

    /// Queued additions, once more (those still in conflict wait again).
    fn retry(&mut self) {
        let queue = std::mem::replace(&mut self.queue, Vec::with_capacity(QUEUE));
        for (k, p) in queue {
            self.add(k, p);
            if self.idx.len() >= self.batch {
                self.flush();
            }
        }
    }

    /// Apply the batch: one inversion for all denominators.
    fn flush(&mut self) {
        let m = self.den.len();
        if m == 0 {
            return;
        }
        self.prefix.clear();
        let mut acc = P::BaseField::ONE;
        for d in &self.den {
            self.prefix.push(acc);
            acc *= d;
        }
        // Every denominator is non-zero (x1 != x2, or 2y with y != 0).
        let mut inv = acc.inverse().expect("non-zero denominators");
        for j in (0..m).rev() {
            let inv_j = inv * self.prefix[j];
            inv *= &self.den[j];
            let ku = self.idx[j] as usize;
            let b = self.buckets[ku];
            let p = &self.pts[j];
            let lambda = self.num[j] * inv_j;
            let x3 = lambda.square() - b.x - p.x;
            let y3 = lambda * (b.x - x3) - b.y;
            self.buckets[ku] = Affine::<P>::new_unchecked(x3, y3);
            self.pending[ku] = false;
        }
        self.idx.clear();
        self.pts.clear();
        self.num.clear();
        self.den.clear();
    }

    /// `sum_k (k + 1) (B_k + spill_k)` by running sums from the top bucket.
    fn reduce(self) -> Projective<P> {
        let mut running = Bucket::<P>::default();
        let mut total = Bucket::<P>::default();
        for k in (0..self.buckets.len()).rev() {
            let b = &self.buckets[k];
            if !b.is_zero() {
                running += b;
            }
            if let Some(s) = self.spill.get(k) {
                running += s;
            }
            total += &running;
        }
        total.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::G1Projective;
    use ark_ec::CurveGroup;
    use ark_ff::UniformRand;
    use ark_std::rand::{rngs::StdRng, Rng, SeedableRng};

    fn rand_bases<P: SWCurveConfig>(rng: &mut StdRng, n: usize) -> Vec<Affine<P>> {
        let g = Projective::<P>::rand(rng);
        // Multiples of one random point, normalised together (fast for thousands).
        let ps: Vec<Projective<P>> =
            (0..n).map(|_| g * P::ScalarField::rand(rng)).collect();
        Projective::<P>::normalize_batch(&ps)
    }

    fn check<P: SWCurveConfig<ScalarField = Fr>>(bases: &[Affine<P>], scalars: &[BigInt<4>], what: &str) {
        let want = Projective::<P>::msm_bigint(bases, scalars);
        assert_eq!(msm(bases, scalars), want, "{what}: msm, n = {}", bases.len());
        if !bases.is_empty() {
            for c in [2, 5, 8, 11] {
                assert_eq!(msm_with(bases, scalars, c), want, "{what}: c = {c}, n = {}", bases.len());
            }
        }
    }

    fn r_minus(k: u64) -> BigInt<4> {
        let mut m = Fr::MODULUS;
        m.sub_with_borrow(&BigInt::from(k));
        m
    }

    fn special(rng: &mut StdRng) -> BigInt<4> {
        match rng.gen_range(0..8) {
            0 => BigInt::from(0u64),
            1 => BigInt::from(1u64),
            2 => r_minus(1),
            3 => BigInt::from(rng.gen_range(2u64..300)),
            4 => r_minus(rng.gen_range(2u64..300)),
            5 => BigInt::from(rng.gen::<u64>()),
            _ => Fr::rand(rng).into_bigint(),
        }
    }

    fn suite<P: SWCurveConfig<ScalarField = Fr>>(sizes: &[usize]) {
        let mut rng = StdRng::seed_from_u64(17);
        for &n in sizes {
            let bases = rand_bases::<P>(&mut rng, n);
            let random: Vec<BigInt<4>> = (0..n).map(|_| Fr::rand(&mut rng).into_bigint()).collect();
            check(&bases, &random, "random");
            let mixed: Vec<BigInt<4>> = (0..n).map(|_| special(&mut rng)).collect();
            check(&bases, &mixed, "0/1/r-1/small/random");
            // One base repeated: every bucket addition is a doubling or a cancellation.
            let same = vec![bases.first().copied().unwrap_or_default(); n];
            check(&same, &random, "one base, random scalars");
            check(&same, &mixed, "one base, mixed scalars");
            let one_scalar = vec![random.first().copied().unwrap_or_default(); n];
            check(&same, &one_scalar, "one base, one scalar");
            check(&bases, &one_scalar, "one scalar");
            // Bases beside their negations (P + (-P) inside a batch), equal scalars too.
            let pm: Vec<Affine<P>> =
                bases.iter().enumerate().map(|(i, b)| if i % 2 == 1 { -bases[i - 1] } else { *b }).collect();
            check(&pm, &one_scalar, "P, -P with one scalar");
            check(&pm, &random, "P, -P random scalars");
            let small: Vec<BigInt<4>> = (0..n).map(|i| BigInt::from((i % 5) as u64)).collect();
            check(&pm, &small, "P, -P small scalars");
            let zeros = vec![BigInt::from(0u64); n];
            check(&bases, &zeros, "zeros");
            let top: Vec<BigInt<4>> = (0..n).map(|i| r_minus(1 + (i % 3) as u64)).collect();
            check(&bases, &top, "r-1, r-2, r-3");
            // The identity among the bases.
            let mut with_zero = bases.clone();
            for p in with_zero.iter_mut().step_by(3) {
                *p = Affine::<P>::identity();
            }
            check(&with_zero, &mixed, "identity bases");
        }
    }

    #[test]
    fn g1_matches_arkworks() {
        let sizes: Vec<usize> = (0..=70).chain([127, 300, 1000, 3001]).collect();
        suite::<ark_bn254::g1::Config>(&sizes);
    }

    #[test]
    fn g2_matches_arkworks() {
        let sizes: Vec<usize> = (0..=70).step_by(3).chain([64, 65, 200, 2049]).collect();
        suite::<ark_bn254::g2::Config>(&sizes);
    }

    /// The widths chosen for large inputs (12..=15), on inputs small enough for a test.
    fn wide<P: SWCurveConfig<ScalarField = Fr>>(n: usize) {
        let mut rng = StdRng::seed_from_u64(12);
        let bases = rand_bases::<P>(&mut rng, n);
        let mixed: Vec<BigInt<4>> = (0..n).map(|_| special(&mut rng)).collect();
        let want = Projective::<P>::msm_bigint(&bases, &mixed);
        for c in 12..=15 {
            assert_eq!(msm_with(&bases, &mixed, c), want, "c = {c}");
        }
    }

    #[test]
    fn wide_windows_match_arkworks() {
        wide::<ark_bn254::g1::Config>(300);
        wide::<ark_bn254::g2::Config>(70);
    }

    #[test]
    fn lengths_are_cut_to_the_shorter() {
        let mut rng = StdRng::seed_from_u64(3);
        let bases = rand_bases::<ark_bn254::g1::Config>(&mut rng, 100);
        let s: Vec<BigInt<4>> = (0..90).map(|_| Fr::rand(&mut rng).into_bigint()).collect();
        assert_eq!(msm(&bases, &s), G1Projective::msm_bigint(&bases[..90], &s));
    }
}
