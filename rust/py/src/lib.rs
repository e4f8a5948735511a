//! `zkcollat._native`: a thin PyO3 layer over `zkcollat-core`. One file per area; errors
//! become `zkcollat.errors` exceptions in `errors.rs`, and nowhere else.

use pyo3::prelude::*;

mod ceremony;
mod curve;
mod errors;
mod groth16;
mod hash;
mod lem;
mod poly;
mod witness;

/// One malloc arena for the process (glibc), unless `MALLOC_ARENA_MAX` says otherwise. The
/// prover's work runs on rayon's threads while Python allocates on its own: each thread would
/// keep an arena of its own, and the buffers one phase frees there cannot serve the next
/// phase's allocations made on another thread. A fresh process proving a 2^16-constraint
/// circuit peaked at 199 MB with an arena per thread, 172 MB with one
/// (`benchmarks/bench_memory.py`); the prover allocates a few large buffers per phase, not
/// per operation, so the one arena's lock is not contended.
fn one_malloc_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only sets an allocator parameter; it takes the arena's lock itself.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 1);
        }
    }
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    one_malloc_arena();
    curve::register(m)?;
    poly::register(m)?;
    hash::register(m)?;
    lem::register(m)?;
    groth16::register(m)?;
    witness::register(m)?;
    ceremony::register(m)?;
    Ok(())
}
