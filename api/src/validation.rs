//! Collecting field errors, so a client sees every mistake of a request in one 422.

use domain::{FieldError, Invalid};

use crate::error::ApiError;

#[derive(Debug, Default)]
pub struct FieldChecks {
    errors: Vec<FieldError>,
}

impl FieldChecks {
    /// The parsed value, or `None` with the error recorded against `field` (a JSON path).
    pub fn check<T>(&mut self, field: &str, parsed: Result<T, Invalid>) -> Option<T> {
        parsed.map_err(|err| self.errors.push(err.at(field))).ok()
    }

    /// 422 with every recorded error, if any.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self.errors))
        }
    }
}
