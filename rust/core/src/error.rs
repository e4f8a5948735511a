//! The one error type of the core; the PyO3 layer maps each kind to a Python exception.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// A value is not an element of the field (>= modulus) or has the wrong length.
    Field(String),
    /// A point is off its curve or outside the prime-order subgroup.
    Point(String),
    /// Bytes that do not decode (wrong length, not a multiple of the word size).
    Encoding(String),
    /// Two inputs that must have matching lengths do not, or a size is unsupported.
    Length(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Field(m) | Error::Point(m) | Error::Encoding(m) | Error::Length(m) => {
                f.write_str(m)
            }
        }
    }
}

impl std::error::Error for Error {}
