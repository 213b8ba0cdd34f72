//! Who is on the other end of the connection: the client's IP address (the peer, or — only when the
//! peer is a configured trusted proxy — the address that proxy reports in `X-Forwarded-For`), the
//! request's origin for the audit log, and per-IP rate limits on the endpoints people could hammer
//! (sign-in, sign-up, password reset, tokens).
//!
//! The limits are per node and in memory (governor's GCRA): they blunt floods cheaply. The limits that
//! must hold across nodes (failed sign-ins per address) live in the database.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use ipnet::IpNet;
use portico_app::audit::Origin;

use crate::WebState;
use crate::error::{ApiError, HtmlError};

/// The client's address as decided for this request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// The client address: the peer itself, unless the peer is a trusted proxy; then `X-Forwarded-For` is
/// read from the right, skipping further trusted proxies, and the first other address is the client.
/// Addresses a client wrote themselves (to the left of it) are never believed.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .map(|s| s.parse::<IpAddr>().ok())
        .collect::<Option<Vec<_>>>()
        .unwrap_or_default();
    let mut client = peer;
    for hop in hops.iter().rev() {
        client = *hop;
        if !is_trusted(hop) {
            break;
        }
    }
    client
}

/// Middleware: records the [`ClientIp`] of the request (needs the listener's `ConnectInfo`; without it,
/// as in in-process tests, the client is `127.0.0.1`).
pub async fn record_client(
    State(state): State<WebState>,
    mut req: Request,
    next: Next,
) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]));
    let ip = client_ip(peer, req.headers(), &state.config.trusted_proxies);
    req.extensions_mut().insert(ClientIp(ip));
    next.run(req).await
}

/// The request's origin for the audit log: client address and User-Agent.
#[derive(Debug, Clone)]
pub struct RequestOrigin(pub Origin);

impl<S: Send + Sync> FromRequestParts<S> for RequestOrigin {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let ip = parts.extensions.get::<ClientIp>().map(|c| c.0.to_string());
        let ua = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok());
        Ok(RequestOrigin(Origin::new(ip, ua)))
    }
}

/// Requests allowed per client address (0 turns a limit off).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitConfig {
    /// Sign-in attempts (page, API, token from password) per minute.
    pub sign_in_per_minute: u32,
    /// Sign-ups per hour.
    pub sign_up_per_hour: u32,
    /// Password-reset requests and link uses per hour.
    pub reset_per_hour: u32,
    /// API tokens made per hour.
    pub tokens_per_hour: u32,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            sign_in_per_minute: 30,
            sign_up_per_hour: 20,
            reset_per_hour: 20,
            tokens_per_hour: 60,
        }
    }
}

/// The limited endpoint families.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    SignIn,
    SignUp,
    Reset,
    Tokens,
}

fn family_of(method: &Method, path: &str) -> Option<Family> {
    if method != Method::POST {
        return None;
    }
    match path {
        "/login" | "/api/v1/auth/login" | "/api/v1/auth/login/mfa" | "/api/v1/auth/token" => {
            Some(Family::SignIn)
        }
        "/signup" | "/api/v1/auth/signup" => Some(Family::SignUp),
        "/password/forgot"
        | "/password/reset"
        | "/invite"
        | "/api/v1/auth/password/forgot"
        | "/api/v1/auth/password/reset"
        | "/api/v1/auth/invitation/accept" => Some(Family::Reset),
        "/api/v1/me/tokens" | "/account/tokens" => Some(Family::Tokens),
        _ => None,
    }
}

/// One limiter per family, keyed by client address.
pub struct RateLimits {
    sign_in: Option<DefaultKeyedRateLimiter<IpAddr>>,
    sign_up: Option<DefaultKeyedRateLimiter<IpAddr>>,
    reset: Option<DefaultKeyedRateLimiter<IpAddr>>,
    tokens: Option<DefaultKeyedRateLimiter<IpAddr>>,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RateLimits")
    }
}

fn limiter(n: u32, per_minute: bool) -> Option<DefaultKeyedRateLimiter<IpAddr>> {
    let n = NonZeroU32::new(n)?;
    let quota = if per_minute {
        Quota::per_minute(n)
    } else {
        Quota::per_hour(n)
    };
    Some(RateLimiter::keyed(quota))
}

impl RateLimits {
    pub fn new(c: &RateLimitConfig) -> Arc<Self> {
        Arc::new(Self {
            sign_in: limiter(c.sign_in_per_minute, true),
            sign_up: limiter(c.sign_up_per_hour, false),
            reset: limiter(c.reset_per_hour, false),
            tokens: limiter(c.tokens_per_hour, false),
        })
    }

    /// `Err(seconds to wait)` when the client is over the family's limit.
    fn check(&self, family: Family, ip: IpAddr) -> Result<(), u64> {
        let l = match family {
            Family::SignIn => &self.sign_in,
            Family::SignUp => &self.sign_up,
            Family::Reset => &self.reset,
            Family::Tokens => &self.tokens,
        };
        let Some(l) = l else { return Ok(()) };
        // Forget addresses whose allowance is full again, so the map does not grow without bound.
        if l.len() > 50_000 {
            l.retain_recent();
        }
        l.check_key(&ip).map_err(|not_until| {
            not_until
                .wait_time_from(DefaultClock::default().now())
                .as_secs()
                .max(1)
        })
    }
}

/// Middleware (after [`record_client`]): answers 429 with `Retry-After` when the client is over the
/// limit of the endpoint family — a problem document for the API, a page otherwise.
pub async fn rate_limit(State(state): State<WebState>, req: Request, next: Next) -> Response {
    if let Some(family) = family_of(req.method(), req.uri().path())
        && let Some(ClientIp(ip)) = req.extensions().get::<ClientIp>().copied()
        && let Err(retry_after_secs) = state.rate_limits.check(family, ip)
    {
        tracing::info!(%ip, ?family, "rate limited");
        let e = portico_app::AppError::RateLimited { retry_after_secs };
        return if crate::error::is_api_path(req.uri().path()) {
            ApiError(e).into_response()
        } else {
            HtmlError(e).into_response()
        };
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in xff {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.5".parse().unwrap();
        let stranger: IpAddr = "203.0.113.9".parse().unwrap();
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let h = headers(&["198.51.100.7"]);
        assert_eq!(client_ip(stranger, &h, &trusted), stranger);
        assert_eq!(client_ip(proxy, &h, &trusted).to_string(), "198.51.100.7");
        // A client-supplied first entry is not believed: the proxy appended the real one.
        let h = headers(&["1.2.3.4, 198.51.100.7"]);
        assert_eq!(client_ip(proxy, &h, &trusted).to_string(), "198.51.100.7");
        // Chains of trusted proxies are walked through.
        let h = headers(&["198.51.100.7", "10.1.1.1"]);
        assert_eq!(client_ip(proxy, &h, &trusted).to_string(), "198.51.100.7");
        // Garbage makes the header worthless: the proxy itself is the client.
        let h = headers(&["not-an-ip"]);
        assert_eq!(client_ip(proxy, &h, &trusted), proxy);
        assert_eq!(client_ip(proxy, &HeaderMap::new(), &[]), proxy);
    }

    #[test]
    fn limits_by_family_and_address() {
        let l = RateLimits::new(&RateLimitConfig {
            sign_in_per_minute: 2,
            ..RateLimitConfig::default()
        });
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        assert!(l.check(Family::SignIn, a).is_ok());
        assert!(l.check(Family::SignIn, a).is_ok());
        let wait = l.check(Family::SignIn, a).unwrap_err();
        assert!((1..=60).contains(&wait), "{wait}");
        assert!(l.check(Family::SignIn, b).is_ok());
        assert!(l.check(Family::SignUp, a).is_ok());
        assert_eq!(family_of(&Method::GET, "/login"), None);
        assert_eq!(
            family_of(&Method::POST, "/api/v1/auth/token"),
            Some(Family::SignIn)
        );
    }
}

/// A pseudonymous key of the visitor, for counting each visitor once: derived from the session cookie
/// when there is one, else from the client address and User-Agent (changing daily). Never the cookie or
/// the address itself.
#[derive(Debug, Clone)]
pub struct Visitor(pub String);

impl FromRequestParts<WebState> for Visitor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &WebState,
    ) -> Result<Self, Self::Rejection> {
        use sha2::{Digest, Sha256};
        let name = crate::session_cookie_name(state.config.secure_cookies);
        let session = parts
            .headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|kv| kv.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string());
        let mut h = Sha256::new();
        match session {
            Some(s) => {
                h.update(b"session\0");
                h.update(s.as_bytes());
            }
            None => {
                let ip = parts.extensions.get::<ClientIp>().map(|c| c.0.to_string());
                let ua = parts
                    .headers
                    .get(header::USER_AGENT)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                let day = state.app.now().millis().div_euclid(86_400_000);
                h.update(b"anonymous\0");
                h.update(ip.unwrap_or_default().as_bytes());
                h.update([0]);
                h.update(ua.as_bytes());
                h.update([0]);
                h.update(day.to_string().as_bytes());
            }
        }
        let key: String = h
            .finalize()
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(Visitor(key))
    }
}
