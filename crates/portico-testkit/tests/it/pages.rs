use portico_testkit::{DbKind, TestApp, both};
use serde_json::Value;

async fn home_page_in_both_languages(kind: DbKind) {
    let Some(app) = TestApp::start_demo(kind).await else {
        return;
    };
    let en = app.get_in("/", "en-GB,en;q=0.9").await;
    assert_eq!(en.status(), 200);
    let en = en.text().await.unwrap();
    assert!(en.contains("<html lang=\"en\""));
    assert!(
        en.contains("role=\"search\"") && en.contains("name=\"q\""),
        "search box first"
    );
    assert!(en.contains("href=\"/login\""), "sign-in link");
    assert!(en.contains("action=\"/language\""), "language switcher");
    assert!(
        en.contains("Northwind Services"),
        "organisation name from the demo branding"
    );
    assert!(en.contains("Request a refund"), "demo task cards");
    assert!(en.contains("class=\"skip-link\""));

    let zh = app.get_in("/", "zh-CN").await.text().await.unwrap();
    assert!(zh.contains("<html lang=\"zh-CN\""));
    assert!(zh.contains("北风服务中心") && zh.contains("申请退款"));
    // Traditional-Chinese browsers read the Chinese pages far better than the English ones.
    for tag in ["zh-TW", "zh-HK,en;q=0.5", "zh-Hant"] {
        let page = app.get_in("/", tag).await.text().await.unwrap();
        assert!(page.contains("<html lang=\"zh-CN\""), "{tag}");
    }

    // The explicit choice beats the browser's preference.
    let r = app
        .client
        .post(app.url("/language"))
        .form(&[("locale", "zh-CN"), ("next", "/?x=1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers().get("location").unwrap(), "/?x=1");
    let cookie = portico_testkit::cookie_from(&r, "portico_lang").unwrap();
    assert_eq!(cookie, "portico_lang=zh-CN");
    let page = app
        .client
        .get(app.url("/"))
        .header("accept-language", "en")
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert!(page.text().await.unwrap().contains("<html lang=\"zh-CN\""));

    let r = app
        .client
        .post(app.url("/language"))
        .form(&[("locale", "en"), ("next", "https://evil.example/")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers().get("location").unwrap(), "/");
    let r = app
        .client
        .post(app.url("/language"))
        .form(&[("locale", "xx")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    app.stop().await;
}

async fn fresh_install_has_a_working_home_page(kind: DbKind) {
    let Some(app) = TestApp::start(kind).await else {
        return;
    };
    let body = app.get("/").await.text().await.unwrap();
    assert!(
        body.contains("Help Centre"),
        "default name before branding is set"
    );
    let api: Value = app.get("/api/v1/portal").await.json().await.unwrap();
    assert_eq!(api["name"], "Help Centre");
    assert_eq!(api["tasks"].as_array().unwrap().len(), 0);
    app.stop().await;
}

async fn portal_api_follows_the_language(kind: DbKind) {
    let Some(app) = TestApp::start_demo(kind).await else {
        return;
    };
    let r = app.get_in("/api/v1/portal", "zh-CN").await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["locale"], "zh-CN");
    assert_eq!(v["name"], "北风服务中心");
    assert_eq!(v["locales"], serde_json::json!(["en", "zh-CN"]));
    assert_eq!(v["tasks"].as_array().unwrap().len(), 6);
    app.stop().await;
}

async fn openapi_document_and_docs_page(kind: DbKind) {
    let Some(app) = TestApp::start(kind).await else {
        return;
    };
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/portal",
        "/api/v1/auth/login",
        "/api/v1/me",
        "/healthz",
        "/readyz",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} documented");
    }
    if kind == DbKind::Sqlite {
        insta::assert_json_snapshot!("openapi", doc);
    }
    let page = app.get("/api/docs").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("/api/v1/auth/login") && html.contains("href=\"/api/v1/openapi.json\""));
    assert!(!html.contains("<script"), "the docs page needs no script");
    app.stop().await;
}

both!(
    home_page_in_both_languages,
    fresh_install_has_a_working_home_page,
    portal_api_follows_the_language,
    openapi_document_and_docs_page
);

async fn search_finds_tasks_in_either_language(kind: DbKind) {
    let Some(app) = TestApp::start_demo(kind).await else {
        return;
    };
    // An English word, answered in Chinese; a Chinese word found inside a longer title.
    let page = app
        .get_in("/search?q=refund", "zh-CN")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("申请退款") && page.contains("href=\"/requests/new/refund\""),
        "{page}"
    );
    let page = app
        .get_in("/search?q=%E9%80%80%E6%AC%BE", "zh-CN")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("申请<mark>退款</mark>"),
        "the matched word is marked: {page}"
    );
    let page = app
        .get("/search?q=ORDER%20track")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("<mark>Track</mark> my <mark>order</mark>"),
        "{page}"
    );
    // Any order, any case; of the tasks, the one with both words ranks first (the help article with
    // both words in its title may come before it).
    let v: Value = app
        .get("/api/v1/search?q=ORDER%20track")
        .await
        .json()
        .await
        .unwrap();
    let first_task = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "task")
        .unwrap();
    assert_eq!(first_task["title"], "Track my order", "{v}");
    assert!(
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .take(2)
            .any(|i| i["title"] == "Track my order"),
        "{v}"
    );

    // Nothing found: say so and offer the tasks; the query is kept in the box, escaped.
    let r = app
        .get("/search?q=%3Cxqv%3Eqqzx%3C%2Fxqv%3E%20%22*%3A(")
        .await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(!page.contains("<xqv>qqzx"), "the query is escaped");
    assert!(
        (page.contains("&#60;xqv&#62;qqzx") || page.contains("&lt;xqv&gt;qqzx"))
            && page.contains("Request a refund")
    );
    let long = "x".repeat(1000);
    assert_eq!(app.get(&format!("/search?q={long}")).await.status(), 200);
    assert_eq!(app.get("/search").await.status(), 200);

    let v: Value = app
        .get("/api/v1/search?q=refund&limit=5")
        .await
        .json()
        .await
        .unwrap();
    // The refund task and the demo's help articles about refunds.
    let items = v["items"].as_array().unwrap();
    assert!(v["total"].as_u64().unwrap() >= items.len() as u64, "{v}");
    let tasks: Vec<&Value> = items.iter().filter(|i| i["kind"] == "task").collect();
    assert_eq!(tasks.len(), 1, "{v}");
    assert_eq!(tasks[0]["href"], "/requests/new/refund");
    assert!(items.iter().any(|i| i["kind"] == "kb_article"), "{v}");
    let v: Value = app.get("/api/v1/search?q=").await.json().await.unwrap();
    assert_eq!(v["total"], 0);
    let r = app.get("/api/v1/search?q=a&limit=0").await;
    assert_eq!(r.status(), 422);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["errors"][0]["field"], "limit");
    let r = app.get("/api/v1/search?q=a&limit=lots").await;
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.headers().get("content-type").unwrap(),
        "application/problem+json"
    );
    app.stop().await;
}

both!(search_finds_tasks_in_either_language);
