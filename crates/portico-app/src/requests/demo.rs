//! The demo catalogue (`demo-requests/types.json`, written for Portico: a shop, a bank and an IT
//! department) and demo requests in every state for the demo customers. Loading twice adds nothing.

use portico_core::form::{FormSchema, Label};
use portico_core::status::RequestStatus;
use portico_storage::requests::{self as store, NewRequest, NewRequestEvent, TypeWrite};
use portico_storage::users;
use serde::Deserialize;

use crate::{App, AppError};

const TYPES: &str = include_str!("../../demo-requests/types.json");

#[derive(Deserialize)]
struct DemoType {
    key: String,
    name: Label,
    description: Label,
    category: Label,
    icon: String,
    audience: String,
    position: i32,
    form: FormSchema,
}

fn json_of<T: serde::Serialize>(v: &T) -> Result<String, AppError> {
    serde_json::to_string(v).map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))
}

/// Adds the demo request types that are missing; returns how many were added.
pub async fn load_types(app: &App) -> Result<usize, AppError> {
    let types: Vec<DemoType> = serde_json::from_str(TYPES)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("demo request types: {e}")))?;
    let mut added = 0;
    for t in types {
        if store::find_type_by_key(app.db().conn(), &t.key)
            .await?
            .is_some()
        {
            continue;
        }
        t.form
            .check()
            .map_err(|e| AppError::Internal(anyhow::anyhow!("demo request type {}: {e}", t.key)))?;
        let tx = app.begin().await?;
        let now = tx.now();
        let inserted = store::insert_type(
            tx.conn(),
            &TypeWrite {
                key: &t.key,
                name: &json_of(&t.name.0)?,
                description: &json_of(&t.description.0)?,
                category: &json_of(&t.category.0)?,
                icon: &t.icon,
                audience: &t.audience,
                organizations: "[]",
                active: true,
                position: t.position,
            },
            &json_of(&t.form)?,
            None,
            now,
        )
        .await;
        match inserted {
            Ok(saved) => {
                let mut tx = tx;
                tx.outbox(
                    super::catalog::REQUEST_TYPE,
                    &saved.key,
                    portico_storage::outbox::OutboxOp::Upsert,
                )
                .await?;
                tx.commit().await?;
                added += 1;
            }
            // Another node added it meanwhile.
            Err(portico_storage::StorageError::Conflict { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(added)
}

/// A demo request: who asked, what, and where it stands now.
struct DemoRequest {
    requester: &'static str,
    type_key: &'static str,
    subject: &'static str,
    fields: &'static str,
    /// The statuses it went through after `new`.
    path: &'static [RequestStatus],
    /// An agent's public reply, if any.
    reply: Option<&'static str>,
}

const REQUESTS: &[DemoRequest] = &[
    DemoRequest {
        requester: "chen.wei@demo.example.com",
        type_key: "change_delivery_address",
        subject: "请把包裹改送到公司地址",
        fields: r#"{}"#,
        path: &[],
        reply: None,
    },
    DemoRequest {
        requester: "chen.wei@demo.example.com",
        type_key: "order_not_arrived",
        subject: "订单已超过预计送达时间",
        fields: r#"{}"#,
        path: &[RequestStatus::Open, RequestStatus::WaitingForCustomer],
        reply: Some("您好，请问快递单上显示的最后一个网点是哪里？我们会据此联系承运商。"),
    },
    DemoRequest {
        requester: "chen.wei@demo.example.com",
        type_key: "refund",
        subject: "退回尺码不合适的外套",
        fields: r#"{}"#,
        path: &[RequestStatus::Open, RequestStatus::Resolved],
        reply: Some("退款已原路退回，预计 3 到 5 个工作日到账。"),
    },
    DemoRequest {
        requester: "emma.jones@demo.example.com",
        type_key: "report_problem",
        subject: "Laptop will not connect to the office Wi-Fi",
        fields: r#"{}"#,
        path: &[RequestStatus::Open],
        reply: Some(
            "Thanks, Emma. Could you restart the laptop once while plugged in? We are checking the access point on your floor.",
        ),
    },
    DemoRequest {
        requester: "emma.jones@demo.example.com",
        type_key: "access_request",
        subject: "Access to the finance reports folder",
        fields: r#"{}"#,
        path: &[
            RequestStatus::Open,
            RequestStatus::Resolved,
            RequestStatus::Closed,
        ],
        reply: Some("Access is granted; sign out and in again to see the folder."),
    },
    DemoRequest {
        requester: "emma.jones@demo.example.com",
        type_key: "card_lost",
        subject: "Card left in a taxi, found again",
        fields: r#"{}"#,
        path: &[RequestStatus::Cancelled],
        reply: None,
    },
];

/// Adds the demo requests once (when no request exists yet); returns how many were added.
pub async fn load_requests(app: &App) -> Result<usize, AppError> {
    let conn = app.db().conn();
    if !store::list_requests(
        conn,
        &store::RequestFilter {
            limit: 1,
            ..Default::default()
        },
    )
    .await?
    .is_empty()
    {
        return Ok(0);
    }
    let agent = users::find_user_by_email(
        conn,
        &portico_core::Email::parse("email", "agent.li@demo.example.com")
            .map_err(portico_core::ValidationErrors::from)?,
    )
    .await?
    .map(|u| u.id);
    let mut added = 0;
    for d in REQUESTS {
        let email = portico_core::Email::parse("email", d.requester)
            .map_err(portico_core::ValidationErrors::from)?;
        let (Some(user), Some(t)) = (
            users::find_user_by_email(conn, &email).await?,
            store::find_type_by_key(conn, d.type_key).await?,
        ) else {
            continue;
        };
        let org = portico_storage::organizations::list_memberships_of_user(conn, user.id)
            .await?
            .first()
            .map(|m| m.organization_id);
        let tx = app.begin().await?;
        let now = tx.now();
        let number = store::next_counter(tx.conn(), super::COUNTER).await?;
        let r = store::insert_request(
            tx.conn(),
            &NewRequest {
                number,
                type_id: t.id,
                type_version: t.version,
                requester_id: user.id,
                organization_id: org,
                subject: d.subject,
                fields: d.fields,
                status: RequestStatus::New.as_str(),
                idempotency_key: None,
            },
            now,
        )
        .await?;
        let event =
            |actor: Option<i64>, kind: &'static str, body: Option<&'static str>| NewRequestEvent {
                request_id: r.id,
                actor_id: actor,
                kind,
                body,
                from_status: None,
                to_status: None,
                internal: false,
            };
        store::insert_event(
            tx.conn(),
            &NewRequestEvent {
                to_status: Some(RequestStatus::New.as_str()),
                ..event(Some(user.id), "created", None)
            },
            now,
        )
        .await?;
        let mut at = RequestStatus::New;
        for (i, to) in d.path.iter().enumerate() {
            if i == 1
                && let Some(body) = d.reply
            {
                store::insert_event(tx.conn(), &event(agent, "comment", Some(body)), now).await?;
            }
            let actor = if *to == RequestStatus::Cancelled || *to == RequestStatus::Closed {
                Some(user.id)
            } else {
                agent
            };
            store::set_status(tx.conn(), r.id, at.as_str(), to.as_str(), now).await?;
            store::insert_event(
                tx.conn(),
                &NewRequestEvent {
                    from_status: Some(at.as_str()),
                    to_status: Some(to.as_str()),
                    ..event(actor, "status", None)
                },
                now,
            )
            .await?;
            at = *to;
        }
        if d.path.len() < 2
            && let Some(body) = d.reply
        {
            store::insert_event(tx.conn(), &event(agent, "comment", Some(body)), now).await?;
        }
        tx.commit().await?;
        added += 1;
    }
    Ok(added)
}
