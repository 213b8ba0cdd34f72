//! Opening the database. The URL decides the engine; SQLite gets the pragmas that make acknowledged writes
//! durable (WAL, `synchronous=FULL`), foreign keys and a busy timeout, and a lock file so only one node or
//! worker serves a SQLite database at a time.
//!
//! The SQLite files hold password hashes and sessions, so they are readable by their owner only (0600,
//! and 0700 for a data directory Portico creates); files of older versions are tightened at start.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;

use crate::error::{Result, StorageError};
use crate::migration::Migrator;

/// Which engine a URL points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A parsed, validated database URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A SQLite file (created if missing).
    Sqlite(PathBuf),
    /// A PostgreSQL URL, kept as given (it may carry a password: never print it, see [`Self::redacted`]).
    Postgres(String),
}

impl DatabaseUrl {
    /// Parses `sqlite://PATH`, `sqlite:PATH`, `postgres://…` or `postgresql://…`.
    pub fn parse(raw: &str) -> Result<DatabaseUrl> {
        let raw = raw.trim();
        if let Some(rest) = raw
            .strip_prefix("sqlite://")
            .or_else(|| raw.strip_prefix("sqlite:"))
        {
            let path = rest.split('?').next().unwrap_or("");
            if path.is_empty() {
                return Err(StorageError::Config(
                    "database_url: a SQLite URL needs a file path, e.g. sqlite://data/portico.db"
                        .into(),
                ));
            }
            if path == ":memory:" {
                return Err(StorageError::Config(
                    "database_url: in-memory SQLite is not supported; every acknowledged write must survive a restart".into(),
                ));
            }
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(path)));
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            let after = raw.split_once("://").map(|(_, r)| r).unwrap_or("");
            let host_part = after.rsplit_once('@').map(|(_, h)| h).unwrap_or(after);
            let host = host_part.split(['/', '?']).next().unwrap_or("");
            if host.is_empty() && !raw.contains("host=") {
                return Err(StorageError::Config(format!(
                    "database_url: `{}` has no host; expected postgres://USER@HOST:PORT/DATABASE",
                    redact(raw)
                )));
            }
            if let Some((_, port)) = host.rsplit_once(':')
                && !port.is_empty()
                && !port.starts_with(']')
                && port.parse::<u16>().is_err()
            {
                return Err(StorageError::Config(format!(
                    "database_url: port `{port}` in `{}` is not a number from 1 to 65535",
                    redact(raw)
                )));
            }
            return Ok(DatabaseUrl::Postgres(raw.to_string()));
        }
        Err(StorageError::Config(format!(
            "database_url: `{}` is not a supported database URL; use sqlite://PATH or postgres://USER@HOST/DB",
            redact(raw)
        )))
    }

    pub fn backend(&self) -> Backend {
        match self {
            DatabaseUrl::Sqlite(_) => Backend::Sqlite,
            DatabaseUrl::Postgres(_) => Backend::Postgres,
        }
    }

    /// The URL with any password replaced by `***`, safe for logs and error messages.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(p) => format!("sqlite://{}", p.display()),
            DatabaseUrl::Postgres(u) => redact(u),
        }
    }
}

fn redact(url: &str) -> String {
    // Query parameters may carry a password (`?password=…`) or other secrets: never shown.
    let (url, had_query) = match url.split_once('?') {
        Some((u, _)) => (u, true),
        None => (url, false),
    };
    let suffix = if had_query { "?…" } else { "" };
    let Some((scheme, rest)) = url.split_once("://") else {
        return format!("{}{suffix}", url.chars().take(200).collect::<String>());
    };
    let Some((userinfo, host)) = rest.rsplit_once('@') else {
        return format!("{}{suffix}", url.chars().take(200).collect::<String>());
    };
    let user = userinfo.split(':').next().unwrap_or("");
    let shown = if userinfo.contains(':') {
        format!("{user}:***")
    } else {
        user.to_string()
    };
    format!("{scheme}://{shown}@{host}{suffix}")
        .chars()
        .take(200)
        .collect()
}

/// How to open the database.
#[derive(Debug, Clone)]
pub struct DbConfig {
    pub url: DatabaseUrl,
    pub max_connections: u32,
    pub connect_timeout: Duration,
    /// Take the single-node lock on a SQLite database (`serve` and `worker` do; short admin commands don't).
    pub exclusive: bool,
}

impl DbConfig {
    pub fn new(url: DatabaseUrl) -> Self {
        Self {
            url,
            max_connections: 10,
            connect_timeout: Duration::from_secs(5),
            exclusive: false,
        }
    }
}

/// An open database: the connection pool plus, for SQLite served by this process, the lock file.
#[derive(Debug, Clone)]
pub struct Db {
    conn: DatabaseConnection,
    backend: Backend,
    /// PostgreSQL URL, for the dedicated migration connection.
    pg_url: Option<String>,
    _lock: Option<std::sync::Arc<File>>,
    /// SQLite: write transactions of this process queue here, woken in turn, instead of in SQLite's
    /// busy handler, which polls with sleeps of up to 100 ms and so caps writes under contention.
    writer: Option<std::sync::Arc<tokio::sync::Mutex<()>>>,
}

/// The turn of one write transaction on SQLite (nothing on PostgreSQL): hold it until the transaction
/// ends.
pub type WriteTurn = Option<tokio::sync::OwnedMutexGuard<()>>;

impl Db {
    /// Opens (and for SQLite, creates) the database. Does not migrate: see [`Db::migrate`].
    pub async fn connect(cfg: &DbConfig) -> Result<Db> {
        match &cfg.url {
            DatabaseUrl::Sqlite(path) => Self::connect_sqlite(cfg, path).await,
            DatabaseUrl::Postgres(url) => Self::connect_postgres(cfg, url).await,
        }
    }

    async fn connect_sqlite(cfg: &DbConfig, path: &Path) -> Result<Db> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_private_dir(dir).map_err(|e| {
                StorageError::Unavailable(format!(
                    "cannot create the data directory {}: {e}",
                    dir.display()
                ))
            })?;
        }
        // Created here, owner-only, before SQLite opens it: SQLite gives the -wal and -shm files it
        // creates the main file's permissions.
        match create_private_file(path) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => restrict_to_owner(path),
            Err(e) => {
                return Err(StorageError::Unavailable(format!(
                    "cannot create SQLite database {}: {e}",
                    path.display()
                )));
            }
        }
        let lock = if cfg.exclusive {
            Some(std::sync::Arc::new(take_lock(path)?))
        } else {
            None
        };
        let mut opts = ConnectOptions::new(format!("sqlite://{}", path.display()));
        opts.max_connections(cfg.max_connections.max(1))
            .min_connections(1)
            .connect_timeout(cfg.connect_timeout)
            .acquire_timeout(Duration::from_secs(30))
            .sqlx_logging(false)
            .map_sqlx_sqlite_opts(|o| {
                o.create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10))
                    .pragma("temp_store", "memory")
                    // Pages are read from a memory map instead of copied in: every commit by another
                    // connection empties a connection's page cache, so under a stream of writes most
                    // reads would otherwise be a system call and a copy per page.
                    .pragma("mmap_size", "268435456")
            });
        let conn = sea_orm::Database::connect(opts).await.map_err(|e| {
            StorageError::Unavailable(format!(
                "cannot open SQLite database {}: {}",
                path.display(),
                root_cause(&e)
            ))
        })?;
        // Prove the file is writable now, not at the first user's first write.
        conn.execute_unprepared("CREATE TABLE IF NOT EXISTS portico_write_probe (x INTEGER); DROP TABLE portico_write_probe;")
            .await
            .map_err(|e| {
                StorageError::Unavailable(format!("SQLite database {} is not writable: {}", path.display(), root_cause(&e)))
            })?;
        // -wal and -shm left by an older version keep their permissions when SQLite reuses them.
        for suffix in ["-wal", "-shm"] {
            restrict_to_owner(&PathBuf::from(format!("{}{suffix}", path.display())));
        }
        Ok(Db {
            conn,
            backend: Backend::Sqlite,
            pg_url: None,
            _lock: lock,
            writer: Some(std::sync::Arc::new(tokio::sync::Mutex::new(()))),
        })
    }

    async fn connect_postgres(cfg: &DbConfig, url: &str) -> Result<Db> {
        let mut opts = ConnectOptions::new(url.to_string());
        opts.max_connections(cfg.max_connections.max(1))
            .min_connections(1)
            .connect_timeout(cfg.connect_timeout)
            .acquire_timeout(cfg.connect_timeout.max(Duration::from_secs(10)))
            .sqlx_logging(false);
        let conn = sea_orm::Database::connect(opts).await.map_err(|e| {
            StorageError::Unavailable(format!(
                "cannot connect to PostgreSQL at {}: {}",
                cfg.url.redacted(),
                root_cause(&e)
            ))
        })?;
        Ok(Db {
            conn,
            backend: Backend::Postgres,
            pg_url: Some(url.to_string()),
            _lock: None,
            writer: None,
        })
    }

    /// Applies every pending migration; safe to call on each start (concurrent starts on PostgreSQL are
    /// serialised by an advisory lock).
    pub async fn migrate(&self) -> Result<()> {
        match &self.pg_url {
            Some(url) => {
                // Nodes starting together take turns. The session-level advisory lock and the
                // migrations must use one connection, so they get a dedicated one (a pool could
                // unlock on a different connection and leak the lock); closing it releases the lock
                // even if a migration fails.
                let mut opts = ConnectOptions::new(url.clone());
                opts.max_connections(1)
                    .min_connections(1)
                    .sqlx_logging(false);
                let one = sea_orm::Database::connect(opts).await?;
                one.execute_unprepared("SELECT pg_advisory_lock(7283001)")
                    .await?;
                let res = Migrator::up(&one, None).await;
                let _ = one
                    .execute_unprepared("SELECT pg_advisory_unlock(7283001)")
                    .await;
                let _ = one.close().await;
                res?;
            }
            None => Migrator::up(&self.conn, None).await?,
        }
        Ok(())
    }

    /// Migrations known to this binary that the database has not applied yet.
    pub async fn pending_migrations(&self) -> Result<usize> {
        Ok(Migrator::get_pending_migrations(&self.conn).await?.len())
    }

    pub fn conn(&self) -> &DatabaseConnection {
        &self.conn
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn db_backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    /// Starts a write transaction. On SQLite it takes the write lock up front (`BEGIN IMMEDIATE`) so two
    /// writers queue on the busy timeout instead of failing half-way.
    pub async fn begin_write(&self) -> Result<DatabaseTransaction> {
        Ok(self.begin_write_in_turn().await?.0)
    }

    /// [`Db::begin_write`], first waiting for this process's earlier write transactions on SQLite
    /// (keep the turn until the transaction ends).
    pub async fn begin_write_in_turn(&self) -> Result<(DatabaseTransaction, WriteTurn)> {
        let turn = match &self.writer {
            Some(m) => Some(m.clone().lock_owned().await),
            None => None,
        };
        Ok((self.begin_write_now().await?, turn))
    }

    /// Waits for this process's turn to write on SQLite (nothing on PostgreSQL), for a single write
    /// statement outside a transaction; keep it until the statement is done.
    pub async fn write_turn(&self) -> WriteTurn {
        match &self.writer {
            Some(m) => Some(m.clone().lock_owned().await),
            None => None,
        }
    }

    async fn begin_write_now(&self) -> Result<DatabaseTransaction> {
        let opts = TransactionOptions {
            sqlite_transaction_mode: (self.backend == Backend::Sqlite)
                .then_some(SqliteTransactionMode::Immediate),
            ..Default::default()
        };
        Ok(self.conn.begin_with_options(opts).await?)
    }

    /// Cheap liveness query for `/readyz`.
    pub async fn ping(&self) -> Result<()> {
        self.conn.execute_unprepared("SELECT 1").await?;
        Ok(())
    }

    /// Closes the pool (SQLite checkpoints the WAL when the last connection closes).
    pub async fn close(&self) -> Result<()> {
        self.conn.close_by_ref().await?;
        Ok(())
    }
}

/// The innermost message of a connection error, which names the real problem (refused, no such host...).
fn root_cause(e: &sea_orm::DbErr) -> String {
    let mut msg = e.to_string();
    let mut src: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = src {
        msg = s.to_string();
        src = s.source();
    }
    msg.replace('\n', " ")
}

/// Permissions of the files Portico writes its data to: read and write for the owner only.
#[cfg(unix)]
const PRIVATE_FILE_MODE: u32 = 0o600;

/// Creates a directory (and missing parents) readable by the owner only; existing ones are left as
/// they are, since the operator chose them.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
}

/// Creates a new, empty file readable and writable by the owner only; fails if it exists.
pub fn create_private_file(path: &Path) -> std::io::Result<File> {
    let mut open = OpenOptions::new();
    open.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut open, PRIVATE_FILE_MODE);
    open.open(path)
}

/// Removes group and other permissions from an existing file. A file that cannot be changed (owned by
/// another account, say) is reported, not fatal: the node still works.
pub fn restrict_to_owner(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let Ok(meta) = std::fs::metadata(path) else {
            return;
        };
        let mode = meta.permissions().mode();
        if mode & 0o077 == 0 {
            return;
        }
        match std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o700)) {
            Ok(()) => tracing::info!(
                file = %path.display(),
                "made a data file readable by its owner only (it holds password hashes and sessions)"
            ),
            Err(e) => tracing::warn!(
                file = %path.display(),
                error = %e,
                "a data file holding password hashes is readable by other accounts and could not be changed; make it owner-only (chmod 600)"
            ),
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// Takes an exclusive lock on `PATH.lock` so a second node or worker cannot serve the same SQLite file.
fn take_lock(db_path: &Path) -> Result<File> {
    let lock_path = PathBuf::from(format!("{}.lock", db_path.display()));
    let mut open = OpenOptions::new();
    open.create(true).truncate(false).write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut open, PRIVATE_FILE_MODE);
    let file = open.open(&lock_path).map_err(|e| {
        StorageError::Unavailable(format!(
            "cannot create lock file {}: {e}",
            lock_path.display()
        ))
    })?;
    restrict_to_owner(&lock_path);
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(StorageError::Unavailable(format!(
            "another Portico process is already serving {} (lock {} is held); SQLite supports one node — use PostgreSQL to run several",
            db_path.display(),
            lock_path.display()
        ))),
        Err(std::fs::TryLockError::Error(e)) => Err(StorageError::Unavailable(format!(
            "cannot lock {}: {e}",
            lock_path.display()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_supported_urls() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/portico.db").ok(),
            Some(DatabaseUrl::Sqlite(PathBuf::from("data/portico.db")))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///var/lib/portico/p.db?mode=rwc").ok(),
            Some(DatabaseUrl::Sqlite(PathBuf::from("/var/lib/portico/p.db")))
        );
        assert_eq!(
            DatabaseUrl::parse("postgres://u:secret@db:5432/portico")
                .map(|u| u.backend())
                .ok(),
            Some(Backend::Postgres)
        );
    }

    #[test]
    fn rejects_malformed_urls_without_leaking_passwords() {
        for bad in [
            "mysql://x/y",
            "sqlite://",
            "sqlite::memory:",
            "postgres://u:pw@host:99999/db",
            "postgres:///db",
            "nonsense",
        ] {
            let err = DatabaseUrl::parse(bad)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(err.starts_with("database_url:"), "{bad}: {err}");
            assert!(!err.contains("pw@"), "{err}");
        }
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(
            redact("postgres://u@h/db?password=s3cret&sslmode=require"),
            "postgres://u@h/db?…"
        );
    }
}
