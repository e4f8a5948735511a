//! The one place where core errors become Python exceptions (classes of `zkcollat.errors`).

use pyo3::prelude::*;
use zkcollat_core::Error;

pub fn to_py(py: Python<'_>, err: Error) -> PyErr {
    let class = match &err {
        Error::Field(_) => "FieldError",
        Error::Point(_) => "PointError",
        Error::Encoding(_) => "EncodingError",
        Error::Length(_) => "LengthMismatch",
    };
    let msg = err.to_string();
    match py.import("zkcollat.errors").and_then(|m| m.getattr(class)) {
        Ok(cls) => PyErr::from_type(cls.cast_into().expect("an exception class"), msg),
        Err(e) => e,
    }
}

/// Run `f` without the GIL and convert its error.
pub fn detached<T: Send, F>(py: Python<'_>, f: F) -> PyResult<T>
where
    F: FnOnce() -> zkcollat_core::Result<T> + Send + pyo3::marker::Ungil,
{
    py.detach(f).map_err(|e| to_py(py, e))
}
