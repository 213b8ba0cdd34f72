//! Signing in and out through the API, the current user, and user profiles.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use portico_app::AppError;
use portico_app::identity::{Account, SignIn};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;
use utoipa::ToSchema;

use super::json::ApiJson;
use crate::WebState;
use crate::error::{ApiError, Problem};
use crate::session::{end_session, start_session};
use crate::viewer::CurrentViewer;

/// This feature's API routes.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<WebState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(user_show))
}

/// E-mail and password.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(title = "Credentials")]
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

impl From<&Account> for Me {
    fn from(a: &Account) -> Self {
        Me {
            id: a.id,
            email: a.email.clone(),
            name: a.name.clone(),
            locale: a.locale.as_str().into(),
            roles: vec![a.role.as_str().into()],
        }
    }
}

/// Signed in: the user (and the session cookie).
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    pub user: Me,
}

/// Credentials were right, and a second factor is needed to finish signing in.
#[derive(Debug, Serialize, ToSchema)]
pub struct MfaRequired {
    /// Always `true`.
    pub mfa_required: bool,
    /// The methods the account can use: `totp`, `passkey`, `email_code`.
    pub methods: Vec<String>,
}

/// What signing in answers with 200: signed in, or a second factor is needed first.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum LoginOutcome {
    SignedIn(LoginResponse),
    SecondFactor(MfaRequired),
}

/// Sign in with e-mail and password.
///
/// Sets the session cookie. Wrong e-mail and wrong password get the same 401; empty fields are 422.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "identity", operation_id = "auth_login",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in, or a second factor is needed (`mfa_required`)", body = LoginOutcome),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Wrong e-mail or password", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is missing, empty or has the wrong type", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts; see Retry-After", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn login(
    State(state): State<WebState>,
    session: Session,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Json<LoginOutcome>, ApiError> {
    match portico_app::identity::sign_in(&state.app, &req.email, &req.password).await? {
        SignIn::SignedIn(account) => {
            start_session(&session, account.id).await?;
            Ok(Json(LoginOutcome::SignedIn(LoginResponse {
                user: Me::from(&account),
            })))
        }
        SignIn::NeedsSecondFactor { methods, .. } => {
            Ok(Json(LoginOutcome::SecondFactor(MfaRequired {
                mfa_required: true,
                methods: methods.iter().map(|m| m.as_str().to_string()).collect(),
            })))
        }
        SignIn::Throttled { retry_after_secs } => {
            Err(AppError::RateLimited { retry_after_secs }.into())
        }
        SignIn::Refused => Err(AppError::Unauthenticated.into()),
    }
}

/// Sign out (ends the session).
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "identity", operation_id = "auth_logout",
    responses((status = 204, description = "Signed out")))]
pub async fn logout(session: Session) -> Result<StatusCode, ApiError> {
    end_session(&session).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "identity", operation_id = "me_show",
    responses(
        (status = 200, description = "The current user", body = Me),
        (status = 401, description = "Not signed in, or the bearer token is not valid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn me(viewer: CurrentViewer) -> Result<Json<Me>, ApiError> {
    Ok(Json(Me::from(viewer.require_signed_in()?)))
}

/// A user as others see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserProfile {
    pub id: i64,
    pub name: String,
    pub locale: String,
    pub roles: Vec<String>,
}

/// A user's profile.
///
/// Callers see their own profile; agents and administrators see anyone's. Anyone else gets 404, as if
/// the user did not exist.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "identity", operation_id = "user_show",
    params(("id" = i64, Path, description = "The user's id")),
    responses(
        (status = 200, description = "The user", body = UserProfile),
        (status = 401, description = "Not signed in, or the bearer token is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn user_show(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    Path(id): Path<i64>,
) -> Result<Json<UserProfile>, ApiError> {
    let a = portico_app::identity::find_account(&state.app, &viewer, id).await?;
    Ok(Json(UserProfile {
        id: a.id,
        name: a.name,
        locale: a.locale.as_str().into(),
        roles: vec![a.role.as_str().into()],
    }))
}
