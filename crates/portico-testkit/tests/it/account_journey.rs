//! The account journey in headless Chromium, at phone width in English and desktop width in Chinese:
//! sign up → open the mailed link → sign out and in → edit the profile → change the password → see the
//! session list → sign out everywhere else. Every page on the way is audited with axe-core.

use fantoccini::Locator;
use portico_testkit::browser::{Browser, DESKTOP, PHONE};
use portico_testkit::smtp::SmtpSink;
use portico_testkit::{DbKind, Fetch, TestApp, TestOptions, both, cookie_from};
use serde_json::json;

const FIRST: &str = "lantern quietly mapping river otters";
const SECOND: &str = "velvet thunder behind seven orchards";

async fn type_into(b: &Browser, css: &str, text: &str) {
    let el = b
        .client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    el.clear().await.unwrap();
    el.send_keys(text).await.unwrap();
}

async fn text_of(b: &Browser, css: &str) -> String {
    b.client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

/// Opens the account menu where it is folded, then follows its link to `href`.
async fn via_account_menu(b: &Browser, href: &str) {
    b.click(".account-toggle").await;
    b.click(&format!(".account-panel a[href=\"{href}\"]")).await;
}

async fn journey(b: &Browser, app: &TestApp, sink: &SmtpSink, lang: &str, email: &str) {
    let what = |step: &str| format!("{step} ({lang})");
    // The language switcher, then the way to sign up from the sign-in page.
    b.client.goto(&app.url("/")).await.unwrap();
    let current = b
        .client
        .find(Locator::Css("html"))
        .await
        .unwrap()
        .attr("lang")
        .await
        .unwrap();
    if current.as_deref() != Some(lang) {
        b.click(&format!("form.lang-switch button[value=\"{lang}\"]"))
            .await;
        b.wait_for(&format!("html[lang=\"{lang}\"]")).await;
    }
    b.client.goto(&app.url("/login")).await.unwrap();
    b.click(".form-links a[href=\"/signup\"]").await;
    b.wait_for("form[action=\"/signup\"]").await;
    b.assert_accessible(&what("sign-up")).await;

    // A weak password first: the hint appears next to the field, the typed values stay.
    type_into(
        b,
        "#signup-name",
        if lang == "en" {
            "Grace Hopper"
        } else {
            "林小雨"
        },
    )
    .await;
    type_into(b, "#signup-email", email).await;
    type_into(b, "#signup-password", "Password1!").await;
    b.click("form[action=\"/signup\"] button[type=\"submit\"]")
        .await;
    b.wait_for("#signup-password-error").await;
    let hint = text_of(b, "#signup-password-error").await;
    if lang == "zh-CN" {
        assert!(hint.contains("密码"), "{hint}");
    } else {
        assert!(hint.contains("guess"), "{hint}");
    }
    let kept = b
        .client
        .find(Locator::Css("#signup-email"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some(email));
    b.assert_accessible(&what("sign-up with an error")).await;
    b.screenshot(&format!("account-signup-error-{lang}")).await;
    type_into(b, "#signup-password", FIRST).await;
    b.click("form[action=\"/signup\"] button[type=\"submit\"]")
        .await;
    b.wait_for("#verify-banner").await;
    b.wait_for("form[action=\"/account/profile\"]").await;
    b.assert_accessible(&what("profile after sign-up")).await;

    // Open the mailed link: the banner goes.
    let mail = sink.wait_for_to(email, 1).await;
    b.client
        .goto(&app.url(&mail.link("/verify-email").unwrap()))
        .await
        .unwrap();
    b.wait_for(".notice-success").await;
    b.assert_accessible(&what("address confirmed")).await;
    assert!(b.client.find(Locator::Css("#verify-banner")).await.is_err());

    // Sign out, and in again with the sign-in form.
    b.click(".account-toggle").await;
    b.click("form[action=\"/logout\"] button").await;
    b.wait_for("a[href=\"/login\"]").await;
    b.client
        .goto(&app.url("/login?next=/account/profile"))
        .await
        .unwrap();
    type_into(b, "input[name=\"email\"]", email).await;
    type_into(b, "input[name=\"password\"]", FIRST).await;
    b.click("form[action=\"/login\"] button[type=\"submit\"]")
        .await;
    b.wait_for("form[action=\"/account/profile\"]").await;

    // Edit the profile.
    type_into(b, "#profile-phone", "+86 21 5555 0100").await;
    b.client
        .find(Locator::Css("#profile-time_zone"))
        .await
        .unwrap()
        .select_by_value("Asia/Shanghai")
        .await
        .unwrap();
    b.click("form[action=\"/account/profile\"] button[type=\"submit\"]")
        .await;
    b.wait_for(".notice-success").await;
    let phone = b
        .client
        .find(Locator::Css("#profile-phone"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(phone.as_deref(), Some("+86 21 5555 0100"));
    b.assert_accessible(&what("profile saved")).await;
    b.screenshot(&format!("account-profile-{lang}")).await;

    // Another device signs in (a script with the same account).
    let other = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": email, "password": FIRST}))
        .send()
        .await
        .unwrap();
    let other_cookie = cookie_from(&other, "__Host-portico_session").unwrap();
    let other_device = reqwest::Client::builder()
        .default_headers({
            let mut h = reqwest::header::HeaderMap::new();
            h.insert(reqwest::header::COOKIE, other_cookie.parse().unwrap());
            h
        })
        .build()
        .unwrap();
    assert_eq!(
        other_device.get(app.url("/api/v1/me")).status_of().await,
        200
    );

    // Change the password: the other device is signed out by it.
    type_into(b, "#password-current_password", FIRST).await;
    type_into(b, "#password-new_password", SECOND).await;
    b.click("form[action=\"/account/password\"] button[type=\"submit\"]")
        .await;
    b.wait_for(".notice-success").await;
    b.assert_accessible(&what("password changed")).await;
    assert_eq!(
        other_device.get(app.url("/api/v1/me")).status_of().await,
        401
    );

    // Sign in on another device again with the new password, then see both in the session list.
    let again = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": email, "password": SECOND}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
    let again_cookie = cookie_from(&again, "__Host-portico_session").unwrap();
    via_account_menu(b, "/account/security").await;
    b.wait_for("#sign-out-others").await;
    let rows = b
        .client
        .find_all(Locator::Css(
            "section[aria-labelledby=\"sessions-heading\"] tbody tr",
        ))
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    b.assert_accessible(&what("security page")).await;
    b.screenshot(&format!("account-security-{lang}")).await;
    b.click("#sign-out-others").await;
    b.wait_for(".notice-success").await;
    let rows = b
        .client
        .find_all(Locator::Css(
            "section[aria-labelledby=\"sessions-heading\"] tbody tr",
        ))
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "only this device is left");
    b.assert_accessible(&what("signed out everywhere else"))
        .await;
    let gone = reqwest::Client::new()
        .get(app.url("/api/v1/me"))
        .header("cookie", again_cookie)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(gone, 401);
    assert!(
        !b.scrolls_horizontally().await,
        "{lang}: no horizontal scrolling"
    );
    b.client.goto(&app.url("/account/profile")).await.unwrap();
    b.wait_for("form[action=\"/account/profile\"]").await;
    // Finally sign out, ready for the next journey.
    b.click(".account-toggle").await;
    b.click("form[action=\"/logout\"] button").await;
    b.wait_for("a[href=\"/login\"]").await;
}

async fn sign_up_to_sign_out_everywhere_else(kind: DbKind) {
    let sink = SmtpSink::start().await;
    let Some(app) = TestApp::start_with(
        kind,
        TestOptions {
            settings: vec![
                ("smtp_url".into(), sink.url()),
                ("mail_from".into(), "Help <help@demo.example.com>".into()),
            ],
            ..Default::default()
        },
    )
    .await
    else {
        return;
    };
    let Some(b) = Browser::start().await else {
        return;
    };
    b.resize(PHONE).await;
    journey(&b, &app, &sink, "en", "grace@example.com").await;
    b.resize(DESKTOP).await;
    journey(&b, &app, &sink, "zh-CN", "lin.xiaoyu@example.com").await;
    b.close().await;
    app.stop().await;
}

both!(sign_up_to_sign_out_everywhere_else);

async fn sign_in_with_form(b: &Browser, app: &TestApp, email: &str, password: &str, next: &str) {
    b.client
        .goto(&app.url(&format!("/login?next={next}")))
        .await
        .unwrap();
    type_into(b, "input[name=\"email\"]", email).await;
    type_into(b, "input[name=\"password\"]", password).await;
    b.click("form[action=\"/login\"] button[type=\"submit\"]")
        .await;
    b.wait_for("form[action=\"/logout\"]").await;
}

async fn sign_out_with_menu(b: &Browser) {
    b.click(".account-toggle").await;
    b.click("form[action=\"/logout\"] button").await;
    b.wait_for("a[href=\"/login\"]").await;
}

/// An administrator invites an agent and sets up an organisation; the invitee accepts; a forgotten
/// password is reset. Every page is audited.
async fn administration_invitation_and_reset(
    b: &Browser,
    app: &TestApp,
    sink: &SmtpSink,
    lang: &str,
    n: usize,
) {
    let what = |step: &str| format!("{step} ({lang})");
    let admin_email = format!("root{n}@example.com");
    portico_app::identity::add_user(
        &app.app,
        portico_app::identity::AddUser {
            email: &admin_email,
            name: "Avery Morgan",
            role: portico_core::Role::Admin,
            locale: portico_core::Locale::En,
            password: FIRST,
        },
    )
    .await
    .unwrap();
    b.client.goto(&app.url("/")).await.unwrap();
    let current = b
        .client
        .find(Locator::Css("html"))
        .await
        .unwrap()
        .attr("lang")
        .await
        .unwrap();
    if current.as_deref() != Some(lang) {
        b.click(&format!("form.lang-switch button[value=\"{lang}\"]"))
            .await;
        b.wait_for(&format!("html[lang=\"{lang}\"]")).await;
    }
    sign_in_with_form(b, app, &admin_email, FIRST, "/admin/users").await;
    b.wait_for("form[action=\"/admin/users\"][method=\"post\"]")
        .await;
    b.assert_accessible(&what("people")).await;

    // Invite an agent.
    let invitee = format!("new.agent{n}@example.com");
    type_into(b, "#users-name", "Jordan Reyes").await;
    type_into(b, "#users-email", &invitee).await;
    b.client
        .find(Locator::Css("#users-invite-role"))
        .await
        .unwrap()
        .select_by_value("agent")
        .await
        .unwrap();
    b.click("form[action=\"/admin/users\"][method=\"post\"] button[type=\"submit\"]")
        .await;
    b.wait_for(".notice-success").await;
    b.assert_accessible(&what("people after inviting")).await;
    b.screenshot(&format!("admin-users-{lang}")).await;
    // Filter to agents and open the invitee.
    b.client
        .goto(&app.url("/admin/users?role=agent"))
        .await
        .unwrap();
    b.click("table a[href^=\"/admin/users/\"]").await;
    b.wait_for("#user-role").await;
    b.assert_accessible(&what("a person")).await;

    // An organisation with a domain, and a manager.
    b.client
        .goto(&app.url("/admin/organizations"))
        .await
        .unwrap();
    b.wait_for("#org-name").await;
    b.assert_accessible(&what("organisations")).await;
    type_into(b, "#org-name", &format!("Globex {n}")).await;
    type_into(b, "#org-domains", &format!("globex{n}.example")).await;
    b.click("form[action=\"/admin/organizations\"][method=\"post\"] button[type=\"submit\"]")
        .await;
    b.wait_for("#org-user").await;
    b.assert_accessible(&what("an organisation")).await;
    b.screenshot(&format!("admin-organization-{lang}")).await;
    type_into(b, "#org-user", &admin_email).await;
    b.click("input[name=\"manager\"]").await;
    b.click("form[action$=\"/members\"] button[type=\"submit\"]")
        .await;
    // The organisation's page had a success notice already (it was just created): wait for the member.
    b.wait_for_text("Avery Morgan").await;
    b.wait_for(".notice-success").await;

    // The audit log shows what happened.
    b.client
        .goto(&app.url("/admin/audit?action=user."))
        .await
        .unwrap();
    b.wait_for("table.data-table").await;
    assert!(b.client.source().await.unwrap().contains("user.invited"));
    b.assert_accessible(&what("audit log")).await;
    b.screenshot(&format!("admin-audit-{lang}")).await;
    assert!(!b.scrolls_horizontally().await, "{lang}: audit log fits");
    sign_out_with_menu(b).await;

    // The invitee opens the mailed link and chooses a password.
    let mail = sink.wait_for_to(&invitee, 1).await;
    b.client
        .goto(&app.url(&mail.link("/invite").unwrap()))
        .await
        .unwrap();
    b.wait_for("#setpw-password").await;
    b.assert_accessible(&what("invitation")).await;
    type_into(b, "#setpw-password", SECOND).await;
    b.click("form[action=\"/invite\"] button[type=\"submit\"]")
        .await;
    b.wait_for("form[action=\"/account/profile\"]").await;
    sign_out_with_menu(b).await;

    // The administrator forgot their password.
    b.client.goto(&app.url("/login")).await.unwrap();
    b.click("a[href=\"/password/forgot\"]").await;
    b.wait_for("#forgot-email").await;
    b.assert_accessible(&what("forgotten password")).await;
    type_into(b, "#forgot-email", &admin_email).await;
    b.click("form[action=\"/password/forgot\"] button[type=\"submit\"]")
        .await;
    b.wait_for(".notice-success").await;
    b.assert_accessible(&what("reset mail sent")).await;
    let reset = sink.wait_for_to(&admin_email, 1).await;
    let link = reset.link("/password/reset").unwrap();
    b.client.goto(&app.url(&link)).await.unwrap();
    b.wait_for("#setpw-password").await;
    b.assert_accessible(&what("reset form")).await;
    type_into(b, "#setpw-password", SECOND).await;
    b.click("form[action=\"/password/reset\"] button[type=\"submit\"]")
        .await;
    // Signed in afresh on the security page; every other session ended, so this is the only one.
    b.wait_for("#sessions-heading").await;
    b.wait_for(".notice-success").await;
    let rows = b
        .client
        .find_all(Locator::Css(
            "section[aria-labelledby=\"sessions-heading\"] tbody tr",
        ))
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    b.assert_accessible(&what("security after a reset")).await;
    sign_out_with_menu(b).await;
    // The link is spent.
    b.client.goto(&app.url(&link)).await.unwrap();
    b.wait_for(".notice-error").await;
    b.assert_accessible(&what("used link")).await;
}

async fn administration_and_recovery_in_the_browser(kind: DbKind) {
    let sink = SmtpSink::start().await;
    let Some(app) = TestApp::start_with(
        kind,
        TestOptions {
            settings: vec![
                ("smtp_url".into(), sink.url()),
                ("mail_from".into(), "Help <help@demo.example.com>".into()),
            ],
            ..Default::default()
        },
    )
    .await
    else {
        return;
    };
    let Some(b) = Browser::start().await else {
        return;
    };
    b.resize(DESKTOP).await;
    administration_invitation_and_reset(&b, &app, &sink, "en", 1).await;
    b.resize(PHONE).await;
    administration_invitation_and_reset(&b, &app, &sink, "zh-CN", 2).await;
    b.close().await;
    app.stop().await;
}

both!(administration_and_recovery_in_the_browser);
