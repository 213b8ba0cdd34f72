//! Browser sessions: the viewer behind a session, starting and ending one, and the details browsers
//! are strict about.
//!
//! Sessions expire after a period without visits. tower-sessions only saves (and so only extends) a
//! session that changed, so a visit records the five-minute slot it was seen in (and the address it
//! came from, when that changed): at most one write per session every five minutes keeps an active
//! visitor signed in and the "last seen" of the security page current, without a write per request.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use portico_app::audit::Origin;
use portico_app::ops::{IP_KEY, USER_AGENT_KEY, USER_ID_KEY};
use portico_app::viewer::Viewer;
use portico_app::{App, AppError};
use tower_sessions::Session;

use crate::WebState;

const SEEN_KEY: &str = "seen";
/// How finely "last seen" is kept.
const SEEN_SLOT_MS: i64 = 5 * 60 * 1000;

fn session_err(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("session: {e}"))
}

/// The viewer signed in on this session (anonymous if none); records the visit (see the module docs).
pub async fn session_viewer(
    session: &Session,
    app: &App,
    ip: Option<String>,
) -> Result<Viewer, AppError> {
    let Some(id) = session.get::<i64>(USER_ID_KEY).await.map_err(session_err)? else {
        return Ok(Viewer::anonymous());
    };
    let viewer = portico_app::identity::viewer_for_session(app, id).await?;
    if viewer.is_signed_in() {
        let slot = app.now().millis() / SEEN_SLOT_MS;
        if session.get::<i64>(SEEN_KEY).await.map_err(session_err)? != Some(slot) {
            session.insert(SEEN_KEY, slot).await.map_err(session_err)?;
            if let Some(ip) = ip
                && session
                    .get::<String>(IP_KEY)
                    .await
                    .map_err(session_err)?
                    .as_deref()
                    != Some(ip.as_str())
            {
                session.insert(IP_KEY, ip).await.map_err(session_err)?;
            }
        }
    } else {
        // The account is gone or deactivated: end the session rather than carry it around.
        session.flush().await.map_err(session_err)?;
    }
    Ok(viewer)
}

/// Rotates the session id (no fixation) and records the user and where they signed in from.
pub async fn start_session(
    session: &Session,
    user_id: i64,
    origin: &Origin,
) -> Result<(), AppError> {
    session.cycle_id().await.map_err(session_err)?;
    if let Some(ip) = &origin.ip {
        session.insert(IP_KEY, ip).await.map_err(session_err)?;
    }
    if let Some(ua) = &origin.user_agent {
        session
            .insert(USER_AGENT_KEY, ua)
            .await
            .map_err(session_err)?;
    }
    session
        .insert(USER_ID_KEY, user_id)
        .await
        .map_err(session_err)
}

/// The stored key of this session (for "this is your current session" and "sign out the others").
pub fn current_session_key(session: &Session) -> Option<String> {
    session
        .id()
        .map(|id| portico_app::identity::account::session_key(&id.to_string()))
}

/// Ends the session: the row is deleted and the browser told to drop the cookie.
pub async fn end_session(session: &Session) -> Result<(), AppError> {
    session.flush().await.map_err(session_err)
}

/// Middleware (outside the session layer): tower-sessions builds the cookie that removes a session from
/// the cookie the browser sent, which carries only name and value, so the removal lacks `Secure`,
/// `HttpOnly` and `SameSite`. Browsers ignore a `__Host-` cookie without `Secure`, so the dead cookie
/// would stay and be sent forever. This completes every session cookie the layer sets.
pub async fn complete_session_cookies(
    State(state): State<WebState>,
    req: Request,
    next: Next,
) -> Response {
    let mut res = next.run(req).await;
    let name = crate::session_cookie_name(state.config.secure_cookies);
    let prefix = format!("{name}=");
    let fixed: Vec<HeaderValue> = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| match v.to_str() {
            Ok(s) if s.starts_with(&prefix) => {
                let lower = s.to_ascii_lowercase();
                let mut out = s.to_string();
                if state.config.secure_cookies && !lower.contains("; secure") {
                    out.push_str("; Secure");
                }
                if !lower.contains("; httponly") {
                    out.push_str("; HttpOnly");
                }
                if !lower.contains("; samesite") {
                    out.push_str("; SameSite=Lax");
                }
                HeaderValue::from_str(&out).unwrap_or_else(|_| v.clone())
            }
            _ => v.clone(),
        })
        .collect();
    if !fixed.is_empty() {
        res.headers_mut().remove(header::SET_COOKIE);
        for v in fixed {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

/// Middleware: responses for a caller who sent credentials (a session cookie or a bearer token), and
/// responses that set a cookie, are personal: no shared cache or browser history may keep them.
/// Responses that chose their own caching (static assets) are left alone.
pub async fn personal_no_store(
    State(state): State<WebState>,
    req: Request,
    next: Next,
) -> Response {
    let name = crate::session_cookie_name(state.config.secure_cookies);
    let credentials = req.headers().contains_key(header::AUTHORIZATION)
        || req
            .headers()
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .any(|kv| kv.trim().split_once('=').is_some_and(|(k, _)| k == name));
    let mut res = next.run(req).await;
    let sets_cookie = res.headers().contains_key(header::SET_COOKIE);
    if (credentials || sets_cookie) && !res.headers().contains_key(header::CACHE_CONTROL) {
        res.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
    }
    res
}
