//! The worker loop and the periodic scheduler. A worker claims due jobs (up to its concurrency), runs each
//! with a timeout inside the lease, records success or schedules a retry with backoff, and on shutdown
//! stops claiming and lets running jobs finish within a grace period; a job still running then is
//! handed back (its lease would otherwise delay the retry). The jobs that ended since the worker last
//! looked are marked done together, in one statement, so a stream of short jobs costs one write per
//! handful instead of one each.

use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use portico_storage::jobs::{self as store, Job, NewJob};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::{JobContext, JobRegistry, backoff};
use crate::App;

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Worker name, unique per process (it owns the leases it takes).
    pub name: String,
    pub queue: String,
    /// Jobs run at once by this worker.
    pub concurrency: usize,
    /// How often to look for due jobs when nothing woke the worker.
    pub poll_interval: Duration,
    /// How long a claimed job stays leased; a job must finish within it.
    pub lease: Duration,
    /// How long running jobs may take to finish after shutdown is requested.
    pub shutdown_grace: Duration,
}

impl WorkerConfig {
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            queue: "default".into(),
            concurrency: 4,
            poll_interval: Duration::from_secs(1),
            lease: Duration::from_secs(300),
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// Longest a free slot waits for others to free up before it is filled alone.
const CLAIM_PAUSE: Duration = Duration::from_millis(20);

/// Runs until `shutdown` is cancelled.
pub async fn run_worker(
    app: App,
    registry: Arc<JobRegistry>,
    cfg: WorkerConfig,
    shutdown: CancellationToken,
) {
    let mut running: JoinSet<Finished> = JoinSet::new();
    let mut finished: Vec<Finished> = Vec::new();
    let mut running_ids: Vec<(tokio::task::Id, i64)> = Vec::new();
    let kinds = registry.kinds();
    let mut last_claim = std::time::Instant::now();
    tracing::debug!(worker = %cfg.name, "job worker started");
    loop {
        while let Some(res) = running.try_join_next_with_id() {
            collect(res, &mut running_ids, &mut finished);
        }
        record(&app, &registry, &cfg, &mut finished).await;
        if shutdown.is_cancelled() {
            break;
        }
        // Registered before claiming, so a wake-up that arrives while claiming is not lost.
        let wakeup = app.job_wakeup().notified();
        tokio::pin!(wakeup);
        wakeup.as_mut().enable();
        let free = cfg.concurrency.saturating_sub(running.len());
        let mut claimed = Vec::new();
        let mut wait = cfg.poll_interval;
        // Under a stream of jobs, claim when half the slots are free rather than for every job that
        // ends, so one claim (a write) takes several; a slot freed beside long jobs waits at most
        // `CLAIM_PAUSE` (or the next wake-up).
        if free > 0 && (free >= cfg.concurrency.div_ceil(2) || last_claim.elapsed() >= CLAIM_PAUSE)
        {
            last_claim = std::time::Instant::now();
            let lease_ms = i64::try_from(cfg.lease.as_millis()).unwrap_or(i64::MAX);
            let turn = app.db().write_turn().await;
            let claim = store::claim(
                app.db().conn(),
                &cfg.queue,
                &kinds,
                &cfg.name,
                app.now(),
                lease_ms,
                free as u32,
            )
            .await;
            drop(turn);
            match claim {
                Ok(jobs) => claimed = jobs,
                Err(e) => {
                    tracing::warn!(worker = %cfg.name, error = %e, "claiming jobs failed; retrying")
                }
            }
        } else if free > 0 {
            wait = CLAIM_PAUSE.saturating_sub(last_claim.elapsed());
        }
        let got_work = !claimed.is_empty();
        for job in claimed {
            let job_id = job.id;
            let handle = running.spawn(execute(app.clone(), registry.clone(), cfg.clone(), job));
            running_ids.push((handle.id(), job_id));
        }
        if got_work && running.len() < cfg.concurrency {
            continue;
        }
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = &mut wakeup => {}
            _ = tokio::time::sleep(wait) => {}
            Some(res) = running.join_next_with_id(), if !running.is_empty() => {
                collect(res, &mut running_ids, &mut finished);
            }
        }
    }
    // Graceful stop: wait for running jobs, then hand back whatever is still running.
    let deadline = tokio::time::sleep(cfg.shutdown_grace);
    tokio::pin!(deadline);
    while !running.is_empty() {
        tokio::select! {
            res = running.join_next_with_id() => {
                if let Some(res) = res {
                    collect(res, &mut running_ids, &mut finished);
                }
            }
            _ = &mut deadline => {
                running.abort_all();
                // Wait until the aborted tasks have really stopped (each stops at its next await), so
                // nothing of theirs can still write after the job is handed back.
                let _ = tokio::time::timeout(std::time::Duration::from_secs(5), async {
                    while running.join_next().await.is_some() {}
                })
                .await;
                for (_, job_id) in &running_ids {
                    if let Err(e) = store::release(app.db().conn(), *job_id, &cfg.name, app.now()).await {
                        tracing::warn!(job_id, error = %e, "could not hand back a job at shutdown");
                    }
                }
                break;
            }
        }
    }
    record(&app, &registry, &cfg, &mut finished).await;
    tracing::debug!(worker = %cfg.name, "job worker stopped");
}

/// A job that ran: what to record of it.
#[derive(Debug)]
struct Finished {
    job: Job,
    outcome: anyhow::Result<()>,
    started: std::time::Instant,
}

fn collect(
    res: Result<(tokio::task::Id, Finished), tokio::task::JoinError>,
    running_ids: &mut Vec<(tokio::task::Id, i64)>,
    finished: &mut Vec<Finished>,
) {
    match res {
        Ok((id, f)) => {
            running_ids.retain(|(t, _)| *t != id);
            finished.push(f);
        }
        // Aborted at shutdown: handed back by the caller. (Handlers' panics are caught inside.)
        Err(e) => running_ids.retain(|(t, _)| *t != e.id()),
    }
}

/// Records the outcomes in `finished` (and empties it): every success in one statement, failures one
/// by one (they are rare).
async fn record(
    app: &App,
    registry: &JobRegistry,
    cfg: &WorkerConfig,
    finished: &mut Vec<Finished>,
) {
    if finished.is_empty() {
        return;
    }
    let now = app.now();
    let batch = std::mem::take(finished);
    let conn = app.db().conn();
    let _turn = app.db().write_turn().await;
    let mut done = Vec::new();
    for f in &batch {
        let kind = f.job.kind.clone();
        metrics::histogram!("portico_job_duration_seconds", "kind" => kind.clone())
            .record(f.started.elapsed().as_secs_f64());
        match &f.outcome {
            Ok(()) => {
                metrics::counter!("portico_jobs_total", "kind" => kind, "outcome" => "done")
                    .increment(1);
                done.push(f.job.id);
            }
            Err(e) => {
                let permanent =
                    f.job.attempts >= f.job.max_attempts || registry.handler(&f.job.kind).is_none();
                let retry_at = (!permanent).then(|| {
                    let d = backoff(f.job.attempts);
                    now.plus_millis(i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
                });
                let outcome = if permanent { "failed" } else { "retry" };
                metrics::counter!("portico_jobs_total", "kind" => kind.clone(), "outcome" => outcome)
                    .increment(1);
                tracing::warn!(job_id = f.job.id, kind = %kind, attempt = f.job.attempts, error = %format!("{e:#}"), outcome, "job failed");
                match store::fail(conn, f.job.id, &cfg.name, now, &format!("{e:#}"), retry_at).await
                {
                    Ok(true) => {}
                    Ok(false) => lease_lost(f.job.id),
                    Err(e) => {
                        tracing::error!(job_id = f.job.id, error = %e, "recording the job outcome failed")
                    }
                }
            }
        }
    }
    match store::complete_many(conn, &done, &cfg.name, now).await {
        Ok(recorded) => {
            for id in done.iter().filter(|id| !recorded.contains(id)) {
                lease_lost(*id);
            }
        }
        Err(e) => {
            tracing::error!(jobs = ?done, error = %e, "recording finished jobs failed; their leases will lapse")
        }
    }
}

fn lease_lost(job_id: i64) {
    tracing::warn!(
        job_id,
        "job outcome not recorded: the lease had passed to another worker"
    );
}

async fn execute(app: App, registry: Arc<JobRegistry>, cfg: WorkerConfig, job: Job) -> Finished {
    let started = std::time::Instant::now();
    let outcome: anyhow::Result<()> = if job.attempts > job.max_attempts {
        Err(anyhow::anyhow!("lease expired on the last allowed attempt"))
    } else {
        match registry.handler(&job.kind) {
            None => Err(anyhow::anyhow!(
                "no handler is registered for job kind `{}`",
                job.kind
            )),
            Some(handler) => {
                let ctx = JobContext {
                    app: app.clone(),
                    job: job.clone(),
                };
                // Leave a margin inside the lease so a slow job fails before another worker may take it.
                let limit = cfg.lease.mul_f64(0.9);
                match tokio::time::timeout(
                    limit,
                    std::panic::AssertUnwindSafe(handler(ctx)).catch_unwind(),
                )
                .await
                {
                    Ok(Ok(res)) => res,
                    Ok(Err(_)) => Err(anyhow::anyhow!("the job handler panicked")),
                    Err(_) => Err(anyhow::anyhow!("timed out after {} s", limit.as_secs())),
                }
            }
        }
    };
    Finished {
        job,
        outcome,
        started,
    }
}

/// Wakes this process's workers when any node enqueues a job, and its search follower when any node
/// changes searchable content (PostgreSQL `LISTEN`); a no-op on SQLite. Runs until `shutdown`.
pub async fn run_listener(app: App, shutdown: CancellationToken) {
    let waker = app.clone();
    portico_storage::notify::listen(
        app.db(),
        move |n| match n {
            portico_storage::notify::Notification::Jobs => waker.wake_workers(),
            portico_storage::notify::Notification::Outbox => {
                if let Some(s) = waker.search_state() {
                    s.wake();
                }
            }
            portico_storage::notify::Notification::Request { id, internal } => {
                waker.announce_request(id, internal);
            }
        },
        shutdown.cancelled_owned(),
    )
    .await;
}

/// Enqueues each periodic job once per period, from every node; unique keys make the extra enqueues
/// no-ops. Ticks every `tick` until `shutdown`.
pub async fn run_scheduler(
    app: App,
    registry: Arc<JobRegistry>,
    tick: Duration,
    shutdown: CancellationToken,
) {
    loop {
        for p in registry.periodic() {
            let every_ms = i64::try_from(p.every.as_millis())
                .unwrap_or(i64::MAX)
                .max(1000);
            let now = app.now();
            let slot = now.millis() / every_ms;
            let job = NewJob::new(p.kind.clone(), serde_json::json!({}), now)
                .unique(format!("periodic:{}:{slot}", p.kind));
            match store::enqueue(app.db().conn(), &job, now).await {
                Ok(Some(_)) => app.wake_workers(),
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(kind = %p.kind, error = %e, "scheduling a periodic job failed")
                }
            }
        }
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(tick) => {}
        }
    }
}
