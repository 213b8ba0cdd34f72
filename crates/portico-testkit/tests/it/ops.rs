use portico_testkit::{DbKind, TestApp, both};
use serde_json::Value;

async fn health_readiness_and_metrics(kind: DbKind) {
    let Some(app) = TestApp::start(kind).await else {
        return;
    };
    let r = app.get("/healthz").await;
    assert_eq!(r.status(), 200);
    let r = app.get("/readyz").await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert!(
        body["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["ok"] == true)
    );

    app.get("/").await;
    app.get("/no/such/page/123").await;
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains("portico_http_requests_total"), "{metrics}");
    assert!(metrics.contains("route=\"/readyz\""));
    assert!(
        metrics.contains("route=\"unmatched\""),
        "404s are counted without their raw path"
    );
    assert!(
        !metrics.contains("/no/such/page/123"),
        "raw paths never become labels"
    );
    assert!(metrics.contains("portico_jobs{status=\"queued\"}"));
    app.stop().await;
}

async fn readyz_is_503_when_the_database_is_gone(kind: DbKind) {
    let Some(app) = TestApp::start(kind).await else {
        return;
    };
    app.store().close().await.unwrap();
    let r = app.get("/readyz").await;
    assert_eq!(r.status(), 503);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], "unavailable");
    let db = body["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "database")
        .cloned()
        .unwrap();
    assert_eq!(db["ok"], false);
    assert_eq!(
        app.get("/healthz").await.status(),
        200,
        "liveness does not depend on the database"
    );
}

async fn request_ids_and_security_headers(kind: DbKind) {
    let Some(app) = TestApp::start(kind).await else {
        return;
    };
    let r = app.get("/").await;
    let h = r.headers();
    let id = h.get("x-request-id").unwrap().to_str().unwrap();
    assert!(id.len() >= 16);
    let csp = h.get("content-security-policy").unwrap().to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'")
            && csp.contains("frame-ancestors 'none'")
            && !csp.contains("unsafe-inline")
    );
    assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
    assert_eq!(
        h.get("referrer-policy").unwrap(),
        "strict-origin-when-cross-origin"
    );
    assert!(
        h.get("strict-transport-security").is_none(),
        "no HSTS without an https base URL"
    );

    let r = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "lb-42.abc")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers().get("x-request-id").unwrap(), "lb-42.abc");
    let r = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "<script>")
        .send()
        .await
        .unwrap();
    assert_ne!(r.headers().get("x-request-id").unwrap(), "<script>");
    app.stop().await;
}

async fn hsts_behind_https(kind: DbKind) {
    let opts = portico_testkit::TestOptions {
        settings: vec![("base_url".into(), "https://help.example.com".into())],
        ..Default::default()
    };
    let Some(app) = TestApp::start_with(kind, opts).await else {
        return;
    };
    let r = app.get("/healthz").await;
    assert!(
        r.headers()
            .get("strict-transport-security")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("max-age=")
    );
    app.stop().await;
}

async fn static_assets_are_hashed_and_cached(kind: DbKind) {
    let Some(app) = TestApp::start(kind).await else {
        return;
    };
    let home = app.get("/").await.text().await.unwrap();
    let start = home.find("/static/app.").expect("stylesheet link");
    let href: String = home[start..].chars().take_while(|c| *c != '"').collect();
    assert!(
        href.ends_with(".css") && href.len() > "/static/app..css".len() + 8,
        "{href}"
    );
    let r = app.get(&href).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers().get("cache-control").unwrap(),
        "public, max-age=31536000, immutable"
    );
    assert!(
        r.headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    let r = app.get("/static/app.css").await;
    assert_eq!(
        r.headers().get("cache-control").unwrap(),
        "public, max-age=300"
    );
    assert_eq!(app.get("/static/nope.css").await.status(), 404);
    let r = app
        .client
        .get(app.url(&href))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()
            .get("content-encoding")
            .map(|v| v.to_str().unwrap()),
        Some("gzip")
    );
    app.stop().await;
}

async fn metrics_can_require_a_token(kind: DbKind) {
    let opts = portico_testkit::TestOptions {
        settings: vec![("http__metrics_token".into(), "s3cret-metrics-token".into())],
        ..Default::default()
    };
    let Some(app) = TestApp::start_with(kind, opts).await else {
        return;
    };
    assert_eq!(app.get("/metrics").await.status(), 401);
    let wrong = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("s3cret-metrics-tokeX")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let ok = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("s3cret-metrics-token")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert!(
        ok.text()
            .await
            .unwrap()
            .contains("portico_http_requests_total")
    );
    app.stop().await;
}

both!(
    metrics_can_require_a_token,
    health_readiness_and_metrics,
    readyz_is_503_when_the_database_is_gone,
    request_ids_and_security_headers,
    hsts_behind_https,
    static_assets_are_hashed_and_cached
);
