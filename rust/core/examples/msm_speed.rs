//! The prover's five MSMs, arkworks' `msm_bigint` against the batch-affine MSM
//! (`zkcollat_core::msm_affine`), interleaved round by round, in the process's CPU time on a
//! one-thread and on a two-thread pool (wall time means little on a shared machine; arkworks
//! runs its MSM on a pool of its own, so the calling thread's CPU time would miss it). Inputs are a real key's queries and a witness, written by
//! `benchmarks/msm_inputs.py DEPTH DIR`:
//!
//!     python benchmarks/msm_inputs.py 20 /tmp/msm20
//!     cd rust/core && cargo run --release --example msm_speed -- /tmp/msm20 [ROUNDS] [C,C,..]
//!
//! `random:N` instead of the folder times N random points and scalars (G1 and G2).
//! With window widths given, the batch-affine MSM runs at each of them (single thread only),
//! to choose `msm_affine::window_bits`.
use ark_bn254::{Fr, G1Affine, G2Affine};
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::{AffineRepr, VariableBaseMSM};
use ark_ff::{BigInt, BigInteger, PrimeField};
use std::path::Path;
use std::time::Instant;
use zkcollat_core::codec::{g1s_from_bytes, g2s_from_bytes_with, scalars_from_be};
use zkcollat_core::msm_affine;

fn process_cpu() -> f64 {
    clock(libc::CLOCK_PROCESS_CPUTIME_ID)
}

fn clock(id: libc::clockid_t) -> f64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes the timespec it is given.
    unsafe { libc::clock_gettime(id, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// Non-identity points and the scalars of their wires, as `prover::Query::msm` gathers them.
fn gather<A: AffineRepr>(points: Vec<A>, w: &[BigInt<4>]) -> (Vec<A>, Vec<BigInt<4>>) {
    points.into_iter().zip(w).filter(|(p, _)| !p.is_zero()).map(|(p, s)| (p, *s)).unzip()
}

fn classes(s: &[BigInt<4>]) -> String {
    let one = BigInt::<4>::from(1u64);
    let mut m1 = Fr::MODULUS;
    m1.sub_with_borrow(&one);
    let zero = s.iter().filter(|x| x.is_zero()).count();
    let ones = s.iter().filter(|x| **x == one || **x == m1).count();
    let small = s.iter().filter(|x| x.num_bits() <= 64 && !x.is_zero() && **x != one).count();
    format!("{} terms: {zero} zero, {ones} +-1, {small} <= 64 bits, {} other", s.len(), s.len() - zero - ones - small)
}

struct Case<P: SWCurveConfig> {
    name: &'static str,
    bases: Vec<Affine<P>>,
    scalars: Vec<BigInt<4>>,
}

fn case<P: SWCurveConfig>(name: &'static str, (bases, scalars): (Vec<Affine<P>>, Vec<BigInt<4>>)) -> Case<P> {
    Case { name, bases, scalars }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    v[v.len() / 2]
}

fn run<P: msm_affine::MsmConfig>(cases: &[Case<P>], rounds: usize, widths: &[usize]) {
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
    let two = rayon::ThreadPoolBuilder::new().num_threads(2).build().expect("pool");
    for case in cases {
        let (b, s) = (&case.bases, &case.scalars);
        assert_eq!(msm_affine::msm(b, s), Projective::<P>::msm_bigint(b, s), "{}: results differ", case.name);
        println!("{:<3} {}", case.name, classes(s));
        let (mut ark1, mut aff1, mut ark2, mut aff2, mut ark2w, mut aff2w) =
            (vec![], vec![], vec![], vec![], vec![], vec![]);
        let mut by_c: Vec<Vec<f64>> = vec![vec![]; widths.len()];
        for _ in 0..rounds {
            one.install(|| {
                let t = process_cpu();
                let _ = std::hint::black_box(Projective::<P>::msm_bigint(b, s));
                ark1.push(process_cpu() - t);
                let t = process_cpu();
                let _ = std::hint::black_box(msm_affine::msm(b, s));
                aff1.push(process_cpu() - t);
                for (k, &c) in widths.iter().enumerate() {
                    let t = process_cpu();
                    let _ = std::hint::black_box(msm_affine::msm_with(b, s, c));
                    by_c[k].push(process_cpu() - t);
                }
            });
            two.install(|| {
                let (t, w) = (process_cpu(), Instant::now());
                let _ = std::hint::black_box(Projective::<P>::msm_bigint(b, s));
                ark2.push(process_cpu() - t);
                ark2w.push(w.elapsed().as_secs_f64());
                let (t, w) = (process_cpu(), Instant::now());
                let _ = std::hint::black_box(msm_affine::msm(b, s));
                aff2.push(process_cpu() - t);
                aff2w.push(w.elapsed().as_secs_f64());
            });
        }
        let ms = |v: &mut Vec<f64>| {
            let m = median(v);
            (v[0] * 1e3, m * 1e3)
        };
        let (a1, f1, a2, f2) = (ms(&mut ark1), ms(&mut aff1), ms(&mut ark2), ms(&mut aff2));
        let (a2w, f2w) = (ms(&mut ark2w), ms(&mut aff2w));
        println!(
            "    1 thread  cpu min/med: arkworks {:7.2}/{:7.2} ms  affine {:7.2}/{:7.2} ms  ratio {:.3}",
            a1.0, a1.1, f1.0, f1.1, f1.1 / a1.1
        );
        println!(
            "    2 threads cpu min/med: arkworks {:7.2}/{:7.2} ms  affine {:7.2}/{:7.2} ms  ratio {:.3}  (wall med {:.2} vs {:.2} ms)",
            a2.0, a2.1, f2.0, f2.1, f2.1 / a2.1, a2w.1, f2w.1
        );
        for (k, &c) in widths.iter().enumerate() {
            let m = ms(&mut by_c[k]);
            println!("    c = {c:2}: 1 thread cpu min/med {:7.2}/{:7.2} ms", m.0, m.1);
        }
    }
}

/// `N` G1 and G2 bases (2P, 3P, .. of a random P) with random scalars.
fn random_cases(n: usize, rounds: usize, widths: &[usize]) {
    use ark_ec::CurveGroup;
    use ark_ff::UniformRand;
    let mut rng = ark_std::test_rng();
    let s: Vec<BigInt<4>> = (0..n).map(|_| Fr::rand(&mut rng).into_bigint()).collect();
    let g1 = ark_bn254::G1Projective::rand(&mut rng);
    let g1s: Vec<_> = (0..n).scan(g1, |acc, _| { *acc += g1; Some(*acc) }).collect();
    let g2 = ark_bn254::G2Projective::rand(&mut rng);
    let g2s: Vec<_> = (0..n).scan(g2, |acc, _| { *acc += g2; Some(*acc) }).collect();
    let g1a = CurveGroup::normalize_batch(&g1s);
    let g2a = CurveGroup::normalize_batch(&g2s);
    if std::env::var_os("MSM_GLV_ONLY").is_none() {
        run(&[case("G1", (g1a.clone(), s.clone()))], rounds, widths);
        run(&[case("G2", (g2a.clone(), s.clone()))], rounds, widths);
    }
    glv_widths("G1", &g1a, &s, rounds, widths);
    if std::env::var_os("MSM_G1_ONLY").is_none() {
        glv_widths("G2", &g2a, &s, rounds, widths);
    }
}

/// The prover's MSM (`msm_glv`, scalars split in two halves) at its own window width and at
/// each width given, on a one-thread and a two-thread pool, wall time min/median, interleaved.
fn glv_widths<P: msm_affine::Endo>(name: &str, b: &[Affine<P>], s: &[BigInt<4>], rounds: usize, widths: &[usize]) {
    let pools = [1, 2].map(|t| rayon::ThreadPoolBuilder::new().num_threads(t).build().expect("pool"));
    let cs: Vec<Option<usize>> = std::iter::once(None).chain(widths.iter().map(|&c| Some(c))).collect();
    let want = msm_affine::msm_glv(b, s);
    for &c in &cs[1..] {
        assert_eq!(msm_affine::msm_glv_with(b, s, c), want, "{name}: c = {c:?} differs");
    }
    let mut times = vec![[vec![], vec![]]; cs.len()];
    for _ in 0..rounds {
        for (k, &c) in cs.iter().enumerate() {
            for (t, pool) in pools.iter().enumerate() {
                let w = Instant::now();
                let _ = pool.install(|| std::hint::black_box(msm_affine::msm_glv_with(b, s, c)));
                times[k][t].push(w.elapsed().as_secs_f64());
            }
        }
    }
    for (k, c) in cs.iter().enumerate() {
        let [one, two] = &mut times[k];
        let (m1, m2) = (median(one) * 1e3, median(two) * 1e3);
        let label = c.map_or("default".to_string(), |c| format!("c = {c:2}"));
        println!(
            "{name} glv {} points {label:>8}: wall min/med 1 thread {:8.2}/{:8.2} ms, 2 threads {:8.2}/{:8.2} ms",
            b.len(), one[0] * 1e3, m1, two[0] * 1e3, m2
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(n) = args.get(1).and_then(|a| a.strip_prefix("random:")) {
        let rounds: usize = args.get(2).map(|r| r.parse().expect("ROUNDS")).unwrap_or(5);
        let widths: Vec<usize> = args
            .get(3)
            .map(|w| w.split(',').map(|c| c.parse().expect("C,C,..")).collect())
            .unwrap_or_default();
        return random_cases(n.parse().expect("random:N"), rounds, &widths);
    }
    let dir = Path::new(args.get(1).map(String::as_str).unwrap_or("/tmp/msm20"));
    let rounds: usize = args.get(2).map(|r| r.parse().expect("ROUNDS")).unwrap_or(9);
    let widths: Vec<usize> = args
        .get(3)
        .map(|w| w.split(',').map(|c| c.parse().expect("C,C,..")).collect())
        .unwrap_or_default();
    let read = |name: &str| std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let meta = String::from_utf8(read("meta.txt")).expect("utf-8");
    let n_public: usize = meta.split_whitespace().next().expect("n_public").parse().expect("int");
    let w = scalars_from_be(&read("w.bin"), "witness").expect("witness");
    let hs = scalars_from_be(&read("hs.bin"), "h").expect("h scalars");
    let g1 = |name: &str| -> Vec<G1Affine> { g1s_from_bytes(&read(name), name).expect("G1") };
    let g2: Vec<G2Affine> = g2s_from_bytes_with(&read("b2.bin"), "b2", false).expect("G2");
    let g1_cases = vec![
        case("A", gather(g1("a.bin"), &w)),
        case("B1", gather(g1("b1.bin"), &w)),
        case("L", gather(g1("l.bin"), &w[n_public + 1..])),
        case("H", (g1("h.bin"), hs)),
    ];
    let g2_cases = vec![case("B2", gather(g2, &w))];
    run(&g1_cases, rounds, &widths);
    run(&g2_cases, rounds, &widths);
}
