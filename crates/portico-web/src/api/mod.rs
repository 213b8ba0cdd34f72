//! The JSON API under `/api/v1`. Routes are registered only through utoipa-axum's `routes!`, so the
//! OpenAPI document is generated from the same code that routes requests and cannot drift from it.

pub mod auth;
pub mod json;
pub mod portal;

use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::WebState;
use crate::error::{Problem, ProblemField};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Portico API",
        description = "Self-service portal API. Errors are RFC 9457 problem documents (`application/problem+json`). \
Authenticate with the session cookie (browser) or `Authorization: Bearer <token>`.",
        license(name = "AGPL-3.0-or-later")
    ),
    components(schemas(Problem, ProblemField)),
    tags(
        (name = "operations", description = "Health, readiness and metrics"),
        (name = "portal", description = "The portal's public identity"),
        (name = "identity", description = "Signing in and the current user"),
    )
)]
struct ApiDoc;

/// Every documented route (JSON API plus the operational endpoints) and the document describing them.
pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(crate::ops::healthz))
        .routes(routes!(crate::ops::readyz))
        .routes(routes!(portal::portal_show))
        .routes(routes!(portal::search))
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me))
}
