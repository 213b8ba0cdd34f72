//! Browser journeys in headless Chromium at phone and desktop widths, in both languages, each page
//! audited with axe-core (serious or critical violations fail the test).

use fantoccini::Locator;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use portico_app::identity::{AddUser, add_user};
use portico_core::{Locale, Role};
use portico_testkit::browser::{Browser, DESKTOP, FontsWithoutCjk, NARROW, PHONE};
use portico_testkit::{DbKind, TestApp, TestOptions, both};

/// Switches the language with the header's switcher (which, on a phone, shows only the other language).
async fn set_language(b: &Browser, app: &TestApp, label: &str) {
    b.client.goto(&app.url("/")).await.unwrap();
    let current = b
        .client
        .find(Locator::Css("html"))
        .await
        .unwrap()
        .attr("lang")
        .await
        .unwrap();
    if current.as_deref() == Some(label) {
        return;
    }
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
    b.click("a[href=\"/login\"]").await;
    b.wait_for("input[name=\"email\"]").await;
    b.assert_accessible("login").await;
    // A wrong password keeps the e-mail and explains the problem.
    fill_sign_in(&b, "emma.jones@demo.example.com", "not-my-password").await;
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
    b.click("form[action=\"/login\"] button[type=\"submit\"]")
        .await;
    b.wait_for("form[action=\"/logout\"]").await;
    let body = b.client.source().await.unwrap();
    assert!(
        body.contains("Emma Jones"),
        "signed in: the header names the user"
    );
    b.screenshot("home-signed-in-phone").await;
    b.assert_accessible("home signed in").await;
    sign_out(&b).await;

    // Search from the home page's search box.
    b.client.goto(&app.url("/")).await.unwrap();
    b.client
        .find(Locator::Css("input[name=\"q\"]"))
        .await
        .unwrap()
        .send_keys("refund")
        .await
        .unwrap();
    b.click("form[role=\"search\"] button[type=\"submit\"]")
        .await;
    b.wait_for("a.result-title[href=\"/requests/new/refund\"]")
        .await;
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

const PASSWORD: &str = "a long enough password";

/// Adds an agent with a long name (the widest header a signed-in person gets) and returns the e-mail.
async fn add_agent(app: &TestApp) -> &'static str {
    let email = "alexandra@example.com";
    add_user(
        &app.app,
        AddUser {
            email,
            name: "Alexandra Whitfield-Okonkwo",
            role: Role::Agent,
            locale: Locale::En,
            password: PASSWORD,
        },
    )
    .await
    .unwrap();
    email
}

/// Types e-mail and password into the open `/login` form and submits it.
async fn fill_sign_in(b: &Browser, email: &str, password: &str) {
    b.client
        .find(Locator::Css("input[name=\"email\"]"))
        .await
        .unwrap()
        .send_keys(email)
        .await
        .unwrap();
    b.client
        .find(Locator::Css("input[name=\"password\"]"))
        .await
        .unwrap()
        .send_keys(password)
        .await
        .unwrap();
    b.click("form[action=\"/login\"] button[type=\"submit\"]")
        .await;
}

/// Signs in through the `/login` form and waits for the signed-in page.
async fn sign_in(b: &Browser, app: &TestApp, email: &str) {
    b.client.goto(&app.url("/login")).await.unwrap();
    fill_sign_in(b, email, PASSWORD).await;
    b.wait_for("form[action=\"/logout\"]").await;
}

/// Signs out with the header's sign-out button, opening the account menu first where it is folded.
async fn sign_out(b: &Browser) {
    if rect(b, ".account-toggle").await.is_some() {
        b.click(".account-toggle").await;
    }
    b.click("form[action=\"/logout\"] button").await;
    b.wait_for("a[href=\"/login\"]").await;
}

/// Presses Tab until focus leaves the header and returns, for each header element focused on the way,
/// its tag and class, its outline style and its outline width in px.
async fn header_focus_rings(b: &Browser) -> Vec<(String, String, f64)> {
    let mut seen = Vec::new();
    for _ in 0..10 {
        let tab = KeyActions::new("keyboard".into())
            .then(KeyAction::Down {
                value: Key::Tab.into(),
            })
            .then(KeyAction::Up {
                value: Key::Tab.into(),
            });
        b.client.perform_actions(tab).await.unwrap();
        let focused = b
            .client
            .execute(
                "const e = document.activeElement;\
                 if (!e.closest('.site-header')) return null;\
                 const s = getComputedStyle(e);\
                 return [e.tagName + '.' + e.className, s.outlineStyle, parseFloat(s.outlineWidth)];",
                vec![],
            )
            .await
            .unwrap();
        if focused.is_null() && !seen.is_empty() {
            break;
        }
        if let Ok(f) = serde_json::from_value(focused) {
            seen.push(f);
        }
    }
    seen
}

/// The bounding box of the first element matching `css`: `[left, top, width, height]`, or None when
/// there is no such element or it is not shown (also inside a closed `<details>`).
async fn rect(b: &Browser, css: &str) -> Option<[f64; 4]> {
    let v = b
        .client
        .execute(
            "const e = document.querySelector(arguments[0]); if (!e || !e.checkVisibility()) return null;\
             const r = e.getBoundingClientRect();\
             return [r.left, r.top, r.width, r.height];",
            vec![css.into()],
        )
        .await
        .unwrap();
    serde_json::from_value(v).ok()
}

/// On a phone the header is one row of 44 px targets, signed in or out, in both languages; on a desktop
/// it still names the signed-in person.
async fn header_is_one_compact_row_on_a_phone(kind: DbKind) {
    let Some(app) = TestApp::start_demo(kind).await else {
        return;
    };
    let email = add_agent(&app).await;
    let Some(b) = Browser::start().await else {
        return;
    };
    for signed_in in [false, true] {
        if signed_in {
            b.resize(DESKTOP).await;
            sign_in(&b, &app, email).await;
        }
        let who = if signed_in { "signed-in" } else { "signed-out" };
        for lang in ["en", "zh-CN"] {
            set_language(&b, &app, lang).await;
            for (label, size) in [("phone", PHONE), ("desktop", DESKTOP)] {
                b.resize(size).await;
                b.client.goto(&app.url("/")).await.unwrap();
                b.screenshot(&format!("header-{who}-{lang}-{label}")).await;
                let what = format!("header ({who}, {lang}, {label})");
                let header = rect(&b, ".site-header").await.unwrap();
                let brand = rect(&b, ".site-header .brand").await.unwrap();
                assert!(
                    header[3] <= 64.0,
                    "{what}: one row of 44 px targets, not {} px",
                    header[3]
                );
                assert!(!b.scrolls_horizontally().await, "{what}");
                // Every control in the header is visible, on the brand's row and at least 44 px.
                let controls = b
                    .client
                    .execute(
                        "return [...document.querySelectorAll('.site-header a, .site-header button, .site-header summary')]\
                           .filter(e => e.checkVisibility())\
                           .map(e => { const r = e.getBoundingClientRect(); return [e.outerHTML.slice(0, 60), r.top, r.width, r.height]; });",
                        vec![],
                    )
                    .await
                    .unwrap();
                let controls: Vec<(String, f64, f64, f64)> =
                    serde_json::from_value(controls).unwrap();
                assert!(controls.len() >= 3, "{what}: {controls:?}");
                for (el, top, w, h) in &controls {
                    assert!(
                        *w >= 44.0 && *h >= 44.0,
                        "{what}: {el} is {w}x{h}, under 44 px"
                    );
                    assert!(
                        (top - brand[1]).abs() < 12.0,
                        "{what}: {el} is not on the brand's row"
                    );
                }
                // Every header control shows a focus ring when reached with the keyboard.
                let rings = header_focus_rings(&b).await;
                assert!(
                    rings.len() >= 3,
                    "{what}: keyboard reaches the header: {rings:?}"
                );
                for (el, style, width) in &rings {
                    assert!(
                        style != "none" && *width >= 2.0,
                        "{what}: {el} has no visible focus ring ({style} {width}px)"
                    );
                }
                let sign_out = rect(&b, "form[action=\"/logout\"] button").await;
                if signed_in {
                    assert!(sign_out.is_none(), "{what}: sign-out folded away");
                    b.click(".account-toggle").await;
                    let panel = b
                        .client
                        .find(Locator::Css(".account-panel"))
                        .await
                        .unwrap()
                        .text()
                        .await
                        .unwrap();
                    assert!(
                        panel.contains("Alexandra Whitfield-Okonkwo"),
                        "{what}: {panel}"
                    );
                    let button = rect(&b, "form[action=\"/logout\"] button").await.unwrap();
                    let width = b
                        .client
                        .execute("return window.innerWidth;", vec![])
                        .await
                        .unwrap();
                    assert!(
                        button[3] >= 44.0,
                        "{what}: sign-out is {} px high",
                        button[3]
                    );
                    assert!(
                        button[0] >= 0.0 && button[0] + button[2] <= width.as_f64().unwrap(),
                        "{what}: sign-out inside the screen: {button:?}"
                    );
                    b.screenshot(&format!("header-{who}-{lang}-{label}-menu"))
                        .await;
                    b.assert_accessible(&format!("{what} with the menu open"))
                        .await;
                    b.client.goto(&app.url("/")).await.unwrap();
                }
                if signed_in && label == "desktop" {
                    assert!(
                        rect(&b, ".account-name").await.is_some(),
                        "{what}: names the person"
                    );
                }
                b.assert_accessible(&what).await;
            }
        }
    }
    b.close().await;
    app.stop().await;
}

both!(header_is_one_compact_row_on_a_phone);

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

/// For every `<mark>` matching `css`: its text, its text's contrast against its background, and whether
/// that background differs from what is behind the mark (the highlight itself is visible).
const MARKS: &str = "
    const rgb = c => (c.match(/[\\d.]+/g) || []).map(Number);
    const lum = c => { const [r, g, b] = rgb(c).map(v => v / 255)
        .map(v => v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4));
        return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
    const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
        return (x + 0.05) / (y + 0.05); };
    const opaque = c => { const v = rgb(c); return v.length === 3 || v[3] === 1; };
    const behind = e => { for (let p = e.parentElement; p; p = p.parentElement) {
        const c = getComputedStyle(p).backgroundColor; if (opaque(c)) return c; }
        return 'rgb(255, 255, 255)'; };
    return [...document.querySelectorAll(arguments[0])].map(m => {
        const s = getComputedStyle(m);
        return [m.textContent, ratio(s.color, s.backgroundColor),
                opaque(s.backgroundColor) && s.backgroundColor !== behind(m)];
    });";

/// Search highlights are visible in result titles and snippets, in light and dark themes, with text
/// that keeps 4.5:1 against the highlight.
async fn search_highlights_are_visible_in_both_themes(kind: DbKind) {
    let Some(app) = TestApp::start_demo(kind).await else {
        return;
    };
    for dark in [false, true] {
        let b = if dark {
            Browser::start_dark().await
        } else {
            Browser::start().await
        };
        let Some(b) = b else {
            return;
        };
        let theme = if dark { "dark" } else { "light" };
        b.resize(PHONE).await;
        for (lang, q) in [("en", "order"), ("zh-CN", "订单")] {
            set_language(&b, &app, lang).await;
            b.client
                .goto(&app.url(&format!("/search?q={q}")))
                .await
                .unwrap();
            b.screenshot(&format!("search-{lang}-{theme}")).await;
            for part in [".result-title", ".result-snippet"] {
                let marks = b
                    .client
                    .execute(MARKS, vec![format!("{part} mark").into()])
                    .await
                    .unwrap();
                let marks: Vec<(String, f64, bool)> = serde_json::from_value(marks).unwrap();
                assert!(!marks.is_empty(), "{part} marks for {q} ({theme})");
                for (text, contrast, highlighted) in marks {
                    assert!(
                        highlighted,
                        "{part} mark {text:?} has no visible highlight ({theme})"
                    );
                    assert!(
                        contrast >= 4.5,
                        "{part} mark {text:?}: contrast {contrast:.2} ({theme})"
                    );
                }
            }
            b.assert_accessible(&format!("search {lang} {theme}")).await;
        }
        b.close().await;
    }
    app.stop().await;
}

both!(search_highlights_are_visible_in_both_themes);

/// Chinese pages render Han characters with real glyphs, not missing-glyph boxes (tofu): the page's
/// font stack must reach an installed CJK font. The same check, in a browser that sees no CJK font,
/// must report tofu, so it cannot pass by accident.
async fn han_text_renders_with_real_glyphs(kind: DbKind) {
    let Some(app) = TestApp::start_demo(kind).await else {
        return;
    };
    let Some(b) = Browser::start().await else {
        return;
    };
    set_language(&b, &app, "zh-CN").await;
    for path in ["/", "/login"] {
        b.client.goto(&app.url(path)).await.unwrap();
        for css in ["h1", "main p"] {
            let glyphs = b.han_glyphs(css).await;
            assert!(
                !glyphs.is_tofu(),
                "Han text in {css} on {path} renders as tofu (install fonts-noto-cjk): {glyphs:?}"
            );
        }
    }
    b.screenshot("han-glyphs").await;
    b.close().await;

    let Some(fonts) = FontsWithoutCjk::new() else {
        portico_testkit::skip("fc-list (apt-get install fontconfig)");
        return;
    };
    let Some(b) = Browser::start_without_cjk_fonts(&fonts).await else {
        return;
    };
    set_language(&b, &app, "zh-CN").await;
    b.screenshot("han-glyphs-without-cjk-fonts").await;
    let glyphs = b.han_glyphs("h1").await;
    assert!(
        glyphs.is_tofu(),
        "without CJK fonts the check must see tofu: {glyphs:?}"
    );
    b.close().await;
    app.stop().await;
}

both!(han_text_renders_with_real_glyphs);

/// Signing out in a real browser removes the session cookie. `__Host-` cookies are `Secure`, and a
/// browser ignores a removal that lacks `Secure`, so this needs the server to send it with `Secure`.
async fn sign_out_removes_the_session_cookie_in_chromium(kind: DbKind) {
    const SESSION: &str = "__Host-portico_session";
    let Some(app) = TestApp::start(kind).await else {
        return;
    };
    let email = add_agent(&app).await;
    let Some(b) = Browser::start().await else {
        return;
    };
    b.resize(PHONE).await;
    sign_in(&b, &app, email).await;
    let names = |cookies: Vec<fantoccini::cookies::Cookie<'static>>| -> Vec<String> {
        cookies.iter().map(|c| c.name().to_string()).collect()
    };
    let before = names(b.client.get_all_cookies().await.unwrap());
    assert!(
        before.iter().any(|n| n == SESSION),
        "signed in: the browser holds {SESSION}: {before:?}"
    );
    sign_out(&b).await;
    let after = names(b.client.get_all_cookies().await.unwrap());
    assert!(
        !after.iter().any(|n| n == SESSION),
        "signed out: {SESSION} is gone from the browser: {after:?}"
    );
    // And the server no longer knows the browser.
    b.client.goto(&app.url("/")).await.unwrap();
    assert!(rect(&b, "a[href=\"/login\"]").await.is_some());
    b.close().await;
    app.stop().await;
}

both!(sign_out_removes_the_session_cookie_in_chromium);
