//! The OpenAPI document's conventions (security, the framework's answers, parameter limits). It does
//! not depend on the database engine, so these run on SQLite only.

use portico_testkit::{DbKind, TestApp};
use serde_json::Value;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// Every operation in the document: (method, path, operation).
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for m in METHODS {
            if let Some(op) = item.get(m) {
                out.push((m.to_string(), path.clone(), op.clone()));
            }
        }
    }
    out
}

fn is_problem(response: &Value) -> bool {
    response["content"]["application/problem+json"]["schema"]["$ref"]
        == "#/components/schemas/Problem"
}

async fn document() -> Option<(TestApp, Value)> {
    let app = TestApp::start(DbKind::Sqlite).await?;
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    Some((app, doc))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_schemes_and_which_operations_need_them() {
    let Some((app, doc)) = document().await else {
        return;
    };
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearerAuth"]["type"], "http", "{schemes}");
    assert_eq!(schemes["bearerAuth"]["scheme"], "bearer");
    assert_eq!(schemes["sessionCookie"]["type"], "apiKey", "{schemes}");
    assert_eq!(schemes["sessionCookie"]["in"], "cookie");
    assert_eq!(schemes["sessionCookie"]["name"], "__Host-portico_session");

    let mut secured = 0;
    for (method, path, op) in operations(&doc) {
        // Signing in answers 401 for wrong credentials but needs no one signed in.
        let needs_sign_in =
            op["responses"].get("401").is_some() && !path.starts_with("/api/v1/auth/");
        let names: Vec<&str> = op["security"]
            .as_array()
            .map(|reqs| {
                reqs.iter()
                    .flat_map(|r| r.as_object().unwrap().keys().map(String::as_str))
                    .collect()
            })
            .unwrap_or_default();
        if needs_sign_in {
            secured += 1;
            assert_eq!(
                names,
                ["bearerAuth", "sessionCookie"],
                "{method} {path} answers 401, so it lists either scheme as enough"
            );
            // Each scheme alone is enough: one requirement object per scheme.
            assert_eq!(op["security"].as_array().unwrap().len(), 2);
        } else {
            assert!(
                names.is_empty(),
                "{method} {path} is open to everyone: {names:?}"
            );
        }
    }
    assert!(secured > 0, "GET /api/v1/me needs a signed-in caller");
    assert!(doc["paths"]["/api/v1/me"]["get"]["security"].is_array());
    assert!(
        doc["paths"]["/api/v1/auth/login"]["post"]
            .get("security")
            .is_none(),
        "signing in needs no one signed in"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_json_body_operation_documents_the_framework_answers() {
    let Some((app, doc)) = document().await else {
        return;
    };
    let mut with_body = 0;
    for (method, path, op) in operations(&doc) {
        if op.get("requestBody").is_none() {
            continue;
        }
        with_body += 1;
        for status in ["400", "413", "415", "422"] {
            let r = &op["responses"][status];
            assert!(
                is_problem(r),
                "{method} {path} takes a body, so it documents {status} as a problem document: {r}"
            );
        }
    }
    assert!(with_body > 0, "POST /api/v1/auth/login takes a body");
    // Operations keep what they say themselves.
    assert_eq!(
        doc["paths"]["/api/v1/auth/login"]["post"]["responses"]["401"]["description"],
        "Wrong e-mail or password"
    );
    app.stop().await;
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
