use portico_testkit::{DbKind, TestApp, both};
use serde_json::Value;

fn assert_problem(r: &reqwest::Response, status: u16) {
    assert_eq!(r.status(), status);
    assert_eq!(
        r.headers().get("content-type").unwrap(),
        "application/problem+json"
    );
}

async fn friendly_html_errors_in_the_visitors_language(kind: DbKind) {
    let Some(app) = TestApp::start(kind).await else {
        return;
    };
    let r = app.get("/definitely-missing").await;
    assert_eq!(r.status(), 404);
    assert!(
        r.headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let id = r
        .headers()
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let body = r.text().await.unwrap();
    assert!(body.contains("<html lang=\"en\""), "{body}");
    assert!(body.contains(&id), "the page shows the request id");
    assert!(body.contains("href=\"/\""), "the page offers a way home");

    let r = app.get_in("/definitely-missing", "zh-CN,zh;q=0.9").await;
    let body = r.text().await.unwrap();
    assert!(body.contains("<html lang=\"zh-CN\""));
    let en = app.get("/definitely-missing").await.text().await.unwrap();
    assert_ne!(
        body.split("<main").nth(1),
        en.split("<main").nth(1),
        "the page text is translated"
    );

    let r = app.client.delete(app.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 405);
    assert!(r.text().await.unwrap().contains("<html"));
    app.stop().await;
}

async fn api_errors_are_problem_documents(kind: DbKind) {
    // A small body limit, so the oversized request below fits in the socket buffers: the server answers
    // 413 without reading it, and a larger body would race the connection's close.
    let opts = portico_testkit::TestOptions {
        settings: vec![("http__body_limit_bytes".into(), "4096".into())],
        ..Default::default()
    };
    let Some(app) = TestApp::start_with(kind, opts).await else {
        return;
    };
    let r = app.get("/api/v1/nothing-here").await;
    assert_problem(&r, 404);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["status"], 404);
    assert_eq!(p["title"], "Not Found");
    assert!(p["request_id"].as_str().is_some());

    let login = app.url("/api/v1/auth/login");
    let r = app
        .client
        .post(&login)
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .unwrap();
    assert_problem(&r, 400);
    let p: Value = r.json().await.unwrap();
    assert!(p["detail"].as_str().unwrap().contains("JSON"), "{p}");

    let r = app
        .client
        .post(&login)
        .header("content-type", "application/json")
        .body("{\"password\": \"x\"}")
        .send()
        .await
        .unwrap();
    assert_problem(&r, 422);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["errors"][0]["field"], "email", "{p}");

    let r = app
        .client
        .post(&login)
        .header("content-type", "application/json")
        .body("{\"email\": 5, \"password\": \"x\"}")
        .send()
        .await
        .unwrap();
    assert_problem(&r, 422);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["errors"][0]["field"], "email", "{p}");

    let r = app
        .client
        .post(&login)
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_problem(&r, 415);

    let big = format!(
        "{{\"email\": \"{}\", \"password\": \"x\"}}",
        "a".repeat(8 * 1024)
    );
    let r = app
        .client
        .post(&login)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_problem(&r, 413);

    let r = app.client.get(&login).send().await.unwrap();
    assert_problem(&r, 405);
    assert!(r.headers().get("allow").is_some());

    let r = app.client.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_problem(&r, 401);
    app.stop().await;
}

async fn cross_site_posts_are_refused(kind: DbKind) {
    let Some(app) = TestApp::start(kind).await else {
        return;
    };
    let body = serde_json::json!({"email": "a@example.com", "password": "whatever-long"});
    let r = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("sec-fetch-site", "cross-site")
        .header("origin", "https://evil.example")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_problem(&r, 403);
    let r = app
        .client
        .post(app.url("/language"))
        .header("origin", "https://evil.example")
        .form(&[("locale", "en")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = app
        .client
        .post(app.url("/language"))
        .header("sec-fetch-site", "same-origin")
        .form(&[("locale", "zh-CN"), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    app.stop().await;
}

both!(
    friendly_html_errors_in_the_visitors_language,
    api_errors_are_problem_documents,
    cross_site_posts_are_refused
);

async fn server_errors_give_a_reference_and_no_details(kind: DbKind) {
    let Some(app) = TestApp::start(kind).await else {
        return;
    };
    // Nothing has read the settings yet, so with the database gone the next page cannot be built.
    app.store().close().await.unwrap();
    let r = app.get("/").await;
    assert_eq!(r.status(), 500);
    let id = r
        .headers()
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let page = r.text().await.unwrap();
    assert!(
        page.contains("<html lang=\"en\"") && page.contains(&id),
        "friendly page with the reference"
    );
    for leak in ["pool", "sqlx", "Pool", "closed", "database error"] {
        assert!(
            !page.contains(leak),
            "internal detail `{leak}` shown: {page}"
        );
    }
    let r = app.get("/api/v1/portal").await;
    assert_problem(&r, 500);
    let p: Value = r.json().await.unwrap();
    assert!(p.get("detail").is_none(), "{p}");
    assert!(p["request_id"].as_str().is_some());
}

both!(server_errors_give_a_reference_and_no_details);
