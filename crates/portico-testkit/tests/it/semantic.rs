//! Ranking by meaning with the real language model: articles are embedded by the background job, a
//! question in other words finds them, nonsense finds nothing, a new version is embedded again, and a
//! node without the model still answers by words.

use std::time::Duration;

use portico_testkit::portico_core::Role;
use portico_testkit::{DbKind, Fetch, TestApp, TestOptions, both};
use serde_json::json;

use super::kb::create;

fn with_model(model: &std::path::Path) -> TestOptions {
    TestOptions {
        settings: vec![("search__model_path".into(), model.display().to_string())],
        ..TestOptions::default()
    }
}

/// Things this node can find by meaning, from `/readyz`.
async fn vectors(app: &TestApp) -> usize {
    let health = app.client.get(app.url("/readyz")).json_of().await;
    let detail = health["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "search_ranking")
        .and_then(|c| c["detail"].as_str())
        .unwrap_or_default()
        .to_string();
    detail
        .split_once('(')
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

async fn wait_for_vectors(app: &TestApp, n: usize) {
    for _ in 0..600 {
        if vectors(app).await >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("articles were not embedded within a minute");
}

async fn slugs(app: &TestApp, q: &str, ranking: &str) -> Vec<String> {
    let r = app
        .client
        .get(app.url("/api/v1/kb/search"))
        .query(&[("q", q), ("ranking", ranking)])
        .json_of()
        .await;
    r["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["slug"].as_str().unwrap().to_string())
        .collect()
}

async fn meaning_finds_other_words(kind: DbKind) {
    let Some(model) = portico_testkit::test_model() else {
        return;
    };
    let Some(app) = TestApp::start_with(kind, with_model(&model)).await else {
        return;
    };
    let agent = app.client_as(Role::Agent).await;
    let a = &agent.client;
    let articles = [
        (
            "change-delivery-address",
            "en",
            "Change the delivery address",
            "Until the parcel ships, open the order and enter a different street and city.",
        ),
        (
            "reset-password",
            "en",
            "Reset your password",
            "Forgot how to sign in? Ask for a link by e-mail and choose a new secret phrase.",
        ),
        (
            "card-lost",
            "en",
            "Report a lost card",
            "Block the card at once so nobody can pay with it, then order a replacement.",
        ),
        (
            "xiugai-dizhi",
            "zh-CN",
            "修改收货地址",
            "包裹发出之前，您可以在订单中填写新的街道和城市。",
        ),
        (
            "tuikuan",
            "zh-CN",
            "申请退款",
            "商品损坏或缺件时，可以在订单页面申请退款，款项原路退回。",
        ),
    ];
    let mut first_id = 0;
    for (slug, locale, title, body) in articles {
        let created = create(
            a,
            &app,
            json!({"slug": slug, "locale": locale, "title": title, "body_markdown": body,
                   "status": "published", "visibility": "public"}),
        )
        .await;
        if first_id == 0 {
            first_id = created["id"].as_i64().unwrap();
        }
    }
    wait_for_vectors(&app, articles.len()).await;

    // No word in common with the article, so words alone cannot find it.
    let q = "I moved house, can my package go somewhere else?";
    assert!(
        !slugs(&app, q, "words")
            .await
            .iter()
            .any(|s| s == "change-delivery-address"),
        "words alone should not find it"
    );
    assert_eq!(
        slugs(&app, q, "best").await.first().map(String::as_str),
        Some("change-delivery-address")
    );
    let q = "I can't log in anymore";
    assert_eq!(
        slugs(&app, q, "best").await.first().map(String::as_str),
        Some("reset-password")
    );
    // Chinese paraphrase, and a question across languages.
    assert_eq!(
        slugs(&app, "东西坏了怎么把钱拿回来", "best")
            .await
            .first()
            .map(String::as_str),
        Some("tuikuan")
    );
    // Across languages the model leans to articles in the query's language, but among the English
    // articles the one about a lost card comes first.
    let across = slugs(&app, "我的银行卡丢了", "best").await;
    let pos = |slug: &str| across.iter().position(|s| s == slug);
    assert!(
        pos("card-lost").is_some() && pos("card-lost") < pos("reset-password").or(Some(usize::MAX)),
        "{across:?}"
    );
    // Nonsense finds nothing rather than the nearest of everything.
    assert!(slugs(&app, "qwzx vbnm plokij", "best").await.is_empty());
    // The same query again is answered from the cache of query vectors: same order.
    assert_eq!(
        slugs(&app, "I can't log in anymore", "best").await,
        slugs(&app, "I can't log in anymore", "best").await
    );
    // An unknown ranking is a clear error naming the parameter.
    let r = app
        .client
        .get(app.url("/api/v1/kb/search"))
        .query(&[("q", "x"), ("ranking", "magic")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("ranking"));

    // A new version is embedded again: the article, now about paying invoices, is found by a question
    // about paying.
    let r = a
        .patch(app.url(&format!("/api/v1/kb/articles/{first_id}")))
        .json(&json!({"title": "Pay an invoice by bank transfer",
                      "body_markdown": "Transfer the amount to our account and put the invoice number in the reference.",
                      "base_version": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let mut moved = false;
    for _ in 0..600 {
        let (done, total) = portico_testkit::portico_app::kb::embed::coverage(&app.app)
            .await
            .unwrap();
        if done == total
            && slugs(&app, "I want to send you the money I owe", "best")
                .await
                .first()
                .map(String::as_str)
                == Some("change-delivery-address")
        {
            moved = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        moved,
        "the new version was not embedded and found by meaning"
    );
}

async fn a_node_without_the_model_ranks_by_words(kind: DbKind) {
    let Some(app) = TestApp::start_with(
        kind,
        TestOptions {
            settings: vec![("search__semantic".into(), "false".into())],
            ..TestOptions::default()
        },
    )
    .await
    else {
        return;
    };
    let health = app.client.get(app.url("/readyz")).json_of().await;
    let ranking = health["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "search_ranking")
        .cloned()
        .unwrap();
    assert_eq!(ranking["ok"], true);
    assert!(
        ranking["detail"]
            .as_str()
            .unwrap()
            .contains("by words only"),
        "{ranking}"
    );
    let agent = app.client_as(Role::Agent).await;
    create(
        &agent.client,
        &app,
        json!({"slug": "reset-password", "locale": "en", "title": "Reset your password",
               "body_markdown": "Ask for a link.", "status": "published", "visibility": "public"}),
    )
    .await;
    for _ in 0..100 {
        if slugs(&app, "password", "best").await == ["reset-password"] {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("words alone did not find the article");
}

/// A damaged model file does not stop the server: search answers by words, and `/readyz` and the
/// upkeep page say why meaning is off.
async fn a_damaged_model_file_leaves_search_by_words(kind: DbKind) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e5-small-q4.bin");
    std::fs::write(&path, b"not a model at all, just some bytes").unwrap();
    let Some(app) = TestApp::start_with(kind, with_model(&path)).await else {
        return;
    };
    let agent = app.client_as(Role::Agent).await;
    create(&agent.client, &app, json!({"title": "Damask napkins", "body_markdown": "Iron damask napkins while damp.", "locale": "en", "status": "published", "slug": "damask-napkins"})).await;
    let mut found = false;
    for _ in 0..100 {
        if slugs(&app, "damask", "best")
            .await
            .contains(&"damask-napkins".to_string())
        {
            found = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(found, "words still find it");
    let health = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let health: serde_json::Value = health.json().await.unwrap();
    let detail = health["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "search_ranking")
        .and_then(|c| c["detail"].as_str())
        .unwrap()
        .to_string();
    assert!(detail.contains("could not be loaded"), "{detail}");
    let upkeep = agent
        .client
        .get(app.url("/kb/manage/upkeep"))
        .text_of()
        .await;
    assert!(upkeep.contains("could not be loaded"), "{upkeep}");
    app.stop().await;
}

both!(
    a_damaged_model_file_leaves_search_by_words,
    meaning_finds_other_words,
    a_node_without_the_model_ranks_by_words
);
