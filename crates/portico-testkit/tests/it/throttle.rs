//! Repeated failed sign-ins for one address are held back with a growing delay, then locked, on the
//! page, the API and the token endpoint alike, whether or not an account has the address.

use std::sync::Arc;

use portico_testkit::portico_core::{FixedClock, Role, Timestamp};
use portico_testkit::{DbKind, TestApp, TestOptions, both};
use serde_json::json;

const RIGHT: &str = "correct horse battery staple";
const WRONG: &str = "wrong horse battery staple";

async fn attempt(app: &TestApp, email: &str, password: &str) -> (u16, Option<u64>) {
    let r = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap();
    let retry = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().parse().unwrap());
    (r.status().as_u16(), retry)
}

async fn failed_sign_ins_slow_down_then_lock(kind: DbKind) {
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
    let email = user.account.email.clone();

    for address in [email.as_str(), "nobody@test.example"] {
        // Four failures cost nothing more than the answer.
        for _ in 0..4 {
            assert_eq!(
                attempt(&app, address, WRONG).await,
                (401, None),
                "{address}"
            );
        }
        // The fifth is counted; the next attempt must wait a second, even with the right password.
        assert_eq!(attempt(&app, address, WRONG).await.0, 401);
        assert_eq!(
            attempt(&app, address, RIGHT).await,
            (429, Some(1)),
            "{address}"
        );
        // The delay doubles with each failure.
        clock.advance_secs(1);
        assert_eq!(attempt(&app, address, WRONG).await.0, 401);
        assert_eq!(attempt(&app, address, WRONG).await, (429, Some(2)));
        // The token endpoint and the page are held back the same way.
        let r = app
            .client
            .post(app.url("/api/v1/auth/token"))
            .json(&json!({"email": address, "password": RIGHT}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 429);
        let r = app
            .client
            .post(app.url("/login"))
            .form(&[("email", address), ("password", RIGHT)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 429);
        assert!(r.headers().contains_key("retry-after"));
        let page = r.text().await.unwrap();
        assert!(page.contains("Wait 2 seconds, then try again."), "{page}");
        // Failures 7 to 10, each after its delay: the tenth locks the address for 15 minutes.
        for wait in [2, 4, 8, 16] {
            clock.advance_secs(wait);
            assert_eq!(attempt(&app, address, WRONG).await.0, 401, "after {wait} s");
        }
        assert_eq!(attempt(&app, address, RIGHT).await, (429, Some(900)));
        clock.advance_secs(899);
        assert_eq!(attempt(&app, address, RIGHT).await, (429, Some(1)));
        clock.advance_secs(1);
    }
    // The lock is over: the right password works again, and the count starts afresh.
    assert_eq!(attempt(&app, &email, RIGHT).await.0, 200);
    for _ in 0..4 {
        assert_eq!(attempt(&app, &email, WRONG).await.0, 401);
    }
    assert_eq!(attempt(&app, &email, RIGHT).await.0, 200);
    // Another address is not affected by this one's failures.
    let other = app.client_as(Role::Customer).await;
    for _ in 0..5 {
        attempt(&app, &email, WRONG).await;
    }
    assert_eq!(attempt(&app, &other.account.email, RIGHT).await.0, 200);
    app.stop().await;
}

async fn the_lock_is_configurable(kind: DbKind) {
    let Some(app) = TestApp::start_with(
        kind,
        TestOptions {
            settings: vec![
                ("sign_in__delay_after_failures".into(), "0".into()),
                ("sign_in__lock_after_failures".into(), "2".into()),
                ("sign_in__lock_minutes".into(), "1".into()),
            ],
            ..Default::default()
        },
    )
    .await
    else {
        return;
    };
    let user = app.client_as(Role::Customer).await;
    assert_eq!(attempt(&app, &user.account.email, WRONG).await.0, 401);
    assert_eq!(attempt(&app, &user.account.email, WRONG).await.0, 401);
    let (status, retry) = attempt(&app, &user.account.email, RIGHT).await;
    assert_eq!(status, 429);
    assert!(retry.is_some_and(|s| (1..=60).contains(&s)), "{retry:?}");
    app.stop().await;
}

both!(
    failed_sign_ins_slow_down_then_lock,
    the_lock_is_configurable
);
