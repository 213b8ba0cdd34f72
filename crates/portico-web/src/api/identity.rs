//! Signing in and out through the API, the current user, and user profiles.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use portico_app::AppError;
use portico_app::identity::tokens::{NewToken, TokenRequest};
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
        .routes(routes!(token_from_credentials))
        .routes(routes!(tokens_list, token_create))
        .routes(routes!(token_delete))
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

/// A new API token for the signed-in caller.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateTokenRequest {
    /// What the token is for (shown in the token list), 1 to 100 characters.
    pub name: String,
    /// Limit the token to these scopes (`portal`, `queue`, `operations`, `admin`); leave out for all of
    /// the caller's permissions. A token never has a permission its user lacks.
    pub scopes: Option<Vec<String>>,
    /// Days until the token stops working (1 to 3650); leave out for a token that lasts until revoked.
    pub expires_in_days: Option<u32>,
}

/// A token as listed: never its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    /// `null`: all of the user's permissions.
    pub scopes: Option<Vec<String>>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339; `null`: until revoked.
    pub expires_at: Option<String>,
    /// RFC 3339, to the minute; `null`: never used.
    pub last_used_at: Option<String>,
}

impl From<&portico_app::identity::tokens::ApiToken> for TokenInfo {
    fn from(t: &portico_app::identity::tokens::ApiToken) -> Self {
        TokenInfo {
            id: t.id,
            name: t.name.clone(),
            scopes: t
                .scopes
                .as_ref()
                .map(|s| s.iter().map(|sc| sc.as_str().to_string()).collect()),
            created_at: t.created_at.to_rfc3339(),
            expires_at: t.expires_at.map(|e| e.to_rfc3339()),
            last_used_at: t.last_used_at.map(|e| e.to_rfc3339()),
        }
    }
}

/// A token just made. `token` is the secret: it is shown this once and cannot be read again.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    pub id: i64,
    /// Send it as `Authorization: Bearer <token>`.
    pub token: String,
    pub name: String,
    pub scopes: Option<Vec<String>>,
    /// RFC 3339; `null`: until revoked.
    pub expires_at: Option<String>,
}

impl From<NewToken> for CreatedToken {
    fn from(n: NewToken) -> Self {
        let info = TokenInfo::from(&n.token);
        CreatedToken {
            id: info.id,
            token: n.secret,
            name: info.name,
            scopes: info.scopes,
            expires_at: info.expires_at,
        }
    }
}

/// The caller's API tokens.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenList {
    pub items: Vec<TokenInfo>,
    /// Always `null`: every token is listed (a user holds at most 50).
    pub next_cursor: Option<String>,
}

/// Make an API token.
///
/// For apps and scripts acting as the caller. A caller who came with a scoped token can only make
/// tokens within its scopes.
#[utoipa::path(post, path = "/api/v1/me/tokens", tag = "identity", operation_id = "me_tokens_create",
    request_body = CreateTokenRequest,
    responses(
        (status = 201, description = "Made; the secret is in `token`, shown this once", body = CreatedToken),
        (status = 401, description = "Not signed in, or the bearer token is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The caller already holds the most tokens allowed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid (named in `errors`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn token_create(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    ApiJson(req): ApiJson<CreateTokenRequest>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let made = portico_app::identity::tokens::create_token(
        &state.app,
        &viewer,
        &TokenRequest {
            name: req.name,
            scopes: req.scopes,
            expires_in_days: req.expires_in_days,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(made.into())))
}

/// The caller's API tokens, newest first.
#[utoipa::path(get, path = "/api/v1/me/tokens", tag = "identity", operation_id = "me_tokens_list",
    responses(
        (status = 200, description = "The tokens (never their secrets)", body = TokenList),
        (status = 401, description = "Not signed in, or the bearer token is not valid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn tokens_list(
    State(state): State<WebState>,
    viewer: CurrentViewer,
) -> Result<Json<TokenList>, ApiError> {
    let tokens = portico_app::identity::tokens::list_tokens(&state.app, &viewer).await?;
    Ok(Json(TokenList {
        items: tokens.iter().map(TokenInfo::from).collect(),
        next_cursor: None,
    }))
}

/// Revoke one of the caller's API tokens; it stops working at once.
#[utoipa::path(delete, path = "/api/v1/me/tokens/{id}", tag = "identity", operation_id = "me_tokens_delete",
    params(("id" = i64, Path, description = "The token's id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "Not signed in, or the bearer token is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The caller has no token with this id", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn token_delete(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    portico_app::identity::tokens::revoke_token(&state.app, &viewer, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// E-mail and password, for a token instead of a session.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenCredentials {
    pub email: String,
    pub password: String,
    /// A second-factor code, for accounts that need one.
    pub code: Option<String>,
    /// What the token is for; default "API sign-in".
    pub name: Option<String>,
}

/// A token made from e-mail and password.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignInToken {
    pub id: i64,
    /// Send it as `Authorization: Bearer <token>`; shown this once.
    pub token: String,
    /// RFC 3339: 90 days from now.
    pub expires_at: Option<String>,
}

/// Get an API token with e-mail and password.
///
/// For apps and scripts: the same checks as signing in (wrong e-mail and wrong password get the same
/// 401), and a token valid for 90 days instead of a session cookie.
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "identity", operation_id = "auth_token",
    request_body = TokenCredentials,
    responses(
        (status = 201, description = "The token, shown this once", body = SignInToken),
        (status = 401, description = "Wrong e-mail or password, or a second factor is needed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is missing or empty", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts; see Retry-After", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn token_from_credentials(
    State(state): State<WebState>,
    ApiJson(req): ApiJson<TokenCredentials>,
) -> Result<(StatusCode, Json<SignInToken>), ApiError> {
    let made = portico_app::identity::tokens::sign_in_for_token(
        &state.app,
        &req.email,
        &req.password,
        req.name.as_deref(),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(SignInToken {
            id: made.token.id,
            token: made.secret,
            expires_at: made.token.expires_at.map(|e| e.to_rfc3339()),
        }),
    ))
}
