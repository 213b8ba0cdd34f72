//! API tokens: making, listing and revoking them, and their secrets — `pt_` followed by 43 URL-safe
//! base64 characters (32 random bytes). Only the SHA-256 digest is stored; the secret is shown once,
//! when the token is made.

use portico_core::{FieldError, Permission, Scope, Timestamp, ValidationErrors};
pub use portico_storage::api_tokens::ApiToken;

use crate::audit::{Origin, Subject};
use portico_storage::api_tokens::{self, NewApiToken};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::viewer::{Credential, Viewer};
use crate::{App, AppError};

/// Longest token name, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Most tokens one user may hold (revoke one to make another).
pub const MAX_TOKENS_PER_USER: usize = 50;
/// Longest lifetime a token may be given, in days.
pub const MAX_LIFETIME_DAYS: u32 = 3_650;
/// Lifetime of a token made with e-mail and password (`POST /api/v1/auth/token`), in days.
pub const SIGN_IN_TOKEN_DAYS: u32 = 90;

const DAY_MS: i64 = 86_400_000;

/// What a caller asks for: a name, optionally scopes (none: all of the user's permissions) and a
/// lifetime in days (none: until revoked).
#[derive(Debug, Clone, Default)]
pub struct TokenRequest {
    pub name: String,
    pub scopes: Option<Vec<String>>,
    pub expires_in_days: Option<u32>,
}

/// A token just made: its record, and the secret (shown this once).
#[derive(Debug, Clone)]
pub struct NewToken {
    pub token: ApiToken,
    pub secret: String,
}

fn check_request(req: &TokenRequest) -> Result<(String, Option<Vec<Scope>>), ValidationErrors> {
    let mut errors = Vec::new();
    let name = req.name.trim().to_string();
    if name.is_empty() {
        errors.push(FieldError::new(
            "name",
            "required",
            "give the token a name, e.g. what uses it",
        ));
    } else if name.chars().count() > MAX_NAME_CHARS {
        errors.push(FieldError::new(
            "name",
            "too_long",
            format!("a token name has at most {MAX_NAME_CHARS} characters"),
        ));
    } else if name.chars().any(char::is_control) {
        errors.push(FieldError::new(
            "name",
            "invalid_format",
            "a token name cannot contain control characters",
        ));
    }
    let mut scopes: Option<Vec<Scope>> = None;
    if let Some(names) = &req.scopes {
        let mut parsed = Vec::new();
        for (i, s) in names.iter().enumerate() {
            match s.parse::<Scope>() {
                Ok(sc) if !parsed.contains(&sc) => parsed.push(sc),
                Ok(_) => {}
                Err(e) => errors.push(FieldError::new(
                    format!("scopes[{i}]"),
                    "invalid",
                    e.to_string(),
                )),
            }
        }
        if names.is_empty() {
            errors.push(FieldError::new(
                "scopes",
                "required",
                "leave scopes out for a token with all of your permissions, or name at least one",
            ));
        }
        scopes = Some(parsed);
    }
    if let Some(days) = req.expires_in_days
        && !(1..=MAX_LIFETIME_DAYS).contains(&days)
    {
        errors.push(FieldError::new(
            "expires_in_days",
            "out_of_range",
            format!("a token lasts between 1 and {MAX_LIFETIME_DAYS} days"),
        ));
    }
    if errors.is_empty() {
        Ok((name, scopes))
    } else {
        Err(ValidationErrors(errors))
    }
}

/// Makes a token for the signed-in caller. A caller who came with a scoped token can only make tokens
/// within those scopes (a token never widens what its maker may do).
pub async fn create_token(
    app: &App,
    viewer: &Viewer,
    req: &TokenRequest,
    origin: &Origin,
) -> Result<NewToken, AppError> {
    let account = viewer.require(Permission::UsePortal)?;
    let (name, mut scopes) = check_request(req)?;
    if let Some(Credential::Token {
        scopes: Some(held), ..
    }) = viewer.actor().map(|a| &a.credential)
    {
        match &scopes {
            None => scopes = Some(held.clone()),
            Some(wanted) if wanted.iter().all(|s| held.contains(s)) => {}
            Some(_) => {
                return Err(ValidationErrors::single(
                    "scopes",
                    "not_allowed",
                    "a token can only make tokens within its own scopes",
                )
                .into());
            }
        }
    }
    let expires_at = req
        .expires_in_days
        .map(|d| app.now().plus_millis(i64::from(d) * DAY_MS));
    insert(
        app,
        account.id,
        &name,
        scopes.as_deref(),
        expires_at,
        origin,
    )
    .await
}

/// Makes a token from e-mail and password (`POST /api/v1/auth/token`): the same decision as signing in
/// ([`super::sign_in`]: invalid input, throttling, one answer for every refusal), then a token that
/// expires after [`SIGN_IN_TOKEN_DAYS`]. An account that needs a second factor is refused until
/// second factors can be checked here.
pub async fn sign_in_for_token(
    app: &App,
    email: &str,
    password: &str,
    name: Option<&str>,
    origin: &Origin,
) -> Result<NewToken, AppError> {
    match super::sign_in(app, email, password, origin).await? {
        super::SignIn::SignedIn(account) => {
            create_sign_in_token(app, account.id, name, origin).await
        }
        super::SignIn::Throttled { retry_after_secs } => {
            Err(AppError::RateLimited { retry_after_secs })
        }
        super::SignIn::NeedsSecondFactor { .. } | super::SignIn::Refused => {
            Err(AppError::Unauthenticated)
        }
    }
}

async fn create_sign_in_token(
    app: &App,
    user_id: i64,
    name: Option<&str>,
    origin: &Origin,
) -> Result<NewToken, AppError> {
    let req = TokenRequest {
        name: name
            .map(str::to_string)
            .unwrap_or_else(|| "API sign-in".into()),
        scopes: None,
        expires_in_days: Some(SIGN_IN_TOKEN_DAYS),
    };
    let (name, _) = check_request(&req)?;
    let expires_at = Some(
        app.now()
            .plus_millis(i64::from(SIGN_IN_TOKEN_DAYS) * DAY_MS),
    );
    insert(app, user_id, &name, None, expires_at, origin).await
}

async fn insert(
    app: &App,
    user_id: i64,
    name: &str,
    scopes: Option<&[Scope]>,
    expires_at: Option<Timestamp>,
    origin: &Origin,
) -> Result<NewToken, AppError> {
    let tx = app.begin().await?;
    let held = api_tokens::list_tokens_of_user(tx.conn(), user_id).await?;
    if held.len() >= MAX_TOKENS_PER_USER {
        return Err(AppError::Conflict {
            field: "name".into(),
            message: format!("you already have {MAX_TOKENS_PER_USER} tokens; revoke one first"),
        });
    }
    let secret = new_secret();
    let token = api_tokens::insert_token(
        tx.conn(),
        &NewApiToken {
            user_id,
            name,
            token_hash: &digest(&secret),
            scopes,
            expires_at,
        },
        tx.now(),
    )
    .await?;
    crate::audit::record(
        tx.conn(),
        tx.now(),
        origin,
        Some(user_id),
        "token.created",
        Subject::Token(token.id),
        serde_json::json!({
            "name": name,
            "scopes": scopes.map(|s| s.iter().map(|sc| sc.as_str()).collect::<Vec<_>>()),
        }),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(user_id, token_id = token.id, "API token created");
    Ok(NewToken { token, secret })
}

/// The caller's tokens, newest first (never their secrets).
pub async fn list_tokens(app: &App, viewer: &Viewer) -> Result<Vec<ApiToken>, AppError> {
    let account = viewer.require(Permission::UsePortal)?;
    Ok(api_tokens::list_tokens_of_user(app.db().conn(), account.id).await?)
}

/// Revokes one of the caller's tokens at once; someone else's token, or none, is 404.
pub async fn revoke_token(
    app: &App,
    viewer: &Viewer,
    id: i64,
    origin: &Origin,
) -> Result<(), AppError> {
    let account = viewer.require(Permission::UsePortal)?;
    let tx = app.begin().await?;
    if !api_tokens::delete_token_of_user(tx.conn(), account.id, id).await? {
        return Err(AppError::NotFound);
    }
    crate::audit::record(
        tx.conn(),
        tx.now(),
        origin,
        Some(account.id),
        "token.revoked",
        Subject::Token(id),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(user_id = account.id, token_id = id, "API token revoked");
    Ok(())
}

/// Prefix of every token, so a leaked one is recognisable (secret scanners, logs).
pub const PREFIX: &str = "pt_";

/// A token's `last_used_at` is written at most this often.
pub const LAST_USED_GRANULARITY_MS: i64 = 60_000;

const SECRET_CHARS: usize = 43;

/// A new random token secret.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let mut out = String::with_capacity(PREFIX.len() + SECRET_CHARS);
    out.push_str(PREFIX);
    out.push_str(&base64url(&bytes));
    out
}

/// Hex SHA-256 of a secret, as stored.
pub fn digest(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Cheap shape check before touching the database.
pub fn looks_like_token(secret: &str) -> bool {
    secret.strip_prefix(PREFIX).is_some_and(|rest| {
        rest.len() == SECRET_CHARS
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

pub(crate) fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        let chars = chunk.len() + 1;
        for i in 0..chars {
            let idx = (n >> (18 - 6 * i)) & 63;
            out.push(char::from(ALPHABET[idx as usize]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_well_formed_and_distinct() {
        let a = new_secret();
        let b = new_secret();
        assert_ne!(a, b);
        assert!(looks_like_token(&a), "{a}");
        assert_eq!(digest(&a).len(), 64);
        assert!(!looks_like_token("pt_short"));
        assert!(!looks_like_token(&format!("xx_{}", &a[3..])));
        assert!(!looks_like_token(&format!("{}!", &a[..a.len() - 1])));
    }

    #[test]
    fn base64url_matches_the_rfc_vectors() {
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
        assert_eq!(base64url(b"foob"), "Zm9vYg");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }
}
