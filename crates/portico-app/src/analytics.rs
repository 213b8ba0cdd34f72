//! What visitors do (article views, searches, clicks on results), recorded in the portal's own event
//! log without slowing the page that records it.
//!
//! A request only puts the event in this node's queue; [`run_writer`] writes what is queued in one
//! transaction per batch, so a busy help centre costs one commit per batch rather than one per page
//! view, and pages never wait for the disk. Events are analytics, not acknowledged writes: a node that
//! crashes loses at most the batch it had not written yet (well under a second of views). An event
//! this node already queued today for the same visitor and thing is dropped at once: the log counts
//! each visitor once a day anyway (the database's unique key enforces that across nodes).

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use portico_core::Timestamp;
use portico_storage::events::{self, NewEvent};
use tokio::sync::{Notify, mpsc};
use tokio_util::sync::CancellationToken;

use crate::App;

/// Events written per transaction at most.
const BATCH: usize = 500;

/// Keys remembered per day to drop repeats before they reach the database.
const SEEN_MAX: usize = 200_000;

/// One event waiting to be written.
#[derive(Debug, Clone)]
struct Queued {
    kind: String,
    subject: Option<String>,
    query: Option<String>,
    results: Option<i32>,
    visitor: String,
    user_id: Option<i64>,
    at: Timestamp,
}

/// This node's queue of events.
#[derive(Debug)]
pub struct EventQueue {
    tx: mpsc::UnboundedSender<Queued>,
    rx: Mutex<Option<mpsc::UnboundedReceiver<Queued>>>,
    /// Queued and not yet written.
    pending: AtomicUsize,
    written: Notify,
    /// Today's keys already queued: (day, keys).
    seen: Mutex<(i64, HashSet<String>)>,
}

impl Default for EventQueue {
    fn default() -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        Self {
            tx,
            rx: Mutex::new(Some(rx)),
            pending: AtomicUsize::new(0),
            written: Notify::new(),
            seen: Mutex::new((0, HashSet::new())),
        }
    }
}

impl EventQueue {
    /// Queues an event (never waits).
    pub fn record(&self, e: NewEvent<'_>, at: Timestamp) {
        let key = events::dedup_key(&e, at);
        {
            let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
            let day = at.millis().div_euclid(86_400_000);
            if seen.0 != day || seen.1.len() >= SEEN_MAX {
                *seen = (day, HashSet::new());
            }
            if !seen.1.insert(key) {
                return;
            }
        }
        self.pending.fetch_add(1, Ordering::AcqRel);
        let queued = Queued {
            kind: e.kind.to_string(),
            subject: e.subject.map(str::to_string),
            query: e.query.map(str::to_string),
            results: e.results,
            visitor: e.visitor.to_string(),
            user_id: e.user_id,
            at,
        };
        if self.tx.send(queued).is_err() {
            self.pending.fetch_sub(1, Ordering::AcqRel);
        }
    }

    fn done(&self, n: usize) {
        self.pending.fetch_sub(n, Ordering::AcqRel);
        self.written.notify_waiters();
    }
}

/// Waits (up to `within`) until every event queued so far on this node is written; false on timeout.
pub async fn flush(app: &App, within: Duration) -> bool {
    let q = app.events();
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let notified = q.written.notified();
        if q.pending.load(Ordering::Acquire) == 0 {
            return true;
        }
        if tokio::time::timeout_at(deadline, notified).await.is_err() {
            return q.pending.load(Ordering::Acquire) == 0;
        }
    }
}

async fn write(app: &App, batch: &[Queued]) -> Result<(), crate::AppError> {
    let tx = app.begin().await?;
    for e in batch {
        events::record(
            tx.conn(),
            &NewEvent {
                kind: &e.kind,
                subject: e.subject.as_deref(),
                query: e.query.as_deref(),
                results: e.results,
                visitor: &e.visitor,
                user_id: e.user_id,
            },
            e.at,
        )
        .await?;
    }
    tx.commit().await
}

/// Writes this node's queued events until `stop`, then what is left. One writer per process.
pub async fn run_writer(app: App, stop: CancellationToken) {
    let Some(mut rx) = app
        .events()
        .rx
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take()
    else {
        return;
    };
    let mut batch: Vec<Queued> = Vec::with_capacity(BATCH);
    loop {
        let first = tokio::select! {
            e = rx.recv() => e,
            () = stop.cancelled() => None,
        };
        let Some(first) = first else { break };
        batch.push(first);
        while batch.len() < BATCH {
            match rx.try_recv() {
                Ok(e) => batch.push(e),
                Err(_) => break,
            }
        }
        write_batch(&app, &mut batch).await;
    }
    // Shutting down: what is queued still goes in.
    while let Ok(e) = rx.try_recv() {
        batch.push(e);
        if batch.len() == BATCH {
            write_batch(&app, &mut batch).await;
        }
    }
    write_batch(&app, &mut batch).await;
}

async fn write_batch(app: &App, batch: &mut Vec<Queued>) {
    if batch.is_empty() {
        return;
    }
    // A failed batch is tried once more, then dropped (analytics must not block the portal).
    let mut result = write(app, batch).await;
    if result.is_err() {
        tokio::time::sleep(Duration::from_millis(200)).await;
        result = write(app, batch).await;
    }
    if let Err(e) = result {
        tracing::warn!(error = %e, events = batch.len(), "could not record events");
    }
    let n = batch.len();
    batch.clear();
    app.events().done(n);
}
