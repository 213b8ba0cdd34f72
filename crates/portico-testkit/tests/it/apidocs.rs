//! The OpenAPI document's conventions (security, the framework's answers, parameter limits) and the
//! `/api/docs` page rendered from it. Neither depends on the database engine, so they run on SQLite only.

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
        } else if op["security"].as_array().is_some_and(|reqs| {
            reqs.iter()
                .any(|r| r.as_object().is_some_and(|o| o.is_empty()))
        }) {
            // Open to everyone, and signed-in callers see more: `{}` plus either scheme.
            assert_eq!(names, ["bearerAuth", "sessionCookie"], "{method} {path}");
        } else {
            assert!(
                names.is_empty(),
                "{method} {path} is open to everyone: {names:?}"
            );
        }
    }
    assert_eq!(
        doc["paths"]["/api/v1/search"]["get"]["security"],
        serde_json::json!([{}, {"bearerAuth": []}, {"sessionCookie": []}]),
        "search is open, and answers signed-in callers with more"
    );
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

/// The `id="…"` values of a page.
fn ids(html: &str) -> Vec<&str> {
    html.split(" id=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect()
}

/// Heading levels in document order.
fn heading_levels(html: &str) -> Vec<u8> {
    html.split("<h")
        .skip(1)
        .filter_map(|s| {
            let b = s.as_bytes();
            (b.first().is_some_and(u8::is_ascii_digit) && matches!(b.get(1), Some(b' ' | b'>')))
                .then(|| b[0] - b'0')
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docs_page_shows_parameters_bodies_schemas_and_security() {
    let Some((app, doc)) = document().await else {
        return;
    };
    let r = app.get("/api/docs").await;
    assert_eq!(r.status(), 200);
    let csp = r
        .headers()
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    let html = r.text().await.unwrap();
    let main = html.split("<main").nth(1).unwrap();

    // Parameters with their constraints.
    assert!(
        main.contains("id=\"search-parameters\""),
        "search has a parameters table"
    );
    let search = main.split("id=\"search\"").nth(1).unwrap();
    let search = search.split("class=\"api-op\"").next().unwrap();
    assert!(
        search.contains("(optional: anyone may call it; signed-in callers get more)"),
        "search says its authentication is optional"
    );
    let limit_row = search
        .split("<tr>")
        .find(|row| row.contains("<code>limit</code>"))
        .expect("a row for limit");
    for expected in [
        "query",
        "Minimum:\u{a0}<code>1</code>",
        "Maximum:\u{a0}<code>100</code>",
        "Default:\u{a0}<code>20</code>",
        "integer",
    ] {
        assert!(
            limit_row.contains(expected),
            "limit row shows {expected}: {limit_row}"
        );
    }

    // The request body: content type and a link to its schema.
    let login = main.split("id=\"auth_login\"").nth(1).unwrap();
    let login = login.split("class=\"api-op\"").next().unwrap();
    assert!(login.contains("id=\"auth_login-request-body\""), "{login}");
    assert!(login.contains("<code>application/json</code>"));
    assert!(login.contains("href=\"#schema-LoginRequest\""), "{login}");
    // Responses with their bodies, including the conventions' 415.
    assert!(login.contains("<code>application/problem+json</code>"));
    assert!(login.contains("href=\"#schema-Problem\""));
    assert!(login.contains("<td>415</td>"), "{login}");

    // Operations that need a signed-in caller say how.
    let me = main.split("id=\"me_show\"").nth(1).unwrap();
    let me = me.split("class=\"api-op\"").next().unwrap();
    assert!(
        me.contains("href=\"#security-bearerAuth\"")
            && me.contains("href=\"#security-sessionCookie\"")
    );

    // Authentication and Schemas sections.
    let page_ids = ids(main);
    for id in [
        "authentication",
        "security-bearerAuth",
        "security-sessionCookie",
        "schemas",
    ] {
        assert!(page_ids.contains(&id), "#{id} exists");
    }
    assert!(main.contains("__Host-portico_session"));
    for name in doc["components"]["schemas"].as_object().unwrap().keys() {
        assert!(
            page_ids.contains(&format!("schema-{name}").as_str()),
            "schema {name} has a section"
        );
    }
    let problem = main.split("id=\"schema-Problem\"").nth(1).unwrap();
    let problem = problem.split("<h3").next().unwrap();
    for prop in ["type", "title", "status", "detail", "errors", "request_id"] {
        assert!(
            problem.contains(&format!("<code>{prop}</code>")),
            "Problem lists {prop}"
        );
    }
    assert!(
        problem.contains("href=\"#schema-ProblemField\""),
        "$ref properties link to their schema"
    );

    // Every link within the page has its target.
    for href in main
        .split("href=\"#")
        .skip(1)
        .filter_map(|s| s.split('"').next())
    {
        assert!(page_ids.contains(&href), "#{href} exists");
    }

    // Accessible structure: headings do not skip levels, tables have column headers, no script/style.
    let levels = heading_levels(main);
    assert_eq!(levels.first(), Some(&1), "{levels:?}");
    for w in levels.windows(2) {
        assert!(w[1] <= w[0] + 1, "heading levels skip: {levels:?}");
    }
    for table in main.split("<table").skip(1) {
        let table = table.split("</table>").next().unwrap();
        assert!(table.contains("<thead>") && table.contains("<th scope=\"col\">"));
    }
    for forbidden in ["<script", "<style", " style=\"", " onclick="] {
        assert!(!html.contains(forbidden), "{forbidden} under a strict CSP");
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docs_page_in_chinese() {
    let Some((app, _)) = document().await else {
        return;
    };
    let html = app
        .get_in("/api/docs", "zh-CN,zh;q=0.9")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("<html lang=\"zh-CN\""));
    for text in ["参数", "请求体", "数据结构", "身份验证", "最小值：", "必填"] {
        assert!(html.contains(text), "shows {text}");
    }
    for english in [
        ">Parameters<",
        ">Request body<",
        ">Schemas<",
        ">Authentication<",
    ] {
        assert!(!html.contains(english), "{english} is translated");
    }
    app.stop().await;
}
