//! Everything that differs between SQLite and PostgreSQL, in one place. Callers elsewhere write portable
//! SQL and ask this module only for the fragments that cannot be portable.

use sea_orm::{DbBackend, Statement, Value};

/// Builds a statement from portable SQL with `$1`-style placeholders (both engines accept them).
pub fn stmt(backend: DbBackend, sql: &str, values: impl IntoIterator<Item = Value>) -> Statement {
    Statement::from_sql_and_values(backend, sql, values)
}

/// The row-locking suffix for a job-claim sub-select: PostgreSQL skips rows other workers hold; SQLite
/// has one writer at a time, so the enclosing `UPDATE … RETURNING` is already atomic.
pub fn skip_locked(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => " FOR UPDATE SKIP LOCKED",
        _ => "",
    }
}

/// A `FROM` item that makes the statement's own commit asynchronous on PostgreSQL (no wait for the WAL
/// flush), for bookkeeping whose loss in a crash is harmless: a job's claim or completion lost that way
/// only makes the job run again, which jobs allow (at least once). Empty on SQLite.
pub fn without_flush_wait(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => {
            " FROM (SELECT set_config('synchronous_commit', 'off', true)) AS quick"
        }
        _ => "",
    }
}

/// Statement run after enqueueing jobs: on PostgreSQL a `NOTIFY` (delivered when the transaction
/// commits) wakes idle workers on every node; SQLite has a single node, woken in-process.
pub fn after_enqueue(backend: DbBackend) -> Option<&'static str> {
    match backend {
        DbBackend::Postgres => Some("SELECT pg_notify('portico_jobs', '')"),
        _ => None,
    }
}

/// The PostgreSQL channel [`after_enqueue`] notifies.
pub const JOBS_CHANNEL: &str = "portico_jobs";

/// Statement run after appending search-outbox rows: on PostgreSQL a `NOTIFY` (delivered at commit)
/// wakes every node's search follower; SQLite has a single node, woken in-process.
pub fn after_outbox(backend: DbBackend) -> Option<&'static str> {
    match backend {
        DbBackend::Postgres => Some("SELECT pg_notify('portico_outbox', '')"),
        _ => None,
    }
}

/// The PostgreSQL channel [`after_outbox`] notifies.
pub const OUTBOX_CHANNEL: &str = "portico_outbox";

/// The PostgreSQL channel a request's change is announced on (payload `id` or `id:internal`), so a
/// page open on any node hears of it.
pub const REQUESTS_CHANNEL: &str = "portico_requests";

/// An SQL expression for the database server's clock in milliseconds since the epoch, on PostgreSQL
/// (every node reads the same clock). SQLite has a single node, whose own clock is used instead.
pub fn server_now_ms(backend: DbBackend) -> Option<&'static str> {
    match backend {
        DbBackend::Postgres => Some("CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)"),
        _ => None,
    }
}

/// A query for the highest identity value `table` ever handed out (0 before the first row), as `v`,
/// whether or not that row still exists.
pub fn last_issued_id_sql(backend: DbBackend, table: &str) -> String {
    match backend {
        DbBackend::Postgres => format!(
            "SELECT COALESCE(pg_sequence_last_value(pg_get_serial_sequence('{table}', 'id')::regclass), 0) AS v"
        ),
        _ => format!(
            "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = '{table}'), 0) AS v"
        ),
    }
}

/// The row-locking suffix for a read that a write transaction's decision rests on: PostgreSQL locks the
/// rows until commit; SQLite's write transaction already excludes every other writer.
pub fn for_update(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => " FOR UPDATE",
        _ => "",
    }
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern, so typed text matches literally.
pub fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
