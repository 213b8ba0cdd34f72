//! `/api/docs`: a readable API reference rendered on the server from the same OpenAPI document that
//! `/api/v1/openapi.json` serves, so it can never disagree with the routes. It needs no JavaScript and
//! nothing from outside the binary.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use utoipa::openapi::path::Operation;
use utoipa::openapi::{OpenApi, RefOr};

use super::{PageContext, render};
use crate::WebState;

/// This feature's pages: the reference and the document it is rendered from.
pub fn routes() -> axum::Router<WebState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/api/docs", get(api_docs_show))
        .route(
            "/api/v1/openapi.json",
            get(|State(state): State<WebState>| async move {
                axum::Json(state.openapi.as_ref().clone())
            }),
        )
}

pub struct ApiResponse {
    pub status: String,
    pub description: String,
}

pub struct ApiOperation {
    pub anchor: String,
    pub method: String,
    pub method_lower: String,
    pub path: String,
    pub summary: String,
    pub description: String,
    pub tags: Vec<String>,
    pub responses: Vec<ApiResponse>,
}

#[derive(Template)]
#[template(path = "docs/api_docs.html")]
pub struct ApiDocsPage {
    pub page: PageContext,
    pub title: String,
    pub version: String,
    pub operations: Vec<ApiOperation>,
}

/// Flattens the document into operations in path order.
pub fn operations(doc: &OpenApi) -> Vec<ApiOperation> {
    let mut out = Vec::new();
    for (path, item) in &doc.paths.paths {
        let ops: [(&str, &Option<Operation>); 5] = [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PUT", &item.put),
            ("PATCH", &item.patch),
            ("DELETE", &item.delete),
        ];
        for (method, op) in ops {
            let Some(op) = op else { continue };
            let anchor = op.operation_id.clone().unwrap_or_else(|| {
                format!(
                    "{}{}",
                    method.to_lowercase(),
                    path.replace(['/', '{', '}'], "-")
                )
            });
            out.push(ApiOperation {
                anchor,
                method: method.to_string(),
                method_lower: method.to_lowercase(),
                path: path.clone(),
                summary: op.summary.clone().unwrap_or_default(),
                description: op.description.clone().unwrap_or_default(),
                tags: op.tags.clone().unwrap_or_default(),
                responses: op
                    .responses
                    .responses
                    .iter()
                    .map(|(status, r)| ApiResponse {
                        status: status.clone(),
                        description: match r {
                            RefOr::T(r) => r.description.clone(),
                            RefOr::Ref(r) => {
                                r.ref_location.rsplit('/').next().unwrap_or("").to_string()
                            }
                        },
                    })
                    .collect(),
            });
        }
    }
    out
}

pub async fn api_docs_show(State(state): State<WebState>, page: PageContext) -> Response {
    let doc = &state.openapi;
    render(
        StatusCode::OK,
        &ApiDocsPage {
            page,
            title: doc.info.title.clone(),
            version: doc.info.version.clone(),
            operations: operations(doc),
        },
    )
}
