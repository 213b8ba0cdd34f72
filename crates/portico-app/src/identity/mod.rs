//! Accounts: creating users and signing in. Passwords are hashed in [`password`].

pub mod password;

pub use password::{
    MAX_PASSWORD_BYTES, MIN_PASSWORD_CHARS, check_password_policy, hash_password, verify_password,
};

use portico_core::{Email, FieldError, Locale, Role, ValidationErrors};
use portico_storage::users::{self, NewUser, User};

use crate::{App, AppError};

pub const MAX_NAME_CHARS: usize = 120;

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
    fn names_are_trimmed_and_bounded() {
        assert_eq!(check_name("name", "  Ada ").ok().as_deref(), Some("Ada"));
        assert!(check_name("name", "   ").is_err());
        assert!(check_name("name", &"x".repeat(200)).is_err());
        assert!(check_name("name", "a\u{7}b").is_err());
    }
}
