//! Who is asking, extracted once per request: from `Authorization: Bearer <token>` when the header is
//! present (the session cookie is then ignored, which is what lets bearer requests skip the cross-site
//! check), else from the session cookie, else anonymous. Handlers take [`CurrentViewer`] and authorise
//! with `viewer.require(Permission::…)?` (see `portico_app::viewer`).

use std::ops::Deref;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use portico_app::AppError;
use portico_app::viewer::Viewer;
use tower_sessions::Session;

use crate::WebState;
use crate::error::{ApiError, HtmlError};

/// The request's [`Viewer`]; resolved on first use and kept in the request's extensions.
#[derive(Debug, Clone)]
pub struct CurrentViewer(pub Viewer);

impl Deref for CurrentViewer {
    type Target = Viewer;
    fn deref(&self) -> &Viewer {
        &self.0
    }
}

/// Why no viewer could be established: an API caller gets a problem document, a page visitor a page.
#[derive(Debug)]
pub struct ViewerRejection {
    api: bool,
    error: AppError,
}

impl ViewerRejection {
    pub fn into_error(self) -> AppError {
        self.error
    }
}

impl IntoResponse for ViewerRejection {
    fn into_response(self) -> Response {
        if self.api {
            let mut res = ApiError(self.error).into_response();
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
            res
        } else {
            HtmlError(self.error).into_response()
        }
    }
}

/// The bearer token of a request, if it sent one (`Some("")` for a malformed header, which is refused).
pub fn bearer_token(headers: &axum::http::HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?;
    let text = value.to_str().unwrap_or("");
    let (scheme, rest) = text.split_once(' ').unwrap_or((text, ""));
    scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
}

impl FromRequestParts<WebState> for CurrentViewer {
    type Rejection = ViewerRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &WebState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(v) = parts.extensions.get::<CurrentViewer>() {
            return Ok(v.clone());
        }
        let api = crate::error::is_api_path(parts.uri.path());
        let reject = |error| ViewerRejection { api, error };
        let viewer = if let Some(token) = bearer_token(&parts.headers) {
            let token = token.to_string();
            let viewer = portico_app::identity::viewer_for_token(&state.app, &token)
                .await
                .map_err(reject)?;
            // A read-only token (`read` without `write`) may only make safe requests.
            if !parts.method.is_safe()
                && let Some(portico_app::viewer::Actor {
                    credential:
                        portico_app::viewer::Credential::Token {
                            scopes: Some(s), ..
                        },
                    ..
                }) = viewer.actor()
                && portico_core::Scope::read_only(s)
            {
                return Err(reject(portico_app::AppError::Forbidden));
            }
            viewer
        } else {
            match Session::from_request_parts(parts, state).await {
                Ok(session) => {
                    let ip = parts
                        .extensions
                        .get::<crate::client::ClientIp>()
                        .map(|c| c.0.to_string());
                    crate::session::session_viewer(&session, &state.app, ip)
                        .await
                        .map_err(reject)?
                }
                Err(_) => Viewer::anonymous(),
            }
        };
        let v = CurrentViewer(viewer);
        parts.extensions.insert(v.clone());
        Ok(v)
    }
}
