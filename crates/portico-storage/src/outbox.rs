//! The search outbox: every write that changes searchable content appends a row in the same transaction,
//! and each node's search index follows the rows in id order, remembering the last id it applied.

use portico_core::Timestamp;
use sea_orm::{ConnectionTrait, Value};

use crate::dialect::{after_outbox, last_issued_id_sql, server_now_ms, stmt};
use crate::error::Result;
use crate::query::query_i64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxOp {
    Upsert,
    Delete,
}

impl OutboxOp {
    fn as_str(self) -> &'static str {
        match self {
            OutboxOp::Upsert => "upsert",
            OutboxOp::Delete => "delete",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    pub id: i64,
    pub entity: String,
    pub entity_id: String,
    pub op: OutboxOp,
    pub created_at: Timestamp,
}

/// Appends an entry; call it inside the transaction that makes the change.
///
/// On PostgreSQL `created_at` is the database server's clock at the moment of the insert (not `now`,
/// the transaction's start on this node's clock): followers on every node judge how long an entry has
/// been in the table by one clock, see [`settle_cutoff`].
pub async fn insert_outbox(
    conn: &impl ConnectionTrait,
    entity: &str,
    entity_id: &str,
    op: OutboxOp,
    now: Timestamp,
) -> Result<i64> {
    let backend = conn.get_database_backend();
    let mut values: Vec<Value> = vec![entity.into(), entity_id.into(), op.as_str().into()];
    let created_at = server_now_ms(backend).unwrap_or_else(|| {
        values.push(now.0.into());
        "$4"
    });
    let sql = format!(
        "INSERT INTO search_outbox (entity, entity_id, op, created_at) VALUES ($1, $2, $3, {created_at}) RETURNING id AS v"
    );
    let id = query_i64(conn, &sql, values).await?.unwrap_or(0);
    if let Some(sql) = after_outbox(backend) {
        conn.execute_unprepared(sql).await?;
    }
    Ok(id)
}

/// Entries created before the returned time can no longer be joined by an entry with a lower id that
/// commits later, unless a transaction stays open for `settle_ms` after writing its entry.
///
/// PostgreSQL hands out ids at insert and makes rows visible at commit, so this is the database clock
/// minus `settle_ms`. SQLite has one writer at a time and makes ids visible in order: every visible
/// entry is settled at once (`None`).
pub async fn settle_cutoff(
    conn: &impl ConnectionTrait,
    settle_ms: i64,
) -> Result<Option<Timestamp>> {
    let Some(now) = server_now_ms(conn.get_database_backend()) else {
        return Ok(None);
    };
    let sql = format!("SELECT {now} - $1 AS v");
    Ok(query_i64(conn, &sql, [settle_ms.into()])
        .await?
        .map(Timestamp))
}

/// Entries with id greater than `after`, oldest first.
pub async fn list_outbox_after(
    conn: &impl ConnectionTrait,
    after: i64,
    limit: u32,
) -> Result<Vec<OutboxEntry>> {
    let rows = conn
        .query_all_raw(stmt(
            conn.get_database_backend(),
            "SELECT id, entity, entity_id, op, created_at FROM search_outbox WHERE id > $1 ORDER BY id LIMIT $2",
            [after.into(), i64::from(limit).into()],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            let op: String = r.try_get("", "op")?;
            Ok(OutboxEntry {
                id: r.try_get("", "id")?,
                entity: r.try_get("", "entity")?,
                entity_id: r.try_get("", "entity_id")?,
                op: if op == "delete" {
                    OutboxOp::Delete
                } else {
                    OutboxOp::Upsert
                },
                created_at: Timestamp(r.try_get("", "created_at")?),
            })
        })
        .collect()
}

/// The newest entry id (0 when empty): an index that has applied this id is caught up.
pub async fn max_outbox_id(conn: &impl ConnectionTrait) -> Result<i64> {
    max_outbox_id_before(conn, Timestamp(i64::MAX)).await
}

/// The highest id ever handed out (0 before the first entry), whether or not that entry still exists:
/// an index that has settled past it was built from another database (a restored backup, say).
pub async fn last_issued_id(conn: &impl ConnectionTrait) -> Result<i64> {
    let sql = last_issued_id_sql(conn.get_database_backend(), "search_outbox");
    Ok(query_i64(conn, &sql, []).await?.unwrap_or(0))
}

/// Deletes entries older than `cutoff`; a node further behind than the retention must rebuild its index.
pub async fn delete_outbox_before(conn: &impl ConnectionTrait, cutoff: Timestamp) -> Result<u64> {
    let res = conn
        .execute_raw(stmt(
            conn.get_database_backend(),
            "DELETE FROM search_outbox WHERE created_at < $1",
            [cutoff.0.into()],
        ))
        .await?;
    Ok(res.rows_affected())
}

/// The newest entry id created before `cutoff` (0 when none).
pub async fn max_outbox_id_before(conn: &impl ConnectionTrait, cutoff: Timestamp) -> Result<i64> {
    Ok(query_i64(
        conn,
        "SELECT COALESCE(MAX(id), 0) AS v FROM search_outbox WHERE created_at < $1",
        [cutoff.0.into()],
    )
    .await?
    .unwrap_or(0))
}
