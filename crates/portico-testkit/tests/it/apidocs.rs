//! The OpenAPI document. It does not depend on the database engine, so these run on SQLite only.

use portico_testkit::{DbKind, TestApp};
use serde_json::Value;

async fn document() -> Option<(TestApp, Value)> {
    let app = TestApp::start(DbKind::Sqlite).await?;
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    Some((app, doc))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_limit_documents_its_real_range() {
    let Some((app, doc)) = document().await else {
        return;
    };
    let params = doc["paths"]["/api/v1/search"]["get"]["parameters"]
        .as_array()
        .unwrap();
    let limit = params.iter().find(|p| p["name"] == "limit").unwrap();
    assert_eq!(limit["in"], "query");
    assert_eq!(limit["required"], false);
    let s = &limit["schema"];
    assert_eq!(s["minimum"], 1, "0 is refused, so the minimum is 1: {s}");
    assert_eq!(s["maximum"], 100, "{s}");
    assert_eq!(s["default"], 20, "{s}");
    assert_eq!(s["type"], "integer", "an absent limit is not null: {s}");

    // And the server holds to it.
    for (limit, status) in [("0", 422), ("1", 200), ("100", 200), ("101", 422)] {
        let r = app.get(&format!("/api/v1/search?q=x&limit={limit}")).await;
        assert_eq!(r.status(), status, "limit={limit}");
    }
    app.stop().await;
}
