//! The catalogue and requests through the API, on both engines: request types and their form versions,
//! submitting with validation and idempotency, who sees which request, internal notes, transitions,
//! rating, attachments and mail.

use std::time::Duration;

use portico_testkit::portico_core::Role;
use portico_testkit::smtp::SmtpSink;
use portico_testkit::{DbKind, Fetch, SignedIn, TestApp, TestOptions, both};
use serde_json::{Value, json};

/// A refund form: a reason that decides whether a photo is required, an amount and a date.
fn refund_type(key: &str) -> Value {
    json!({
        "key": key,
        "name": {"en": "Refund", "zh-CN": "退款"},
        "description": {"en": "Money back for an order", "zh-CN": "为订单申请退款"},
        "category": {"en": "Orders", "zh-CN": "订单"},
        "icon": "refund",
        "audience": "customers",
        "form": {
            "sections": [{"key": "order", "title": {"en": "Order", "zh-CN": "订单"}}],
            "fields": [
                {"key": "order_number", "label": {"en": "Order number", "zh-CN": "订单号"}, "type": "reference", "required": true, "section": "order"},
                {"key": "reason", "label": "Reason", "type": "select", "required": true,
                 "options": [{"value": "damaged", "label": "Damaged"}, {"value": "changed_mind", "label": "Changed my mind"}]},
                {"key": "photo", "label": "Photo", "type": "file", "required": true, "max": 2,
                 "visible_if": {"field": "reason", "equals": "damaged"}},
                {"key": "amount", "label": "Amount", "type": "money", "currency": "CNY", "min": 0.01, "max": 5000},
                {"key": "bought_on", "label": "Bought on", "type": "date"}
            ]
        }
    })
}

fn fields(p: &Value) -> Vec<String> {
    p["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["field"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

async fn post(c: &reqwest::Client, app: &TestApp, path: &str, body: Value) -> (u16, Value) {
    let r = c.post(app.url(path)).json(&body).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn define(app: &TestApp, admin: &SignedIn, key: &str) {
    let (s, body) = post(&admin.client, app, "/api/v1/catalog", refund_type(key)).await;
    assert_eq!(s, 201, "{body}");
}

async fn catalogue_is_defined_by_administrators_and_forms_are_versioned(kind: DbKind) {
    let Some(app) = TestApp::start(kind).await else {
        return;
    };
    let admin = app.client_as(Role::Admin).await;
    let customer = app.client_as(Role::Customer).await;
    // Only administrators define types.
    let (s, _) = post(
        &customer.client,
        &app,
        "/api/v1/catalog",
        refund_type("refund"),
    )
    .await;
    assert_eq!(s, 403);
    let (s, made) = post(
        &admin.client,
        &app,
        "/api/v1/catalog",
        refund_type("refund"),
    )
    .await;
    assert_eq!(s, 201, "{made}");
    assert_eq!(made["version"], 1);
    let (s, p) = post(
        &admin.client,
        &app,
        "/api/v1/catalog",
        refund_type("refund"),
    )
    .await;
    assert_eq!((s, fields(&p)), (409, vec!["key".to_string()]));
    // A broken form names the part that is wrong, and nothing is saved.
    let mut bad = refund_type("broken");
    bad["form"]["fields"][1]["options"] = json!([]);
    bad["form"]["fields"][2]["visible_if"] = json!({"field": "later", "equals": "x"});
    let (s, p) = post(&admin.client, &app, "/api/v1/catalog", bad).await;
    assert_eq!(s, 422);
    let f = fields(&p);
    assert!(f.contains(&"form.fields[1].options".to_string()), "{f:?}");
    assert!(
        f.contains(&"form.fields[2].visible_if.field".to_string()),
        "{f:?}"
    );
    let mut unknown = refund_type("unknown");
    unknown["form"]["fields"][0]["type"] = json!("colour");
    let (s, _) = post(&admin.client, &app, "/api/v1/catalog", unknown).await;
    assert_eq!(s, 422);
    // Customers see it in their language; visitors do not (it is for signed-in customers).
    let zh = customer
        .client
        .get(app.url("/api/v1/catalog"))
        .header("accept-language", "zh-CN")
        .json_of()
        .await;
    let items = zh["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{zh}");
    assert_eq!(items[0]["name"], "退款");
    assert_eq!(items[0]["form"]["fields"][0]["label"]["zh-CN"], "订单号");
    let anon = app.client.get(app.url("/api/v1/catalog")).json_of().await;
    assert_eq!(anon["items"].as_array().unwrap().len(), 0);
    // A request made now keeps form version 1 after the form changes.
    let (s, r) = post(&customer.client, &app, "/api/v1/requests", json!({"type": "refund", "subject": "Wrong size", "fields": {"order_number": "ORD-1", "reason": "changed_mind"}})).await;
    assert_eq!(s, 201, "{r}");
    let mut form = refund_type("refund")["form"].clone();
    form["fields"]
        .as_array_mut()
        .unwrap()
        .push(json!({"key": "iban", "label": "IBAN", "type": "text", "required": true}));
    let changed = admin
        .client
        .patch(app.url("/api/v1/catalog/refund"))
        .json(&json!({"form": form}))
        .json_of()
        .await;
    assert_eq!(changed["version"], 2, "{changed}");
    let old = customer
        .client
        .get(app.url(&format!("/api/v1/requests/{}", r["id"])))
        .json_of()
        .await;
    assert_eq!(old["form_version"], 1);
    // New requests need the new field.
    let (s, p) = post(&customer.client, &app, "/api/v1/requests", json!({"type": "refund", "subject": "Again", "fields": {"order_number": "ORD-2", "reason": "changed_mind"}})).await;
    assert_eq!((s, fields(&p)), (422, vec!["fields.iban".to_string()]));
    // Deactivated: gone from the catalogue and refused.
    admin
        .client
        .patch(app.url("/api/v1/catalog/refund"))
        .json(&json!({"active": false}))
        .json_of()
        .await;
    let list = customer
        .client
        .get(app.url("/api/v1/catalog"))
        .json_of()
        .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    let (s, p) = post(
        &customer.client,
        &app,
        "/api/v1/requests",
        json!({"type": "refund", "subject": "x", "fields": {}}),
    )
    .await;
    assert_eq!((s, fields(&p)), (422, vec!["type".to_string()]));
    app.stop().await;
}

async fn submitting_validates_every_field_and_is_idempotent(kind: DbKind) {
    let Some(app) = TestApp::start(kind).await else {
        return;
    };
    let admin = app.client_as(Role::Admin).await;
    define(&app, &admin, "refund").await;
    let customer = app.client_as(Role::Customer).await;
    let c = &customer.client;
    let submit = |body: Value| post(c, &app, "/api/v1/requests", body);
    // Every problem at once, each named; nothing is made.
    let (s, p) = submit(json!({"type": "refund", "subject": "", "fields": {
        "order_number": "ORD 1; DROP TABLE", "reason": "bored", "amount": "12.345", "bought_on": "2026-02-30", "coupon": "FREE"
    }}))
    .await;
    assert_eq!(s, 422);
    let mut f = fields(&p);
    f.sort();
    assert_eq!(
        f,
        vec![
            "fields.amount",
            "fields.bought_on",
            "fields.coupon",
            "fields.order_number",
            "fields.reason",
            "subject"
        ]
    );
    let (s, p) = submit(json!({"type": "nope", "subject": "x", "fields": {}})).await;
    assert_eq!((s, fields(&p)), (422, vec!["type".to_string()]));
    let (s, p) = submit(json!({"type": "refund", "subject": "x".repeat(201), "fields": {"order_number": "A", "reason": "changed_mind"}})).await;
    assert_eq!((s, fields(&p)), (422, vec!["subject".to_string()]));
    // A one-megabyte subject is refused before it is read.
    let huge = c
        .post(app.url("/api/v1/requests"))
        .json(&json!({"type": "refund", "subject": "x".repeat(1_100_000), "fields": {}}))
        .send()
        .await;
    match huge {
        Ok(r) => assert_eq!(r.status(), 413),
        Err(e) => assert!(e.is_request(), "{e}"),
    }
    // Damaged needs a photo; the photo must be one this customer uploaded.
    let (s, p) = submit(json!({"type": "refund", "subject": "Cracked", "fields": {"order_number": "A", "reason": "damaged"}})).await;
    assert_eq!((s, fields(&p)), (422, vec!["fields.photo".to_string()]));
    let (s, p) = submit(json!({"type": "refund", "subject": "Cracked", "fields": {"order_number": "A", "reason": "damaged", "photo": [999999]}})).await;
    assert_eq!((s, fields(&p)), (422, vec!["fields.photo".to_string()]));

    // Good answers: a sequential reference, kept answers, hidden fields dropped.
    let (s, first) = submit(json!({"type": "refund", "subject": "Changed my mind", "fields": {"order_number": "ORD-7", "reason": "changed_mind", "photo": [1], "amount": "19.9"}})).await;
    assert_eq!(s, 201, "{first}");
    assert_eq!(first["status"], "new");
    assert_eq!(first["type"], "refund");
    assert_eq!(first["fields"]["amount"]["minor"], 1990);
    assert!(
        first["fields"].get("photo").is_none(),
        "hidden, so not stored"
    );
    let n = |r: &Value| {
        r["reference"].as_str().unwrap()[4..]
            .parse::<i64>()
            .unwrap()
    };
    // The same Idempotency-Key twice: one request.
    let with_key = |key: &'static str| {
        c.post(app.url("/api/v1/requests"))
            .header("idempotency-key", key)
            .json(&json!({"type": "refund", "subject": "Once", "fields": {"order_number": "ORD-8", "reason": "changed_mind"}}))
            .send()
    };
    let a = with_key("k-1").await.unwrap();
    assert_eq!(a.status(), 201);
    let a: Value = a.json().await.unwrap();
    let b = with_key("k-1").await.unwrap();
    assert_eq!(b.status(), 200);
    let b: Value = b.json().await.unwrap();
    assert_eq!(a["id"], b["id"]);
    assert_eq!(n(&a), n(&first) + 1, "references are sequential");
    // Concurrent retries with one key still make one request.
    let (x, y) = tokio::join!(with_key("k-2"), with_key("k-2"));
    let (x, y): (Value, Value) = (
        x.unwrap().json().await.unwrap(),
        y.unwrap().json().await.unwrap(),
    );
    assert_eq!(x["id"], y["id"]);
    let mine = c.get(app.url("/api/v1/requests")).json_of().await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 3, "{mine}");
    // Visitors cannot submit.
    let (s, _) = post(
        &app.client,
        &app,
        "/api/v1/requests",
        json!({"type": "refund", "subject": "x", "fields": {}}),
    )
    .await;
    assert_eq!(s, 401);
    app.stop().await;
}

async fn who_sees_what_notes_transitions_and_rating(kind: DbKind) {
    let sink = SmtpSink::start().await;
    let Some(app) = TestApp::start_with(
        kind,
        TestOptions {
            settings: vec![("smtp_url".into(), sink.url())],
            ..Default::default()
        },
    )
    .await
    else {
        return;
    };
    let admin = app.client_as(Role::Admin).await;
    define(&app, &admin, "refund").await;
    let agent = app.client_as(Role::Agent).await;
    let alice = app.client_as(Role::Customer).await;
    let bob = app.client_as(Role::Customer).await;
    let colleague = app.client_as(Role::Customer).await;
    let (_, r) = post(&alice.client, &app, "/api/v1/requests", json!({"type": "refund", "subject": "Lid cracked", "fields": {"order_number": "ORD-1", "reason": "changed_mind"}})).await;
    let id = r["id"].as_i64().unwrap();
    let reference = r["reference"].as_str().unwrap().to_string();
    // The confirmation mail, with the reference.
    let got = sink.wait_for(1).await;
    assert!(
        got[0].subject().contains(&reference),
        "{}",
        got[0].subject()
    );
    let path = format!("/api/v1/requests/{id}");
    // Bob: 404, and not in his list; an agent sees it in the queue; by reference too.
    assert_eq!(bob.client.get(app.url(&path)).status_of().await, 404);
    let bobs = bob.client.get(app.url("/api/v1/requests")).json_of().await;
    assert!(bobs["items"].as_array().unwrap().is_empty());
    let queue = agent
        .client
        .get(app.url("/api/v1/requests?status=open"))
        .json_of()
        .await;
    assert!(
        queue["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["id"] == id)
    );
    assert_eq!(
        agent
            .client
            .get(app.url(&format!("/api/v1/requests/{reference}")))
            .status_of()
            .await,
        200
    );
    // An internal note: agents only, and no mail.
    let (s, note) = post(
        &agent.client,
        &app,
        &format!("{path}/comments"),
        json!({"body": "Customer is a repeat refunder", "internal": true}),
    )
    .await;
    assert_eq!(s, 201, "{note}");
    let (s, _) = post(
        &alice.client,
        &app,
        &format!("{path}/comments"),
        json!({"body": "sneaky", "internal": true}),
    )
    .await;
    assert_eq!(s, 403);
    let seen = alice.client.get(app.url(&path)).json_of().await;
    assert!(
        !seen.to_string().contains("repeat refunder"),
        "no internal note for the customer: {seen}"
    );
    let staff = agent.client.get(app.url(&path)).json_of().await;
    assert!(staff.to_string().contains("repeat refunder"));
    // A public reply opens it and mails the customer (not the note).
    let (s, _) = post(
        &agent.client,
        &app,
        &format!("{path}/comments"),
        json!({"body": "Please send the receipt."}),
    )
    .await;
    assert_eq!(s, 201);
    let mails = sink.wait_for(2).await;
    assert_eq!(mails.len(), 2, "a mail for the reply only");
    assert!(mails[1].text().contains("Please send the receipt."));
    assert!(mails.iter().all(|m| !m.raw.contains("repeat refunder")));
    assert_eq!(
        alice.client.get(app.url(&path)).json_of().await["status"],
        "open"
    );
    // The agent takes it; the customer's reply reaches them by mail.
    assert_eq!(
        agent
            .client
            .post(app.url(&format!("{path}/assign")))
            .status_of()
            .await,
        204
    );
    let (s, _) = post(
        &alice.client,
        &app,
        &format!("{path}/comments"),
        json!({"body": "Receipt attached, order ORD-1."}),
    )
    .await;
    assert_eq!(s, 201);
    let mails = sink.wait_for(3).await;
    let to_agent = mails
        .iter()
        .find(|m| m.to == vec![agent.account.email.clone()])
        .expect("a mail to the agent");
    assert!(to_agent.text().contains("Receipt attached"));
    // Transitions by role.
    let to = |c: &reqwest::Client, status: &str| {
        c.post(app.url(&format!("{path}/transitions")))
            .json(&json!({ "to": status }))
            .send()
    };
    assert_eq!(to(&alice.client, "resolved").await.unwrap().status(), 409);
    assert_eq!(to(&bob.client, "cancelled").await.unwrap().status(), 404);
    assert_eq!(to(&agent.client, "done").await.unwrap().status(), 422);
    assert_eq!(
        to(&agent.client, "closed").await.unwrap().status(),
        409,
        "resolve first"
    );
    // Rating before resolution is refused.
    let rate = |score: i64| {
        alice
            .client
            .post(app.url(&format!("{path}/rating")))
            .json(&json!({"score": score, "comment": "Quick"}))
            .send()
    };
    assert_eq!(rate(5).await.unwrap().status(), 409);
    assert_eq!(to(&agent.client, "resolved").await.unwrap().status(), 200);
    assert_eq!(rate(6).await.unwrap().status(), 422);
    assert_eq!(rate(5).await.unwrap().status(), 200);
    assert_eq!(rate(4).await.unwrap().status(), 409, "once");
    // Reopen, resolve again, confirm; then nothing more.
    assert_eq!(to(&alice.client, "open").await.unwrap().status(), 200);
    assert_eq!(to(&agent.client, "resolved").await.unwrap().status(), 200);
    assert_eq!(to(&alice.client, "closed").await.unwrap().status(), 200);
    let (s, p) = post(
        &alice.client,
        &app,
        &format!("{path}/comments"),
        json!({"body": "One more thing"}),
    )
    .await;
    assert_eq!((s, fields(&p)), (409, vec!["request".to_string()]));
    assert_eq!(to(&agent.client, "open").await.unwrap().status(), 409);
    let done = alice.client.get(app.url(&path)).json_of().await;
    let kinds: Vec<&str> = done["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds[0], "created");
    assert!(
        kinds.contains(&"rating") && !kinds.contains(&"note"),
        "{kinds:?}"
    );

    // Organisation colleagues: with "sees all" they see it; without, they do not.
    let org = admin
        .client
        .post(app.url("/api/v1/admin/organizations"))
        .json(&json!({"name": "Harbour Logistics"}))
        .json_of()
        .await;
    let org_id = org["id"].as_i64().unwrap();
    for (who, all) in [(&alice, false), (&colleague, true)] {
        assert_eq!(
            admin
                .client
                .put(app.url(&format!(
                    "/api/v1/admin/organizations/{org_id}/members/{}",
                    who.account.id
                )))
                .json(&json!({ "can_see_all": all }))
                .status_of()
                .await,
            204
        );
    }
    // Alice's new request belongs to the organisation.
    let (_, shared) = post(&alice.client, &app, "/api/v1/requests", json!({"type": "refund", "subject": "Pallet missing", "fields": {"order_number": "ORD-9", "reason": "changed_mind"}})).await;
    let shared_path = format!("/api/v1/requests/{}", shared["id"]);
    assert_eq!(
        colleague
            .client
            .get(app.url(&shared_path))
            .status_of()
            .await,
        200
    );
    let theirs = colleague
        .client
        .get(app.url(&format!("/api/v1/requests?requester={}", alice.account.id)))
        .json_of()
        .await;
    assert!(
        theirs["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["id"] == shared["id"])
    );
    // On the page too: the colleague may narrow the list to Alice's requests or to their own.
    let page = colleague.client.get(app.url("/requests")).text_of().await;
    assert!(page.contains("Pallet missing"), "{page}");
    assert!(
        page.contains(&format!(
            "<option value=\"{}\">{}</option>",
            alice.account.id, alice.account.name
        )),
        "{page}"
    );
    let hers = colleague
        .client
        .get(app.url(&format!("/requests?requester={}", alice.account.id)))
        .text_of()
        .await;
    assert!(hers.contains("Pallet missing"), "{hers}");
    assert!(
        hers.contains(&format!("<option value=\"{}\" selected>", alice.account.id)),
        "{hers}"
    );
    let own = colleague
        .client
        .get(app.url("/requests?requester=me"))
        .text_of()
        .await;
    assert!(!own.contains("Pallet missing"), "{own}");
    let own_api = colleague
        .client
        .get(app.url(&format!(
            "/api/v1/requests?requester={}",
            colleague.account.id
        )))
        .json_of()
        .await;
    assert!(own_api["items"].as_array().unwrap().is_empty(), "{own_api}");
    // A requester that is not one of the choices shows everyone the colleague may see.
    let odd = colleague
        .client
        .get(app.url("/requests?requester=somebody"))
        .text_of()
        .await;
    assert!(odd.contains("Pallet missing"), "{odd}");
    // The form checks an amount's format before sending: what the server reads, at most 2 decimals.
    let form = alice
        .client
        .get(app.url("/requests/new/refund"))
        .text_of()
        .await;
    assert!(
        form.contains(r#"pattern="\s*[0-9][0-9, ]*(\.[0-9]{0,2})?\s*""#),
        "{form}"
    );
    // Alice may not see all of the organisation's requests: no choice, and a forged one finds nothing.
    let alices = alice.client.get(app.url("/requests")).text_of().await;
    assert!(!alices.contains("id=\"requester\""));
    let forged = alice
        .client
        .get(app.url(&format!(
            "/api/v1/requests?requester={}",
            colleague.account.id
        )))
        .json_of()
        .await;
    assert!(forged["items"].as_array().unwrap().is_empty(), "{forged}");
    // Looking is not acting.
    let (s, _) = post(
        &colleague.client,
        &app,
        &format!("{shared_path}/comments"),
        json!({"body": "hi"}),
    )
    .await;
    assert_eq!(s, 403);
    assert_eq!(bob.client.get(app.url(&shared_path)).status_of().await, 404);
    app.stop().await;
}

/// With `files.store = "s3"` an upload's bytes go to the object store (the row keeps its description
/// and key), are served from there only to those who may see them, and an abandoned upload's object is
/// removed with its row.
async fn attachments_can_live_in_an_object_store(kind: DbKind) {
    let Some(s3) = portico_testkit::s3::S3Server::start("portico-files").await else {
        return;
    };
    let Some(app) = TestApp::start_with(
        kind,
        TestOptions {
            settings: s3.settings(),
            ..Default::default()
        },
    )
    .await
    else {
        return;
    };
    let admin = app.client_as(Role::Admin).await;
    define(&app, &admin, "refund").await;
    let alice = app.client_as(Role::Customer).await;
    let bob = app.client_as(Role::Customer).await;
    let agent = app.client_as(Role::Agent).await;
    let png = portico_testkit::smtp::decode_base64(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
    );
    let upload = |name: &str| {
        alice
            .client
            .post(app.url("/api/v1/requests/files"))
            .multipart(file_form(name, png.clone()))
            .send()
    };
    let photo: Value = upload("lid.png").await.unwrap().json().await.unwrap();
    assert_eq!(photo["content_type"], "image/png", "{photo}");
    use sea_orm::ConnectionTrait;
    let conn = app.store().conn();
    let b = app.store().db_backend();
    let row = |id: i64| async move {
        let r = conn
            .query_one_raw(sea_orm::Statement::from_sql_and_values(
                b,
                "SELECT object_key, bytes, size FROM request_files WHERE id = $1",
                [id.into()],
            ))
            .await
            .unwrap();
        r.map(|r| {
            (
                r.try_get::<Option<String>>("", "object_key").unwrap(),
                r.try_get::<Vec<u8>>("", "bytes").unwrap(),
                r.try_get::<i64>("", "size").unwrap(),
            )
        })
    };
    let (key, inline, size) = row(photo["id"].as_i64().unwrap()).await.unwrap();
    let key = key.expect("an object key");
    assert!(key.starts_with("tests/requests/"), "{key}");
    assert!(inline.is_empty(), "the bytes are not in the database");
    assert_eq!(size, png.len() as i64);
    assert_eq!(s3.object(&key).await.as_deref(), Some(png.as_slice()));
    // Attached to a request: its requester and agents read it from the store; nobody else.
    let (s, made) = post(&alice.client, &app, "/api/v1/requests", json!({"type": "refund", "subject": "Cracked lid", "fields": {"order_number": "ORD-5", "reason": "damaged", "photo": [photo["id"]]}})).await;
    assert_eq!(s, 201, "{made}");
    let path = format!("/api/v1/requests/files/{}", photo["id"]);
    for who in [&alice, &agent] {
        let r = who.client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        assert_eq!(r.bytes().await.unwrap().as_ref(), png.as_slice());
    }
    assert_eq!(bob.client.get(app.url(&path)).status_of().await, 404);
    // An upload whose form was never sent: after the clean-up, neither row nor object is left.
    let stray: Value = upload("stray.png").await.unwrap().json().await.unwrap();
    let stray_id = stray["id"].as_i64().unwrap();
    let (stray_key, _, _) = row(stray_id).await.unwrap();
    let stray_key = stray_key.unwrap();
    assert!(s3.object(&stray_key).await.is_some());
    conn.execute_raw(sea_orm::Statement::from_sql_and_values(
        b,
        "UPDATE request_files SET created_at = created_at - 10 * 86400000 WHERE id = $1",
        [stray_id.into()],
    ))
    .await
    .unwrap();
    let job = portico_testkit::portico_app::jobs::enqueue(
        &app.app,
        portico_testkit::portico_storage::jobs::NewJob::new(
            portico_testkit::portico_app::jobs::CLEANUP_JOB,
            json!({}),
            app.app.now(),
        ),
    )
    .await
    .unwrap()
    .unwrap();
    for _ in 0..400 {
        let state = portico_testkit::portico_storage::jobs::find_job_state(conn, job)
            .await
            .unwrap()
            .unwrap();
        if state.status == "done" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(row(stray_id).await.is_none(), "the row went");
    assert!(s3.object(&stray_key).await.is_none(), "the object went");
    assert_eq!(
        s3.object(&key).await.as_deref(),
        Some(png.as_slice()),
        "attached files stay"
    );
    app.stop().await;
}

/// An object store that does not answer: an upload is a prompt 503 problem, and nothing is kept.
async fn an_unreachable_object_store_is_a_clear_error(kind: DbKind) {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let Some(app) = TestApp::start_with(
        kind,
        TestOptions {
            settings: vec![
                ("files__store".into(), "s3".into()),
                ("files__s3_bucket".into(), "portico-files".into()),
                (
                    "files__s3_endpoint".into(),
                    format!("http://127.0.0.1:{closed}"),
                ),
                ("files__s3_allow_http".into(), "true".into()),
                ("files__s3_access_key_id".into(), "k".into()),
                ("files__s3_secret_access_key".into(), "s".into()),
            ],
            ..Default::default()
        },
    )
    .await
    else {
        return;
    };
    let alice = app.client_as(Role::Customer).await;
    let started = std::time::Instant::now();
    let r = alice
        .client
        .post(app.url("/api/v1/requests/files"))
        .multipart(file_form("notes.txt", b"hello".to_vec()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "answered in seconds"
    );
    use sea_orm::ConnectionTrait;
    let left = app
        .store()
        .conn()
        .query_one_raw(sea_orm::Statement::from_string(
            app.store().db_backend(),
            "SELECT COUNT(*) AS n FROM request_files",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(left, 0);
    app.stop().await;
}

fn file_form(name: &str, bytes: Vec<u8>) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
    )
}

/// Submissions that arrive together are written together; a retry racing its original and a forged
/// file inside the same group still get their own answers, and references stay gap-free.
async fn submissions_arriving_together_keep_gap_free_references(kind: DbKind) {
    let Some(app) = TestApp::start(kind).await else {
        return;
    };
    let admin = app.client_as(Role::Admin).await;
    define(&app, &admin, "refund").await;
    let mut customers = Vec::new();
    for _ in 0..4 {
        customers.push(app.client_as(Role::Customer).await);
    }
    let good = json!({"type": "refund", "subject": "Together", "fields": {"order_number": "ORD-1", "reason": "changed_mind"}});
    let forged = json!({"type": "refund", "subject": "Forged", "fields": {"order_number": "ORD-2", "reason": "damaged", "photo": [987654]}});
    let mut calls = Vec::new();
    for round in 0..10 {
        for (i, who) in customers.iter().enumerate() {
            let mut call = who.client.post(app.url("/api/v1/requests"));
            let body = if round == 3 && i == 1 { &forged } else { &good };
            // Customer 0 retries one submission three times at once.
            if i == 0 && round < 3 {
                call = call.header("idempotency-key", "same-one");
            }
            calls.push(call.json(body).send());
        }
    }
    let answers = futures_util::future::join_all(calls).await;
    let mut made = Vec::new();
    let mut retried = Vec::new();
    let mut refused = 0;
    for (n, a) in answers.into_iter().enumerate() {
        let a = a.unwrap();
        let status = a.status().as_u16();
        let body: Value = a.json().await.unwrap();
        match status {
            201 if n % 4 == 0 && n / 4 < 3 => retried.push(body["id"].clone()),
            200 => retried.push(body["id"].clone()),
            201 => made.push(body["reference"].as_str().unwrap().to_string()),
            422 => {
                assert_eq!(fields(&body), vec!["fields.photo".to_string()]);
                refused += 1;
            }
            other => panic!("{other}: {body}"),
        }
    }
    assert_eq!(refused, 1);
    assert_eq!(retried.len(), 3);
    assert!(retried.iter().all(|id| *id == retried[0]), "{retried:?}");
    // 40 calls: one forged, three of one retry (one request): 37 requests, numbered 1..=37.
    let mut numbers: Vec<i64> = made.iter().map(|r| r[4..].parse().unwrap()).collect();
    assert_eq!(numbers.len(), 36);
    let all = admin
        .client
        .get(app.url("/api/v1/requests?limit=100"))
        .json_of()
        .await;
    let items = all["items"].as_array().unwrap();
    assert_eq!(items.len(), 37, "{all}");
    for item in items {
        numbers.push(item["reference"].as_str().unwrap()[4..].parse().unwrap());
    }
    numbers.sort_unstable();
    numbers.dedup();
    assert_eq!(numbers, (1..=37).collect::<Vec<_>>(), "no gaps, no repeats");
    app.stop().await;
}

async fn attachments_are_checked_and_shown_only_to_those_who_may_see(kind: DbKind) {
    let Some(app) = TestApp::start(kind).await else {
        return;
    };
    let admin = app.client_as(Role::Admin).await;
    define(&app, &admin, "refund").await;
    let alice = app.client_as(Role::Customer).await;
    let bob = app.client_as(Role::Customer).await;
    let agent = app.client_as(Role::Agent).await;
    let png = portico_testkit::smtp::decode_base64(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
    );
    let up = |c: &reqwest::Client, name: &str, bytes: Vec<u8>| {
        c.post(app.url("/api/v1/requests/files"))
            .multipart(file_form(name, bytes))
            .send()
    };
    // Disguised and empty files are refused by content.
    for (name, bytes) in [
        ("photo.png", b"MZ\x90\x00\x03\x00\x00\x00".to_vec()),
        ("photo.png", Vec::new()),
        ("page.html", b"<html><script>alert(1)</script>".to_vec()),
    ] {
        let r = up(&alice.client, name, bytes).await.unwrap();
        assert_eq!(r.status(), 422, "{name}");
    }
    let photo: Value = up(&alice.client, "Cracked lid.PNG", png.clone())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(photo["content_type"], "image/png");
    let file_path = format!("/api/v1/requests/files/{}", photo["id"]);
    // Before it is attached: its uploader only.
    assert_eq!(alice.client.get(app.url(&file_path)).status_of().await, 200);
    assert_eq!(bob.client.get(app.url(&file_path)).status_of().await, 404);
    // Bob cannot use Alice's upload.
    let (s, p) = post(&bob.client, &app, "/api/v1/requests", json!({"type": "refund", "subject": "Mine", "fields": {"order_number": "B", "reason": "damaged", "photo": [photo["id"]]}})).await;
    assert_eq!((s, fields(&p)), (422, vec!["fields.photo".to_string()]));
    let (s, r) = post(&alice.client, &app, "/api/v1/requests", json!({"type": "refund", "subject": "Cracked lid", "fields": {"order_number": "A", "reason": "damaged", "photo": [photo["id"]]}})).await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["files"][0]["id"], photo["id"]);
    // Attached: served as a download to those who see the request.
    let served = agent.client.get(app.url(&file_path)).send().await.unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["x-content-type-options"], "nosniff");
    assert!(
        served.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(served.bytes().await.unwrap().to_vec(), png);
    assert_eq!(bob.client.get(app.url(&file_path)).status_of().await, 404);
    // A file already attached cannot be attached again.
    let (s, p) = post(&alice.client, &app, "/api/v1/requests", json!({"type": "refund", "subject": "Again", "fields": {"order_number": "A", "reason": "damaged", "photo": [photo["id"]]}})).await;
    assert_eq!((s, fields(&p)), (422, vec!["fields.photo".to_string()]));
    // A file with an internal note stays with the agents.
    let secret: Value = up(&agent.client, "notes.txt", b"fraud check".to_vec())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (s, _) = post(
        &agent.client,
        &app,
        &format!("/api/v1/requests/{}/comments", r["id"]),
        json!({"body": "checked", "internal": true, "files": [secret["id"]]}),
    )
    .await;
    assert_eq!(s, 201);
    let secret_path = format!("/api/v1/requests/files/{}", secret["id"]);
    assert_eq!(
        agent.client.get(app.url(&secret_path)).status_of().await,
        200
    );
    assert_eq!(
        alice.client.get(app.url(&secret_path)).status_of().await,
        404
    );
    let seen = alice
        .client
        .get(app.url(&format!("/api/v1/requests/{}", r["id"])))
        .json_of()
        .await;
    assert_eq!(seen["files"].as_array().unwrap().len(), 1, "{seen}");
    tokio::time::sleep(Duration::from_millis(10)).await;
    app.stop().await;
}

both!(
    submissions_arriving_together_keep_gap_free_references,
    catalogue_is_defined_by_administrators_and_forms_are_versioned,
    submitting_validates_every_field_and_is_idempotent,
    who_sees_what_notes_transitions_and_rating,
    attachments_are_checked_and_shown_only_to_those_who_may_see,
    attachments_can_live_in_an_object_store,
    an_unreachable_object_store_is_a_clear_error,
);

fn page_form(parts: &[(&str, &str)]) -> reqwest::multipart::Form {
    let mut f = reqwest::multipart::Form::new();
    for (k, v) in parts {
        f = f.text(k.to_string(), v.to_string());
    }
    f
}

/// The pages without JavaScript: the catalogue, the form (errors next to their fields and nothing
/// typed lost, files kept), the confirmation, "My requests", the request page and its actions, the
/// queue; in both languages.
async fn the_pages_work_without_javascript(kind: DbKind) {
    let Some(app) = TestApp::start_demo(kind).await else {
        return;
    };
    let customer = app.client_as(Role::Customer).await;
    let c = &customer.client;
    let catalog = c.get(app.url("/requests/new")).text_of().await;
    assert!(
        catalog.contains("href=\"/requests/new/refund\""),
        "{catalog}"
    );
    assert!(catalog.contains("Orders and delivery"));
    let zh = c
        .get(app.url("/requests/new"))
        .header("accept-language", "zh-CN")
        .text_of()
        .await;
    assert!(zh.contains("订单与配送"), "{zh}");
    let found = c.get(app.url("/requests/new?q=refund")).text_of().await;
    assert!(found.contains("/requests/new/refund") && !found.contains("/requests/new/card_lost"));
    // Visitors are sent to sign in.
    let anon = app
        .client
        .get(app.url("/requests/new/refund"))
        .send()
        .await
        .unwrap();
    assert_eq!(anon.status(), 303);
    let form = c.get(app.url("/requests/new/refund")).text_of().await;
    assert!(
        form.contains("name=\"f.order_number\"") && form.contains("data-visible-if"),
        "{form}"
    );
    let token = form
        .split("name=\"token\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    // Wrong answers: the page comes back with each error next to its field and the answers kept.
    let png = portico_testkit::smtp::decode_base64(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
    );
    let bad = c
        .post(app.url("/requests/new/refund"))
        .multipart(
            page_form(&[
                ("token", &token),
                ("subject", "Cracked lid on arrival"),
                ("f.order_number", "ORD 1; DROP"),
                ("f.reason", "damaged"),
            ])
            .part(
                "f.photo",
                reqwest::multipart::Part::bytes(png.clone()).file_name("lid.png"),
            ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let html = bad.text().await.unwrap();
    assert!(
        html.contains("value=\"Cracked lid on arrival\""),
        "subject kept"
    );
    assert!(html.contains("value=\"ORD 1; DROP\""), "answer kept");
    assert!(
        html.contains("id=\"req-fields.order_number-error\""),
        "{html}"
    );
    assert!(html.contains("lid.png"), "the uploaded photo is kept");
    let kept = html
        .split("name=\"f.photo.kept\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    // Corrected: made, with the photo uploaded on the first try; a double submit makes one request.
    let send = || {
        c.post(app.url("/requests/new/refund"))
            .multipart(page_form(&[
                ("token", &token),
                ("subject", "Cracked lid on arrival"),
                ("f.order_number", "ORD-2026-0042"),
                ("f.reason", "damaged"),
                ("f.amount", "129.00"),
                ("f.refund_to", "original_payment"),
                ("f.photo.kept", &kept),
            ]))
            .send()
    };
    let ok = send().await.unwrap();
    assert_eq!(ok.status(), 303);
    let location = ok.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("/requests/REQ-"), "{location}");
    let again = send().await.unwrap();
    assert_eq!(again.headers()["location"].to_str().unwrap(), location);
    let shown = c.get(app.url(&location)).text_of().await;
    assert!(
        shown.contains("Cracked lid on arrival") && shown.contains("lid.png"),
        "{shown}"
    );
    assert!(
        shown.contains("we have your request"),
        "confirmation notice"
    );
    let mine = c.get(app.url("/requests")).text_of().await;
    assert_eq!(
        mine.matches("Cracked lid on arrival").count(),
        1,
        "one request"
    );
    // Reply, then cancel, from the page.
    let reference = location
        .trim_start_matches("/requests/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let replied = c
        .post(app.url(&format!("/requests/{reference}/reply")))
        .multipart(page_form(&[("body", "The box was wet too.")]))
        .send()
        .await
        .unwrap();
    assert_eq!(replied.status(), 303);
    let empty = c
        .post(app.url(&format!("/requests/{reference}/reply")))
        .multipart(page_form(&[("body", "  ")]))
        .send()
        .await
        .unwrap();
    assert_eq!(empty.status(), 422);
    assert!(
        empty
            .text()
            .await
            .unwrap()
            .contains("id=\"req-body-error\"")
    );
    // An agent sees it in the queue, notes internally and resolves it.
    let agent = app.client_as(Role::Agent).await;
    let queue = agent.client.get(app.url("/agent/queue")).text_of().await;
    assert!(queue.contains(&reference), "{queue}");
    let note = agent
        .client
        .post(app.url(&format!("/requests/{reference}/reply")))
        .multipart(page_form(&[
            ("body", "Courier damage, claim filed"),
            ("internal", "on"),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(note.status(), 303);
    let resolved = agent
        .client
        .post(app.url(&format!("/requests/{reference}/transition")))
        .form(&[("to", "resolved")])
        .send()
        .await
        .unwrap();
    assert_eq!(resolved.status(), 303);
    let for_customer = c
        .get(app.url(&format!("/requests/{reference}")))
        .text_of()
        .await;
    assert!(!for_customer.contains("Courier damage"), "no internal note");
    assert!(
        for_customer.contains("name=\"score\""),
        "rate once resolved"
    );
    let rated = c
        .post(app.url(&format!("/requests/{reference}/rating")))
        .form(&[("score", "5"), ("comment", "Fast")])
        .send()
        .await
        .unwrap();
    assert_eq!(rated.status(), 303);
    let twice = c
        .post(app.url(&format!("/requests/{reference}/rating")))
        .form(&[("score", "4")])
        .send()
        .await
        .unwrap();
    assert_eq!(twice.status(), 422);
    // The queue is for agents; the catalogue's administration for administrators.
    assert_eq!(c.get(app.url("/agent/queue")).status_of().await, 403);
    assert_eq!(
        agent
            .client
            .get(app.url("/admin/catalog"))
            .status_of()
            .await,
        403
    );
    // Someone else's request is not found.
    let other = app.client_as(Role::Customer).await;
    assert_eq!(
        other
            .client
            .get(app.url(&format!("/requests/{reference}")))
            .status_of()
            .await,
        404
    );
    app.stop().await;
}

both!(the_pages_work_without_javascript);

/// Request types are found by the site search in both languages, by those they are offered to, and a
/// change reaches the index.
async fn request_types_are_found_by_search(kind: DbKind) {
    let Some(app) = TestApp::start(kind).await else {
        return;
    };
    let admin = app.client_as(Role::Admin).await;
    define(&app, &admin, "refund").await;
    let customer = app.client_as(Role::Customer).await;
    let urls = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|i| i["href"].as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    let search = |c: &reqwest::Client, q: &'static str| {
        c.get(app.url("/api/v1/search"))
            .query(&[("q", q)])
            .json_of()
    };
    let mut found = false;
    for _ in 0..100 {
        if urls(&search(&customer.client, "退款").await)
            .contains(&"/requests/new/refund".to_string())
        {
            found = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(found, "the Chinese name finds the type");
    assert!(
        urls(&search(&customer.client, "refund").await)
            .contains(&"/requests/new/refund".to_string())
    );
    // Offered to signed-in customers only.
    assert!(
        !urls(&search(&app.client, "refund").await).contains(&"/requests/new/refund".to_string())
    );
    // Renamed: found by the new name.
    admin
        .client
        .patch(app.url("/api/v1/catalog/refund"))
        .json(&json!({"name": {"en": "Money back", "zh-CN": "退款"}}))
        .json_of()
        .await;
    let mut renamed = false;
    for _ in 0..100 {
        if urls(&search(&customer.client, "money back").await)
            .contains(&"/requests/new/refund".to_string())
        {
            renamed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(renamed);
    app.stop().await;
}

both!(request_types_are_found_by_search);

/// Reads a server-sent event stream until an event named `changed` arrives or `within` passes.
async fn hears_change(stream: &mut reqwest::Response, within: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + within;
    let mut seen = String::new();
    loop {
        match tokio::time::timeout_at(deadline, stream.chunk()).await {
            Ok(Ok(Some(bytes))) => {
                seen.push_str(&String::from_utf8_lossy(&bytes));
                if seen.contains("event: changed") {
                    return true;
                }
            }
            _ => return false,
        }
    }
}

/// An open request page hears of an agent's reply made on another node (PostgreSQL NOTIFY), and a
/// customer's page never hears of internal notes.
async fn live_updates_reach_a_page_on_another_node(kind: DbKind) {
    let Some(a) = TestApp::start(kind).await else {
        return;
    };
    // PostgreSQL: a second node serves the page. SQLite runs one node: the page is on it.
    let dir_b = tempfile::tempdir().unwrap();
    let b = if kind == DbKind::Postgres {
        let mut settings = portico_testkit::test_settings(&a.db, &Default::default());
        settings.raw.data_dir = dir_b.path().to_path_buf();
        Some(
            portico::server::start(&settings, portico::server::StartOptions::default())
                .await
                .unwrap(),
        )
    } else {
        None
    };
    let b_url = match &b {
        Some(b) => format!("http://{}", b.addr),
        None => a.url(""),
    };
    let b_url = b_url.trim_end_matches('/').to_string();
    let admin = a.client_as(Role::Admin).await;
    define(&a, &admin, "refund").await;
    let customer = a.client_as(Role::Customer).await;
    let agent = a.client_as(Role::Agent).await;
    let (_, r) = post(&customer.client, &a, "/api/v1/requests", json!({"type": "refund", "subject": "Where is my money", "fields": {"order_number": "ORD-5", "reason": "changed_mind"}})).await;
    let (id, reference) = (
        r["id"].as_i64().unwrap(),
        r["reference"].as_str().unwrap().to_string(),
    );
    let open = |c: &reqwest::Client| {
        c.get(format!("{b_url}/requests/{reference}/events"))
            .header("accept", "text/event-stream")
            .send()
    };
    let mut customer_stream = open(&customer.client).await.unwrap();
    assert_eq!(customer_stream.status(), 200);
    assert!(
        customer_stream.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut agent_stream = open(&agent.client).await.unwrap();
    // Someone else may not follow it.
    let stranger = a.client_as(Role::Customer).await;
    assert_eq!(open(&stranger.client).await.unwrap().status(), 404);
    // An internal note on node A: the agent's page hears it, the customer's does not.
    let (s, _) = post(
        &agent.client,
        &a,
        &format!("/api/v1/requests/{id}/comments"),
        json!({"body": "checking the ledger", "internal": true}),
    )
    .await;
    assert_eq!(s, 201);
    assert!(hears_change(&mut agent_stream, Duration::from_secs(2)).await);
    assert!(!hears_change(&mut customer_stream, Duration::from_millis(700)).await);
    // A public reply on node A reaches the customer's page on node B.
    let (s, _) = post(
        &agent.client,
        &a,
        &format!("/api/v1/requests/{id}/comments"),
        json!({"body": "Refunded today."}),
    )
    .await;
    assert_eq!(s, 201);
    assert!(
        hears_change(&mut customer_stream, Duration::from_secs(2)).await,
        "node B's subscriber heard the reply within 2 s"
    );
    drop(customer_stream);
    drop(agent_stream);
    if let Some(b) = b {
        b.stop().await;
    }
    a.stop().await;
}

both!(live_updates_reach_a_page_on_another_node);

/// A deflection (a suggested article opened from a form left unsent) is recorded once per visitor,
/// type and day; bad input is named.
async fn deflections_are_counted_once_per_visitor(kind: DbKind) {
    use portico_testkit::portico_core::Timestamp;
    use portico_testkit::portico_storage::events;
    let Some(app) = TestApp::start(kind).await else {
        return;
    };
    let admin = app.client_as(Role::Admin).await;
    define(&app, &admin, "refund").await;
    let customer = app.client_as(Role::Customer).await;
    for _ in 0..3 {
        let (s, _) = post(
            &customer.client,
            &app,
            "/api/v1/requests/deflections",
            json!({"type": "refund", "article": "request-a-refund"}),
        )
        .await;
        assert_eq!(s, 204);
    }
    let (s, p) = post(
        &customer.client,
        &app,
        "/api/v1/requests/deflections",
        json!({"type": "nope", "article": "x"}),
    )
    .await;
    assert_eq!((s, fields(&p)), (422, vec!["type".to_string()]));
    let (s, p) = post(
        &customer.client,
        &app,
        "/api/v1/requests/deflections",
        json!({"type": "refund", "article": "<script>"}),
    )
    .await;
    assert_eq!((s, fields(&p)), (422, vec!["article".to_string()]));
    assert!(
        portico_testkit::portico_app::analytics::flush(&app.app, Duration::from_secs(10)).await
    );
    let n = events::count(app.store().conn(), "deflected", "refund", Timestamp(0))
        .await
        .unwrap();
    assert_eq!(n, 1);
    app.stop().await;
}

both!(deflections_are_counted_once_per_visitor);

/// The form builder without script: add fields and a step, a condition, preview, refuse a broken form
/// naming the field, save, and a customer finds and submits the new type.
async fn the_form_builder_defines_a_request_type(kind: DbKind) {
    let Some(app) = TestApp::start(kind).await else {
        return;
    };
    let admin = app.client_as(Role::Admin).await;
    let a = &admin.client;
    let customer = app.client_as(Role::Customer).await;
    assert_eq!(
        customer
            .client
            .get(app.url("/admin/catalog"))
            .status_of()
            .await,
        403
    );
    let page = a.get(app.url("/admin/catalog/new")).text_of().await;
    assert!(page.contains("name=\"name_en\""), "{page}");
    let base: Vec<(&str, &str)> = vec![
        ("key", "parking"),
        ("name_en", "Parking permit"),
        ("name_zh", "停车许可"),
        ("category_en", "Workplace"),
        ("category_zh", "办公"),
        ("icon", "key"),
        ("audience", "customers"),
        ("active", "on"),
        ("position", "3"),
    ];
    let post_form = |extra: Vec<(&'static str, &'static str)>| {
        let mut all = base.clone();
        all.extend(extra);
        a.post(app.url("/admin/catalog/new")).form(&all).send()
    };
    // Adding a field re-renders the builder with it.
    let added = post_form(vec![("action", "add_field"), ("new_kind", "select")])
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(added.contains("name=\"field.0.options\""), "{added}");
    // A select without options is refused next to the field, and nothing is saved.
    let broken = post_form(vec![
        ("action", "save"),
        ("field.0.key", "plate_kind"),
        ("field.0.kind", "select"),
        ("field.0.label_en", "Vehicle"),
    ])
    .await
    .unwrap();
    assert_eq!(broken.status(), 422);
    assert!(
        broken
            .text()
            .await
            .unwrap()
            .contains("id=\"field-0-errors\"")
    );
    let answers = vec![
        ("field.0.key", "vehicle"),
        ("field.0.kind", "select"),
        ("field.0.label_en", "Vehicle"),
        ("field.0.label_zh", "车辆"),
        ("field.0.required", "on"),
        (
            "field.0.options",
            "car | Car | 小汽车\nbike | Motorbike | 摩托车",
        ),
        ("field.1.key", "plate"),
        ("field.1.kind", "text"),
        ("field.1.label_en", "Number plate"),
        ("field.1.label_zh", "车牌号"),
        ("field.1.required", "on"),
        ("field.1.when_field", "vehicle"),
        ("field.1.when_value", "car"),
    ];
    let mut preview = answers.clone();
    preview.push(("action", "preview"));
    let shown = post_form(preview).await.unwrap().text().await.unwrap();
    assert!(
        shown.contains("id=\"cat-preview\"") && shown.contains("name=\"f.plate\""),
        "{shown}"
    );
    let mut save = answers.clone();
    save.push(("action", "save"));
    let saved = post_form(save).await.unwrap();
    assert_eq!(saved.status(), 303);
    let list = a.get(app.url("/admin/catalog")).text_of().await;
    assert!(list.contains("/admin/catalog/parking"), "{list}");
    // The customer sees it in Chinese and submits it; the plate is required only for cars.
    let zh = customer
        .client
        .get(app.url("/requests/new"))
        .header("accept-language", "zh-CN")
        .text_of()
        .await;
    assert!(zh.contains("停车许可"), "{zh}");
    let (s, p) = post(
        &customer.client,
        &app,
        "/api/v1/requests",
        json!({"type": "parking", "subject": "新车位", "fields": {"vehicle": "car"}}),
    )
    .await;
    assert_eq!((s, fields(&p)), (422, vec!["fields.plate".to_string()]));
    let (s, _) = post(
        &customer.client,
        &app,
        "/api/v1/requests",
        json!({"type": "parking", "subject": "摩托车位", "fields": {"vehicle": "bike"}}),
    )
    .await;
    assert_eq!(s, 201);
    // Editing keeps the key and makes a new version only when the form changes.
    let edit = a.get(app.url("/admin/catalog/parking")).text_of().await;
    assert!(
        edit.contains("value=\"vehicle\"") && edit.contains("readonly"),
        "{edit}"
    );
    app.stop().await;
}

both!(the_form_builder_defines_a_request_type);
