//! The `portico` binary as a person uses it: clear one-line errors with a non-zero exit for bad
//! configuration, and a clean stop on SIGTERM.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn portico() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_portico"));
    for (k, _) in std::env::vars() {
        if k.starts_with("PORTICO_") {
            c.env_remove(k);
        }
    }
    c.env("PORTICO_LOG_LEVEL", "warn");
    c
}

/// Runs a command expected to fail; returns its stderr after checking it is one clear line.
fn fails(cmd: &mut Command, code: i32) -> String {
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
    assert_eq!(out.status.code(), Some(code), "stderr: {err}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(
        !err.contains("panicked")
            && !err.contains("stack backtrace")
            && !err.contains("RUST_BACKTRACE"),
        "{err}"
    );
    let last = err.lines().last().unwrap().to_string();
    assert!(
        err.lines().filter(|l| l.starts_with("error: ")).count() == 1,
        "{err}"
    );
    last
}

#[test]
fn help_lists_every_command() {
    let out = portico().arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for cmd in [
        "serve",
        "migrate",
        "user",
        "import",
        "reindex",
        "backup",
        "check-config",
        "worker",
    ] {
        assert!(text.contains(cmd), "{cmd} missing from --help");
    }
}

#[test]
fn bad_configuration_gives_one_line_naming_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let e = fails(
        portico()
            .args(["check-config"])
            .env("PORTICO_LISTEN", "nowhere"),
        1,
    );
    assert!(e.contains("listen"), "{e}");
    let e = fails(
        portico()
            .args(["check-config"])
            .env("PORTICO_DATABASE_URL", "mysql://db/x"),
        1,
    );
    assert!(e.contains("database_url"), "{e}");
    let e = fails(
        portico().args([
            "check-config",
            "--database-url",
            "postgres://u:hunter2@db:notaport/x",
        ]),
        1,
    );
    assert!(e.contains("database_url") && !e.contains("hunter2"), "{e}");
    let cfg = d.join("portico.toml");
    std::fs::write(&cfg, "listen = \"127.0.0.1:8080\"\nlistne = 1\n").unwrap();
    let e = fails(portico().args(["check-config", "--config"]).arg(&cfg), 1);
    assert!(e.contains("unknown setting `listne`"), "{e}");
    let e = fails(
        portico()
            .args(["check-config", "--config"])
            .arg(d.join("missing.toml")),
        1,
    );
    assert!(e.contains("does not exist"), "{e}");
    let ok = portico()
        .args(["check-config", "--data-dir"])
        .arg(d)
        .output()
        .unwrap();
    assert!(ok.status.success());
    assert!(String::from_utf8_lossy(&ok.stdout).contains("configuration is valid"));
}

#[test]
fn unreachable_postgres_unwritable_dir_and_busy_port() {
    let e = fails(
        portico().args([
            "migrate",
            "--database-url",
            "postgres://portico@127.0.0.1:1/portico",
        ]),
        1,
    );
    assert!(
        e.contains("cannot connect to PostgreSQL at postgres://portico@127.0.0.1:1/portico"),
        "{e}"
    );

    let dir = tempfile::tempdir().unwrap();
    let ro = dir.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    let mut perms = std::fs::metadata(&ro).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o555);
    std::fs::set_permissions(&ro, perms).unwrap();
    // Root ignores permission bits; use a path under a regular file instead, which nobody can create.
    let blocked = dir.path().join("file");
    std::fs::write(&blocked, b"x").unwrap();
    let e = fails(
        portico()
            .args(["migrate", "--data-dir"])
            .arg(blocked.join("data")),
        1,
    );
    assert!(
        e.contains("data directory") && e.contains("cannot be created"),
        "{e}"
    );

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let e = fails(
        portico()
            .args(["serve", "--listen", &addr, "--data-dir"])
            .arg(dir.path().join("d")),
        1,
    );
    assert!(
        e.contains(&format!("cannot listen on {addr}")) && e.contains("already in use"),
        "{e}"
    );
}

#[test]
fn user_add_reads_the_password_and_reports_bad_fields() {
    let dir = tempfile::tempdir().unwrap();
    let add = |email: &str, pw: &str| {
        let mut child = portico()
            .args([
                "user",
                "add",
                "--email",
                email,
                "--name",
                "Ops Admin",
                "--role",
                "admin",
                "--data-dir",
            ])
            .arg(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(pw.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let out = add("ops@example.com", "a strong passphrase\n");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("created admin user Ops Admin <ops@example.com>")
    );
    let out = add("OPS@example.com", "another strong one\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("--email: a user with this e-mail already exists")
    );
    let out = add("not-an-email", "short\n");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--email:") && err.contains("--password:"),
        "{err}"
    );
    let e = fails(
        portico()
            .args([
                "user",
                "add",
                "--email",
                "a@b.co",
                "--name",
                "A",
                "--role",
                "admin",
                "--locale",
                "fr",
                "--data-dir",
            ])
            .arg(dir.path()),
        1,
    );
    assert!(e.contains("--locale"), "{e}");
}

#[test]
fn import_kb_is_idempotent_and_names_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let kb = dir.path().join("kb");
    std::fs::create_dir_all(kb.join("nested")).unwrap();
    std::fs::write(
        kb.join("reset.en.md"),
        "---\ntitle: Reset your password\nlocale: en\ncategory: account\ntranslation: reset\n---\n\nUse the link on the sign-in page.\n",
    )
    .unwrap();
    std::fs::write(
        kb.join("nested/reset.zh-CN.md"),
        "---\ntitle: 重置密码\nlocale: zh-CN\nslug: reset-zh\ncategory: account\ntranslation: reset\n---\n\n在登录页面点击链接。\n",
    )
    .unwrap();
    let run = || {
        portico()
            .args(["import", "kb"])
            .arg(&kb)
            .arg("--data-dir")
            .arg(&data)
            .output()
            .unwrap()
    };
    let first = run();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let out = String::from_utf8_lossy(&first.stdout);
    assert!(out.contains("2 new"), "{out}");
    let again = run();
    assert!(String::from_utf8_lossy(&again.stdout).contains("2 unchanged"));
    // Export writes the same format back; importing the export changes nothing.
    let out = dir.path().join("export");
    let exported = portico()
        .args(["export", "kb"])
        .arg(&out)
        .arg("--data-dir")
        .arg(&data)
        .output()
        .unwrap();
    assert!(
        exported.status.success(),
        "{}",
        String::from_utf8_lossy(&exported.stderr)
    );
    let zh = std::fs::read_to_string(out.join("reset-zh.md")).unwrap();
    assert!(
        zh.contains("title: 重置密码")
            && zh.contains("translation: reset")
            && zh.contains("在登录页面点击链接。"),
        "{zh}"
    );
    let back = portico()
        .args(["import", "kb"])
        .arg(&out)
        .arg("--data-dir")
        .arg(&data)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&back.stdout).contains("2 unchanged"),
        "{}",
        String::from_utf8_lossy(&back.stdout)
    );
    // A file without a title stops the import, naming the file, before anything is written.
    std::fs::write(kb.join("broken.md"), "no title here\n").unwrap();
    let e = fails(
        portico()
            .args(["import", "kb"])
            .arg(&kb)
            .arg("--data-dir")
            .arg(&data),
        1,
    );
    assert!(e.contains("broken.md"), "{e}");
    // JSON Lines, with a bad line named by number.
    let jsonl = dir.path().join("faq.jsonl");
    std::fs::write(
        &jsonl,
        "{\"id\": 1, \"title\": \"Q\", \"body\": \"A\"}\nnot json\n",
    )
    .unwrap();
    let e = fails(
        portico()
            .args(["import", "kb"])
            .arg(&jsonl)
            .arg("--data-dir")
            .arg(&data),
        1,
    );
    assert!(e.contains("line 2"), "{e}");
}

#[test]
fn reindex_rebuilds_an_idle_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let out = portico()
        .args(["reindex", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Rebuilt the search index"), "{stdout}");
    assert!(dir.path().join("index").join("meta.json").exists());
    // Twice in a row is fine (each bumps the generation every node follows).
    let out = portico()
        .args(["reindex", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    // An index directory that cannot be created is one clear line.
    std::fs::create_dir_all(dir.path().join("d2")).unwrap();
    std::fs::write(dir.path().join("d2").join("index"), b"x").unwrap();
    let out = portico()
        .args(["reindex", "--data-dir"])
        .arg(dir.path().join("d2"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("search index"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[test]
fn backup_writes_a_consistent_copy() {
    let dir = tempfile::tempdir().unwrap();
    let st = portico()
        .args(["migrate", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(st.status.success());
    let target = dir.path().join("backup.db");
    let out = portico()
        .args(["backup", "--data-dir"])
        .arg(dir.path())
        .arg(&target)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(std::fs::metadata(&target).unwrap().len() > 0);
    let again = portico()
        .args(["backup", "--data-dir"])
        .arg(dir.path())
        .arg(&target)
        .output()
        .unwrap();
    assert_eq!(
        again.status.code(),
        Some(1),
        "an existing file is never overwritten"
    );
    // The copy is a working database.
    let out = portico()
        .args(["migrate", "--database-url"])
        .arg(format!("sqlite://{}", target.display()))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("(0 migration(s) applied)"));
}

#[test]
fn serve_demo_then_sigterm_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // The second start logs JSON lines, as log collectors want them.
    let run = |format: &str| {
        portico()
            .args([
                "serve",
                "--demo",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--data-dir",
            ])
            .arg(dir.path())
            .env("PORTICO_LOG_LEVEL", "info")
            .env("PORTICO_LOG_FORMAT", format)
            // Hermetic: the model download --demo starts is tested apart (it stops with the node).
            .env("PORTICO_SEARCH__FETCH_MODEL", "false")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    for round in 0..2 {
        let mut child = run(if round == 0 { "text" } else { "json" });
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut log = Vec::new();
        while Instant::now() < deadline {
            if let Ok(l) = rx.recv_timeout(Duration::from_millis(100)) {
                let ready =
                    l.trim_end().ends_with(": ready") || l.contains("\"message\":\"ready\"");
                log.push(l);
                if ready {
                    break;
                }
            }
        }
        let text = log.join("\n");
        assert!(
            log.last().is_some_and(
                |l| l.trim_end().ends_with(": ready") || l.contains("\"message\":\"ready\"")
            ),
            "round {round}: the server reported ready\n{text}"
        );
        assert!(
            text.contains("admin@demo.example.com") && text.contains("demo-admin-2026"),
            "round {round}: credentials printed\n{text}"
        );
        if round == 1 {
            let json_line = log
                .iter()
                .find(|l| l.starts_with('{'))
                .expect("a JSON log line");
            let v: serde_json::Value = serde_json::from_str(json_line).expect("log lines are JSON");
            assert!(
                v["level"].is_string() && v["timestamp"].is_string(),
                "{json_line}"
            );
        }
        // A second node on the same SQLite file is refused while this one runs.
        if round == 0 {
            let other = std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .to_string();
            let e = fails(
                portico()
                    .args(["serve", "--listen", &other, "--data-dir"])
                    .arg(dir.path()),
                1,
            );
            assert!(e.contains("another Portico process"), "{e}");

            // `reindex` while the server holds the index: the server is asked and rebuilds it.
            let out = portico()
                .args(["reindex", "--data-dir"])
                .arg(dir.path())
                .output()
                .unwrap();
            let said = String::from_utf8_lossy(&out.stdout);
            assert!(out.status.success(), "{said}");
            assert!(said.contains("Asked every running node"), "{said}");
            let deadline = Instant::now() + Duration::from_secs(10);
            let mut rebuilt = false;
            while !rebuilt && Instant::now() < deadline {
                if let Ok(l) = rx.recv_timeout(Duration::from_millis(100)) {
                    rebuilt = l.contains("search index rebuilt");
                }
            }
            assert!(rebuilt, "the running server rebuilt its index");
        }
        let pid = child.id().to_string();
        let started = Instant::now();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(0), "exit 0 on SIGTERM");
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}

#[test]
fn worker_node_runs_on_postgres_and_stops_on_sigterm() {
    let Ok(url) = std::env::var("PORTICO_TEST_DATABASE_URL") else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "PostgreSQL is required under CI=true"
        );
        eprintln!("SKIPPED: PostgreSQL (PORTICO_TEST_DATABASE_URL) is not available");
        return;
    };
    // A database of its own, so the shared server's default database stays untouched.
    let name = format!(
        "portico_cli_{}_{}",
        std::process::id(),
        Instant::now().elapsed().as_nanos()
    );
    let admin = url.clone();
    let run_sql = |sql: String| {
        let admin = admin.clone();
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async move {
                use sea_orm::ConnectionTrait;
                let conn = sea_orm::Database::connect(admin.as_str()).await.unwrap();
                conn.execute_unprepared(&sql).await.unwrap();
                conn.close().await.unwrap();
            })
    };
    run_sql(format!("CREATE DATABASE {name}"));
    let db_url = format!("{}/{name}", url.rsplit_once('/').unwrap().0);
    let mut child = portico()
        .args(["worker", "--database-url", &db_url])
        .env("PORTICO_LOG_LEVEL", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut running = false;
    while Instant::now() < deadline && !running {
        if let Ok(l) = rx.recv_timeout(Duration::from_millis(100)) {
            running = l.contains("worker running");
        }
    }
    assert!(running, "the worker node started");
    assert!(
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    let started = Instant::now();
    assert_eq!(child.wait().unwrap().code(), Some(0));
    assert!(started.elapsed() < Duration::from_secs(10));
    run_sql(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
}

#[test]
fn model_status_says_the_model_is_missing_and_counts_articles() {
    let dir = tempfile::tempdir().unwrap();
    let out = portico()
        .args(["model", "status", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("not installed"), "{text}");
    assert!(text.contains("0 of 0"), "{text}");
    // Turned off, it says so instead.
    let out = portico()
        .args(["model", "status", "--data-dir"])
        .arg(dir.path())
        .env("PORTICO_SEARCH__SEMANTIC", "false")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("turned off"));
    // The configured path is the one reported.
    let bad = dir.path().join("bad.bin");
    std::fs::write(&bad, b"not a model").unwrap();
    let out = portico()
        .args(["model", "status", "--data-dir"])
        .arg(dir.path())
        .env("PORTICO_SEARCH__MODEL_PATH", &bad)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("bad.bin"));
}
