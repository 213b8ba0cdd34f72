//! Password policy and Argon2id hashing (m=19 MiB, t=2, p=1). Hashing runs off the async runtime, a
//! bounded number at a time, so a burst of sign-ins queues instead of stalling requests or memory.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use portico_core::FieldError;

use crate::AppError;

pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_BYTES: usize = 1024;

fn argon2() -> Result<Argon2<'static>, AppError> {
    let params = Params::new(19_456, 2, 1, None)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("argon2 params: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Checks a new password against the policy: long enough, not absurdly long, not only whitespace.
pub fn check_password_policy(field: &str, password: &str) -> Result<(), FieldError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(FieldError::new(
            field,
            "too_short",
            format!("a password needs at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(FieldError::new(
            field,
            "too_long",
            format!("a password has at most {MAX_PASSWORD_BYTES} bytes"),
        ));
    }
    if password.trim().is_empty() {
        return Err(FieldError::new(
            field,
            "invalid_format",
            "a password cannot be only spaces",
        ));
    }
    Ok(())
}

/// At most this many Argon2 computations run at once (one per core): each takes 19 MiB and a core
/// for tens of milliseconds, so a flood of sign-ins queues here instead of exhausting memory.
fn hashing_permits() -> &'static tokio::sync::Semaphore {
    static PERMITS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    PERMITS.get_or_init(|| {
        tokio::sync::Semaphore::new(
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
        )
    })
}

async fn hashing_slot() -> Result<tokio::sync::SemaphorePermit<'static>, AppError> {
    hashing_permits()
        .acquire()
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("hashing permits closed: {e}")))
}

/// Hashes a password with Argon2id (m=19 MiB, t=2, p=1) on the blocking pool.
pub async fn hash_password(password: &str) -> Result<String, AppError> {
    let pw = password.to_owned();
    let _slot = hashing_slot().await?;
    tokio::task::spawn_blocking(move || {
        let hash: PasswordHash = argon2()?
            .hash_password(pw.as_bytes())
            .map_err(|e| AppError::Internal(anyhow::anyhow!("hashing failed: {e}")))?;
        Ok(hash.to_string())
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("hashing task failed: {e}")))?
}

/// Verifies a password against a stored hash on the blocking pool. A missing hash is checked against a
/// dummy so an unknown account takes as long as a wrong password.
pub async fn verify_password(password: &str, stored: Option<&str>) -> Result<bool, AppError> {
    let pw = password.to_owned();
    let stored = stored.map(str::to_owned);
    let _slot = hashing_slot().await?;
    tokio::task::spawn_blocking(move || {
        let a = argon2()?;
        let target = stored.unwrap_or_else(|| DUMMY_HASH.to_string());
        let parsed = PasswordHash::new(&target)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("stored hash: {e}")))?;
        Ok(a.verify_password(pw.as_bytes(), &parsed).is_ok() && target != DUMMY_HASH)
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("verify task failed: {e}")))?
}

/// An Argon2id hash of a random string nobody knows, with the production parameters.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$WlsoJ2xCYtQpKQDiuLjLCk5Ve9rLQtNdO4CFiYpj6Xw";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_policy_names_the_field() {
        assert_eq!(
            check_password_policy("password", "short")
                .err()
                .map(|e| e.code),
            Some("too_short")
        );
        assert_eq!(
            check_password_policy("pw", &"x".repeat(2000))
                .err()
                .map(|e| e.field),
            Some("pw".into())
        );
        assert!(check_password_policy("password", "          ").is_err());
        assert!(check_password_policy("password", "correct horse battery").is_ok());
    }

    #[tokio::test]
    async fn hashes_verify_and_dummy_never_matches() -> Result<(), AppError> {
        let h = hash_password("correct horse battery").await?;
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password("correct horse battery", Some(&h)).await?);
        assert!(!verify_password("wrong horse battery", Some(&h)).await?);
        assert!(!verify_password("anything", None).await?);
        Ok(())
    }
}
