//! The HTTP edge: the axum router with its middleware, the HTML pages, the JSON API and its OpenAPI
//! document. Handlers extract input, call a use case from `portico-app` and render; nothing here talks
//! SQL or holds business rules.

pub mod api;
pub mod assets;
pub mod error;
pub mod error_pages;
pub mod html;
pub mod i18n;
pub mod metrics;
pub mod ops;
pub mod request_id;
pub mod security;
pub mod session;
pub mod viewer;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;
use portico_app::App;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

/// Settings of the HTTP edge.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` and use the `__Host-` session cookie (off only for plain-HTTP setups that
    /// are not on localhost).
    pub secure_cookies: bool,
    /// Send `Strict-Transport-Security` (the public URL is HTTPS).
    pub hsts: bool,
    /// Origins accepted on unsafe requests besides the request's own host (the public base URL).
    pub trusted_origins: Vec<String>,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Longest time a request may take before it is answered 503.
    pub request_timeout: Duration,
    /// A session ends after this long without a visit.
    pub session_idle: Duration,
    /// When set, `/metrics` answers only requests with `Authorization: Bearer <token>`.
    pub metrics_token: Option<secrecy::SecretString>,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            secure_cookies: true,
            hsts: false,
            trusted_origins: Vec::new(),
            body_limit: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            session_idle: Duration::from_secs(14 * 86_400),
            metrics_token: None,
        }
    }
}

/// Shared state of every handler.
#[derive(Clone)]
pub struct WebState {
    pub app: App,
    pub config: Arc<WebConfig>,
    pub openapi: Arc<utoipa::openapi::OpenApi>,
    /// Set once start-up work (migrations, demo content) is done; `/readyz` waits for it.
    pub ready: Arc<AtomicBool>,
}

impl std::fmt::Debug for WebState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebState")
            .field("app", &self.app)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Name of the session cookie for the given cookie security.
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-portico_session"
    } else {
        "portico_session"
    }
}

/// Builds the whole application router.
pub fn router(app: App, config: WebConfig, ready: Arc<AtomicBool>) -> Router {
    let _ = metrics::handle();
    let (api_routes, openapi) = api::router().split_for_parts();
    let config = Arc::new(config);
    let state = WebState {
        app: app.clone(),
        config: config.clone(),
        openapi: Arc::new(openapi),
        ready,
    };

    let sessions = SessionManagerLayer::new(portico_app::ops::session_store(&app))
        .with_name(session_cookie_name(config.secure_cookies))
        .with_secure(config.secure_cookies)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(
            time::Duration::try_from(config.session_idle).unwrap_or(time::Duration::days(14)),
        ));

    let pages = html::routes()
        .merge(assets::routes())
        .route("/metrics", get(metrics::metrics_endpoint));

    Router::new()
        .merge(api_routes)
        .merge(pages)
        .fallback(error::not_found)
        .route_layer(from_fn(metrics::label_route))
        .layer(sessions)
        .layer(from_fn_with_state(state.clone(), session::complete_session_cookies))
        .layer(from_fn_with_state(state.clone(), session::personal_no_store))
        .layer(from_fn_with_state(state.clone(), security::cross_site_check))
        .layer(from_fn(error::catch_panic))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::SERVICE_UNAVAILABLE, config.request_timeout))
        .layer(DefaultBodyLimit::max(config.body_limit))
        .layer(RequestBodyLimitLayer::new(config.body_limit))
        .layer(from_fn_with_state(state.clone(), error_pages::error_pages))
        .layer(from_fn(i18n::locale_layer))
        .layer(from_fn_with_state(state.clone(), security::security_headers))
        .layer(CompressionLayer::new())
        .layer(from_fn(metrics::track))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            let id = req
                .extensions()
                .get::<request_id::RequestId>()
                .map(|r| r.0.as_str())
                .unwrap_or("");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(from_fn(request_id::request_id_layer))
        .with_state(state)
}
