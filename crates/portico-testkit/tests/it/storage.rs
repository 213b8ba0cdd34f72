//! Storage guarantees: durability settings, acknowledged writes surviving a restart, migrations that
//! can run again, unique e-mails, and the single-node lock on SQLite.

use std::sync::Arc;

use portico_app::identity::{AddUser, add_user};
use portico_app::{App, AppError};
use portico_core::{Locale, Role, SystemClock};
use portico_storage::{DatabaseUrl, Db, DbConfig, users};
use portico_testkit::{
    DbKind, TestDb, TestOptions, both, portico_app, portico_core, portico_storage, postgres_only,
    sqlite_only, test_settings,
};
use sea_orm::ConnectionTrait;

async fn open(db: &TestDb, exclusive: bool) -> Result<Db, portico_storage::StorageError> {
    let mut cfg = DbConfig::new(DatabaseUrl::parse(&db.url).unwrap());
    cfg.exclusive = exclusive;
    Db::connect(&cfg).await
}

async fn sqlite_runs_with_durable_settings(kind: DbKind) {
    let Some(tdb) = TestDb::create(kind).await else {
        return;
    };
    let db = open(&tdb, false).await.unwrap();
    let b = db.db_backend();
    let journal: String = db
        .conn()
        .query_one_raw(sea_orm::Statement::from_string(b, "PRAGMA journal_mode"))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index(0)
        .unwrap();
    assert_eq!(journal, "wal");
    let sync: i64 = db
        .conn()
        .query_one_raw(sea_orm::Statement::from_string(b, "PRAGMA synchronous"))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index(0)
        .unwrap();
    assert_eq!(sync, 2, "synchronous=FULL");
    let fk: i64 = db
        .conn()
        .query_one_raw(sea_orm::Statement::from_string(b, "PRAGMA foreign_keys"))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index(0)
        .unwrap();
    assert_eq!(fk, 1);
    let busy: i64 = db
        .conn()
        .query_one_raw(sea_orm::Statement::from_string(b, "PRAGMA busy_timeout"))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index(0)
        .unwrap();
    assert!(busy >= 5000);
}

async fn second_node_on_sqlite_is_refused(kind: DbKind) {
    let Some(tdb) = TestDb::create(kind).await else {
        return;
    };
    let first = open(&tdb, true).await.unwrap();
    let err = open(&tdb, true)
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.contains("another Portico process is already serving"),
        "{err}"
    );
    // Short admin commands (non-exclusive) still work alongside the server.
    assert!(open(&tdb, false).await.is_ok());
    first.close().await.unwrap();
    drop(first);
    assert!(
        open(&tdb, true).await.is_ok(),
        "the lock is released with the first node"
    );
}

async fn acknowledged_writes_survive_a_restart(kind: DbKind) {
    let Some(tdb) = TestDb::create(kind).await else {
        return;
    };
    let settings = test_settings(&tdb, &TestOptions::default());
    let running = portico::server::start(&settings, Default::default())
        .await
        .unwrap();
    let app = running.app.clone();
    let u = add_user(
        &app,
        AddUser {
            email: "durable@example.com",
            name: "持久 User",
            role: Role::Agent,
            locale: Locale::ZhCn,
            password: "a long enough password",
        },
    )
    .await
    .unwrap();
    drop(app);
    running.stop().await;
    // Migrations run again on the second start and change nothing.
    let running = portico::server::start(&settings, Default::default())
        .await
        .unwrap();
    let again = users::find_user_by_id(running.db.conn(), u.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.name, "持久 User");
    assert_eq!(again.locale, Locale::ZhCn);
    assert_eq!(again.role, Role::Agent);
    assert_eq!(running.db.pending_migrations().await.unwrap(), 0);
    running.stop().await;
}

async fn duplicate_email_is_a_conflict_on_email(kind: DbKind) {
    let Some(tdb) = TestDb::create(kind).await else {
        return;
    };
    let db = open(&tdb, false).await.unwrap();
    db.migrate().await.unwrap();
    let app = App::new(db.clone(), Arc::new(SystemClock), Default::default());
    let input = |email| AddUser {
        email,
        name: "Ann",
        role: Role::Customer,
        locale: Locale::En,
        password: "a long enough password",
    };
    add_user(&app, input("ann@example.com")).await.unwrap();
    match add_user(&app, input("ANN@Example.com")).await {
        Err(AppError::Conflict { field, .. }) => assert_eq!(field, "email"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    match add_user(
        &app,
        AddUser {
            email: "bad",
            name: "",
            role: Role::Customer,
            locale: Locale::En,
            password: "short",
        },
    )
    .await
    {
        Err(AppError::Invalid(v)) => {
            let fields: Vec<_> = v.0.iter().map(|f| f.field.as_str()).collect();
            assert_eq!(fields, vec!["email", "name", "password"]);
        }
        other => panic!("expected invalid fields, got {other:?}"),
    }
    assert_eq!(
        users::count_users(db.conn()).await.unwrap(),
        1,
        "nothing half-written"
    );
}

async fn demo_content_loads_once(kind: DbKind) {
    let Some(tdb) = TestDb::create(kind).await else {
        return;
    };
    let db = open(&tdb, false).await.unwrap();
    db.migrate().await.unwrap();
    let app = App::new(
        db.clone(),
        Arc::new(SystemClock),
        portico_app::AppSettings {
            demo: true,
            base_url: None,
            ..Default::default()
        },
    );
    let first = portico_app::demo::load_demo(&app).await.unwrap();
    assert_eq!(first.users_created, portico_app::demo::DEMO_USERS.len());
    let second = portico_app::demo::load_demo(&app).await.unwrap();
    assert_eq!(
        (second.users_created, second.users_present),
        (0, portico_app::demo::DEMO_USERS.len())
    );
    assert_eq!(
        users::count_users(db.conn()).await.unwrap() as usize,
        portico_app::demo::DEMO_USERS.len()
    );
    let roles: std::collections::BTreeSet<_> = portico_app::demo::DEMO_USERS
        .iter()
        .map(|u| u.role.as_str())
        .collect();
    assert_eq!(roles.len(), 3, "every role has a demo user");
}

async fn nodes_starting_together_migrate_once(kind: DbKind) {
    // SQLite has one node; its lock file keeps a second one out
    let Some(tdb) = TestDb::create(kind).await else {
        return;
    };
    let mut nodes = Vec::new();
    for _ in 0..3 {
        nodes.push(open(&tdb, false).await.unwrap());
    }
    let runs = nodes.iter().map(|db| db.migrate());
    for res in futures_util::future::join_all(runs).await {
        res.unwrap();
    }
    for db in &nodes {
        assert_eq!(db.pending_migrations().await.unwrap(), 0);
        db.migrate().await.unwrap();
    }
}

both!(
    acknowledged_writes_survive_a_restart,
    duplicate_email_is_a_conflict_on_email,
    demo_content_loads_once
);

async fn a_change_its_jobs_and_outbox_rows_commit_together(kind: DbKind) {
    use portico_storage::jobs::{self as store, NewJob};
    use portico_storage::outbox::{OutboxOp, list_outbox_after, max_outbox_id};
    let Some(tdb) = TestDb::create(kind).await else {
        return;
    };
    let db = open(&tdb, false).await.unwrap();
    db.migrate().await.unwrap();
    let app = App::new(db.clone(), Arc::new(SystemClock), Default::default());
    let email = portico_core::Email::parse("email", "tx@example.com").unwrap();
    let new_user = users::NewUser {
        email: &email,
        name: "Tx",
        locale: Locale::En,
        role: Role::Customer,
        password_hash: None,
        email_verified: false,
    };

    // Rolled back (explicitly, and by dropping): nothing of it remains.
    let mut tx = app.begin().await.unwrap();
    users::insert_user(tx.conn(), &new_user, tx.now())
        .await
        .unwrap();
    tx.enqueue(&NewJob::new("welcome", serde_json::json!({}), tx.now()))
        .await
        .unwrap();
    tx.outbox("user", "1", OutboxOp::Upsert).await.unwrap();
    tx.rollback().await.unwrap();
    {
        let mut tx = app.begin().await.unwrap();
        users::insert_user(tx.conn(), &new_user, tx.now())
            .await
            .unwrap();
        tx.enqueue(&NewJob::new("welcome", serde_json::json!({}), tx.now()))
            .await
            .unwrap();
    }
    assert_eq!(users::count_users(db.conn()).await.unwrap(), 0);
    assert_eq!(
        store::count_jobs(db.conn()).await.unwrap(),
        store::JobCounts::default()
    );
    assert_eq!(max_outbox_id(db.conn()).await.unwrap(), 0);

    // Committed: all three are there.
    let mut tx = app.begin().await.unwrap();
    let u = users::insert_user(tx.conn(), &new_user, tx.now())
        .await
        .unwrap();
    tx.enqueue(&NewJob::new(
        "welcome",
        serde_json::json!({"user": u.id}),
        tx.now(),
    ))
    .await
    .unwrap();
    tx.outbox("user", &u.id.to_string(), OutboxOp::Upsert)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(users::count_users(db.conn()).await.unwrap(), 1);
    assert_eq!(store::count_jobs(db.conn()).await.unwrap().queued, 1);
    let rows = list_outbox_after(db.conn(), 0, 10).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].entity_id, u.id.to_string());
}

both!(a_change_its_jobs_and_outbox_rows_commit_together);
sqlite_only!(sqlite_runs_with_durable_settings);
sqlite_only!(second_node_on_sqlite_is_refused);
postgres_only!(nodes_starting_together_migrate_once);
