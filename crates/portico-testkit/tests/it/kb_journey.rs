//! The help centre in headless Chromium, at phone width in Chinese and desktop width in English, axe
//! clean on every page: search, open an article, switch to its translation, vote "not helpful" with a
//! reason; an agent writes an article, previews it, publishes it, and a visitor finds it.

use fantoccini::Locator;
use portico_testkit::browser::{Browser, DESKTOP, PHONE};
use portico_testkit::{DbKind, TestApp, TestOptions, both};

const PASSWORD: &str = "lantern quietly mapping river otters";

async fn type_into(b: &Browser, css: &str, text: &str) {
    let el = b
        .client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    el.clear().await.unwrap();
    el.send_keys(text).await.unwrap();
}

async fn set_language(b: &Browser, app: &TestApp, lang: &str) {
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
}

async fn reader_journey(b: &Browser, app: &TestApp, lang: &str, query: &str, other: &str) {
    let what = |s: &str| format!("{s} ({lang})");
    set_language(b, app, lang).await;
    // The help centre from the footer of any page.
    b.click(".site-footer a[href=\"/kb\"]").await;
    b.wait_for(".cards").await;
    b.assert_accessible(&what("help centre")).await;
    b.screenshot(&format!("kb-home-{lang}")).await;
    b.click("a[href=\"/kb/categories/returns-refunds\"]").await;
    b.wait_for(".article-list").await;
    b.assert_accessible(&what("topic")).await;
    // Search, then open the first help article found.
    b.client.goto(&app.url("/kb")).await.unwrap();
    type_into(b, "#q", query).await;
    // Results while typing (the script), then the full results page (the plain form).
    b.wait_for(".suggest [role=\"option\"][data-href^=\"/kb/articles/\"]")
        .await;
    let expanded = b
        .client
        .find(Locator::Css("#q"))
        .await
        .unwrap()
        .attr("aria-expanded")
        .await
        .unwrap();
    assert_eq!(expanded.as_deref(), Some("true"));
    b.assert_accessible(&what("results while typing")).await;
    b.click("form[role=\"search\"] button[type=\"submit\"]")
        .await;
    b.wait_for(".result-list").await;
    b.assert_accessible(&what("search results")).await;
    // Narrowed to one topic with the select on the results page (the plain form).
    b.client
        .find(Locator::Css("#search-category"))
        .await
        .unwrap()
        .select_by_value("returns-refunds")
        .await
        .unwrap();
    b.click("form[role=\"search\"] button[type=\"submit\"]")
        .await;
    b.wait_for("#search-category option[value=\"returns-refunds\"]:checked")
        .await;
    b.wait_for(".result-list").await;
    b.click(".result-list a[href^=\"/kb/articles/\"]").await;
    b.wait_for(".kb-article").await;
    b.assert_accessible(&what("article")).await;
    b.screenshot(&format!("kb-article-{lang}")).await;
    assert!(!b.scrolls_horizontally().await, "{lang}: article fits");
    // The other language.
    b.click(".kb-translation a").await;
    b.wait_for(&format!(".kb-article[lang=\"{other}\"]")).await;
    // Not helpful, because it is out of date.
    b.click("button[name=\"helpful\"][value=\"no\"]").await;
    b.wait_for("input[name=\"reason\"][value=\"outdated\"]")
        .await;
    b.assert_accessible(&what("why not helpful")).await;
    b.click("input[name=\"reason\"][value=\"outdated\"]").await;
    type_into(b, "#feedback-comment", "The fees table is from last year.").await;
    b.click(".kb-feedback button[type=\"submit\"]").await;
    b.wait_for(".kb-feedback [role=\"status\"]").await;
    // Nothing found: the most read articles and the tasks instead.
    // (The views just made are written to the event log in the background: look again until they are.)
    for _ in 0..50 {
        b.client
            .goto(&app.url("/search?q=zzqxv+wobblegarth"))
            .await
            .unwrap();
        b.wait_for(".empty-state").await;
        if b.client
            .find(Locator::Css(".article-list a[href^=\"/kb/articles/\"]"))
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    b.wait_for(".article-list a[href^=\"/kb/articles/\"]").await;
    b.assert_accessible(&what("nothing found")).await;
    b.screenshot(&format!("kb-nothing-found-{lang}")).await;
}

async fn help_centre_reading_and_writing(kind: DbKind) {
    let Some(app) = TestApp::start_with(
        kind,
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
    reader_journey(&b, &app, "zh-CN", "退款", "en").await;
    b.resize(DESKTOP).await;
    reader_journey(&b, &app, "en", "refund", "zh-CN").await;

    // An agent writes, previews and publishes an article.
    portico_testkit::portico_app::identity::add_user(
        &app.app,
        portico_testkit::portico_app::identity::AddUser {
            email: "writer@example.com",
            name: "Wren Writer",
            role: portico_testkit::portico_core::Role::Agent,
            locale: portico_testkit::portico_core::Locale::En,
            password: PASSWORD,
        },
    )
    .await
    .unwrap();
    b.client
        .goto(&app.url("/login?next=/kb/manage"))
        .await
        .unwrap();
    type_into(&b, "input[name=\"email\"]", "writer@example.com").await;
    type_into(&b, "input[name=\"password\"]", PASSWORD).await;
    b.click("form[action=\"/login\"] button[type=\"submit\"]")
        .await;
    b.wait_for("a[href=\"/kb/manage/new\"]").await;
    b.assert_accessible("article list (editor)").await;
    b.click("a[href=\"/kb/manage/new\"]").await;
    b.wait_for("#kb-title").await;
    type_into(&b, "#kb-title", "Gift wrapping").await;
    b.client
        .find(Locator::Css("#kb-category"))
        .await
        .unwrap()
        .select_by_value("orders-delivery")
        .await
        .unwrap();
    type_into(
        &b,
        "#kb-body_markdown",
        "## Choose wrapping\n\nTick **Gift wrap** at checkout; the marmalade-coloured paper is free.\n\n## Add a note\n\nWrite up to 200 characters.\n\n## Remove prices\n\nGift parcels never show prices.",
    )
    .await;
    b.click("button[name=\"action\"][value=\"preview\"]").await;
    b.wait_for("#kb-preview h2#choose-wrapping").await;
    b.assert_accessible("editor with preview").await;
    b.client
        .find(Locator::Css("#kb-status"))
        .await
        .unwrap()
        .select_by_value("published")
        .await
        .unwrap();
    b.click("button[name=\"action\"][value=\"save\"]").await;
    b.wait_for(".notice-success").await;
    b.assert_accessible("editor after saving").await;
    // The upkeep page, with how search ranks on this node, at both widths and in both languages.
    let editor = b.client.current_url().await.unwrap().to_string();
    for (size, lang) in [(DESKTOP, "en"), (PHONE, "zh-CN")] {
        b.resize(size).await;
        set_language(&b, &app, lang).await;
        b.client.goto(&app.url("/kb/manage/upkeep")).await.unwrap();
        b.wait_for("#upkeep-ranking").await;
        b.assert_accessible(&format!("upkeep page ({lang})")).await;
        b.screenshot(&format!("kb-upkeep-{lang}-{}", size.0)).await;
    }
    b.resize(DESKTOP).await;
    set_language(&b, &app, "en").await;
    b.client.goto(&editor).await.unwrap();
    b.wait_for("#kb-file").await;
    // An image for the article, uploaded from the editor.
    let png = portico_testkit::smtp::decode_base64(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("wrapping.png");
    std::fs::write(&file, png).unwrap();
    b.client
        .find(Locator::Css("#kb-file"))
        .await
        .unwrap()
        .send_keys(file.to_str().unwrap())
        .await
        .unwrap();
    b.click("form[enctype=\"multipart/form-data\"] button[type=\"submit\"]")
        .await;
    // The page before the upload showed a notice too: wait for the page the upload leads to.
    for _ in 0..100 {
        if b.client
            .current_url()
            .await
            .unwrap()
            .as_str()
            .contains("done=image")
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    b.wait_for(".notice-success").await;
    let body = b
        .client
        .find(Locator::Css("#kb-body_markdown"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(body.contains("](/kb/files/"), "{body}");
    // Signed out, a visitor finds it.
    b.click(".account-toggle").await;
    b.click("form[action=\"/logout\"] button").await;
    b.wait_for("a[href=\"/login\"]").await;
    let mut found = false;
    for _ in 0..40 {
        b.client
            .goto(&app.url("/search?q=marmalade"))
            .await
            .unwrap();
        if b.client
            .find(Locator::Css(
                ".result-list a[href^=\"/kb/articles/gift-wrapping\"]",
            ))
            .await
            .is_ok()
        {
            found = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(found, "the new article is found");
    b.click(".result-list a[href^=\"/kb/articles/gift-wrapping\"]")
        .await;
    b.wait_for(".kb-toc a[href=\"#choose-wrapping\"]").await;
    b.wait_for(".prose img[src^=\"/kb/files/\"]").await;
    let loaded = b
        .client
        .execute(
            "return document.querySelector('.prose img').naturalWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(loaded.as_u64(), Some(1), "the image loads in the browser");
    b.close().await;
    app.stop().await;
}

both!(help_centre_reading_and_writing);
