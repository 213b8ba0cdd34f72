//! Test kit: [`TestApp`] starts the real server on `127.0.0.1:0` with a fresh database — a temporary
//! SQLite file, or a new PostgreSQL database when `PORTICO_TEST_DATABASE_URL` points at a server — so the
//! same test functions run on both engines ([`both!`]). [`browser`] drives headless Chromium with an
//! axe-core audit. Under `CI=true` a test that would be skipped (no PostgreSQL, no Chromium) fails.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test support code"
)]

pub mod browser;
pub mod s3;
pub mod smtp;

use std::sync::Arc;
use std::time::Duration;

use portico::config::{Config, Overrides, Settings};
use portico::server::{Running, StartOptions};
use portico_app::App;
use portico_core::Clock;
use sea_orm::ConnectionTrait;

pub use portico_app;
pub use portico_core;
pub use portico_search;
pub use portico_storage;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    Sqlite,
    Postgres,
}

/// True when running under CI, where skipping is a failure.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// The PostgreSQL server for tests, if configured.
pub fn postgres_admin_url() -> Option<String> {
    std::env::var("PORTICO_TEST_DATABASE_URL")
        .ok()
        .filter(|s| !s.trim().is_empty())
}

/// The language model file for tests of ranking by meaning (`PORTICO_TEST_MODEL`, which `scripts/test`
/// sets after `portico model fetch`), or None after reporting the skip (a failure under CI).
pub fn test_model() -> Option<std::path::PathBuf> {
    let path = std::env::var("PORTICO_TEST_MODEL")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .map(std::path::PathBuf::from)
        .filter(|p| p.exists());
    if path.is_none() {
        skip("the language model (PORTICO_TEST_MODEL)");
    }
    path
}

/// Reports a skipped test; under CI this fails the test instead.
pub fn skip(what: &str) {
    if in_ci() {
        panic!("{what} is required under CI=true but is not available");
    }
    eprintln!("SKIPPED: {what} is not available");
}

/// Options for [`TestApp::start_with`].
#[derive(Clone)]
pub struct TestOptions {
    pub demo: bool,
    pub workers: bool,
    pub clock: Option<Arc<dyn Clock>>,
    pub registry: Option<portico_app::jobs::JobRegistry>,
    /// Extra `PORTICO_*`-style settings as (key, value), e.g. ("http__body_limit_bytes", "2048").
    pub settings: Vec<(String, String)>,
}

impl Default for TestOptions {
    fn default() -> Self {
        Self {
            demo: false,
            workers: true,
            clock: None,
            registry: None,
            settings: Vec::new(),
        }
    }
}

/// A fresh database for one test.
pub struct TestDb {
    pub kind: DbKind,
    pub url: String,
    pub dir: tempfile::TempDir,
    pg_name: Option<(String, String)>,
}

impl TestDb {
    /// Creates the database, or returns None when PostgreSQL is not configured (see [`skip`]).
    pub async fn create(kind: DbKind) -> Option<TestDb> {
        let dir = tempfile::tempdir().expect("temp dir");
        match kind {
            DbKind::Sqlite => {
                let url = format!("sqlite://{}", dir.path().join("portico.db").display());
                Some(TestDb {
                    kind,
                    url,
                    dir,
                    pg_name: None,
                })
            }
            DbKind::Postgres => {
                let Some(admin) = postgres_admin_url() else {
                    skip("PostgreSQL (PORTICO_TEST_DATABASE_URL)");
                    return None;
                };
                let name = format!("portico_t_{}", uuid::Uuid::new_v4().simple());
                let conn = sea_orm::Database::connect(admin.as_str())
                    .await
                    .expect("connect to PORTICO_TEST_DATABASE_URL");
                conn.execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create test database");
                let _ = conn.close().await;
                let base = admin
                    .rsplit_once('/')
                    .map(|(b, _)| b.to_string())
                    .unwrap_or(admin.clone());
                let url = format!("{base}/{name}");
                Some(TestDb {
                    kind,
                    url,
                    dir,
                    pg_name: Some((admin, name)),
                })
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.pg_name.take() {
            // Dropping needs its own runtime: Drop cannot await, and the test's runtime may be shutting down.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async move {
                    if let Ok(conn) = sea_orm::Database::connect(admin.as_str()).await {
                        let _ = conn
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            ))
                            .await;
                        let _ = conn.close().await;
                    }
                });
            })
            .join();
        }
    }
}

/// Settings for a test server on an ephemeral port.
pub fn test_settings(db: &TestDb, opts: &TestOptions) -> Settings {
    let mut env: Vec<(String, String)> = vec![
        ("PORTICO_LISTEN".into(), "127.0.0.1:0".into()),
        ("PORTICO_DATABASE_URL".into(), db.url.clone()),
        (
            "PORTICO_DATA_DIR".into(),
            db.dir.path().display().to_string(),
        ),
        ("PORTICO_WORKERS__POLL_INTERVAL_MS".into(), "50".into()),
        ("PORTICO_DATABASE__MAX_CONNECTIONS".into(), "5".into()),
        // Every test client is 127.0.0.1: per-address limits only where a test sets them.
        ("PORTICO_RATE_LIMITS__SIGN_IN_PER_MINUTE".into(), "0".into()),
        ("PORTICO_RATE_LIMITS__SIGN_UP_PER_HOUR".into(), "0".into()),
        ("PORTICO_RATE_LIMITS__RESET_PER_HOUR".into(), "0".into()),
        ("PORTICO_RATE_LIMITS__TOKENS_PER_HOUR".into(), "0".into()),
        // Demo servers would fetch the language model through pip; tests that want it point at it.
        ("PORTICO_SEARCH__FETCH_MODEL".into(), "false".into()),
    ];
    for (k, v) in &opts.settings {
        env.push((format!("PORTICO_{}", k.to_ascii_uppercase()), v.clone()));
    }
    let overrides = Overrides {
        demo: opts.demo,
        ..Default::default()
    };
    Config::load(None, &env, &overrides)
        .and_then(Config::validate)
        .expect("valid test settings")
}

/// A running Portico server with its own database.
pub struct TestApp {
    pub kind: DbKind,
    pub base: String,
    pub app: App,
    pub client: reqwest::Client,
    running: Option<Running>,
    pub db: TestDb,
}

impl TestApp {
    pub async fn start(kind: DbKind) -> Option<TestApp> {
        Self::start_with(kind, TestOptions::default()).await
    }

    /// A server with the demo content loaded.
    pub async fn start_demo(kind: DbKind) -> Option<TestApp> {
        Self::start_with(
            kind,
            TestOptions {
                demo: true,
                ..TestOptions::default()
            },
        )
        .await
    }

    pub async fn start_with(kind: DbKind, opts: TestOptions) -> Option<TestApp> {
        let db = TestDb::create(kind).await?;
        Some(Self::start_on(db, opts).await)
    }

    /// Stops the server and hands back its database and data directory, for a restart.
    pub async fn stop_keep(mut self) -> TestDb {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
        // `TestApp` implements Drop, so the database is taken out by swapping in a placeholder.
        let placeholder = TestDb {
            kind: self.kind,
            url: String::new(),
            dir: tempfile::tempdir().expect("temp dir"),
            pg_name: None,
        };
        std::mem::replace(&mut self.db, placeholder)
    }

    /// Starts a server on an existing database and data directory (see [`TestApp::stop_keep`]).
    pub async fn start_on(db: TestDb, opts: TestOptions) -> TestApp {
        let kind = db.kind;
        let settings = test_settings(&db, &opts);
        let mut start = StartOptions {
            workers: opts.workers,
            ..StartOptions::default()
        };
        if let Some(c) = opts.clock.clone() {
            start.clock = c;
        }
        if let Some(r) = opts.registry.clone() {
            start.registry = Some(r);
        }
        let running = portico::server::start(&settings, start)
            .await
            .expect("server starts");
        let base = format!("http://{}", running.addr);
        let app = running.app.clone();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("http client");
        let t = TestApp {
            kind,
            base,
            app,
            client,
            running: Some(running),
            db,
        };
        t.wait_ready().await;
        t
    }

    /// Waits for `/readyz` to answer 200 (start-up work such as demo content is done).
    pub async fn wait_ready(&self) {
        for _ in 0..400 {
            if let Ok(r) = self.client.get(self.url("/readyz")).send().await
                && r.status() == 200
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("server did not become ready within 10 s");
    }

    /// The server's database handle, for tests that look under the use cases.
    pub fn store(&self) -> &portico_storage::Db {
        &self.running.as_ref().expect("server running").db
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    /// GET with an `Accept-Language` header, as a browser set to `lang` sends it.
    pub async fn get_in(&self, path: &str, lang: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .header("accept-language", lang)
            .send()
            .await
            .expect("GET")
    }

    /// A new user with `role` (a fresh address each call), signed in through the API: the client sends
    /// the session cookie on every request (HTTP clients keep `Secure` cookies to themselves over plain
    /// http, so it is set as a default header).
    pub async fn client_as(&self, role: portico_core::Role) -> SignedIn {
        let n = SIGNED_IN_SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let email = format!("{}-{n}@test.example", role.as_str());
        let password = "correct horse battery staple";
        let account = portico_app::identity::add_user(
            &self.app,
            portico_app::identity::AddUser {
                email: &email,
                name: &format!("Test {} {n}", role.as_str()),
                role,
                locale: portico_core::Locale::En,
                password,
            },
        )
        .await
        .expect("add user");
        let r = self
            .client
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"email": email, "password": password}))
            .send()
            .await
            .expect("sign in");
        assert_eq!(r.status(), 200, "signing in as {email}");
        let cookie = cookie_from(&r, "__Host-portico_session").expect("session cookie");
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::COOKIE,
            reqwest::header::HeaderValue::from_str(&cookie).expect("cookie header"),
        );
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .default_headers(headers)
            .build()
            .expect("http client");
        SignedIn {
            client,
            cookie,
            account,
        }
    }

    /// Writes an API token row for `user_id` straight into the database (as token issuing will) and
    /// returns its secret.
    pub async fn token_for(
        &self,
        user_id: i64,
        scopes: Option<&[portico_core::Scope]>,
        expires_at: Option<portico_core::Timestamp>,
    ) -> String {
        use portico_app::identity::tokens;
        let secret = tokens::new_secret();
        portico_storage::api_tokens::insert_token(
            self.store().conn(),
            &portico_storage::api_tokens::NewApiToken {
                user_id,
                name: "test token",
                token_hash: &tokens::digest(&secret),
                scopes,
                expires_at,
            },
            self.app.now(),
        )
        .await
        .expect("insert token");
        secret
    }

    /// Stops the server gracefully.
    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
    }
}

/// Shorthands for tests: send a request and take its status or JSON body, panicking on transport errors.
#[allow(
    async_fn_in_trait,
    reason = "test support, used only with the test kit's own runtime"
)]
pub trait Fetch {
    async fn status_of(self) -> u16;
    async fn json_of(self) -> serde_json::Value;
    async fn text_of(self) -> String;
}

impl Fetch for reqwest::RequestBuilder {
    async fn status_of(self) -> u16 {
        self.send().await.expect("request").status().as_u16()
    }

    async fn json_of(self) -> serde_json::Value {
        self.send()
            .await
            .expect("request")
            .json()
            .await
            .expect("JSON body")
    }

    async fn text_of(self) -> String {
        self.send()
            .await
            .expect("request")
            .text()
            .await
            .expect("text body")
    }
}

static SIGNED_IN_SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// A signed-in test client (see [`TestApp::client_as`]).
pub struct SignedIn {
    /// Sends the session cookie with every request.
    pub client: reqwest::Client,
    /// The session cookie as `name=value`.
    pub cookie: String,
    pub account: portico_app::identity::Account,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(r) = self.running.take() {
            r.shutdown.cancel();
        }
    }
}

/// The session cookie (`name=value`) from a response's `Set-Cookie` headers, for sending back by hand
/// (the cookie is `Secure`, which HTTP clients will not return over plain http).
pub fn cookie_from(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|kv| kv.split_once('=').is_some_and(|(k, _)| k == name))
        .map(str::to_string)
}

/// Declares tests that only make sense on SQLite (one node, one file): `sqlite_only!(name);` for
/// `async fn name(kind: DbKind)`. Nothing is generated for PostgreSQL, so no test passes by returning
/// early.
#[macro_export]
macro_rules! sqlite_only {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::DbKind::Sqlite).await
            }
        }
    )+};
}

/// Declares tests that only make sense on PostgreSQL (several nodes, concurrent writers):
/// `postgres_only!(name);` for `async fn name(kind: DbKind)`.
#[macro_export]
macro_rules! postgres_only {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::DbKind::Postgres).await
            }
        }
    )+};
}

/// Declares a test that runs once on SQLite and once on PostgreSQL: `both!(name);` for
/// `async fn name(kind: DbKind)`.
#[macro_export]
macro_rules! both {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::DbKind::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::DbKind::Postgres).await
            }
        }
    )+};
}
