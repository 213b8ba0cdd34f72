//! Validation errors that name the offending field, so every edge (HTML form, JSON API, CLI) can say
//! exactly what is wrong with the input.

use serde::Serialize;

/// One invalid input field and a human-readable reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The input's name as the caller sent it (`email`, `fields.amount`, ...).
    pub field: String,
    /// What is wrong, in plain English (edges may translate by `code`).
    pub message: String,
    /// A stable machine code (`required`, `too_long`, `invalid_format`, ...).
    pub code: &'static str,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
            code,
        }
    }
}

/// A non-empty list of field errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid input: {}", .0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "))]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    pub fn single(
        field: impl Into<String>,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self(vec![FieldError::new(field, code, message)])
    }
}

impl From<FieldError> for ValidationErrors {
    fn from(e: FieldError) -> Self {
        Self(vec![e])
    }
}
