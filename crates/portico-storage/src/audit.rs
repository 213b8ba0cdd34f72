//! The audit log: an append-only record of security-relevant events (who did what to whom, from where).
//! Nothing here updates or deletes a row.

use portico_core::Timestamp;
use sea_orm::{ConnectionTrait, QueryResult, Value};

use crate::dialect::stmt;
use crate::error::{Result, StorageError};

/// One entry to append.
#[derive(Debug, Clone, Default)]
pub struct NewAuditEntry {
    pub actor_id: Option<i64>,
    pub action: String,
    pub subject_type: Option<String>,
    pub subject_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub details: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub id: i64,
    pub at: Timestamp,
    pub actor_id: Option<i64>,
    pub action: String,
    pub subject_type: Option<String>,
    pub subject_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub details: serde_json::Value,
}

const COLUMNS: &str = "id, at, actor_id, action, subject_type, subject_id, ip, user_agent, details";

fn decode(row: &QueryResult) -> Result<AuditEntry> {
    let details: String = row.try_get("", "details")?;
    Ok(AuditEntry {
        id: row.try_get("", "id")?,
        at: Timestamp(row.try_get("", "at")?),
        actor_id: row.try_get("", "actor_id")?,
        action: row.try_get("", "action")?,
        subject_type: row.try_get("", "subject_type")?,
        subject_id: row.try_get("", "subject_id")?,
        ip: row.try_get("", "ip")?,
        user_agent: row.try_get("", "user_agent")?,
        details: serde_json::from_str(&details)
            .map_err(|e| StorageError::Corrupt(format!("audit_log.details: {e}")))?,
    })
}

pub async fn append(conn: &impl ConnectionTrait, e: &NewAuditEntry, at: Timestamp) -> Result<()> {
    let details = if e.details.is_null() {
        "{}".to_string()
    } else {
        e.details.to_string()
    };
    conn.execute_raw(stmt(
        conn.get_database_backend(),
        "INSERT INTO audit_log (at, actor_id, action, subject_type, subject_id, ip, user_agent, details) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        [
            at.0.into(),
            e.actor_id.into(),
            e.action.clone().into(),
            e.subject_type.clone().into(),
            e.subject_id.clone().into(),
            e.ip.clone().into(),
            e.user_agent.clone().into(),
            details.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// What an audit listing is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor_id: Option<i64>,
    /// An exact action (`user.role_changed`) or a family ending in `.` (`auth.`).
    pub action: Option<String>,
    pub subject: Option<(String, String)>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    /// Only these actions.
    pub actions: Vec<String>,
}

/// Entries matching `f`, newest first, older than the entry `before_id`, at most `limit`.
pub async fn list(
    conn: &impl ConnectionTrait,
    f: &AuditFilter,
    before_id: Option<i64>,
    limit: u64,
) -> Result<Vec<AuditEntry>> {
    let mut sql = format!("SELECT {COLUMNS} FROM audit_log WHERE id < $1");
    let mut values: Vec<Value> = vec![before_id.unwrap_or(i64::MAX).into()];
    let mut push = |sql: &mut String, cond: &str, v: Value| {
        values.push(v);
        sql.push_str(&cond.replace("$?", &format!("${}", values.len())));
    };
    if let Some(a) = f.actor_id {
        push(&mut sql, " AND actor_id = $?", a.into());
    }
    if let Some(a) = f.action.as_deref() {
        if a.ends_with('.') {
            push(
                &mut sql,
                " AND action LIKE $? ESCAPE '\\'",
                format!("{}%", crate::dialect::escape_like(a)).into(),
            );
        } else {
            push(&mut sql, " AND action = $?", a.to_string().into());
        }
    }
    if let Some((t, id)) = &f.subject {
        push(&mut sql, " AND subject_type = $?", t.clone().into());
        push(&mut sql, " AND subject_id = $?", id.clone().into());
    }
    if let Some(s) = f.since {
        push(&mut sql, " AND at >= $?", s.0.into());
    }
    if let Some(u) = f.until {
        push(&mut sql, " AND at < $?", u.0.into());
    }
    if !f.actions.is_empty() {
        let mut marks = Vec::new();
        for a in &f.actions {
            values.push(a.clone().into());
            marks.push(format!("${}", values.len()));
        }
        sql.push_str(&format!(" AND action IN ({})", marks.join(", ")));
    }
    values.push(i64::try_from(limit).unwrap_or(100).into());
    sql.push_str(&format!(" ORDER BY id DESC LIMIT ${}", values.len()));
    let rows = conn
        .query_all_raw(stmt(conn.get_database_backend(), &sql, values))
        .await?;
    rows.iter().map(decode).collect()
}
