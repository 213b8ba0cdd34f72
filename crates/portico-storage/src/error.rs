//! Storage errors. Constraint violations are told apart from other failures so edges can answer 409/422
//! naming the field instead of 500.

use sea_orm::{DbErr, RuntimeErr};

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// A unique constraint refused the write; `constraint` is the index or column that clashed.
    #[error("a record with the same {constraint} already exists")]
    Conflict { constraint: String },
    /// The database URL or option is wrong; the message names the setting.
    #[error("{0}")]
    Config(String),
    /// The database could not be reached or opened.
    #[error("{0}")]
    Unavailable(String),
    /// Stored data could not be decoded into the expected type.
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Db(DbErr),
}

impl From<DbErr> for StorageError {
    fn from(e: DbErr) -> Self {
        if let Some(constraint) = unique_violation(&e) {
            return StorageError::Conflict { constraint };
        }
        StorageError::Db(e)
    }
}

/// Recognises a unique-constraint violation from either engine and names the clashing column(s).
fn unique_violation(e: &DbErr) -> Option<String> {
    let rt = match e {
        DbErr::Exec(rt) | DbErr::Query(rt) => rt,
        _ => return None,
    };
    let RuntimeErr::SqlxError(sqlx_err) = rt else {
        return None;
    };
    let db_err = sqlx_err.as_database_error()?;
    if !db_err.is_unique_violation() {
        return None;
    }
    // PostgreSQL names the constraint; SQLite says "UNIQUE constraint failed: users.email_lower".
    if let Some(c) = db_err.constraint() {
        return Some(c.to_string());
    }
    let msg = db_err.message();
    Some(
        msg.rsplit(':')
            .next()
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|| msg.to_string()),
    )
}

pub type Result<T, E = StorageError> = std::result::Result<T, E>;
