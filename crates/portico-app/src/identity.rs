//! Accounts: creating users with a hashed password and checking credentials. Argon2id runs on the
//! blocking pool so a burst of sign-ins never stalls other requests.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use portico_core::{Email, FieldError, Locale, Role, ValidationErrors};
use portico_storage::users::{self, NewUser, User};

use crate::{App, AppError};

pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_BYTES: usize = 1024;
pub const MAX_NAME_CHARS: usize = 120;

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

/// Validates a display name.
pub fn check_name(field: &str, name: &str) -> Result<String, FieldError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(FieldError::new(field, "required", "enter a name"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(FieldError::new(
            field,
            "too_long",
            format!("a name has at most {MAX_NAME_CHARS} characters"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            "invalid_format",
            "a name cannot contain control characters",
        ));
    }
    Ok(name.to_string())
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

/// Input for [`add_user`], as typed by a person or sent by a script.
#[derive(Debug, Clone)]
pub struct AddUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub locale: Locale,
    pub password: &'a str,
}

/// Creates a user. Every invalid field is reported at once; a taken e-mail is a conflict on `email`.
pub async fn add_user(app: &App, input: AddUser<'_>) -> Result<User, AppError> {
    let mut errors = Vec::new();
    let email = Email::parse("email", input.email)
        .map_err(|e| errors.push(e))
        .ok();
    let name = check_name("name", input.name)
        .map_err(|e| errors.push(e))
        .ok();
    if let Err(e) = check_password_policy("password", input.password) {
        errors.push(e);
    }
    let (Some(email), Some(name), true) = (email, name, errors.is_empty()) else {
        return Err(ValidationErrors(errors).into());
    };
    let hash = hash_password(input.password).await?;
    let user = users::insert_user(
        app.db().conn(),
        &NewUser {
            email: &email,
            name: &name,
            locale: input.locale,
            role: input.role,
            password_hash: Some(&hash),
        },
        app.now(),
    )
    .await?;
    tracing::info!(user_id = user.id, role = %user.role, "user created");
    Ok(user)
}

/// Checks e-mail and password. Unknown e-mail and wrong password give the same answer in similar time.
pub async fn authenticate(app: &App, email: &str, password: &str) -> Result<User, AppError> {
    let Ok(email) = Email::parse("email", email) else {
        // Still spend the hashing time, so malformed and unknown addresses are indistinguishable.
        verify_password(password, None).await?;
        return Err(AppError::Unauthenticated);
    };
    let user = users::find_user_by_email(app.db().conn(), &email).await?;
    let ok = verify_password(
        password,
        user.as_ref().and_then(|u| u.password_hash.as_deref()),
    )
    .await?;
    match user {
        Some(u) if ok && u.status == "active" => Ok(u),
        _ => Err(AppError::Unauthenticated),
    }
}

/// The user with this id if the account is active (a session of a removed account is worthless).
pub async fn find_active_user(app: &App, id: i64) -> Result<Option<User>, AppError> {
    Ok(users::find_user_by_id(app.db().conn(), id)
        .await?
        .filter(|u| u.status == "active"))
}

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
