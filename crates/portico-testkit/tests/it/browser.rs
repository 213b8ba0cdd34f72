//! Browser journeys in headless Chromium at phone and desktop widths, in both languages, each page
//! audited with axe-core (serious or critical violations fail the test).

use fantoccini::Locator;
use portico_testkit::browser::{Browser, DESKTOP, NARROW, PHONE};
use portico_testkit::{DbKind, TestApp, TestOptions, both};

async fn set_language(b: &Browser, app: &TestApp, label: &str) {
    b.client.goto(&app.url("/")).await.unwrap();
    b.client
        .find(Locator::Css(&format!(
            "form.lang-switch button[value=\"{label}\"]"
        )))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.client
        .wait()
        .for_element(Locator::Css(&format!("html[lang=\"{label}\"]")))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn home_page_at_phone_and_desktop_in_both_languages() {
    let Some(app) = TestApp::start_with(
        DbKind::Sqlite,
        TestOptions {
            demo: true,
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
    for (lang, expect_lang, expect_text) in [
        ("en", "en", "Request a refund"),
        ("zh-CN", "zh-CN", "申请退款"),
    ] {
        set_language(&b, &app, lang).await;
        for (label, size) in [("phone", PHONE), ("desktop", DESKTOP)] {
            b.resize(size).await;
            b.client.goto(&app.url("/")).await.unwrap();
            let html_lang = b
                .client
                .find(Locator::Css("html"))
                .await
                .unwrap()
                .attr("lang")
                .await
                .unwrap();
            assert_eq!(html_lang.as_deref(), Some(expect_lang));
            let body = b.client.source().await.unwrap();
            assert!(body.contains(expect_text), "{lang} {label}");
            assert!(
                !b.scrolls_horizontally().await,
                "no horizontal scrolling at {label} width in {lang}"
            );
            b.screenshot(&format!("home-{lang}-{label}")).await;
            b.assert_accessible(&format!("home ({lang}, {label})"))
                .await;
        }
    }
    b.close().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_journey_with_search_and_error_pages() {
    let Some(app) = TestApp::start_with(
        DbKind::Sqlite,
        TestOptions {
            demo: true,
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
    set_language(&b, &app, "en").await;
    b.client.goto(&app.url("/")).await.unwrap();
    b.client
        .find(Locator::Css("a[href=\"/login\"]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.client
        .wait()
        .for_element(Locator::Css("input[name=\"email\"]"))
        .await
        .unwrap();
    b.assert_accessible("login").await;
    // A wrong password keeps the e-mail and explains the problem.
    b.client
        .find(Locator::Css("input[name=\"email\"]"))
        .await
        .unwrap()
        .send_keys("emma.jones@demo.example.com")
        .await
        .unwrap();
    b.client
        .find(Locator::Css("input[name=\"password\"]"))
        .await
        .unwrap()
        .send_keys("not-my-password")
        .await
        .unwrap();
    b.client
        .find(Locator::Css(
            "form[action=\"/login\"] button[type=\"submit\"]",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let alert = b
        .client
        .wait()
        .for_element(Locator::Css("[role=\"alert\"]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!alert.is_empty());
    b.assert_accessible("login with error").await;
    let email = b
        .client
        .find(Locator::Css("input[name=\"email\"]"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(email.as_deref(), Some("emma.jones@demo.example.com"));
    let pw = b
        .client
        .find(Locator::Css("input[name=\"password\"]"))
        .await
        .unwrap();
    pw.clear().await.unwrap();
    pw.send_keys("demo-customer-2026").await.unwrap();
    b.client
        .find(Locator::Css(
            "form[action=\"/login\"] button[type=\"submit\"]",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.client
        .wait()
        .for_element(Locator::Css("form[action=\"/logout\"]"))
        .await
        .unwrap();
    let body = b.client.source().await.unwrap();
    assert!(
        body.contains("Emma Jones"),
        "signed in: the header names the user"
    );
    b.screenshot("home-signed-in-phone").await;
    b.assert_accessible("home signed in").await;
    b.client
        .find(Locator::Css("form[action=\"/logout\"] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.client
        .wait()
        .for_element(Locator::Css("a[href=\"/login\"]"))
        .await
        .unwrap();

    // Search from the home page's search box.
    b.client.goto(&app.url("/")).await.unwrap();
    b.client
        .find(Locator::Css("input[name=\"q\"]"))
        .await
        .unwrap()
        .send_keys("refund")
        .await
        .unwrap();
    b.client
        .find(Locator::Css(
            "form[role=\"search\"] button[type=\"submit\"]",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.client
        .wait()
        .for_element(Locator::Css("a.result-title[href=\"/catalog/refund\"]"))
        .await
        .unwrap();
    let marked = b
        .client
        .find(Locator::Css(".result-snippet mark, .result-title"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(marked.to_lowercase().contains("refund"), "{marked}");
    b.assert_accessible("search results").await;
    b.client.goto(&app.url("/search?q=zzzz")).await.unwrap();
    b.assert_accessible("search without results").await;
    assert!(!b.scrolls_horizontally().await);

    b.client.goto(&app.url("/no-such-page")).await.unwrap();
    b.assert_accessible("404 page").await;
    b.client.goto(&app.url("/api/docs")).await.unwrap();
    b.resize(DESKTOP).await;
    b.assert_accessible("API docs").await;
    assert!(!b.scrolls_horizontally().await);
    b.close().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dark_theme_and_the_narrowest_screen_stay_readable() {
    let Some(app) = TestApp::start_with(
        DbKind::Sqlite,
        TestOptions {
            demo: true,
            ..Default::default()
        },
    )
    .await
    else {
        return;
    };
    let Some(b) = Browser::start_dark().await else {
        return;
    };
    b.resize(NARROW).await;
    b.client.goto(&app.url("/")).await.unwrap();
    let dark = b
        .client
        .execute(
            "return window.matchMedia('(prefers-color-scheme: dark)').matches;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(dark.as_bool(), Some(true), "the browser prefers dark");
    let bg = b
        .client
        .execute(
            "return getComputedStyle(document.body).backgroundColor;",
            vec![],
        )
        .await
        .unwrap();
    assert_ne!(
        bg.as_str(),
        Some("rgb(255, 255, 255)"),
        "the page follows the dark preference"
    );
    for lang in ["en", "zh-CN"] {
        set_language(&b, &app, lang).await;
        for path in ["/", "/login", "/search?q=refund", "/missing"] {
            b.client.goto(&app.url(path)).await.unwrap();
            assert!(
                !b.scrolls_horizontally().await,
                "{path} at 360 px in {lang}"
            );
            b.assert_accessible(&format!("{path} dark {lang}")).await;
        }
        b.client.goto(&app.url("/")).await.unwrap();
        b.screenshot(&format!("home-{lang}-dark-narrow")).await;
    }
    b.close().await;
    app.stop().await;
}

/// Every file under `dir` with its `/`-separated path relative to `dir`.
fn files_under(dir: &std::path::Path, prefix: &str, out: &mut Vec<(String, Vec<u8>)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if path.is_dir() {
            files_under(&path, &format!("{prefix}{name}/"), out);
        } else if !name.starts_with('.') {
            out.push((format!("{prefix}{name}"), std::fs::read(&path).unwrap()));
        }
    }
}

/// The page names an SVG favicon by its hashed URL; `/favicon.ico` answers (no 404 in the log for
/// browsers that ask for it); every file under `static/`, sub-folders included, is served: at its
/// hashed URL, or at `/<name>` for files under `static/root/`.
async fn favicon_and_every_static_file_are_served(kind: DbKind) {
    let Some(app) = TestApp::start(kind).await else {
        return;
    };
    let html = app.get("/").await.text().await.unwrap();
    let svg_url = html
        .split("<link rel=\"icon\" href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .find(|u| u.ends_with(".svg"))
        .unwrap_or_else(|| panic!("no SVG icon link in {html}"))
        .to_string();
    assert!(
        svg_url.starts_with("/static/favicon.") && svg_url != "/static/favicon.svg",
        "hashed: {svg_url}"
    );
    let r = app.get(&svg_url).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/svg+xml");
    assert!(
        r.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert!(r.text().await.unwrap().starts_with("<svg"));

    let r = app.get("/favicon.ico").await;
    assert_eq!(r.status(), 200, "/favicon.ico answers");
    assert_eq!(r.headers()["content-type"], "image/x-icon");
    let ico = r.bytes().await.unwrap();
    assert_eq!(&ico[..4], &[0, 0, 1, 0], "an ICO file");

    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../portico-web/static");
    let mut files = Vec::new();
    files_under(&dir, "", &mut files);
    assert!(
        files.iter().any(|(name, _)| name.contains('/')),
        "a sub-folder"
    );
    for (name, bytes) in files {
        let url = match name.strip_prefix("root/") {
            Some(root_name) => format!("/{root_name}"),
            None => portico_web::assets::asset_url(&name),
        };
        let r = app.get(&url).await;
        assert_eq!(r.status(), 200, "{name} at {url}");
        assert_eq!(r.bytes().await.unwrap(), bytes, "{name} at {url}");
    }
    assert_eq!(
        app.get("/static/root/favicon.ico").await.status(),
        404,
        "root files live only at the root"
    );
    app.stop().await;
}

both!(favicon_and_every_static_file_are_served);
