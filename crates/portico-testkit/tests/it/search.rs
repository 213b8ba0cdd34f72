//! The search index follows the database: changes committed with an outbox entry become searchable,
//! a restart resumes where the index left off, `reindex` rebuilds every node, and on PostgreSQL an entry
//! that commits after a higher one is not skipped.

use std::sync::Arc;
use std::time::Duration;

use portico_testkit::portico_app::portal::TASK;
use portico_testkit::portico_app::search;
use portico_testkit::portico_app::{App, portal};
use portico_testkit::portico_core::{FixedClock, Localized, Timestamp};
use portico_testkit::portico_search::{FollowState, SearchIndex};
use portico_testkit::portico_storage::outbox::OutboxOp;
use portico_testkit::portico_storage::settings;
use portico_testkit::{DbKind, TestApp, TestDb, TestOptions, both, postgres_only};
use serde_json::Value;

fn task(href: &str, en: &str, zh: &str, en_d: &str, zh_d: &str) -> portal::HomeTask {
    portal::HomeTask {
        href: href.into(),
        icon: "help".into(),
        title: Localized::new(en, zh),
        description: Localized::new(en_d, zh_d),
    }
}

/// Replaces the home tasks the way an administrator's change will: setting and outbox entry in one
/// transaction.
async fn set_tasks(app: &App, tasks: &[portal::HomeTask]) {
    let mut tx = app.begin().await.unwrap();
    settings::put_setting(
        tx.conn(),
        portal::HOME_TASKS_KEY,
        &serde_json::to_value(tasks).unwrap(),
        tx.now(),
    )
    .await
    .unwrap();
    portal::tasks_changed(&mut tx).await.unwrap();
    tx.commit().await.unwrap();
    portal::invalidate(app);
}

/// The titles of the home-page tasks a search finds (the demo's help articles match too; these tests
/// are about the index's life cycle, followed through the tasks).
async fn titles(t: &TestApp, lang: &str, q: &str) -> Vec<String> {
    let v: Value = t
        .client
        .get(t.url("/api/v1/search"))
        .query(&[("q", q)])
        .header("accept-language", lang)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "task")
        .map(|i| i["title"].as_str().unwrap().to_string())
        .collect()
}

/// What this node's index has applied.
fn follow_state(app: &App) -> portico_testkit::portico_search::FollowState {
    app.search_state()
        .unwrap()
        .index()
        .follow_state()
        .unwrap()
        .unwrap()
}

/// Replaces a stopped node's index with an empty one that claims `state`.
fn empty_index_claiming(db: &TestDb, state: FollowState) {
    let index = SearchIndex::open(&db.dir.path().join("index")).unwrap();
    index.rebuild(Vec::new(), state).unwrap();
}

/// Polls until `q` finds `want` (the follower runs in the background).
async fn eventually(t: &TestApp, lang: &str, q: &str, want: &[&str]) {
    let mut last = Vec::new();
    for _ in 0..200 {
        last = titles(t, lang, q).await;
        if last == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{q:?} in {lang}: wanted {want:?}, got {last:?}");
}

async fn changes_become_searchable_in_both_languages(kind: DbKind) {
    let Some(t) = TestApp::start(kind).await else {
        return;
    };
    assert!(titles(&t, "en", "parcel").await.is_empty());
    set_tasks(
        &t.app,
        &[
            task(
                "/a",
                "Track a parcel",
                "查询包裹",
                "Where is my delivery",
                "查看物流进度",
            ),
            task(
                "/b",
                "Change my address",
                "修改地址",
                "Update where we deliver",
                "更新收货地址",
            ),
        ],
    )
    .await;
    // Woken by this node's commit: no poll interval to wait for.
    eventually(&t, "en", "parcels", &["Track a parcel"]).await;
    // Chinese words find the task; the English visitor sees it in English, and the other way round.
    eventually(&t, "en", "包裹", &["Track a parcel"]).await;
    eventually(&t, "zh-CN", "parcel", &["查询包裹"]).await;
    eventually(&t, "zh-CN", "收货地址", &["修改地址"]).await;

    // Replacing the tasks removes what is gone.
    set_tasks(
        &t.app,
        &[task("/b", "Change my address", "修改地址", "", "")],
    )
    .await;
    eventually(&t, "en", "parcel", &[]).await;
    eventually(&t, "en", "address", &["Change my address"]).await;

    // The HTML page shows the same, with the matched words marked.
    let page = t
        .get_in("/search?q=address", "en")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("href=\"/b\""), "{page}");
    assert!(page.contains("Change my <mark>address</mark>"), "{page}");
}

async fn readiness_reports_the_search_index(kind: DbKind) {
    let Some(t) = TestApp::start(kind).await else {
        return;
    };
    let v: Value = t.get("/readyz").await.json().await.unwrap();
    let check = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "search_index")
        .cloned()
        .unwrap();
    assert_eq!(check["ok"], true, "{v}");
    // The follower's progress is visible to monitoring.
    let metrics = t.get("/metrics").await.text().await.unwrap();
    for name in [
        "portico_search_documents",
        "portico_search_settled_outbox_id",
    ] {
        assert!(metrics.contains(name), "{name} missing from /metrics");
    }
}

async fn a_restart_resumes_and_reindex_rebuilds(kind: DbKind) {
    let Some(t) = TestApp::start_demo(kind).await else {
        return;
    };
    let before = follow_state(&t.app);
    if kind == DbKind::Sqlite {
        // SQLite settles what it applied at once: the demo content's entry is behind the position.
        assert!(before.outbox_id > 0, "{before:?}");
    }
    let found = titles(&t, "en", "refund").await;
    assert_eq!(found.len(), 1, "{found:?}");

    // Same data directory, new process: the index is reused as it was (no rebuild, nothing lost).
    let db = t.stop_keep().await;
    let t = TestApp::start_on(db, TestOptions::default()).await;
    let after = follow_state(&t.app);
    if kind == DbKind::Sqlite {
        // Nothing new: no rebuild and no commit at all.
        assert_eq!(after, before);
    } else {
        // Entries still settling are re-applied once; the position never goes back.
        assert_eq!(after.generation, before.generation);
        assert!(after.outbox_id >= before.outbox_id, "{after:?} {before:?}");
    }
    assert_eq!(titles(&t, "en", "refund").await, found);

    // `reindex` bumps the generation; the follower rebuilds and search keeps answering.
    let generation = search::request_reindex(&t.app).await.unwrap();
    assert_eq!(generation, before.generation + 1);
    for _ in 0..200 {
        let st = follow_state(&t.app);
        if st.generation == generation {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(follow_state(&t.app).generation, generation);
    assert_eq!(titles(&t, "en", "refund").await, found);
}

async fn bad_queries_are_harmless(kind: DbKind) {
    let Some(t) = TestApp::start_demo(kind).await else {
        return;
    };
    for q in [
        "",
        "   ",
        "\"",
        "title:refund AND (",
        "*",
        "the of and",
        "的了吗",
        "\u{0}\u{1f}",
        &"退款".repeat(300),
        &"x".repeat(5000),
    ] {
        let r = t
            .client
            .get(t.url("/api/v1/search"))
            .query(&[("q", q)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{q:?}");
        let v: Value = r.json().await.unwrap();
        assert!(v["items"].is_array(), "{q:?}: {v}");
    }
}

/// An outbox entry of a kind no search source claims (written by a newer version, or by a feature since
/// removed) is skipped: the follower neither fails nor stops, and applies the entries after it.
async fn an_entry_of_an_unknown_kind_is_skipped(kind: DbKind) {
    let Some(t) = TestApp::start(kind).await else {
        return;
    };
    let app = &t.app;
    let mut tx = app.begin().await.unwrap();
    let unknown = tx
        .outbox("no_such_kind", "42", OutboxOp::Upsert)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    set_tasks(app, &[task("/after", "Written after", "之后写入", "", "")]).await;
    // The background follower gets past it on its own (a failing step would retry the same batch, and
    // the task would never appear).
    eventually(&t, "en", "written", &["Written after"]).await;
    app.search_state().unwrap().set_settle(Duration::ZERO);
    search::catch_up(app).await.unwrap();
    let last = portico_testkit::portico_storage::outbox::max_outbox_id(t.store().conn())
        .await
        .unwrap();
    assert!(last > unknown);
    assert_eq!(
        follow_state(app).outbox_id,
        last,
        "settled past the unknown entry"
    );
    // A rebuild, which asks every source, is not disturbed by it either.
    search::request_reindex(app).await.unwrap();
    search::catch_up(app).await.unwrap();
    assert_eq!(titles(&t, "zh-CN", "written").await, ["之后写入"]);
}

/// PostgreSQL hands out outbox ids when rows are inserted, not when they commit: an entry can become
/// visible after one with a higher id has been applied. The follower must still apply it.
async fn a_late_commit_below_an_applied_entry_is_not_skipped(kind: DbKind) {
    // SQLite has one writer at a time: ids are visible in order
    let Some(t) = TestApp::start(kind).await else {
        return;
    };
    let app = &t.app;
    let mut slow = app.begin().await.unwrap();
    settings::put_setting(
        slow.conn(),
        portal::HOME_TASKS_KEY,
        &serde_json::to_value([task("/late", "Late arrival", "迟到", "", "")]).unwrap(),
        slow.now(),
    )
    .await
    .unwrap();
    let low = slow.outbox(TASK, "*", OutboxOp::Upsert).await.unwrap();
    let mut fast = app.begin().await.unwrap();
    let high = fast
        .outbox("other_kind", "1", OutboxOp::Upsert)
        .await
        .unwrap();
    fast.commit().await.unwrap();
    assert!(high > low);

    let step = search::follow_step(app).await.unwrap();
    assert!(step.settled < low, "{step:?}");
    slow.commit().await.unwrap();
    search::catch_up(app).await.unwrap();
    assert_eq!(titles(&t, "en", "late").await, ["Late arrival"]);

    // Once both have been in the table for the settling time, the recorded position moves past them.
    app.search_state().unwrap().set_settle(Duration::ZERO);
    search::catch_up(app).await.unwrap();
    assert_eq!(follow_state(app).outbox_id, high);
}

/// An index that settled past anything the database ever issued was built from another database (a
/// backup restored under it, say): it is rebuilt at start rather than skipping the new entries.
async fn an_index_ahead_of_its_database_is_rebuilt(kind: DbKind) {
    let Some(t) = TestApp::start_demo(kind).await else {
        return;
    };
    let generation = follow_state(&t.app).generation;
    let db = t.stop_keep().await;
    empty_index_claiming(
        &db,
        FollowState::new(1_000_000_000, generation, i64::MAX / 2),
    );
    let t = TestApp::start_on(db, TestOptions::default()).await;
    let st = follow_state(&t.app);
    assert!(st.outbox_id < 1_000_000_000, "{st:?}");
    assert_eq!(titles(&t, "en", "refund").await.len(), 1);
}

/// A quiet index resumes after a restart (recording daily that it is current), but one idle for more
/// than a week is rebuilt: the outbox entries it would need may have been cleaned up.
async fn an_idle_index_resumes_within_a_week_and_is_rebuilt_after(kind: DbKind) {
    let start = Timestamp(1_800_000_000_000);
    let clock = Arc::new(FixedClock::new(start));
    let opts = || TestOptions {
        demo: true,
        clock: Some(clock.clone()),
        ..Default::default()
    };
    let Some(t) = TestApp::start_with(kind, opts()).await else {
        return;
    };
    assert_eq!(titles(&t, "en", "refund").await.len(), 1);
    let generation = follow_state(&t.app).generation;
    let last = portico_testkit::portico_storage::outbox::max_outbox_id(t.store().conn())
        .await
        .unwrap();
    let db = t.stop_keep().await;
    // Empty the index while it claims to be current: only a rebuild brings the documents back.
    empty_index_claiming(&db, FollowState::new(last, generation, start.0));

    clock.advance_secs(2 * 86_400);
    let t = TestApp::start_on(db, opts()).await;
    assert!(
        titles(&t, "en", "refund").await.is_empty(),
        "resumed, not rebuilt"
    );
    assert_eq!(
        follow_state(&t.app).at,
        start.plus_secs(2 * 86_400).0,
        "recorded as current"
    );
    let db = t.stop_keep().await;

    clock.advance_secs(8 * 86_400);
    let t = TestApp::start_on(db, opts()).await;
    assert_eq!(
        titles(&t, "en", "refund").await.len(),
        1,
        "rebuilt after a week"
    );
}

/// More unsettled entries than one read holds: the follower reads on past those it applied and
/// `catch_up` returns instead of spinning over them.
async fn a_full_window_of_unsettled_entries_does_not_hold_up_newer_ones(kind: DbKind) {
    // SQLite settles every visible entry at once
    let Some(t) = TestApp::start(kind).await else {
        return;
    };
    let app = &t.app;
    let mut tx = app.begin().await.unwrap();
    for i in 0..520 {
        tx.outbox("other_kind", &i.to_string(), OutboxOp::Upsert)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    search::catch_up(app).await.unwrap();
    set_tasks(app, &[task("/new", "Brand new", "全新", "", "")]).await;
    tokio::time::timeout(Duration::from_secs(20), search::catch_up(app))
        .await
        .expect("catch_up returns")
        .unwrap();
    assert_eq!(titles(&t, "en", "brand").await, ["Brand new"]);
}

/// A second node (another data directory, same PostgreSQL) sees changes made through the first.
async fn every_node_follows_the_outbox(kind: DbKind) {
    // SQLite refuses a second node
    let Some(a) = TestApp::start(kind).await else {
        return;
    };
    let dir_b = tempfile::tempdir().unwrap();
    let mut settings_b = portico_testkit::test_settings(&a.db, &TestOptions::default());
    settings_b.raw.data_dir = dir_b.path().to_path_buf();
    let b = portico::server::start(&settings_b, Default::default())
        .await
        .unwrap();
    set_tasks(&a.app, &[task("/x", "Replace a card", "补办卡片", "", "")]).await;
    for _ in 0..200 {
        let found = search::search(
            &b.app,
            &portico_testkit::portico_app::viewer::Viewer::anonymous(),
            portico_testkit::portico_core::Locale::ZhCn,
            "replace card",
            10,
            Default::default(),
        )
        .await
        .unwrap();
        if found.hits.len() == 1 {
            assert_eq!(found.hits[0].title, "补办卡片");
            b.stop().await;
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("node b never saw the change made through node a");
}

both!(
    an_entry_of_an_unknown_kind_is_skipped,
    an_index_ahead_of_its_database_is_rebuilt,
    an_idle_index_resumes_within_a_week_and_is_rebuilt_after,
    changes_become_searchable_in_both_languages,
    readiness_reports_the_search_index,
    a_restart_resumes_and_reindex_rebuilds,
    bad_queries_are_harmless
);
postgres_only!(a_late_commit_below_an_applied_entry_is_not_skipped);
postgres_only!(a_full_window_of_unsettled_entries_does_not_hold_up_newer_ones);
postgres_only!(every_node_follows_the_outbox);
