//! Cross-node wake-ups on PostgreSQL: a committed job enqueue or search-outbox row sends a `NOTIFY`;
//! every node listens and wakes its workers or its search follower at once instead of waiting for the
//! next poll. Polling stays as the fallback, so a lost notification only costs latency.

use crate::Db;
use crate::db::Backend;
use crate::dialect::{JOBS_CHANNEL, OUTBOX_CHANNEL, REQUESTS_CHANNEL};

/// What another node (or this one) just committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notification {
    /// Jobs were enqueued.
    Jobs,
    /// Searchable content changed.
    Outbox,
    /// A request's timeline or status changed (`internal`: only agents may learn of it).
    Request { id: i64, internal: bool },
}

/// Reads a [`REQUESTS_CHANNEL`] payload.
pub fn parse_request_payload(payload: &str) -> Option<Notification> {
    let (id, internal) = match payload.split_once(':') {
        Some((id, "internal")) => (id, true),
        Some(_) => return None,
        None => (payload, false),
    };
    Some(Notification::Request {
        id: id.parse().ok()?,
        internal,
    })
}

/// Announces, at commit, that request `id` changed (PostgreSQL; on SQLite the node tells itself).
pub async fn request_changed(
    conn: &impl sea_orm::ConnectionTrait,
    id: i64,
    internal: bool,
) -> crate::error::Result<()> {
    if conn.get_database_backend() == sea_orm::DbBackend::Postgres {
        let payload = if internal {
            format!("{id}:internal")
        } else {
            id.to_string()
        };
        conn.execute_raw(crate::dialect::stmt(
            conn.get_database_backend(),
            "SELECT pg_notify('portico_requests', $1)",
            [payload.into()],
        ))
        .await?;
    }
    Ok(())
}

/// PostgreSQL: calls `on_notify` for every notification until `stop` resolves. Returns at once on SQLite.
/// Connection losses are retried every 5 s.
pub async fn listen(
    db: &Db,
    on_notify: impl Fn(Notification),
    stop: impl std::future::Future<Output = ()>,
) {
    if db.backend() != Backend::Postgres {
        return;
    }
    tokio::pin!(stop);
    let pause = std::time::Duration::from_secs(5);
    loop {
        let pool = db.conn().get_postgres_connection_pool();
        let mut listener = match sea_orm::sqlx::postgres::PgListener::connect_with(pool).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "database notifications unavailable; retrying in 5 s (polling continues)");
                tokio::select! { _ = &mut stop => return, _ = tokio::time::sleep(pause) => continue }
            }
        };
        if let Err(e) = listener
            .listen_all([JOBS_CHANNEL, OUTBOX_CHANNEL, REQUESTS_CHANNEL])
            .await
        {
            tracing::warn!(error = %e, "LISTEN failed; retrying in 5 s");
            tokio::select! { _ = &mut stop => return, _ = tokio::time::sleep(pause) => continue }
        }
        // Anything committed while the connection was being set up is picked up by this wake-up.
        on_notify(Notification::Jobs);
        on_notify(Notification::Outbox);
        loop {
            tokio::select! {
                _ = &mut stop => return,
                msg = listener.recv() => match msg {
                    Ok(n) if n.channel() == OUTBOX_CHANNEL => on_notify(Notification::Outbox),
                    Ok(n) if n.channel() == REQUESTS_CHANNEL => {
                        if let Some(r) = parse_request_payload(n.payload()) {
                            on_notify(r);
                        }
                    }
                    Ok(_) => on_notify(Notification::Jobs),
                    Err(e) => {
                        tracing::warn!(error = %e, "notification stream broke; reconnecting");
                        break;
                    }
                }
            }
        }
    }
}
