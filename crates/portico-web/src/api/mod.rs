//! The JSON API under `/api/v1`. Routes are registered only through utoipa-axum's `routes!`, so the
//! OpenAPI document is generated from the same code that routes requests and cannot drift from it.

pub mod admin;
pub mod identity;
pub mod json;
pub mod portal;
pub mod search;

use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

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
        (name = "admin", description = "Administration (needs the matching permission)"),
    )
)]
struct ApiDoc;

/// Every documented route (JSON API plus the operational endpoints) and the document describing them:
/// each feature's `routes()`, merged here and nowhere else.
pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(crate::ops::routes())
        .merge(portal::routes())
        .merge(search::routes())
        .merge(identity::routes())
        .merge(admin::routes())
}
