//! Administering people and organisations through the API: the user list and its filters, invitations,
//! roles and deactivation (with the last administrator protected), organisations with domains and
//! managers, and the audit log.

use portico_testkit::portico_core::Role;
use portico_testkit::smtp::SmtpSink;
use portico_testkit::{DbKind, Fetch, TestApp, TestOptions, both, cookie_from};
use serde_json::{Value, json};

const STRONG: &str = "lantern quietly mapping river otters";

async fn mailing_app(kind: DbKind) -> Option<(TestApp, SmtpSink)> {
    let sink = SmtpSink::start().await;
    let app = TestApp::start_with(
        kind,
        TestOptions {
            settings: vec![
                ("smtp_url".into(), sink.url()),
                ("mail_from".into(), "Help <help@demo.example.com>".into()),
            ],
            ..Default::default()
        },
    )
    .await?;
    Some((app, sink))
}

fn fields(p: &Value) -> Vec<String> {
    p["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["field"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

async fn users_invitations_roles_and_deactivation(kind: DbKind) {
    let Some((app, sink)) = mailing_app(kind).await else {
        return;
    };
    let admin = app.client_as(Role::Admin).await;
    let agent = app.client_as(Role::Agent).await;
    let customer = app.client_as(Role::Customer).await;
    let a = &admin.client;

    // Customers and agents may not administer.
    for c in [&customer.client, &agent.client] {
        assert_eq!(c.get(app.url("/api/v1/admin/users")).status_of().await, 403);
        assert_eq!(c.get(app.url("/api/v1/admin/audit")).status_of().await, 403);
    }
    assert_eq!(app.get("/api/v1/admin/users").await.status(), 401);

    // Filters.
    let agents = a
        .get(app.url("/api/v1/admin/users?role=agent"))
        .json_of()
        .await;
    assert_eq!(agents["items"].as_array().unwrap().len(), 1);
    assert_eq!(agents["items"][0]["email"], agent.account.email.as_str());
    let found = a
        .get(app.url(&format!(
            "/api/v1/admin/users?q={}",
            &customer.account.email[..10]
        )))
        .json_of()
        .await;
    assert!(
        found["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["id"] == customer.account.id)
    );
    let bad = a
        .get(app.url("/api/v1/admin/users?role=wizard&status=sleeping&organization=x"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let f = fields(&bad.json().await.unwrap());
    for name in ["role", "status", "organization"] {
        assert!(f.contains(&name.to_string()), "{f:?}");
    }
    // Paging with a cursor.
    let page1 = a
        .get(app.url("/api/v1/admin/users?limit=2"))
        .json_of()
        .await;
    assert_eq!(page1["items"].as_array().unwrap().len(), 2);
    let cursor = page1["next_cursor"].as_str().unwrap();
    let page2 = a
        .get(app.url(&format!("/api/v1/admin/users?limit=2&cursor={cursor}")))
        .json_of()
        .await;
    assert_ne!(page1["items"][0]["id"], page2["items"][0]["id"]);
    assert_eq!(
        a.get(app.url("/api/v1/admin/users?cursor=zzz"))
            .status_of()
            .await,
        422
    );

    // Invite, in the invitee's language; the link sets a password and signs in.
    let inv = a
        .post(app.url("/api/v1/admin/users"))
        .json(&json!({"email": "wang.fang@example.com", "name": "王芳", "role": "agent", "locale": "zh-CN"}))
        .send()
        .await
        .unwrap();
    assert_eq!(inv.status(), 201);
    let invited: Value = inv.json().await.unwrap();
    assert_eq!(invited["invited"], true);
    assert_eq!(invited["role"], "agent");
    let dup = a
        .post(app.url("/api/v1/admin/users"))
        .json(&json!({"email": "WANG.FANG@example.com", "name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(dup.status(), 409);
    let nonsense = a
        .post(app.url("/api/v1/admin/users"))
        .json(&json!({"email": "a@b", "name": "", "role": "boss", "organization_id": 999999}))
        .send()
        .await
        .unwrap();
    assert_eq!(nonsense.status(), 422);
    let f = fields(&nonsense.json().await.unwrap());
    for name in ["email", "name", "role", "organization_id"] {
        assert!(f.contains(&name.to_string()), "{f:?}");
    }
    let mail = sink.wait_for_to("wang.fang@example.com", 1).await;
    assert!(mail.subject().contains("受邀"), "{}", mail.subject());
    let token = mail.token("/invite").unwrap();
    assert_eq!(app.get(&mail.link("/invite").unwrap()).await.status(), 200);
    let accepted = app
        .client
        .post(app.url("/api/v1/auth/invitation/accept"))
        .json(&json!({"token": token, "password": STRONG}))
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 200);
    assert!(cookie_from(&accepted, "__Host-portico_session").is_some());
    let again = app
        .client
        .post(app.url("/api/v1/auth/invitation/accept"))
        .json(&json!({"token": token, "password": STRONG}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 422);

    // Roles: unknown user, unknown role, and the last administrator.
    let id = customer.account.id;
    assert_eq!(
        a.patch(app.url("/api/v1/admin/users/999999"))
            .json(&json!({"role": "agent"}))
            .status_of()
            .await,
        404
    );
    let r = a
        .patch(app.url(&format!("/api/v1/admin/users/{id}")))
        .json(&json!({"role": "overlord"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(fields(&r.json().await.unwrap()), vec!["role"]);
    let last = a
        .patch(app.url(&format!("/api/v1/admin/users/{}", admin.account.id)))
        .json(&json!({"role": "customer"}))
        .send()
        .await
        .unwrap();
    assert_eq!(last.status(), 409);
    assert_eq!(fields(&last.json().await.unwrap()), vec!["role"]);
    let last = a
        .patch(app.url(&format!("/api/v1/admin/users/{}", admin.account.id)))
        .json(&json!({"status": "deactivated"}))
        .send()
        .await
        .unwrap();
    assert_eq!(last.status(), 409);
    assert_eq!(
        a.get(app.url("/api/v1/me")).json_of().await["roles"][0],
        "admin",
        "nothing changed"
    );
    let promoted = a
        .patch(app.url(&format!("/api/v1/admin/users/{id}")))
        .json(&json!({"role": "agent"}))
        .json_of()
        .await;
    assert_eq!(promoted["role"], "agent");

    // Deactivation ends sessions and tokens at once; reactivation does not bring tokens back.
    let token = customer
        .client
        .post(app.url("/api/v1/me/tokens"))
        .json(&json!({"name": "script"}))
        .json_of()
        .await["token"]
        .as_str()
        .unwrap()
        .to_string();
    let bearer = |t: &str| {
        app.client
            .get(app.url("/api/v1/me"))
            .bearer_auth(t.to_string())
    };
    assert_eq!(bearer(&token).status_of().await, 200);
    let off = a
        .patch(app.url(&format!("/api/v1/admin/users/{id}")))
        .json(&json!({"status": "deactivated"}))
        .json_of()
        .await;
    assert_eq!(off["status"], "deactivated");
    assert_eq!(
        customer.client.get(app.url("/api/v1/me")).status_of().await,
        401
    );
    assert_eq!(bearer(&token).status_of().await, 401);
    let login = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": customer.account.email, "password": "correct horse battery staple"}))
        .status_of()
        .await;
    assert_eq!(login, 401);
    a.patch(app.url(&format!("/api/v1/admin/users/{id}")))
        .json(&json!({"status": "active"}))
        .status_of()
        .await;
    assert_eq!(bearer(&token).status_of().await, 401);
    let deact = a
        .get(app.url("/api/v1/admin/users?status=deactivated"))
        .json_of()
        .await;
    assert_eq!(deact["items"].as_array().unwrap().len(), 0);

    // All of it is in the audit log, filterable, and as CSV.
    let log = a
        .get(app.url(&format!("/api/v1/admin/audit?user={id}")))
        .json_of()
        .await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for want in [
        "user.role_changed",
        "user.deactivated",
        "user.reactivated",
        "auth.signed_in",
    ] {
        assert!(actions.contains(&want), "{want}: {actions:?}");
    }
    let entry = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "user.role_changed")
        .unwrap();
    assert_eq!(entry["actor"], admin.account.id);
    assert_eq!(entry["details"]["to"], "agent");
    let fam = a
        .get(app.url("/api/v1/admin/audit?action=token."))
        .json_of()
        .await;
    assert!(
        fam["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["action"].as_str().unwrap().starts_with("token."))
    );
    assert!(!fam["items"].as_array().unwrap().is_empty());
    let bad = a
        .get(app.url("/api/v1/admin/audit?since=yesterday&actor=me"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let f = fields(&bad.json().await.unwrap());
    assert!(
        f.contains(&"since".to_string()) && f.contains(&"actor".to_string()),
        "{f:?}"
    );
    let future = a
        .get(app.url("/api/v1/admin/audit?since=2999-01-01"))
        .json_of()
        .await;
    assert!(future["items"].as_array().unwrap().is_empty());
    let csv = a
        .get(app.url("/admin/audit.csv?action=user."))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = csv.text().await.unwrap();
    assert!(text.contains("user.role_changed"));
    assert!(!text.contains("auth.signed_in"));
    app.stop().await;
}

async fn organisations_domains_and_managers(kind: DbKind) {
    let Some((app, sink)) = mailing_app(kind).await else {
        return;
    };
    let admin = app.client_as(Role::Admin).await;
    let a = &admin.client;
    let made = a
        .post(app.url("/api/v1/admin/organizations"))
        .json(&json!({"name": "Acme Trading", "domains": ["@Acme.example", "acme-cn.example"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), 201);
    let org: Value = made.json().await.unwrap();
    let org_id = org["id"].as_i64().unwrap();
    assert_eq!(org["domains"], json!(["acme.example", "acme-cn.example"]));
    // Same name again gets its own slug; a claimed domain is a conflict; a bad one is named.
    let twin = a
        .post(app.url("/api/v1/admin/organizations"))
        .json(&json!({"name": "Acme Trading"}))
        .json_of()
        .await;
    assert_ne!(twin["slug"], org["slug"]);
    let clash = a
        .post(app.url("/api/v1/admin/organizations"))
        .json(&json!({"name": "Other", "domains": ["acme.example"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(clash.status(), 409);
    assert_eq!(fields(&clash.json().await.unwrap()), vec!["domains"]);
    let bad = a
        .post(app.url("/api/v1/admin/organizations"))
        .json(&json!({"name": "", "domains": ["not a domain"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let f = fields(&bad.json().await.unwrap());
    assert!(
        f.contains(&"name".to_string()) && f.contains(&"domains[0]".to_string()),
        "{f:?}"
    );
    assert_eq!(
        a.patch(app.url("/api/v1/admin/organizations/999999"))
            .json(&json!({"name": "x"}))
            .status_of()
            .await,
        404
    );

    // A sign-up with the domain joins the organisation.
    let r = app
        .client
        .post(app.url("/api/v1/auth/signup"))
        .json(&json!({"email": "zoe@acme.example", "password": STRONG, "name": "Zoe"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let zoe_id = r.json::<Value>().await.unwrap()["user"]["id"]
        .as_i64()
        .unwrap();
    // Only a proven address joins: nothing until the verification link is opened.
    let detail = a
        .get(app.url(&format!("/api/v1/admin/organizations/{org_id}")))
        .json_of()
        .await;
    assert!(detail["members"].as_array().unwrap().is_empty());
    let verify = sink
        .wait_for_to("zoe@acme.example", 1)
        .await
        .token("/verify-email")
        .unwrap();
    let ok = app
        .client
        .post(app.url("/api/v1/auth/verify"))
        .json(&json!({"token": verify}))
        .status_of()
        .await;
    assert_eq!(ok, 200);
    let detail = a
        .get(app.url(&format!("/api/v1/admin/organizations/{org_id}")))
        .json_of()
        .await;
    assert_eq!(detail["members"][0]["user_id"], zoe_id);
    assert_eq!(detail["members"][0]["manager"], false);

    // Make a customer the manager: they see the organisation and may invite and remove members.
    let boss = app.client_as(Role::Customer).await;
    assert_eq!(
        boss.client
            .get(app.url(&format!("/api/v1/admin/organizations/{org_id}")))
            .status_of()
            .await,
        404
    );
    assert_eq!(
        a.put(app.url(&format!(
            "/api/v1/admin/organizations/{org_id}/members/{}",
            boss.account.id
        )))
        .json(&json!({"manager": true, "can_see_all": true}))
        .status_of()
        .await,
        204
    );
    assert_eq!(
        a.put(app.url(&format!(
            "/api/v1/admin/organizations/{org_id}/members/999999"
        )))
        .json(&json!({}))
        .status_of()
        .await,
        422
    );
    let me = boss.client.get(app.url("/api/v1/me")).json_of().await;
    assert_eq!(me["organization"]["id"], org_id);
    assert_eq!(me["organization"]["manager"], true);
    assert_eq!(
        boss.client
            .get(app.url(&format!("/api/v1/admin/organizations/{org_id}")))
            .status_of()
            .await,
        200
    );
    // Managers cannot rename or add by id (administrators only), nor touch other organisations.
    assert_eq!(
        boss.client
            .patch(app.url(&format!("/api/v1/admin/organizations/{org_id}")))
            .json(&json!({"name": "Mine"}))
            .status_of()
            .await,
        403
    );
    let twin_id = twin["id"].as_i64().unwrap();
    assert_eq!(
        boss.client
            .get(app.url(&format!("/api/v1/admin/organizations/{twin_id}")))
            .status_of()
            .await,
        404
    );
    // The manager invites from the portal page and removes a member.
    let page = boss
        .client
        .get(app.url(&format!("/admin/organizations/{org_id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let invite = boss
        .client
        .post(app.url(&format!("/admin/organizations/{org_id}/invite")))
        .form(&[("email", "new.hire@acme.example"), ("name", "New Hire")])
        .send()
        .await
        .unwrap();
    assert_eq!(invite.status(), 303);
    let mail = sink.wait_for_to("new.hire@acme.example", 1).await;
    assert!(
        mail.text().contains(&boss.account.name),
        "the inviter is named"
    );
    assert_eq!(
        boss.client
            .delete(app.url(&format!(
                "/api/v1/admin/organizations/{org_id}/members/{zoe_id}"
            )))
            .status_of()
            .await,
        204
    );
    assert_eq!(
        boss.client
            .delete(app.url(&format!(
                "/api/v1/admin/organizations/{org_id}/members/{zoe_id}"
            )))
            .status_of()
            .await,
        404
    );
    assert_eq!(
        boss.client
            .delete(app.url(&format!(
                "/api/v1/admin/organizations/{org_id}/members/{}",
                boss.account.id
            )))
            .status_of()
            .await,
        409
    );
    let members = a
        .get(app.url(&format!("/api/v1/admin/organizations/{org_id}")))
        .json_of()
        .await["members"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(members, 2, "the manager and the invitee");
    let by_org = a
        .get(app.url(&format!("/api/v1/admin/users?organization={org_id}")))
        .json_of()
        .await;
    assert_eq!(by_org["items"].as_array().unwrap().len(), 2);
    let log = a
        .get(app.url("/api/v1/admin/audit?action=organization."))
        .json_of()
        .await;
    assert!(log["items"].as_array().unwrap().len() >= 4);
    app.stop().await;
}

async fn admin_pages_in_both_languages(kind: DbKind) {
    let Some(app) = TestApp::start(kind).await else {
        return;
    };
    let admin = app.client_as(Role::Admin).await;
    let customer = app.client_as(Role::Customer).await;
    for path in [
        "/admin/users",
        "/admin/organizations",
        "/admin/audit",
        &format!("/admin/users/{}", customer.account.id),
    ] {
        for lang in ["en", "zh-CN"] {
            let r = admin
                .client
                .get(app.url(path))
                .header("accept-language", lang)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{path} {lang}");
        }
        assert_eq!(
            customer
                .client
                .get(app.url(path))
                .send()
                .await
                .unwrap()
                .status(),
            403,
            "{path}"
        );
    }
    // Demoting the last administrator from the page is refused with the reason.
    let r = admin
        .client
        .post(app.url(&format!("/admin/users/{}", admin.account.id)))
        .form(&[("role", "customer"), ("status", "active")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("last active administrator")
    );
    app.stop().await;
}

async fn invitations_again_and_signing_someone_out(kind: DbKind) {
    let Some((app, sink)) = mailing_app(kind).await else {
        return;
    };
    let admin = app.client_as(Role::Admin).await;
    let a = &admin.client;
    let invited = a
        .post(app.url("/api/v1/admin/users"))
        .json(&json!({"email": "late@example.com", "name": "Late Comer"}))
        .json_of()
        .await;
    let id = invited["id"].as_i64().unwrap();
    let first = sink
        .wait_for_to("late@example.com", 1)
        .await
        .token("/invite")
        .unwrap();
    let resend = |uid: i64| a.post(app.url(&format!("/api/v1/admin/users/{uid}/invitation")));
    assert_eq!(resend(id).status_of().await, 202);
    let second = sink
        .wait_for_to("late@example.com", 2)
        .await
        .token("/invite")
        .unwrap();
    assert_ne!(first, second);
    // The earlier link stopped working; the new one works once.
    let accept = |t: &str| {
        app.client
            .post(app.url("/api/v1/auth/invitation/accept"))
            .json(&json!({"token": t, "password": STRONG}))
    };
    assert_eq!(accept(&first).status_of().await, 422);
    assert_eq!(accept(&second).status_of().await, 200);
    assert_eq!(resend(id).status_of().await, 409, "already accepted");
    assert_eq!(resend(999_999).status_of().await, 404);

    // Signing someone out everywhere.
    let customer = app.client_as(Role::Customer).await;
    let ended = a
        .delete(app.url(&format!(
            "/api/v1/admin/users/{}/sessions",
            customer.account.id
        )))
        .json_of()
        .await;
    assert_eq!(ended["ended"], 1);
    assert_eq!(
        customer.client.get(app.url("/api/v1/me")).status_of().await,
        401
    );
    assert_eq!(
        customer
            .client
            .delete(app.url(&format!(
                "/api/v1/admin/users/{}/sessions",
                admin.account.id
            )))
            .status_of()
            .await,
        401,
        "signed out already"
    );
    let page = a
        .get(app.url(&format!("/admin/users/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    app.stop().await;
}

both!(
    invitations_again_and_signing_someone_out,
    users_invitations_roles_and_deactivation,
    organisations_domains_and_managers,
    admin_pages_in_both_languages,
);
