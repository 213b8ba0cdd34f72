//! Errors at the HTTP edge. Handlers return [`ApiError`] (JSON API) or [`HtmlError`] (pages); both carry
//! a status and, for the API, an RFC 9457 problem document naming each invalid field. The
//! [`error_pages`] middleware then makes every error response consistent, including ones produced
//! outside handlers (unknown routes, wrong methods, oversized bodies, panics): `/api` gets
//! `application/problem+json`, everything else a friendly page in the visitor's language with the
//! request id. Details of 5xx errors are logged, never shown.

use askama::Template;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use portico_app::AppError;
use portico_core::{FieldError, Locale};
use serde::Serialize;

use crate::WebState;
use crate::html::{PageContext, render};
use crate::i18n::t;
use crate::request_id::RequestId;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// One invalid field in a problem document.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProblemField {
    pub field: String,
    pub message: String,
    pub code: String,
}

/// RFC 9457 problem details.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl Problem {
    pub fn new(status: StatusCode, detail: Option<String>) -> Self {
        Self {
            type_: "about:blank".into(),
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail,
            errors: Vec::new(),
            request_id: None,
        }
    }

    pub fn with_fields(mut self, fields: &[FieldError]) -> Self {
        self.errors = fields
            .iter()
            .map(|f| ProblemField {
                field: f.field.clone(),
                message: f.message.clone(),
                code: f.code.to_string(),
            })
            .collect();
        self
    }
}

/// Marks a response whose body is already in its final form for its audience.
#[derive(Debug, Clone, Copy)]
struct Finished;

fn problem_response(status: StatusCode, p: &Problem, retry_after: Option<u64>) -> Response {
    let body = serde_json::to_vec(p).unwrap_or_default();
    let mut res = (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON))],
        body,
    )
        .into_response();
    if let Some(secs) = retry_after
        && let Ok(v) = HeaderValue::from_str(&secs.to_string())
    {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}

/// An error answered to a JSON API caller.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

/// Status, problem document and optional Retry-After for a use-case error.
fn classify(e: &AppError) -> (StatusCode, Problem, Option<u64>) {
    match e {
        AppError::Invalid(v) => {
            let p = Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("Some fields are not valid.".into()),
            )
            .with_fields(&v.0);
            (StatusCode::UNPROCESSABLE_ENTITY, p, None)
        }
        AppError::NotFound => (
            StatusCode::NOT_FOUND,
            Problem::new(StatusCode::NOT_FOUND, None),
            None,
        ),
        AppError::Conflict { field, message } => {
            let p = Problem::new(StatusCode::CONFLICT, Some(message.clone()))
                .with_fields(&[FieldError::new(field.clone(), "conflict", message.clone())]);
            (StatusCode::CONFLICT, p, None)
        }
        AppError::Unauthenticated => (
            StatusCode::UNAUTHORIZED,
            Problem::new(
                StatusCode::UNAUTHORIZED,
                Some("Sign in, or send a valid bearer token.".into()),
            ),
            None,
        ),
        AppError::Forbidden => (
            StatusCode::FORBIDDEN,
            Problem::new(StatusCode::FORBIDDEN, None),
            None,
        ),
        AppError::RateLimited { retry_after_secs } => (
            StatusCode::TOO_MANY_REQUESTS,
            Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                Some("Too many attempts; try again later.".into()),
            ),
            Some(*retry_after_secs),
        ),
        AppError::Unavailable(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Problem::new(StatusCode::SERVICE_UNAVAILABLE, None),
            Some(5),
        ),
        AppError::Internal(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Problem::new(StatusCode::INTERNAL_SERVER_ERROR, None),
            None,
        ),
    }
}

fn log_if_server_error(e: &AppError) {
    match e {
        AppError::Internal(err) => tracing::error!(error = %format!("{err:#}"), "request failed"),
        AppError::Unavailable(m) => tracing::warn!(error = %m, "dependency unavailable"),
        _ => {}
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        log_if_server_error(&self.0);
        let (status, p, retry) = classify(&self.0);
        problem_response(status, &p, retry)
    }
}

/// An error answered with a page. The page itself is rendered by [`error_pages`], which knows the
/// visitor's language and the request id.
#[derive(Debug)]
pub struct HtmlError(pub AppError);

impl<E: Into<AppError>> From<E> for HtmlError {
    fn from(e: E) -> Self {
        HtmlError(e.into())
    }
}

impl IntoResponse for HtmlError {
    fn into_response(self) -> Response {
        log_if_server_error(&self.0);
        let (status, _, retry) = classify(&self.0);
        let mut res = status.into_response();
        if let Some(secs) = retry
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res
    }
}

/// The friendly error page.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub page: PageContext,
    pub status: u16,
    pub title: String,
    pub message: String,
}

fn page_keys(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        400 | 415 | 422 => ("error-bad-request-title", "error-bad-request-body"),
        401 | 403 => ("error-forbidden-title", "error-forbidden-body"),
        404 => ("error-not-found-title", "error-not-found-body"),
        405 => ("error-method-title", "error-method-body"),
        413 => ("error-too-large-title", "error-too-large-body"),
        _ => ("error-internal-title", "error-internal-body"),
    }
}

fn is_api_path(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// Adds the request id to a handler's problem document, so every API error can be quoted.
async fn with_request_id(res: Response, request_id: Option<&RequestId>) -> Response {
    let Some(id) = request_id else { return res };
    let (mut parts, body) = res.into_parts();
    let bytes = to_bytes(body, 64 * 1024).await.unwrap_or_default();
    let mut doc: serde_json::Value =
        serde_json::from_slice(&bytes).unwrap_or_else(|_| serde_json::json!({}));
    if let Some(obj) = doc.as_object_mut() {
        obj.entry("request_id")
            .or_insert_with(|| serde_json::Value::String(id.0.clone()));
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(
        parts,
        Body::from(serde_json::to_vec(&doc).unwrap_or_default()),
    )
}

/// Middleware: gives every error response its final shape (see the module docs).
pub async fn error_pages(State(state): State<WebState>, req: Request, next: Next) -> Response {
    let api = is_api_path(req.uri().path());
    let locale = req
        .extensions()
        .get::<Locale>()
        .copied()
        .unwrap_or_default();
    let request_id = req.extensions().get::<RequestId>().cloned();
    let path = req.uri().path().to_string();
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error())
        || res.extensions().get::<Finished>().is_some()
    {
        return res;
    }
    let content_type = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    if api {
        if content_type.starts_with(PROBLEM_JSON) {
            return with_request_id(res, request_id.as_ref()).await;
        }
        let retry = res.headers().get(header::RETRY_AFTER).cloned();
        let allow = res.headers().get(header::ALLOW).cloned();
        // Framework rejections (bad JSON, wrong content type, too large) explain themselves in plain text.
        let detail = if status.is_client_error() {
            let bytes = to_bytes(res.into_body(), 4096).await.unwrap_or_default();
            let text = String::from_utf8_lossy(&bytes).trim().to_string();
            (!text.is_empty()).then(|| text.chars().take(300).collect())
        } else {
            None
        };
        let mut p = Problem::new(status, detail);
        p.request_id = request_id.map(|r| r.0);
        let mut out = problem_response(status, &p, None);
        if let Some(v) = retry {
            out.headers_mut().insert(header::RETRY_AFTER, v);
        }
        if let Some(v) = allow {
            out.headers_mut().insert(header::ALLOW, v);
        }
        return out;
    }
    // Responses that already speak a format (a JSON health report, a page) are left alone; bare and
    // plain-text ones (framework defaults) become the friendly page.
    if !(content_type.is_empty() || content_type.starts_with("text/plain")) {
        return res;
    }
    let (title_key, body_key) = page_keys(status);
    let mut page = PageContext::minimal(
        &state,
        locale,
        request_id.map(|r| r.0).unwrap_or_default(),
        path,
    );
    // The database may be why this request failed: use the name only if it comes quickly.
    let _ = tokio::time::timeout(
        std::time::Duration::from_millis(300),
        page.load_org_name(&state),
    )
    .await;
    let tpl = ErrorPage {
        status: status.as_u16(),
        title: t(locale, title_key),
        message: t(locale, body_key),
        page,
    };
    let mut out = render(status, &tpl);
    for h in [header::RETRY_AFTER, header::ALLOW, header::WWW_AUTHENTICATE] {
        if let Some(v) = res.headers().get(&h) {
            out.headers_mut().insert(h, v.clone());
        }
    }
    out.extensions_mut().insert(Finished);
    out
}

/// The fallback for unknown routes: a 404 that [`error_pages`] turns into a page or a problem document.
pub async fn not_found() -> StatusCode {
    StatusCode::NOT_FOUND
}

/// Middleware: turns a panic in a handler into a 500 (rendered by [`error_pages`]) and logs it.
pub async fn catch_panic(req: Request, next: Next) -> Response {
    use futures_util::FutureExt;
    match std::panic::AssertUnwindSafe(next.run(req))
        .catch_unwind()
        .await
    {
        Ok(res) => res,
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            tracing::error!(panic = %msg, "handler panicked");
            let mut res = Response::new(Body::empty());
            *res.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            res
        }
    }
}
