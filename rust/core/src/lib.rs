//! BN254 kernels for zkcollat, on arkworks. No Python here: the PyO3 layer (`zkcollat-py`)
//! is thin glue over these functions.
//!
//! Byte conventions (shared with `zkcollat.curve.native`):
//! * field elements: 32-byte big-endian words; a value >= the modulus is an error, never reduced;
//! * G1: 64 bytes `x || y`; G2: 128 bytes `x.c0 || x.c1 || y.c0 || y.c1`;
//!   the point at infinity is all zeros (as the EVM precompiles encode it).

pub mod ceremony;
pub mod codec;
pub mod error;
pub mod fft;
pub mod groth16;
pub mod lem;
pub mod msm;
pub mod msm_affine;
pub mod pairing;
pub mod pairing_asm;
pub mod poseidon;
pub mod poseidon_ifma;
pub mod prover;
pub mod qap;
pub mod witness;
pub mod zkey;

pub use error::Error;
pub type Result<T> = std::result::Result<T, Error>;
