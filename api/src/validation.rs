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

    /// A PATCH value that may clear its field: `Some(None)` for `null` or blank text, the
    /// parsed value, or `None` (field absent, or refused and recorded).
    pub fn clearable<T>(
        &mut self,
        field: &str,
        raw: Option<Option<String>>,
        parse: impl Fn(&str) -> Result<T, Invalid>,
    ) -> Option<Option<T>> {
        match raw? {
            None => Some(None),
            Some(text) if text.trim().is_empty() => Some(None),
            Some(text) => self.check(field, parse(&text)).map(Some),
        }
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
