//! API tokens through the API: made by a signed-in caller or from e-mail and password, used as bearer
//! tokens, listed without secrets, narrowed by scopes, expired and revoked.

use std::sync::Arc;

use portico_testkit::portico_core::{FixedClock, Role, Timestamp};
use portico_testkit::{DbKind, Fetch, TestApp, TestOptions, both};
use serde_json::{Value, json};

async fn bearer_status(app: &TestApp, token: &str, path: &str) -> u16 {
    app.client
        .get(app.url(path))
        .bearer_auth(token)
        .status_of()
        .await
}

async fn tokens_are_made_used_listed_and_revoked(kind: DbKind) {
    let clock = Arc::new(FixedClock::new(Timestamp(1_800_000_000_000)));
    let Some(app) = TestApp::start_with(
        kind,
        TestOptions {
            clock: Some(clock.clone()),
            ..Default::default()
        },
    )
    .await
    else {
        return;
    };
    let user = app.client_as(Role::Customer).await;
    let other = app.client_as(Role::Customer).await;

    let r = user
        .client
        .post(app.url("/api/v1/me/tokens"))
        .json(&json!({"name": "  Nightly export  "}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let made: Value = r.json().await.unwrap();
    let secret = made["token"].as_str().unwrap().to_string();
    assert!(secret.starts_with("pt_"), "{made}");
    assert_eq!(made["name"], "Nightly export");
    assert_eq!(made["scopes"], Value::Null);
    assert_eq!(made["expires_at"], Value::Null);

    // It works as a bearer token, and its use is recorded.
    let me: Value = app
        .client
        .get(app.url("/api/v1/me"))
        .bearer_auth(&secret)
        .json_of()
        .await;
    assert_eq!(me["id"], user.account.id);
    let list: Value = user
        .client
        .get(app.url("/api/v1/me/tokens"))
        .json_of()
        .await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], made["id"]);
    assert!(items[0]["last_used_at"].is_string(), "{list}");
    assert!(
        !list.to_string().contains(&secret) && items[0].get("token").is_none(),
        "the secret is shown only once"
    );
    // Nobody else sees or revokes it.
    let theirs: Value = other
        .client
        .get(app.url("/api/v1/me/tokens"))
        .json_of()
        .await;
    assert_eq!(theirs["items"], json!([]));
    let path = format!("/api/v1/me/tokens/{}", made["id"]);
    let r = other.client.delete(app.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(bearer_status(&app, &secret, "/api/v1/me").await, 200);

    // A token with a lifetime stops working when it ends.
    let r = user
        .client
        .post(app.url("/api/v1/me/tokens"))
        .json(&json!({"name": "one day", "expires_in_days": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let day: Value = r.json().await.unwrap();
    let day_secret = day["token"].as_str().unwrap();
    assert_eq!(
        day["expires_at"],
        Timestamp(1_800_000_000_000 + 86_400_000).to_rfc3339()
    );
    assert_eq!(bearer_status(&app, day_secret, "/api/v1/me").await, 200);
    clock.advance_secs(86_401);
    assert_eq!(bearer_status(&app, day_secret, "/api/v1/me").await, 401);

    // Revoked: it stops working at once; revoking again is 404.
    let r = user.client.delete(app.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(bearer_status(&app, &secret, "/api/v1/me").await, 401);
    let r = user.client.delete(app.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), 404);
    app.stop().await;
}

async fn bad_token_requests_name_the_field(kind: DbKind) {
    let Some(app) = TestApp::start(kind).await else {
        return;
    };
    let user = app.client_as(Role::Customer).await;
    for (body, field) in [
        (json!({"name": "   "}), "name"),
        (json!({"name": "x".repeat(101)}), "name"),
        (json!({"name": "a\u{7}b"}), "name"),
        (
            json!({"name": "ok", "scopes": ["portal", "root"]}),
            "scopes[1]",
        ),
        (json!({"name": "ok", "scopes": []}), "scopes"),
        (
            json!({"name": "ok", "expires_in_days": 0}),
            "expires_in_days",
        ),
        (
            json!({"name": "ok", "expires_in_days": 4000}),
            "expires_in_days",
        ),
        (json!({"name": 5}), "name"),
        (json!({}), "name"),
    ] {
        let r = user
            .client
            .post(app.url("/api/v1/me/tokens"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{body}");
        let p: Value = r.json().await.unwrap();
        assert_eq!(p["errors"][0]["field"], field, "{body}: {p}");
    }
    // Malformed ids are the caller's mistake, never a 500.
    for path in [
        "/api/v1/me/tokens/abc",
        "/api/v1/me/tokens/99999999999999999999",
        "/api/v1/me/tokens/-",
    ] {
        assert_eq!(
            user.client.delete(app.url(path)).status_of().await,
            400,
            "{path}"
        );
    }
    assert_eq!(
        user.client
            .get(app.url("/api/v1/users/abc"))
            .status_of()
            .await,
        400
    );
    let r = app
        .client
        .post(app.url("/api/v1/me/tokens"))
        .json(&json!({"name": "anonymous"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // Another site's page cannot make a token with the visitor's cookie.
    let r = user
        .client
        .post(app.url("/api/v1/me/tokens"))
        .header("sec-fetch-site", "cross-site")
        .json(&json!({"name": "stolen"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    app.stop().await;
}

async fn a_scoped_token_cannot_make_a_wider_one(kind: DbKind) {
    let Some(app) = TestApp::start(kind).await else {
        return;
    };
    let admin = app.client_as(Role::Admin).await;
    let made: Value = admin
        .client
        .post(app.url("/api/v1/me/tokens"))
        .json(&json!({"name": "portal only", "scopes": ["portal"]}))
        .json_of()
        .await;
    let scoped = made["token"].as_str().unwrap();
    assert_eq!(made["scopes"], json!(["portal"]));
    assert_eq!(bearer_status(&app, scoped, "/api/v1/admin/jobs").await, 403);
    let r = app
        .client
        .post(app.url("/api/v1/me/tokens"))
        .bearer_auth(scoped)
        .json(&json!({"name": "wider", "scopes": ["portal", "admin"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["errors"][0]["field"], "scopes");
    // Leaving scopes out inherits the maker's.
    let r = app
        .client
        .post(app.url("/api/v1/me/tokens"))
        .bearer_auth(scoped)
        .json(&json!({"name": "same"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let child: Value = r.json().await.unwrap();
    assert_eq!(child["scopes"], json!(["portal"]));
    assert_eq!(
        bearer_status(&app, child["token"].as_str().unwrap(), "/api/v1/admin/jobs").await,
        403
    );
    app.stop().await;
}

async fn a_token_from_email_and_password(kind: DbKind) {
    let Some(app) = TestApp::start(kind).await else {
        return;
    };
    let user = app.client_as(Role::Agent).await;
    let r = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({"email": user.account.email, "password": "correct horse battery staple", "name": "CLI"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let t: Value = r.json().await.unwrap();
    let secret = t["token"].as_str().unwrap();
    assert!(t["expires_at"].is_string());
    let me: Value = app
        .client
        .get(app.url("/api/v1/me"))
        .bearer_auth(secret)
        .json_of()
        .await;
    assert_eq!(me["id"], user.account.id);
    let list: Value = user
        .client
        .get(app.url("/api/v1/me/tokens"))
        .json_of()
        .await;
    assert_eq!(list["items"][0]["name"], "CLI");
    // Same checks as signing in.
    for (body, status) in [
        (
            json!({"email": user.account.email, "password": "wrong horse battery"}),
            401,
        ),
        (
            json!({"email": "nobody@test.example", "password": "wrong horse battery"}),
            401,
        ),
        (json!({"email": "", "password": ""}), 422),
    ] {
        let r = app
            .client
            .post(app.url("/api/v1/auth/token"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status, "{body}");
    }
    app.stop().await;
}

both!(
    tokens_are_made_used_listed_and_revoked,
    bad_token_requests_name_the_field,
    a_scoped_token_cannot_make_a_wider_one,
    a_token_from_email_and_password
);
