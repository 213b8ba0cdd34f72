//! Starting and stopping a node: open and migrate the database, bind the socket, serve, load demo
//! content, run job workers and the scheduler, and on shutdown stop accepting, finish in-flight requests
//! (up to 10 s) and let running jobs end.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use portico_app::jobs::{
    CleanupPolicy, JobRegistry, WorkerConfig, run_listener, run_scheduler, run_worker,
};
use portico_app::{App, AppSettings};
use portico_core::{Clock, SystemClock};
use portico_storage::{Backend, Db, DbConfig};
use portico_web::WebConfig;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::Settings;
pub use crate::listener::SHUTDOWN_GRACE;

/// Things tests replace.
#[derive(Clone)]
pub struct StartOptions {
    pub clock: Arc<dyn Clock>,
    /// Job handlers; None means the standard set built from the settings.
    pub registry: Option<JobRegistry>,
    /// Run job workers and the scheduler in this process.
    pub workers: bool,
}

impl std::fmt::Debug for StartOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StartOptions")
            .field("workers", &self.workers)
            .finish_non_exhaustive()
    }
}

impl Default for StartOptions {
    fn default() -> Self {
        Self {
            clock: Arc::new(SystemClock),
            registry: None,
            workers: true,
        }
    }
}

/// A running node.
#[derive(Debug)]
pub struct Running {
    pub addr: SocketAddr,
    pub app: App,
    /// The node's database handle (the composition root owns it; the web edge never sees it).
    pub db: Db,
    pub shutdown: CancellationToken,
    pub ready: Arc<AtomicBool>,
    task: JoinHandle<()>,
}

impl Running {
    /// Asks the node to stop and waits until it has.
    pub async fn stop(self) {
        self.shutdown.cancel();
        let _ = self.task.await;
    }

    /// Waits until the node stops by itself (after `shutdown` is cancelled elsewhere).
    pub async fn wait(self) {
        let _ = self.task.await;
    }
}

/// Opens the database for this configuration.
pub async fn open_db(settings: &Settings, exclusive: bool) -> anyhow::Result<Db> {
    if settings.database.backend() == Backend::Sqlite {
        ensure_writable_dir(&settings.raw.data_dir)?;
    }
    let mut cfg = DbConfig::new(settings.database.clone());
    cfg.max_connections = settings.raw.database.max_connections;
    cfg.connect_timeout = Duration::from_secs(settings.raw.database.connect_timeout_secs.max(1));
    cfg.exclusive = exclusive;
    Ok(Db::connect(&cfg).await?)
}

fn ensure_writable_dir(dir: &std::path::Path) -> anyhow::Result<()> {
    // Owner-only when created here: it holds the database, mails and the search index.
    portico_storage::db::create_private_dir(dir)
        .map_err(|e| anyhow::anyhow!("data directory {} cannot be created: {e}", dir.display()))?;
    let probe = dir.join(".portico-write-test");
    std::fs::write(&probe, b"ok")
        .map_err(|e| anyhow::anyhow!("data directory {} is not writable: {e}", dir.display()))?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

/// Where this node keeps its search index.
pub fn search_index_dir(settings: &Settings) -> std::path::PathBuf {
    settings.raw.data_dir.join("index")
}

/// Opens this node's search index under the data directory (see [`search_index_error`] for messages).
pub fn open_search_index(
    settings: &Settings,
) -> Result<Arc<portico_search::SearchIndex>, portico_search::SearchError> {
    portico_search::SearchIndex::open(&search_index_dir(settings)).map(Arc::new)
}

/// The one-line message for a search index that cannot be opened.
pub fn search_index_error(settings: &Settings, e: portico_search::SearchError) -> anyhow::Error {
    let dir = search_index_dir(settings);
    match e {
        portico_search::SearchError::Locked => anyhow::anyhow!(
            "the search index {} is in use by another Portico process; each node needs its own data directory",
            dir.display()
        ),
        e => anyhow::anyhow!("cannot open the search index {}: {e}", dir.display()),
    }
}

/// The standard job handlers, with the mailer the settings describe; `kb.embed` when this node will
/// have the language model (it is present, or it will be fetched at start).
pub fn standard_registry(settings: &Settings) -> anyhow::Result<JobRegistry> {
    use secrecy::ExposeSecret;
    let mailer = portico_app::mail::Mailer::new(
        &settings.raw.mail_from,
        settings.raw.smtp_url.as_ref().map(|s| s.expose_secret()),
        settings.raw.data_dir.join("mail"),
    )
    .map_err(anyhow::Error::msg)?;
    let with_model = settings.raw.search.semantic
        && (crate::model::model_path(settings).exists() || crate::model::should_fetch(settings));
    Ok(JobRegistry::standard(
        CleanupPolicy::default(),
        mailer,
        with_model,
    ))
}

/// `http://` and the listening address, with an any-address (`0.0.0.0`, `::`) shown as `localhost`.
fn local_base_url(addr: std::net::SocketAddr) -> String {
    if addr.ip().is_unspecified() {
        format!("http://localhost:{}", addr.port())
    } else {
        format!("http://{addr}")
    }
}

/// The web settings derived from the validated configuration.
pub fn web_config(settings: &Settings) -> WebConfig {
    let raw = &settings.raw;
    WebConfig {
        secure_cookies: settings.secure_cookies,
        hsts: settings
            .base_url
            .as_deref()
            .is_some_and(|b| b.starts_with("https://")),
        trusted_origins: settings.base_url.iter().cloned().collect(),
        body_limit: raw.http.body_limit_bytes,
        request_timeout: Duration::from_secs(raw.http.request_timeout_secs),
        session_idle: Duration::from_secs(raw.http.session_idle_days.saturating_mul(86_400)),
        metrics_token: raw.http.metrics_token.clone(),
        // Validated at load (`Config::validate`).
        trusted_proxies: crate::config::parse_trusted_proxies(&raw.http.trusted_proxies)
            .unwrap_or_default(),
        rate_limits: raw.rate_limits.config(),
    }
}

/// Starts a node: returns once the socket listens and the schema is current; demo content loads in the
/// background and `/readyz` turns 200 when it is done.
pub async fn start(settings: &Settings, opts: StartOptions) -> anyhow::Result<Running> {
    for w in &settings.warnings {
        tracing::warn!("{w}");
    }
    let listener = TcpListener::bind(settings.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {}", settings.listen, io_reason(&e)))?;
    let db = open_db(settings, true).await?;
    db.migrate()
        .await
        .map_err(|e| anyhow::anyhow!("migrating the database failed: {e}"))?;
    // Opening may recreate a damaged index directory: file work, kept off the async runtime.
    let index = {
        let settings = settings.clone();
        tokio::task::spawn_blocking(move || {
            open_search_index(&settings).map_err(|e| search_index_error(&settings, e))
        })
        .await??
    };
    let addr = listener.local_addr()?;
    let app = App::with_search(
        db.clone(),
        opts.clock.clone(),
        AppSettings {
            demo: settings.raw.demo,
            // Links in mails need an absolute address; without a configured one, this node's own.
            base_url: Some(
                settings
                    .base_url
                    .clone()
                    .unwrap_or_else(|| local_base_url(addr)),
            ),
            sign_in: settings.raw.sign_in.policy(),
            requests: settings.raw.requests.policy(),
            files: settings.raw.files.store()?,
        },
        index,
        portico_app::features::SEARCH_SOURCES,
    );
    let ready = Arc::new(AtomicBool::new(false));
    let shutdown = CancellationToken::new();
    let router = portico_web::router(app.clone(), web_config(settings), ready.clone());

    let mut background: Vec<JoinHandle<()>> = Vec::new();
    let registry = Arc::new(match opts.registry {
        Some(r) => r,
        None => standard_registry(settings)?,
    });
    if opts.workers && settings.raw.workers.enabled {
        let wc = worker_config(settings);
        background.push(tokio::spawn(run_worker(
            app.clone(),
            registry.clone(),
            wc,
            shutdown.child_token(),
        )));
        background.push(tokio::spawn(run_scheduler(
            app.clone(),
            registry.clone(),
            Duration::from_secs(60),
            shutdown.child_token(),
        )));
    }
    // Every node listens: workers need job wake-ups, every node's search follower needs outbox ones.
    background.push(tokio::spawn(run_listener(
        app.clone(),
        shutdown.child_token(),
    )));

    background.push(tokio::spawn(portico_app::search::warm()));
    background.push(tokio::spawn(portico_app::analytics::run_writer(
        app.clone(),
        shutdown.child_token(),
    )));
    {
        // The language model loads (or is fetched) beside start-up: search ranks by words meanwhile.
        let app = app.clone();
        let settings = settings.clone();
        let stop = shutdown.child_token();
        background.push(tokio::spawn(async move {
            if let crate::model::ModelState::Loaded(_) =
                crate::model::prepare(&settings, &app, &stop).await
                && let Err(e) = portico_app::kb::embed::request(&app).await
            {
                tracing::warn!(error = %e, "asking for articles to be embedded failed");
            }
        }));
    }
    background.push(tokio::spawn(portico_app::search::run_follower(
        app.clone(),
        shutdown.child_token(),
    )));
    {
        let app = app.clone();
        let ready = ready.clone();
        let demo = settings.raw.demo;
        let stop = shutdown.clone();
        background.push(tokio::spawn(async move {
            if demo {
                match portico_app::demo::load_demo(&app).await {
                    Ok(r) => print_demo_banner(r.users_created),
                    Err(e) => {
                        tracing::error!(error = %e, "loading demo content failed");
                        stop.cancel();
                        return;
                    }
                }
            }
            // Ready means searchable: apply what start-up wrote (the follower takes over after).
            if let Err(e) = portico_app::search::catch_up(&app).await {
                tracing::warn!(error = %e, "search index catch-up at start failed; the follower retries");
            }
            ready.store(true, Ordering::Release);
            tracing::info!("ready");
        }));
    }

    background.push(tokio::spawn(run_metrics_upkeep(shutdown.child_token())));

    let stop = shutdown.clone();
    let db_for_close = db.clone();
    let limits = crate::listener::ConnLimits::from_settings(settings);
    let task = tokio::spawn(async move {
        let serve = tokio::spawn(crate::listener::serve(
            listener,
            router,
            limits,
            stop.clone(),
        ));
        stop.cancelled().await;
        tracing::info!("stopping: no new connections; finishing requests in flight");
        // `serve` bounds its own wait by the grace period; the margin only guards against a bug there.
        if tokio::time::timeout(SHUTDOWN_GRACE + Duration::from_secs(2), serve)
            .await
            .is_err()
        {
            tracing::warn!("the listener did not stop in time");
        }
        for b in background {
            let _ = tokio::time::timeout(SHUTDOWN_GRACE, b).await;
        }
        if let Err(e) = db_for_close.close().await {
            tracing::warn!(error = %e, "closing the database failed");
        }
        tracing::info!("stopped");
    });
    tracing::info!(%addr, database = %settings.database.redacted(), "listening on http://{addr}");
    Ok(Running {
        addr,
        app,
        db,
        shutdown,
        ready,
        task,
    })
}

/// How often histogram samples are folded into their buckets (the exporter's own default).
const METRICS_UPKEEP: Duration = Duration::from_secs(5);

/// The Prometheus recorder is installed without the exporter's upkeep thread, so histogram samples pile
/// up until something drains them; a scrape does, but a node nobody scrapes would grow without bound.
async fn run_metrics_upkeep(stop: CancellationToken) {
    let mut tick = tokio::time::interval(METRICS_UPKEEP);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = tick.tick() => portico_web::metrics::run_upkeep(),
        }
    }
}

fn print_demo_banner(created: usize) {
    let mut out = String::from("\nDemo content is loaded. Sign in at /login with:\n");
    for u in portico_app::demo::DEMO_USERS {
        out.push_str(&format!(
            "  {:<8} {:<30} password: {}\n",
            u.role.as_str(),
            u.email,
            u.password
        ));
    }
    if created == 0 {
        out.push_str("(accounts already existed; passwords are the initial ones unless someone changed them)\n");
    }
    eprintln!("{out}");
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::AddrInUse => {
            "the address is already in use (is another server running?)".into()
        }
        std::io::ErrorKind::PermissionDenied => {
            "permission denied (ports below 1024 need privileges)".into()
        }
        std::io::ErrorKind::AddrNotAvailable => {
            "that address does not belong to this machine".into()
        }
        _ => e.to_string(),
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "node".into())
}

/// Worker settings from the configuration; the name (host plus a random suffix) owns this process's leases.
fn worker_config(settings: &Settings) -> WorkerConfig {
    let w = &settings.raw.workers;
    let mut wc = WorkerConfig::new(format!("{}-{:08x}", hostname(), rand::random::<u32>()));
    wc.concurrency = w.concurrency;
    wc.poll_interval = Duration::from_millis(w.poll_interval_ms.max(10));
    wc.lease = Duration::from_secs(w.lease_secs.max(1));
    wc
}

/// Runs job workers only (a separate worker node), until `shutdown`.
pub async fn run_worker_node(
    settings: &Settings,
    opts: StartOptions,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let db = open_db(settings, true).await?;
    db.migrate().await?;
    let app = App::new(
        db.clone(),
        opts.clock.clone(),
        AppSettings {
            demo: false,
            base_url: settings.base_url.clone(),
            sign_in: settings.raw.sign_in.policy(),
            requests: settings.raw.requests.policy(),
            files: settings.raw.files.store()?,
        },
    );
    // A worker node with the model embeds articles; the serving nodes pick the vectors up.
    crate::model::prepare(settings, &app, &shutdown).await;
    let registry = Arc::new(match opts.registry {
        Some(r) => r,
        None => standard_registry(settings)?,
    });
    let wc = worker_config(settings);
    let sched = tokio::spawn(run_scheduler(
        app.clone(),
        registry.clone(),
        Duration::from_secs(60),
        shutdown.child_token(),
    ));
    let listener = tokio::spawn(run_listener(app.clone(), shutdown.child_token()));
    tracing::info!(database = %settings.database.redacted(), "worker running");
    run_worker(app.clone(), registry, wc, shutdown.clone()).await;
    let _ = sched.await;
    let _ = listener.await;
    db.close().await?;
    Ok(())
}
