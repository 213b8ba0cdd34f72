//! The knowledge base end to end: who reads what, writing and archiving, hostile Markdown, search in both
//! languages through the shared index, import idempotency, and the help-centre pages.

use std::time::Duration;

use portico_testkit::portico_core::Role;
use portico_testkit::{DbKind, Fetch, TestApp, both};
use serde_json::{Value, json};

/// Creates an article through the API as `agent`; the answer's JSON.
pub async fn create(agent: &reqwest::Client, app: &TestApp, body: Value) -> Value {
    let r = agent
        .post(app.url("/api/v1/kb/articles"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{body}");
    r.json().await.unwrap()
}

/// Waits until a search by `client` for `q` returns `slug` (the index follows the outbox).
async fn found(app: &TestApp, client: &reqwest::Client, q: &str, slug: &str) -> bool {
    for _ in 0..120 {
        let r = client
            .get(app.url("/api/v1/kb/search"))
            .query(&[("q", q)])
            .json_of()
            .await;
        if r["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["slug"] == slug)
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

async fn visibility_writing_and_search(kind: DbKind) {
    let Some(app) = TestApp::start_demo(kind).await else {
        return;
    };
    let agent = app.client_as(Role::Agent).await;
    let customer = app.client_as(Role::Customer).await;
    let anon = &app.client;
    let a = &agent.client;

    // Customers and visitors cannot write.
    let body = json!({"title": "x", "body_markdown": "y", "locale": "en"});
    assert_eq!(
        customer
            .client
            .post(app.url("/api/v1/kb/articles"))
            .json(&body)
            .status_of()
            .await,
        403
    );
    assert_eq!(
        anon.post(app.url("/api/v1/kb/articles"))
            .json(&body)
            .status_of()
            .await,
        401
    );
    // Bad input names each field.
    let bad = a
        .post(app.url("/api/v1/kb/articles"))
        .json(&json!({"title": "", "body_markdown": "", "locale": "fr", "status": "live", "visibility": "secret", "category": "nope", "slug": "Not A Slug"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let p: Value = bad.json().await.unwrap();
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in [
        "title",
        "body_markdown",
        "locale",
        "status",
        "visibility",
        "category",
        "slug",
    ] {
        assert!(fields.contains(&f), "{f}: {fields:?}");
    }

    let public = create(a, &app, json!({"title": "Warranty claims", "body_markdown": "## How to claim\n\nSend the **serial number** of the quarantined blender.", "locale": "en", "category": "returns-refunds", "status": "published", "slug": "warranty-claims"})).await;
    let zh = create(a, &app, json!({"title": "保修申请", "body_markdown": "## 如何申请保修\n\n请提供搅拌机的序列号。", "locale": "zh-CN", "category": "returns-refunds", "status": "published", "translation_of": public["id"]})).await;
    let members = create(a, &app, json!({"title": "Members-only pricing", "body_markdown": "Customers see the tangerine discount table.", "locale": "en", "status": "published", "visibility": "customers"})).await;
    let internal = create(a, &app, json!({"title": "Escalation playbook", "body_markdown": "Agents escalate the periwinkle incidents.", "locale": "en", "status": "published", "visibility": "internal"})).await;
    let draft = create(a, &app, json!({"title": "Upcoming changes", "body_markdown": "Draft about the saffron policy.", "locale": "en"})).await;
    assert_eq!(draft["status"], "draft");
    assert_eq!(zh["translations"][0]["id"], public["id"]);

    let get =
        |c: &reqwest::Client, id: &Value| c.get(app.url(&format!("/api/v1/kb/articles/{id}")));
    // Visitors: public only; customers add members-only; agents see all, drafts too.
    assert_eq!(get(anon, &public["id"]).status_of().await, 200);
    assert_eq!(get(anon, &members["id"]).status_of().await, 404);
    assert_eq!(get(&customer.client, &members["id"]).status_of().await, 200);
    assert_eq!(
        get(&customer.client, &internal["id"]).status_of().await,
        404
    );
    assert_eq!(get(&customer.client, &draft["id"]).status_of().await, 404);
    assert_eq!(get(a, &internal["id"]).status_of().await, 200);
    assert_eq!(get(a, &draft["id"]).status_of().await, 200);
    // A slug of digits only (a title such as "2031") is still found by its slug.
    let year = create(a, &app, json!({"title": "2031", "body_markdown": "Plans for 2031.", "locale": "en", "status": "published"})).await;
    assert_eq!(year["slug"], "2031");
    let by_digits = anon
        .get(app.url("/api/v1/kb/articles/2031"))
        .json_of()
        .await;
    assert_eq!(by_digits["id"], year["id"]);
    assert_eq!(app.get("/kb/articles/2031").await.status(), 200);
    // By slug too; the Markdown source only for staff.
    let by_slug = anon
        .get(app.url("/api/v1/kb/articles/warranty-claims"))
        .json_of()
        .await;
    assert_eq!(by_slug["id"], public["id"]);
    assert_eq!(by_slug["body_markdown"], Value::Null);
    assert!(
        by_slug["body_html"]
            .as_str()
            .unwrap()
            .contains("<h2 id=\"how-to-claim\">")
    );
    assert_eq!(by_slug["translations"][0]["locale"], "zh-CN");

    // Search: the index follows; each reader finds only what they may read, in either language.
    assert!(found(&app, anon, "quarantined blender", "warranty-claims").await);
    assert!(
        found(&app, anon, "保修", "warranty-claims").await,
        "one hit per article group, shown in the request's language"
    );
    assert!(found(&app, &customer.client, "tangerine", "members-only-pricing").await);
    assert!(!found(&app, anon, "tangerine", "members-only-pricing").await);
    assert!(found(&app, a, "periwinkle", "escalation-playbook").await);
    assert!(!found(&app, &customer.client, "periwinkle", "escalation-playbook").await);
    assert!(
        !found(&app, a, "saffron", "upcoming-changes").await,
        "drafts are not searchable"
    );
    // Demo articles in Chinese and English, and English with a typo.
    assert!(found(&app, anon, "退款", "request-a-refund").await);
    assert!(found(&app, anon, "reset pasword", "reset-your-password").await);
    assert!(found(&app, anon, "recieve refnud", "request-a-refund").await);
    // Hostile queries are just words.
    for q in [
        "\"",
        "title:(",
        "*",
        "<script>",
        "a AND OR NOT",
        "退款 AND refund",
    ] {
        let r = anon
            .get(app.url("/api/v1/kb/search"))
            .query(&[("q", q)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{q}");
    }

    // A new version; then archiving takes it out of reading and search.
    let v2 = a
        .patch(app.url(&format!("/api/v1/kb/articles/{}", public["id"])))
        .json(&json!({"body_markdown": "Send the **serial number** and a photo of the quarantined blender."}))
        .json_of()
        .await;
    assert_eq!(v2["version"], 2);
    assert_eq!(
        a.delete(app.url(&format!("/api/v1/kb/articles/{}", public["id"])))
            .status_of()
            .await,
        204
    );
    assert_eq!(get(anon, &public["id"]).status_of().await, 404);
    // The Chinese version is still published and now the only one of its group in search.
    assert!(found(&app, anon, "保修", zh["slug"].as_str().unwrap()).await);
    assert_eq!(
        a.delete(app.url("/api/v1/kb/articles/999999"))
            .status_of()
            .await,
        404
    );

    // Listing and categories follow the same rules.
    let cats = anon.get(app.url("/api/v1/kb/categories")).json_of().await;
    assert!(cats["items"].as_array().unwrap().len() >= 4);
    let listed = anon
        .get(app.url("/api/v1/kb/articles?limit=100"))
        .json_of()
        .await;
    let slugs: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["slug"].as_str().unwrap())
        .collect();
    assert!(
        !slugs.contains(&"members-only-pricing")
            && !slugs.contains(&"escalation-playbook")
            && !slugs.contains(&"upcoming-changes")
    );
    assert_eq!(
        anon.get(app.url("/api/v1/kb/articles?category=nope"))
            .status_of()
            .await,
        422
    );
    assert_eq!(
        anon.get(app.url("/api/v1/kb/articles?locale=fr"))
            .status_of()
            .await,
        422
    );
    app.stop().await;
}

async fn hostile_markdown_is_inert_everywhere(kind: DbKind) {
    let Some(app) = TestApp::start(kind).await else {
        return;
    };
    let agent = app.client_as(Role::Agent).await;
    let evil = "<script>alert('x')</script>\n\n<img src=x onerror=alert(1)>\n\n[click](javascript:alert(1))\n\n## <b onclick=alert(1)>Heading</b>\n";
    let made = create(&agent.client, &app, json!({"title": "<script>alert('t')</script>", "body_markdown": evil, "locale": "en", "status": "published"})).await;
    let html = made["body_html"].as_str().unwrap().to_lowercase();
    // Raw HTML in Markdown is shown as text: no element, attribute or link of it survives.
    for bad in [
        "<script",
        "<img",
        "<b ",
        "href=\"javascript",
        "src=\"javascript",
    ] {
        assert!(!html.contains(bad), "{bad}: {html}");
    }
    let page = app
        .get(&format!("/kb/articles/{}", made["slug"].as_str().unwrap()))
        .await;
    assert_eq!(page.status(), 200);
    let text = page.text().await.unwrap();
    assert!(!text.contains("<script>alert"), "title and body escaped");
    assert!(text.contains("&lt;script&gt;"));
    app.stop().await;
}

async fn import_is_idempotent(kind: DbKind) {
    use portico_testkit::portico_app::kb::import::{ImportItem, Outcome, import_item};
    let Some(app) = TestApp::start(kind).await else {
        return;
    };
    let item = ImportItem {
        title: "如何修改收货地址".into(),
        body: "在订单页面选择修改地址。".into(),
        locale: Some("zh-CN".into()),
        category: Some("orders".into()),
        external_id: Some("faq-17".into()),
        ..Default::default()
    };
    assert_eq!(
        import_item(&app.app, &item).await.unwrap(),
        Outcome::Created
    );
    assert_eq!(
        import_item(&app.app, &item).await.unwrap(),
        Outcome::Unchanged
    );
    let changed = ImportItem {
        body: "在订单页面选择“修改地址”，然后保存。".into(),
        ..item.clone()
    };
    assert_eq!(
        import_item(&app.app, &changed).await.unwrap(),
        Outcome::Updated
    );
    let a = app
        .client
        .get(app.url("/api/v1/kb/articles/faq-17"))
        .json_of()
        .await;
    assert_eq!(a["version"], 2);
    assert_eq!(a["category"], "orders");
    assert!(
        found(&app, &app.client, "怎么改地址", "faq-17").await,
        "Chinese paraphrase finds it"
    );
    // Language tags as other systems write them are understood; a language Portico does not serve
    // is refused, naming the field, and nothing is written.
    let short_tag = ImportItem {
        title: "退款多久到账".into(),
        body: "一般三到五个工作日。".into(),
        locale: Some("zh".into()),
        external_id: Some("faq-18".into()),
        ..Default::default()
    };
    import_item(&app.app, &short_tag).await.unwrap();
    let a = app
        .client
        .get(app.url("/api/v1/kb/articles/faq-18"))
        .json_of()
        .await;
    assert_eq!(a["locale"], "zh-CN");
    let french = ImportItem {
        title: "Remboursement".into(),
        body: "Trois jours.".into(),
        locale: Some("fr".into()),
        external_id: Some("faq-19".into()),
        ..Default::default()
    };
    let err = import_item(&app.app, &french)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("locale") || err.contains("fr"), "{err}");
    assert_eq!(
        app.client
            .get(app.url("/api/v1/kb/articles/faq-19"))
            .status_of()
            .await,
        404
    );
    app.stop().await;
}

async fn help_centre_pages_in_both_languages(kind: DbKind) {
    let Some(app) = TestApp::start_demo(kind).await else {
        return;
    };
    for lang in ["en", "zh-CN"] {
        for path in [
            "/kb",
            "/kb/categories/returns-refunds",
            "/kb/articles/request-a-refund",
            "/kb/articles/request-a-refund-zh",
        ] {
            let r = app.get_in(path, lang).await;
            assert_eq!(r.status(), 200, "{path} {lang}");
        }
        assert_eq!(app.get_in("/kb/articles/nope", lang).await.status(), 404);
        assert_eq!(app.get_in("/kb/categories/nope", lang).await.status(), 404);
    }
    let zh = app
        .get_in("/kb/categories/returns-refunds", "zh-CN")
        .await
        .text()
        .await
        .unwrap();
    assert!(zh.contains("退货与退款"));
    let article = app
        .get_in("/kb/articles/request-a-refund", "en")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        article.contains("也有中文版"),
        "the other language is offered"
    );
    assert!(article.contains("href=\"/kb/articles/request-a-refund-zh\""));
    let zh_article = app
        .get_in("/kb/articles/request-a-refund-zh", "zh-CN")
        .await
        .text()
        .await
        .unwrap();
    assert!(zh_article.contains("Also in English"));
    assert!(zh_article.contains("lang=\"zh-CN\""));
    app.stop().await;
}

async fn feedback_and_events_count_each_visitor_once(kind: DbKind) {
    use portico_testkit::portico_core::Timestamp;
    use portico_testkit::portico_storage::events;
    let Some(app) = TestApp::start_demo(kind).await else {
        return;
    };
    let as_visitor = |ua: &str| {
        reqwest::Client::builder()
            .user_agent(ua.to_string())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    };
    let (one, two) = (as_visitor("visitor one"), as_visitor("visitor two"));
    let vote = |c: &reqwest::Client, body: Value| {
        c.post(app.url("/api/v1/kb/articles/request-a-refund/feedback"))
            .json(&body)
    };
    let r = vote(&one, json!({"helpful": true})).json_of().await;
    assert_eq!(
        (r["helpful"].as_i64(), r["not_helpful"].as_i64()),
        (Some(1), Some(0))
    );
    // The same visitor changes their mind: still one vote.
    let r = vote(
        &one,
        json!({"helpful": false, "reason": "outdated", "comment": "Prices changed."}),
    )
    .json_of()
    .await;
    assert_eq!(
        (r["helpful"].as_i64(), r["not_helpful"].as_i64()),
        (Some(0), Some(1))
    );
    let r = vote(&two, json!({"helpful": true})).json_of().await;
    assert_eq!(
        (r["helpful"].as_i64(), r["not_helpful"].as_i64()),
        (Some(1), Some(1))
    );
    // Bad answers are named and change nothing.
    for (body, field) in [
        (json!({"helpful": false, "reason": "boring"}), "reason"),
        (json!({"helpful": true, "reason": "outdated"}), "reason"),
        (
            json!({"helpful": false, "comment": "x".repeat(1001)}),
            "comment",
        ),
    ] {
        let r = vote(&two, body).send().await.unwrap();
        assert_eq!(r.status(), 422);
        let p: Value = r.json().await.unwrap();
        assert_eq!(p["errors"][0]["field"], field, "{p}");
    }
    assert_eq!(vote(&one, json!({"helpful": "yes"})).status_of().await, 422);
    assert_eq!(
        one.post(app.url("/api/v1/kb/articles/nope/feedback"))
            .json(&json!({"helpful": true}))
            .status_of()
            .await,
        404
    );

    // The page asks why after a "no", without JavaScript.
    let r = one
        .post(app.url("/kb/articles/request-a-refund/feedback"))
        .form(&[("helpful", "no")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(to, "/kb/articles/request-a-refund?feedback=why#feedback");
    let page = one
        .get(app.url(&to))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("name=\"reason\""));

    // Views and clicks: once per visitor and day.
    let id = app
        .client
        .get(app.url("/api/v1/kb/articles/request-a-refund"))
        .json_of()
        .await["id"]
        .to_string();
    for _ in 0..3 {
        one.get(app.url("/kb/articles/request-a-refund?q=refund"))
            .send()
            .await
            .unwrap();
    }
    two.get(app.url("/kb/articles/request-a-refund"))
        .send()
        .await
        .unwrap();
    let since = Timestamp(0);
    let conn = app.store().conn();
    // Events are queued and written in batches.
    assert!(
        portico_testkit::portico_app::analytics::flush(&app.app, Duration::from_secs(10)).await
    );
    assert_eq!(
        events::count(conn, "article_view", &id, since)
            .await
            .unwrap(),
        2,
        "two visitors, however often they look"
    );
    assert_eq!(
        events::count(conn, "result_click", &id, since)
            .await
            .unwrap(),
        1
    );
    // Searches with nothing found are kept for content upkeep.
    for _ in 0..2 {
        one.get(app.url("/search?q=quokka+insurance"))
            .send()
            .await
            .unwrap();
    }
    two.get(app.url("/api/v1/kb/search?q=Quokka%20insurance"))
        .send()
        .await
        .unwrap();
    assert!(
        portico_testkit::portico_app::analytics::flush(&app.app, Duration::from_secs(10)).await
    );
    let zero = events::top_queries(conn, "search_zero", since, 10)
        .await
        .unwrap();
    assert_eq!(zero, vec![("quokka insurance".to_string(), 2)]);
    app.stop().await;
}

async fn editor_previews_saves_versions_and_restores(kind: DbKind) {
    let Some(app) = TestApp::start_demo(kind).await else {
        return;
    };
    let agent = app.client_as(Role::Agent).await;
    let customer = app.client_as(Role::Customer).await;
    for lang in ["en", "zh-CN"] {
        for path in ["/kb/manage", "/kb/manage/new", "/kb/manage?status=draft"] {
            let r = agent
                .client
                .get(app.url(path))
                .header("accept-language", lang)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{path} {lang}");
        }
    }
    assert_eq!(
        customer.client.get(app.url("/kb/manage")).status_of().await,
        403
    );
    assert_eq!(app.get("/kb/manage").await.status(), 303);
    let form = |title: &str, body: &str, action: &str| {
        vec![
            ("title".to_string(), title.to_string()),
            ("body_markdown".to_string(), body.to_string()),
            ("locale".to_string(), "en".to_string()),
            ("category".to_string(), "orders-delivery".to_string()),
            ("visibility".to_string(), "public".to_string()),
            ("status".to_string(), "published".to_string()),
            ("action".to_string(), action.to_string()),
        ]
    };
    // Preview renders and saves nothing.
    let preview = agent
        .client
        .post(app.url("/kb/manage/new"))
        .form(&form(
            "Parcel lockers",
            "## Where\n\nUse **any** locker.\n\n<script>x</script>",
            "preview",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(preview.status(), 200);
    let html = preview.text().await.unwrap();
    assert!(
        html.contains("<strong>any</strong>") && !html.contains("<script>x"),
        "rendered and inert"
    );
    let none = agent
        .client
        .get(app.url("/api/v1/kb/articles/parcel-lockers"))
        .status_of()
        .await;
    assert_eq!(none, 404);
    // Save, edit, restore.
    let saved = agent
        .client
        .post(app.url("/kb/manage/new"))
        .form(&form("Parcel lockers", "First text.", "save"))
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 303);
    let edit_url = saved.headers()["location"]
        .to_str()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let edited = agent
        .client
        .post(app.url(&edit_url))
        .form(&form("Parcel lockers", "Second text.", "save"))
        .send()
        .await
        .unwrap();
    assert_eq!(edited.status(), 303);
    let a = agent
        .client
        .get(app.url("/api/v1/kb/articles/parcel-lockers"))
        .json_of()
        .await;
    assert_eq!(a["version"], 2);
    let restored = agent
        .client
        .post(app.url(&format!("{edit_url}/restore")))
        .form(&[("version", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(restored.status(), 303);
    let a = agent
        .client
        .get(app.url("/api/v1/kb/articles/parcel-lockers"))
        .json_of()
        .await;
    assert_eq!(a["version"], 3);
    assert_eq!(a["body_markdown"], "First text.");
    assert_eq!(
        agent
            .client
            .post(app.url(&format!("{edit_url}/restore")))
            .form(&[("version", "99")])
            .status_of()
            .await,
        404
    );
    // Bad input comes back on the form, named.
    let bad = agent
        .client
        .post(app.url(&edit_url))
        .form(&form("", "", "save"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    assert!(bad.text().await.unwrap().contains("id=\"kb-title-error\""));
    // A review date: past it, the article needs attention; a bad one is named.
    let due = create(&agent.client, &app, json!({"title": "Holiday opening hours", "body_markdown": "Open on most holidays.", "locale": "en", "status": "published", "review_by": "2020-01-31"})).await;
    assert_eq!(due["review_by"], "2020-01-31");
    let bad = agent
        .client
        .post(app.url("/api/v1/kb/articles"))
        .json(
            &json!({"title": "x", "body_markdown": "y", "locale": "en", "review_by": "31/01/2020"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let upkeep = agent
        .client
        .get(app.url("/kb/manage/upkeep"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        upkeep.contains("Holiday opening hours") && upkeep.contains("2020-01-31"),
        "overdue listed"
    );
    assert_eq!(
        app.client
            .get(app.url(&format!("/api/v1/kb/articles/{}", due["id"])))
            .json_of()
            .await["review_by"],
        Value::Null,
        "only staff see it"
    );
    // Versions compare line by line.
    let cmp = agent
        .client
        .get(app.url(&format!("{edit_url}/compare?from=1&to=2")))
        .send()
        .await
        .unwrap();
    assert_eq!(cmp.status(), 200);
    let html = cmp.text().await.unwrap();
    assert!(
        html.contains("<del>First text.</del>") && html.contains("<ins>Second text.</ins>"),
        "{html}"
    );
    assert_eq!(
        agent
            .client
            .get(app.url(&format!("{edit_url}/compare?from=1&to=9")))
            .status_of()
            .await,
        404
    );
    let page = agent
        .client
        .get(app.url(&edit_url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("/restore"), "versions listed with restore");
    app.stop().await;
}

const PIXEL_PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

fn image_form(name: &str, bytes: Vec<u8>) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
    )
}

async fn images_are_checked_stored_and_served(kind: DbKind) {
    let Some(app) = TestApp::start_demo(kind).await else {
        return;
    };
    let agent = app.client_as(Role::Agent).await;
    let customer = app.client_as(Role::Customer).await;
    let png = portico_testkit::smtp::decode_base64(PIXEL_PNG);
    let up = |c: &reqwest::Client, name: &str, bytes: Vec<u8>| {
        c.post(app.url("/api/v1/kb/files"))
            .multipart(image_form(name, bytes))
    };
    assert_eq!(
        up(&customer.client, "a.png", png.clone()).status_of().await,
        403
    );
    let made = up(&agent.client, "Parcel locker.PNG", png.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), 201);
    let img: Value = made.json().await.unwrap();
    let url = img["url"].as_str().unwrap().to_string();
    assert!(url.ends_with("/parcel-locker.png"), "{url}");
    assert_eq!(img["markdown"], format!("![parcel-locker]({url})"));
    let served = app.get(&url).await;
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "image/png");
    assert!(
        served.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );
    assert_eq!(served.bytes().await.unwrap().to_vec(), png);
    // Only real images, whatever the name says.
    for (name, bytes) in [
        (
            "evil.svg",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>".to_vec(),
        ),
        ("notes.png", b"just text".to_vec()),
        ("empty.png", Vec::new()),
    ] {
        let r = up(&agent.client, name, bytes).send().await.unwrap();
        assert_eq!(r.status(), 422, "{name}");
        let p: Value = r.json().await.unwrap();
        assert_eq!(p["errors"][0]["field"], "file", "{p}");
    }
    assert_eq!(app.get("/kb/files/999999/x.png").await.status(), 404);
    // The address carries a token: the id alone, or a wrong token, finds nothing.
    let (key, _) = url
        .trim_start_matches("/kb/files/")
        .split_once('/')
        .unwrap();
    let (id, token) = key.split_once('-').unwrap();
    assert_eq!(id, img["id"].to_string());
    assert!(token.len() >= 20, "{token}");
    assert_eq!(
        app.get(&format!("/kb/files/{id}/parcel-locker.png"))
            .await
            .status(),
        404
    );
    assert_eq!(
        app.get(&format!("/kb/files/{id}-wrongtoken/parcel-locker.png"))
            .await
            .status(),
        404
    );
    assert_eq!(app.get("/kb/files/abc-def/x.png").await.status(), 404);

    // Files: PDF, CSV and office documents are stored and served as downloads; a larger limit than
    // images, above the general request body limit.
    let mut pdf = b"%PDF-1.7\n".to_vec();
    pdf.resize(3 * 1024 * 1024, b' ');
    let made = up(&agent.client, "Returns form.pdf", pdf.clone())
        .json_of()
        .await;
    assert_eq!(made["content_type"], "application/pdf");
    assert_eq!(made["size"], 3 * 1024 * 1024);
    let pdf_url = made["url"].as_str().unwrap().to_string();
    assert!(pdf_url.ends_with("/returns-form.pdf"), "{pdf_url}");
    assert_eq!(made["markdown"], format!("[returns-form.pdf]({pdf_url})"));
    let served = app.get(&pdf_url).await;
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "application/pdf");
    assert_eq!(
        served.headers()["content-disposition"],
        "attachment; filename=\"returns-form.pdf\""
    );
    assert_eq!(served.bytes().await.unwrap().len(), pdf.len());
    let csv = up(
        &agent.client,
        "rates.csv",
        "zone,price\n1,9.90\n".as_bytes().to_vec(),
    )
    .json_of()
    .await;
    assert_eq!(csv["content_type"], "text/csv; charset=utf-8");
    let docx = up(
        &agent.client,
        "Letter.docx",
        b"PK\x03\x04rest of a document".to_vec(),
    )
    .json_of()
    .await;
    assert!(
        docx["content_type"]
            .as_str()
            .unwrap()
            .contains("wordprocessingml"),
        "{docx}"
    );
    let mut big_image = png.clone();
    big_image.resize(3 * 1024 * 1024, 0);
    let mut huge_pdf = pdf.clone();
    huge_pdf.resize(11 * 1024 * 1024, b' ');
    for (name, bytes) in [
        (
            "page.html",
            b"<!doctype html><script>alert(1)</script>".to_vec(),
        ),
        ("notes.txt", b"<script>alert(1)</script>".to_vec()),
        ("tool.exe", b"MZ\x90\x00\x03".to_vec()),
        ("archive.jar", b"PK\x03\x04xx".to_vec()),
        ("binary.txt", vec![0u8, 1, 2, 3]),
        ("big.png", big_image),
    ] {
        let r = up(&agent.client, name, bytes).send().await.unwrap();
        assert_eq!(r.status(), 422, "{name}");
        let p: Value = r.json().await.unwrap();
        assert_eq!(p["errors"][0]["field"], "file", "{p}");
    }
    // Past the upload limit, the body is refused (413) before it is read: the client may see the
    // answer, or only the connection closing while it still sends.
    match up(&agent.client, "huge.pdf", huge_pdf).send().await {
        Ok(r) => assert_eq!(r.status(), 413),
        Err(e) => assert!(e.is_request(), "{e}"),
    }

    // From the editor page: the image lands at the end of the article as a new version.
    let a = create(&agent.client, &app, json!({"title": "Lockers", "body_markdown": "Use a locker.", "locale": "en", "status": "published"})).await;
    let r = agent
        .client
        .post(app.url(&format!("/kb/manage/{}/images", a["id"])))
        .multipart(image_form("locker.png", png.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let after = agent
        .client
        .get(app.url(&format!("/api/v1/kb/articles/{}", a["id"])))
        .json_of()
        .await;
    assert_eq!(after["version"], 2);
    assert!(
        after["body_html"]
            .as_str()
            .unwrap()
            .contains("<img src=\"/kb/files/"),
        "{after}"
    );
    let bad = agent
        .client
        .post(app.url(&format!("/kb/manage/{}/images", a["id"])))
        .multipart(image_form("x.gif", b"GIF".to_vec()))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    app.stop().await;
}

/// Two nodes on one PostgreSQL database, each with its own index: an article saved on A is found on B
/// within two seconds.
async fn an_article_saved_on_one_node_is_found_on_another(kind: DbKind) {
    let Some(a) = TestApp::start(kind).await else {
        return;
    };
    let dir_b = tempfile::tempdir().unwrap();
    let mut settings = portico_testkit::test_settings(&a.db, &Default::default());
    settings.raw.data_dir = dir_b.path().to_path_buf();
    let b = portico::server::start(&settings, portico::server::StartOptions::default())
        .await
        .unwrap();
    let b_url = format!("http://{}", b.addr);
    let agent = a.client_as(Role::Agent).await;
    let made = create(&agent.client, &a, json!({"title": "Heliotrope vouchers", "body_markdown": "Redeem heliotrope vouchers at checkout.", "locale": "en", "status": "published"})).await;
    let saved = std::time::Instant::now();
    let mut found_at = None;
    while saved.elapsed() < Duration::from_secs(2) {
        let r: Value = a
            .client
            .get(format!("{b_url}/api/v1/kb/search?q=heliotrope"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if r["items"].as_array().is_some_and(|i| !i.is_empty()) {
            found_at = Some(saved.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        found_at.is_some(),
        "node B did not find the article within 2 s"
    );
    // B keeps the page in memory; a new version saved on A reaches B's page as it reaches B's index.
    let page_on_b = |path: &'static str| a.client.get(format!("{b_url}{path}")).text_of();
    assert!(
        page_on_b("/kb/articles/heliotrope-vouchers")
            .await
            .contains("at checkout")
    );
    agent
        .client
        .patch(a.url(&format!("/api/v1/kb/articles/{}", made["id"])))
        .json(&json!({"body_markdown": "Redeem heliotrope vouchers in the app."}))
        .json_of()
        .await;
    let changed = std::time::Instant::now();
    let mut fresh = false;
    while changed.elapsed() < Duration::from_secs(2) {
        if page_on_b("/kb/articles/heliotrope-vouchers")
            .await
            .contains("in the app")
        {
            fresh = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(fresh, "node B still showed the old version after 2 s");
    b.stop().await;
    a.stop().await;
}

portico_testkit::postgres_only!(an_article_saved_on_one_node_is_found_on_another);

async fn administrators_manage_topics(kind: DbKind) {
    let Some(app) = TestApp::start_demo(kind).await else {
        return;
    };
    let admin = app.client_as(Role::Admin).await;
    let agent = app.client_as(Role::Agent).await;
    for lang in ["en", "zh-CN"] {
        let r = admin
            .client
            .get(app.url("/kb/manage/categories"))
            .header("accept-language", lang)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{lang}");
    }
    assert_eq!(
        agent
            .client
            .get(app.url("/kb/manage/categories"))
            .status_of()
            .await,
        403
    );
    let save = |fields: &[(&str, &str)]| {
        admin.client.post(app.url("/kb/manage/categories")).form(
            &fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Vec<_>>(),
        )
    };
    let bad = save(&[
        ("slug", "Not OK"),
        ("name_en", ""),
        ("name_zh", "x"),
        ("icon", "rocket"),
        ("position", "-3"),
    ])
    .send()
    .await
    .unwrap();
    assert_eq!(bad.status(), 422);
    let html = bad.text().await.unwrap();
    for f in ["slug", "name_en", "icon", "position"] {
        assert!(html.contains(&format!("id=\"cat-{f}-error\"")), "{f}");
    }
    let ok = save(&[
        ("slug", "gift-cards"),
        ("name_en", "Gift cards"),
        ("name_zh", "礼品卡"),
        ("icon", "document"),
        ("position", "0"),
    ])
    .send()
    .await
    .unwrap();
    assert_eq!(ok.status(), 303);
    // Renaming keeps the slug; the new topic comes first and speaks the reader's language.
    save(&[
        ("slug", "gift-cards"),
        ("name_en", "Gift cards and vouchers"),
        ("name_zh", "礼品卡与代金券"),
        ("icon", "document"),
        ("position", "0"),
    ])
    .send()
    .await
    .unwrap();
    let zh = app
        .client
        .get(app.url("/api/v1/kb/categories"))
        .header("accept-language", "zh-CN")
        .json_of()
        .await;
    assert_eq!(zh["items"][0]["name"], "礼品卡与代金券", "{zh}");
    app.stop().await;
}

/// Two people edit the same article: the second save, made from the older version, is refused as a
/// conflict (API 409 naming `base_version`; the editor keeps the text and says what happened), and
/// nothing the first person saved is lost.
async fn an_edit_from_an_old_version_is_a_conflict(kind: DbKind) {
    let Some(app) = TestApp::start(kind).await else {
        return;
    };
    let agent = app.client_as(Role::Agent).await;
    let a = &agent.client;
    let created = create(
        a,
        &app,
        json!({"title": "Opening hours", "body_markdown": "Weekdays.", "locale": "en", "status": "published"}),
    )
    .await;
    let id = created["id"].as_i64().unwrap();
    let url = app.url(&format!("/api/v1/kb/articles/{id}"));
    // Both start from version 1; the first save wins.
    let first = a
        .patch(&url)
        .json(&json!({"body_markdown": "Weekdays 9 to 5.", "base_version": 1}))
        .json_of()
        .await;
    assert_eq!(first["version"], 2);
    let r = a
        .patch(&url)
        .json(&json!({"body_markdown": "Every day.", "base_version": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let problem: Value = r.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "base_version", "{problem}");
    let now = a.get(&url).json_of().await;
    assert_eq!(now["body_markdown"], "Weekdays 9 to 5.");
    assert_eq!(now["version"], 2);
    // A malformed base version is a clear 422, never a 500.
    let r = a
        .patch(&url)
        .json(&json!({"title": "x", "base_version": "two"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    // The editor form carries the version it was opened on; a stale one keeps the text on the page.
    let page = a
        .get(app.url(&format!("/kb/manage/{id}")))
        .send()
        .await
        .unwrap();
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"name="base_version" value="2""#));
    let stale = a
        .post(app.url(&format!("/kb/manage/{id}")))
        .form(&[
            ("title", "Opening hours"),
            ("body_markdown", "My late edit."),
            ("locale", "en"),
            ("category", ""),
            ("visibility", "public"),
            ("status", "published"),
            ("base_version", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 409);
    let html = stale.text().await.unwrap();
    assert!(html.contains("My late edit."));
    assert!(html.contains("Someone saved this article after you opened it"));
    // Without a base version (older clients), the save applies to the latest version.
    let r = a
        .patch(&url)
        .json(&json!({"title": "Opening hours of the desk"}))
        .json_of()
        .await;
    assert_eq!(r["version"], 3);
    assert_eq!(r["body_markdown"], "Weekdays 9 to 5.");
}

/// Articles for one organisation reach its members and staff only, in reading, lists and search; the
/// organisation is checked and named; bad combinations are refused naming the field.
async fn organisation_articles_reach_only_their_members(kind: DbKind) {
    let Some(app) = TestApp::start_demo(kind).await else {
        return;
    };
    let admin = app.client_as(Role::Admin).await;
    let a = &admin.client;
    let member = app.client_as(Role::Customer).await;
    let outsider = app.client_as(Role::Customer).await;
    let org = a
        .post(app.url("/api/v1/admin/organizations"))
        .json(&json!({"name": "Harbour Logistics"}))
        .json_of()
        .await;
    let org_id = org["id"].as_i64().unwrap();
    assert_eq!(
        a.put(app.url(&format!(
            "/api/v1/admin/organizations/{org_id}/members/{}",
            member.account.id
        )))
        .json(&json!({}))
        .status_of()
        .await,
        204
    );
    // By slug, and by id with the visibility implied.
    let by_slug = create(a, &app, json!({"title": "Harbour contract rates", "body_markdown": "The marigold freight rates of your contract.", "locale": "en", "status": "published", "category": "orders-delivery", "visibility": "organization", "organization": org["slug"]})).await;
    assert_eq!(by_slug["visibility"], "organization");
    assert_eq!(by_slug["organization"], org["slug"]);
    let by_id = create(a, &app, json!({"title": "Harbour escalation contacts", "body_markdown": "Call the cobalt desk.", "locale": "en", "status": "published", "organization": org_id})).await;
    assert_eq!(by_id["visibility"], "organization");

    let get = |c: &reqwest::Client, id: &Value| {
        c.get(app.url(&format!("/api/v1/kb/articles/{id}")))
            .status_of()
    };
    assert_eq!(get(&member.client, &by_slug["id"]).await, 200);
    assert_eq!(get(&outsider.client, &by_slug["id"]).await, 404);
    assert_eq!(get(&app.client, &by_slug["id"]).await, 404);
    assert_eq!(get(a, &by_slug["id"]).await, 200);
    let page = |c: &reqwest::Client| {
        c.get(app.url("/kb/articles/harbour-contract-rates"))
            .status_of()
    };
    assert_eq!(page(&member.client).await, 200);
    assert_eq!(page(&outsider.client).await, 404);
    // Search: members and staff find it; others do not.
    assert!(
        found(
            &app,
            &member.client,
            "marigold freight",
            "harbour-contract-rates"
        )
        .await
    );
    assert!(found(&app, a, "marigold freight", "harbour-contract-rates").await);
    assert!(
        !found(
            &app,
            &outsider.client,
            "marigold freight",
            "harbour-contract-rates"
        )
        .await
    );
    assert!(
        !found(
            &app,
            &app.client,
            "marigold freight",
            "harbour-contract-rates"
        )
        .await
    );
    // Lists and topic counts follow the same rule.
    let listed = |c: &reqwest::Client| {
        c.get(app.url("/api/v1/kb/articles?category=orders-delivery&limit=100"))
            .json_of()
    };
    let has = |v: &Value| {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["slug"] == "harbour-contract-rates")
    };
    assert!(has(&listed(&member.client).await));
    assert!(!has(&listed(&outsider.client).await));

    // Leaving the organisation ends access at once.
    assert_eq!(
        a.delete(app.url(&format!(
            "/api/v1/admin/organizations/{org_id}/members/{}",
            member.account.id
        )))
        .status_of()
        .await,
        204
    );
    assert_eq!(get(&member.client, &by_slug["id"]).await, 404);

    // Making it public clears the organisation.
    let public = a
        .patch(app.url(&format!("/api/v1/kb/articles/{}", by_id["id"])))
        .json(&json!({"visibility": "public"}))
        .json_of()
        .await;
    assert_eq!(public["visibility"], "public");
    assert_eq!(public["organization"], Value::Null);
    assert_eq!(get(&outsider.client, &by_id["id"]).await, 200);

    // Bad combinations name the field.
    for (body, field) in [
        (
            json!({"title": "x", "body_markdown": "y", "locale": "en", "visibility": "organization"}),
            "organization",
        ),
        (
            json!({"title": "x", "body_markdown": "y", "locale": "en", "organization": "no-such-org"}),
            "organization",
        ),
        (
            json!({"title": "x", "body_markdown": "y", "locale": "en", "organization": 999999}),
            "organization",
        ),
        (
            json!({"title": "x", "body_markdown": "y", "locale": "en", "visibility": "public", "organization": org_id}),
            "organization",
        ),
    ] {
        let r = a
            .post(app.url("/api/v1/kb/articles"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{body}");
        let p: Value = r.json().await.unwrap();
        assert_eq!(p["errors"][0]["field"], field, "{body}: {p}");
    }
    app.stop().await;
}

/// Search within one topic (API and page), the page when nothing matches, and the most read articles.
async fn topic_filter_no_results_page_and_most_read(kind: DbKind) {
    let Some(app) = TestApp::start_demo(kind).await else {
        return;
    };
    let anon = &app.client;
    let slugs = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["slug"].as_str().unwrap().to_string())
            .collect()
    };
    let search = |q: &'static str, category: &'static str| {
        anon.get(app.url("/api/v1/kb/search"))
            .query(&[("q", q), ("category", category)])
    };
    // Wait for the index to hold the demo.
    assert!(found(&app, anon, "refund", "request-a-refund").await);
    let everywhere = slugs(&search("refund", "").json_of().await);
    assert!(everywhere.contains(&"request-a-refund".to_string()));
    let in_returns = search("refund", "returns-refunds").json_of().await;
    assert!(slugs(&in_returns).contains(&"request-a-refund".to_string()));
    let returns_topic = anon
        .get(app.url("/api/v1/kb/articles?category=returns-refunds&limit=100"))
        .json_of()
        .await;
    let in_topic = slugs(&returns_topic);
    assert!(
        slugs(&in_returns).iter().all(|s| in_topic.contains(s)),
        "only the topic's articles: {in_returns}"
    );
    let elsewhere = search("refund", "account-security").json_of().await;
    assert!(!slugs(&elsewhere).contains(&"request-a-refund".to_string()));
    let unknown = search("refund", "no-such-topic").send().await.unwrap();
    assert_eq!(unknown.status(), 422);
    let p: Value = unknown.json().await.unwrap();
    assert_eq!(p["errors"][0]["field"], "category");

    // The page: a topic select that keeps the choice, and results within it.
    let page = app.get("/search?q=refund&category=returns-refunds").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("name=\"category\""), "{html}");
    assert!(html.contains("value=\"returns-refunds\" selected"));
    assert!(html.contains("/kb/articles/request-a-refund"));
    // An unknown topic in an old link searches everything.
    assert_eq!(
        app.get("/search?q=refund&category=gone").await.status(),
        200
    );

    // Some visitors read two articles; the most read come first on the help centre and when nothing
    // matches.
    for (i, slug) in [
        "reset-your-password",
        "reset-your-password",
        "reset-your-password",
        "request-a-refund",
    ]
    .iter()
    .enumerate()
    {
        let visitor = reqwest::Client::builder()
            .user_agent(format!("reader {i}"))
            .build()
            .unwrap();
        assert_eq!(
            visitor
                .get(app.url(&format!("/kb/articles/{slug}")))
                .status_of()
                .await,
            200
        );
    }
    assert!(
        portico_testkit::portico_app::analytics::flush(&app.app, Duration::from_secs(10)).await
    );
    let none = app
        .get("/search?q=zzqxv+wobblegarth")
        .await
        .text()
        .await
        .unwrap();
    assert!(none.contains("Most read articles"), "{none}");
    assert!(
        none.contains("href=\"/requests/new\""),
        "submit a request instead"
    );
    let first = none.find("/kb/articles/reset-your-password").unwrap();
    let second = none.find("/kb/articles/request-a-refund").unwrap();
    assert!(first < second, "most read first");
    // Visitors are not offered to write the missing article; agents are.
    assert!(!none.contains("/kb/manage/new?title="));
    let agent = app.client_as(Role::Agent).await;
    let for_agent = agent
        .client
        .get(app.url("/search?q=zzqxv+wobblegarth"))
        .text_of()
        .await;
    assert!(
        for_agent.contains("/kb/manage/new?title=zzqxv"),
        "{for_agent}"
    );
    let index = app.get("/kb").await.text().await.unwrap();
    assert!(index.contains("kb-popular"));
    // In Chinese too.
    let zh_none = app
        .get_in("/search?q=zzqxv", "zh-CN")
        .await
        .text()
        .await
        .unwrap();
    assert!(zh_none.contains("阅读最多的文章"), "{zh_none}");
    app.stop().await;
}

both!(
    organisation_articles_reach_only_their_members,
    topic_filter_no_results_page_and_most_read,
    an_edit_from_an_old_version_is_a_conflict,
    administrators_manage_topics,
    images_are_checked_stored_and_served,
    editor_previews_saves_versions_and_restores,
    feedback_and_events_count_each_visitor_once,
    visibility_writing_and_search,
    hostile_markdown_is_inert_everywhere,
    import_is_idempotent,
    help_centre_pages_in_both_languages,
);
