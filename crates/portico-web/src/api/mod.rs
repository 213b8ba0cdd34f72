//! The JSON API under `/api/v1`. Routes are registered only through utoipa-axum's `routes!`, so the
//! OpenAPI document is generated from the same code that routes requests and cannot drift from it.

pub mod admin;
pub mod identity;
pub mod json;
pub mod kb;
pub mod portal;
pub mod requests;
pub mod search;

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};
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
        (name = "kb", description = "The knowledge base: categories, articles and their search"),
        (name = "requests", description = "The service catalogue, requests, their timeline and files"),
        (name = "admin", description = "Administration (needs the matching permission)"),
    )
)]
struct ApiDoc;

/// Every documented route (JSON API plus the operational endpoints) and the document describing them:
/// each feature's `routes()`, merged here and nowhere else.
pub fn router() -> OpenApiRouter<WebState> {
    let mut router = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(crate::ops::routes())
        .merge(portal::routes())
        .merge(search::routes())
        .merge(identity::routes())
        .merge(kb::routes())
        .merge(requests::routes())
        .merge(admin::routes());
    // After the merge, so the conventions see every operation.
    Conventions.modify(router.get_openapi_mut());
    router
}

/// Operations that establish who the caller is (sign-up, login, tokens) and so need no one signed in.
pub const AUTH_PREFIX: &str = "/api/v1/auth/";

/// The security scheme of `Authorization: Bearer <token>`.
pub const BEARER_AUTH: &str = "bearerAuth";
/// The security scheme of the browser's session cookie.
pub const SESSION_COOKIE: &str = "sessionCookie";

/// What is true of every operation and so is written once here instead of in each `#[utoipa::path]`:
///
/// - the security schemes, and `security` on every operation that can answer 401 (it needs a signed-in
///   caller, by bearer token or session cookie), except those under [`AUTH_PREFIX`]: they are how a
///   caller signs in, and their 401 means wrong credentials. An operation that states its own
///   `security` keeps it;
/// - the answers the framework gives before a handler runs: every operation with a JSON body can answer
///   400 (not JSON), 413 (too large), 415 (not `application/json`) and 422 (a field missing or of the
///   wrong type); every operation with parameters can answer 400 (a parameter malformed).
///
/// Operations keep what they document themselves; only missing entries are added.
pub struct Conventions;

impl Modify for Conventions {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER_AUTH,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "`Authorization: Bearer <token>` with an API token. Tokens are opaque strings; \
do not parse them. Requests with a bearer token are not subject to the cross-site check.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            SESSION_COOKIE,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::session_cookie_name(true),
                "The session cookie a browser receives when it signs in (named `portico_session` on \
servers reached over plain HTTP). Unsafe requests from other sites are refused.",
            ))),
        );
        for (path, item) in doc.paths.paths.iter_mut() {
            let signs_in = path.starts_with(AUTH_PREFIX);
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                apply(op, signs_in);
            }
        }
    }
}

fn apply(op: &mut Operation, signs_in: bool) {
    let answers = |op: &Operation, status: &str| op.responses.responses.contains_key(status);
    if answers(op, "401") && !signs_in && op.security.is_none() {
        op.security = Some(vec![
            SecurityRequirement::new(BEARER_AUTH, Vec::<String>::new()),
            SecurityRequirement::new(SESSION_COOKIE, Vec::<String>::new()),
        ]);
    }
    let mut add = |status: &str, description: &str| {
        op.responses
            .responses
            .entry(status.to_string())
            .or_insert_with(|| problem(description));
    };
    if op.request_body.is_some() {
        add("400", "The request body is not valid JSON");
        add("413", "The request body is too large");
        add("415", "The request body is not `application/json`");
        add("422", "A field is missing or has the wrong type");
    }
    let has_parameters = op.parameters.as_ref().is_some_and(|ps| {
        ps.iter().any(|p| match p {
            RefOr::T(p) => matches!(p.parameter_in, ParameterIn::Query | ParameterIn::Path),
            RefOr::Ref(_) => true,
        })
    });
    if has_parameters {
        add("400", "A parameter is malformed");
    }
}

/// A response whose body is a problem document.
fn problem(description: &str) -> RefOr<utoipa::openapi::Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                crate::error::PROBLEM_JSON,
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build(),
    )
}
