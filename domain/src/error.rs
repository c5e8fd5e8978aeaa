use std::fmt;

/// Why a value was refused, without saying which field it came from: the caller knows the
/// field and turns this into a [`FieldError`] with [`Invalid::at`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// A stable, machine-readable reason such as `invalid`, `too_short` or `too_common`.
    pub code: &'static str,
    /// A sentence for people.
    pub message: String,
}

impl Invalid {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// Names the field (a JSON path such as `admin.email`) the refused value came from.
    pub fn at(self, field: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            code: self.code,
            message: self.message,
        }
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Invalid {}

/// One refused field of a request, as reported in a 422 problem's `errors[]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}
