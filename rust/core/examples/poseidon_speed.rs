//! Throughput of the Poseidon kernel, in CPU time of the measuring thread (wall time means
//! little on a shared machine): one hash at a time, and `hash_many` on one thread and on the
//! whole pool. The constants are random (the cost does not depend on their values); the
//! widths are the vault's: t = 3 (a tree node) and t = 7 (a leaf).
//!
//!     cd rust/core && cargo run --release --example poseidon_speed
use ark_bn254::Fr;
use ark_ff::UniformRand;
use std::time::Instant;
use zkcollat_core::poseidon::PoseidonOpt;

fn cpu() -> f64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

fn make(t: usize, n_partial: usize) -> PoseidonOpt {
    let mut rng = ark_std::test_rng();
    let mut v = |n: usize| (0..n).map(|_| Fr::rand(&mut rng)).collect::<Vec<_>>();
    let (c, s, m, p) = (v(t * 8 + n_partial), v((2 * t - 1) * n_partial), v(t * t), v(t * t));
    PoseidonOpt::new(t, 8, n_partial, c, s, m, p).expect("shapes")
}

fn main() {
    let mut rng = ark_std::test_rng();
    let one_thread = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
    for (t, n_partial) in [(3usize, 57usize), (7, 63)] {
        let h = make(t, n_partial);
        let n = 1 << 13;
        let flat: Vec<Fr> = (0..n * (t - 1)).map(|_| Fr::rand(&mut rng)).collect();
        for _ in 0..3 {
            let s = cpu();
            let single: Vec<Fr> = flat.chunks(t - 1).map(|c| h.hash(c)).collect();
            let one = (cpu() - s) / n as f64;
            let (many, batch) = one_thread.install(|| {
                let s = cpu();
                let out = h.hash_many(&flat).expect("whole tuples");
                (out, (cpu() - s) / n as f64)
            });
            assert_eq!(single, many);
            let s = Instant::now();
            h.hash_many(&flat).expect("whole tuples");
            let wall = s.elapsed().as_secs_f64();
            println!(
                "t={t}: CPU {:.2} us/hash one at a time, {:.2} us/hash hash_many on 1 thread; \
                 hash_many on the pool {:.0} hashes/s (wall)",
                one * 1e6,
                batch * 1e6,
                n as f64 / wall
            );
        }
    }
}
