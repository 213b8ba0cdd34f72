//! The `users` table. Inputs arrive as domain types, so only valid e-mails, roles and locales are stored.

use portico_core::{Email, Locale, Role, Timestamp, UserStatus};
use sea_orm::{ConnectionTrait, QueryResult, Value};
use serde::{Deserialize, Serialize};

use crate::dialect::stmt;
use crate::error::{Result, StorageError};
use crate::query::query_i64;

/// Which mails about their requests a user wants (security mails are always sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Notifications {
    /// A reply was added to one of my requests.
    pub replies: bool,
    /// One of my requests changed status.
    pub status_changes: bool,
    /// News and announcements from the help centre.
    pub announcements: bool,
}

impl Default for Notifications {
    fn default() -> Self {
        Self {
            replies: true,
            status_changes: true,
            announcements: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub locale: Locale,
    pub role: Role,
    pub password_hash: Option<String>,
    pub status: UserStatus,
    pub email_verified_at: Option<Timestamp>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub time_zone: Option<String>,
    pub notifications: Notifications,
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
    /// Set for accounts whose address is already known good (made by an administrator).
    pub email_verified: bool,
}

const COLUMNS: &str = "id, email, name, locale, role, password_hash, status, email_verified_at, phone, address, \
     time_zone, notifications, created_at, updated_at";

pub(crate) fn decode(row: &QueryResult) -> Result<User> {
    let locale: String = row.try_get("", "locale")?;
    let role: String = row.try_get("", "role")?;
    let status: String = row.try_get("", "status")?;
    let notifications: String = row.try_get("", "notifications")?;
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
        email_verified_at: row
            .try_get::<Option<i64>>("", "email_verified_at")?
            .map(Timestamp),
        phone: row.try_get("", "phone")?,
        address: row.try_get("", "address")?,
        time_zone: row.try_get("", "time_zone")?,
        notifications: serde_json::from_str(&notifications)
            .map_err(|e| StorageError::Corrupt(format!("users.notifications: {e}")))?,
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
        "INSERT INTO users (email, email_lower, name, locale, role, password_hash, status, email_verified_at, \
         notifications, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, $8, $9, $9) RETURNING {COLUMNS}"
    );
    let verified: Option<i64> = u.email_verified.then_some(now.0);
    let notifications = serde_json::to_string(&Notifications::default())
        .map_err(|e| StorageError::Corrupt(e.to_string()))?;
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
                verified.into(),
                notifications.into(),
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

/// The fields a user edits on their profile (already validated).
#[derive(Debug, Clone)]
pub struct ProfileUpdate {
    pub name: String,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub locale: Locale,
    pub time_zone: Option<String>,
    pub notifications: Notifications,
}

pub async fn update_profile(
    conn: &impl ConnectionTrait,
    id: i64,
    p: &ProfileUpdate,
    now: Timestamp,
) -> Result<Option<User>> {
    let notifications = serde_json::to_string(&p.notifications)
        .map_err(|e| StorageError::Corrupt(e.to_string()))?;
    let sql = format!(
        "UPDATE users SET name = $2, phone = $3, address = $4, locale = $5, time_zone = $6, notifications = $7, \
         updated_at = $8 WHERE id = $1 RETURNING {COLUMNS}"
    );
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            &sql,
            [
                id.into(),
                p.name.clone().into(),
                p.phone.clone().into(),
                p.address.clone().into(),
                p.locale.as_str().into(),
                p.time_zone.clone().into(),
                notifications.into(),
                now.0.into(),
            ],
        ))
        .await?;
    row.as_ref().map(decode).transpose()
}

async fn update_one(conn: &impl ConnectionTrait, sql: &str, values: Vec<Value>) -> Result<bool> {
    let res = conn
        .execute_raw(stmt(conn.get_database_backend(), sql, values))
        .await?;
    Ok(res.rows_affected() == 1)
}

pub async fn set_password_hash(
    conn: &impl ConnectionTrait,
    id: i64,
    hash: &str,
    now: Timestamp,
) -> Result<bool> {
    update_one(
        conn,
        "UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1",
        vec![id.into(), hash.into(), now.0.into()],
    )
    .await
}

/// Marks the address as verified (keeps the first verification time).
pub async fn mark_email_verified(
    conn: &impl ConnectionTrait,
    id: i64,
    now: Timestamp,
) -> Result<bool> {
    update_one(
        conn,
        "UPDATE users SET email_verified_at = COALESCE(email_verified_at, $2), updated_at = $2 WHERE id = $1",
        vec![id.into(), now.0.into()],
    )
    .await
}

/// Changes the address to one just verified; a taken address gives [`StorageError::Conflict`].
pub async fn set_email(
    conn: &impl ConnectionTrait,
    id: i64,
    email: &Email,
    now: Timestamp,
) -> Result<bool> {
    update_one(
        conn,
        "UPDATE users SET email = $2, email_lower = $3, email_verified_at = $4, updated_at = $4 WHERE id = $1",
        vec![
            id.into(),
            email.as_str().into(),
            email.lower().into(),
            now.0.into(),
        ],
    )
    .await
}

pub async fn set_role(
    conn: &impl ConnectionTrait,
    id: i64,
    role: Role,
    now: Timestamp,
) -> Result<bool> {
    update_one(
        conn,
        "UPDATE users SET role = $2, updated_at = $3 WHERE id = $1",
        vec![id.into(), role.as_str().into(), now.0.into()],
    )
    .await
}

pub async fn set_status(
    conn: &impl ConnectionTrait,
    id: i64,
    status: UserStatus,
    now: Timestamp,
) -> Result<bool> {
    update_one(
        conn,
        "UPDATE users SET status = $2, updated_at = $3 WHERE id = $1",
        vec![id.into(), status.as_str().into(), now.0.into()],
    )
    .await
}

/// The ids of the active administrators. Inside a write transaction on PostgreSQL their rows are locked,
/// so two concurrent demotions cannot both see "another administrator remains" (SQLite has one writer).
pub async fn lock_active_admins(conn: &impl ConnectionTrait) -> Result<Vec<i64>> {
    let b = conn.get_database_backend();
    let sql = format!(
        "SELECT id FROM users WHERE role = 'admin' AND status = 'active' ORDER BY id{}",
        crate::dialect::for_update(b)
    );
    let rows = conn.query_all_raw(stmt(b, &sql, [])).await?;
    rows.iter()
        .map(|r| Ok(r.try_get::<i64>("", "id")?))
        .collect()
}

/// What the administrators' user list is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Part of the name or e-mail address (case-insensitive).
    pub q: Option<String>,
    pub role: Option<Role>,
    pub organization_id: Option<i64>,
    pub status: Option<UserStatus>,
}

/// Users matching `f`, by id, after `after_id`, at most `limit`.
pub async fn list_users(
    conn: &impl ConnectionTrait,
    f: &UserFilter,
    after_id: Option<i64>,
    limit: u64,
) -> Result<Vec<User>> {
    let mut sql = format!("SELECT {COLUMNS} FROM users WHERE id > $1");
    let mut values: Vec<Value> = vec![after_id.unwrap_or(0).into()];
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        values.push(format!("%{}%", crate::dialect::escape_like(&q.to_lowercase())).into());
        let n = values.len();
        sql.push_str(&format!(
            " AND (email_lower LIKE ${n} ESCAPE '\\' OR LOWER(name) LIKE ${n} ESCAPE '\\')"
        ));
    }
    if let Some(r) = f.role {
        values.push(r.as_str().into());
        sql.push_str(&format!(" AND role = ${}", values.len()));
    }
    if let Some(s) = f.status {
        values.push(s.as_str().into());
        sql.push_str(&format!(" AND status = ${}", values.len()));
    }
    if let Some(o) = f.organization_id {
        values.push(o.into());
        sql.push_str(&format!(
            " AND id IN (SELECT user_id FROM memberships WHERE organization_id = ${})",
            values.len()
        ));
    }
    values.push(i64::try_from(limit).unwrap_or(100).into());
    sql.push_str(&format!(" ORDER BY id LIMIT ${}", values.len()));
    let rows = conn
        .query_all_raw(stmt(conn.get_database_backend(), &sql, values))
        .await?;
    rows.iter().map(decode).collect()
}
