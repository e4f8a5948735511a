//! Groth16 verification on the two pairing engines of `groth16::PreparedVk`, interleaved, in
//! CPU time of the process (wall time means little on a shared machine): one proof of a key
//! with 7 public inputs (CollateralLock's count), and a batch of 64. The key and proofs are
//! made from chosen discrete logs (the cost does not depend on how they were made).
//!
//!     cd rust/core && RAYON_NUM_THREADS=1 cargo run --release --example verify_engines
//!     cd rust/core && cargo run --release --example verify_engines -- 400   # samples
use ark_bn254::{Fr, G1Projective, G2Projective};
use ark_ec::{CurveGroup, PrimeGroup};
use ark_ff::UniformRand;
use std::hint::black_box;
use zkcollat_core::groth16::{Engine, PreparedVk, ProofPoints};

fn cpu_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

fn summary(name: &str, mut v: Vec<u64>, per: f64) -> f64 {
    v.sort_unstable();
    let (min, med) = (v[0] as f64 / per / 1e3, v[v.len() / 2] as f64 / per / 1e3);
    println!("  {name:<34} min {min:9.1} us   median {med:9.1} us");
    min
}

fn main() {
    let samples: usize = std::env::args().nth(1).map_or(300, |s| s.parse().expect("a count"));
    let mut rng = ark_std::test_rng();
    let (g1, g2) = (G1Projective::generator(), G2Projective::generator());
    let (al, be, ga, de) =
        (Fr::rand(&mut rng), Fr::rand(&mut rng), Fr::rand(&mut rng), Fr::rand(&mut rng));
    let ic_k: Vec<Fr> = (0..8).map(|_| Fr::rand(&mut rng)).collect();
    let ic: Vec<_> = ic_k.iter().map(|k| (g1 * k).into_affine()).collect();
    let vk = PreparedVk::new(
        (g1 * al).into_affine(),
        (g2 * be).into_affine(),
        (g2 * ga).into_affine(),
        (g2 * de).into_affine(),
        &ic,
    )
    .expect("key");
    let items: Vec<(Vec<Fr>, ProofPoints)> = (0..64)
        .map(|_| {
            let xs: Vec<Fr> = (0..7).map(|_| Fr::rand(&mut rng)).collect();
            let vx = ic_k[0] + xs.iter().zip(&ic_k[1..]).map(|(x, k)| *x * k).sum::<Fr>();
            let (a, b) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
            let c = (a * b - al * be - vx * ga) / de;
            let p = ProofPoints {
                a: (g1 * a).into_affine(),
                b: (g2 * b).into_affine(),
                c: (g1 * c).into_affine(),
            };
            (xs, p)
        })
        .collect();
    let coeffs: Vec<Fr> = items.iter().map(|_| Fr::from(u128::rand(&mut rng) | 1)).collect();
    println!(
        "verify engines ({} threads; default engine here: {:?}), {samples} samples each",
        rayon::current_num_threads(),
        vk.engine()
    );
    if vk.engine() != Engine::Asm {
        println!("  the asm engine is unavailable on this CPU: both rows run arkworks");
    }
    let (xs, proof) = &items[0];
    for e in [Engine::Arkworks, Engine::Asm] {
        assert!(vk.verify_with(e, xs, proof).expect("verify"));
        assert!(vk.verify_batch_with(e, &items, &coeffs).expect("batch").is_empty());
    }
    let (mut ark, mut asm) = (Vec::new(), Vec::new());
    for _ in 0..samples {
        for (e, out) in [(Engine::Arkworks, &mut ark), (Engine::Asm, &mut asm)] {
            let t = cpu_ns();
            black_box(vk.verify_with(e, black_box(xs), black_box(proof)).expect("verify"));
            out.push(cpu_ns() - t);
        }
    }
    let a = summary("verify, arkworks", ark, 1.0);
    let b = summary("verify, asm", asm, 1.0);
    println!("  asm / arkworks (min)               {:.3}", b / a);
    let (mut ark, mut asm) = (Vec::new(), Vec::new());
    for _ in 0..(samples / 10).max(5) {
        for (e, out) in [(Engine::Arkworks, &mut ark), (Engine::Asm, &mut asm)] {
            let t = cpu_ns();
            black_box(vk.verify_batch_with(e, black_box(&items), &coeffs).expect("batch"));
            out.push(cpu_ns() - t);
        }
    }
    let a = summary("verify_batch of 64, per proof, ark", ark, 64.0);
    let b = summary("verify_batch of 64, per proof, asm", asm, 64.0);
    println!("  asm / arkworks (min)               {:.3}", b / a);
}
