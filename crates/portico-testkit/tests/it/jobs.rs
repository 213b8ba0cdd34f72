//! The job queue on both engines: exclusive claims under concurrency, retries with backoff, permanent
//! failure, unique keys, lease expiry, graceful stop, and the periodic cleanup job.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use portico_app::jobs::{JobRegistry, WorkerConfig, run_worker};
use portico_core::{Clock, FixedClock, SystemClock, Timestamp};
use portico_storage::jobs::{self as store, NewJob};
use portico_testkit::{
    DbKind, TestApp, TestOptions, both, portico_app, portico_core, portico_storage, postgres_only,
};
use tokio_util::sync::CancellationToken;

type Runs = Arc<Mutex<HashMap<i64, u32>>>;

fn counting_registry(runs: Runs) -> JobRegistry {
    let mut r = JobRegistry::default();
    r.register("count", move |ctx| {
        let runs = runs.clone();
        Box::pin(async move {
            // A little work inside the lease, so claims overlap in time.
            tokio::time::sleep(Duration::from_millis(2)).await;
            *runs.lock().unwrap().entry(ctx.job.id).or_default() += 1;
            Ok(())
        })
    });
    r
}

async fn wait_until<F: Fn() -> bool>(what: &str, f: F) {
    for _ in 0..600 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting for {what}");
}

/// Polls a job's stored state until `done` holds (the worker records outcomes after the handler returns).
async fn wait_state(
    db: &portico_storage::Db,
    id: i64,
    done: impl Fn(&store::JobState) -> bool,
) -> store::JobState {
    for _ in 0..600 {
        let s = store::find_job_state(db.conn(), id).await.unwrap().unwrap();
        if done(&s) {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("job {id} never reached the expected state");
}

fn kinds() -> Vec<String> {
    vec!["count".to_string()]
}

async fn two_workers_never_run_the_same_job_twice(kind: DbKind) {
    let Some(t) = TestApp::start_with(
        kind,
        TestOptions {
            workers: false,
            ..Default::default()
        },
    )
    .await
    else {
        return;
    };
    let app = t.app.clone();
    let db = t.store().clone();
    let now = app.now();
    let mut ids = Vec::new();
    for i in 0..300 {
        let job = NewJob::new("count", serde_json::json!({"n": i}), now);
        ids.push(store::enqueue(db.conn(), &job, now).await.unwrap().unwrap());
    }
    let runs: Runs = Arc::default();
    let registry = Arc::new(counting_registry(runs.clone()));
    // A second, independent connection pool stands in for a second node.
    let mut other_cfg =
        portico_storage::DbConfig::new(portico_storage::DatabaseUrl::parse(&t.db.url).unwrap());
    other_cfg.max_connections = 4;
    let other_db = portico_storage::Db::connect(&other_cfg).await.unwrap();
    let other = portico_app::App::new(other_db, Arc::new(SystemClock), Default::default());
    let stop = CancellationToken::new();
    let mut workers = Vec::new();
    for w in 0..4 {
        let mut cfg = WorkerConfig::new(format!("test-worker-{w}"));
        cfg.concurrency = 8;
        cfg.poll_interval = Duration::from_millis(20);
        let node = if w % 2 == 0 {
            app.clone()
        } else {
            other.clone()
        };
        workers.push(tokio::spawn(run_worker(
            node,
            registry.clone(),
            cfg,
            stop.child_token(),
        )));
    }
    wait_until("all jobs to run", || {
        runs.lock().unwrap().len() == ids.len()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.cancel();
    for w in workers {
        w.await.unwrap();
    }
    let twice: Vec<(i64, u32)> = runs
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, n)| **n != 1)
        .map(|(k, v)| (*k, *v))
        .collect();
    assert!(twice.is_empty(), "jobs run more than once: {twice:?}");
    let counts = store::count_jobs(db.conn()).await.unwrap();
    assert_eq!((counts.done, counts.queued, counts.running), (300, 0, 0));
    t.stop().await;
}

async fn failures_retry_with_backoff_then_fail_for_good(kind: DbKind) {
    let clock = FixedClock::new(SystemClock.now());
    let opts = TestOptions {
        workers: false,
        clock: Some(Arc::new(clock.clone())),
        ..Default::default()
    };
    let Some(t) = TestApp::start_with(kind, opts).await else {
        return;
    };
    let app = t.app.clone();
    let db = t.store().clone();
    let attempts = Arc::new(Mutex::new(0u32));
    let mut r = JobRegistry::default();
    let a = attempts.clone();
    r.register("flaky", move |_ctx| {
        let a = a.clone();
        Box::pin(async move {
            *a.lock().unwrap() += 1;
            anyhow::bail!("upstream said no")
        })
    });
    let registry = Arc::new(r);
    let mut job = NewJob::new("flaky", serde_json::json!({}), clock.now());
    job.max_attempts = 3;
    let id = store::enqueue(db.conn(), &job, clock.now())
        .await
        .unwrap()
        .unwrap();

    let stop = CancellationToken::new();
    let mut cfg = WorkerConfig::new("retry-worker");
    cfg.poll_interval = Duration::from_millis(10);
    let worker = tokio::spawn(run_worker(app.clone(), registry, cfg, stop.child_token()));

    wait_until("first attempt", || *attempts.lock().unwrap() == 1).await;
    let s = wait_state(&db, id, |s| s.status == "queued" && s.attempts == 1).await;
    assert_eq!(s.status, "queued");
    assert_eq!(s.last_error.as_deref(), Some("upstream said no"));
    let delay = s.run_at.millis() - clock.now().millis();
    assert!(
        (4000..=6000).contains(&delay),
        "first retry after about 5 s, got {delay} ms"
    );
    assert_eq!(*attempts.lock().unwrap(), 1, "not retried before its time");

    clock.advance_secs(7);
    wait_until("second attempt", || *attempts.lock().unwrap() == 2).await;
    let s = wait_state(&db, id, |s| s.status == "queued" && s.attempts == 2).await;
    let delay = s.run_at.millis() - clock.now().millis();
    assert!(
        (8000..=12000).contains(&delay),
        "second retry after about 10 s, got {delay} ms"
    );

    clock.advance_secs(13);
    wait_until("third attempt", || *attempts.lock().unwrap() == 3).await;
    let s = wait_state(&db, id, |s| s.status == "failed").await;
    assert_eq!(s.status, "failed");
    assert_eq!(s.attempts, 3);
    clock.advance_secs(3600);
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(
        *attempts.lock().unwrap(),
        3,
        "a failed job is not run again"
    );
    stop.cancel();
    worker.await.unwrap();
    t.stop().await;
}

async fn unknown_kinds_wait_for_a_capable_node_and_unique_keys_dedupe(kind: DbKind) {
    let Some(t) = TestApp::start_with(
        kind,
        TestOptions {
            workers: false,
            ..Default::default()
        },
    )
    .await
    else {
        return;
    };
    let app = t.app.clone();
    let db = t.store().clone();
    let now = app.now();
    let a = NewJob::new("count", serde_json::json!({}), now).unique("mail:welcome:42");
    let first = store::enqueue(db.conn(), &a, now)
        .await
        .unwrap()
        .expect("first enqueue inserts");
    assert!(
        store::enqueue(db.conn(), &a, now).await.unwrap().is_none(),
        "same key, no second job"
    );
    let orphan = store::enqueue(
        db.conn(),
        &NewJob::new("no-such-kind", serde_json::json!({}), now),
        now,
    )
    .await
    .unwrap()
    .unwrap();

    let runs: Runs = Arc::default();
    let stop = CancellationToken::new();
    let mut cfg = WorkerConfig::new("w");
    cfg.poll_interval = Duration::from_millis(10);
    let worker = tokio::spawn(run_worker(
        app.clone(),
        Arc::new(counting_registry(runs.clone())),
        cfg,
        stop.child_token(),
    ));
    wait_until("the counted job", || runs.lock().unwrap().len() == 1).await;
    let done = wait_state(&db, first, |s| s.status == "done").await;
    assert_eq!(done.attempts, 1);
    // A kind this node has no handler for (say, one added by a newer version during a rolling
    // upgrade) is left for a node that knows it: not claimed, not failed.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let s = store::find_job_state(db.conn(), orphan)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((s.status.as_str(), s.attempts), ("queued", 0));
    stop.cancel();
    worker.await.unwrap();
    t.stop().await;
}

async fn expired_leases_are_claimed_again(kind: DbKind) {
    let clock = FixedClock::new(SystemClock.now());
    let opts = TestOptions {
        workers: false,
        clock: Some(Arc::new(clock.clone())),
        ..Default::default()
    };
    let Some(t) = TestApp::start_with(kind, opts).await else {
        return;
    };
    let conn = t.store().conn();
    let now = clock.now();
    let id = store::enqueue(conn, &NewJob::new("count", serde_json::json!({}), now), now)
        .await
        .unwrap()
        .unwrap();
    let first = store::claim(conn, "default", &kinds(), "crashed-worker", now, 60_000, 10)
        .await
        .unwrap();
    assert_eq!(first.iter().map(|j| j.id).collect::<Vec<_>>(), vec![id]);
    assert!(
        store::claim(conn, "default", &kinds(), "other", now, 60_000, 10)
            .await
            .unwrap()
            .is_empty(),
        "leased jobs are not claimed"
    );
    let later = Timestamp(now.millis() + 61_000);
    let again = store::claim(conn, "default", &kinds(), "other", later, 60_000, 10)
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 2);
    assert!(
        !store::complete(conn, id, "crashed-worker", later)
            .await
            .unwrap(),
        "the old owner cannot finish it"
    );
    assert!(store::complete(conn, id, "other", later).await.unwrap());
    t.stop().await;
}

async fn graceful_stop_hands_back_unfinished_jobs(kind: DbKind) {
    let Some(t) = TestApp::start_with(
        kind,
        TestOptions {
            workers: false,
            ..Default::default()
        },
    )
    .await
    else {
        return;
    };
    let app = t.app.clone();
    let db = t.store().clone();
    let now = app.now();
    let id = store::enqueue(
        db.conn(),
        &NewJob::new("slow", serde_json::json!({}), now),
        now,
    )
    .await
    .unwrap()
    .unwrap();
    let started = Arc::new(Mutex::new(false));
    let s = started.clone();
    let mut r = JobRegistry::default();
    r.register("slow", move |_| {
        let s = s.clone();
        Box::pin(async move {
            *s.lock().unwrap() = true;
            tokio::time::sleep(Duration::from_secs(60)).await;
            Ok(())
        })
    });
    let stop = CancellationToken::new();
    let mut cfg = WorkerConfig::new("stopper");
    cfg.poll_interval = Duration::from_millis(10);
    cfg.shutdown_grace = Duration::from_millis(200);
    let worker = tokio::spawn(run_worker(
        app.clone(),
        Arc::new(r),
        cfg,
        stop.child_token(),
    ));
    wait_until("the slow job to start", || *started.lock().unwrap()).await;
    stop.cancel();
    tokio::time::timeout(Duration::from_secs(5), worker)
        .await
        .expect("worker stops within its grace")
        .unwrap();
    let s = store::find_job_state(db.conn(), id).await.unwrap().unwrap();
    assert_eq!(s.status, "queued", "handed back for another worker");
    assert_eq!(s.attempts, 0, "an interrupted attempt is not counted");
    t.stop().await;
}

async fn cleanup_job_runs_from_the_schedule(kind: DbKind) {
    // The standard registry and in-process workers, as `portico serve` runs them.
    let Some(t) = TestApp::start(kind).await else {
        return;
    };
    let conn = t.store().conn();
    let old = Timestamp(t.app.now().millis() - 40 * 86_400_000);
    use sea_orm::ConnectionTrait;
    let b = t.store().db_backend();
    conn.execute_raw(sea_orm::Statement::from_sql_and_values(
        b,
        "INSERT INTO sessions (id, user_id, data, expires_at, created_at, updated_at) VALUES ('expired', NULL, '{}', $1, $1, $1)",
        [old.millis().into()],
    ))
    .await
    .unwrap();
    // Uploads for request forms never sent: an old one goes, a fresh one (a form being filled) stays.
    for (name, at) in [("abandoned.png", old), ("fresh.png", t.app.now())] {
        conn.execute_raw(sea_orm::Statement::from_sql_and_values(
            b,
            "INSERT INTO request_files (request_id, event_id, uploaded_by, name, content_type, size, bytes, created_at) \
             VALUES (NULL, NULL, 1, $1, 'image/png', 1, $2, $3)",
            [name.into(), vec![0u8].into(), at.millis().into()],
        ))
        .await
        .unwrap();
    }
    // The scheduler enqueued this hour's cleanup at start-up, once, under a unique key.
    let mut scheduled = 0;
    for _ in 0..200 {
        scheduled = conn
            .query_one_raw(sea_orm::Statement::from_string(b, "SELECT COUNT(*) AS n FROM jobs WHERE kind = 'cleanup' AND unique_key LIKE 'periodic:cleanup:%'"))
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "n")
            .unwrap();
        if scheduled > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(
        (1..=2).contains(&scheduled),
        "one per hour slot, got {scheduled}"
    );
    // Run it once more now that there is something to clean, through the in-process workers.
    let id = portico_app::jobs::enqueue(
        &t.app,
        NewJob::new(
            portico_app::jobs::CLEANUP_JOB,
            serde_json::json!({}),
            t.app.now(),
        ),
    )
    .await
    .unwrap()
    .unwrap();
    let db = t.store().clone();
    for _ in 0..200 {
        if store::find_job_state(db.conn(), id)
            .await
            .unwrap()
            .unwrap()
            .status
            == "done"
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(
        store::find_job_state(db.conn(), id)
            .await
            .unwrap()
            .unwrap()
            .status,
        "done"
    );
    let left = conn
        .query_one_raw(sea_orm::Statement::from_string(
            b,
            "SELECT COUNT(*) AS n FROM sessions WHERE id = 'expired'",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(left, 0);
    let uploads: Vec<String> = conn
        .query_all_raw(sea_orm::Statement::from_string(
            b,
            "SELECT name FROM request_files ORDER BY id",
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get("", "name").unwrap())
        .collect();
    assert_eq!(uploads, vec!["fresh.png".to_string()]);
    t.stop().await;
}

/// Outbox entries are aged by the clock that stamped them (the database server's on PostgreSQL), so a
/// node whose clock runs ahead does not clean up entries the followers have not applied yet.
async fn cleanup_ages_outbox_entries_by_the_clock_that_wrote_them(kind: DbKind) {
    let ahead = Timestamp(SystemClock.now().millis() + 40 * 86_400_000);
    let Some(t) = TestApp::start_with(
        kind,
        TestOptions {
            clock: Some(Arc::new(FixedClock::new(ahead))),
            ..Default::default()
        },
    )
    .await
    else {
        return;
    };
    let mut tx = t.app.begin().await.unwrap();
    let entry = tx
        .outbox("task", "*", portico_storage::outbox::OutboxOp::Upsert)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let id = portico_app::jobs::enqueue(
        &t.app,
        NewJob::new(portico_app::jobs::CLEANUP_JOB, serde_json::json!({}), ahead),
    )
    .await
    .unwrap()
    .unwrap();
    let s = wait_state(t.store(), id, |s| s.status == "done").await;
    assert_eq!(s.status, "done");
    let kept = portico_storage::outbox::list_outbox_after(t.store().conn(), entry - 1, 1)
        .await
        .unwrap();
    assert_eq!(kept.len(), 1, "a fresh outbox entry was cleaned up");
    assert_eq!(kept[0].id, entry);
    t.stop().await;
}

async fn another_nodes_enqueue_wakes_idle_workers(kind: DbKind) {
    // one node per SQLite database: local enqueues wake local workers directly
    let Some(t) = TestApp::start_with(
        kind,
        TestOptions {
            workers: false,
            ..Default::default()
        },
    )
    .await
    else {
        return;
    };
    // Node B: its own pool, a worker that would poll only once a minute, and the LISTEN task.
    let mut cfg_b =
        portico_storage::DbConfig::new(portico_storage::DatabaseUrl::parse(&t.db.url).unwrap());
    cfg_b.max_connections = 3;
    let node_b = portico_app::App::new(
        portico_storage::Db::connect(&cfg_b).await.unwrap(),
        Arc::new(SystemClock),
        Default::default(),
    );
    let runs: Runs = Arc::default();
    let stop = CancellationToken::new();
    let mut cfg = WorkerConfig::new("node-b");
    cfg.poll_interval = Duration::from_secs(60);
    let worker = tokio::spawn(run_worker(
        node_b.clone(),
        Arc::new(counting_registry(runs.clone())),
        cfg,
        stop.child_token(),
    ));
    let listener = tokio::spawn(portico_app::jobs::run_listener(
        node_b.clone(),
        stop.child_token(),
    ));
    // Let node B finish its first (empty) claim and start waiting, and its LISTEN take effect.
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Node A enqueues; only the notification can wake B before its next poll.
    portico_app::jobs::enqueue(
        &t.app,
        NewJob::new("count", serde_json::json!({}), t.app.now()),
    )
    .await
    .unwrap();
    let started = std::time::Instant::now();
    wait_until("node B runs the job", || runs.lock().unwrap().len() == 1).await;
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "woken by NOTIFY, not by the 60 s poll"
    );
    stop.cancel();
    worker.await.unwrap();
    listener.await.unwrap();
    t.stop().await;
}

both!(
    cleanup_ages_outbox_entries_by_the_clock_that_wrote_them,
    two_workers_never_run_the_same_job_twice,
    failures_retry_with_backoff_then_fail_for_good,
    unknown_kinds_wait_for_a_capable_node_and_unique_keys_dedupe,
    expired_leases_are_claimed_again,
    graceful_stop_hands_back_unfinished_jobs,
    cleanup_job_runs_from_the_schedule
);
postgres_only!(another_nodes_enqueue_wakes_idle_workers);
