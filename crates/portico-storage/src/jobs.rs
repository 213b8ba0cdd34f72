//! The job queue table. Jobs are claimed with a lease: a claim marks rows `running`, records the worker
//! and a lease deadline, and bumps `attempts`, in one statement (`FOR UPDATE SKIP LOCKED` on PostgreSQL;
//! SQLite's single writer makes the `UPDATE … RETURNING` atomic). A job whose worker died is claimed
//! again once its lease runs out. Finishing or failing checks the lease owner, so a worker that lost its
//! lease cannot overwrite the outcome of the worker that took over.

use portico_core::Timestamp;
use sea_orm::{ConnectionTrait, QueryResult};

use crate::dialect::{after_enqueue, skip_locked, stmt, without_flush_wait};
use crate::error::{Result, StorageError};
use crate::query::query_i64;

/// A job to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub queue: String,
    pub kind: String,
    pub payload: serde_json::Value,
    pub run_at: Timestamp,
    pub priority: i32,
    pub max_attempts: i32,
    /// At most one job with a given key ever exists (until cleanup removes it): periodic schedules and
    /// "send this mail once" use it to stay idempotent across nodes.
    pub unique_key: Option<String>,
}

impl NewJob {
    pub fn new(kind: impl Into<String>, payload: serde_json::Value, run_at: Timestamp) -> Self {
        Self {
            queue: "default".into(),
            kind: kind.into(),
            payload,
            run_at,
            priority: 0,
            max_attempts: 5,
            unique_key: None,
        }
    }

    pub fn unique(mut self, key: impl Into<String>) -> Self {
        self.unique_key = Some(key.into());
        self
    }
}

/// A claimed job.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: i64,
    pub queue: String,
    pub kind: String,
    pub payload: serde_json::Value,
    /// Attempts including the current one.
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: Timestamp,
    pub created_at: Timestamp,
}

fn decode(row: &QueryResult) -> Result<Job> {
    let payload: String = row.try_get("", "payload")?;
    Ok(Job {
        id: row.try_get("", "id")?,
        queue: row.try_get("", "queue")?,
        kind: row.try_get("", "kind")?,
        payload: serde_json::from_str(&payload)
            .map_err(|e| StorageError::Corrupt(format!("jobs.payload: {e}")))?,
        attempts: row.try_get("", "attempts")?,
        max_attempts: row.try_get("", "max_attempts")?,
        run_at: Timestamp(row.try_get("", "run_at")?),
        created_at: Timestamp(row.try_get("", "created_at")?),
    })
}

/// Enqueues a job. Returns its id, or `None` when a job with the same unique key already exists.
pub async fn enqueue(
    conn: &impl ConnectionTrait,
    job: &NewJob,
    now: Timestamp,
) -> Result<Option<i64>> {
    let id = insert_job(conn, job, now).await?;
    if id.is_some() {
        wake_workers(conn).await?;
    }
    Ok(id)
}

/// Wakes every node's idle workers when the surrounding transaction commits (PostgreSQL `NOTIFY`;
/// nothing on SQLite, whose single node wakes in-process). One call serves any number of jobs.
pub async fn wake_workers(conn: &impl ConnectionTrait) -> Result<()> {
    if let Some(sql) = after_enqueue(conn.get_database_backend()) {
        conn.execute_unprepared(sql).await?;
    }
    Ok(())
}

/// Inserts a job without waking anyone (see [`wake_workers`]); `None` when its unique key exists.
pub async fn insert_job(
    conn: &impl ConnectionTrait,
    job: &NewJob,
    now: Timestamp,
) -> Result<Option<i64>> {
    query_i64(
        conn,
        "INSERT INTO jobs (queue, kind, payload, status, priority, run_at, attempts, max_attempts, unique_key, created_at, updated_at) \
         VALUES ($1, $2, $3, 'queued', $4, $5, 0, $6, $7, $8, $8) \
         ON CONFLICT (unique_key) DO NOTHING RETURNING id AS v",
        [
            job.queue.clone().into(),
            job.kind.clone().into(),
            job.payload.to_string().into(),
            job.priority.into(),
            job.run_at.0.into(),
            job.max_attempts.max(1).into(),
            job.unique_key.clone().into(),
            now.0.into(),
        ],
    )
    .await
}

/// Claims up to `limit` due jobs of `queue` whose kind is in `kinds` for `worker`, leasing them until
/// `now + lease_ms`. Only kinds this worker can run are claimed, so during a rolling upgrade an older
/// node leaves a newer node's jobs alone.
pub async fn claim(
    conn: &impl ConnectionTrait,
    queue: &str,
    kinds: &[String],
    worker: &str,
    now: Timestamp,
    lease_ms: i64,
    limit: u32,
) -> Result<Vec<Job>> {
    if kinds.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    let backend = conn.get_database_backend();
    let kind_params: Vec<String> = (0..kinds.len()).map(|i| format!("${}", i + 6)).collect();
    let kinds_in = kind_params.join(", ");
    let lock = skip_locked(backend);
    // Lapsed leases first (few, and they must not wait behind a stream of due jobs), then due jobs by
    // priority and time; each from its own partial index, walked in order (see m0013).
    let sql = format!(
        "WITH lapsed AS (SELECT id FROM jobs WHERE status = 'running' AND queue = $4 AND locked_until < $3 \
           AND kind IN ({kinds_in}) ORDER BY locked_until LIMIT $5{lock}), \
         due AS (SELECT id FROM jobs WHERE status = 'queued' AND queue = $4 AND run_at <= $3 \
           AND kind IN ({kinds_in}) ORDER BY priority DESC, run_at, id LIMIT $5{lock}) \
         UPDATE jobs SET status = 'running', locked_by = $1, locked_until = $2, attempts = attempts + 1, updated_at = $3{} \
         WHERE id IN (SELECT id FROM (SELECT id FROM lapsed UNION ALL SELECT id FROM due) AS picked LIMIT $5) \
         RETURNING id, queue, kind, payload, attempts, max_attempts, run_at, created_at",
        without_flush_wait(backend),
    );
    let mut values: Vec<sea_orm::Value> = vec![
        worker.into(),
        now.plus_millis(lease_ms).0.into(),
        now.0.into(),
        queue.into(),
        i64::from(limit).into(),
    ];
    values.extend(kinds.iter().map(|k| k.clone().into()));
    let rows = conn.query_all_raw(stmt(backend, &sql, values)).await?;
    let mut jobs = rows.iter().map(decode).collect::<Result<Vec<_>>>()?;
    jobs.sort_by_key(|j| j.id);
    Ok(jobs)
}

/// Marks a job done. Returns false if `worker` no longer holds its lease (nothing is changed then).
pub async fn complete(
    conn: &impl ConnectionTrait,
    id: i64,
    worker: &str,
    now: Timestamp,
) -> Result<bool> {
    Ok(complete_many(conn, &[id], worker, now).await?.contains(&id))
}

/// Marks the jobs `ids` done in one statement; returns the ids that were (a job whose lease passed
/// to another worker is left alone).
pub async fn complete_many(
    conn: &impl ConnectionTrait,
    ids: &[i64],
    worker: &str,
    now: Timestamp,
) -> Result<Vec<i64>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let backend = conn.get_database_backend();
    let mut values: Vec<sea_orm::Value> = vec![now.0.into(), worker.into()];
    let mut marks = Vec::with_capacity(ids.len());
    for id in ids {
        values.push((*id).into());
        marks.push(format!("${}", values.len()));
    }
    let sql = format!(
        "UPDATE jobs SET status = 'done', finished_at = $1, updated_at = $1, locked_by = NULL, locked_until = NULL, last_error = NULL{} \
         WHERE id IN ({}) AND locked_by = $2 AND status = 'running' RETURNING id",
        without_flush_wait(backend),
        marks.join(", ")
    );
    let rows = conn.query_all_raw(stmt(backend, &sql, values)).await?;
    rows.iter()
        .map(|r| Ok(r.try_get::<i64>("", "id")?))
        .collect()
}

/// Records a failed attempt: queued again at `retry_at`, or `failed` for good when `retry_at` is None.
pub async fn fail(
    conn: &impl ConnectionTrait,
    id: i64,
    worker: &str,
    now: Timestamp,
    error: &str,
    retry_at: Option<Timestamp>,
) -> Result<bool> {
    let error: String = error.chars().take(4000).collect();
    let backend = conn.get_database_backend();
    let res = match retry_at {
        Some(at) => {
            conn.execute_raw(stmt(
                backend,
                "UPDATE jobs SET status = 'queued', run_at = $1, updated_at = $2, locked_by = NULL, locked_until = NULL, last_error = $3 \
                 WHERE id = $4 AND locked_by = $5 AND status = 'running'",
                [at.0.into(), now.0.into(), error.into(), id.into(), worker.into()],
            ))
            .await?
        }
        None => {
            conn.execute_raw(stmt(
                backend,
                "UPDATE jobs SET status = 'failed', finished_at = $1, updated_at = $1, locked_by = NULL, locked_until = NULL, last_error = $2 \
                 WHERE id = $3 AND locked_by = $4 AND status = 'running'",
                [now.0.into(), error.into(), id.into(), worker.into()],
            ))
            .await?
        }
    };
    Ok(res.rows_affected() == 1)
}

/// Gives a running job back to the queue untouched (used on shutdown); the attempt is not counted.
pub async fn release(
    conn: &impl ConnectionTrait,
    id: i64,
    worker: &str,
    now: Timestamp,
) -> Result<bool> {
    let res = conn
        .execute_raw(stmt(
            conn.get_database_backend(),
            "UPDATE jobs SET status = 'queued', attempts = attempts - 1, updated_at = $1, locked_by = NULL, locked_until = NULL \
             WHERE id = $2 AND locked_by = $3 AND status = 'running'",
            [now.0.into(), id.into(), worker.into()],
        ))
        .await?;
    Ok(res.rows_affected() == 1)
}

/// Job counts by status, for `/metrics` and admin pages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobCounts {
    pub queued: i64,
    pub running: i64,
    pub done: i64,
    pub failed: i64,
}

pub async fn count_jobs(conn: &impl ConnectionTrait) -> Result<JobCounts> {
    let rows = conn
        .query_all_raw(stmt(
            conn.get_database_backend(),
            "SELECT status, COUNT(*) AS n FROM jobs GROUP BY status",
            [],
        ))
        .await?;
    let mut c = JobCounts::default();
    for r in rows {
        let status: String = r.try_get("", "status")?;
        let n: i64 = r.try_get("", "n")?;
        match status.as_str() {
            "queued" => c.queued = n,
            "running" => c.running = n,
            "done" => c.done = n,
            "failed" => c.failed = n,
            _ => {}
        }
    }
    Ok(c)
}

/// A job's current state, for tests and admin views.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobState {
    pub status: String,
    pub attempts: i32,
    pub run_at: Timestamp,
    pub last_error: Option<String>,
}

pub async fn find_job_state(conn: &impl ConnectionTrait, id: i64) -> Result<Option<JobState>> {
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            "SELECT status, attempts, run_at, last_error FROM jobs WHERE id = $1",
            [id.into()],
        ))
        .await?;
    row.map(|r| {
        Ok(JobState {
            status: r.try_get("", "status")?,
            attempts: r.try_get("", "attempts")?,
            run_at: Timestamp(r.try_get("", "run_at")?),
            last_error: r.try_get("", "last_error")?,
        })
    })
    .transpose()
}

/// Deletes finished (done or failed) jobs that ended before `cutoff`.
pub async fn delete_finished_before(conn: &impl ConnectionTrait, cutoff: Timestamp) -> Result<u64> {
    let res = conn
        .execute_raw(stmt(
            conn.get_database_backend(),
            "DELETE FROM jobs WHERE status IN ('done', 'failed') AND finished_at < $1",
            [cutoff.0.into()],
        ))
        .await?;
    Ok(res.rows_affected())
}
