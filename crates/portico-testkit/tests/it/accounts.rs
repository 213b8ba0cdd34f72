//! Accounts end to end, over HTTP with mail delivered to the test kit's SMTP server: sign-up and
//! verification, forgotten passwords, profile, password and e-mail changes, sessions and sign-in
//! attempts, lock-out mail, per-address rate limits.

use std::sync::Arc;

use portico_testkit::portico_core::{FixedClock, Role, Timestamp};
use portico_testkit::smtp::SmtpSink;
use portico_testkit::{DbKind, Fetch, TestApp, TestOptions, both, cookie_from, postgres_only};
use serde_json::{Value, json};

const STRONG: &str = "lantern quietly mapping river otters";
const STRONGER: &str = "velvet thunder behind seven orchards";
const SESSION: &str = "__Host-portico_session";

/// A server that mails through a fresh SMTP sink.
async fn mailing_app(
    kind: DbKind,
    extra: &[(&str, &str)],
    clock: Option<Arc<FixedClock>>,
) -> Option<(TestApp, SmtpSink)> {
    let sink = SmtpSink::start().await;
    let mut settings = vec![
        ("smtp_url".to_string(), sink.url()),
        (
            "mail_from".to_string(),
            "Help Centre <help@demo.example.com>".to_string(),
        ),
    ];
    for (k, v) in extra {
        settings.push((k.to_string(), v.to_string()));
    }
    let app = TestApp::start_with(
        kind,
        TestOptions {
            settings,
            clock: clock.map(|c| c as Arc<dyn portico_testkit::portico_core::Clock>),
            ..Default::default()
        },
    )
    .await?;
    Some((app, sink))
}

/// A client that sends `cookie` (the session cookie is `Secure`, which HTTP clients keep to https).
fn with_cookie(cookie: &str) -> reqwest::Client {
    let mut h = reqwest::header::HeaderMap::new();
    h.insert(reqwest::header::COOKIE, cookie.parse().unwrap());
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(h)
        .build()
        .unwrap()
}

async fn post(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    body: Value,
) -> reqwest::Response {
    client.post(app.url(path)).json(&body).send().await.unwrap()
}

async fn sign_up(app: &TestApp, email: &str, password: &str, locale: &str) -> reqwest::Response {
    post(
        app,
        &app.client,
        "/api/v1/auth/signup",
        json!({"email": email, "password": password, "name": "Ada Lovelace", "locale": locale}),
    )
    .await
}

/// Signs in through the API and returns the session cookie.
async fn login(app: &TestApp, email: &str, password: &str) -> String {
    let r = post(
        app,
        &app.client,
        "/api/v1/auth/login",
        json!({"email": email, "password": password}),
    )
    .await;
    assert_eq!(r.status(), 200, "sign in as {email}");
    cookie_from(&r, SESSION).unwrap()
}

fn field_codes(problem: &Value) -> Vec<(String, String)> {
    problem["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap_or("").to_string(),
                        e["code"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn sign_up_verify_and_sign_in(kind: DbKind) {
    let Some((app, sink)) = mailing_app(kind, &[], None).await else {
        return;
    };
    // Weak passwords are refused with a hint, naming the field.
    for weak in ["Password1!", "short", "qwertyuiop123"] {
        let r = sign_up(&app, "ada@example.com", weak, "en").await;
        assert_eq!(r.status(), 422, "{weak}");
        let p: Value = r.json().await.unwrap();
        assert!(field_codes(&p).iter().any(|(f, _)| f == "password"), "{p}");
    }
    // Malformed and over-long input names each field.
    let r = post(
        &app,
        &app.client,
        "/api/v1/auth/signup",
        json!({"email": "not-an-address", "password": STRONG, "name": "x".repeat(121)}),
    )
    .await;
    assert_eq!(r.status(), 422);
    let codes = field_codes(&r.json().await.unwrap());
    assert!(
        codes.contains(&("email".into(), "invalid_format".into())),
        "{codes:?}"
    );
    assert!(
        codes.contains(&("name".into(), "too_long".into())),
        "{codes:?}"
    );
    assert!(
        sink.received().is_empty(),
        "nothing was made, nothing mailed"
    );

    let r = sign_up(&app, "Ada@Example.com", STRONG, "en").await;
    assert_eq!(r.status(), 201);
    let cookie = cookie_from(&r, SESSION).expect("signed in after sign-up");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["user"]["email_verified"], false);
    let id = body["user"]["id"].as_i64().unwrap();

    // A double-clicked sign-up answers with the same account; another password is a conflict.
    let again = sign_up(&app, "ada@example.com", STRONG, "en").await;
    assert_eq!(again.status(), 201);
    assert_eq!(
        again.json::<Value>().await.unwrap()["user"]["id"].as_i64(),
        Some(id)
    );
    let other = sign_up(&app, "ada@example.com", STRONGER, "en").await;
    assert_eq!(other.status(), 409);
    assert!(
        field_codes(&other.json().await.unwrap())
            .iter()
            .any(|(f, _)| f == "email")
    );

    // The verification mail, in English, with a single-use link.
    let mail = sink.wait_for_to("Ada@Example.com", 1).await;
    assert!(
        mail.subject().starts_with("Confirm your e-mail address"),
        "{}",
        mail.subject()
    );
    let token = mail.token("/verify-email").expect("verification link");
    assert!(
        !mail.raw.contains("token_hash"),
        "mail holds the link, not internals"
    );

    let me = with_cookie(&cookie);
    let before = me.get(app.url("/api/v1/me")).json_of().await;
    assert_eq!(before["email_verified"], false);
    // The page says the address still needs confirming.
    let home = me
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        home.contains("verify-banner"),
        "unverified banner on the page"
    );

    let ok = post(
        &app,
        &app.client,
        "/api/v1/auth/verify",
        json!({"token": token}),
    )
    .await;
    assert_eq!(ok.status(), 200);
    let reused = post(
        &app,
        &app.client,
        "/api/v1/auth/verify",
        json!({"token": token}),
    )
    .await;
    assert_eq!(reused.status(), 422);
    assert_eq!(
        field_codes(&reused.json().await.unwrap()),
        vec![("token".into(), "link_used".into())]
    );
    let bogus = post(
        &app,
        &app.client,
        "/api/v1/auth/verify",
        json!({"token": "x".repeat(43)}),
    )
    .await;
    assert_eq!(
        field_codes(&bogus.json().await.unwrap()),
        vec![("token".into(), "link_invalid".into())]
    );
    let after = me.get(app.url("/api/v1/me")).json_of().await;
    assert_eq!(after["email_verified"], true);
    // Verified now: resending is a conflict.
    assert_eq!(
        me.post(app.url("/api/v1/me/verification"))
            .status_of()
            .await,
        409
    );

    // The page link works too, and a second visit says the link was used.
    let page = app.get(&mail.link("/verify-email").unwrap()).await;
    assert_eq!(page.status(), 410);
    assert!(page.text().await.unwrap().contains("already been used"));

    // Sign-up audited.
    let n = audit_count(&app, "account.signed_up").await;
    assert_eq!(n, 1);
    app.stop().await;
}

async fn audit_count(app: &TestApp, action: &str) -> usize {
    let admin = app.client_as(Role::Admin).await;
    let page = admin
        .client
        .get(app.url(&format!("/api/v1/admin/audit?action={action}&limit=100")))
        .json_of()
        .await;
    page["items"].as_array().map(Vec::len).unwrap_or(0)
}

async fn links_expire_and_mails_follow_the_language(kind: DbKind) {
    let clock = Arc::new(FixedClock::new(Timestamp(1_800_000_000_000)));
    let Some((app, sink)) = mailing_app(kind, &[], Some(clock.clone())).await else {
        return;
    };
    let r = sign_up(&app, "li.lei@example.com", STRONG, "zh-CN").await;
    assert_eq!(r.status(), 201);
    let cookie = cookie_from(&r, SESSION).unwrap();
    let mail = sink.wait_for_to("li.lei@example.com", 1).await;
    assert!(mail.subject().contains("确认"), "{}", mail.subject());
    assert!(mail.text().contains("Ada Lovelace"), "{}", mail.text());
    let token = mail.token("/verify-email").unwrap();
    clock.advance_secs(24 * 3600 + 1);
    let late = post(
        &app,
        &app.client,
        "/api/v1/auth/verify",
        json!({"token": token}),
    )
    .await;
    assert_eq!(
        field_codes(&late.json().await.unwrap()),
        vec![("token".into(), "link_expired".into())]
    );
    // A new link can be asked for, and works.
    let me = with_cookie(&cookie);
    assert_eq!(
        me.post(app.url("/api/v1/me/verification"))
            .status_of()
            .await,
        202
    );
    let again = sink.wait_for_to("li.lei@example.com", 2).await;
    let fresh = again.token("/verify-email").unwrap();
    assert_ne!(fresh, token);
    assert_eq!(
        post(
            &app,
            &app.client,
            "/api/v1/auth/verify",
            json!({"token": fresh})
        )
        .await
        .status(),
        200
    );

    // Password reset: one hour.
    assert_eq!(
        post(
            &app,
            &app.client,
            "/api/v1/auth/password/forgot",
            json!({"email": "li.lei@example.com"})
        )
        .await
        .status(),
        202
    );
    let reset = sink.wait_for_to("li.lei@example.com", 3).await;
    assert!(reset.subject().contains("密码"), "{}", reset.subject());
    let rt = reset.token("/password/reset").unwrap();
    clock.advance_secs(3601);
    let late = post(
        &app,
        &app.client,
        "/api/v1/auth/password/reset",
        json!({"token": rt, "password": STRONGER}),
    )
    .await;
    assert_eq!(
        field_codes(&late.json().await.unwrap()),
        vec![("token".into(), "link_expired".into())]
    );
    app.stop().await;
}

async fn forgotten_password_resets_once_and_ends_sessions(kind: DbKind) {
    let Some((app, sink)) = mailing_app(kind, &[], None).await else {
        return;
    };
    let user = app.client_as(Role::Customer).await;
    let email = user.account.email.clone();
    // Unknown addresses get the same answer and no mail; malformed ones are named.
    assert_eq!(
        post(
            &app,
            &app.client,
            "/api/v1/auth/password/forgot",
            json!({"email": "nobody@example.com"})
        )
        .await
        .status(),
        202
    );
    let bad = post(
        &app,
        &app.client,
        "/api/v1/auth/password/forgot",
        json!({"email": "nobody"}),
    )
    .await;
    assert_eq!(bad.status(), 422);
    assert_eq!(field_codes(&bad.json().await.unwrap())[0].0, "email");
    assert_eq!(
        post(
            &app,
            &app.client,
            "/api/v1/auth/password/forgot",
            json!({"email": email.to_uppercase()})
        )
        .await
        .status(),
        202
    );
    let mail = sink.wait_for_to(&email, 1).await;
    let token = mail.token("/password/reset").expect("reset link");
    assert!(sink.to("nobody@example.com").is_empty());

    // The link leads to a form; a weak password is refused and the link still works.
    assert_eq!(
        app.get(&mail.link("/password/reset").unwrap())
            .await
            .status(),
        200
    );
    let weak = post(
        &app,
        &app.client,
        "/api/v1/auth/password/reset",
        json!({"token": token, "password": "Password1!"}),
    )
    .await;
    assert_eq!(weak.status(), 422);
    assert_eq!(field_codes(&weak.json().await.unwrap())[0].0, "password");
    let done = post(
        &app,
        &app.client,
        "/api/v1/auth/password/reset",
        json!({"token": token, "password": STRONGER}),
    )
    .await;
    assert_eq!(done.status(), 200);
    assert!(cookie_from(&done, SESSION).is_some(), "signed in afresh");
    // Every earlier session ended; the old password is gone; the link is spent.
    assert_eq!(
        user.client.get(app.url("/api/v1/me")).status_of().await,
        401
    );
    assert_eq!(
        post(
            &app,
            &app.client,
            "/api/v1/auth/login",
            json!({"email": email, "password": "correct horse battery staple"})
        )
        .await
        .status(),
        401
    );
    login(&app, &email, STRONGER).await;
    let again = post(
        &app,
        &app.client,
        "/api/v1/auth/password/reset",
        json!({"token": token, "password": STRONG}),
    )
    .await;
    assert_eq!(
        field_codes(&again.json().await.unwrap()),
        vec![("token".into(), "link_used".into())]
    );
    app.stop().await;
}

async fn lockout_mails_the_owner_and_a_reset_lifts_it(kind: DbKind) {
    let Some((app, sink)) = mailing_app(
        kind,
        &[
            ("sign_in__delay_after_failures", "0"),
            ("sign_in__lock_after_failures", "3"),
        ],
        None,
    )
    .await
    else {
        return;
    };
    let user = app.client_as(Role::Customer).await;
    let email = user.account.email.clone();
    for _ in 0..3 {
        let r = post(
            &app,
            &app.client,
            "/api/v1/auth/login",
            json!({"email": email, "password": "wrong horse"}),
        )
        .await;
        assert_eq!(r.status(), 401);
    }
    let locked = post(
        &app,
        &app.client,
        "/api/v1/auth/login",
        json!({"email": email, "password": "correct horse battery staple"}),
    )
    .await;
    assert_eq!(locked.status(), 429);
    assert!(locked.headers().contains_key("retry-after"));
    let mail = sink.wait_for_to(&email, 1).await;
    assert!(mail.subject().contains("paused"), "{}", mail.subject());
    assert!(mail.link("/password/forgot").is_some());
    // Unknown addresses lock too, and nobody is mailed.
    for _ in 0..3 {
        post(
            &app,
            &app.client,
            "/api/v1/auth/login",
            json!({"email": "ghost@example.com", "password": "wrong horse"}),
        )
        .await;
    }
    assert!(sink.to("ghost@example.com").is_empty());

    // A reset lifts the lock at once.
    post(
        &app,
        &app.client,
        "/api/v1/auth/password/forgot",
        json!({"email": email}),
    )
    .await;
    let reset = sink.wait_for_to(&email, 2).await;
    let token = reset.token("/password/reset").unwrap();
    assert_eq!(
        post(
            &app,
            &app.client,
            "/api/v1/auth/password/reset",
            json!({"token": token, "password": STRONG})
        )
        .await
        .status(),
        200
    );
    login(&app, &email, STRONG).await;
    assert!(audit_count(&app, "auth.locked").await >= 1);
    app.stop().await;
}

async fn profile_changes_are_validated_and_private(kind: DbKind) {
    let Some(app) = TestApp::start(kind).await else {
        return;
    };
    let ann = app.client_as(Role::Customer).await;
    let bob = app.client_as(Role::Customer).await;
    let me = ann.client.get(app.url("/api/v1/me")).json_of().await;
    assert_eq!(me["phone"], Value::Null);
    assert_eq!(me["notifications"]["replies"], true);

    let patch = |body: Value| ann.client.patch(app.url("/api/v1/me")).json(&body);
    let saved = patch(json!({
        "name": "Ann Lee", "phone": "+86 21 5555 0100", "address": "1 Bund Road\nShanghai",
        "locale": "zh-CN", "time_zone": "Asia/Shanghai",
        "notifications": {"replies": false, "status_changes": true, "announcements": true}
    }))
    .json_of()
    .await;
    assert_eq!(saved["name"], "Ann Lee");
    assert_eq!(saved["locale"], "zh-CN");
    assert_eq!(saved["time_zone"], "Asia/Shanghai");
    assert_eq!(saved["notifications"]["replies"], false);
    assert_eq!(saved["address"], "1 Bund Road\nShanghai");

    let bad = patch(json!({"phone": "call me", "time_zone": "Mars/Olympus", "locale": "fr", "name": "", "address": "a".repeat(501)}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let codes = field_codes(&bad.json().await.unwrap());
    for f in ["phone", "time_zone", "locale", "name", "address"] {
        assert!(codes.iter().any(|(field, _)| field == f), "{f}: {codes:?}");
    }
    // Nothing of a refused change was kept.
    let still = ann.client.get(app.url("/api/v1/me")).json_of().await;
    assert_eq!(still["phone"], "+86 21 5555 0100");
    // Unknown fields are refused, not ignored.
    assert_eq!(patch(json!({"role": "admin"})).status_of().await, 422);
    // Clearing an optional field.
    let cleared = patch(json!({"phone": ""})).json_of().await;
    assert_eq!(cleared["phone"], Value::Null);

    // Another customer's profile does not exist for Bob; an admin endpoint is forbidden.
    let other = bob
        .client
        .get(app.url(&format!("/api/v1/users/{}", ann.account.id)))
        .status_of()
        .await;
    assert_eq!(other, 404);
    assert_eq!(
        bob.client
            .get(app.url("/api/v1/admin/users"))
            .status_of()
            .await,
        403
    );
    assert_eq!(app.get("/api/v1/me").await.status(), 401);
    app.stop().await;
}

async fn password_and_email_changes(kind: DbKind) {
    let Some((app, sink)) = mailing_app(kind, &[], None).await else {
        return;
    };
    let user = app.client_as(Role::Customer).await;
    let email = user.account.email.clone();
    let second = with_cookie(&login(&app, &email, "correct horse battery staple").await);
    let change = |current: &str, new: &str| {
        user.client
            .post(app.url("/api/v1/me/password"))
            .json(&json!({"current_password": current, "new_password": new}))
    };
    let wrong = change("not my password", STRONG).send().await.unwrap();
    assert_eq!(wrong.status(), 422);
    assert_eq!(
        field_codes(&wrong.json().await.unwrap()),
        vec![("current_password".into(), "wrong_password".into())]
    );
    let weak = change("correct horse battery staple", "Password1!")
        .send()
        .await
        .unwrap();
    assert_eq!(
        field_codes(&weak.json().await.unwrap())[0].0,
        "new_password"
    );
    assert_eq!(
        change("correct horse battery staple", STRONG)
            .status_of()
            .await,
        204
    );
    // This session goes on; the other one ended; the owner is told.
    assert_eq!(
        user.client.get(app.url("/api/v1/me")).status_of().await,
        200
    );
    assert_eq!(second.get(app.url("/api/v1/me")).status_of().await, 401);
    let told = sink.wait_for_to(&email, 1).await;
    assert!(told.subject().contains("password"), "{}", told.subject());

    // E-mail change: needs the password, refuses a taken address, then verifies the new one.
    let taken = app.client_as(Role::Customer).await.account.email;
    let req = |addr: &str, pw: &str| {
        user.client
            .post(app.url("/api/v1/me/email"))
            .json(&json!({"new_email": addr, "current_password": pw}))
    };
    assert_eq!(req("new@example.com", "nope").status_of().await, 422);
    assert_eq!(req(&taken, STRONG).status_of().await, 409);
    assert_eq!(req("not an address", STRONG).status_of().await, 422);
    assert_eq!(req("new@example.com", STRONG).status_of().await, 202);
    let confirm = sink.wait_for_to("new@example.com", 1).await;
    let token = confirm.token("/account/email/confirm").unwrap();
    // Not changed until confirmed.
    assert_eq!(
        user.client.get(app.url("/api/v1/me")).json_of().await["email"],
        email.as_str()
    );
    let page = app
        .get(&confirm.link("/account/email/confirm").unwrap())
        .await;
    assert_eq!(page.status(), 200);
    let me = user.client.get(app.url("/api/v1/me")).json_of().await;
    assert_eq!(me["email"], "new@example.com");
    assert_eq!(me["email_verified"], true);
    // The old address is told.
    let notice = sink.wait_for_to(&email, 2).await;
    assert!(
        notice.text().contains("new@example.com"),
        "{}",
        notice.text()
    );
    login(&app, "new@example.com", STRONG).await;
    assert_eq!(
        post(
            &app,
            &app.client,
            "/api/v1/me/email/confirm",
            json!({"token": token})
        )
        .await
        .status(),
        422
    );
    app.stop().await;
}

async fn sessions_and_sign_in_attempts(kind: DbKind) {
    let Some(app) = TestApp::start(kind).await else {
        return;
    };
    let user = app.client_as(Role::Customer).await;
    let email = user.account.email.clone();
    post(
        &app,
        &app.client,
        "/api/v1/auth/login",
        json!({"email": email, "password": "wrong"}),
    )
    .await;
    let phone = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("user-agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1")
        .json(&json!({"email": email, "password": "correct horse battery staple"}))
        .send()
        .await
        .unwrap();
    let phone = with_cookie(&cookie_from(&phone, SESSION).unwrap());
    let laptop = with_cookie(&login(&app, &email, "correct horse battery staple").await);

    let list = user
        .client
        .get(app.url("/api/v1/me/sessions"))
        .json_of()
        .await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{list}");
    assert_eq!(items.iter().filter(|s| s["current"] == true).count(), 1);
    let iphone = items
        .iter()
        .find(|s| s["os"] == "iOS")
        .expect("the phone's session");
    assert_eq!(iphone["browser"], "Safari 18");
    assert_eq!(iphone["ip"], "127.0.0.1");

    // Sign out the phone only.
    let id = iphone["id"].as_str().unwrap();
    assert_eq!(
        user.client
            .delete(app.url(&format!("/api/v1/me/sessions/{id}")))
            .status_of()
            .await,
        204
    );
    assert_eq!(phone.get(app.url("/api/v1/me")).status_of().await, 401);
    assert_eq!(laptop.get(app.url("/api/v1/me")).status_of().await, 200);
    // Someone else's session, or none, is not found.
    let other = app.client_as(Role::Customer).await;
    let their = other
        .client
        .get(app.url("/api/v1/me/sessions"))
        .json_of()
        .await["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        user.client
            .delete(app.url(&format!("/api/v1/me/sessions/{their}")))
            .status_of()
            .await,
        404
    );
    assert_eq!(
        other.client.get(app.url("/api/v1/me")).status_of().await,
        200
    );
    // Everywhere else.
    let ended = user
        .client
        .delete(app.url("/api/v1/me/sessions"))
        .json_of()
        .await;
    assert_eq!(ended["ended"], 1);
    assert_eq!(laptop.get(app.url("/api/v1/me")).status_of().await, 401);
    assert_eq!(
        user.client.get(app.url("/api/v1/me")).status_of().await,
        200
    );

    let attempts = user
        .client
        .get(app.url("/api/v1/me/sign-ins"))
        .json_of()
        .await;
    let outcomes: Vec<&str> = attempts["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["outcome"].as_str().unwrap())
        .collect();
    // Newest first: the laptop, the phone, the wrong password, the test kit's own first sign-in.
    assert_eq!(
        outcomes,
        vec!["succeeded", "succeeded", "failed", "succeeded"],
        "{attempts}"
    );

    // The security page lists them, in both languages.
    for lang in ["en", "zh-CN"] {
        let page = user
            .client
            .get(app.url("/account/security"))
            .header("accept-language", lang)
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains("127.0.0.1"));
    }
    app.stop().await;
}

async fn per_address_limits_and_trusted_proxies(kind: DbKind) {
    let Some(app) = TestApp::start_with(
        kind,
        TestOptions {
            settings: vec![
                ("rate_limits__sign_in_per_minute".into(), "3".into()),
                ("http__trusted_proxies".into(), "[\"127.0.0.1\"]".into()),
            ],
            ..Default::default()
        },
    )
    .await
    else {
        return;
    };
    let attempt = |xff: Option<&str>| {
        let mut r = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": "someone@example.com", "password": "wrong"}));
        if let Some(x) = xff {
            r = r.header("x-forwarded-for", x);
        }
        r
    };
    for _ in 0..3 {
        assert_eq!(attempt(Some("198.51.100.1")).status_of().await, 401);
    }
    let limited = attempt(Some("198.51.100.1")).send().await.unwrap();
    assert_eq!(limited.status(), 429);
    let wait: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(
        limited.headers()["content-type"],
        "application/problem+json"
    );
    // Another client behind the same proxy is not held back; a client-written first hop is not believed.
    assert_eq!(attempt(Some("198.51.100.2")).status_of().await, 401);
    assert_eq!(
        attempt(Some("198.51.100.9, 198.51.100.1"))
            .status_of()
            .await,
        429
    );
    // The page answers with a page.
    let page = app
        .client
        .post(app.url("/login"))
        .header("x-forwarded-for", "198.51.100.1")
        .form(&[("email", "a@example.com"), ("password", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 429);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    // The audit log records the client's address, not the proxy's.
    let admin = app.client_as(Role::Admin).await;
    let log = admin
        .client
        .get(app.url("/api/v1/admin/audit?action=auth.sign_in_failed"))
        .json_of()
        .await;
    assert_eq!(log["items"][0]["ip"], "198.51.100.2", "{log}");
    app.stop().await;
}

async fn untrusted_peers_cannot_choose_their_address(kind: DbKind) {
    let Some(app) = TestApp::start_with(
        kind,
        TestOptions {
            settings: vec![("rate_limits__sign_up_per_hour".into(), "2".into())],
            ..Default::default()
        },
    )
    .await
    else {
        return;
    };
    for (i, expect) in [(0, 422), (1, 422), (2, 429)] {
        let r = app
            .client
            .post(app.url("/api/v1/auth/signup"))
            .header("x-forwarded-for", format!("203.0.113.{i}"))
            .json(&json!({"email": "x", "password": "y", "name": "z"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), expect, "attempt {i}");
    }
    app.stop().await;
}

/// Two nodes on one PostgreSQL database: failures counted on one hold on the other.
async fn lockout_holds_across_nodes(kind: DbKind) {
    let Some(a) = TestApp::start_with(
        kind,
        TestOptions {
            settings: vec![
                ("sign_in__delay_after_failures".into(), "0".into()),
                ("sign_in__lock_after_failures".into(), "4".into()),
            ],
            ..Default::default()
        },
    )
    .await
    else {
        return;
    };
    let user = a.client_as(Role::Customer).await;
    let email = user.account.email.clone();
    let settings = portico_testkit::test_settings(
        &a.db,
        &TestOptions {
            settings: vec![
                ("sign_in__delay_after_failures".into(), "0".into()),
                ("sign_in__lock_after_failures".into(), "4".into()),
            ],
            ..Default::default()
        },
    );
    // Each node has its own data directory (search index, mail files); they share the database.
    let b_dir = tempfile::tempdir().unwrap();
    let mut settings = settings;
    settings.raw.data_dir = b_dir.path().to_path_buf();
    let b = portico::server::start(&settings, portico::server::StartOptions::default())
        .await
        .unwrap();
    let b_url = format!("http://{}", b.addr);
    let try_on = |base: String, password: &'static str| {
        let client = a.client.clone();
        let email = email.clone();
        async move {
            client
                .post(format!("{base}/api/v1/auth/login"))
                .json(&json!({"email": email, "password": password}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(try_on(a.base.clone(), "wrong one").await, 401);
    assert_eq!(try_on(b_url.clone(), "wrong two").await, 401);
    assert_eq!(try_on(a.base.clone(), "wrong three").await, 401);
    assert_eq!(try_on(b_url.clone(), "wrong four").await, 401);
    // Locked on both nodes, even with the right password.
    assert_eq!(
        try_on(a.base.clone(), "correct horse battery staple").await,
        429
    );
    assert_eq!(
        try_on(b_url.clone(), "correct horse battery staple").await,
        429
    );
    b.stop().await;
    a.stop().await;
}

async fn html_sign_up_journey_without_javascript(kind: DbKind) {
    let Some((app, sink)) = mailing_app(kind, &[], None).await else {
        return;
    };
    for lang in ["en", "zh-CN"] {
        let r = app.get_in("/signup", lang).await;
        assert_eq!(r.status(), 200);
    }
    // A weak password: the form comes back with the hint in the visitor's language, nothing is made.
    let weak = app
        .client
        .post(app.url("/signup"))
        .header("accept-language", "zh-CN")
        .form(&[
            ("name", "李雷"),
            ("email", "li@example.com"),
            ("password", "Password1!"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(weak.status(), 422);
    let html = weak.text().await.unwrap();
    assert!(html.contains("密码"), "hint in Chinese");
    assert!(html.contains("aria-invalid=\"true\""));
    assert!(
        html.contains("value=\"li@example.com\""),
        "typed values are kept"
    );
    let ok = app
        .client
        .post(app.url("/signup"))
        .header("accept-language", "zh-CN")
        .form(&[
            ("name", "李雷"),
            ("email", "li@example.com"),
            ("password", STRONG),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 303);
    assert_eq!(ok.headers()["location"], "/account/profile?done=welcome");
    let cookie = cookie_from(&ok, SESSION).unwrap();
    let mail = sink.wait_for_to("li@example.com", 1).await;
    assert!(
        mail.subject().contains("确认"),
        "the account's language: {}",
        mail.subject()
    );
    let me = with_cookie(&cookie);
    let profile = me
        .get(app.url("/account/profile?done=welcome"))
        .header("accept-language", "zh-CN")
        .send()
        .await
        .unwrap();
    assert_eq!(profile.status(), 200);
    let html = profile.text().await.unwrap();
    assert!(html.contains("李雷"));
    // Edit the profile through the form.
    let saved = me
        .post(app.url("/account/profile"))
        .form(&[
            ("name", "李雷"),
            ("phone", "+86 10 1234 5678"),
            ("address", ""),
            ("locale", "zh-CN"),
            ("time_zone", "Asia/Shanghai"),
            ("notify_replies", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 303);
    let api = me.get(app.url("/api/v1/me")).json_of().await;
    assert_eq!(api["phone"], "+86 10 1234 5678");
    assert_eq!(api["notifications"]["status_changes"], false);
    // A cross-site form post with the cookie is refused.
    let forged = me
        .post(app.url("/account/password"))
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .form(&[("current_password", STRONG), ("new_password", STRONGER)])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    // Signed-out visitors are sent to sign in and back.
    let anon = app.get("/account/security").await;
    assert_eq!(anon.status(), 303);
    assert_eq!(anon.headers()["location"], "/login?next=/account/security");
    app.stop().await;
}

async fn read_only_tokens_cannot_change_anything(kind: DbKind) {
    let Some(app) = TestApp::start(kind).await else {
        return;
    };
    let user = app.client_as(Role::Admin).await;
    let made = user
        .client
        .post(app.url("/api/v1/me/tokens"))
        .json(&json!({"name": "dashboard", "scopes": ["read"]}))
        .json_of()
        .await;
    let token = made["token"].as_str().unwrap().to_string();
    let bearer = |r: reqwest::RequestBuilder| r.bearer_auth(token.clone());
    assert_eq!(
        bearer(app.client.get(app.url("/api/v1/me")))
            .status_of()
            .await,
        200
    );
    assert_eq!(
        bearer(app.client.get(app.url("/api/v1/admin/users")))
            .status_of()
            .await,
        200
    );
    assert_eq!(
        bearer(
            app.client
                .patch(app.url("/api/v1/me"))
                .json(&json!({"name": "x"}))
        )
        .status_of()
        .await,
        403
    );
    assert_eq!(
        bearer(
            app.client
                .post(app.url("/api/v1/admin/organizations"))
                .json(&json!({"name": "x"}))
        )
        .status_of()
        .await,
        403
    );
    assert_eq!(
        bearer(
            app.client
                .delete(app.url(&format!("/api/v1/me/tokens/{}", made["id"])))
        )
        .status_of()
        .await,
        403
    );
    // Unknown scopes are named.
    let bad = user
        .client
        .post(app.url("/api/v1/me/tokens"))
        .json(&json!({"name": "x", "scopes": ["read", "everything"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    assert_eq!(field_codes(&bad.json().await.unwrap())[0].0, "scopes[1]");
    app.stop().await;
}

async fn malformed_bodies_are_refused_and_change_nothing(kind: DbKind) {
    let Some(app) = TestApp::start(kind).await else {
        return;
    };
    // Invalid UTF-8 in JSON: 400 problem, no account.
    let mut body = br#"{"email": "bad@example.com", "password": "lantern quietly mapping river otters", "name": "A"#.to_vec();
    body.extend_from_slice(&[0xff, 0xfe]);
    body.extend_from_slice(br#""}"#);
    let r = app
        .client
        .post(app.url("/api/v1/auth/signup"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    // A form with invalid UTF-8 gets a page, and nothing is made from it.
    let r = app
        .client
        .post(app.url("/signup"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("name=%FF%FE&email=bad%40example.com&password=x")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(
        post(
            &app,
            &app.client,
            "/api/v1/auth/password/forgot",
            json!({"email": "bad@example.com"})
        )
        .await
        .status(),
        202
    );
    let admin = app.client_as(Role::Admin).await;
    let found = admin
        .client
        .get(app.url("/api/v1/admin/users?q=bad%40example"))
        .json_of()
        .await;
    assert!(found["items"].as_array().unwrap().is_empty());
    // Over-long fields are named, not truncated.
    let r = post(&app, &app.client, "/api/v1/auth/signup",
        json!({"email": format!("{}@example.com", "a".repeat(300)), "password": "x".repeat(2000), "name": "n"})).await;
    assert_eq!(r.status(), 422);
    let codes = field_codes(&r.json().await.unwrap());
    assert!(
        codes.contains(&("email".into(), "too_long".into())),
        "{codes:?}"
    );
    assert!(
        codes.contains(&("password".into(), "too_long".into())),
        "{codes:?}"
    );
    app.stop().await;
}

both!(
    malformed_bodies_are_refused_and_change_nothing,
    read_only_tokens_cannot_change_anything,
    sign_up_verify_and_sign_in,
    links_expire_and_mails_follow_the_language,
    forgotten_password_resets_once_and_ends_sessions,
    lockout_mails_the_owner_and_a_reset_lifts_it,
    profile_changes_are_validated_and_private,
    password_and_email_changes,
    sessions_and_sign_in_attempts,
    per_address_limits_and_trusted_proxies,
    untrusted_peers_cannot_choose_their_address,
    html_sign_up_journey_without_javascript,
);
postgres_only!(lockout_holds_across_nodes);
