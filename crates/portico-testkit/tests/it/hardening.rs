//! What a hostile or careless client can do to a node: grow the metrics without bound, hold
//! connections open, and read the data files.

use std::time::{Duration, Instant};

use portico_testkit::{DbKind, TestApp, TestDb, TestOptions, both};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn with(settings: &[(&str, &str)]) -> TestOptions {
    TestOptions {
        settings: settings
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..TestOptions::default()
    }
}

async fn connect(app: &TestApp) -> TcpStream {
    let addr = app.base.trim_start_matches("http://");
    TcpStream::connect(addr).await.unwrap()
}

/// Reads until the server closes the connection (or `limit` passes) and says how long that took;
/// None when it was still open at `limit`.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout_at((start + limit).into(), stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0) | Err(_)) => return Some(start.elapsed()),
            Ok(Ok(_)) => {}
        }
    }
}

/// The first bytes of an answer, if one arrives within `limit`.
async fn answer_within(stream: &mut TcpStream, limit: Duration) -> Option<String> {
    let mut buf = [0u8; 64];
    match tokio::time::timeout(limit, stream.read(&mut buf)).await {
        Ok(Ok(n)) if n > 0 => Some(String::from_utf8_lossy(&buf[..n]).into_owned()),
        _ => None,
    }
}

/// The `portico_http_requests_total` series in a scrape.
fn request_series(metrics: &str) -> Vec<&str> {
    metrics
        .lines()
        .filter(|l| l.starts_with("portico_http_requests_total{"))
        .collect()
}

/// Requests with made-up methods (and one 10 KB method) add no series: unknown methods share one
/// label value.
async fn metrics_labels_stay_bounded(kind: DbKind) {
    let Some(app) = TestApp::start(kind).await else {
        return;
    };
    for _ in 0..300 {
        let name = format!("X{}", uuid::Uuid::new_v4().simple()).to_uppercase();
        let method = reqwest::Method::from_bytes(name.as_bytes()).unwrap();
        app.client
            .request(method, app.url("/hardening/probe"))
            .send()
            .await
            .unwrap();
    }
    let long = "Y".repeat(10 * 1024);
    let method = reqwest::Method::from_bytes(long.as_bytes()).unwrap();
    app.client
        .request(method, app.url("/"))
        .send()
        .await
        .unwrap();

    let metrics = app.get("/metrics").await.text().await.unwrap();
    let series = request_series(&metrics);
    eprintln!(
        "{} request series, /metrics {} bytes after 301 odd methods",
        series.len(),
        metrics.len()
    );
    let known = [
        "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other",
    ];
    for s in &series {
        let method = s
            .split("method=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap();
        assert!(known.contains(&method), "unexpected method label in {s}");
    }
    // readyz (start-up), the two probes (404 and 405 or 404), /metrics itself: a handful.
    assert!(
        series.len() <= 10,
        "{} series after 301 odd methods:\n{}",
        series.len(),
        series.join("\n")
    );
    assert!(
        metrics.len() < 64 * 1024,
        "/metrics is {} bytes",
        metrics.len()
    );
    app.stop().await;
}

/// A client that connects and sends nothing, or half a request line, or goes quiet after a request on
/// a kept-alive connection, is disconnected after `http.header_read_timeout_secs`.
async fn idle_and_half_sent_connections_are_closed(kind: DbKind) {
    let Some(app) =
        TestApp::start_with(kind, with(&[("http__header_read_timeout_secs", "1")])).await
    else {
        return;
    };
    let mut silent = connect(&app).await;
    let mut half = connect(&app).await;
    half.write_all(b"GET /healthz HT").await.unwrap();
    let mut kept = connect(&app).await;
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: portico\r\n\r\n")
        .await
        .unwrap();
    let answer = answer_within(&mut kept, Duration::from_secs(5)).await;
    assert!(
        answer
            .as_deref()
            .is_some_and(|a| a.starts_with("HTTP/1.1 200")),
        "{answer:?}"
    );

    let (silent, half, kept) = tokio::join!(
        closed_within(&mut silent, Duration::from_secs(5)),
        closed_within(&mut half, Duration::from_secs(5)),
        closed_within(&mut kept, Duration::from_secs(5)),
    );
    for (what, took) in [
        ("silent", silent),
        ("half-sent", half),
        ("idle keep-alive", kept),
    ] {
        let took = took.unwrap_or_else(|| panic!("{what} connection still open after 5 s"));
        eprintln!("{what} connection closed after {took:?}");
        assert!(
            took >= Duration::from_millis(500),
            "{what} connection closed too early ({took:?})"
        );
    }
    // The node still answers.
    assert_eq!(app.get("/healthz").await.status(), 200);
    app.stop().await;
}

/// Stopping does not wait for clients that are still sending their headers (or sent nothing): those
/// connections are closed at once, long before the header timeout or the 10 s grace period. A request
/// already being handled (here: its body still arriving) is answered within the grace period.
async fn stop_does_not_wait_for_half_sent_requests(kind: DbKind) {
    let Some(app) = TestApp::start(kind).await else {
        return;
    };
    let mut half = connect(&app).await;
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: portico\r\n")
        .await
        .unwrap();
    let mut silent = connect(&app).await;
    let body = br#"{"email":"nobody@example.com","password":"not the password"}"#;
    let mut in_flight = connect(&app).await;
    in_flight
        .write_all(
            format!(
                "POST /api/v1/auth/login HTTP/1.1\r\nHost: portico\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                body.len()
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    in_flight.write_all(&body[..10]).await.unwrap();
    // Let the server read what was sent.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let start = Instant::now();
    let stopping = tokio::spawn(app.stop());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        closed_within(&mut half, Duration::from_secs(1))
            .await
            .is_some(),
        "a half-sent request holds its connection open"
    );
    assert!(
        closed_within(&mut silent, Duration::from_secs(1))
            .await
            .is_some()
    );
    in_flight.write_all(&body[10..]).await.unwrap();
    let answer = answer_within(&mut in_flight, Duration::from_secs(5)).await;
    assert!(
        answer
            .as_deref()
            .is_some_and(|a| a.starts_with("HTTP/1.1 4")),
        "the request in flight is answered: {answer:?}"
    );
    stopping.await.unwrap();
    let took = start.elapsed();
    eprintln!("stopped in {took:?} with a half-sent request open");
    assert!(
        took < Duration::from_secs(5),
        "stopping took {took:?} with a half-sent request open"
    );
}

/// With `http.max_connections` taken by idle clients, a new connection waits (it is not served, so
/// descriptors cannot run out) and is served as soon as some of them go away.
async fn connection_cap_holds(kind: DbKind) {
    let cap = 20;
    let Some(app) = TestApp::start_with(kind, with(&[("http__max_connections", "20")])).await
    else {
        return;
    };
    let mut idle = Vec::new();
    for _ in 0..cap + 5 {
        idle.push(connect(&app).await);
    }
    // Let the server accept what it may.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut probe = connect(&app).await;
    probe
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: portico\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let early = answer_within(&mut probe, Duration::from_secs(1)).await;
    assert_eq!(early, None, "served beyond the cap of {cap} connections");

    // Fifteen clients leave (ten served, five queued): the probe gets its turn.
    idle.truncate(cap - 10);
    let start = Instant::now();
    let answer = answer_within(&mut probe, Duration::from_secs(5)).await;
    assert!(
        answer
            .as_deref()
            .is_some_and(|a| a.starts_with("HTTP/1.1 200")),
        "{answer:?}"
    );
    eprintln!("probe served {:?} after clients left", start.elapsed());
    assert!(start.elapsed() < Duration::from_secs(2));
    drop(idle);
    app.stop().await;
}

both!(
    metrics_labels_stay_bounded,
    idle_and_half_sent_connections_are_closed,
    stop_does_not_wait_for_half_sent_requests,
    connection_cap_holds,
);

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// The SQLite files (database, -wal, -shm, lock) and backups hold password hashes: owner-only, in a
/// data directory that Portico creates owner-only.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_files_are_private() {
    let db = TestDb::create(DbKind::Sqlite).await.unwrap();
    let data = db.dir.path().join("data");
    let url = format!("sqlite://{}", data.join("portico.db").display());
    let data_dir = data.display().to_string();
    let opts = with(&[
        ("database_url", url.as_str()),
        ("data_dir", data_dir.as_str()),
    ]);
    let app = TestApp::start_on(db, opts).await;
    // A write, so the WAL has content.
    assert_eq!(app.get("/").await.status(), 200);

    assert_eq!(mode(&data), 0o700, "data directory");
    let mut seen = Vec::new();
    for entry in std::fs::read_dir(&data).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("portico.db") {
            assert_eq!(mode(&path), 0o600, "{name}");
            seen.push(name);
        }
    }
    seen.sort();
    assert_eq!(
        seen,
        [
            "portico.db",
            "portico.db-shm",
            "portico.db-wal",
            "portico.db.lock"
        ]
    );

    let backup = app.db.dir.path().join("backup.db");
    portico_storage::backup::backup_sqlite(app.store(), &backup)
        .await
        .unwrap();
    assert_eq!(mode(&backup), 0o600, "backup");
    assert!(std::fs::metadata(&backup).unwrap().len() > 0);
    app.stop().await;
}

/// Files left world-readable by an older version are tightened when the node starts.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_files_of_older_versions_are_tightened() {
    use std::os::unix::fs::PermissionsExt;
    let Some(app) = TestApp::start(DbKind::Sqlite).await else {
        return;
    };
    let db = app.stop_keep().await;
    let dir = db.dir.path().to_path_buf();
    for name in ["portico.db", "portico.db.lock"] {
        let p = dir.join(name);
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let app = TestApp::start_on(db, TestOptions::default()).await;
    for name in ["portico.db", "portico.db.lock"] {
        assert_eq!(mode(&dir.join(name)), 0o600, "{name}");
    }
    app.stop().await;
}
