//! Accounts: creating users and signing in. Passwords are hashed in [`password`].

pub mod account;
pub mod admin;
pub(crate) mod links;
pub mod mails;
pub mod password;
pub mod tokens;
pub mod user_agent;

pub use password::{
    MAX_PASSWORD_BYTES, MIN_PASSWORD_CHARS, check_password_policy, check_password_strength,
    hash_password, verify_password,
};

use portico_core::{Email, FieldError, Locale, Permission, Role, UserStatus, ValidationErrors};
use portico_storage::sign_in_throttle;
use portico_storage::users::{self, NewUser};

use crate::audit::{self, Subject};
pub use crate::viewer::{Account, Actor, Credential, Viewer};
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
pub async fn add_user(app: &App, input: AddUser<'_>) -> Result<Account, AppError> {
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
            // Made by an operator, who vouches for the address.
            email_verified: true,
        },
        app.now(),
    )
    .await?;
    tracing::info!(user_id = user.id, role = %user.role, "user created");
    Ok(user.into())
}

/// What a sign-in attempt came to. Both edges (page and API) answer from this one decision, so they
/// cannot drift; the second-factor step is added here, in one place.
#[derive(Debug)]
pub enum SignIn {
    /// Credentials are right and nothing more is needed: start a session (or issue a token).
    SignedIn(Account),
    /// Credentials are right, but the account needs a second factor by one of these methods before it
    /// is signed in.
    NeedsSecondFactor {
        account_id: i64,
        methods: Vec<SecondFactor>,
    },
    /// Too many recent attempts: try again after this many seconds.
    Throttled { retry_after_secs: u64 },
    /// Wrong e-mail or password, or an account that cannot sign in: the same answer for each, so
    /// nobody learns which addresses exist.
    Refused,
}

/// A second sign-in factor an account can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondFactor {
    Totp,
    Passkey,
    EmailCode,
}

impl SecondFactor {
    /// The name used in the API (`"methods": ["totp", ...]`).
    pub fn as_str(self) -> &'static str {
        match self {
            SecondFactor::Totp => "totp",
            SecondFactor::Passkey => "passkey",
            SecondFactor::EmailCode => "email_code",
        }
    }
}

/// How repeated failed sign-ins for one e-mail address are slowed down: from `delay_after` consecutive
/// failures on, each attempt must wait 1 s, 2 s, 4 s … after the last failure; at `lock_after` the
/// address is locked for `lock_secs`. Counted in the database, so it holds across nodes, and per address
/// typed — whether or not an account has it — so it reveals nothing about which addresses exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInPolicy {
    pub delay_after: u32,
    pub lock_after: u32,
    pub lock_secs: u64,
}

impl Default for SignInPolicy {
    fn default() -> Self {
        Self {
            delay_after: 5,
            lock_after: 10,
            lock_secs: 15 * 60,
        }
    }
}

/// The throttle key of what was typed in the e-mail field: the address lower-cased (malformed input
/// too, cut to the column's 320 characters).
pub(crate) fn throttle_key(email: &str) -> String {
    email.trim().to_lowercase().chars().take(320).collect()
}

/// Seconds until `until`, rounded up (at least 1).
fn secs_until(now: portico_core::Timestamp, until: portico_core::Timestamp) -> u64 {
    u64::try_from((until.millis() - now.millis() + 999) / 1000)
        .unwrap_or(1)
        .max(1)
}

/// When the next attempt may be made, if the address is being held back.
fn held_until(
    policy: &SignInPolicy,
    t: &portico_storage::sign_in_throttle::Throttle,
) -> Option<portico_core::Timestamp> {
    if let Some(until) = t.locked_until {
        return Some(until);
    }
    let failures = u32::try_from(t.failures).unwrap_or(0);
    (policy.delay_after > 0 && failures >= policy.delay_after).then(|| {
        let step = (failures - policy.delay_after).min(10);
        t.last_failed_at.plus_millis(1000_i64 << step)
    })
}

/// Decides a sign-in with e-mail and password. Empty fields are invalid input (422 naming each field);
/// an unknown e-mail, a wrong password and a deactivated account are all [`SignIn::Refused`], in
/// about the same time (the password is always hashed).
pub async fn sign_in(
    app: &App,
    email: &str,
    password: &str,
    origin: &crate::audit::Origin,
) -> Result<SignIn, AppError> {
    let mut missing = Vec::new();
    if email.trim().is_empty() {
        missing.push(FieldError::new(
            "email",
            "required",
            "enter your e-mail address",
        ));
    }
    if password.is_empty() {
        missing.push(FieldError::new(
            "password",
            "required",
            "enter your password",
        ));
    }
    if !missing.is_empty() {
        return Err(ValidationErrors(missing).into());
    }
    let conn = app.db().conn();
    let policy = app.settings().sign_in;
    let key = throttle_key(email);
    let now = app.now();
    let throttle = sign_in_throttle::find_throttle(conn, &key).await?;
    if let Some(until) = throttle
        .as_ref()
        .and_then(|t| held_until(&policy, t))
        .filter(|until| *until > now)
    {
        return Ok(SignIn::Throttled {
            retry_after_secs: secs_until(now, until),
        });
    }
    let (user, ok) = match Email::parse("email", email) {
        Ok(email) => {
            let user = users::find_user_by_email(conn, &email).await?;
            let ok = verify_password(
                password,
                user.as_ref().and_then(|u| u.password_hash.as_deref()),
            )
            .await?;
            (user, ok)
        }
        Err(_) => {
            // Still spend the hashing time, so malformed and unknown addresses are indistinguishable.
            verify_password(password, None).await?;
            (None, false)
        }
    };
    let subject = user.as_ref().map_or(Subject::None, |u| Subject::User(u.id));
    match user.filter(|u| ok && u.status == UserStatus::Active) {
        Some(u) => {
            if throttle.is_some() {
                sign_in_throttle::clear(conn, &key).await?;
            }
            audit::record(
                conn,
                now,
                origin,
                Some(u.id),
                "auth.signed_in",
                subject,
                serde_json::json!({}),
            )
            .await?;
            Ok(SignIn::SignedIn(u.into()))
        }
        None => {
            let t = sign_in_throttle::record_failure(conn, &key, now).await?;
            let typed: String = email.trim().chars().take(254).collect();
            audit::record(
                conn,
                now,
                origin,
                None,
                "auth.sign_in_failed",
                subject,
                serde_json::json!({ "email": typed }),
            )
            .await?;
            if policy.lock_after > 0 && u32::try_from(t.failures).unwrap_or(0) >= policy.lock_after
            {
                lock_out(app, &key, subject, origin).await?;
            }
            Ok(SignIn::Refused)
        }
    }
}

/// Locks an address after too many failures; the account behind it (if any) is told by mail, with the
/// way to lift the lock at once (a password reset).
async fn lock_out(
    app: &App,
    key: &str,
    subject: Subject,
    origin: &crate::audit::Origin,
) -> Result<(), AppError> {
    let policy = app.settings().sign_in;
    let mut tx = app.begin().await?;
    let now = tx.now();
    let until = now.plus_secs(i64::try_from(policy.lock_secs).unwrap_or(i64::MAX / 2000));
    sign_in_throttle::lock(tx.conn(), key, until).await?;
    audit::record(
        tx.conn(),
        now,
        origin,
        None,
        "auth.locked",
        subject,
        serde_json::json!({ "minutes": policy.lock_secs.div_ceil(60) }),
    )
    .await?;
    if let Subject::User(id) = subject
        && let Some(user) = users::find_user_by_id(tx.conn(), id).await?
    {
        let minutes = policy.lock_secs.div_ceil(60).to_string();
        account::send(
            app,
            &mut tx,
            mails::AccountMail::Locked,
            (&user.email, &user.name, user.locale),
            Some("/password/forgot"),
            &[("minutes", &minutes)],
        )
        .await?;
    }
    tx.commit().await?;
    tracing::warn!(
        locked_secs = policy.lock_secs,
        "sign-in locked for an address after repeated failures"
    );
    Ok(())
}

/// The viewer behind a browser session that names `user_id`: anonymous when the account is gone or
/// deactivated (its sessions stop working at once).
pub async fn viewer_for_session(app: &App, user_id: i64) -> Result<Viewer, AppError> {
    let Some(user) = users::find_user_by_id(app.db().conn(), user_id).await? else {
        return Ok(Viewer::anonymous());
    };
    if user.status != UserStatus::Active {
        return Ok(Viewer::anonymous());
    }
    let memberships =
        portico_storage::organizations::list_memberships_of_user(app.db().conn(), user.id).await?;
    Ok(Viewer::signed_in(Actor {
        account: user.into(),
        memberships,
        credential: Credential::Session,
    }))
}

/// The viewer behind `Authorization: Bearer <secret>`. An unknown, expired or malformed token, or one
/// whose account is deactivated, is 401: a caller who sent a token wants to be someone, and silently
/// treating them as anonymous would hide the mistake.
pub async fn viewer_for_token(app: &App, secret: &str) -> Result<Viewer, AppError> {
    if !tokens::looks_like_token(secret) {
        return Err(AppError::Unauthenticated);
    }
    let now = app.now();
    let conn = app.db().conn();
    let Some(token) =
        portico_storage::api_tokens::find_live_token_by_hash(conn, &tokens::digest(secret), now)
            .await?
    else {
        return Err(AppError::Unauthenticated);
    };
    let user = users::find_user_by_id(conn, token.user_id)
        .await?
        .filter(|u| u.status == UserStatus::Active)
        .ok_or(AppError::Unauthenticated)?;
    if token
        .last_used_at
        .is_none_or(|t| now.millis() - t.millis() > tokens::LAST_USED_GRANULARITY_MS)
    {
        portico_storage::api_tokens::update_token_last_used(conn, token.id, now).await?;
    }
    let memberships =
        portico_storage::organizations::list_memberships_of_user(conn, user.id).await?;
    Ok(Viewer::signed_in(Actor {
        account: user.into(),
        memberships,
        credential: Credential::Token {
            id: token.id,
            scopes: token.scopes,
        },
    }))
}

/// A user's public profile: the user themself, or someone who works the queue (agents see the people
/// whose requests they handle); anyone else is told it does not exist.
pub async fn find_account(app: &App, viewer: &Viewer, id: i64) -> Result<Account, AppError> {
    viewer.require_own_or(id, Permission::WorkQueue)?;
    users::find_user_by_id(app.db().conn(), id)
        .await?
        .map(Account::from)
        .ok_or(AppError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_hold_back_longer_and_then_lock() {
        use portico_core::Timestamp;
        use portico_storage::sign_in_throttle::Throttle;
        let policy = SignInPolicy::default();
        let at = Timestamp(1_000_000);
        let t = |failures, locked_until| Throttle {
            failures,
            last_failed_at: at,
            locked_until,
        };
        assert_eq!(held_until(&policy, &t(4, None)), None);
        assert_eq!(held_until(&policy, &t(5, None)), Some(at.plus_millis(1000)));
        assert_eq!(held_until(&policy, &t(6, None)), Some(at.plus_millis(2000)));
        assert_eq!(
            held_until(&policy, &t(9, None)),
            Some(at.plus_millis(16_000))
        );
        let lock = Timestamp(9_000_000);
        assert_eq!(held_until(&policy, &t(0, Some(lock))), Some(lock));
        assert_eq!(secs_until(at, at.plus_millis(1)), 1);
        assert_eq!(secs_until(at, at.plus_millis(15 * 60 * 1000)), 900);
        assert_eq!(throttle_key("  Ada@Example.COM "), "ada@example.com");
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(check_name("name", "  Ada ").ok().as_deref(), Some("Ada"));
        assert!(check_name("name", "   ").is_err());
        assert!(check_name("name", &"x".repeat(200)).is_err());
        assert!(check_name("name", "a\u{7}b").is_err());
    }
}
