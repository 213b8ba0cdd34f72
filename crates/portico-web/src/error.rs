//! Errors at the HTTP edge. Handlers return [`ApiError`] (JSON API) or [`HtmlError`] (pages); both carry
//! a status and, for the API, an RFC 9457 problem document naming each invalid field. The
//! `error_pages` middleware (`crate::error_pages`) then gives every error response its final shape.
//! Details of 5xx errors are logged, never shown.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use portico_app::AppError;
use portico_core::FieldError;
use serde::Serialize;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// Requests under `/api` are answered with problem documents, everything else with pages.
pub fn is_api_path(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

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
pub(crate) struct Finished;

pub(crate) fn problem_response(
    status: StatusCode,
    p: &Problem,
    retry_after: Option<u64>,
) -> Response {
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
pub(crate) fn classify(e: &AppError) -> (StatusCode, Problem, Option<u64>) {
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
