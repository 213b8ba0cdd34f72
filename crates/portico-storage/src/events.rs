//! The portal's own event log (no third party): append-only, one row per visitor, thing and day.

use portico_core::Timestamp;
use sea_orm::ConnectionTrait;
use sha2::{Digest, Sha256};

use crate::dialect::stmt;
use crate::error::Result;

/// One event to record.
#[derive(Debug, Clone, Default)]
pub struct NewEvent<'a> {
    /// `article_view`, `search`, `search_zero`, `result_click`, …
    pub kind: &'a str,
    pub subject: Option<&'a str>,
    pub query: Option<&'a str>,
    pub results: Option<i32>,
    /// A pseudonymous key of the visitor (never an address or a cookie value).
    pub visitor: &'a str,
    pub user_id: Option<i64>,
}

/// The key that makes an event count once per visitor, thing and day.
pub fn dedup_key(e: &NewEvent<'_>, at: Timestamp) -> String {
    let day = at.millis().div_euclid(86_400_000);
    let mut h = Sha256::new();
    for part in [
        e.kind,
        e.subject.unwrap_or(""),
        e.query.unwrap_or(""),
        e.visitor,
        &day.to_string(),
    ] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Records an event unless the same visitor already caused the same one today; `true` when recorded.
pub async fn record(conn: &impl ConnectionTrait, e: &NewEvent<'_>, at: Timestamp) -> Result<bool> {
    let key = dedup_key(e, at);
    let res = conn
        .execute_raw(stmt(
            conn.get_database_backend(),
            "INSERT INTO events (at, kind, subject, query, results, visitor, user_id, dedup_key) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (dedup_key) DO NOTHING",
            [
                at.0.into(),
                e.kind.into(),
                e.subject.map(str::to_string).into(),
                e.query.map(str::to_string).into(),
                e.results.into(),
                e.visitor.into(),
                e.user_id.into(),
                key.into(),
            ],
        ))
        .await?;
    Ok(res.rows_affected() == 1)
}

/// How many events of `kind` about `subject` since `since`.
pub async fn count(
    conn: &impl ConnectionTrait,
    kind: &str,
    subject: &str,
    since: Timestamp,
) -> Result<i64> {
    Ok(crate::query::query_i64(
        conn,
        "SELECT COUNT(*) AS v FROM events WHERE kind = $1 AND subject = $2 AND at >= $3",
        [kind.into(), subject.into(), since.0.into()],
    )
    .await?
    .unwrap_or(0))
}

/// The most frequent queries of `kind` since `since`: (query, visitors).
pub async fn top_queries(
    conn: &impl ConnectionTrait,
    kind: &str,
    since: Timestamp,
    limit: u64,
) -> Result<Vec<(String, i64)>> {
    top_of(conn, "query", kind, since, limit).await
}

/// The subjects of `kind` seen by the most visitors since `since`: (subject, visitors), most first.
pub async fn top_subjects(
    conn: &impl ConnectionTrait,
    kind: &str,
    since: Timestamp,
    limit: u64,
) -> Result<Vec<(String, i64)>> {
    top_of(conn, "subject", kind, since, limit).await
}

/// The most frequent values of `column` (one of ours, never input) among the events of `kind` since
/// `since`, with how many events each.
async fn top_of(
    conn: &impl ConnectionTrait,
    column: &'static str,
    kind: &str,
    since: Timestamp,
    limit: u64,
) -> Result<Vec<(String, i64)>> {
    let sql = format!(
        "SELECT {column} AS v, COUNT(*) AS n FROM events WHERE kind = $1 AND at >= $2 AND {column} IS NOT NULL \
         GROUP BY {column} ORDER BY n DESC, {column} LIMIT $3"
    );
    let rows = conn
        .query_all_raw(stmt(
            conn.get_database_backend(),
            &sql,
            [
                kind.into(),
                since.0.into(),
                i64::try_from(limit).unwrap_or(20).into(),
            ],
        ))
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("", "v")?, r.try_get("", "n")?)))
        .collect()
}
