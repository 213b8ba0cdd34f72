//! Gives every error response its final form, including ones produced outside handlers (unknown
//! routes, wrong methods, oversized bodies, timeouts, panics): `/api` gets `application/problem+json`
//! with the request id, everything else the friendly page in the visitor's language with the request id.
//! It sits above both [`crate::error`] (what handlers return) and [`crate::html`] (the page), so neither
//! of those needs the other's internals.

use askama::Template;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use portico_core::Locale;

use crate::WebState;
use crate::error::{Finished, PROBLEM_JSON, Problem, is_api_path, problem_response};
use crate::html::{PageContext, render};
use crate::i18n::t;
use crate::request_id::RequestId;

/// The friendly error page.
#[derive(Template)]
#[template(path = "layout/error.html")]
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
        // Framework rejections (a bad query string or path parameter, a wrong content type, a body too
        // large) explain themselves in plain text that speaks of Rust types: say it in the caller's terms.
        let (detail, errors) = if status.is_client_error() {
            let bytes = to_bytes(res.into_body(), 4096).await.unwrap_or_default();
            crate::api::json::explain_framework_text(status, &String::from_utf8_lossy(&bytes))
        } else {
            (None, Vec::new())
        };
        let mut p = Problem::new(status, detail);
        p.errors = errors;
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
