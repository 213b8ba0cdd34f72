//! Security headers on every response, and the cross-site request check for unsafe methods.
//!
//! Cross-site check: a browser marks every request with `Sec-Fetch-Site` (and cross-origin ones with
//! `Origin`). An unsafe request (POST, PUT, PATCH, DELETE) is refused with 403 when the browser says it
//! came from another site. Requests with neither header come from non-browser clients and carry no
//! ambient authority a third-party page could abuse. Session cookies are also `SameSite=Lax`.
//! A request with `Authorization: Bearer` skips the check: another site's page cannot set that header
//! without a CORS preflight Portico never grants, and such a request is authenticated by its token
//! alone — the viewer extractor ignores the session cookie when a bearer header is present, so the
//! exemption cannot lend a visitor's cookie to another site.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::WebState;

pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; \
connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

pub async fn security_headers(State(state): State<WebState>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    // A response that set a stricter policy of its own (an uploaded image: sandboxed) keeps it.
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=(self)"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if state.config.hsts {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        );
    }
    res
}

fn is_unsafe(m: &Method) -> bool {
    !matches!(
        *m,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// Decides whether an unsafe request may proceed (see the module docs).
pub fn cross_site_allowed(req_headers: &axum::http::HeaderMap, own_origins: &[String]) -> bool {
    if crate::viewer::bearer_token(req_headers).is_some() {
        return true;
    }
    if let Some(site) = req_headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
    {
        return matches!(site, "same-origin" | "none");
    }
    match req_headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    {
        None => true,
        Some(origin) => {
            let host_origin = req_headers
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .map(|host| [format!("http://{host}"), format!("https://{host}")]);
            own_origins.iter().any(|o| o == origin)
                || host_origin.is_some_and(|hs| hs.iter().any(|o| o == origin))
        }
    }
}

pub async fn cross_site_check(State(state): State<WebState>, req: Request, next: Next) -> Response {
    if is_unsafe(req.method()) && !cross_site_allowed(req.headers(), &state.config.trusted_origins)
    {
        tracing::warn!(method = %req.method(), path = %req.uri().path(), "cross-site request refused");
        return (StatusCode::FORBIDDEN, "cross-site request refused").into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn cross_site_rules() {
        let own = vec!["https://help.example.com".to_string()];
        assert!(cross_site_allowed(
            &headers(&[("sec-fetch-site", "same-origin")]),
            &own
        ));
        assert!(!cross_site_allowed(
            &headers(&[("sec-fetch-site", "cross-site")]),
            &own
        ));
        assert!(!cross_site_allowed(
            &headers(&[("sec-fetch-site", "same-site")]),
            &own
        ));
        assert!(
            cross_site_allowed(
                &headers(&[
                    ("sec-fetch-site", "cross-site"),
                    ("authorization", "Bearer abc")
                ]),
                &own
            ),
            "bearer requests are authenticated by the token alone"
        );
        assert!(cross_site_allowed(
            &headers(&[("origin", "https://help.example.com")]),
            &own
        ));
        assert!(cross_site_allowed(
            &headers(&[
                ("origin", "http://127.0.0.1:8080"),
                ("host", "127.0.0.1:8080")
            ]),
            &own
        ));
        assert!(!cross_site_allowed(
            &headers(&[
                ("origin", "https://evil.example"),
                ("host", "help.example.com")
            ]),
            &own
        ));
        assert!(cross_site_allowed(&headers(&[]), &own));
    }
}
