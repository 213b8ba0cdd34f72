//! The periodic housekeeping job: removes expired sessions, finished jobs, search-outbox entries past
//! their retention, sign-in failure counts a day old and uploads for request forms that were never sent. Idempotent: running it twice deletes nothing more.

use std::time::Duration;

use portico_storage::{jobs, outbox, sessions, sign_in_throttle};

use super::{JobContext, JobKinds, JobRegistry};

pub const CLEANUP_JOB: &str = "cleanup";

/// How long finished records are kept.
#[derive(Debug, Clone, Copy)]
pub struct CleanupPolicy {
    pub finished_jobs_days: i64,
    pub outbox_days: i64,
    /// Uploads for a request form that was never sent.
    pub unattached_files_days: i64,
}

impl Default for CleanupPolicy {
    fn default() -> Self {
        Self {
            finished_jobs_days: 14,
            outbox_days: 30,
            unattached_files_days: 2,
        }
    }
}

/// `cleanup`, enqueued hourly by the scheduler.
impl JobKinds for CleanupPolicy {
    fn register_jobs(&self, r: &mut JobRegistry) {
        let policy = *self;
        r.register(CLEANUP_JOB, move |ctx| Box::pin(run(ctx, policy)));
        r.every(CLEANUP_JOB, Duration::from_secs(3600));
    }
}

async fn run(ctx: JobContext, policy: CleanupPolicy) -> anyhow::Result<()> {
    let now = ctx.app.now();
    let conn = ctx.app.db().conn();
    let day = 86_400;
    let sessions = sessions::delete_expired_sessions(conn, now).await?;
    let jobs =
        jobs::delete_finished_before(conn, now.plus_secs(-policy.finished_jobs_days * day)).await?;
    // Outbox entries are stamped by the database server's clock on PostgreSQL (this node's on SQLite,
    // where `settle_cutoff` has no server clock to offer): age them by the same clock, or a node whose
    // clock runs ahead would remove entries that followers have not applied yet.
    let retention_ms = policy.outbox_days * day * 1000;
    let outbox_cutoff = outbox::settle_cutoff(conn, retention_ms)
        .await?
        .unwrap_or(now.plus_secs(-policy.outbox_days * day));
    let outbox = outbox::delete_outbox_before(conn, outbox_cutoff).await?;
    let throttles = sign_in_throttle::delete_stale_throttles(conn, now.plus_secs(-day)).await?;
    let links = portico_storage::account_links::delete_stale_links(conn, now).await?;
    let (uploads, objects) = portico_storage::requests::delete_unattached_files_before(
        conn,
        now.plus_secs(-policy.unattached_files_days * day),
    )
    .await?;
    // After the rows are gone, so no row ever names a missing object.
    ctx.app.settings().files.delete(&objects).await;
    tracing::info!(
        sessions,
        jobs,
        outbox,
        throttles,
        links,
        uploads,
        "cleanup removed expired records"
    );
    Ok(())
}
