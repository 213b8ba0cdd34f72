//! Background jobs: a registry of handlers by kind, workers that claim and run jobs with retries and
//! backoff, and a scheduler for periodic jobs. Jobs are at-least-once: a handler must be idempotent (a
//! job whose worker dies mid-run is run again once its lease expires).

mod cleanup;
mod worker;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use portico_storage::jobs::{self as store, Job, NewJob};

pub use cleanup::{CLEANUP_JOB, CleanupPolicy};
pub use worker::{WorkerConfig, run_listener, run_scheduler, run_worker};

use crate::{App, AppError};

/// What a handler gets: the app and the job being run.
#[derive(Debug, Clone)]
pub struct JobContext {
    pub app: App,
    pub job: Job,
}

pub type JobFuture = Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send>>;
type Handler = Arc<dyn Fn(JobContext) -> JobFuture + Send + Sync>;

/// Handlers by job kind, plus the periodic schedule.
#[derive(Clone, Default)]
pub struct JobRegistry {
    handlers: HashMap<String, Handler>,
    periodic: Vec<Periodic>,
}

impl std::fmt::Debug for JobRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobRegistry")
            .field("kinds", &self.handlers.keys().collect::<Vec<_>>())
            .field("periodic", &self.periodic)
            .finish()
    }
}

/// A job enqueued once per `every` by whichever node's scheduler gets there first.
#[derive(Debug, Clone)]
pub struct Periodic {
    pub kind: String,
    pub every: Duration,
}

/// What a feature implements to run background jobs: it registers the kinds it handles and any
/// periodic schedule. The product's list of features is assembled in `crate::features`, which imports
/// the job system and each feature; the job system imports no feature.
pub trait JobKinds {
    fn register_jobs(&self, r: &mut JobRegistry);
}

impl JobRegistry {
    /// A registry with the kinds of each feature in `features`, asked in turn.
    pub fn with(features: &[&dyn JobKinds]) -> Self {
        let mut r = Self::default();
        for f in features {
            f.register_jobs(&mut r);
        }
        r
    }

    pub fn register<F>(&mut self, kind: &str, handler: F)
    where
        F: Fn(JobContext) -> JobFuture + Send + Sync + 'static,
    {
        self.handlers.insert(kind.to_string(), Arc::new(handler));
    }

    pub fn every(&mut self, kind: &str, every: Duration) {
        self.periodic.push(Periodic {
            kind: kind.to_string(),
            every,
        });
    }

    /// The kinds this registry can run, sorted.
    pub fn kinds(&self) -> Vec<String> {
        let mut k: Vec<String> = self.handlers.keys().cloned().collect();
        k.sort();
        k
    }

    pub(crate) fn handler(&self, kind: &str) -> Option<Handler> {
        self.handlers.get(kind).cloned()
    }

    pub fn periodic(&self) -> &[Periodic] {
        &self.periodic
    }
}

/// Enqueues a job outside any other transaction and wakes local workers.
pub async fn enqueue(app: &App, job: NewJob) -> Result<Option<i64>, AppError> {
    let id = store::enqueue(app.db().conn(), &job, app.now()).await?;
    app.wake_workers();
    Ok(id)
}

/// Delay before retry number `attempt` (1-based): 5 s doubling up to 1 h, with ±20 % jitter so a burst
/// of failures does not retry in lock-step.
pub fn backoff(attempt: i32) -> Duration {
    let exp = attempt.clamp(1, 20) - 1;
    let base = 5_u64.saturating_mul(1_u64 << exp).min(3600);
    let jitter = rand::random_range(0.8..1.2);
    Duration::from_millis((base as f64 * 1000.0 * jitter) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_caps() {
        let s = |a| backoff(a).as_secs_f64();
        assert!((4.0..=6.0).contains(&s(1)));
        assert!((8.0..=12.0).contains(&s(2)));
        assert!((2880.0..=4320.0).contains(&s(20)));
        assert!(s(50) <= 4320.0);
    }
}
