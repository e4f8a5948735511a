//! Eight Poseidon hashes at once on AVX-512 IFMA (x86-64 only, chosen at run time).
//!
//! Each 512-bit register holds one 52-bit limb of the same state element of 8 hashes, so a
//! field element of 8 lanes is 5 registers (260 bits) and `vpmadd52{lo,hi}uq` multiply-add 8
//! limb pairs per instruction. Elements are in Montgomery form with `R = 2^260` (not arkworks'
//! `2^256`: the constants are converted once, in [`Kernel::new`]; inputs and outputs cross as
//! canonical integers).
//!
//! Reduction is lazy:
//! - a product is reduced once (Montgomery, word by word in radix 2^52) with no final
//!   subtraction: for inputs below `4r` the result is below `2r` (`T/R + r` with
//!   `T < 16 r^2` and `r / R < 2^-6`);
//! - a sum of products (an MDS row, the sparse partial-round row) accumulates all its
//!   unreduced products and is reduced once: with at most 17 terms below `3r * r` the
//!   accumulator stays far below 2^64 per limb and the result below `2r`;
//! - additions are not reduced unless they would grow without bound (the partial rounds'
//!   `state[k] += x0 * s`, brought back below `2r` by one conditional subtraction).
//!
//! The permutation is the same as `PoseidonOpt::hash_t`'s (circomlib's optimised form); the
//! tests compare the two on every width, on random and edge inputs.

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

use ark_bn254::Fr;
use ark_ff::{BigInt, Field, PrimeField};

/// Hashes per vector.
pub const LANES: usize = 8;

const MASK: u64 = (1 << 52) - 1;

/// A 256-bit little-endian integer as five 52-bit limbs.
const fn to52(x: [u64; 4]) -> [u64; 5] {
    [
        x[0] & MASK,
        ((x[0] >> 52) | (x[1] << 12)) & MASK,
        ((x[1] >> 40) | (x[2] << 24)) & MASK,
        ((x[2] >> 28) | (x[3] << 36)) & MASK,
        x[3] >> 16,
    ]
}

/// Five normalised 52-bit limbs (value below 2^256) as four 64-bit limbs.
const fn to64(x: [u64; 5]) -> [u64; 4] {
    [
        x[0] | (x[1] << 52),
        (x[1] >> 12) | (x[2] << 40),
        (x[2] >> 24) | (x[3] << 28),
        (x[3] >> 36) | (x[4] << 16),
    ]
}

const R64: [u64; 4] = Fr::MODULUS.0;
const R52: [u64; 5] = to52(R64);
const TWO_R52: [u64; 5] = to52([
    R64[0] << 1,
    (R64[1] << 1) | (R64[0] >> 63),
    (R64[2] << 1) | (R64[1] >> 63),
    (R64[3] << 1) | (R64[2] >> 63),
]);

/// `-r^-1 mod 2^52`.
const PINV: u64 = {
    let r0 = R64[0];
    let mut inv: u64 = 1;
    let mut i = 0;
    while i < 6 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(r0.wrapping_mul(inv)));
        i += 1;
    }
    inv.wrapping_neg() & MASK
};

/// True iff this CPU has AVX-512F and AVX-512 IFMA (checked once).
pub fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        static OK: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *OK.get_or_init(|| {
            std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512ifma")
        })
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// `x * 2^260 mod r` as 52-bit limbs (a constant in this kernel's Montgomery form).
fn mont52(x: &Fr, two_260: &Fr) -> [u64; 5] {
    to52((*x * two_260).into_bigint().0)
}

/// The constants of one width, in this kernel's form.
pub struct Kernel {
    t: usize,
    n_full: usize,
    n_partial: usize,
    c: Vec<[u64; 5]>,
    s: Vec<[u64; 5]>,
    m_t: Vec<[u64; 5]>,
    p_t: Vec<[u64; 5]>,
    /// `2^520 mod r`: Montgomery-multiplying a canonical input by it gives its form.
    r2: [u64; 5],
}

impl Kernel {
    /// From `PoseidonOpt`'s constants (matrices already transposed). `None` when the CPU
    /// lacks the instructions.
    pub fn new(
        t: usize,
        n_full: usize,
        n_partial: usize,
        c: &[Fr],
        s: &[Fr],
        m_t: &[Fr],
        p_t: &[Fr],
    ) -> Option<Self> {
        if !available() || !(2..=17).contains(&t) {
            return None;
        }
        let two_260 = Fr::from(2u64).pow([260u64]);
        let conv = |v: &[Fr]| v.iter().map(|x| mont52(x, &two_260)).collect::<Vec<_>>();
        Some(Self {
            t,
            n_full,
            n_partial,
            c: conv(c),
            s: conv(s),
            m_t: conv(m_t),
            p_t: conv(p_t),
            r2: to52((two_260 * two_260).into_bigint().0),
        })
    }

    pub fn width(&self) -> usize {
        self.t
    }

    /// Hash `n <= 8` tuples: `inputs[j * (t - 1) + i]` is input `i` of hash `j`, each a
    /// canonical integer (< r, checked by the caller) as four little-endian 64-bit limbs;
    /// `out[j]` gets hash `j`, canonical.
    pub fn hash8(&self, inputs: &[[u64; 4]], out: &mut [[u64; 4]]) {
        let k = self.t - 1;
        assert!(inputs.len() % k == 0 && inputs.len() / k == out.len() && out.len() <= LANES);
        assert!(available());
        macro_rules! by_width {
            ($($t:literal)*) => {
                match self.t {
                    // SAFETY: `available()` checked the CPU features the kernel is built for.
                    $($t => unsafe { imp::hash8::<$t>(self, inputs, out) },)*
                    _ => unreachable!("width checked in new()"),
                }
            };
        }
        by_width!(2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17)
    }
}

/// The final reduction of a kernel output below `2^256`: at most one subtraction of r.
fn canonical(x: [u64; 4]) -> [u64; 4] {
    let b = BigInt(x);
    if b >= Fr::MODULUS {
        let mut y = b;
        let mut borrow = 0u64;
        for i in 0..4 {
            let (d1, b1) = y.0[i].overflowing_sub(R64[i]);
            let (d2, b2) = d1.overflowing_sub(borrow);
            y.0[i] = d2;
            borrow = (b1 | b2) as u64;
        }
        y.0
    } else {
        x
    }
}

#[cfg(target_arch = "x86_64")]
mod imp {
    use super::*;

    type V = __m512i;
    /// One field element of 8 lanes: limb i of lane l is lane l of `self[i]`.
    type F = [V; 5];

    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    fn splat(x: u64) -> V {
        _mm512_set1_epi64(x as i64)
    }

    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    fn zero10() -> [V; 10] {
        [_mm512_setzero_si512(); 10]
    }

    /// `t += a * b`, unreduced (lo and hi halves of every limb product).
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    fn acc(t: &mut [V; 10], a: &F, b: &F) {
        for i in 0..5 {
            for j in 0..5 {
                t[i + j] = _mm512_madd52lo_epu64(t[i + j], a[i], b[j]);
                t[i + j + 1] = _mm512_madd52hi_epu64(t[i + j + 1], a[i], b[j]);
            }
        }
    }

    /// `t += a * c` for a constant `c` (the same in every lane).
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    fn acc_c(t: &mut [V; 10], a: &F, c: &[u64; 5]) {
        for j in 0..5 {
            let cj = splat(c[j]);
            for i in 0..5 {
                t[i + j] = _mm512_madd52lo_epu64(t[i + j], a[i], cj);
                t[i + j + 1] = _mm512_madd52hi_epu64(t[i + j + 1], a[i], cj);
            }
        }
    }

    /// Montgomery reduction of an accumulator: `t / 2^260 mod r`, normalised limbs, below
    /// `t / 2^260 + r`.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    fn redc(mut t: [V; 10]) -> F {
        let zero = _mm512_setzero_si512();
        let pinv = splat(PINV);
        let p: [V; 5] = [
            splat(R52[0]),
            splat(R52[1]),
            splat(R52[2]),
            splat(R52[3]),
            splat(R52[4]),
        ];
        for i in 0..5 {
            let m = _mm512_madd52lo_epu64(zero, t[i], pinv);
            for j in 0..5 {
                t[i + j] = _mm512_madd52lo_epu64(t[i + j], m, p[j]);
                t[i + j + 1] = _mm512_madd52hi_epu64(t[i + j + 1], m, p[j]);
            }
            // the low 52 bits of t[i] are now zero: carry the rest up
            t[i + 1] = _mm512_add_epi64(t[i + 1], _mm512_srli_epi64::<52>(t[i]));
        }
        normalise([t[5], t[6], t[7], t[8], t[9]])
    }

    /// Carry every limb's bits above 52 into the next one.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    fn normalise(mut x: F) -> F {
        let mask = splat(MASK);
        for i in 0..4 {
            x[i + 1] = _mm512_add_epi64(x[i + 1], _mm512_srli_epi64::<52>(x[i]));
            x[i] = _mm512_and_si512(x[i], mask);
        }
        x
    }

    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    fn mul(a: &F, b: &F) -> F {
        let mut t = zero10();
        acc(&mut t, a, b);
        redc(t)
    }

    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    fn mul_c(a: &F, c: &[u64; 5]) -> F {
        let mut t = zero10();
        acc_c(&mut t, a, c);
        redc(t)
    }

    /// `a + c` (normalised, not reduced).
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    fn add_c(a: &F, c: &[u64; 5]) -> F {
        normalise([
            _mm512_add_epi64(a[0], splat(c[0])),
            _mm512_add_epi64(a[1], splat(c[1])),
            _mm512_add_epi64(a[2], splat(c[2])),
            _mm512_add_epi64(a[3], splat(c[3])),
            _mm512_add_epi64(a[4], splat(c[4])),
        ])
    }

    /// `a + b` for `a, b < 2r`, brought back below `2r` (one conditional subtraction).
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    fn add_reduce(a: &F, b: &F) -> F {
        let mask = splat(MASK);
        let mut s = [_mm512_setzero_si512(); 5];
        let mut d = [_mm512_setzero_si512(); 5];
        for i in 0..5 {
            s[i] = _mm512_add_epi64(a[i], b[i]);
            d[i] = _mm512_sub_epi64(s[i], splat(TWO_R52[i]));
        }
        let s = normalise(s);
        // signed carries: d's top limb is negative iff a + b < 2r
        for i in 0..4 {
            d[i + 1] = _mm512_add_epi64(d[i + 1], _mm512_srai_epi64::<52>(d[i]));
            d[i] = _mm512_and_si512(d[i], mask);
        }
        let neg = _mm512_cmplt_epi64_mask(d[4], _mm512_setzero_si512());
        let mut out = s;
        for i in 0..5 {
            out[i] = _mm512_mask_blend_epi64(neg, d[i], s[i]);
        }
        out
    }

    /// `x^5`.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    fn sbox(x: &F) -> F {
        let x2 = mul(x, x);
        let x4 = mul(&x2, &x2);
        mul(&x4, x)
    }

    /// `state <- mat_t * state` (row i of `mat_t` gives output i), one reduction per row.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    fn mix<const T: usize>(mat_t: &[[u64; 5]], state: &mut [F; T]) {
        let mut next = *state;
        for (i, out) in next.iter_mut().enumerate() {
            let mut t = zero10();
            for j in 0..T {
                acc_c(&mut t, &state[j], &mat_t[i * T + j]);
            }
            *out = redc(t);
        }
        *state = next;
    }

    /// Canonical 64-bit limbs of up to 8 lanes -> one vector element (lanes past `n` zero).
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    fn load(words: impl Iterator<Item = [u64; 4]>) -> F {
        let mut limbs = [[0u64; LANES]; 5];
        for (l, w) in words.enumerate() {
            let x = to52(w);
            for i in 0..5 {
                limbs[i][l] = x[i];
            }
        }
        let mut x = [_mm512_setzero_si512(); 5];
        for i in 0..5 {
            // SAFETY: `limbs[i]` is 8 u64s = 64 bytes, read unaligned.
            x[i] = unsafe { _mm512_loadu_si512(limbs[i].as_ptr().cast()) };
        }
        x
    }

    /// # Safety
    /// The CPU must have AVX-512F and AVX-512 IFMA.
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(super) unsafe fn hash8<const T: usize>(
        kn: &Kernel,
        inputs: &[[u64; 4]],
        out: &mut [[u64; 4]],
    ) {
        let n = out.len();
        let half = kn.n_full / 2;
        let (c, mt, pt) = (&kn.c, &kn.m_t, &kn.p_t);
        // state[0] = 0; state[1..] = the inputs in Montgomery form; then + c
        let mut state = [[_mm512_setzero_si512(); 5]; T];
        for i in 1..T {
            let x = load((0..n).map(|j| inputs[j * (T - 1) + i - 1]));
            state[i] = mul_c(&x, &kn.r2);
        }
        for i in 0..T {
            state[i] = add_c(&state[i], &c[i]);
        }
        for r in 0..half - 1 {
            for i in 0..T {
                state[i] = add_c(&sbox(&state[i]), &c[(r + 1) * T + i]);
            }
            mix::<T>(mt, &mut state);
        }
        for i in 0..T {
            state[i] = add_c(&sbox(&state[i]), &c[half * T + i]);
        }
        mix::<T>(pt, &mut state);
        let base = (half + 1) * T;
        for r in 0..kn.n_partial {
            state[0] = add_c(&sbox(&state[0]), &c[base + r]);
            let s = &kn.s[(2 * T - 1) * r..(2 * T - 1) * (r + 1)];
            let mut t = zero10();
            for j in 0..T {
                acc_c(&mut t, &state[j], &s[j]);
            }
            let x0 = state[0];
            for k in 1..T {
                state[k] = add_reduce(&state[k], &mul_c(&x0, &s[T + k - 1]));
            }
            state[0] = redc(t);
        }
        let base = base + kn.n_partial;
        for r in 0..half - 1 {
            for i in 0..T {
                state[i] = add_c(&sbox(&state[i]), &c[base + r * T + i]);
            }
            mix::<T>(mt, &mut state);
        }
        for s in state.iter_mut() {
            *s = sbox(s);
        }
        let mut t = zero10();
        for j in 0..T {
            acc_c(&mut t, &state[j], &mt[j]);
        }
        // out of Montgomery form: multiply by the plain integer 1
        let y = mul_c(&redc(t), &[1, 0, 0, 0, 0]);
        let mut limbs = [[0u64; LANES]; 5];
        for i in 0..5 {
            // SAFETY: 64 bytes written into an 8-u64 array.
            unsafe { _mm512_storeu_si512(limbs[i].as_mut_ptr().cast(), y[i]) };
        }
        for (l, o) in out.iter_mut().enumerate() {
            *o = canonical(to64([
                limbs[0][l],
                limbs[1][l],
                limbs[2][l],
                limbs[3][l],
                limbs[4][l],
            ]));
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
mod imp {
    use super::*;
    pub(super) unsafe fn hash8<const T: usize>(_: &Kernel, _: &[[u64; 4]], _: &mut [[u64; 4]]) {
        unreachable!("available() is false off x86-64")
    }
}
