//! The `api_tokens` table: bearer tokens by the SHA-256 digest of their secret.

use portico_core::{Scope, Timestamp};
use sea_orm::{ConnectionTrait, QueryResult};

use crate::dialect::stmt;
use crate::error::{Result, StorageError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    /// `None`: the token acts with all of its user's permissions.
    pub scopes: Option<Vec<Scope>>,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    pub last_used_at: Option<Timestamp>,
}

#[derive(Debug, Clone)]
pub struct NewApiToken<'a> {
    pub user_id: i64,
    pub name: &'a str,
    /// Hex SHA-256 of the secret (64 characters).
    pub token_hash: &'a str,
    pub scopes: Option<&'a [Scope]>,
    pub expires_at: Option<Timestamp>,
}

const COLUMNS: &str = "id, user_id, name, scopes, created_at, expires_at, last_used_at";

fn decode(row: &QueryResult) -> Result<ApiToken> {
    let scopes: Option<String> = row.try_get("", "scopes")?;
    let scopes = scopes
        .map(|s| {
            serde_json::from_str::<Vec<Scope>>(&s)
                .map_err(|e| StorageError::Corrupt(format!("api_tokens.scopes: {e}")))
        })
        .transpose()?;
    Ok(ApiToken {
        id: row.try_get("", "id")?,
        user_id: row.try_get("", "user_id")?,
        name: row.try_get("", "name")?,
        scopes,
        created_at: Timestamp(row.try_get("", "created_at")?),
        expires_at: row.try_get::<Option<i64>>("", "expires_at")?.map(Timestamp),
        last_used_at: row
            .try_get::<Option<i64>>("", "last_used_at")?
            .map(Timestamp),
    })
}

/// Stores a token; the digest is unique.
pub async fn insert_token(
    conn: &impl ConnectionTrait,
    t: &NewApiToken<'_>,
    now: Timestamp,
) -> Result<ApiToken> {
    let scopes = t
        .scopes
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| StorageError::Corrupt(format!("api_tokens.scopes: {e}")))?;
    let sql = format!(
        "INSERT INTO api_tokens (user_id, name, token_hash, scopes, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
    );
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            &sql,
            [
                t.user_id.into(),
                t.name.into(),
                t.token_hash.into(),
                scopes.into(),
                now.0.into(),
                t.expires_at.map(|e| e.0).into(),
            ],
        ))
        .await?
        .ok_or_else(|| StorageError::Corrupt("INSERT … RETURNING gave no row".into()))?;
    decode(&row)
}

/// The unexpired token with this digest, if any.
pub async fn find_live_token_by_hash(
    conn: &impl ConnectionTrait,
    token_hash: &str,
    now: Timestamp,
) -> Result<Option<ApiToken>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM api_tokens WHERE token_hash = $1 AND (expires_at IS NULL OR expires_at > $2)"
    );
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            &sql,
            [token_hash.into(), now.0.into()],
        ))
        .await?;
    row.as_ref().map(decode).transpose()
}

/// Records that a token was used (callers limit how often).
pub async fn update_token_last_used(
    conn: &impl ConnectionTrait,
    id: i64,
    now: Timestamp,
) -> Result<()> {
    conn.execute_raw(stmt(
        conn.get_database_backend(),
        "UPDATE api_tokens SET last_used_at = $2 WHERE id = $1",
        [id.into(), now.0.into()],
    ))
    .await?;
    Ok(())
}

/// A user's tokens, newest first.
pub async fn list_tokens_of_user(
    conn: &impl ConnectionTrait,
    user_id: i64,
) -> Result<Vec<ApiToken>> {
    let sql = format!("SELECT {COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY id DESC");
    let rows = conn
        .query_all_raw(stmt(conn.get_database_backend(), &sql, [user_id.into()]))
        .await?;
    rows.iter().map(decode).collect()
}

/// Deletes one of a user's tokens; false when the user has no token with that id.
pub async fn delete_token_of_user(
    conn: &impl ConnectionTrait,
    user_id: i64,
    id: i64,
) -> Result<bool> {
    let res = conn
        .execute_raw(stmt(
            conn.get_database_backend(),
            "DELETE FROM api_tokens WHERE id = $1 AND user_id = $2",
            [id.into(), user_id.into()],
        ))
        .await?;
    Ok(res.rows_affected() == 1)
}

/// Deletes every token of a user (the account was deactivated); returns how many.
pub async fn delete_tokens_of_user(conn: &impl ConnectionTrait, user_id: i64) -> Result<u64> {
    let res = conn
        .execute_raw(stmt(
            conn.get_database_backend(),
            "DELETE FROM api_tokens WHERE user_id = $1",
            [user_id.into()],
        ))
        .await?;
    Ok(res.rows_affected())
}
