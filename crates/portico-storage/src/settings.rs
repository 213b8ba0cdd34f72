//! Key/value settings stored as JSON (branding, home-page tasks, markers such as "demo loaded").

use portico_core::Timestamp;
use sea_orm::ConnectionTrait;

use crate::dialect::stmt;
use crate::error::{Result, StorageError};

pub async fn get_setting(
    conn: &impl ConnectionTrait,
    key: &str,
) -> Result<Option<serde_json::Value>> {
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            "SELECT value FROM settings WHERE key = $1",
            [key.into()],
        ))
        .await?;
    match row {
        None => Ok(None),
        Some(r) => {
            let text: String = r.try_get("", "value")?;
            serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| StorageError::Corrupt(format!("setting {key}: {e}")))
        }
    }
}

pub async fn put_setting(
    conn: &impl ConnectionTrait,
    key: &str,
    value: &serde_json::Value,
    now: Timestamp,
) -> Result<()> {
    conn.execute_raw(stmt(
        conn.get_database_backend(),
        "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        [key.into(), value.to_string().into(), now.0.into()],
    ))
    .await?;
    Ok(())
}

/// Inserts the setting only if the key is new; returns whether this call inserted it. Used as a
/// once-only marker that is safe when several nodes start together.
pub async fn insert_setting_if_absent(
    conn: &impl ConnectionTrait,
    key: &str,
    value: &serde_json::Value,
    now: Timestamp,
) -> Result<bool> {
    let res = conn
        .execute_raw(stmt(
            conn.get_database_backend(),
            "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING",
            [key.into(), value.to_string().into(), now.0.into()],
        ))
        .await?;
    Ok(res.rows_affected() == 1)
}
