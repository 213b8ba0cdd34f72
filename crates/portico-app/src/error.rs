//! Use-case errors. Each variant maps to one HTTP status at the edge; `Internal` details are logged and
//! never shown.

use portico_core::ValidationErrors;
use portico_storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    /// Missing, or not visible to the caller (both look the same from outside).
    #[error("not found")]
    NotFound,
    /// The request clashes with existing data; `field` names the input that clashed.
    #[error("{message}")]
    Conflict { field: String, message: String },
    #[error("not signed in")]
    Unauthenticated,
    #[error("not allowed")]
    Forbidden,
    /// Too many attempts; retry after the given number of seconds.
    #[error("too many attempts")]
    RateLimited { retry_after_secs: u64 },
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<portico_core::FieldError> for AppError {
    fn from(e: portico_core::FieldError) -> Self {
        AppError::Invalid(e.into())
    }
}

impl From<StorageError> for AppError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::Conflict { constraint } => {
                let field = conflict_field(&constraint);
                AppError::Conflict {
                    message: format!("{field} is already in use"),
                    field,
                }
            }
            StorageError::Unavailable(m) => AppError::Unavailable(m),
            other => AppError::Internal(anyhow::Error::new(other)),
        }
    }
}

/// Turns a constraint name (`users.email_lower`, `idx-users-email_lower`, `users_email_lower_key`) into
/// the API field it protects.
fn conflict_field(constraint: &str) -> String {
    let c = constraint.rsplit('.').next().unwrap_or(constraint);
    let c = c.trim_end_matches("_key");
    let c = c
        .strip_prefix("users_")
        .or_else(|| c.strip_prefix("idx-users-"))
        .unwrap_or(c);
    match c {
        "email_lower" => "email".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn conflict_names_the_api_field() {
        assert_eq!(super::conflict_field("users.email_lower"), "email");
        assert_eq!(super::conflict_field("users_email_lower_key"), "email");
        assert_eq!(super::conflict_field("organizations.slug"), "slug");
    }
}
