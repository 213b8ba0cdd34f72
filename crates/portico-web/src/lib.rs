//! The HTTP edge: the axum router with its middleware, the HTML pages, the JSON API and its OpenAPI
//! document. Handlers extract input, call a use case from `portico-app` and render; nothing here talks
//! SQL or holds business rules.

pub mod api;
pub mod assets;
pub mod client;
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
use tower_http::classify::{
    ClassifiedResponse, ClassifyResponse, MakeClassifier, NeverClassifyEos, ServerErrorsAsFailures,
    ServerErrorsFailureClass,
};
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnFailure, MakeSpan, TraceLayer};
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
    /// Proxies whose `X-Forwarded-For` is believed (see [`client::client_ip`]).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Per-address request limits on sign-in, sign-up, reset and token endpoints.
    pub rate_limits: client::RateLimitConfig,
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
            trusted_proxies: Vec::new(),
            rate_limits: client::RateLimitConfig::default(),
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
    pub rate_limits: Arc<client::RateLimits>,
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
        rate_limits: client::RateLimits::new(&config.rate_limits),
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
        .layer(from_fn_with_state(
            state.clone(),
            session::complete_session_cookies,
        ))
        .layer(from_fn_with_state(
            state.clone(),
            session::personal_no_store,
        ))
        .layer(from_fn_with_state(
            state.clone(),
            security::cross_site_check,
        ))
        .layer(from_fn_with_state(state.clone(), client::rate_limit))
        .layer(from_fn_with_state(state.clone(), client::record_client))
        .layer(from_fn(error::catch_panic))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            config.request_timeout,
        ))
        .layer(DefaultBodyLimit::max(config.body_limit))
        // Uploads raise the extractors' limit on their own routes; this outer cap is the larger of the two.
        .layer(RequestBodyLimitLayer::new(
            config.body_limit.max(html::kb::manage::UPLOAD_BODY_LIMIT),
        ))
        .layer(from_fn_with_state(state.clone(), error_pages::error_pages))
        .layer(from_fn(i18n::locale_layer))
        .layer(from_fn_with_state(
            state.clone(),
            security::security_headers,
        ))
        .layer(CompressionLayer::new())
        .layer(from_fn(metrics::track))
        .layer(trace_layer())
        .layer(from_fn(request_id::request_id_layer))
        .with_state(state)
}

/// The request log: one span per request (method, path, request id), responses at DEBUG, and a WARN
/// line for each 5xx answer. The cause of a 5xx is logged at ERROR where it happens (`error.rs`, the
/// panic catcher, template rendering), so a failure is at ERROR once; the WARN line adds status and
/// latency and is the only line for answers without such a cause (timeouts). `/readyz` answering 503
/// is not a failure: a starting node says so until it is ready.
pub fn trace_layer() -> TraceLayer<RequestFailures, RequestSpan> {
    TraceLayer::new(RequestFailures)
        .make_span_with(RequestSpan)
        .on_failure(DefaultOnFailure::new().level(tracing::Level::WARN))
}

/// The span of a request in the log.
#[derive(Debug, Clone, Copy)]
pub struct RequestSpan;

impl<B> MakeSpan<B> for RequestSpan {
    fn make_span(&mut self, req: &axum::http::Request<B>) -> tracing::Span {
        let id = req
            .extensions()
            .get::<request_id::RequestId>()
            .map(|r| r.0.as_str())
            .unwrap_or("");
        tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
    }
}

/// Which answers the request log reports as failures: 5xx, except `/readyz` saying "not ready".
#[derive(Debug, Clone, Copy)]
pub struct RequestFailures;

impl MakeClassifier for RequestFailures {
    type Classifier = ClassifyAnswer;
    type FailureClass = ServerErrorsFailureClass;
    type ClassifyEos = NeverClassifyEos<ServerErrorsFailureClass>;

    fn make_classifier<B>(&self, req: &axum::http::Request<B>) -> ClassifyAnswer {
        ClassifyAnswer {
            readiness: req.uri().path() == "/readyz",
        }
    }
}

/// [`RequestFailures`] for one request.
#[derive(Debug, Clone, Copy)]
pub struct ClassifyAnswer {
    readiness: bool,
}

impl ClassifyResponse for ClassifyAnswer {
    type FailureClass = ServerErrorsFailureClass;
    type ClassifyEos = NeverClassifyEos<ServerErrorsFailureClass>;

    fn classify_response<B>(
        self,
        res: &axum::http::Response<B>,
    ) -> ClassifiedResponse<Self::FailureClass, Self::ClassifyEos> {
        if self.readiness && res.status() == axum::http::StatusCode::SERVICE_UNAVAILABLE {
            ClassifiedResponse::Ready(Ok(()))
        } else {
            ServerErrorsAsFailures::new().classify_response(res)
        }
    }

    fn classify_error<E>(self, error: &E) -> Self::FailureClass
    where
        E: std::fmt::Display + 'static,
    {
        ServerErrorsAsFailures::new().classify_error(error)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

    use std::sync::{Arc, Mutex};

    use axum::Router;
    use axum::http::{Request, StatusCode};
    use axum::routing::get;
    use tower::ServiceExt;

    /// Log lines written while `f` runs, without timestamps or colour, down to TRACE.
    async fn logs_of(app: Router, path: &str) -> Vec<String> {
        let buf = Arc::new(Mutex::new(Vec::<u8>::new()));
        let writer = {
            let buf = buf.clone();
            move || LogBuf(buf.clone())
        };
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .without_time()
            .with_writer(writer)
            .finish();
        let guard = tracing::subscriber::set_default(subscriber);
        let req = Request::get(path).body(axum::body::Body::empty()).unwrap();
        let res = app.oneshot(req).await.unwrap();
        drop(res);
        drop(guard);
        let text = String::from_utf8(buf.lock().unwrap().clone()).unwrap();
        text.lines().map(str::to_string).collect()
    }

    struct LogBuf(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for LogBuf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn at(lines: &[String], level: &str) -> usize {
        lines
            .iter()
            .filter(|l| l.trim_start().starts_with(level))
            .count()
    }

    fn app() -> Router {
        Router::new()
            .route("/readyz", get(|| async { StatusCode::SERVICE_UNAVAILABLE }))
            .route(
                "/fails",
                get(|| async {
                    // As `error.rs` does for an internal error: the cause, at ERROR.
                    tracing::error!("request failed");
                    StatusCode::INTERNAL_SERVER_ERROR
                }),
            )
            .route("/slow", get(|| async { StatusCode::SERVICE_UNAVAILABLE }))
            .layer(super::trace_layer())
    }

    #[tokio::test]
    async fn readiness_503_is_not_logged_as_a_failure() {
        let lines = logs_of(app(), "/readyz").await;
        assert_eq!(at(&lines, "ERROR") + at(&lines, "WARN"), 0, "{lines:#?}");
        assert!(
            lines.iter().any(|l| l.contains("status=503")),
            "the answer is still in the log at DEBUG: {lines:#?}"
        );
    }

    #[tokio::test]
    async fn a_server_error_is_at_error_once() {
        let lines = logs_of(app(), "/fails").await;
        assert_eq!(at(&lines, "ERROR"), 1, "{lines:#?}");
        assert_eq!(at(&lines, "WARN"), 1, "{lines:#?}");
    }

    #[tokio::test]
    async fn other_5xx_are_still_reported() {
        let lines = logs_of(app(), "/slow").await;
        assert_eq!(at(&lines, "WARN"), 1, "{lines:#?}");
        assert!(lines.iter().any(|l| l.contains("503")), "{lines:#?}");
    }
}
