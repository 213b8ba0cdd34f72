//! Signing in and out through the API, and the current user.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use portico_app::AppError;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;
use utoipa::ToSchema;

use super::json::ApiJson;
use crate::WebState;
use crate::error::{ApiError, Problem};
use crate::html::identity::start_session;

/// This feature's API routes.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<WebState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// The signed-in user.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub locale: String,
    pub roles: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    pub user: Me,
}

fn me_from(u: &portico_storage::users::User) -> Me {
    Me {
        id: u.id,
        email: u.email.clone(),
        name: u.name.clone(),
        locale: u.locale.as_str().into(),
        roles: vec![u.role.as_str().into()],
    }
}

/// Sign in with e-mail and password.
///
/// Sets the session cookie. Wrong e-mail and wrong password get the same 401.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "identity", operation_id = "auth_login",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = LoginResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Wrong e-mail or password", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is missing or has the wrong type", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn login(
    State(state): State<WebState>,
    session: Session,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Json<LoginResponse>, ApiError> {
    let user = portico_app::identity::authenticate(&state.app, &req.email, &req.password).await?;
    start_session(&session, user.id).await?;
    Ok(Json(LoginResponse {
        user: me_from(&user),
    }))
}

/// Sign out (ends the session).
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "identity", operation_id = "auth_logout",
    responses((status = 204, description = "Signed out")))]
pub async fn logout(session: Session) -> Result<StatusCode, ApiError> {
    session
        .flush()
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("session: {e}")))?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "identity", operation_id = "me_show",
    responses(
        (status = 200, description = "The current user", body = Me),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn me(State(state): State<WebState>, session: Session) -> Result<Json<Me>, ApiError> {
    let user = crate::session::signed_in_user(&session, &state.app).await?;
    user.map(|u| Json(me_from(&u)))
        .ok_or(ApiError(AppError::Unauthenticated))
}
