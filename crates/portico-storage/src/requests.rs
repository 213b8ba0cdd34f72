//! Catalogue and request rows: request types and their form versions, requests, their timeline and
//! files, and gap-free counters. Who may see or change what is decided by the use cases; JSON columns
//! (names, forms, answers) are stored as text and read back as text.

use portico_core::Timestamp;
use sea_orm::{ConnectionTrait, QueryResult, Value};

use crate::dialect::stmt;
use crate::error::{Result, StorageError};

/// The next value of a named counter (1, 2, 3, …). Inside a transaction the counter's row stays locked
/// until it ends, and a rollback gives the number back, so the numbers have no gaps.
pub async fn next_counter(conn: &impl ConnectionTrait, name: &str) -> Result<i64> {
    take_counter(conn, name, 1).await
}

/// Takes the next `n` values of a named counter at once (one statement, one lock) and returns the
/// first; the block is `first..first + n`. Like [`next_counter`], a rollback gives them all back.
pub async fn take_counter(conn: &impl ConnectionTrait, name: &str, n: i64) -> Result<i64> {
    if n < 1 {
        return Err(StorageError::Corrupt(format!("a block of {n} numbers")));
    }
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            "INSERT INTO counters (name, value) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET value = counters.value + $2 RETURNING value",
            [name.into(), n.into()],
        ))
        .await?
        .ok_or_else(|| StorageError::Corrupt("counter upsert gave no row".into()))?;
    let last: i64 = row.try_get("", "value")?;
    Ok(last - n + 1)
}

/// A request type as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestType {
    pub id: i64,
    pub key: String,
    /// JSON `{"en": …, "zh-CN": …}`.
    pub name: String,
    pub description: String,
    pub category: String,
    pub icon: String,
    /// `everyone`, `customers` or `organizations`.
    pub audience: String,
    /// JSON array of organisation ids (for `organizations`).
    pub organizations: String,
    pub active: bool,
    pub position: i32,
    /// The current form version.
    pub version: i32,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

const TYPE_COLUMNS: &str = "id, key, name, description, category, icon, audience, organizations, active, \
     position, version, created_at, updated_at";

fn decode_type(r: &QueryResult) -> Result<RequestType> {
    Ok(RequestType {
        id: r.try_get("", "id")?,
        key: r.try_get("", "key")?,
        name: r.try_get("", "name")?,
        description: r.try_get("", "description")?,
        category: r.try_get("", "category")?,
        icon: r.try_get("", "icon")?,
        audience: r.try_get("", "audience")?,
        organizations: r.try_get("", "organizations")?,
        active: r.try_get("", "active")?,
        position: r.try_get("", "position")?,
        version: r.try_get("", "version")?,
        created_at: Timestamp(r.try_get("", "created_at")?),
        updated_at: Timestamp(r.try_get("", "updated_at")?),
    })
}

/// What is written for a request type (validated by the use case).
#[derive(Debug, Clone, Copy)]
pub struct TypeWrite<'a> {
    pub key: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub category: &'a str,
    pub icon: &'a str,
    pub audience: &'a str,
    pub organizations: &'a str,
    pub active: bool,
    pub position: i32,
}

/// Inserts a request type with its first form version. A taken key is a conflict.
pub async fn insert_type(
    conn: &impl ConnectionTrait,
    t: &TypeWrite<'_>,
    form: &str,
    by: Option<i64>,
    now: Timestamp,
) -> Result<RequestType> {
    let sql = format!(
        "INSERT INTO request_types (key, name, description, category, icon, audience, organizations, active, \
         position, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $10) \
         RETURNING {TYPE_COLUMNS}"
    );
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            &sql,
            [
                t.key.into(),
                t.name.into(),
                t.description.into(),
                t.category.into(),
                t.icon.into(),
                t.audience.into(),
                t.organizations.into(),
                t.active.into(),
                t.position.into(),
                now.0.into(),
            ],
        ))
        .await?
        .ok_or_else(|| StorageError::Corrupt("INSERT … RETURNING gave no row".into()))?;
    let saved = decode_type(&row)?;
    insert_form(conn, saved.id, 1, form, by, now).await?;
    Ok(saved)
}

async fn insert_form(
    conn: &impl ConnectionTrait,
    type_id: i64,
    version: i32,
    form: &str,
    by: Option<i64>,
    now: Timestamp,
) -> Result<()> {
    conn.execute_raw(stmt(
        conn.get_database_backend(),
        "INSERT INTO request_type_versions (type_id, version, form, created_by, created_at) VALUES ($1, $2, $3, $4, $5)",
        [
            type_id.into(),
            version.into(),
            form.into(),
            by.into(),
            now.0.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// Changes a request type; with `form`, a new form version becomes current (requests already made keep
/// theirs). `None` when there is no such type.
pub async fn update_type(
    conn: &impl ConnectionTrait,
    id: i64,
    t: &TypeWrite<'_>,
    form: Option<&str>,
    by: Option<i64>,
    now: Timestamp,
) -> Result<Option<RequestType>> {
    let bump = i32::from(form.is_some());
    let sql = format!(
        "UPDATE request_types SET name = $2, description = $3, category = $4, icon = $5, audience = $6, \
         organizations = $7, active = $8, position = $9, version = version + $10, updated_at = $11 \
         WHERE id = $1 RETURNING {TYPE_COLUMNS}"
    );
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            &sql,
            [
                id.into(),
                t.name.into(),
                t.description.into(),
                t.category.into(),
                t.icon.into(),
                t.audience.into(),
                t.organizations.into(),
                t.active.into(),
                t.position.into(),
                bump.into(),
                now.0.into(),
            ],
        ))
        .await?;
    let Some(row) = row else { return Ok(None) };
    let saved = decode_type(&row)?;
    if let Some(form) = form {
        insert_form(conn, saved.id, saved.version, form, by, now).await?;
    }
    Ok(Some(saved))
}

/// Every request type, in catalogue order.
pub async fn list_types(conn: &impl ConnectionTrait) -> Result<Vec<RequestType>> {
    let sql = format!("SELECT {TYPE_COLUMNS} FROM request_types ORDER BY position, id");
    let rows = conn
        .query_all_raw(stmt(conn.get_database_backend(), &sql, []))
        .await?;
    rows.iter().map(decode_type).collect()
}

pub async fn find_type_by_key(
    conn: &impl ConnectionTrait,
    key: &str,
) -> Result<Option<RequestType>> {
    let sql = format!("SELECT {TYPE_COLUMNS} FROM request_types WHERE key = $1");
    let row = conn
        .query_one_raw(stmt(conn.get_database_backend(), &sql, [key.into()]))
        .await?;
    row.as_ref().map(decode_type).transpose()
}

pub async fn find_type(conn: &impl ConnectionTrait, id: i64) -> Result<Option<RequestType>> {
    let sql = format!("SELECT {TYPE_COLUMNS} FROM request_types WHERE id = $1");
    let row = conn
        .query_one_raw(stmt(conn.get_database_backend(), &sql, [id.into()]))
        .await?;
    row.as_ref().map(decode_type).transpose()
}

/// A form version of a request type (JSON).
pub async fn form_of(
    conn: &impl ConnectionTrait,
    type_id: i64,
    version: i32,
) -> Result<Option<String>> {
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            "SELECT form FROM request_type_versions WHERE type_id = $1 AND version = $2",
            [type_id.into(), version.into()],
        ))
        .await?;
    Ok(row.map(|r| r.try_get("", "form")).transpose()?)
}

/// A request as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub id: i64,
    /// The installation-wide sequence number (`REQ-000123` shows it).
    pub number: i64,
    pub type_id: i64,
    pub type_version: i32,
    pub requester_id: i64,
    pub organization_id: Option<i64>,
    pub subject: String,
    /// JSON object of the answers kept.
    pub fields: String,
    pub status: String,
    pub assignee_id: Option<i64>,
    pub rating: Option<i32>,
    pub rating_comment: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub resolved_at: Option<Timestamp>,
}

const REQUEST_COLUMNS: &str = "id, number, type_id, type_version, requester_id, organization_id, subject, fields, \
     status, assignee_id, rating, rating_comment, created_at, updated_at, resolved_at";

fn decode_request(r: &QueryResult) -> Result<Request> {
    Ok(Request {
        id: r.try_get("", "id")?,
        number: r.try_get("", "number")?,
        type_id: r.try_get("", "type_id")?,
        type_version: r.try_get("", "type_version")?,
        requester_id: r.try_get("", "requester_id")?,
        organization_id: r.try_get("", "organization_id")?,
        subject: r.try_get("", "subject")?,
        fields: r.try_get("", "fields")?,
        status: r.try_get("", "status")?,
        assignee_id: r.try_get("", "assignee_id")?,
        rating: r.try_get("", "rating")?,
        rating_comment: r.try_get("", "rating_comment")?,
        created_at: Timestamp(r.try_get("", "created_at")?),
        updated_at: Timestamp(r.try_get("", "updated_at")?),
        resolved_at: r.try_get::<Option<i64>>("", "resolved_at")?.map(Timestamp),
    })
}

/// A new request (validated by the use case).
#[derive(Debug, Clone, Copy)]
pub struct NewRequest<'a> {
    pub number: i64,
    pub type_id: i64,
    pub type_version: i32,
    pub requester_id: i64,
    pub organization_id: Option<i64>,
    pub subject: &'a str,
    pub fields: &'a str,
    pub status: &'a str,
    pub idempotency_key: Option<&'a str>,
}

/// Inserts a request. The same requester's idempotency key twice is a
/// [`StorageError::Conflict`] (the caller then reads the first request).
pub async fn insert_request(
    conn: &impl ConnectionTrait,
    r: &NewRequest<'_>,
    now: Timestamp,
) -> Result<Request> {
    let sql = format!(
        "INSERT INTO requests (number, type_id, type_version, requester_id, organization_id, subject, fields, \
         status, idempotency_key, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) \
         RETURNING {REQUEST_COLUMNS}"
    );
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            &sql,
            [
                r.number.into(),
                r.type_id.into(),
                r.type_version.into(),
                r.requester_id.into(),
                r.organization_id.into(),
                r.subject.into(),
                r.fields.into(),
                r.status.into(),
                r.idempotency_key.map(str::to_string).into(),
                now.0.into(),
            ],
        ))
        .await?
        .ok_or_else(|| StorageError::Corrupt("INSERT … RETURNING gave no row".into()))?;
    decode_request(&row)
}

pub async fn find_request(conn: &impl ConnectionTrait, id: i64) -> Result<Option<Request>> {
    let sql = format!("SELECT {REQUEST_COLUMNS} FROM requests WHERE id = $1");
    let row = conn
        .query_one_raw(stmt(conn.get_database_backend(), &sql, [id.into()]))
        .await?;
    row.as_ref().map(decode_request).transpose()
}

pub async fn find_request_by_number(
    conn: &impl ConnectionTrait,
    number: i64,
) -> Result<Option<Request>> {
    let sql = format!("SELECT {REQUEST_COLUMNS} FROM requests WHERE number = $1");
    let row = conn
        .query_one_raw(stmt(conn.get_database_backend(), &sql, [number.into()]))
        .await?;
    row.as_ref().map(decode_request).transpose()
}

/// The request a requester made with an idempotency key.
pub async fn find_by_idempotency_key(
    conn: &impl ConnectionTrait,
    requester_id: i64,
    key: &str,
) -> Result<Option<Request>> {
    let sql = format!(
        "SELECT {REQUEST_COLUMNS} FROM requests WHERE requester_id = $1 AND idempotency_key = $2"
    );
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            &sql,
            [requester_id.into(), key.into()],
        ))
        .await?;
    row.as_ref().map(decode_request).transpose()
}

/// What a list of requests is narrowed to; newest first, by id below `before_id`.
#[derive(Debug, Clone, Default)]
pub struct RequestFilter<'a> {
    /// Only these requesters' (empty: anyone's).
    pub requester_ids: &'a [i64],
    /// Also the requests of these organisations (with `requester_ids`: either).
    pub organization_ids: &'a [i64],
    /// Only these statuses (empty: any).
    pub statuses: &'a [&'a str],
    pub type_id: Option<i64>,
    pub before_id: Option<i64>,
    pub limit: u64,
}

/// Requests matching `f`, newest first (keyset pagination by id).
pub async fn list_requests(
    conn: &impl ConnectionTrait,
    f: &RequestFilter<'_>,
) -> Result<Vec<Request>> {
    let mut values: Vec<Value> = vec![f.before_id.unwrap_or(i64::MAX).into()];
    let mut sql = format!("SELECT {REQUEST_COLUMNS} FROM requests WHERE id < $1");
    let list = |values: &mut Vec<Value>, items: Vec<Value>| {
        let mut marks = Vec::new();
        for v in items {
            values.push(v);
            marks.push(format!("${}", values.len()));
        }
        marks.join(", ")
    };
    match (f.requester_ids.is_empty(), f.organization_ids.is_empty()) {
        (true, true) => {}
        (false, true) => {
            let r = list(
                &mut values,
                f.requester_ids.iter().map(|i| (*i).into()).collect(),
            );
            sql.push_str(&format!(" AND requester_id IN ({r})"));
        }
        (true, false) => {
            let o = list(
                &mut values,
                f.organization_ids.iter().map(|i| (*i).into()).collect(),
            );
            sql.push_str(&format!(" AND organization_id IN ({o})"));
        }
        (false, false) => {
            let r = list(
                &mut values,
                f.requester_ids.iter().map(|i| (*i).into()).collect(),
            );
            let o = list(
                &mut values,
                f.organization_ids.iter().map(|i| (*i).into()).collect(),
            );
            sql.push_str(&format!(
                " AND (requester_id IN ({r}) OR organization_id IN ({o}))"
            ));
        }
    }
    if !f.statuses.is_empty() {
        let s = list(
            &mut values,
            f.statuses.iter().map(|s| (*s).to_string().into()).collect(),
        );
        sql.push_str(&format!(" AND status IN ({s})"));
    }
    if let Some(t) = f.type_id {
        values.push(t.into());
        sql.push_str(&format!(" AND type_id = ${}", values.len()));
    }
    values.push(i64::try_from(f.limit.clamp(1, 200)).unwrap_or(50).into());
    sql.push_str(&format!(" ORDER BY id DESC LIMIT ${}", values.len()));
    let rows = conn
        .query_all_raw(stmt(conn.get_database_backend(), &sql, values))
        .await?;
    rows.iter().map(decode_request).collect()
}

/// Moves a request from `from` to `to`; `None` when it is no longer in `from` (someone moved it first).
pub async fn set_status(
    conn: &impl ConnectionTrait,
    id: i64,
    from: &str,
    to: &str,
    now: Timestamp,
) -> Result<Option<Request>> {
    let sql = format!(
        "UPDATE requests SET status = $3, updated_at = $4, \
         resolved_at = CASE WHEN $3 IN ('resolved', 'closed', 'cancelled') THEN COALESCE(resolved_at, $4) ELSE NULL END \
         WHERE id = $1 AND status = $2 RETURNING {REQUEST_COLUMNS}"
    );
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            &sql,
            [id.into(), from.into(), to.into(), now.0.into()],
        ))
        .await?;
    row.as_ref().map(decode_request).transpose()
}

/// Sets who works on a request.
pub async fn set_assignee(
    conn: &impl ConnectionTrait,
    id: i64,
    assignee: Option<i64>,
    now: Timestamp,
) -> Result<bool> {
    let res = conn
        .execute_raw(stmt(
            conn.get_database_backend(),
            "UPDATE requests SET assignee_id = $2, updated_at = $3 WHERE id = $1",
            [id.into(), assignee.into(), now.0.into()],
        ))
        .await?;
    Ok(res.rows_affected() == 1)
}

/// Marks a request as changed now (a reply).
pub async fn touch(conn: &impl ConnectionTrait, id: i64, now: Timestamp) -> Result<()> {
    conn.execute_raw(stmt(
        conn.get_database_backend(),
        "UPDATE requests SET updated_at = $2 WHERE id = $1",
        [id.into(), now.0.into()],
    ))
    .await?;
    Ok(())
}

/// Records the requester's rating, once, while the request is resolved or closed. False when it was
/// rated already or is not resolved.
pub async fn rate(
    conn: &impl ConnectionTrait,
    id: i64,
    score: i32,
    comment: Option<&str>,
    now: Timestamp,
) -> Result<bool> {
    let res = conn
        .execute_raw(stmt(
            conn.get_database_backend(),
            "UPDATE requests SET rating = $2, rating_comment = $3, updated_at = $4 \
             WHERE id = $1 AND rating IS NULL AND status IN ('resolved', 'closed')",
            [
                id.into(),
                score.into(),
                comment.map(str::to_string).into(),
                now.0.into(),
            ],
        ))
        .await?;
    Ok(res.rows_affected() == 1)
}

/// One entry of a request's timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestEvent {
    pub id: i64,
    pub request_id: i64,
    pub at: Timestamp,
    pub actor_id: Option<i64>,
    /// `created`, `comment`, `note`, `status`, `assigned`, `rating`.
    pub kind: String,
    pub body: Option<String>,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    /// Agents only (internal notes).
    pub internal: bool,
}

/// A timeline entry to add.
#[derive(Debug, Clone, Copy)]
pub struct NewRequestEvent<'a> {
    pub request_id: i64,
    pub actor_id: Option<i64>,
    pub kind: &'a str,
    pub body: Option<&'a str>,
    pub from_status: Option<&'a str>,
    pub to_status: Option<&'a str>,
    pub internal: bool,
}

pub async fn insert_event(
    conn: &impl ConnectionTrait,
    e: &NewRequestEvent<'_>,
    now: Timestamp,
) -> Result<i64> {
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            "INSERT INTO request_events (request_id, at, actor_id, kind, body, from_status, to_status, internal) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            [
                e.request_id.into(),
                now.0.into(),
                e.actor_id.into(),
                e.kind.into(),
                e.body.map(str::to_string).into(),
                e.from_status.map(str::to_string).into(),
                e.to_status.map(str::to_string).into(),
                e.internal.into(),
            ],
        ))
        .await?
        .ok_or_else(|| StorageError::Corrupt("INSERT … RETURNING gave no row".into()))?;
    Ok(row.try_get("", "id")?)
}

/// A request's timeline, oldest first; internal entries only with `internal`.
pub async fn list_events(
    conn: &impl ConnectionTrait,
    request_id: i64,
    internal: bool,
) -> Result<Vec<RequestEvent>> {
    let sql = if internal {
        "SELECT id, request_id, at, actor_id, kind, body, from_status, to_status, internal FROM request_events \
         WHERE request_id = $1 ORDER BY id"
    } else {
        "SELECT id, request_id, at, actor_id, kind, body, from_status, to_status, internal FROM request_events \
         WHERE request_id = $1 AND internal = FALSE ORDER BY id"
    };
    let rows = conn
        .query_all_raw(stmt(conn.get_database_backend(), sql, [request_id.into()]))
        .await?;
    rows.iter()
        .map(|r| {
            Ok(RequestEvent {
                id: r.try_get("", "id")?,
                request_id: r.try_get("", "request_id")?,
                at: Timestamp(r.try_get("", "at")?),
                actor_id: r.try_get("", "actor_id")?,
                kind: r.try_get("", "kind")?,
                body: r.try_get("", "body")?,
                from_status: r.try_get("", "from_status")?,
                to_status: r.try_get("", "to_status")?,
                internal: r.try_get("", "internal")?,
            })
        })
        .collect()
}

/// A file attached (or about to be attached) to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestFile {
    pub id: i64,
    pub request_id: Option<i64>,
    pub event_id: Option<i64>,
    pub uploaded_by: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    /// Where the bytes are when they are in an object store (the row's own bytes are then empty).
    pub object_key: Option<String>,
}

/// What is stored of an upload: its bytes, or the object that holds them.
#[derive(Debug, Clone, Copy)]
pub enum FileBytes<'a> {
    Inline(&'a [u8]),
    /// In an object store under this key; `usize` is the size.
    Object(&'a str, usize),
}

/// Stores a file uploaded by `uploaded_by`, not yet attached to anything.
pub async fn insert_file(
    conn: &impl ConnectionTrait,
    uploaded_by: i64,
    name: &str,
    content_type: &str,
    bytes: FileBytes<'_>,
    now: Timestamp,
) -> Result<i64> {
    let (inline, key, size): (Vec<u8>, Option<String>, usize) = match bytes {
        FileBytes::Inline(b) => (b.to_vec(), None, b.len()),
        FileBytes::Object(k, size) => (Vec::new(), Some(k.to_string()), size),
    };
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            "INSERT INTO request_files (uploaded_by, name, content_type, size, bytes, object_key, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            [
                uploaded_by.into(),
                name.into(),
                content_type.into(),
                i64::try_from(size).unwrap_or(i64::MAX).into(),
                inline.into(),
                key.into(),
                now.0.into(),
            ],
        ))
        .await?
        .ok_or_else(|| StorageError::Corrupt("INSERT … RETURNING gave no row".into()))?;
    Ok(row.try_get("", "id")?)
}

/// Removes uploads that were never attached to a request (a form abandoned after the upload) and are
/// older than `cutoff`. Returns how many rows went, and the object keys they named (for the caller to
/// remove from the object store).
pub async fn delete_unattached_files_before(
    conn: &impl ConnectionTrait,
    cutoff: Timestamp,
) -> Result<(u64, Vec<String>)> {
    let rows = conn
        .query_all_raw(stmt(
            conn.get_database_backend(),
            "DELETE FROM request_files WHERE request_id IS NULL AND created_at < $1 RETURNING object_key",
            [cutoff.0.into()],
        ))
        .await?;
    let mut keys = Vec::new();
    for r in &rows {
        if let Some(k) = r.try_get::<Option<String>>("", "object_key")? {
            keys.push(k);
        }
    }
    Ok((rows.len() as u64, keys))
}

/// Attaches the files `ids` that `uploaded_by` uploaded and that are attached to nothing yet; returns
/// how many were.
pub async fn attach_files(
    conn: &impl ConnectionTrait,
    ids: &[i64],
    uploaded_by: i64,
    request_id: i64,
    event_id: Option<i64>,
) -> Result<u64> {
    if ids.is_empty() {
        return Ok(0);
    }
    let mut values: Vec<Value> = vec![request_id.into(), event_id.into(), uploaded_by.into()];
    let mut marks = Vec::new();
    for id in ids {
        values.push((*id).into());
        marks.push(format!("${}", values.len()));
    }
    let sql = format!(
        "UPDATE request_files SET request_id = $1, event_id = $2 \
         WHERE uploaded_by = $3 AND request_id IS NULL AND id IN ({})",
        marks.join(", ")
    );
    let res = conn
        .execute_raw(stmt(conn.get_database_backend(), &sql, values))
        .await?;
    Ok(res.rows_affected())
}

fn decode_file(r: &QueryResult) -> Result<RequestFile> {
    Ok(RequestFile {
        id: r.try_get("", "id")?,
        request_id: r.try_get("", "request_id")?,
        event_id: r.try_get("", "event_id")?,
        uploaded_by: r.try_get("", "uploaded_by")?,
        name: r.try_get("", "name")?,
        content_type: r.try_get("", "content_type")?,
        size: r.try_get("", "size")?,
        object_key: r.try_get("", "object_key")?,
    })
}

/// The files of a request (without their bytes), oldest first.
pub async fn list_files(conn: &impl ConnectionTrait, request_id: i64) -> Result<Vec<RequestFile>> {
    let rows = conn
        .query_all_raw(stmt(
            conn.get_database_backend(),
            "SELECT id, request_id, event_id, uploaded_by, name, content_type, size, object_key FROM request_files \
             WHERE request_id = $1 ORDER BY id",
            [request_id.into()],
        ))
        .await?;
    rows.iter().map(decode_file).collect()
}

/// One file with its bytes.
pub async fn file_bytes(
    conn: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<(RequestFile, Vec<u8>)>> {
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            "SELECT id, request_id, event_id, uploaded_by, name, content_type, size, object_key, bytes FROM request_files WHERE id = $1",
            [id.into()],
        ))
        .await?;
    row.map(|r| Ok((decode_file(&r)?, r.try_get("", "bytes")?)))
        .transpose()
}
