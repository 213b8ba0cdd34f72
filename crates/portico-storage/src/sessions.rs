//! Server-side sessions in the database, so any node can serve any visitor. Implements tower-sessions'
//! `SessionStore`. Only a SHA-256 digest of the session id is stored: a leaked table cannot be replayed
//! as cookies.

use portico_core::{Clock, Timestamp};
use sea_orm::ConnectionTrait;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

use crate::db::Db;
use crate::dialect::stmt;
use crate::error::Result;

/// The session key under which the signed-in user's id is kept (also copied to `sessions.user_id`).
pub const USER_ID_KEY: &str = "user_id";
/// Session keys for where the session was last used from (copied to `sessions.ip` / `user_agent`).
pub const IP_KEY: &str = "ip";
pub const USER_AGENT_KEY: &str = "ua";

#[derive(Debug, Clone)]
pub struct DbSessionStore {
    db: Db,
    clock: Arc<dyn Clock>,
}

impl DbSessionStore {
    pub fn new(db: Db, clock: Arc<dyn Clock>) -> Self {
        Self { db, clock }
    }
}

fn digest(id: &Id) -> String {
    session_key(&id.to_string())
}

/// The stored key of the session whose cookie value is `cookie_id`: its SHA-256 in hex. It names the
/// session to its owner (sign out this one) without being usable as a cookie.
pub fn session_key(cookie_id: &str) -> String {
    let mut h = Sha256::new();
    h.update(cookie_id.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn text_of(record: &Record, key: &str) -> Option<String> {
    record
        .data
        .get(key)
        .and_then(|v| v.as_str())
        .map(str::to_string)
}

fn backend_err(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

/// The record's expiry on the store's clock. tower-sessions computes expiries from the wall clock; the
/// store keeps the same remaining lifetime measured from its own clock, so fixed-clock tests and the
/// expiry check in [`SessionStore::load`] agree. With the system clock both are the same.
fn expiry_on(clock: &dyn Clock, record: &Record) -> Timestamp {
    let remaining = record.expiry_date - time::OffsetDateTime::now_utc();
    let remaining_ms = i64::try_from(remaining.whole_milliseconds()).unwrap_or(i64::MAX);
    clock.now().plus_millis(remaining_ms)
}

fn user_id_of(record: &Record) -> Option<i64> {
    record.data.get(USER_ID_KEY).and_then(|v| v.as_i64())
}

#[async_trait::async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let data = serde_json::to_string(&record.data)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?;
        let now = self.clock.now();
        let expires = expiry_on(self.clock.as_ref(), record);
        // A fresh random 128-bit id collides with negligible probability; retry rather than overwrite.
        for _ in 0..4 {
            let res = self
                .db
                .conn()
                .execute_raw(stmt(
                    self.db.db_backend(),
                    "INSERT INTO sessions (id, user_id, data, expires_at, created_at, updated_at, ip, user_agent) \
                     VALUES ($1, $2, $3, $4, $5, $5, $6, $7) ON CONFLICT (id) DO NOTHING",
                    [
                        digest(&record.id).into(),
                        user_id_of(record).into(),
                        data.clone().into(),
                        expires.0.into(),
                        now.0.into(),
                        text_of(record, IP_KEY).into(),
                        text_of(record, USER_AGENT_KEY).into(),
                    ],
                ))
                .await
                .map_err(backend_err)?;
            if res.rows_affected() == 1 {
                return Ok(());
            }
            record.id = Id::default();
        }
        Err(session_store::Error::Backend(
            "could not allocate a unique session id".into(),
        ))
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = serde_json::to_string(&record.data)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?;
        let now = self.clock.now();
        self.db
            .conn()
            .execute_raw(stmt(
                self.db.db_backend(),
                "INSERT INTO sessions (id, user_id, data, expires_at, created_at, updated_at, ip, user_agent) \
                 VALUES ($1, $2, $3, $4, $5, $5, $6, $7) \
                 ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, data = excluded.data, \
                 expires_at = excluded.expires_at, updated_at = excluded.updated_at, ip = excluded.ip, \
                 user_agent = excluded.user_agent",
                [
                    digest(&record.id).into(),
                    user_id_of(record).into(),
                    data.into(),
                    expiry_on(self.clock.as_ref(), record).0.into(),
                    now.0.into(),
                    text_of(record, IP_KEY).into(),
                    text_of(record, USER_AGENT_KEY).into(),
                ],
            ))
            .await
            .map_err(backend_err)?;
        Ok(())
    }

    async fn load(&self, session_id: &Id) -> session_store::Result<Option<Record>> {
        let row = self
            .db
            .conn()
            .query_one_raw(stmt(
                self.db.db_backend(),
                "SELECT data, expires_at FROM sessions WHERE id = $1 AND expires_at > $2",
                [digest(session_id).into(), self.clock.now().0.into()],
            ))
            .await
            .map_err(backend_err)?;
        let Some(row) = row else { return Ok(None) };
        let data: String = row.try_get("", "data").map_err(backend_err)?;
        let expires: i64 = row.try_get("", "expires_at").map_err(backend_err)?;
        let data =
            serde_json::from_str(&data).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *session_id,
            data,
            // Back to the wall clock tower-sessions reasons in (see `expiry_on`).
            expiry_date: time::OffsetDateTime::now_utc()
                + time::Duration::milliseconds(expires.saturating_sub(self.clock.now().millis())),
        }))
    }

    async fn delete(&self, session_id: &Id) -> session_store::Result<()> {
        self.db
            .conn()
            .execute_raw(stmt(
                self.db.db_backend(),
                "DELETE FROM sessions WHERE id = $1",
                [digest(session_id).into()],
            ))
            .await
            .map_err(backend_err)?;
        Ok(())
    }
}

/// Deletes sessions that expired before `now`; run by the periodic cleanup job.
pub async fn delete_expired_sessions(conn: &impl ConnectionTrait, now: Timestamp) -> Result<u64> {
    let res = conn
        .execute_raw(stmt(
            conn.get_database_backend(),
            "DELETE FROM sessions WHERE expires_at <= $1",
            [now.0.into()],
        ))
        .await?;
    Ok(res.rows_affected())
}

/// A signed-in session as its owner sees it in their session list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    /// The stored key ([`session_key`]).
    pub key: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: Timestamp,
    /// When the session last changed (visits record themselves every few minutes).
    pub last_seen_at: Timestamp,
}

/// The live sessions of a user, most recently seen first.
pub async fn list_sessions_of_user(
    conn: &impl ConnectionTrait,
    user_id: i64,
    now: Timestamp,
) -> Result<Vec<SessionInfo>> {
    let rows = conn
        .query_all_raw(stmt(
            conn.get_database_backend(),
            "SELECT id, ip, user_agent, created_at, updated_at FROM sessions \
             WHERE user_id = $1 AND expires_at > $2 ORDER BY updated_at DESC, id",
            [user_id.into(), now.0.into()],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok(SessionInfo {
                key: r.try_get("", "id")?,
                ip: r.try_get("", "ip")?,
                user_agent: r.try_get("", "user_agent")?,
                created_at: Timestamp(r.try_get("", "created_at")?),
                last_seen_at: Timestamp(r.try_get("", "updated_at")?),
            })
        })
        .collect()
}

/// Ends one session of a user; `false` when the user has no session with that key.
pub async fn delete_session_of_user(
    conn: &impl ConnectionTrait,
    user_id: i64,
    key: &str,
) -> Result<bool> {
    let res = conn
        .execute_raw(stmt(
            conn.get_database_backend(),
            "DELETE FROM sessions WHERE user_id = $1 AND id = $2",
            [user_id.into(), key.into()],
        ))
        .await?;
    Ok(res.rows_affected() == 1)
}

/// Ends every session of a user except the one with key `keep`; returns how many ended.
pub async fn delete_sessions_of_user(
    conn: &impl ConnectionTrait,
    user_id: i64,
    keep: Option<&str>,
) -> Result<u64> {
    let res = conn
        .execute_raw(stmt(
            conn.get_database_backend(),
            "DELETE FROM sessions WHERE user_id = $1 AND id <> $2",
            [user_id.into(), keep.unwrap_or("").into()],
        ))
        .await?;
    Ok(res.rows_affected())
}
