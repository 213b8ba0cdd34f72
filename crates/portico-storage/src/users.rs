//! The `users` table. Inputs arrive as domain types, so only valid e-mails, roles and locales are stored.

use portico_core::{Email, Locale, Role, Timestamp, UserStatus};
use sea_orm::{ConnectionTrait, QueryResult};

use crate::dialect::stmt;
use crate::error::{Result, StorageError};
use crate::query::query_i64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub locale: Locale,
    pub role: Role,
    pub password_hash: Option<String>,
    pub status: UserStatus,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub email: &'a Email,
    pub name: &'a str,
    pub locale: Locale,
    pub role: Role,
    pub password_hash: Option<&'a str>,
}

const COLUMNS: &str =
    "id, email, name, locale, role, password_hash, status, created_at, updated_at";

pub(crate) fn decode(row: &QueryResult) -> Result<User> {
    let locale: String = row.try_get("", "locale")?;
    let role: String = row.try_get("", "role")?;
    let status: String = row.try_get("", "status")?;
    Ok(User {
        id: row.try_get("", "id")?,
        email: row.try_get("", "email")?,
        name: row.try_get("", "name")?,
        locale: locale
            .parse()
            .map_err(|e| StorageError::Corrupt(format!("users.locale: {e}")))?,
        role: role
            .parse()
            .map_err(|e| StorageError::Corrupt(format!("users.role: {e}")))?,
        password_hash: row.try_get("", "password_hash")?,
        status: status
            .parse()
            .map_err(|e| StorageError::Corrupt(format!("users.status: {e}")))?,
        created_at: Timestamp(row.try_get("", "created_at")?),
        updated_at: Timestamp(row.try_get("", "updated_at")?),
    })
}

/// Inserts a user; a taken e-mail gives [`StorageError::Conflict`].
pub async fn insert_user(
    conn: &impl ConnectionTrait,
    u: &NewUser<'_>,
    now: Timestamp,
) -> Result<User> {
    let sql = format!(
        "INSERT INTO users (email, email_lower, name, locale, role, password_hash, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, $7) RETURNING {COLUMNS}"
    );
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            &sql,
            [
                u.email.as_str().into(),
                u.email.lower().into(),
                u.name.into(),
                u.locale.as_str().into(),
                u.role.as_str().into(),
                u.password_hash.map(str::to_string).into(),
                now.0.into(),
            ],
        ))
        .await?
        .ok_or_else(|| StorageError::Corrupt("INSERT … RETURNING gave no row".into()))?;
    decode(&row)
}

pub async fn find_user_by_email(
    conn: &impl ConnectionTrait,
    email: &Email,
) -> Result<Option<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE email_lower = $1");
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            &sql,
            [email.lower().into()],
        ))
        .await?;
    row.as_ref().map(decode).transpose()
}

pub async fn find_user_by_id(conn: &impl ConnectionTrait, id: i64) -> Result<Option<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
    let row = conn
        .query_one_raw(stmt(conn.get_database_backend(), &sql, [id.into()]))
        .await?;
    row.as_ref().map(decode).transpose()
}

pub async fn count_users(conn: &impl ConnectionTrait) -> Result<i64> {
    Ok(query_i64(conn, "SELECT COUNT(*) AS v FROM users", [])
        .await?
        .unwrap_or(0))
}
