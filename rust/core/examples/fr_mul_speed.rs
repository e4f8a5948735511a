//! Fr multiplication, arkworks (asm) vs halo2curves (asm), in thread CPU time: a dependent
//! chain (latency, as in Poseidon's partial rounds) and 4 independent chains (throughput).
//!
//!     cd rust/core && cargo run --release --example fr_mul_speed
use ark_bn254::Fr;
use ark_ff::{Field, UniformRand, Zero};
use ff::Field as _;
use halo2curves::bn256 as h;

fn cpu() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

fn main() {
    let mut rng = ark_std::test_rng();
    let (a, b) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
    let ha = h::Fr::from_raw([1, 2, 3, 4]);
    let hb = h::Fr::from_raw([5, 6, 7, 8]);
    let n = 4_000_000;
    for _ in 0..3 {
        let s = cpu();
        let mut x = a;
        for _ in 0..n {
            x *= b;
        }
        let ark_lat = (cpu() - s) / n as f64;
        let s = cpu();
        let mut y = ha;
        for _ in 0..n {
            y *= hb;
        }
        let h2_lat = (cpu() - s) / n as f64;
        let s = cpu();
        let mut xs = [a, b, a + b, a.square()];
        for _ in 0..n / 4 {
            for v in xs.iter_mut() {
                *v *= b;
            }
        }
        let ark_tp = (cpu() - s) / n as f64;
        let s = cpu();
        let mut ys = [ha, hb, ha + hb, ha * ha];
        for _ in 0..n / 4 {
            for v in ys.iter_mut() {
                *v *= hb;
            }
        }
        let h2_tp = (cpu() - s) / n as f64;
        let s = cpu();
        let mut z = a;
        for _ in 0..n {
            z.square_in_place();
        }
        let ark_sq = (cpu() - s) / n as f64;
        let s = cpu();
        let mut w = ha;
        for _ in 0..n {
            w = w.square();
        }
        let h2_sq = (cpu() - s) / n as f64;
        println!(
            "ns per op: mul chain ark {:.1} h2c {:.1}; 4 chains ark {:.1} h2c {:.1}; square chain ark {:.1} h2c {:.1}  ({:?} {:?} {:?} {:?} {:?} {:?})",
            ark_lat * 1e9, h2_lat * 1e9, ark_tp * 1e9, h2_tp * 1e9, ark_sq * 1e9, h2_sq * 1e9,
            x.is_zero(), y == hb, xs[0].is_zero(), ys[0] == ha, z.is_zero(), w == ha
        );
    }
}
