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

/// Words that would mean a parser's message reached the caller as it was.
const RUST_WORDS: [&str; 9] = [
    "LoginRequest",
    "SearchParams",
    "target type",
    "serde",
    "struct",
    "deserialize",
    "Failed to",
    "u32",
    "::",
];

async fn no_rust_in(r: reqwest::Response, status: u16) -> Value {
    assert_problem(&r, status);
    let text = r.text().await.unwrap();
    for word in RUST_WORDS {
        assert!(!text.contains(word), "`{word}` shown to the caller: {text}");
    }
    serde_json::from_str(&text).unwrap()
}

async fn rejections_speak_of_json_not_rust(kind: DbKind) {
    let Some(app) = TestApp::start(kind).await else {
        return;
    };
    let login = app.url("/api/v1/auth/login");
    let post = |body: &'static str| {
        app.client
            .post(&login)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };

    // Not JSON: where it went wrong, in the caller's terms.
    let p = no_rust_in(post("{\"email\": ").await.unwrap(), 400).await;
    assert_eq!(
        p["detail"], "The request body is not valid JSON (line 1, column 10).",
        "{p}"
    );
    let p = no_rust_in(post("<xml/>").await.unwrap(), 400).await;
    assert_eq!(
        p["detail"], "The request body is not valid JSON (line 1, column 1).",
        "{p}"
    );
    let p = no_rust_in(
        post("{\"email\": \"a@example.com\", \"password\": \"x\"} trailing")
            .await
            .unwrap(),
        400,
    )
    .await;
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .starts_with("The request body is not valid JSON")
    );

    // A missing field and a mistyped field: named, with what was expected.
    let p = no_rust_in(post("{\"password\": \"x\"}").await.unwrap(), 422).await;
    assert_eq!(p["errors"][0]["field"], "email", "{p}");
    assert_eq!(p["errors"][0]["code"], "required", "{p}");
    assert_eq!(p["errors"][0]["message"], "this field is required", "{p}");
    let p = no_rust_in(
        post("{\"email\": 5, \"password\": \"x\"}").await.unwrap(),
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "email", "{p}");
    assert_eq!(p["errors"][0]["code"], "invalid_type", "{p}");
    assert_eq!(
        p["errors"][0]["message"], "expected a string, got a number",
        "{p}"
    );
    let p = no_rust_in(
        post("{\"email\": \"a@example.com\", \"password\": [1]}")
            .await
            .unwrap(),
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "password", "{p}");
    assert_eq!(
        p["errors"][0]["message"], "expected a string, got an array",
        "{p}"
    );
    // Not an object at all: serde would say "expected struct LoginRequest".
    let p = no_rust_in(post("true").await.unwrap(), 422).await;
    assert_eq!(
        p["errors"][0]["message"], "expected an object, got a boolean",
        "{p}"
    );
    let p = no_rust_in(post("[]").await.unwrap(), 422).await;
    assert_eq!(p["errors"][0]["message"], "expected an object", "{p}");
    no_rust_in(post("[1, 2]").await.unwrap(), 422).await;
    let p = no_rust_in(post("\"hello\"").await.unwrap(), 422).await;
    assert_eq!(
        p["errors"][0]["message"], "expected an object, got a string",
        "{p}"
    );

    // The wrong content type.
    let r = app
        .client
        .post(&login)
        .header("content-type", "text/plain")
        .body("{\"email\": \"a@example.com\", \"password\": \"x\"}")
        .send()
        .await
        .unwrap();
    let p = no_rust_in(r, 415).await;
    assert!(
        p["detail"].as_str().unwrap().contains("application/json"),
        "{p}"
    );
    let r = app.client.post(&login).body("{}").send().await.unwrap();
    no_rust_in(r, 415).await;

    // A malformed query parameter names the parameter.
    for (query, message) in [
        ("limit=abc", "expected a whole number"),
        ("limit=-1", "expected a whole number"),
        ("limit=99999999999", "this number is out of range"),
    ] {
        let r = app.get(&format!("/api/v1/search?q=x&{query}")).await;
        let p = no_rust_in(r, 400).await;
        assert_eq!(p["errors"][0]["field"], "limit", "{query}: {p}");
        assert_eq!(p["errors"][0]["message"], message, "{query}: {p}");
        assert!(p["request_id"].is_string());
    }
    app.stop().await;
}

both!(rejections_speak_of_json_not_rust);
