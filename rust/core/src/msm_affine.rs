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
//! it has windows. Windows are taken in groups (a few per thread, run in parallel on rayon's
//! pool); a group is one pass over the points with the buckets of all its windows, so one
//! batch (one inversion) spans several windows. Below [`SMALL`] points the MSM is arkworks'
//! (`VariableBaseMSM::msm_bigint`).
//!
//! [`msm_glv`] first splits each scalar above 2^128 as `k1 + lambda k2` with halves of at most
//! 128 bits, over `P` and `phi(P) = (beta x, y) = lambda P` (`beta` a cube root of unity in Fq;
//! on G2's twist too, where `lambda` is the other cube root of unity mod r): as many bucket
//! additions, half the windows, so half the bucket reduction (running sums over every bucket
//! of every window, about a third of the work at the prover's sizes).
//!
//! `phi` acts as `lambda` only on the r-order subgroup. Every point of BN254's G1 is in it
//! (cofactor 1), so G1 always splits ([`AffineMsm::msm_affine`]). G2's twist has cofactor
//! `2p - r` (factors 10069, 5864401, 1875725156269 and one of 177 bits): on a twist point
//! `Q = G + T` with `T` of cofactor order, `k1 Q + k2 phi(Q)` differs from `k Q` by
//! `k1 T + k2 phi(T) - k T`, generally not zero. So G2 splits only through
//! [`AffineMsm::msm_subgroup`], for points the caller knows to be in G2 (the prover's
//! `Query::in_subgroup`); points checked on the twist only keep [`msm`], the plain sum, so
//! that both of zkcollat's backends compute the same B for any key, well-formed or not.
//! Checking a key's G2 query costs ~90 us a point (~0.4 s CPU at CollateralLock(20)), far more
//! than the split saves in one proof: the check is made where a key is made or converted and
//! the prover is told so (the Python side decides; see `zkcollat.groth16.keys`).

use ark_bn254::Fr;
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::scalar_mul::glv::GLVConfig;
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

/// Additions per batch for `buckets` buckets in all (over the windows of one pass).
fn batch_size(buckets: usize) -> usize {
    (buckets / 8).clamp(8, 1024)
}

/// The most buckets one pass over the points fills (the windows of a group times
/// `2^(c-1)`): their affine points, 64 bytes each for G1, stay within a core's L2 cache or
/// near it; more windows per pass than this cost cache misses on every bucket addition.
const GROUP_BUCKETS: usize = 1 << 14;

/// Waiting additions kept for a later batch before they go to the XYZZ buckets.
const QUEUE: usize = 128;

/// The one inversion of a batch. arkworks' Fq inversion (a binary extended Euclid) costs about
/// 15 us here, as much as ~600 multiplications, and a prove makes ~1,600 of them; halo2curves'
/// Bernstein-Yang inverter (safegcd, 62 steps at a time on signed words) takes ~6 us
/// (`examples` A/B, loaded machine). Both libraries keep Fq as the same Montgomery limbs
/// (`pairing_asm::available` checks it, with the CPU features its other kernels need), so the
/// limbs pass between them unchanged; elsewhere arkworks' inversion.
pub trait BatchInverse: Field {
    fn batch_inverse(&self) -> Option<Self>;
}

impl BatchInverse for ark_bn254::Fq {
    #[inline]
    fn batch_inverse(&self) -> Option<Self> {
        if !crate::pairing_asm::available() {
            return self.inverse();
        }
        let inv = ff::Field::invert(&halo2curves::bn256::Fq((self.0).0));
        Option::<halo2curves::bn256::Fq>::from(inv).map(|x| ark_bn254::Fq::new_unchecked(BigInt(x.0)))
    }
}

impl BatchInverse for ark_bn254::Fq2 {
    /// `(c0 - c1 u) / (c0^2 + c1^2)`: Fq2 = Fq[u] / (u^2 + 1), one inversion in Fq.
    #[inline]
    fn batch_inverse(&self) -> Option<Self> {
        let t = (self.c0.square() + self.c1.square()).batch_inverse()?;
        Some(ark_bn254::Fq2::new(self.c0 * t, -(self.c1 * t)))
    }
}

/// A curve the MSMs of this module run on: scalars in BN254's Fr, a base field with
/// [`BatchInverse`] (BN254's G1 and G2).
pub trait MsmConfig: SWCurveConfig<ScalarField = Fr, BaseField: BatchInverse> {}

impl<P: SWCurveConfig<ScalarField = Fr, BaseField: BatchInverse>> MsmConfig for P {}

/// `sum s_i P_i`, every scalar taken as a 256-bit integer (below `r` in the prover).
pub fn msm<P>(bases: &[Affine<P>], scalars: &[BigInt<4>]) -> Projective<P>
where
    P: MsmConfig,
{
    let n = bases.len().min(scalars.len());
    if n < SMALL {
        return Projective::<P>::msm_bigint(&bases[..n], &scalars[..n]);
    }
    msm_with(&bases[..n], &scalars[..n], window_bits(n))
}

/// The groups of the prover (BN254's G1 and G2) with [`msm`] as a method.
pub trait AffineMsm: ark_ec::CurveGroup {
    /// `sum s_i P_i` for any points of the curve (G2: of the twist, in the subgroup or not).
    fn msm_affine(bases: &[Self::Affine], scalars: &[BigInt<4>]) -> Self;

    /// The same sum for points known to lie in the r-order subgroup (the caller's promise:
    /// made from the generator, or checked): through the endomorphism where the group has one
    /// that acts as a scalar only there (G2).
    fn msm_subgroup(bases: &[Self::Affine], scalars: &[BigInt<4>]) -> Self {
        Self::msm_affine(bases, scalars)
    }
}

/// G1 through its endomorphism ([`msm_glv`]): every point of BN254's G1 has order r.
impl AffineMsm for Projective<ark_bn254::g1::Config> {
    fn msm_affine(bases: &[Affine<ark_bn254::g1::Config>], scalars: &[BigInt<4>]) -> Self {
        msm_glv(bases, scalars)
    }
}

/// G2 plain for points of the twist ([`msm`]), through its endomorphism ([`msm_glv`]) for
/// points known to be in G2: on the rest of the twist `phi` does not act as `lambda`.
impl AffineMsm for Projective<ark_bn254::g2::Config> {
    fn msm_affine(bases: &[Affine<ark_bn254::g2::Config>], scalars: &[BigInt<4>]) -> Self {
        msm(bases, scalars)
    }

    fn msm_subgroup(bases: &[Affine<ark_bn254::g2::Config>], scalars: &[BigInt<4>]) -> Self {
        msm_glv(bases, scalars)
    }
}

/// [`msm`] with the window width `c` (2..=15) given: for tests and measurement.
pub fn msm_with<P>(bases: &[Affine<P>], scalars: &[BigInt<4>], c: usize) -> Projective<P>
where
    P: MsmConfig,
{
    msm_bits(bases, scalars, c, 256)
}

/// [`msm_with`] for scalars below `2^bits` (`bits` <= 256): `(bits + 1) / c` windows.
fn msm_bits<P>(bases: &[Affine<P>], scalars: &[BigInt<4>], c: usize, bits: usize) -> Projective<P>
where
    P: MsmConfig,
{
    assert!((2..=15).contains(&c), "window width {c} outside 2..=15");
    assert!(bits <= 256, "scalars of {bits} bits");
    let n = bases.len().min(scalars.len());
    let (bases, scalars) = (&bases[..n], &scalars[..n]);
    let windows = (bits + 1).div_ceil(c);

    // Signed digits, scalar-major (`digits[i * windows + w]`); 0/1/r-1 scalars get none.
    let mut digits = vec![0i16; n * windows];
    let (plus, minus) = digit_pass(bases, scalars, &mut digits, windows, |s, d| {
        assert!(s.num_bits() as usize <= bits, "a scalar above 2^{bits}");
        signed_digits(s, c, d);
    });
    bucket_passes(&[bases], &digits, 1, windows, c, |b| *b) + plus - minus
}

/// One parallel pass over the scalars: `split(s, rows)` writes the digit rows of scalar `s`
/// (`rows` = `digits[i * len ..][..len]`, `len = digits.len() / n`) for every point that is
/// not the identity and every scalar other than 0, 1 and r - 1; those two are summed here:
/// `(sum of the points with scalar 1, sum of those with r - 1)`.
fn digit_pass<P: MsmConfig>(
    bases: &[Affine<P>],
    scalars: &[BigInt<4>],
    digits: &mut [i16],
    windows: usize,
    split: impl Fn(&BigInt<4>, &mut [i16]) + Sync,
) -> (Projective<P>, Projective<P>) {
    let n = bases.len();
    let len = digits.len() / n.max(1);
    debug_assert!(len >= windows && len % windows == 0);
    let one = BigInt::<4>::from(1u64);
    let mut minus_one = Fr::MODULUS;
    minus_one.sub_with_borrow(&one);
    let chunk = n.div_ceil(rayon::current_num_threads().max(1) * 4).max(256);
    let (plus, minus) = digits
        .par_chunks_mut(chunk * len)
        .zip(scalars.par_chunks(chunk).zip(bases.par_chunks(chunk)))
        .map(|(ds, (ss, bs))| {
            let (mut plus, mut minus) = (Bucket::<P>::default(), Bucket::<P>::default());
            for ((d, s), b) in ds.chunks_mut(len).zip(ss).zip(bs) {
                if b.is_zero() || s.is_zero() {
                    continue;
                } else if *s == one {
                    plus += b;
                } else if *s == minus_one {
                    minus += b;
                } else {
                    split(s, d);
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
    (plus.into(), minus.into())
}

/// `sum_i sum_r sum_w 2^(c w) digits[(i rows + r) windows + w] endo^r(P_i)` (`rows` 1 or 2:
/// the second row of a point multiplies `endo(P_i)`, computed when a window group needs it,
/// never stored). Windows in groups, each group one pass over the points with the buckets of
/// all its windows: a batch then spans several windows (more buckets, fewer conflicts, larger
/// batches: fewer inversions). A few groups per thread for the pool to balance.
fn bucket_passes<P: MsmConfig>(
    bases: &[&[Affine<P>]],
    digits: &[i16],
    rows: usize,
    windows: usize,
    c: usize,
    endo: impl Fn(&Affine<P>) -> Affine<P> + Sync,
) -> Projective<P> {
    // Group sizes differ by one at most: with 10 windows in 4 groups of 3, 3, 3 and 1, one
    // of two threads had 6 windows to sum and the other 4 (2^18-point MSMs 20% slower on two
    // threads than an even split). A group holds at most GROUP_BUCKETS buckets: on one
    // thread, 2^20 points at c = 14 in 2 groups of 5 windows (40,960 buckets each) took
    // 5.2-5.5 s, in groups under the cap 4.5 s (`examples/msm_speed random:N`).
    let threads = rayon::current_num_threads().max(1);
    let groups = windows.min((threads * 2).max((windows << (c - 1)).div_ceil(GROUP_BUCKETS)));
    let sums: Vec<Projective<P>> = (0..groups)
        .into_par_iter()
        .map(|g| {
            let (w0, w1) = (g * windows / groups, (g + 1) * windows / groups);
            Windows::<P>::new(c, w1 - w0).sums(bases, digits, rows, windows, w0, &endo)
        })
        .collect::<Vec<Vec<Projective<P>>>>()
        .concat();
    let mut total = Projective::<P>::zero();
    for s in sums.iter().rev() {
        for _ in 0..c {
            total.double_in_place();
        }
        total += s;
    }
    total
}

/// A short basis `(a1, b1), (a2, b2)` of the lattice `{(x, y) : x + lambda y = 0 mod r}` of a
/// curve's endomorphism (`phi(P) = lambda P`), with `b1 < 0 <= a1, a2, b2` (`nb1 = -b1`),
/// and `g1 = floor(2^256 b2 / r)`, `g2 = floor(2^256 nb1 / r)` to round `k b2 / r` and
/// `-k b1 / r` without a division. Derived from `GLVConfig::LAMBDA` by the extended
/// Euclidean algorithm (Gallant, Lambert, Vanstone 2001); the determinant is `r`.
pub struct GlvBasis {
    a1: [u64; 4],
    a2: [u64; 4],
    nb1: [u64; 4],
    b2: [u64; 4],
    g1: [u64; 4],
    g2: [u64; 4],
}

/// Curves whose MSM may split each scalar in two halves of ~128 bits.
pub trait Endo: MsmConfig + GLVConfig {
    const BASIS: GlvBasis;
}

impl Endo for ark_bn254::g1::Config {
    // lambda = GLVConfig::LAMBDA of BN254's G1 (phi(x, y) = (beta x, y)).
    const BASIS: GlvBasis = GlvBasis {
        a1: [0x8211bbeb7d4f1128, 0x6f4d8248eeb859fc, 0, 0],
        a2: [0x89d3256894d213e3, 0, 0, 0],
        nb1: [0x89d3256894d213e3, 0, 0, 0],
        b2: [0x0be4e1541221250b, 0x6f4d8248eeb859fd, 0, 0],
        g1: [0x5398fd0300ff6565, 0x4ccef014a773d2d2, 0x2, 0],
        g2: [0xd91d232ec7e0b3d7, 0x2, 0, 0],
    };
}

impl Endo for ark_bn254::g2::Config {
    // lambda = GLVConfig::LAMBDA of BN254's G2 (phi(x, y) = (omega x, y) on the twist, omega
    // in Fq): the other cube root of unity mod r, lambda' = lambda^2 with lambda of G1.
    const BASIS: GlvBasis = <ark_bn254::g1::Config as Endo>::BASIS.other_root();
}

impl GlvBasis {
    /// The basis for `lambda^2` (the other non-trivial cube root of unity mod r) from this
    /// one's for `lambda`: `x + lambda^2 y = 0` iff `y + lambda x = 0` (multiply by `lambda`,
    /// `lambda^3 = 1`), so the lattice is this one with the coordinates swapped. `(a1, b1)`
    /// gives `(b1, a1)`, negated to `(nb1, -a1)`, and `(a2, b2)` gives `(b2, a2)`: the new
    /// `a1, nb1, a2, b2` are `nb1, a1, b2, a2`, and both rounding constants are recomputed.
    pub const fn other_root(&self) -> GlvBasis {
        GlvBasis {
            a1: self.nb1,
            a2: self.b2,
            nb1: self.a1,
            b2: self.a2,
            g1: shifted_quotient(&self.a2),
            g2: shifted_quotient(&self.a1),
        }
    }
}

/// `floor(2^256 x / r)` for `x < r` (r = Fr's modulus), by binary long division (compile time).
const fn shifted_quotient(x: &[u64; 4]) -> [u64; 4] {
    let r = <Fr as PrimeField>::MODULUS.0;
    // The dividend x 2^256 bit by bit from the top; the remainder stays below r < 2^254.
    let mut rem = [0u64; 4];
    let mut q = [0u64; 4];
    let mut bit = 512;
    while bit > 0 {
        bit -= 1;
        let next = if bit >= 256 { (x[(bit - 256) / 64] >> ((bit - 256) % 64)) & 1 } else { 0 };
        // rem = 2 rem + next
        let mut i = 3;
        while i > 0 {
            rem[i] = (rem[i] << 1) | (rem[i - 1] >> 63);
            i -= 1;
        }
        rem[0] = (rem[0] << 1) | next;
        // rem >= r: subtract, and the quotient's bit (below 2^256: x < r)
        let mut ge = true;
        let mut k = 4;
        while k > 0 {
            k -= 1;
            if rem[k] != r[k] {
                ge = rem[k] > r[k];
                break;
            }
        }
        if ge {
            let mut borrow = 0u64;
            let mut j = 0;
            while j < 4 {
                let (d, b1) = rem[j].overflowing_sub(r[j]);
                let (d, b2) = d.overflowing_sub(borrow);
                rem[j] = d;
                borrow = (b1 || b2) as u64;
                j += 1;
            }
            assert!(bit < 256, "x >= r");
            q[bit / 64] |= 1 << (bit % 64);
        }
    }
    q
}

fn mul_wide(a: &[u64; 4], b: &[u64; 4]) -> [u64; 8] {
    let mut out = [0u64; 8];
    for i in 0..4 {
        let mut carry = 0u128;
        for j in 0..4 {
            let t = a[i] as u128 * b[j] as u128 + out[i + j] as u128 + carry;
            out[i + j] = t as u64;
            carry = t >> 64;
        }
        out[i + 4] = carry as u64;
    }
    out
}

fn lo(x: [u64; 8]) -> [u64; 4] {
    [x[0], x[1], x[2], x[3]]
}

fn wrapping_sub(a: &[u64; 4], b: &[u64; 4]) -> [u64; 4] {
    let mut out = [0u64; 4];
    let mut borrow = false;
    for i in 0..4 {
        let (d, b1) = a[i].overflowing_sub(b[i]);
        let (d, b2) = d.overflowing_sub(borrow as u64);
        out[i] = d;
        borrow = b1 || b2;
    }
    out
}

/// `x` read as a signed 256-bit integer: (negative, |x|).
fn signed(x: [u64; 4]) -> (bool, BigInt<4>) {
    if x[3] >> 63 == 1 {
        (true, BigInt::new(wrapping_sub(&[0; 4], &x)))
    } else {
        (false, BigInt::new(x))
    }
}

/// `k = k1 + lambda k2 (mod r)` with `|k1|, |k2| < 2^128`: `(k1 < 0, |k1|, k2 < 0, |k2|)`.
///
/// `c1 = floor(k g1 / 2^256)`, `c2 = floor(k g2 / 2^256)` approximate `k b2 / r` and
/// `-k b1 / r`; then `k1 = k - c1 a1 - c2 a2`, `k2 = -c1 b1 - c2 b2` (any integers `c1, c2`
/// give `k1 + lambda k2 = k mod r`; these make both small). The arithmetic is modulo 2^256,
/// exact because the results are below 2^255 in absolute value.
pub fn decompose(k: &BigInt<4>, basis: &GlvBasis) -> (bool, BigInt<4>, bool, BigInt<4>) {
    let k = &k.0;
    let hi = |x: [u64; 8]| [x[4], x[5], x[6], x[7]];
    let c1 = hi(mul_wide(k, &basis.g1));
    let c2 = hi(mul_wide(k, &basis.g2));
    let k1 = wrapping_sub(&wrapping_sub(k, &lo(mul_wide(&c1, &basis.a1))), &lo(mul_wide(&c2, &basis.a2)));
    let k2 = wrapping_sub(&lo(mul_wide(&c1, &basis.nb1)), &lo(mul_wide(&c2, &basis.b2)));
    let ((n1, k1), (n2, k2)) = (signed(k1), signed(k2));
    (n1, k1, n2, k2)
}

/// [`msm`] with each scalar above 2^128 split as `k1 + lambda k2` over `P` and `phi(P)`
/// ([`decompose`]): twice the points at most, half the windows, so half the bucket
/// reduction (its cost grows with windows times buckets, not with points). The points must
/// be in the subgroup where `phi` acts as `lambda` (all of BN254's G1 is).
pub fn msm_glv<P: Endo>(bases: &[Affine<P>], scalars: &[BigInt<4>]) -> Projective<P> {
    msm_glv_with(bases, scalars, None)
}

/// [`msm_glv`] with the window width `c` given (None: [`glv_window_bits`] of the split count).
///
/// Each point has two digit rows, the second for `phi(P)`; a negative half negates its
/// digits. Neither the split scalars nor `phi(P)` are stored (the bucket passes compute
/// `phi(P)`, one or two Fq multiplications, where a window group needs it): the digits are
/// the only vector of the points' size.
pub fn msm_glv_with<P: Endo>(bases: &[Affine<P>], scalars: &[BigInt<4>], c: Option<usize>) -> Projective<P> {
    msm_glv_parts_with(&[(bases, scalars)], c)
}

/// `sum` of [`msm_glv`] over the parts `(bases, scalars)`, as one MSM: one set of buckets and
/// one bucket reduction for all the parts (the prover's L and H queries, whose sums it only
/// needs added), none of the points copied together.
pub fn msm_glv_parts<P: Endo>(parts: &[(&[Affine<P>], &[BigInt<4>])]) -> Projective<P> {
    msm_glv_parts_with(parts, None)
}

/// [`msm_glv_parts`] with the window width `c` given (None: [`glv_window_bits`]).
pub fn msm_glv_parts_with<P: Endo>(parts: &[(&[Affine<P>], &[BigInt<4>])], c: Option<usize>) -> Projective<P> {
    let parts: Vec<(&[Affine<P>], &[BigInt<4>])> = parts
        .iter()
        .map(|&(b, s)| {
            let n = b.len().min(s.len());
            (&b[..n], &s[..n])
        })
        .collect();
    let n: usize = parts.iter().map(|p| p.0.len()).sum();
    let plain = |parts: &[(&[Affine<P>], &[BigInt<4>])]| {
        parts.iter().map(|&(b, s)| Projective::<P>::msm_bigint(b, s)).sum::<Projective<P>>()
    };
    if n < SMALL {
        return plain(&parts);
    }
    // The largest half's bit length and the number of halves (terms of the split sum); 1 and
    // r - 1 are summed apart (`digit_pass`).
    let mut minus_one = Fr::MODULUS;
    minus_one.sub_with_borrow(&BigInt::from(1u64));
    let (bits, terms) = parts
        .iter()
        .map(|&(bases, scalars)| {
            bases
                .par_iter()
                .zip(scalars.par_iter())
                .map(|(b, s)| match s.num_bits() as usize {
                    _ if b.is_zero() || *s == minus_one => (0, 0),
                    0 | 1 => (0, 0),
                    k if k <= 128 => (k, 1),
                    _ => (128, 2),
                })
                .reduce(|| (0, 0), |x, y| (x.0.max(y.0), x.1 + y.1))
        })
        .fold((0, 0), |x, y| (x.0.max(y.0), x.1 + y.1));
    if terms < SMALL {
        return plain(&parts);
    }
    let c = c.unwrap_or_else(|| glv_window_bits(terms));
    assert!((2..=15).contains(&c), "window width {c} outside 2..=15");
    let windows = (bits.max(1) + 1).div_ceil(c);
    let mut digits = vec![0i16; n * 2 * windows];
    let (mut plus, mut minus) = (Projective::<P>::zero(), Projective::<P>::zero());
    let mut rest = &mut digits[..];
    for &(bases, scalars) in parts.iter().filter(|p| !p.0.is_empty()) {
        let (mine, others) = rest.split_at_mut(bases.len() * 2 * windows);
        rest = others;
        let (p, m) = digit_pass(bases, scalars, mine, windows, |s, d| {
            let (d1, d2) = d.split_at_mut(windows);
            if s.num_bits() <= 128 {
                signed_digits(s, c, d1);
                return;
            }
            let (n1, k1, n2, k2) = decompose(s, &P::BASIS);
            for (d, neg, k) in [(d1, n1, k1), (d2, n2, k2)] {
                signed_digits(&k, c, d);
                if neg {
                    d.iter_mut().for_each(|x| *x = -*x);
                }
            }
        });
        plus += p;
        minus += m;
    }
    let bases: Vec<&[Affine<P>]> = parts.iter().map(|p| p.0).collect();
    bucket_passes(&bases, &digits, 2, windows, c, P::endomorphism_affine) + plus - minus
}

/// The window width for `m` split points (`examples/prove_phases` and interleaved runs of
/// every width on CollateralLock(8), (20) and (32), G1 and G2): 10 up to ~24,000 points
/// (A, B1, L, B2 and H at depth 20: 1-3 widths tried, 10 best or tied, 11 2-10% slower),
/// 11-12 for H at depth 32 (32,766 points); 13 above 2^16 (`examples/msm_speed random:N`:
/// 2^18 and 2^20 random G1 points, 13 the fastest or tied of 12-15 on one thread and two;
/// at 2^20 on one thread 14 took 5.2-5.5 s against 13's 4.5-4.7 s).
fn glv_window_bits(m: usize) -> usize {
    match m {
        0..=24_575 => window_bits(m).min(10),
        24_576..=65_535 => 11,
        _ => window_bits(m).min(13),
    }
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
    debug_assert_eq!(carry, 0, "the digits cover the scalar and its sign bit");
}

/// The buckets of a run of consecutive windows (`k` per window, window `j` of the run at
/// `j * k ..`) and the batch of additions pending on them.
struct Windows<P: SWCurveConfig> {
    k: usize,
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

impl<P: MsmConfig> Windows<P> {
    /// The buckets of `count` windows of width `c`.
    fn new(c: usize, count: usize) -> Self {
        let k = 1usize << (c - 1);
        let batch = batch_size(k * count);
        Self {
            k,
            buckets: vec![Affine::<P>::identity(); k * count],
            spill: Vec::new(),
            pending: vec![false; k * count],
            idx: Vec::with_capacity(batch),
            pts: Vec::with_capacity(batch),
            num: Vec::with_capacity(batch),
            den: Vec::with_capacity(batch),
            prefix: Vec::with_capacity(batch),
            queue: Vec::with_capacity(QUEUE),
            batch,
        }
    }

    /// `sum_b (b + 1) B_b` of each window `w0 ..` of the run, from the digits (`rows` per
    /// point: row `r` multiplies `endo^r(P)`, see [`bucket_passes`]).
    fn sums(
        mut self,
        bases: &[&[Affine<P>]],
        digits: &[i16],
        rows: usize,
        windows: usize,
        w0: usize,
        endo: &impl Fn(&Affine<P>) -> Affine<P>,
    ) -> Vec<Projective<P>> {
        let count = self.buckets.len() / self.k;
        for (i, b) in bases.iter().flat_map(|part| part.iter()).enumerate() {
            for r in 0..rows {
                let at = (i * rows + r) * windows + w0;
                let ds = &digits[at..at + count];
                let (mut pos, mut neg) = (None, None);
                for (j, &d) in ds.iter().enumerate() {
                    if d == 0 {
                        continue;
                    }
                    let q = *pos.get_or_insert_with(|| if r == 0 { *b } else { endo(b) });
                    let p = if d > 0 { q } else { *neg.get_or_insert_with(|| -q) };
                    self.add((j * self.k) as u32 + d.unsigned_abs() as u32 - 1, p);
                    if self.idx.len() >= self.batch {
                        self.flush();
                        self.retry();
                    }
                }
            }
        }
        self.flush();
        for (k, p) in std::mem::take(&mut self.queue) {
            self.spill_add(k, &p);
        }
        (0..count).map(|j| self.reduce(j)).collect()
    }

    /// Schedule `B_k += p` (`k` over the whole run).
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
        let mut inv = acc.batch_inverse().expect("non-zero denominators");
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

    /// `sum_b (b + 1) (B_b + spill_b)` over window `j` of the run, by running sums from the
    /// top bucket.
    fn reduce(&self, j: usize) -> Projective<P> {
        let mut running = Bucket::<P>::default();
        let mut total = Bucket::<P>::default();
        for k in (j * self.k..(j + 1) * self.k).rev() {
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

    fn check<P: MsmConfig>(bases: &[Affine<P>], scalars: &[BigInt<4>], what: &str) {
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

    fn suite<P: MsmConfig>(sizes: &[usize]) {
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
    fn wide<P: MsmConfig>(n: usize) {
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

    /// `msm_glv` against arkworks on the same inputs as `suite`, plus scalars around 2^128
    /// (the split threshold) and all of 256 bits, on points of the r-order subgroup.
    fn glv_suite<P: Endo>(sizes: &[usize], seed: u64) {
        let mut rng = StdRng::seed_from_u64(seed);
        for &n in sizes {
            let bases = rand_bases::<P>(&mut rng, n);
            let random: Vec<BigInt<4>> = (0..n).map(|_| Fr::rand(&mut rng).into_bigint()).collect();
            let mixed: Vec<BigInt<4>> = (0..n).map(|_| special(&mut rng)).collect();
            let edge: Vec<BigInt<4>> = (0..n)
                .map(|i| match i % 6 {
                    0 => BigInt::new([0, 0, 1, 0]),             // 2^128
                    1 => BigInt::new([u64::MAX, u64::MAX, 0, 0]), // 2^128 - 1
                    2 => BigInt::new([1, 0, 1, 0]),             // 2^128 + 1
                    3 => BigInt::new([u64::MAX, u64::MAX, u64::MAX, 0]), // 2^192 - 1
                    4 => BigInt::new([rng.gen(), rng.gen(), 0, 0]), // below 2^128
                    _ => r_minus(1 + i as u64),
                })
                .collect();
            let same = vec![bases.first().copied().unwrap_or_default(); n];
            let pm: Vec<Affine<P>> =
                bases.iter().enumerate().map(|(i, b)| if i % 2 == 1 { -bases[i - 1] } else { *b }).collect();
            let mut with_zero = bases.clone();
            for p in with_zero.iter_mut().step_by(3) {
                *p = Affine::<P>::identity();
            }
            for (b, s, what) in [
                (&bases, &random, "random"),
                (&bases, &mixed, "mixed"),
                (&bases, &edge, "around 2^128, r - k"),
                (&same, &random, "one base"),
                (&pm, &random, "P, -P"),
                (&with_zero, &mixed, "identity bases"),
            ] {
                let want = Projective::<P>::msm_bigint(b, s);
                assert_eq!(msm_glv(b, s), want, "{what}, n = {n}");
                if n >= SMALL && n % 7 == 0 {
                    for c in [3, 8, 12] {
                        assert_eq!(msm_glv_with(b, s, Some(c)), want, "{what}, c = {c}, n = {n}");
                    }
                }
            }
        }
    }

    /// The windows split into groups (sizes differing by one at most, at most `GROUP_BUCKETS`
    /// buckets each, at least two groups per thread while windows last) on pools of 1, 2, 3
    /// and 5 threads, at widths whose windows overflow the cap (13-15) and at narrow ones
    /// (many windows per thread): the same sum as arkworks' in every case.
    #[test]
    fn window_groups_on_any_pool_match_arkworks() {
        let mut rng = StdRng::seed_from_u64(77);
        let bases = rand_bases::<ark_bn254::g1::Config>(&mut rng, 200);
        let scalars: Vec<BigInt<4>> = (0..200).map(|_| Fr::rand(&mut rng).into_bigint()).collect();
        let want = G1Projective::msm_bigint(&bases, &scalars);
        for threads in [1, 2, 3, 5] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
            for c in [4, 7, 13, 14, 15] {
                let got = pool.install(|| msm_glv_with(&bases, &scalars, Some(c)));
                assert_eq!(got, want, "{threads} threads, c = {c}");
                let got = pool.install(|| msm_with(&bases, &scalars, c));
                assert_eq!(got, want, "plain, {threads} threads, c = {c}");
            }
        }
    }

    #[test]
    fn glv_matches_arkworks() {
        let sizes: Vec<usize> = (0..=70).chain([127, 300, 1000, 3001]).collect();
        glv_suite::<ark_bn254::g1::Config>(&sizes, 128);
    }

    #[test]
    fn g2_glv_matches_arkworks() {
        let sizes: Vec<usize> = (0..=70).step_by(3).chain([1, 63, 64, 65, 70, 200, 2049, 5000]).collect();
        glv_suite::<ark_bn254::g2::Config>(&sizes, 256);
    }

    /// `k1 + lambda k2 = k (mod r)` with both halves below 2^128, for scalars below r and
    /// for any 256-bit integer; and `phi(P) = lambda P` on the group's subgroup.
    fn decomposition<P: Endo>(seed: u64) {
        let lambda = <P as GLVConfig>::LAMBDA;
        let mut rng = StdRng::seed_from_u64(seed);
        let mut ks: Vec<BigInt<4>> = (0..20_000).map(|_| Fr::rand(&mut rng).into_bigint()).collect();
        ks.extend((0..2_000).map(|_| BigInt::new([rng.gen(), rng.gen(), rng.gen(), rng.gen()])));
        ks.extend([0u64, 1, 2].map(BigInt::from));
        ks.extend([r_minus(1), r_minus(2), Fr::MODULUS, BigInt::new([u64::MAX; 4]), lambda.into_bigint()]);
        let signed = |neg: bool, k: BigInt<4>| {
            let x = Fr::from_bigint(k).expect("below r");
            if neg { -x } else { x }
        };
        for k in ks {
            let (n1, k1, n2, k2) = decompose(&k, &P::BASIS);
            assert!(k1.num_bits() <= 128 && k2.num_bits() <= 128, "{k}: {k1}, {k2}");
            assert_eq!(signed(n1, k1) + lambda * signed(n2, k2), Fr::from_le_bytes_mod_order(&k.to_bytes_le()), "{k}");
        }
        let g = Projective::<P>::rand(&mut rng).into_affine();
        assert_eq!(P::endomorphism_affine(&g), (g * lambda).into_affine());
    }

    /// G2's basis, derived from G1's, is the table it replaced (extended Euclid on G2's own
    /// lambda); the rounding constants of G1's own table by the same division.
    #[test]
    fn g2_basis_from_g1s() {
        let b = <ark_bn254::g2::Config as Endo>::BASIS;
        assert_eq!(b.a1, [0x89d3256894d213e3, 0, 0, 0]);
        assert_eq!(b.a2, [0x0be4e1541221250b, 0x6f4d8248eeb859fd, 0, 0]);
        assert_eq!(b.nb1, [0x8211bbeb7d4f1128, 0x6f4d8248eeb859fc, 0, 0]);
        assert_eq!(b.b2, [0x89d3256894d213e3, 0, 0, 0]);
        assert_eq!(b.g1, [0xd91d232ec7e0b3d7, 0x2, 0, 0]);
        assert_eq!(b.g2, [0x7a7bd9d4391eb18d, 0x4ccef014a773d2cf, 0x2, 0]);
        let g = <ark_bn254::g1::Config as Endo>::BASIS;
        assert_eq!(shifted_quotient(&g.b2), g.g1);
        assert_eq!(shifted_quotient(&g.nb1), g.g2);
    }

    #[test]
    fn glv_decomposition() {
        decomposition::<ark_bn254::g1::Config>(7);
        decomposition::<ark_bn254::g2::Config>(8);
    }

    /// Why G2's GLV needs points of G2: on a twist point outside it, `phi` is not `lambda`,
    /// and the split sum differs from the plain one, which `msm` (and `msm_affine`) keeps.
    #[test]
    fn g2_glv_needs_the_subgroup() {
        type P = ark_bn254::g2::Config;
        let mut rng = StdRng::seed_from_u64(9);
        let outside = loop {
            let x = <P as ark_ec::CurveConfig>::BaseField::rand(&mut rng);
            if let Some(p) = Affine::<P>::get_point_from_x_unchecked(x, false) {
                if !p.is_in_correct_subgroup_assuming_on_curve() {
                    break p;
                }
            }
        };
        let mut bases = rand_bases::<P>(&mut rng, 100);
        bases[37] = outside;
        let s: Vec<BigInt<4>> = (0..100).map(|_| Fr::rand(&mut rng).into_bigint()).collect();
        let want = Projective::<P>::msm_bigint(&bases, &s);
        assert_eq!(msm(&bases, &s), want);
        assert_eq!(<Projective<P> as AffineMsm>::msm_affine(&bases, &s), want);
        assert_ne!(msm_glv(&bases, &s), want);
        assert_ne!(P::endomorphism_affine(&outside), (outside * <P as GLVConfig>::LAMBDA).into_affine());
    }

    /// The batch inversion equals arkworks' on Fq and Fq2: random values, 1, -1, values with
    /// one zero part, and none for zero.
    #[test]
    fn batch_inverse_equals_arkworks() {
        use ark_bn254::{Fq, Fq2};
        let mut rng = StdRng::seed_from_u64(5);
        let mut fq: Vec<Fq> = (0..2000).map(|_| Fq::rand(&mut rng)).collect();
        fq.extend([Fq::ONE, -Fq::ONE, Fq::from(2u64), Fq::from(u64::MAX)]);
        for x in &fq {
            assert_eq!(x.batch_inverse(), x.inverse(), "{x}");
        }
        assert_eq!(Fq::ZERO.batch_inverse(), None);
        let mut fq2: Vec<Fq2> = (0..2000).map(|_| Fq2::rand(&mut rng)).collect();
        fq2.extend(fq.iter().take(50).flat_map(|&x| [Fq2::new(x, Fq::ZERO), Fq2::new(Fq::ZERO, x)]));
        for x in &fq2 {
            assert_eq!(x.batch_inverse(), x.inverse(), "{x}");
        }
        assert_eq!(Fq2::ZERO.batch_inverse(), None);
    }

    /// Parts summed as one MSM equal arkworks' MSM of each part, added: empty parts, parts
    /// below and above `SMALL`, special scalars, identity points, lengths cut to the shorter.
    #[test]
    fn glv_parts_match_arkworks() {
        type P = ark_bn254::g1::Config;
        let mut rng = StdRng::seed_from_u64(31);
        for sizes in [vec![0, 0], vec![10, 20], vec![0, 300], vec![300, 0], vec![40, 40], vec![1000, 3001], vec![5, 700, 0, 64]] {
            let data: Vec<(Vec<Affine<P>>, Vec<BigInt<4>>)> = sizes
                .iter()
                .map(|&n| {
                    let mut b = rand_bases::<P>(&mut rng, n);
                    for p in b.iter_mut().step_by(7) {
                        *p = Affine::<P>::identity();
                    }
                    (b, (0..n + 3).map(|_| special(&mut rng)).collect())
                })
                .collect();
            let parts: Vec<(&[Affine<P>], &[BigInt<4>])> = data.iter().map(|(b, s)| (&b[..], &s[..])).collect();
            let want: Projective<P> = data.iter().map(|(b, s)| Projective::<P>::msm_bigint(b, &s[..b.len()])).sum();
            assert_eq!(msm_glv_parts(&parts), want, "{sizes:?}");
            for c in [4, 10] {
                assert_eq!(msm_glv_parts_with(&parts, Some(c)), want, "{sizes:?}, c = {c}");
            }
        }
    }

    #[test]
    fn lengths_are_cut_to_the_shorter() {
        let mut rng = StdRng::seed_from_u64(3);
        let bases = rand_bases::<ark_bn254::g1::Config>(&mut rng, 100);
        let s: Vec<BigInt<4>> = (0..90).map(|_| Fr::rand(&mut rng).into_bigint()).collect();
        assert_eq!(msm(&bases, &s), G1Projective::msm_bigint(&bases[..90], &s));
        assert_eq!(msm_glv(&bases, &s), G1Projective::msm_bigint(&bases[..90], &s));
    }
}
