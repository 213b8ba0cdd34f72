//! Requests in the browser: "Get help with something" (the catalogue), the guided form, "My requests",
//! a request's page (timeline, reply, cancel, confirm, reopen, rate; for agents also notes, status and
//! taking it) and the agents' queue. Every page works without JavaScript; `request-form.js` adds steps,
//! conditional fields and a draft kept across reloads.

pub mod builder;
pub mod form;

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use portico_app::AppError;
use portico_app::requests::{self, ListQuery, RequestView, Submission, TypeView};
use portico_core::Permission;
use portico_core::status::RequestStatus;
use serde::Deserialize;

use super::forms::{FormErrors, require_page};
use super::{PageContext, render};
use crate::WebState;
use crate::error::HtmlError;

/// This feature's pages.
pub fn routes() -> axum::Router<WebState> {
    let upload_limit =
        axum::extract::DefaultBodyLimit::max(requests::MAX_ATTACHMENT_BYTES * 3 + 256 * 1024);
    axum::Router::new()
        .route("/requests", get(list_show))
        .route("/requests/new", get(catalog_show))
        .route(
            "/requests/new/{key}",
            get(form_show).post(form_submit).layer(upload_limit),
        )
        .route("/requests/{reference}", get(request_show))
        .route(
            "/requests/{reference}/reply",
            post(reply_submit).layer(upload_limit),
        )
        .route("/requests/{reference}/transition", post(transition_submit))
        .route("/requests/{reference}/rating", post(rating_submit))
        .route("/requests/{reference}/assign", post(assign_submit))
        .route("/requests/{reference}/events", get(events_stream))
        .route("/agent/queue", get(queue_show))
        .route("/admin/catalog", get(builder::list_show))
        .route(
            "/admin/catalog/new",
            get(builder::new_show).post(builder::new_submit),
        )
        .route(
            "/admin/catalog/{key}",
            get(builder::edit_show).post(builder::edit_submit),
        )
}

/// A status as a badge: its name in the reader's language and the badge's colour class.
pub fn badge(page: &PageContext, status: &str) -> (String, &'static str) {
    // "Waiting for you" is the customer's view; agents read "Waiting for the customer".
    let staff = if page.works_queue() && status == "waiting_for_customer" {
        "-staff"
    } else {
        ""
    };
    let name = page.t(&format!(
        "request-status-{}{staff}",
        status.replace('_', "-")
    ));
    let class = match status {
        "new" | "open" => "badge-info",
        "waiting_for_customer" | "waiting_for_approval" => "badge-warning",
        "resolved" | "closed" => "badge-success",
        _ => "",
    };
    (name, class)
}

/// A catalogue card.
pub struct TypeCard {
    pub key: String,
    pub name: String,
    pub description: String,
    pub icon: String,
}

/// Cards under one group heading.
pub struct TypeGroup {
    pub name: String,
    pub types: Vec<TypeCard>,
}

#[derive(Template)]
#[template(path = "requests/catalog.html")]
pub struct CatalogPage {
    pub page: PageContext,
    pub q: String,
    pub groups: Vec<TypeGroup>,
}

#[derive(Debug, Deserialize)]
pub struct CatalogQuery {
    #[serde(default)]
    q: String,
}

pub async fn catalog_show(
    State(state): State<WebState>,
    page: PageContext,
    Query(q): Query<CatalogQuery>,
) -> Result<Response, HtmlError> {
    let query = portico_app::portal::normalize_query(&q.q);
    let types = requests::catalog::find(&state.app, &page.viewer, &query).await?;
    let mut groups: Vec<TypeGroup> = Vec::new();
    for t in &types {
        let name = t.category.get(page.lang).to_string();
        let card = TypeCard {
            key: t.key.clone(),
            name: t.name.get(page.lang).to_string(),
            description: t.description.get(page.lang).to_string(),
            icon: t.icon.clone(),
        };
        match groups.iter_mut().find(|g| g.name == name) {
            Some(g) => g.types.push(card),
            None => groups.push(TypeGroup {
                name,
                types: vec![card],
            }),
        }
    }
    Ok(render(
        StatusCode::OK,
        &CatalogPage {
            q: query,
            groups,
            page,
        },
    ))
}

#[derive(Template)]
#[template(path = "requests/form.html")]
pub struct FormPage {
    pub page: PageContext,
    pub key: String,
    pub name: String,
    pub description: String,
    pub subject: String,
    /// A new token for each form shown: a double submit makes one request.
    pub token: String,
    pub sections: Vec<form::SectionView>,
    pub errors: FormErrors,
    /// Signed in without a confirmed address: say so instead of a form that would fail.
    pub unverified: bool,
    /// The form's schema for the page's script (the same rules as the server's).
    pub schema_json: String,
}

fn new_token() -> String {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::rng().fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

async fn type_for_form(
    state: &WebState,
    page: &PageContext,
    key: &str,
) -> Result<TypeView, AppError> {
    requests::catalog::request_type(&state.app, &page.viewer, key).await
}

fn form_page(
    page: PageContext,
    t: &TypeView,
    subject: String,
    answers: &form::Answers,
    errors: FormErrors,
    token: String,
) -> FormPage {
    let unverified = page.user.as_ref().is_some_and(|u| !u.email_verified);
    let sections = form::sections(&page, &t.form, answers, &errors);
    FormPage {
        key: t.key.clone(),
        name: t.name.get(page.lang).to_string(),
        description: t.description.get(page.lang).to_string(),
        subject,
        token,
        sections,
        errors,
        unverified,
        schema_json: serde_json::to_string(&t.form).unwrap_or_else(|_| "{}".into()),
        page,
    }
}

pub async fn form_show(
    State(state): State<WebState>,
    page: PageContext,
    Path(key): Path<String>,
) -> Result<Response, HtmlError> {
    if let Some(r) = require_page(&page, Permission::UsePortal) {
        return Ok(r);
    }
    let t = type_for_form(&state, &page, &key).await?;
    let answers = form::Answers::defaults(&t.form);
    Ok(render(
        StatusCode::OK,
        &form_page(
            page,
            &t,
            String::new(),
            &answers,
            FormErrors::default(),
            new_token(),
        ),
    ))
}

pub async fn form_submit(
    State(state): State<WebState>,
    page: PageContext,
    Path(key): Path<String>,
    multipart: Multipart,
) -> Result<Response, HtmlError> {
    if let Some(r) = require_page(&page, Permission::UsePortal) {
        return Ok(r);
    }
    let t = type_for_form(&state, &page, &key).await?;
    let posted = form::read_post(&state, &page, &t.form, multipart).await;
    let (subject, token, mut answers, upload_errors) = match posted {
        Ok(p) => (p.subject, p.token, p.answers, p.upload_errors),
        Err(e) => {
            let errors = FormErrors::from_app(page.lang, e)?;
            let answers = form::Answers::defaults(&t.form);
            return Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &form_page(page, &t, String::new(), &answers, errors, new_token()),
            ));
        }
    };
    if !upload_errors.is_empty() {
        let errors = FormErrors::from_fields(page.lang, &upload_errors);
        return Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &form_page(page, &t, subject, &answers, errors, token),
        ));
    }
    let submission = Submission {
        type_key: t.key.clone(),
        subject: subject.clone(),
        fields: answers.to_json(&t.form),
        idempotency_key: Some(format!("form:{token}")),
    };
    match requests::submit(&state.app, &page.viewer, &submission).await {
        Ok(made) => Ok(Redirect::to(&format!(
            "/requests/{}?done=created",
            requests::reference(made.request.number)
        ))
        .into_response()),
        Err(e) => {
            let errors = FormErrors::from_app(page.lang, e)?;
            answers.keep_files_named(&errors);
            Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &form_page(page, &t, subject, &answers, errors, token),
            ))
        }
    }
}

/// A request in a list.
pub struct RequestCard {
    pub reference: String,
    pub subject: String,
    pub type_name: String,
    pub status: String,
    pub badge: (String, &'static str),
    pub updated: String,
}

async fn cards(
    state: &WebState,
    page: &PageContext,
    rows: Vec<requests::Request>,
) -> Result<Vec<RequestCard>, AppError> {
    let types = requests::catalog::catalog(&state.app, &page.viewer).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let type_name = match types.iter().find(|t| t.id == r.type_id) {
            Some(t) => t.name.get(page.lang).to_string(),
            None => requests::catalog::type_key(&state.app, r.type_id).await?,
        };
        out.push(RequestCard {
            reference: requests::reference(r.number),
            badge: badge(page, &r.status),
            updated: page.time(&r.updated_at),
            status: r.status,
            subject: r.subject,
            type_name,
        });
    }
    Ok(out)
}

#[derive(Template)]
#[template(path = "requests/list.html")]
pub struct ListPage {
    pub page: PageContext,
    pub filter: String,
    /// `me`, a colleague's id, or empty (everyone the viewer may see).
    pub requester: String,
    /// The colleagues whose requests the viewer may see (id, name); empty hides the choice.
    pub colleagues: Vec<(String, String)>,
    pub requests: Vec<RequestCard>,
    pub next: Option<i64>,
}

impl ListPage {
    /// The next page's address.
    fn more_link(&self, cursor: &i64) -> String {
        self.link(&self.filter, Some(*cursor))
    }

    /// The list's address with `status` and the chosen requester (and `cursor` when given).
    fn link(&self, status: &str, cursor: Option<i64>) -> String {
        let mut parts = Vec::new();
        if !status.is_empty() {
            parts.push(format!("status={status}"));
        }
        if !self.requester.is_empty() {
            parts.push(format!("requester={}", self.requester));
        }
        if let Some(c) = cursor {
            parts.push(format!("cursor={c}"));
        }
        if parts.is_empty() {
            "/requests".into()
        } else {
            format!("/requests?{}", parts.join("&"))
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ListParams {
    #[serde(default)]
    status: String,
    #[serde(default)]
    cursor: String,
    #[serde(default, rename = "type")]
    type_key: String,
    /// My requests: `me`, a colleague's id, or empty for everyone the viewer may see.
    #[serde(default)]
    requester: String,
}

fn cursor_of(s: &str) -> Result<Option<i64>, AppError> {
    portico_app::identity::admin::parse_cursor(Some(s))
}

pub async fn list_show(
    State(state): State<WebState>,
    page: PageContext,
    Query(p): Query<ListParams>,
) -> Result<Response, HtmlError> {
    if let Some(r) = require_page(&page, Permission::UsePortal) {
        return Ok(r);
    }
    let filter = match p.status.as_str() {
        "open" | "waiting" | "resolved" => p.status.clone(),
        _ => String::new(),
    };
    let colleagues = requests::colleagues(&state.app, &page.viewer).await?;
    let me = page.viewer.user_id();
    // Only the choices the page offers; anything else shows everyone the viewer may see.
    let requester = match p.requester.trim() {
        "me" => "me".to_string(),
        id if colleagues.iter().any(|(c, _)| c.to_string() == id) => id.to_string(),
        _ => String::new(),
    };
    let requester_id = match requester.as_str() {
        "" => None,
        "me" => me,
        id => id.parse().ok(),
    };
    let (rows, next) = requests::list(
        &state.app,
        &page.viewer,
        &ListQuery {
            status: Some(filter.clone()).filter(|s| !s.is_empty()),
            requester_id,
            mine: true,
            before: cursor_of(&p.cursor)?,
            limit: 20,
            ..Default::default()
        },
    )
    .await?;
    let requests = cards(&state, &page, rows).await?;
    Ok(render(
        StatusCode::OK,
        &ListPage {
            filter,
            requester,
            colleagues: colleagues
                .into_iter()
                .map(|(id, name)| (id.to_string(), name))
                .collect(),
            requests,
            next,
            page,
        },
    ))
}

#[derive(Template)]
#[template(path = "requests/queue.html")]
pub struct QueuePage {
    pub page: PageContext,
    pub status: String,
    pub type_key: String,
    pub types: Vec<(String, String)>,
    pub requests: Vec<RequestCard>,
    pub next: Option<i64>,
}

pub async fn queue_show(
    State(state): State<WebState>,
    page: PageContext,
    Query(p): Query<ListParams>,
) -> Result<Response, HtmlError> {
    if let Some(r) = require_page(&page, Permission::WorkQueue) {
        return Ok(r);
    }
    let status = match p.status.as_str() {
        "" => "open".to_string(),
        "all" => String::new(),
        s => s.to_string(),
    };
    let (rows, next) = requests::list(
        &state.app,
        &page.viewer,
        &ListQuery {
            status: Some(status.clone()).filter(|s| !s.is_empty()),
            type_key: Some(p.type_key.clone()).filter(|s| !s.is_empty()),
            before: cursor_of(&p.cursor)?,
            limit: 50,
            ..Default::default()
        },
    )
    .await?;
    let requests = cards(&state, &page, rows).await?;
    let types = requests::catalog::catalog(&state.app, &page.viewer)
        .await?
        .into_iter()
        .map(|t| (t.key.clone(), t.name.get(page.lang).to_string()))
        .collect();
    Ok(render(
        StatusCode::OK,
        &QueuePage {
            status: if status.is_empty() {
                "all".into()
            } else {
                status
            },
            type_key: p.type_key,
            types,
            requests,
            next,
            page,
        },
    ))
}

/// One entry of the timeline as the page shows it.
pub struct TimelineView {
    pub kind: String,
    pub who: String,
    pub at: String,
    pub body: String,
    pub internal: bool,
    /// For status changes: the new status's badge.
    pub to: Option<(String, &'static str)>,
    pub files: Vec<(i64, String)>,
}

/// One answer of the form as submitted.
pub struct AnswerView {
    pub label: String,
    pub value: String,
    pub files: Vec<(i64, String)>,
}

#[derive(Template)]
#[template(path = "requests/show.html")]
pub struct RequestPage {
    pub page: PageContext,
    pub reference: String,
    pub v: RequestView,
    pub type_name: String,
    pub badge: (String, &'static str),
    pub answers: Vec<AnswerView>,
    pub timeline: Vec<TimelineView>,
    pub notice: Option<String>,
    pub errors: FormErrors,
    pub moves: Vec<(String, String)>,
    /// The rating's choices, best first: (score, words).
    pub stars: Vec<(u8, String)>,
    /// The rating given, in words.
    pub rated: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

async fn request_page(
    state: &WebState,
    page: PageContext,
    reference: &str,
    notice: Option<String>,
    errors: FormErrors,
) -> Result<RequestPage, AppError> {
    let v = requests::show_by_reference(&state.app, &page.viewer, reference).await?;
    let names = v.people.clone();
    let who = |id: Option<i64>| -> String {
        id.and_then(|i| names.get(&i).cloned())
            .unwrap_or_else(|| page.t("request-someone"))
    };
    let files_of = |event: i64| -> Vec<(i64, String)> {
        v.files
            .iter()
            .filter(|f| f.event_id == Some(event))
            .map(|f| (f.id, f.name.clone()))
            .collect()
    };
    let timeline = v
        .timeline
        .iter()
        .map(|e| TimelineView {
            kind: e.kind.clone(),
            who: who(e.actor_id),
            at: page.time(&e.at),
            body: e.body.clone().unwrap_or_default(),
            internal: e.internal,
            to: e.to_status.as_deref().map(|s| badge(&page, s)),
            files: files_of(e.id),
        })
        .collect();
    let answers = form::answers(&page, &v);
    let moves = v
        .actions
        .agent_moves
        .iter()
        .map(|s: &RequestStatus| (s.as_str().to_string(), badge(&page, s.as_str()).0))
        .collect();
    let stars = (1..=5u8)
        .rev()
        .map(|n| (n, page.t_count("request-rate-stars", usize::from(n))))
        .collect();
    let rated = v
        .request
        .rating
        .map(|n| page.t_count("request-rate-stars", usize::try_from(n).unwrap_or(0)));
    Ok(RequestPage {
        stars,
        rated,
        reference: requests::reference(v.request.number),
        type_name: v.request_type.name.get(page.lang).to_string(),
        badge: badge(&page, &v.request.status),
        answers,
        timeline,
        notice,
        errors,
        moves,
        v,
        page,
    })
}

pub async fn request_show(
    State(state): State<WebState>,
    page: PageContext,
    Path(reference): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, HtmlError> {
    if page.user.is_none() {
        return Ok(super::forms::to_sign_in(&page));
    }
    let notice = q.done.as_deref().and_then(|d| match d {
        "created" | "replied" | "moved" | "rated" | "assigned" => {
            Some(page.t(&format!("request-done-{d}")))
        }
        _ => None,
    });
    let p = request_page(&state, page, &reference, notice, FormErrors::default()).await?;
    Ok(render(StatusCode::OK, &p))
}

async fn id_of(state: &WebState, page: &PageContext, reference: &str) -> Result<i64, AppError> {
    Ok(
        requests::show_by_reference(&state.app, &page.viewer, reference)
            .await?
            .request
            .id,
    )
}

/// After an action: back to the request, or its page with the problem next to the form.
async fn after(
    state: &WebState,
    page: PageContext,
    reference: &str,
    result: Result<(), AppError>,
    done: &str,
) -> Result<Response, HtmlError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/requests/{reference}?done={done}")).into_response()),
        Err(e) => {
            let errors = FormErrors::from_app(page.lang, e)?;
            let p = request_page(state, page, reference, None, errors).await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &p))
        }
    }
}

pub async fn reply_submit(
    State(state): State<WebState>,
    page: PageContext,
    Path(reference): Path<String>,
    multipart: Multipart,
) -> Result<Response, HtmlError> {
    if page.user.is_none() {
        return Ok(super::forms::to_sign_in(&page));
    }
    let result = async {
        let id = id_of(&state, &page, &reference).await?;
        let reply = form::read_reply(&state, &page, multipart).await?;
        requests::comment(
            &state.app,
            &page.viewer,
            id,
            &reply.body,
            reply.internal,
            &reply.files,
        )
        .await
        .map(|_| ())
    }
    .await;
    after(&state, page, &reference, result, "replied").await
}

#[derive(Debug, Deserialize)]
pub struct TransitionForm {
    #[serde(default)]
    to: String,
}

pub async fn transition_submit(
    State(state): State<WebState>,
    page: PageContext,
    Path(reference): Path<String>,
    axum::Form(f): axum::Form<TransitionForm>,
) -> Result<Response, HtmlError> {
    if page.user.is_none() {
        return Ok(super::forms::to_sign_in(&page));
    }
    let result = async {
        let id = id_of(&state, &page, &reference).await?;
        requests::transition(&state.app, &page.viewer, id, &f.to)
            .await
            .map(|_| ())
    }
    .await;
    after(&state, page, &reference, result, "moved").await
}

#[derive(Debug, Deserialize)]
pub struct RatingForm {
    #[serde(default)]
    score: String,
    #[serde(default)]
    comment: String,
}

pub async fn rating_submit(
    State(state): State<WebState>,
    page: PageContext,
    Path(reference): Path<String>,
    axum::Form(f): axum::Form<RatingForm>,
) -> Result<Response, HtmlError> {
    if page.user.is_none() {
        return Ok(super::forms::to_sign_in(&page));
    }
    let result = async {
        let id = id_of(&state, &page, &reference).await?;
        let score = f.score.trim().parse::<i64>().unwrap_or(0);
        requests::rate(&state.app, &page.viewer, id, score, Some(&f.comment))
            .await
            .map(|_| ())
    }
    .await;
    after(&state, page, &reference, result, "rated").await
}

pub async fn assign_submit(
    State(state): State<WebState>,
    page: PageContext,
    Path(reference): Path<String>,
) -> Result<Response, HtmlError> {
    if let Some(r) = require_page(&page, Permission::WorkQueue) {
        return Ok(r);
    }
    let result = async {
        let id = id_of(&state, &page, &reference).await?;
        requests::assign_to_self(&state.app, &page.viewer, id).await
    }
    .await;
    after(&state, page, &reference, result, "assigned").await
}

pub use form::SectionView;

/// How long one event stream stays open; the browser reconnects on its own.
const STREAM_FOR: std::time::Duration = std::time::Duration::from_secs(300);

/// Server-sent events for an open request page: `changed` whenever its timeline or status changes (on
/// any node, through PostgreSQL NOTIFY), never for internal changes unless the viewer is an agent. The
/// event carries nothing: the page reloads what the viewer may see.
pub async fn events_stream(
    State(state): State<WebState>,
    page: PageContext,
    Path(reference): Path<String>,
) -> Result<Response, HtmlError> {
    use axum::response::sse::{Event, KeepAlive, Sse};
    use tokio::sync::broadcast::error::RecvError;
    if page.user.is_none() {
        return Err(HtmlError(AppError::Unauthenticated));
    }
    let id = id_of(&state, &page, &reference).await?;
    let staff = page.works_queue();
    let rx = state.app.request_changes();
    let until = tokio::time::Instant::now() + STREAM_FOR;
    let stream = futures_util::stream::unfold(rx, move |mut rx| async move {
        loop {
            let next = tokio::time::timeout_at(until, rx.recv()).await;
            match next {
                Err(_) | Ok(Err(RecvError::Closed)) => return None,
                Ok(Ok((changed, internal))) if changed == id && (staff || !internal) => {
                    break;
                }
                Ok(Ok(_)) => continue,
                // Missed some: say it changed, the page reloads anyway.
                Ok(Err(RecvError::Lagged(_))) => break,
            }
        }
        Some((
            // A browser drops an event without data, so it carries the request's id.
            Ok::<_, std::convert::Infallible>(
                Event::default().event("changed").data(id.to_string()),
            ),
            rx,
        ))
    });
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response())
}
