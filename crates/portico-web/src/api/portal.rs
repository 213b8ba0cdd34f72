//! `GET /api/v1/portal`: the portal's name and home-page tasks in the caller's language.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use crate::WebState;
use crate::error::ApiError;
use crate::i18n::Lang;

/// This feature's API routes.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<WebState> {
    utoipa_axum::router::OpenApiRouter::new().routes(utoipa_axum::routes!(portal_show))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskCard {
    pub href: String,
    pub icon: String,
    pub title: String,
    pub description: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PortalResponse {
    /// The organisation's name in the negotiated language.
    pub name: String,
    /// The language the texts are in (`en` or `zh-CN`).
    pub locale: String,
    /// Languages the portal offers.
    pub locales: Vec<String>,
    /// The home page's top tasks.
    pub tasks: Vec<TaskCard>,
    /// The server's version.
    pub version: String,
}

/// The portal's public identity.
///
/// Texts follow the `portico_lang` cookie, then `Accept-Language`, then English.
#[utoipa::path(get, path = "/api/v1/portal", tag = "portal", operation_id = "portal_show",
    responses((status = 200, description = "The portal's name, languages and top tasks", body = PortalResponse)))]
pub async fn portal_show(
    State(state): State<WebState>,
    Lang(locale): Lang,
) -> Result<Json<PortalResponse>, ApiError> {
    let info = portico_app::portal::portal_info(&state.app, locale).await?;
    Ok(Json(PortalResponse {
        name: info.name,
        locale: locale.as_str().into(),
        locales: portico_core::Locale::ALL
            .iter()
            .map(|l| l.as_str().to_string())
            .collect(),
        tasks: info
            .tasks
            .into_iter()
            .map(|t| TaskCard {
                href: t.href,
                icon: t.icon,
                title: t.title,
                description: t.description,
            })
            .collect(),
        version: env!("CARGO_PKG_VERSION").into(),
    }))
}
