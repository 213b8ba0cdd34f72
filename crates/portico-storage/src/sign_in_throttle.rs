//! The `sign_in_throttle` table: consecutive failed sign-ins per e-mail key, and a lock.

use portico_core::Timestamp;
use sea_orm::{ConnectionTrait, QueryResult};

use crate::dialect::stmt;
use crate::error::{Result, StorageError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttle {
    /// Failures since the last success or lock.
    pub failures: i32,
    pub last_failed_at: Timestamp,
    pub locked_until: Option<Timestamp>,
}

fn decode(row: &QueryResult) -> Result<Throttle> {
    Ok(Throttle {
        failures: row.try_get("", "failures")?,
        last_failed_at: Timestamp(row.try_get("", "last_failed_at")?),
        locked_until: row
            .try_get::<Option<i64>>("", "locked_until")?
            .map(Timestamp),
    })
}

pub async fn find_throttle(conn: &impl ConnectionTrait, key: &str) -> Result<Option<Throttle>> {
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            "SELECT failures, last_failed_at, locked_until FROM sign_in_throttle WHERE email_key = $1",
            [key.into()],
        ))
        .await?;
    row.as_ref().map(decode).transpose()
}

/// Counts one more failure (atomically, so concurrent attempts on several nodes all count).
pub async fn record_failure(
    conn: &impl ConnectionTrait,
    key: &str,
    now: Timestamp,
) -> Result<Throttle> {
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            "INSERT INTO sign_in_throttle (email_key, failures, last_failed_at) VALUES ($1, 1, $2) \
             ON CONFLICT (email_key) DO UPDATE SET failures = sign_in_throttle.failures + 1, \
             last_failed_at = excluded.last_failed_at \
             RETURNING failures, last_failed_at, locked_until",
            [key.into(), now.0.into()],
        ))
        .await?
        .ok_or_else(|| StorageError::Corrupt("INSERT … RETURNING gave no row".into()))?;
    decode(&row)
}

/// Locks the key until `until` and starts counting afresh.
pub async fn lock(conn: &impl ConnectionTrait, key: &str, until: Timestamp) -> Result<()> {
    conn.execute_raw(stmt(
        conn.get_database_backend(),
        "UPDATE sign_in_throttle SET locked_until = $2, failures = 0 WHERE email_key = $1",
        [key.into(), until.0.into()],
    ))
    .await?;
    Ok(())
}

/// Forgets the key's failures (after a successful sign-in).
pub async fn clear(conn: &impl ConnectionTrait, key: &str) -> Result<()> {
    conn.execute_raw(stmt(
        conn.get_database_backend(),
        "DELETE FROM sign_in_throttle WHERE email_key = $1",
        [key.into()],
    ))
    .await?;
    Ok(())
}

/// Deletes entries whose last failure is older than `before` and that hold no lock past it.
pub async fn delete_stale_throttles(conn: &impl ConnectionTrait, before: Timestamp) -> Result<u64> {
    let res = conn
        .execute_raw(stmt(
            conn.get_database_backend(),
            "DELETE FROM sign_in_throttle WHERE last_failed_at < $1 \
             AND (locked_until IS NULL OR locked_until < $1)",
            [before.0.into()],
        ))
        .await?;
    Ok(res.rows_affected())
}
