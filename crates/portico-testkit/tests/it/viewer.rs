//! Who is asking (`Viewer`) and the one authorise step, through the real server: from the session cookie
//! and from a bearer token, 401 / 403 / 404 as the API contract says, personal responses not cached, and
//! the sign-out cookie a browser will accept.

use portico_testkit::portico_core::{Role, Scope, Timestamp};
use portico_testkit::{DbKind, Fetch, TestApp, both};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

async fn viewer_from_cookie_or_bearer_token(kind: DbKind) {
    let Some(app) = TestApp::start(kind).await else {
        return;
    };
    let customer = app.client_as(Role::Customer).await;
    let other = app.client_as(Role::Customer).await;

    // The session cookie.
    let me: Value = customer.client.get(app.url("/api/v1/me")).json_of().await;
    assert_eq!(me["id"], customer.account.id);

    // A bearer token, written by the test kit as token issuing will.
    let token = app.token_for(customer.account.id, None, None).await;
    let r = app
        .client
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let me: Value = r.json().await.unwrap();
    assert_eq!(me["id"], customer.account.id);
    assert_eq!(me["email"], customer.account.email);

    // A bearer header wins over a cookie: the request is the token's user, never the cookie's.
    let me: Value = other
        .client
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .json_of()
        .await;
    assert_eq!(me["id"], customer.account.id);

    // A bearer request skips the cross-site check (no browser can send one cross-site) ...
    let r = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .header("sec-fetch-site", "cross-site")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_ne!(r.status(), 403);
    // ... and a cookie request from another site does not.
    let r = other
        .client
        .post(app.url("/api/v1/auth/logout"))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    // Unknown, malformed and expired tokens are 401 with a challenge, not an anonymous visit.
    let expired = app
        .token_for(
            customer.account.id,
            None,
            Some(Timestamp(app.app.now().millis() - 1)),
        )
        .await;
    let unknown = portico_testkit::portico_app::identity::tokens::new_secret();
    for bad in [unknown.as_str(), "not-a-token", "", expired.as_str()] {
        let r = app
            .client
            .get(app.url("/search?q=refund"))
            .header("authorization", format!("Bearer {bad}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "page with bearer {bad:?}");
        let r = app
            .client
            .get(app.url("/api/v1/me"))
            .header("authorization", format!("Bearer {bad}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "bearer {bad:?}");
        assert_eq!(r.headers()["www-authenticate"], "Bearer");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/problem+json")
        );
    }

    // A deactivated account: its token and its session stop working at once.
    app.store()
        .conn()
        .execute_raw(sea_orm::Statement::from_sql_and_values(
            app.store().db_backend(),
            "UPDATE users SET status = 'deactivated' WHERE id = $1",
            [customer.account.id.into()],
        ))
        .await
        .unwrap();
    assert_eq!(
        app.client
            .get(app.url("/api/v1/me"))
            .bearer_auth(&token)
            .status_of()
            .await,
        401
    );
    assert_eq!(
        customer.client.get(app.url("/api/v1/me")).status_of().await,
        401
    );
    app.stop().await;
}

async fn authorise_answers_401_403_or_404(kind: DbKind) {
    let Some(app) = TestApp::start(kind).await else {
        return;
    };
    let customer = app.client_as(Role::Customer).await;
    let other = app.client_as(Role::Customer).await;
    let agent = app.client_as(Role::Agent).await;
    let admin = app.client_as(Role::Admin).await;

    // A permission: nobody signed in 401, signed in without it 403, with it 200.
    let jobs = app.url("/api/v1/admin/jobs");
    assert_eq!(app.client.get(&jobs).status_of().await, 401);
    assert_eq!(customer.client.get(&jobs).status_of().await, 403);
    assert_eq!(agent.client.get(&jobs).status_of().await, 403);
    let r = admin.client.get(&jobs).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert!(body["queued"].is_i64(), "{body}");

    // A token's scopes narrow its user's permissions; they never add to them.
    let scoped = app
        .token_for(admin.account.id, Some(&[Scope::Portal]), None)
        .await;
    assert_eq!(
        app.client.get(&jobs).bearer_auth(&scoped).status_of().await,
        403
    );
    let ops = app
        .token_for(admin.account.id, Some(&[Scope::Operations]), None)
        .await;
    assert_eq!(
        app.client.get(&jobs).bearer_auth(&ops).status_of().await,
        200
    );
    let customer_admin_scope = app
        .token_for(
            customer.account.id,
            Some(&[Scope::Admin, Scope::Operations]),
            None,
        )
        .await;
    assert_eq!(
        app.client
            .get(&jobs)
            .bearer_auth(&customer_admin_scope)
            .status_of()
            .await,
        403
    );

    // Someone else's thing: 404, as if it did not exist; one's own, or staff: 200.
    let profile = |id: i64| app.url(&format!("/api/v1/users/{id}"));
    assert_eq!(
        customer
            .client
            .get(profile(other.account.id))
            .status_of()
            .await,
        404
    );
    assert_eq!(
        customer
            .client
            .get(profile(customer.account.id))
            .status_of()
            .await,
        200
    );
    assert_eq!(
        customer.client.get(profile(i64::MAX)).status_of().await,
        404,
        "a missing user looks the same as someone else's"
    );
    let r = agent
        .client
        .get(profile(customer.account.id))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["name"], json!(customer.account.name));
    assert!(body.get("email").is_none(), "profiles carry no e-mail");
    assert_eq!(agent.client.get(profile(i64::MAX)).status_of().await, 404);
    assert_eq!(
        app.client
            .get(profile(customer.account.id))
            .status_of()
            .await,
        401
    );
    app.stop().await;
}

async fn sign_in_is_decided_once_for_page_and_api(kind: DbKind) {
    let Some(app) = TestApp::start(kind).await else {
        return;
    };
    let user = app.client_as(Role::Customer).await;
    // Empty input: 422 on both edges, naming the fields in the API.
    let r = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": "", "password": ""}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let p: Value = r.json().await.unwrap();
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["email", "password"]);
    let r = app
        .client
        .post(app.url("/login"))
        .form(&[("email", ""), ("password", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    // Wrong password: 401 on both.
    let r = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": user.account.email, "password": "wrong horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = app
        .client
        .post(app.url("/login"))
        .form(&[
            ("email", user.account.email.as_str()),
            ("password", "wrong horse battery"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    app.stop().await;
}

async fn personal_responses_are_not_stored(kind: DbKind) {
    let Some(app) = TestApp::start(kind).await else {
        return;
    };
    let user = app.client_as(Role::Customer).await;
    let cache = |r: &reqwest::Response| {
        r.headers()
            .get("cache-control")
            .map(|v| v.to_str().unwrap().to_string())
    };
    for path in ["/api/v1/me", "/", "/search?q=refund"] {
        let r = user.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert!(
            cache(&r).is_some_and(|c| c.contains("no-store")),
            "{path}: {:?}",
            cache(&r)
        );
    }
    let token = app.token_for(user.account.id, None, None).await;
    let r = app
        .client
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(cache(&r).is_some_and(|c| c.contains("no-store")));
    // Signing in sets a cookie: that answer is personal too.
    let r = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": user.account.email, "password": "correct horse battery staple"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(cache(&r).is_some_and(|c| c.contains("no-store")));
    // Anonymous pages may be cached; static assets keep their own long-lived caching.
    let r = app.get("/").await;
    assert!(!cache(&r).is_some_and(|c| c.contains("no-store")));
    let html = user
        .client
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let css = html
        .split("href=\"")
        .filter_map(|s| s.split('"').next())
        .find(|h| h.starts_with("/static/app.") && h.ends_with(".css"))
        .unwrap()
        .to_string();
    let r = user.client.get(app.url(&css)).send().await.unwrap();
    assert!(cache(&r).is_some_and(|c| c.contains("immutable")));
    app.stop().await;
}

async fn sign_out_removes_the_cookie_in_a_way_browsers_accept(kind: DbKind) {
    let Some(app) = TestApp::start(kind).await else {
        return;
    };
    let user = app.client_as(Role::Customer).await;
    for (path, status) in [("/logout", 303), ("/api/v1/auth/logout", 204)] {
        let user = if path == "/logout" {
            user.client.clone()
        } else {
            app.client_as(Role::Customer).await.client
        };
        let r = user.post(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), status);
        let removal = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .find(|c| c.starts_with("__Host-portico_session="))
            .unwrap_or_else(|| panic!("{path}: no removal cookie"));
        // A `__Host-` cookie is only accepted (and so only removed) with Secure and Path=/.
        for attr in ["Secure", "Path=/", "Max-Age=0", "HttpOnly"] {
            assert!(
                removal.contains(attr),
                "{path}: {attr} missing in {removal}"
            );
        }
    }
    app.stop().await;
}

both!(
    viewer_from_cookie_or_bearer_token,
    authorise_answers_401_403_or_404,
    sign_in_is_decided_once_for_page_and_api,
    personal_responses_are_not_stored,
    sign_out_removes_the_cookie_in_a_way_browsers_accept
);
