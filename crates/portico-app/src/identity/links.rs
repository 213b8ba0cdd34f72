//! Single-use links mailed to people (verification, password reset, invitation, e-mail change): a
//! random secret in the URL, its SHA-256 digest in the database, an expiry, and one use.

use portico_core::{Timestamp, ValidationErrors};
use portico_storage::account_links::{self, AccountLink, LinkPurpose};
use rand::RngCore;
use sea_orm::ConnectionTrait;

use crate::AppError;

/// How long each kind of link works.
pub fn lifetime_secs(purpose: LinkPurpose) -> i64 {
    match purpose {
        LinkPurpose::VerifyEmail | LinkPurpose::ChangeEmail => 24 * 3600,
        LinkPurpose::ResetPassword => 3600,
        LinkPurpose::Invitation => 7 * 24 * 3600,
    }
}

/// Makes a link for `user_id` and returns the secret to put in the URL (shown nowhere else).
pub(crate) async fn issue(
    conn: &impl ConnectionTrait,
    purpose: LinkPurpose,
    user_id: i64,
    new_email: Option<&str>,
    now: Timestamp,
) -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = super::tokens::base64url(&bytes);
    account_links::insert_link(
        conn,
        purpose,
        &super::tokens::digest(&secret),
        user_id,
        new_email,
        now.plus_secs(lifetime_secs(purpose)),
        now,
    )
    .await?;
    Ok(secret)
}

/// Why a link cannot be used. The edges tell the person which (asking for a new link is the remedy
/// for each, and a wrong guess learns nothing from the difference).
fn refused(code: &'static str, message: &str) -> AppError {
    ValidationErrors::single("token", code, message).into()
}

/// Finds an unused, unexpired link for `purpose` and uses it up. Errors name the field `token` with
/// the code `link_invalid`, `link_used` or `link_expired`.
pub(crate) async fn redeem(
    conn: &impl ConnectionTrait,
    secret: &str,
    purpose: LinkPurpose,
    now: Timestamp,
) -> Result<AccountLink, AppError> {
    let link = check(conn, secret, purpose, now).await?;
    if !account_links::consume_link(conn, link.id, now).await? {
        return Err(refused("link_used", "this link has already been used"));
    }
    Ok(link)
}

/// Like [`redeem`] without using the link up (to show the form a link leads to).
pub(crate) async fn check(
    conn: &impl ConnectionTrait,
    secret: &str,
    purpose: LinkPurpose,
    now: Timestamp,
) -> Result<AccountLink, AppError> {
    let plausible = secret.len() == 43
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    let found = if plausible {
        account_links::find_link_by_digest(conn, &super::tokens::digest(secret)).await?
    } else {
        None
    };
    let Some(link) = found.filter(|l| l.purpose == purpose) else {
        return Err(refused(
            "link_invalid",
            "this link is not valid; check that the whole address was copied",
        ));
    };
    if link.used_at.is_some() {
        return Err(refused("link_used", "this link has already been used"));
    }
    if link.expires_at <= now {
        return Err(refused("link_expired", "this link has expired"));
    }
    Ok(link)
}
