//! The HTTP listener: our own accept loop on hyper's HTTP/1 server, because `axum::serve` cannot bound
//! what a client holds. Headers must arrive within a time limit (which also ends idle keep-alive
//! connections), connections are capped below the process's open-files limit, accept errors pause
//! instead of spinning, and a stop does not wait on connections that have no request in flight.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::config::Settings;

/// How long in-flight requests may take to finish after a stop signal.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Connection limits of the HTTP listener.
#[derive(Debug, Clone, Copy)]
pub struct ConnLimits {
    header_read_timeout: Duration,
    max_connections: usize,
}

impl ConnLimits {
    pub fn from_settings(settings: &Settings) -> Self {
        let http = &settings.raw.http;
        let configured = http.max_connections.max(1);
        let reserve = FILES_RESERVED + 3 * settings.raw.database.max_connections as usize;
        let max_connections = match open_files_limit() {
            Some(limit) => {
                let fits = connections_that_fit(limit, reserve);
                if fits < configured {
                    tracing::warn!(
                        "http.max_connections lowered from {configured} to {fits}: this process may open only {limit} files (ulimit -n); raise that limit to serve more connections"
                    );
                }
                configured.min(fits)
            }
            None => configured,
        };
        Self {
            header_read_timeout: Duration::from_secs(http.header_read_timeout_secs.max(1)),
            max_connections,
        }
    }
}

/// Descriptors kept for everything but client connections: the search index, logs, mail files, the
/// listener; the database pool is added (up to three per SQLite connection: file, -wal, -shm).
const FILES_RESERVED: usize = 128;

/// Connections that fit in `limit` descriptors when `reserve` are kept for the rest (at least 16, so a
/// tiny limit still serves).
fn connections_that_fit(limit: u64, reserve: usize) -> usize {
    usize::try_from(limit)
        .unwrap_or(usize::MAX)
        .saturating_sub(reserve)
        .max(16)
}

/// The soft limit on open files of this process (Linux; None elsewhere or when unlimited).
fn open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    parse_open_files_limit(&limits)
}

fn parse_open_files_limit(limits: &str) -> Option<u64> {
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.trim_start_matches("Max open files")
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Pause after an accept error other than a connection aborted by its client: when descriptors run
/// out (EMFILE/ENFILE) accept fails at once, and retrying without a pause would spin a core.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(100);

/// On stop, how long a connection without a request in flight may take to send what is still buffered
/// of its last response before it is closed.
const FLUSH_ON_STOP: Duration = Duration::from_millis(500);

/// Repeated warnings (accept errors, a full connection table) are logged at most this often.
const WARN_EVERY: Duration = Duration::from_secs(10);

/// Lets a repeated warning through at most once per [`WARN_EVERY`].
struct Throttle(Option<tokio::time::Instant>);

impl Throttle {
    fn ready(&mut self) -> bool {
        let now = tokio::time::Instant::now();
        match self.0 {
            Some(last) if now.duration_since(last) < WARN_EVERY => false,
            _ => {
                self.0 = Some(now);
                true
            }
        }
    }
}

/// Counts a request from the moment its headers are parsed until its response body is sent or
/// dropped, so a stopping server can tell connections with work in flight from idle ones and ones
/// still sending headers.
struct InFlight(Arc<AtomicUsize>);

impl InFlight {
    fn enter(count: &Arc<AtomicUsize>) -> Self {
        count.fetch_add(1, Ordering::AcqRel);
        Self(count.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A response body that holds its request's [`InFlight`] until it is finished.
struct TrackedBody {
    inner: axum::body::Body,
    _in_flight: InFlight,
}

impl http_body::Body for TrackedBody {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        std::pin::Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// Serves HTTP/1.1 on `listener` until `stop`, then finishes requests in flight within
/// [`SHUTDOWN_GRACE`].
///
/// Unlike `axum::serve` this bounds what a client can hold: headers must arrive within
/// `header_read_timeout` (also the idle keep-alive limit), at most `max_connections` are served at
/// once (further ones wait in the listen queue instead of exhausting file descriptors), and on stop a
/// connection without a request in flight — idle or still sending headers — is closed within
/// [`FLUSH_ON_STOP`] instead of holding the stop for the whole grace period.
/// Handlers still see `ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: TcpListener,
    router: axum::Router,
    limits: ConnLimits,
    stop: CancellationToken,
) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt;

    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let make_service = router.into_make_service_with_connect_info::<SocketAddr>();
    let permits = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    let connections = tokio_util::task::TaskTracker::new();
    // Cancelled when the grace period is over: connections still open are cut.
    let cut = CancellationToken::new();
    let mut full_warning = Throttle(None);
    let mut accept_warning = Throttle(None);
    loop {
        let permit = match permits.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                if full_warning.ready() {
                    tracing::warn!(
                        max_connections = limits.max_connections,
                        "connection limit reached; new connections wait until others close (http.max_connections)"
                    );
                }
                tokio::select! {
                    () = stop.cancelled() => break,
                    p = permits.clone().acquire_owned() => match p {
                        Ok(p) => p,
                        Err(_) => break,
                    },
                }
            }
        };
        let (stream, remote) = tokio::select! {
            () = stop.cancelled() => break,
            r = listener.accept() => match r {
                Ok(s) => s,
                Err(e) => {
                    // One client giving up between SYN and accept says nothing about this node.
                    if !matches!(
                        e.kind(),
                        std::io::ErrorKind::ConnectionAborted | std::io::ErrorKind::ConnectionReset
                    ) {
                        if accept_warning.ready() {
                            tracing::warn!(error = %e, "accepting a connection failed");
                        }
                        tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                    }
                    continue;
                }
            },
        };
        let service = match make_service.clone().oneshot(remote).await {
            Ok(s) => s,
            Err(never) => match never {},
        };
        let in_flight = Arc::new(AtomicUsize::new(0));
        let hyper_service = hyper::service::service_fn({
            let in_flight = in_flight.clone();
            move |req: axum::http::Request<hyper::body::Incoming>| {
                let guard = InFlight::enter(&in_flight);
                let service = service.clone();
                async move {
                    let res = service.oneshot(req).await?;
                    Ok::<_, std::convert::Infallible>(res.map(|inner| {
                        axum::body::Body::new(TrackedBody {
                            inner,
                            _in_flight: guard,
                        })
                    }))
                }
            }
        });
        let conn = http
            .serve_connection(TokioIo::new(stream), hyper_service)
            .with_upgrades();
        let stop = stop.clone();
        let cut = cut.clone();
        connections.spawn(async move {
            let _permit = permit;
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                r = conn.as_mut() => {
                    if let Err(e) = r {
                        tracing::debug!(error = %e, %remote, "connection ended with an error");
                    }
                    return;
                }
                () = stop.cancelled() => {}
            }
            // An idle connection closes at once; one with a request in flight answers it, then
            // closes.
            conn.as_mut().graceful_shutdown();
            if in_flight.load(Ordering::Acquire) == 0 {
                // Nothing started (headers may still be arriving): do not wait for a client that
                // may never finish; only let the end of a last response already written leave.
                if tokio::time::timeout(FLUSH_ON_STOP, conn.as_mut())
                    .await
                    .is_ok()
                    || in_flight.load(Ordering::Acquire) == 0
                {
                    return;
                }
                // Its headers completed meanwhile: answer it like any request in flight.
            }
            tokio::select! {
                _ = conn.as_mut() => {}
                () = cut.cancelled() => {}
            }
        });
    }
    drop(listener);
    connections.close();
    if tokio::time::timeout(SHUTDOWN_GRACE, connections.wait())
        .await
        .is_err()
    {
        tracing::warn!(
            "requests still running after {} s were cut off",
            SHUTDOWN_GRACE.as_secs()
        );
        cut.cancel();
        connections.wait().await;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_the_soft_open_files_limit() {
        let limits = "Limit                     Soft Limit           Hard Limit           Units     \n\
                      Max processes             63459                63459                processes \n\
                      Max open files            1024                 524288               files     \n";
        assert_eq!(super::parse_open_files_limit(limits), Some(1024));
        assert_eq!(
            super::parse_open_files_limit("Max open files  unlimited  unlimited  files"),
            None
        );
    }

    #[test]
    fn connections_leave_room_for_other_files() {
        assert_eq!(super::connections_that_fit(1024, 158), 866);
        assert_eq!(super::connections_that_fit(256, 158), 98);
        assert_eq!(super::connections_that_fit(100, 158), 16);
    }
}
