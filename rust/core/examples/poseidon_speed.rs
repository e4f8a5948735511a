//! Throughput of the Poseidon kernels, in CPU time of the measuring thread (wall time means
//! little on a shared machine): the one-at-a-time kernel (arkworks' `Fr`, sparse partial
//! rounds) and the 8-lane AVX-512 IFMA kernel, both through `hash_many_be` (32-byte words in
//! and out, as Python calls it) on one thread, interleaved in one sitting; then the default
//! kernel on the whole pool (wall). The constants are random (the cost does not depend on
//! their values); the widths are the vault's: t = 3 (a tree node) and t = 7 (a leaf).
//!
//!     cd rust/core && cargo run --release --example poseidon_speed
use ark_bn254::Fr;
use ark_ff::UniformRand;
use std::time::Instant;
use zkcollat_core::codec::frs_to_be;
use zkcollat_core::poseidon::PoseidonOpt;

fn cpu() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

fn make(t: usize, n_partial: usize) -> PoseidonOpt {
    let mut rng = ark_std::test_rng();
    let mut v = |n: usize| (0..n).map(|_| Fr::rand(&mut rng)).collect::<Vec<_>>();
    let (c, s, m, p) = (
        v(t * 8 + n_partial),
        v((2 * t - 1) * n_partial),
        v(t * t),
        v(t * t),
    );
    PoseidonOpt::new(t, 8, n_partial, c, s, m, p).expect("shapes")
}

fn main() {
    let mut rng = ark_std::test_rng();
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool");
    for (t, n_partial) in [(3usize, 57usize), (7, 63)] {
        let vector = make(t, n_partial);
        let scalar = make(t, n_partial).without_vector_kernel();
        println!(
            "t={t}: vector kernel available: {}",
            vector.has_vector_kernel()
        );
        let n = 1 << 13;
        let flat: Vec<Fr> = (0..n * (t - 1)).map(|_| Fr::rand(&mut rng)).collect();
        let buf = frs_to_be(&flat);
        let (mut best_s, mut best_v) = (f64::MAX, f64::MAX);
        for _ in 0..5 {
            let (a, b, sa, sb) = one_thread.install(|| {
                let s0 = cpu();
                let a = scalar.hash_many_be(&buf).expect("whole tuples");
                let s1 = cpu();
                let b = vector.hash_many_be(&buf).expect("whole tuples");
                let s2 = cpu();
                (a, b, (s1 - s0) / n as f64, (s2 - s1) / n as f64)
            });
            assert_eq!(a, b, "the kernels disagree");
            best_s = best_s.min(sa);
            best_v = best_v.min(sb);
            println!(
                "t={t}: CPU us/hash on 1 thread: scalar {:.2}, vector {:.2} (x{:.2})",
                sa * 1e6,
                sb * 1e6,
                sa / sb
            );
        }
        println!(
            "t={t}: best: scalar {:.2} us/hash = {:.0} hashes per CPU-second, vector {:.2} us/hash \
             = {:.0} hashes per CPU-second",
            best_s * 1e6,
            1.0 / best_s,
            best_v * 1e6,
            1.0 / best_v
        );
        let s = Instant::now();
        vector.hash_many_be(&buf).expect("whole tuples");
        let wall = s.elapsed().as_secs_f64();
        println!(
            "t={t}: default kernel on the pool: {:.0} hashes/s (wall)",
            n as f64 / wall
        );
    }
}
