//! Where a proof's time goes: each phase of `ProvingKey::prove_rows` (scalar conversion, the
//! quotient's FFTs, the MSMs: A, B1, B2, and L with H as one, "msm L+H", as the prover runs them;
//! "msm L" and "msm H" alone for comparison with earlier figures) and the whole call, in process CPU time and wall time, on a
//! one-thread and on a two-thread pool, interleaved round by round. Inputs from
//! `benchmarks/msm_inputs.py DEPTH DIR` (a key's queries, a witness and its rows):
//!
//!     python benchmarks/msm_inputs.py 20 /tmp/msm20
//!     cd rust && cargo build --release -p zkcollat-core --example prove_phases && \
//!       ./target/release/examples/prove_phases /tmp/msm20 [ROUNDS]
use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, PrimeField};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;
use zkcollat_core::codec::{frs_from_be, g1s_from_bytes, g2s_from_bytes_with};
use zkcollat_core::msm_affine::{msm_glv_parts, AffineMsm};
use zkcollat_core::prover::{ProvingKey, Query};
use zkcollat_core::qap::quotient_coeffs;

fn process_cpu() -> f64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

#[derive(Default)]
struct Times(BTreeMap<String, (Vec<f64>, Vec<f64>)>);

impl Times {
    fn time<T>(&mut self, name: &str, f: impl FnOnce() -> T) -> T {
        let (c, w) = (process_cpu(), Instant::now());
        let out = std::hint::black_box(f());
        let e = self.0.entry(name.to_string()).or_default();
        e.0.push(process_cpu() - c);
        e.1.push(w.elapsed().as_secs_f64());
        out
    }

    fn print(&mut self, title: &str) {
        println!("{title}: process CPU min/med, wall min/med (ms)");
        for (name, (cpu, wall)) in self.0.iter_mut() {
            for v in [&mut *cpu, &mut *wall] {
                v.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
            }
            let m = |v: &[f64]| (v[0] * 1e3, v[v.len() / 2] * 1e3);
            let (c, w) = (m(cpu), m(wall));
            println!("  {name:<14} cpu {:8.2} {:8.2}   wall {:8.2} {:8.2}", c.0, c.1, w.0, w.1);
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = Path::new(args.get(1).map(String::as_str).unwrap_or("/tmp/msm20"));
    let rounds: usize = args.get(2).map(|r| r.parse().expect("ROUNDS")).unwrap_or(9);
    let read = |name: &str| std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let meta = String::from_utf8(read("meta.txt")).expect("utf-8");
    let nums: Vec<usize> = meta.split_whitespace().map(|x| x.parse().expect("int")).collect();
    let (n_public, n_wires, domain_size) = (nums[0], nums[1], nums[2]);
    let g1 = |name: &str| -> Vec<G1Affine> { g1s_from_bytes(&read(name), name).expect("G1") };
    // The key's G2 points checked in the subgroup, so that B2 is split as a setup's key is.
    let g2: Vec<G2Affine> = g2s_from_bytes_with(&read("b2.bin"), "b2", true).expect("G2");
    let fr = |name: &str| frs_from_be(&read(name), name).expect("scalars");
    let (w, ra, rb, rc) = (fr("w.bin"), fr("ra.bin"), fr("rb.bin"), fr("rc.bin"));
    let pk = ProvingKey {
        alpha_g1: g1("a.bin")[1],
        beta_g1: g1("b1.bin")[1],
        delta_g1: g1("a.bin")[2],
        beta_g2: g2[1],
        delta_g2: g2[2],
        a: Query::new(g1("a.bin")).expect("a"),
        b_g1: Query::new(g1("b1.bin")).expect("b1"),
        b_g2: Query::new(g2.clone()).expect("b2").in_subgroup(true),
        h: g1("h.bin"),
        l: Query::new(g1("l.bin")).expect("l"),
        n_public,
        n_wires,
        domain_size,
    };
    pk.check().expect("key");
    println!(
        "{n_wires} wires, domain {domain_size}; terms A {} B {} L {} H {}",
        pk.a.len(),
        pk.b_g1.len(),
        pk.l.len(),
        pk.h.len()
    );
    // B2 as for a key whose G2 points are not known to be in the subgroup (no split).
    let b2_plain = Query::<ark_bn254::G2Projective>::new(g2.clone()).expect("b2");
    // L's points and scalars without the identity points (as `Query` keeps them), for L+H.
    let (lp, ls): (Vec<G1Affine>, Vec<BigInt<4>>) = g1("l.bin")
        .into_iter()
        .zip(&w[n_public + 1..])
        .filter(|(p, _)| !p.is_zero())
        .map(|(p, s)| (p, s.into_bigint()))
        .unzip();
    let (r, s) = (Fr::from(12345u64), Fr::from(678u64));
    let mut by: Vec<Times> = vec![Times::default(), Times::default()];
    let pools: Vec<rayon::ThreadPool> = [1, 2]
        .iter()
        .map(|&t| rayon::ThreadPoolBuilder::new().num_threads(t).build().expect("pool"))
        .collect();
    for _ in 0..rounds {
        for (t, pool) in by.iter_mut().zip(&pools) {
            pool.install(|| {
                let _ = t.time("prove_rows", || {
                    pk.prove_rows(&w, ra.clone(), rb.clone(), rc.clone(), r, s).expect("proof")
                });
                let wb: Vec<BigInt<4>> = t.time("to_bigint w", || w.par_iter().map(|x| x.into_bigint()).collect());
                let h = t.time("quotient", || quotient_coeffs(ra.clone(), rb.clone(), rc.clone()).expect("h"));
                let hb: Vec<BigInt<4>> =
                    h[..pk.h.len()].par_iter().map(|x| x.into_bigint()).collect();
                let _ = t.time("msm H", || G1Projective::msm_affine(&pk.h, &hb));
                let _ = t.time("msm A", || pk.a.msm(&wb));
                let _ = t.time("msm B1", || pk.b_g1.msm(&wb));
                let _ = t.time("msm B2", || pk.b_g2.msm(&wb));
                let _ = t.time("msm B2 plain", || b2_plain.msm(&wb));
                let _ = t.time("msm L", || pk.l.msm(&wb[n_public + 1..]));
                let _ = t.time("msm L+H", || msm_glv_parts(&[(&lp, &ls), (&pk.h, &hb)]));
            });
        }
    }
    by[0].print("1 thread");
    by[1].print("2 threads");
}
