//! Catalogue and requests API: request types with their forms (read by whoever may submit them,
//! written by administrators), making requests (idempotent with `Idempotency-Key`), lists, a request
//! with its timeline, replies and internal notes, transitions, rating, and attachments.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use portico_app::requests::{self, ListQuery, Submission, TypeInput, TypeView};
use portico_core::Locale;
use portico_core::form::{FormSchema, Label};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

use super::json::ApiJson;
use crate::WebState;
use crate::error::{ApiError, Problem};
use crate::i18n::Lang;
use crate::viewer::CurrentViewer;

/// This feature's API routes.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<WebState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(catalog_list, catalog_create))
        .routes(routes!(catalog_show, catalog_update))
        .routes(routes!(requests_list, request_create))
        .routes(routes!(request_show))
        .routes(routes!(request_comment))
        .routes(routes!(request_transition))
        .routes(routes!(request_rating))
        .routes(routes!(request_assign))
        .routes(routes!(file_show))
        .routes(routes!(deflection_create))
        .merge(
            // Only the upload takes bodies as large as a file.
            utoipa_axum::router::OpenApiRouter::new()
                .routes(routes!(file_upload))
                .layer(axum::extract::DefaultBodyLimit::max(
                    requests::MAX_ATTACHMENT_BYTES + 64 * 1024,
                )),
        )
}

/// A request type: its names in the caller's language, and its current form.
#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogItem {
    pub key: String,
    pub name: String,
    pub description: String,
    /// The catalogue group it is shown in.
    pub category: String,
    pub icon: String,
    /// `everyone`, `customers` or `organizations`.
    pub audience: String,
    /// For audience `organizations`: whose members may submit it.
    pub organizations: Vec<i64>,
    pub active: bool,
    /// The current form version (a request keeps the version it was made with).
    pub version: i32,
    /// `{sections?: [...], fields: [{key, label, type, required, options?, visible_if?, ...}]}`; labels
    /// in every language written.
    #[schema(value_type = Object)]
    pub form: Value,
}

fn item(t: TypeView, lang: Locale) -> CatalogItem {
    CatalogItem {
        name: t.name.get(lang).to_string(),
        description: t.description.get(lang).to_string(),
        category: t.category.get(lang).to_string(),
        form: serde_json::to_value(&t.form).unwrap_or(Value::Null),
        key: t.key,
        icon: t.icon,
        audience: t.audience,
        organizations: t.organizations,
        active: t.active,
        version: t.version,
    }
}

/// Request types.
#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogItems {
    pub items: Vec<CatalogItem>,
}

/// The request types the caller may submit, in catalogue order.
#[utoipa::path(get, path = "/api/v1/catalog", tag = "requests", operation_id = "catalog_list",
    responses((status = 200, description = "Request types", body = CatalogItems)))]
pub async fn catalog_list(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    Lang(lang): Lang,
) -> Result<Json<CatalogItems>, ApiError> {
    let items = requests::catalog::catalog(&state.app, &viewer).await?;
    Ok(Json(CatalogItems {
        items: items.into_iter().map(|t| item(t, lang)).collect(),
    }))
}

/// One request type.
#[utoipa::path(get, path = "/api/v1/catalog/{key}", tag = "requests", operation_id = "catalog_show",
    params(("key" = String, Path, description = "The request type's key")),
    responses(
        (status = 200, description = "The request type", body = CatalogItem),
        (status = 404, description = "No such type, or not one the caller may submit", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn catalog_show(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    Lang(lang): Lang,
    Path(key): Path<String>,
) -> Result<Json<CatalogItem>, ApiError> {
    let t = requests::catalog::request_type(&state.app, &viewer, &key).await?;
    Ok(Json(item(t, lang)))
}

/// A request type as an administrator writes it. Names accept a string (English) or
/// `{"en": …, "zh-CN": …}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogWrite {
    /// For a new type: lower-case letters, digits, `-` and `_`.
    pub key: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub name: Option<Label>,
    #[schema(value_type = Option<Object>)]
    pub description: Option<Label>,
    #[schema(value_type = Option<Object>)]
    pub category: Option<Label>,
    pub icon: Option<String>,
    /// `everyone`, `customers` (default) or `organizations`.
    pub audience: Option<String>,
    pub organizations: Option<Vec<i64>>,
    pub active: Option<bool>,
    pub position: Option<i32>,
    /// The form; on a change, a new version when it differs.
    #[schema(value_type = Option<Object>)]
    pub form: Option<FormSchema>,
}

impl From<CatalogWrite> for TypeInput {
    fn from(w: CatalogWrite) -> Self {
        TypeInput {
            key: w.key,
            name: w.name,
            description: w.description,
            category: w.category,
            icon: w.icon,
            audience: w.audience,
            organizations: w.organizations,
            active: w.active,
            position: w.position,
            form: w.form,
        }
    }
}

/// Define a request type (administrators).
#[utoipa::path(post, path = "/api/v1/catalog", tag = "requests", operation_id = "catalog_create",
    request_body = CatalogWrite,
    responses(
        (status = 201, description = "Defined (form version 1)", body = CatalogItem),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another type has this `key`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field or a part of the form is not valid (named, e.g. `form.fields[2].options`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn catalog_create(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    Lang(lang): Lang,
    ApiJson(w): ApiJson<CatalogWrite>,
) -> Result<(StatusCode, Json<CatalogItem>), ApiError> {
    let t = requests::catalog::create_type(&state.app, &viewer, &w.into()).await?;
    Ok((StatusCode::CREATED, Json(item(t, lang))))
}

/// Change a request type (administrators); a changed form becomes a new version.
#[utoipa::path(patch, path = "/api/v1/catalog/{key}", tag = "requests", operation_id = "catalog_update",
    params(("key" = String, Path, description = "The request type's key")),
    request_body = CatalogWrite,
    responses(
        (status = 200, description = "Changed", body = CatalogItem),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such type", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field or a part of the form is not valid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn catalog_update(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    Lang(lang): Lang,
    Path(key): Path<String>,
    ApiJson(w): ApiJson<CatalogWrite>,
) -> Result<Json<CatalogItem>, ApiError> {
    let t = requests::catalog::update_type(&state.app, &viewer, &key, &w.into()).await?;
    Ok(Json(item(t, lang)))
}

/// A request in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestItem {
    pub id: i64,
    /// `REQ-000123`.
    pub reference: String,
    /// The request type's key.
    #[serde(rename = "type")]
    pub type_key: String,
    pub subject: String,
    pub status: String,
    pub requester_id: i64,
    pub assignee_id: Option<i64>,
    /// RFC 3339.
    pub created_at: String,
    pub updated_at: String,
}

async fn request_item(
    state: &WebState,
    keys: &mut std::collections::HashMap<i64, String>,
    r: requests::Request,
) -> Result<RequestItem, ApiError> {
    let type_key = match keys.get(&r.type_id) {
        Some(k) => k.clone(),
        None => {
            let k = requests::catalog::type_key(&state.app, r.type_id).await?;
            keys.insert(r.type_id, k.clone());
            k
        }
    };
    Ok(RequestItem {
        id: r.id,
        reference: requests::reference(r.number),
        type_key,
        subject: r.subject,
        status: r.status,
        requester_id: r.requester_id,
        assignee_id: r.assignee_id,
        created_at: r.created_at.to_rfc3339(),
        updated_at: r.updated_at.to_rfc3339(),
    })
}

/// A new request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestCreate {
    /// The request type's key.
    #[serde(rename = "type")]
    pub type_key: String,
    /// 1 to 200 characters.
    pub subject: String,
    /// The form's answers by field key; files are named by the ids `POST /api/v1/requests/files` gave.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub fields: Map<String, Value>,
}

/// A request with its timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestOut {
    #[serde(flatten)]
    pub item: RequestItem,
    /// The answers kept (fields the form hid are not stored).
    #[schema(value_type = Object)]
    pub fields: Value,
    /// The form version it was made with.
    pub form_version: i32,
    pub rating: Option<i32>,
    pub rating_comment: Option<String>,
    /// Oldest first; internal notes only for agents.
    pub timeline: Vec<TimelineEntry>,
    pub files: Vec<FileOut>,
}

/// One entry of a request's timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineEntry {
    pub id: i64,
    /// RFC 3339.
    pub at: String,
    pub actor_id: Option<i64>,
    /// `created`, `comment`, `note` (internal), `status`, `assigned`, `rating`.
    pub kind: String,
    pub body: Option<String>,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub internal: bool,
}

/// An uploaded file.
#[derive(Debug, Serialize, ToSchema)]
pub struct FileOut {
    pub id: i64,
    pub name: String,
    /// The type found in its content.
    pub content_type: String,
    pub size: i64,
    /// Where it is served (to those who may see the request).
    pub url: String,
}

fn file_out(f: requests::RequestFile) -> FileOut {
    FileOut {
        url: format!("/api/v1/requests/files/{}", f.id),
        id: f.id,
        name: f.name,
        content_type: f.content_type,
        size: f.size,
    }
}

fn timeline_entry(e: requests::RequestEvent) -> TimelineEntry {
    TimelineEntry {
        id: e.id,
        at: e.at.to_rfc3339(),
        actor_id: e.actor_id,
        kind: e.kind,
        body: e.body,
        from_status: e.from_status,
        to_status: e.to_status,
        internal: e.internal,
    }
}

async fn request_out(state: &WebState, v: requests::RequestView) -> Result<RequestOut, ApiError> {
    let mut keys =
        std::collections::HashMap::from([(v.request_type.id, v.request_type.key.clone())]);
    let fields = serde_json::from_str(&v.request.fields).unwrap_or(Value::Null);
    let (form_version, rating, rating_comment) = (
        v.request.type_version,
        v.request.rating,
        v.request.rating_comment.clone(),
    );
    Ok(RequestOut {
        item: request_item(state, &mut keys, v.request).await?,
        fields,
        form_version,
        rating,
        rating_comment,
        timeline: v.timeline.into_iter().map(timeline_entry).collect(),
        files: v.files.into_iter().map(file_out).collect(),
    })
}

/// Make a request (a signed-in customer with a verified e-mail address). With an `Idempotency-Key`
/// header, a retry answers 200 with the request the first call made, and makes nothing new.
#[utoipa::path(post, path = "/api/v1/requests", tag = "requests", operation_id = "request_create",
    params(("Idempotency-Key" = Option<String>, Header, description = "Up to 128 characters; the same key again returns the first request")),
    request_body = RequestCreate,
    responses(
        (status = 201, description = "Made", body = RequestOut),
        (status = 200, description = "Made earlier with this Idempotency-Key", body = RequestOut),
        (status = 403, description = "The e-mail address is not verified yet", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The type, the subject or answers are not valid (each named, e.g. `fields.amount`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn request_create(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    headers: HeaderMap,
    ApiJson(req): ApiJson<RequestCreate>,
) -> Result<Response, ApiError> {
    let key = headers
        .get("idempotency-key")
        .map(|v| {
            v.to_str().map(str::to_string).map_err(|_| {
                portico_core::ValidationErrors::single(
                    "idempotency_key",
                    "invalid_format",
                    "at most 128 printable characters",
                )
            })
        })
        .transpose()?;
    let made = requests::submit(
        &state.app,
        &viewer,
        &Submission {
            type_key: req.type_key,
            subject: req.subject,
            fields: req.fields,
            idempotency_key: key,
        },
    )
    .await?;
    let status = if made.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let v = requests::submitted_view(&state.app, &viewer, made).await?;
    Ok((status, Json(request_out(&state, v).await?)).into_response())
}

/// Filters of the request list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestListQuery {
    /// `open`, `waiting` (waiting for the requester), `resolved` (resolved, closed or cancelled), or
    /// one status such as `waiting_for_customer`.
    pub status: Option<String>,
    /// A request type's key.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub type_key: Option<String>,
    /// Only this requester's (agents; customers: a colleague in an organisation whose requests they may
    /// see).
    pub requester: Option<i64>,
    /// For agents: their own requests, not the queue.
    #[serde(default)]
    pub mine: bool,
    /// 1 to 100 (default 20).
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

/// A page of requests.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestPage {
    pub items: Vec<RequestItem>,
    pub next_cursor: Option<String>,
}

/// The caller's own requests (and, for organisation members with the right, their organisation's); for
/// agents, the queue of everyone's. Newest first.
#[utoipa::path(get, path = "/api/v1/requests", tag = "requests", operation_id = "requests_list",
    params(RequestListQuery),
    responses(
        (status = 200, description = "A page of requests", body = RequestPage),
        (status = 422, description = "An unknown `status` or `type`, or a bad `cursor`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn requests_list(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    Query(q): Query<RequestListQuery>,
) -> Result<Json<RequestPage>, ApiError> {
    let before = portico_app::identity::admin::parse_cursor(q.cursor.as_deref())?;
    let (rows, next) = requests::list(
        &state.app,
        &viewer,
        &ListQuery {
            status: q.status,
            type_key: q.type_key,
            requester_id: q.requester,
            mine: q.mine,
            before,
            limit: portico_app::identity::admin::page_size(q.limit),
        },
    )
    .await?;
    let mut keys = std::collections::HashMap::new();
    let mut items = Vec::with_capacity(rows.len());
    for r in rows {
        items.push(request_item(&state, &mut keys, r).await?);
    }
    Ok(Json(RequestPage {
        items,
        next_cursor: next.map(|n| n.to_string()),
    }))
}

async fn find(
    state: &WebState,
    viewer: &CurrentViewer,
    id: &str,
) -> Result<requests::RequestView, ApiError> {
    Ok(match id.parse::<i64>() {
        Ok(n) => requests::show(&state.app, viewer, n).await?,
        Err(_) => requests::show_by_reference(&state.app, viewer, id).await?,
    })
}

/// One request with its timeline (by id or reference). Another customer's request is 404.
#[utoipa::path(get, path = "/api/v1/requests/{id}", tag = "requests", operation_id = "request_show",
    params(("id" = String, Path, description = "The request's id, or its reference (REQ-000123)")),
    responses(
        (status = 200, description = "The request", body = RequestOut),
        (status = 404, description = "No such request, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn request_show(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    Path(id): Path<String>,
) -> Result<Json<RequestOut>, ApiError> {
    let v = find(&state, &viewer, &id).await?;
    Ok(Json(request_out(&state, v).await?))
}

/// A reply, or an agent's internal note.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentCreate {
    /// 1 to 20,000 characters.
    pub body: String,
    /// An internal note (agents only): never shown to the customer nor mailed.
    #[serde(default)]
    pub internal: bool,
    /// Ids of files the caller uploaded.
    #[serde(default)]
    pub files: Vec<i64>,
}

/// Reply to a request, or (agents) add an internal note.
#[utoipa::path(post, path = "/api/v1/requests/{id}/comments", tag = "requests", operation_id = "request_comment",
    params(("id" = i64, Path, description = "The request's id")),
    request_body = CommentCreate,
    responses(
        (status = 201, description = "Added to the timeline", body = TimelineEntry),
        (status = 403, description = "May look but not reply (a colleague), or an internal note from a customer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The request is closed or cancelled (`request`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`body` or `files` not valid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn request_comment(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    Path(id): Path<i64>,
    ApiJson(c): ApiJson<CommentCreate>,
) -> Result<(StatusCode, Json<TimelineEntry>), ApiError> {
    let e = requests::comment(&state.app, &viewer, id, &c.body, c.internal, &c.files).await?;
    Ok((StatusCode::CREATED, Json(timeline_entry(e))))
}

/// A move to another status.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionCreate {
    /// `open`, `waiting_for_customer`, `resolved`, `closed`, `cancelled`…
    pub to: String,
}

/// Move a request to another status: requesters cancel, confirm (`closed`) or reopen (`open`, within
/// the configured window after the resolution, `requests.reopen_days`, 14 by default); agents move it
/// along the workflow.
#[utoipa::path(post, path = "/api/v1/requests/{id}/transitions", tag = "requests", operation_id = "request_transition",
    params(("id" = i64, Path, description = "The request's id")),
    request_body = TransitionCreate,
    responses(
        (status = 200, description = "Moved", body = RequestItem),
        (status = 403, description = "May look but not act", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed from where it stands (`to`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown status (`to`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn request_transition(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    Path(id): Path<i64>,
    ApiJson(t): ApiJson<TransitionCreate>,
) -> Result<Json<RequestItem>, ApiError> {
    let r = requests::transition(&state.app, &viewer, id, &t.to).await?;
    let mut keys = std::collections::HashMap::new();
    Ok(Json(request_item(&state, &mut keys, r).await?))
}

/// A rating.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingCreate {
    /// 1 to 5.
    pub score: i64,
    pub comment: Option<String>,
}

/// Rate a resolved request, once (its requester).
#[utoipa::path(post, path = "/api/v1/requests/{id}/rating", tag = "requests", operation_id = "request_rating",
    params(("id" = i64, Path, description = "The request's id")),
    request_body = RatingCreate,
    responses(
        (status = 200, description = "Rated", body = RequestItem),
        (status = 403, description = "Not its requester", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rated already, or not resolved (`score`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`score` outside 1 to 5, or `comment` too long", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn request_rating(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<RatingCreate>,
) -> Result<Json<RequestItem>, ApiError> {
    let rated = requests::rate(&state.app, &viewer, id, r.score, r.comment.as_deref()).await?;
    let mut keys = std::collections::HashMap::new();
    Ok(Json(request_item(&state, &mut keys, rated).await?))
}

/// Take a request (agents).
#[utoipa::path(post, path = "/api/v1/requests/{id}/assign", tag = "requests", operation_id = "request_assign",
    params(("id" = i64, Path, description = "The request's id")),
    responses(
        (status = 204, description = "Assigned to the caller"),
        (status = 403, description = "Not an agent", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Closed or cancelled (`request`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn request_assign(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    requests::assign_to_self(&state.app, &viewer, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Upload a file for a request about to be made, or a reply.
///
/// A `multipart/form-data` body with the file in the field `file`: an image, PDF, Word, Excel,
/// PowerPoint, ZIP, text or CSV file up to 10 MiB, checked by content (a program named `.png` is
/// refused). Name the returned id in a file field or a reply's `files`.
#[utoipa::path(post, path = "/api/v1/requests/files", tag = "requests", operation_id = "request_file_upload",
    request_body(content_type = "multipart/form-data", description = "The file in the field `file`"),
    responses(
        (status = 201, description = "Stored, not yet attached", body = FileOut),
        (status = 403, description = "The e-mail address is not verified yet", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than 10 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Empty, too large or of a type not accepted (`file`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn file_upload(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    form: axum::extract::Multipart,
) -> Result<(StatusCode, Json<FileOut>), ApiError> {
    viewer.require_signed_in()?;
    let (name, bytes) = crate::html::kb::manage::file_field(form).await?;
    let f = requests::upload(&state.app, &viewer, &name, &bytes).await?;
    Ok((
        StatusCode::CREATED,
        Json(FileOut {
            url: format!("/api/v1/requests/files/{}", f.id),
            id: f.id,
            name: f.name,
            content_type: f.content_type,
            size: i64::try_from(f.size).unwrap_or(i64::MAX),
        }),
    ))
}

/// A request's file, to those who may see the request (and to its uploader before it is attached).
#[utoipa::path(get, path = "/api/v1/requests/files/{id}", tag = "requests", operation_id = "request_file_show",
    params(("id" = i64, Path, description = "The file's id")),
    responses(
        (status = 200, description = "The file, as a download", content_type = "application/octet-stream"),
        (status = 404, description = "No such file, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn file_show(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    use axum::http::{HeaderValue, header};
    let (f, bytes) = requests::file(&state.app, &viewer, id).await?;
    let mut res = (StatusCode::OK, bytes).into_response();
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&f.content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{}\"",
        f.name.replace('"', "")
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(res)
}

/// A deflection: a suggested article opened from a request form that was then left unsent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeflectionCreate {
    /// The request type's key.
    #[serde(rename = "type")]
    pub type_key: String,
    /// The article's slug.
    pub article: String,
}

/// Record that a suggested article answered someone who then did not send their request (sent by the
/// request form's script as the visitor leaves; counted once per visitor, type and day).
#[utoipa::path(post, path = "/api/v1/requests/deflections", tag = "requests", operation_id = "request_deflection",
    request_body = DeflectionCreate,
    responses(
        (status = 204, description = "Recorded"),
        (status = 422, description = "An unknown `type` or a malformed `article`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn deflection_create(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    crate::client::Visitor(visitor): crate::client::Visitor,
    ApiJson(d): ApiJson<DeflectionCreate>,
) -> Result<StatusCode, ApiError> {
    requests::record_deflection(&state.app, &viewer, &visitor, &d.type_key, &d.article).await?;
    Ok(StatusCode::NO_CONTENT)
}
