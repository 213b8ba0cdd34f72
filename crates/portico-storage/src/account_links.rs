//! Single-use links mailed to people: e-mail verification, password reset, invitation and e-mail change.
//! Only a SHA-256 digest of the secret in the link is stored, so a leaked table opens nothing.

use portico_core::Timestamp;
use sea_orm::{ConnectionTrait, QueryResult};

use crate::dialect::stmt;
use crate::error::{Result, StorageError};

/// What a link does when opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    VerifyEmail,
    ResetPassword,
    Invitation,
    ChangeEmail,
}

impl LinkPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::VerifyEmail => "verify",
            LinkPurpose::ResetPassword => "reset",
            LinkPurpose::Invitation => "invite",
            LinkPurpose::ChangeEmail => "email",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "verify" => LinkPurpose::VerifyEmail,
            "reset" => LinkPurpose::ResetPassword,
            "invite" => LinkPurpose::Invitation,
            "email" => LinkPurpose::ChangeEmail,
            other => {
                return Err(StorageError::Corrupt(format!(
                    "account_links.purpose: unknown `{other}`"
                )));
            }
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountLink {
    pub id: i64,
    pub purpose: LinkPurpose,
    pub user_id: i64,
    /// For [`LinkPurpose::ChangeEmail`]: the address to change to.
    pub new_email: Option<String>,
    pub expires_at: Timestamp,
    pub used_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

fn decode(row: &QueryResult) -> Result<AccountLink> {
    let purpose: String = row.try_get("", "purpose")?;
    Ok(AccountLink {
        id: row.try_get("", "id")?,
        purpose: LinkPurpose::parse(&purpose)?,
        user_id: row.try_get("", "user_id")?,
        new_email: row.try_get("", "new_email")?,
        expires_at: Timestamp(row.try_get("", "expires_at")?),
        used_at: row.try_get::<Option<i64>>("", "used_at")?.map(Timestamp),
        created_at: Timestamp(row.try_get("", "created_at")?),
    })
}

pub async fn insert_link(
    conn: &impl ConnectionTrait,
    purpose: LinkPurpose,
    digest: &str,
    user_id: i64,
    new_email: Option<&str>,
    expires_at: Timestamp,
    now: Timestamp,
) -> Result<i64> {
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            "INSERT INTO account_links (purpose, digest, user_id, new_email, expires_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            [
                purpose.as_str().into(),
                digest.into(),
                user_id.into(),
                new_email.map(str::to_string).into(),
                expires_at.0.into(),
                now.0.into(),
            ],
        ))
        .await?
        .ok_or_else(|| StorageError::Corrupt("INSERT … RETURNING gave no row".into()))?;
    Ok(row.try_get("", "id")?)
}

/// The link with this digest, used or not, expired or not (the caller tells the person which).
pub async fn find_link_by_digest(
    conn: &impl ConnectionTrait,
    digest: &str,
) -> Result<Option<AccountLink>> {
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            "SELECT id, purpose, user_id, new_email, expires_at, used_at, created_at FROM account_links WHERE digest = $1",
            [digest.into()],
        ))
        .await?;
    row.as_ref().map(decode).transpose()
}

/// Marks the link used; `false` when it was already used (two clicks racing: only one wins).
pub async fn consume_link(conn: &impl ConnectionTrait, id: i64, now: Timestamp) -> Result<bool> {
    let res = conn
        .execute_raw(stmt(
            conn.get_database_backend(),
            "UPDATE account_links SET used_at = $2 WHERE id = $1 AND used_at IS NULL",
            [id.into(), now.0.into()],
        ))
        .await?;
    Ok(res.rows_affected() == 1)
}

/// Marks every unused link of a user for `purpose` as used (a newer one, or the thing it was for, made
/// them pointless).
pub async fn consume_links_of_user(
    conn: &impl ConnectionTrait,
    user_id: i64,
    purpose: LinkPurpose,
    now: Timestamp,
) -> Result<u64> {
    let res = conn
        .execute_raw(stmt(
            conn.get_database_backend(),
            "UPDATE account_links SET used_at = $3 WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL",
            [user_id.into(), purpose.as_str().into(), now.0.into()],
        ))
        .await?;
    Ok(res.rows_affected())
}

/// How many links for `purpose` were made for a user since `since` (to limit resends).
pub async fn count_recent_links(
    conn: &impl ConnectionTrait,
    user_id: i64,
    purpose: LinkPurpose,
    since: Timestamp,
) -> Result<i64> {
    Ok(crate::query::query_i64(
        conn,
        "SELECT COUNT(*) AS v FROM account_links WHERE user_id = $1 AND purpose = $2 AND created_at >= $3",
        [user_id.into(), purpose.as_str().into(), since.0.into()],
    )
    .await?
    .unwrap_or(0))
}

/// Deletes links that expired more than a day before `now` (hourly clean-up).
pub async fn delete_stale_links(conn: &impl ConnectionTrait, now: Timestamp) -> Result<u64> {
    let res = conn
        .execute_raw(stmt(
            conn.get_database_backend(),
            "DELETE FROM account_links WHERE expires_at < $1",
            [now.plus_secs(-86_400).0.into()],
        ))
        .await?;
    Ok(res.rows_affected())
}
