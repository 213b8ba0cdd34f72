//! A request in headless Chromium, axe clean: at phone width in Chinese a customer picks "refund" from
//! the catalogue, goes through the form's steps (the photo appears only for damaged goods), sends it
//! with a photo, sees an agent's reply arrive live, confirms the resolution and rates it.

use fantoccini::Locator;
use portico_testkit::browser::{Browser, DESKTOP, PHONE};
use portico_testkit::portico_core::Role;
use portico_testkit::{DbKind, Fetch, TestApp, both};
use serde_json::json;

/// Waits until the current address contains `part` (after a form's redirect).
async fn wait_for_url(b: &Browser, part: &str) {
    for _ in 0..200 {
        if b.client
            .current_url()
            .await
            .is_ok_and(|u| u.as_str().contains(part))
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the address never contained {part}");
}

async fn shown(b: &Browser, css: &str) -> bool {
    match b.client.find(Locator::Css(css)).await {
        Ok(el) => el.is_displayed().await.unwrap_or(false),
        Err(_) => false,
    }
}

async fn a_customer_asks_for_a_refund_in_steps_and_rates_the_answer(kind: DbKind) {
    let Some(app) = TestApp::start_demo(kind).await else {
        return;
    };
    let Some(b) = Browser::start().await else {
        return;
    };
    b.resize(PHONE).await;
    // 陈伟, a demo customer who reads Chinese.
    b.sign_in(
        &app.url(""),
        "chen.wei@demo.example.com",
        "demo-customer-2026",
        "/requests/new",
    )
    .await;
    b.wait_for("a[href=\"/requests/new/refund\"]").await;
    b.use_language("zh-CN").await;
    b.assert_accessible("catalogue (zh-CN)").await;
    b.screenshot("requests-catalogue-zh-CN").await;
    assert!(
        !b.scrolls_horizontally().await,
        "the catalogue fits a phone"
    );

    b.click("a[href=\"/requests/new/refund\"]").await;
    b.wait_for(".request-progress").await;
    b.assert_accessible("request form, step 1").await;
    b.screenshot("requests-form-step1-zh-CN").await;
    b.type_into("#req-subject", "外套拉链坏了").await;
    b.type_into("input[name=\"f.order_number\"]", "ORD-2026-0042")
        .await;
    b.click(".request-actions button.button-primary[type=\"button\"]")
        .await;
    // Step 2: the photo is asked for only when the goods arrived damaged.
    b.wait_for("select[name=\"f.reason\"]").await;
    assert!(!shown(&b, "input[name=\"f.photo\"]").await);
    b.client
        .find(Locator::Css("select[name=\"f.reason\"]"))
        .await
        .unwrap()
        .select_by_value("damaged")
        .await
        .unwrap();
    assert!(
        shown(&b, "input[name=\"f.photo\"]").await,
        "damaged: the photo field appears"
    );
    let png = portico_testkit::smtp::decode_base64(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("zipper.png");
    std::fs::write(&file, png).unwrap();
    b.client
        .find(Locator::Css("input[name=\"f.photo\"]"))
        .await
        .unwrap()
        .send_keys(file.to_str().unwrap())
        .await
        .unwrap();
    b.assert_accessible("request form, step 2").await;
    b.click(".request-actions button.button-primary[type=\"button\"]")
        .await;
    // Step 3, then send.
    b.wait_for("input[name=\"f.amount\"]").await;
    b.type_into("input[name=\"f.amount\"]", "129").await;
    b.click(".request-actions button[type=\"submit\"]").await;
    b.wait_for(".notice-success").await;
    b.assert_accessible("request page after sending").await;
    b.screenshot("requests-sent-zh-CN").await;
    let url = b.client.current_url().await.unwrap().to_string();
    let reference = url
        .split("/requests/")
        .nth(1)
        .and_then(|s| s.split('?').next())
        .unwrap()
        .to_string();

    // The page follows the request (its event stream is open); an agent answers and resolves it
    // through the API, as another session.
    b.wait_for("[data-live-state=\"open\"]").await;
    let agent = app.client_as(Role::Agent).await;
    let r = agent
        .client
        .get(app.url(&format!("/api/v1/requests/{reference}")))
        .json_of()
        .await;
    assert_eq!(r["files"][0]["name"], "zipper.png", "{r}");
    let id = r["id"].as_i64().unwrap();
    agent
        .client
        .post(app.url(&format!("/api/v1/requests/{id}/comments")))
        .json(&json!({"body": "已为您办理退款，请注意查收。"}))
        .send()
        .await
        .unwrap();
    agent
        .client
        .post(app.url(&format!("/api/v1/requests/{id}/transitions")))
        .json(&json!({"to": "resolved"}))
        .send()
        .await
        .unwrap();
    // The open page shows the reply and the new status without a reload.
    b.wait_for(".timeline-comment").await;
    b.wait_for("form[action$=\"/transition\"] input[value=\"closed\"]")
        .await;
    // Confirm, then rate.
    b.click("form[action$=\"/transition\"] input[value=\"closed\"] ~ button")
        .await;
    // The page before showed a notice and the rating form too: wait for the page the move leads to.
    wait_for_url(&b, "done=moved").await;
    b.wait_for(".notice-success").await;
    b.click("input[name=\"score\"][value=\"5\"]").await;
    b.type_into("#req-rating-comment", "很快就解决了").await;
    b.click("form[action$=\"/rating\"] button[type=\"submit\"]")
        .await;
    b.wait_for("#request-rated").await;
    b.assert_accessible("request page, rated").await;
    b.screenshot("requests-rated-zh-CN").await;
    // My requests, with the one just rated among them.
    b.client.goto(&app.url("/requests")).await.unwrap();
    b.wait_for(&format!(".request-card a[href=\"/requests/{reference}\"]"))
        .await;
    b.assert_accessible("my requests (zh-CN, phone)").await;
    b.screenshot("requests-mine-zh-CN").await;
    assert!(
        !b.scrolls_horizontally().await,
        "the request page fits a phone"
    );
    b.close().await;
    app.stop().await;
}

both!(
    a_customer_asks_for_a_refund_in_steps_and_rates_the_answer,
    an_organisation_manager_narrows_my_requests_to_one_requester
);

async fn select(b: &Browser, css: &str, value: &str) {
    b.client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .select_by_value(value)
        .await
        .unwrap();
}

/// Emma manages Acme's people and sees all of Acme's requests: My requests offers "Requested by", on a
/// phone in English and on a wide screen in Chinese; choosing herself keeps the status filter links.
async fn an_organisation_manager_narrows_my_requests_to_one_requester(kind: DbKind) {
    let Some(app) = TestApp::start_demo(kind).await else {
        return;
    };
    let Some(b) = Browser::start().await else {
        return;
    };
    b.resize(PHONE).await;
    b.sign_in(
        &app.url(""),
        "emma.jones@demo.example.com",
        "demo-customer-2026",
        "/requests",
    )
    .await;
    b.wait_for("select#requester").await;
    b.assert_accessible("my requests with a requester choice (en, phone)")
        .await;
    b.screenshot("requests-mine-requester-en").await;
    assert!(!b.scrolls_horizontally().await, "the filter fits a phone");
    select(&b, "select#requester", "me").await;
    b.click("form.filters button[type=\"submit\"]").await;
    wait_for_url(&b, "requester=me").await;
    b.wait_for("a[href=\"/requests?status=open&requester=me\"]")
        .await;
    b.use_language("zh-CN").await;
    b.resize(DESKTOP).await;
    b.client.goto(&app.url("/requests")).await.unwrap();
    b.wait_for("select#requester").await;
    b.assert_accessible("my requests with a requester choice (zh-CN, desktop)")
        .await;
    b.screenshot("requests-mine-requester-zh-CN").await;
    b.close().await;
    app.stop().await;
}

/// In Chinese, an administrator builds a request type in the form builder (a choice, and a field
/// shown only for one answer), previews it and saves it; a customer then submits it.
async fn an_administrator_builds_a_request_type_and_a_customer_submits_it(kind: DbKind) {
    let Some(app) = TestApp::start_demo(kind).await else {
        return;
    };
    let Some(b) = Browser::start().await else {
        return;
    };
    b.sign_in(
        &app.url(""),
        "wang.fang@demo.example.com",
        "demo-admin-2026",
        "/admin/catalog/new",
    )
    .await;
    b.wait_for("#cat-name_en").await;
    b.use_language("zh-CN").await;
    b.assert_accessible("form builder (zh-CN)").await;
    b.type_into("#cat-key", "parking").await;
    b.type_into("#cat-name_en", "Parking permit").await;
    b.type_into("#cat-name_zh", "停车许可").await;
    b.type_into("#cat-category_en", "IT and workplace").await;
    b.type_into("#cat-category_zh", "IT 与办公").await;
    select(&b, "#cat-new_kind", "select").await;
    b.click("button[name=\"action\"][value=\"add_field\"]")
        .await;
    b.wait_for("#f-0-options").await;
    b.type_into("#f-0-key", "vehicle").await;
    b.type_into("#f-0-label_en", "Vehicle").await;
    b.type_into("#f-0-label_zh", "车辆").await;
    b.click("input[name=\"field.0.required\"]").await;
    b.type_into(
        "#f-0-options",
        "car | Car | 小汽车\nbike | Motorbike | 摩托车",
    )
    .await;
    select(&b, "#cat-new_kind", "text").await;
    b.click("button[name=\"action\"][value=\"add_field\"]")
        .await;
    b.wait_for("#f-1-when_field").await;
    b.type_into("#f-1-key", "plate").await;
    b.type_into("#f-1-label_en", "Number plate").await;
    b.type_into("#f-1-label_zh", "车牌号").await;
    b.click("input[name=\"field.1.required\"]").await;
    select(&b, "#f-1-when_field", "vehicle").await;
    b.type_into("#f-1-when_value", "car").await;
    b.click("button[name=\"action\"][value=\"preview\"]").await;
    b.wait_for("#cat-preview").await;
    b.wait_for(".builder-preview select[name=\"f.vehicle\"]")
        .await;
    b.assert_accessible("form builder with preview").await;
    b.screenshot("requests-builder-zh-CN").await;
    b.click("button[name=\"action\"][value=\"save\"]").await;
    b.wait_for("a[href=\"/admin/catalog/parking\"]").await;
    // The queue (administrators work it too), with the demo's requests.
    b.client.goto(&app.url("/agent/queue")).await.unwrap();
    b.wait_for(".data-table a[href^=\"/requests/REQ-\"]").await;
    b.assert_accessible("request queue (zh-CN)").await;
    // Agents read the customer's turn as the customer's, not as their own.
    b.wait_for(".data-table .badge-warning").await;
    let waiting = b
        .client
        .find(Locator::Css(".data-table .badge-warning"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(waiting, "等待客户回复");
    b.screenshot("requests-queue-zh-CN").await;

    // A customer submits it, in Chinese: the plate is asked for a car.
    b.click(".account-toggle").await;
    b.click("form[action=\"/logout\"] button").await;
    b.wait_for("a[href=\"/login\"]").await;
    b.sign_in(
        &app.url(""),
        "chen.wei@demo.example.com",
        "demo-customer-2026",
        "/requests/new/parking",
    )
    .await;
    b.wait_for("select[name=\"f.vehicle\"]").await;
    b.type_into("#req-subject", "申请地下车位").await;
    select(&b, "select[name=\"f.vehicle\"]", "car").await;
    b.wait_for("input[name=\"f.plate\"]").await;
    b.type_into("input[name=\"f.plate\"]", "京A12345").await;
    b.click(".request-actions button[type=\"submit\"]").await;
    b.wait_for(".notice-success").await;
    b.assert_accessible("the new type's request").await;
    b.close().await;
    app.stop().await;
}

both!(an_administrator_builds_a_request_type_and_a_customer_submits_it);
