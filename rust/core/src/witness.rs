//! The witness solver of a compiled circuit, natively: an interpreter of the solver program
//! that `zkcollat.r1cs.ConstraintSystem` runs in Python (products, checks, named hints).
//!
//! The program comes as flat arrays (built once per circuit by `zkcollat.r1cs.native`):
//! * linear combinations: `lc_ptr` (n_lc + 1 offsets) into parallel `term_wire` / `term_coeff`
//!   (an index into the table `coeffs` of canonical values);
//! * steps, `STEP_WORDS` = 5 u32 each, `[op, x, y, z, u]` (unused words 0):
//!   - `MUL`:   `w[x] = <lc y, w> * <lc z, w>` (`z == NONE`: the square of lc y);
//!   - `CHECK`: constraint number x: `<lc y, w> * <lc z, w> == <lc u, w>`, or `0 == <lc u, w>`
//!     when `y == NONE` (a linear constraint); the first failure stops the solver and names x;
//!   - `BITS`:  `w[outs[y + i]] = bit i of <lc x, w>` for `i < z` (1 <= z <= 254);
//!   - `INV`:   `w[y] = <lc x, w>^-1`, or 0 when it is 0.
//! A step writes only internal wires (after the constant and the inputs).
//!
//! Every index is checked against its bound when the program is built, so solving indexes
//! without further checks.

use ark_bn254::Fr;
use ark_ff::{BigInteger, Field, One, PrimeField, Zero};

use crate::codec::fr_from_be;
use crate::{Error, Result};

pub const STEP_WORDS: usize = 5;
pub const NONE: u32 = u32::MAX;
pub const OP_MUL: u32 = 0;
pub const OP_CHECK: u32 = 1;
pub const OP_BITS: u32 = 2;
pub const OP_INV: u32 = 3;

#[derive(Clone, Copy, Debug)]
enum Step {
    /// `w[out] = a * b` (`b` None: `a * a`).
    Mul { out: u32, a: u32, b: Option<u32> },
    /// Constraint `row`: `a * b == c`, or `0 == c` when `a` is None (a linear constraint).
    Check { row: u32, a: Option<u32>, b: u32, c: u32 },
    /// `w[outs[first + i]] = bit i of arg`, `i < n`.
    Bits { arg: u32, first: u32, n: u32 },
    /// `w[out] = arg^-1`, or 0 when `arg` is 0.
    Inv { arg: u32, out: u32 },
}

/// A circuit's solver program, checked.
pub struct Program {
    n_wires: usize,
    n_inputs: usize,
    lc_ptr: Vec<u32>,
    term_wire: Vec<u32>,
    term_coeff: Vec<u32>,
    coeffs: Vec<Fr>,
    /// `coeff_one[i]`: `coeffs[i] == 1` (an addition, no multiplication).
    coeff_one: Vec<bool>,
    outs: Vec<u32>,
    steps: Vec<Step>,
}

/// The result of [`Program::solve`].
pub enum Solved {
    Witness(Vec<Fr>),
    /// The first constraint (its row number) the solver found unsatisfied.
    Unsatisfied(u32),
}

fn bad(msg: String) -> Error {
    Error::Encoding(format!("witness program: {msg}"))
}

impl Program {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        n_wires: usize,
        n_inputs: usize,
        lc_ptr: Vec<u32>,
        term_wire: Vec<u32>,
        term_coeff: Vec<u32>,
        coeffs: &[u8],
        steps: &[u32],
        outs: Vec<u32>,
    ) -> Result<Self> {
        if n_wires == 0 || n_inputs >= n_wires || n_wires > u32::MAX as usize {
            return Err(bad(format!("{n_inputs} inputs and {n_wires} wires")));
        }
        if coeffs.len() % 32 != 0 {
            return Err(bad(format!("coefficients are {} bytes, not 32-byte words", coeffs.len())));
        }
        let coeffs = coeffs
            .chunks(32)
            .enumerate()
            .map(|(i, w)| {
                fr_from_be(w, "coefficient")
                    .map_err(|_| bad(format!("coefficient {i} is not below r")))
            })
            .collect::<Result<Vec<Fr>>>()?;
        let coeff_one = coeffs.iter().map(|c| c.is_one()).collect();
        if lc_ptr.is_empty() || lc_ptr[0] != 0 {
            return Err(bad("the linear combinations' offsets must start at 0".into()));
        }
        if lc_ptr.windows(2).any(|p| p[0] > p[1])
            || *lc_ptr.last().expect("non-empty") as usize != term_wire.len()
            || term_wire.len() != term_coeff.len()
        {
            return Err(bad(format!(
                "offsets do not cover the {} terms ({} coefficients) in order",
                term_wire.len(),
                term_coeff.len()
            )));
        }
        if let Some(i) = term_wire.iter().position(|&w| w as usize >= n_wires) {
            return Err(bad(format!("term {i} names wire {} of {n_wires}", term_wire[i])));
        }
        if let Some(i) = term_coeff.iter().position(|&c| c as usize >= coeffs.len()) {
            return Err(bad(format!("term {i} names coefficient {} of {}", term_coeff[i],
                                   coeffs.len())));
        }
        if let Some(i) = outs.iter().position(|&w| w as usize >= n_wires || (w as usize) <= n_inputs)
        {
            return Err(bad(format!("hint output {i} is wire {}: not an internal wire", outs[i])));
        }
        if steps.len() % STEP_WORDS != 0 {
            return Err(bad(format!("{} step words are not whole steps", steps.len())));
        }
        let n_lc = (lc_ptr.len() - 1) as u32;
        let lc = |x: u32, k: usize| -> Result<u32> {
            if x < n_lc {
                Ok(x)
            } else {
                Err(bad(format!("step {k} names linear combination {x} of {n_lc}")))
            }
        };
        let opt_lc = |x: u32, k: usize| -> Result<Option<u32>> {
            if x == NONE { Ok(None) } else { lc(x, k).map(Some) }
        };
        let wire_out = |x: u32, k: usize| -> Result<u32> {
            if (x as usize) < n_wires && (x as usize) > n_inputs {
                Ok(x)
            } else {
                Err(bad(format!("step {k} writes wire {x}: not an internal wire")))
            }
        };
        let mut parsed = Vec::with_capacity(steps.len() / STEP_WORDS);
        for (k, s) in steps.chunks(STEP_WORDS).enumerate() {
            parsed.push(match s[0] {
                OP_MUL => Step::Mul { out: wire_out(s[1], k)?, a: lc(s[2], k)?, b: opt_lc(s[3], k)? },
                OP_CHECK => {
                    Step::Check { row: s[1], a: opt_lc(s[2], k)?, b: lc(s[3], k)?, c: lc(s[4], k)? }
                }
                OP_BITS => {
                    let (first, n) = (s[2] as usize, s[3] as usize);
                    if !(1..=254).contains(&n) || first + n > outs.len() {
                        return Err(bad(format!(
                            "step {k}: {n} bits from output {first} of {}",
                            outs.len()
                        )));
                    }
                    Step::Bits { arg: lc(s[1], k)?, first: s[2], n: s[3] }
                }
                OP_INV => Step::Inv { arg: lc(s[1], k)?, out: wire_out(s[2], k)? },
                op => return Err(bad(format!("step {k} has the unknown kind {op}"))),
            });
        }
        Ok(Self { n_wires, n_inputs, lc_ptr, term_wire, term_coeff, coeffs, coeff_one, outs,
                  steps: parsed })
    }

    pub fn n_wires(&self) -> usize {
        self.n_wires
    }

    #[inline]
    fn eval(&self, lc: u32, w: &[Fr]) -> Fr {
        let (lo, hi) = (self.lc_ptr[lc as usize] as usize, self.lc_ptr[lc as usize + 1] as usize);
        let mut acc = Fr::zero();
        for (&wire, &ci) in self.term_wire[lo..hi].iter().zip(&self.term_coeff[lo..hi]) {
            let v = w[wire as usize];
            if self.coeff_one[ci as usize] {
                acc += v;
            } else {
                acc += v * self.coeffs[ci as usize];
            }
        }
        acc
    }

    /// The witness for the input wires' values (public then private, each < r), with every
    /// check step checked: the first failing one is returned as [`Solved::Unsatisfied`].
    pub fn solve(&self, inputs: &[Fr]) -> Result<Solved> {
        if inputs.len() != self.n_inputs {
            return Err(Error::Length(format!(
                "expected {} input values, got {}",
                self.n_inputs,
                inputs.len()
            )));
        }
        let mut w = vec![Fr::zero(); self.n_wires];
        w[0] = Fr::one();
        w[1..=self.n_inputs].copy_from_slice(inputs);
        for st in &self.steps {
            match *st {
                Step::Mul { out, a, b } => {
                    let x = self.eval(a, &w);
                    w[out as usize] = match b {
                        None => x.square(),
                        Some(b) => x * self.eval(b, &w),
                    };
                }
                Step::Check { row, a, b, c } => {
                    let rhs = self.eval(c, &w);
                    let lhs = match a {
                        None => Fr::zero(),
                        Some(a) => self.eval(a, &w) * self.eval(b, &w),
                    };
                    if lhs != rhs {
                        return Ok(Solved::Unsatisfied(row));
                    }
                }
                Step::Bits { arg, first, n } => {
                    let v = self.eval(arg, &w).into_bigint();
                    let outs = &self.outs[first as usize..(first + n) as usize];
                    for (i, &o) in outs.iter().enumerate() {
                        w[o as usize] = Fr::from(v.get_bit(i) as u64);
                    }
                }
                Step::Inv { arg, out } => {
                    w[out as usize] = self.eval(arg, &w).inverse().unwrap_or_else(Fr::zero);
                }
            }
        }
        Ok(Solved::Witness(w))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_word() -> Vec<u8> {
        let mut v = vec![0u8; 32];
        v[31] = 1;
        v
    }

    /// x * x = y (wire 3), bits of y (2 bits into wires 4, 5), inverse of x into wire 6,
    /// check x * inv = 1.
    fn program() -> Program {
        // lcs: 0 = x (wire 2), 1 = bits lc y (wire 3), 2 = wire 6, 3 = the constant 1
        let lc_ptr = vec![0, 1, 2, 3, 4];
        let term_wire = vec![2, 3, 6, 0];
        let term_coeff = vec![0, 0, 0, 0];
        let steps = [
            OP_MUL, 3, 0, NONE, 0, //
            OP_BITS, 1, 0, 2, 0, //
            OP_INV, 0, 6, 0, 0, //
            OP_CHECK, 7, 0, 2, 3,
        ];
        Program::new(7, 2, lc_ptr, term_wire, term_coeff, &one_word(), &steps, vec![4, 5])
            .unwrap()
    }

    #[test]
    fn solves_and_checks() {
        let p = program();
        let Solved::Witness(w) = p.solve(&[Fr::from(9u64), Fr::from(3u64)]).unwrap() else {
            panic!("unsatisfied")
        };
        assert_eq!(w[3], Fr::from(9u64));
        assert_eq!((w[4], w[5]), (Fr::from(1u64), Fr::from(0u64))); // 9 = 0b1001
        assert_eq!(w[6] * Fr::from(3u64), Fr::one());
        // x = 0: the inverse is 0 and the check x * inv = 1 fails, naming row 7
        assert!(matches!(p.solve(&[Fr::from(9u64), Fr::zero()]).unwrap(), Solved::Unsatisfied(7)));
        assert!(p.solve(&[Fr::one()]).is_err());
    }

    #[test]
    fn refuses_out_of_range_indices() {
        let ok = |lc_ptr: Vec<u32>, tw: Vec<u32>, tc: Vec<u32>, steps: &[u32], outs: Vec<u32>| {
            Program::new(7, 2, lc_ptr, tw, tc, &one_word(), steps, outs)
        };
        assert!(ok(vec![0, 1], vec![7], vec![0], &[], vec![]).is_err()); // wire 7 of 7
        assert!(ok(vec![0, 1], vec![1], vec![1], &[], vec![]).is_err()); // coefficient 1 of 1
        assert!(ok(vec![0, 2], vec![1], vec![0], &[], vec![]).is_err()); // offsets past terms
        assert!(ok(vec![0, 1], vec![1], vec![0], &[OP_MUL, 3, 1, NONE, 0], vec![]).is_err());
        assert!(ok(vec![0, 1], vec![1], vec![0], &[OP_MUL, 2, 0, NONE, 0], vec![]).is_err());
        assert!(ok(vec![0, 1], vec![1], vec![0], &[OP_BITS, 0, 0, 2, 0], vec![4]).is_err());
        assert!(ok(vec![0, 1], vec![1], vec![0], &[9, 0, 0, 0, 0], vec![]).is_err());
        assert!(ok(vec![0, 1], vec![1], vec![0], &[], vec![1]).is_err()); // output an input
        assert!(ok(vec![0, 1], vec![1], vec![0], &[OP_MUL, 3, 0, NONE, 0], vec![]).is_ok());
    }
}
