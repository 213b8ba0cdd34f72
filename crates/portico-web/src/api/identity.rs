//! Signing in and out through the API, the current user, and user profiles.

use crate::i18n::Lang;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use portico_app::AppError;
use portico_app::identity::account::Notifications;
use portico_app::identity::account::{self, Profile, ProfilePatch, SignUp};
use portico_app::identity::tokens::{NewToken, TokenRequest};
use portico_app::identity::{Account, SignIn};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;
use utoipa::ToSchema;

use super::json::ApiJson;
use crate::WebState;
use crate::client::RequestOrigin;
use crate::error::{ApiError, Problem};
use crate::session::current_session_key;
use crate::session::{end_session, start_session};
use crate::viewer::CurrentViewer;

/// This feature's API routes.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<WebState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(signup))
        .routes(routes!(verify_email))
        .routes(routes!(password_forgot))
        .routes(routes!(password_reset))
        .routes(routes!(invitation_accept))
        .routes(routes!(me, me_update))
        .routes(routes!(me_password))
        .routes(routes!(me_email))
        .routes(routes!(me_email_confirm))
        .routes(routes!(me_verification))
        .routes(routes!(me_sessions, me_sessions_end_others))
        .routes(routes!(me_session_end))
        .routes(routes!(me_sign_ins))
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

/// A user in answers about accounts (sign-in, sign-up).
#[derive(Debug, Serialize, ToSchema)]
pub struct UserSummary {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub locale: String,
    pub roles: Vec<String>,
    /// The address was confirmed (by its mailed link, or by an administrator).
    pub email_verified: bool,
}

impl From<&Account> for UserSummary {
    fn from(a: &Account) -> Self {
        UserSummary {
            id: a.id,
            email: a.email.clone(),
            name: a.name.clone(),
            locale: a.locale.as_str().into(),
            roles: vec![a.role.as_str().into()],
            email_verified: a.email_verified,
        }
    }
}

/// An organisation the user belongs to.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyOrganization {
    pub id: i64,
    pub name: String,
    /// Sees all of the organisation's requests, not only their own.
    pub can_see_all: bool,
    /// Invites and removes the organisation's members.
    pub manager: bool,
}

/// Which mails about their requests the user wants (security mails always go out).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub struct NotificationSettings {
    pub replies: bool,
    pub status_changes: bool,
    pub announcements: bool,
}

impl From<Notifications> for NotificationSettings {
    fn from(n: Notifications) -> Self {
        NotificationSettings {
            replies: n.replies,
            status_changes: n.status_changes,
            announcements: n.announcements,
        }
    }
}

/// The signed-in user and their profile.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub locale: String,
    pub roles: Vec<String>,
    pub email_verified: bool,
    /// The first organisation the user belongs to (see `organizations` for all).
    pub organization: Option<MyOrganization>,
    pub organizations: Vec<MyOrganization>,
    pub phone: Option<String>,
    /// Postal address, lines separated by `\n`.
    pub address: Option<String>,
    /// IANA time zone, e.g. `Asia/Shanghai`.
    pub time_zone: Option<String>,
    pub notifications: NotificationSettings,
}

impl From<Profile> for Me {
    fn from(p: Profile) -> Self {
        let organizations: Vec<MyOrganization> = p
            .organizations
            .iter()
            .map(|(o, m)| MyOrganization {
                id: o.id,
                name: o.name.clone(),
                can_see_all: m.can_see_all,
                manager: m.manager,
            })
            .collect();
        let a = &p.account;
        Me {
            id: a.id,
            email: a.email.clone(),
            name: a.name.clone(),
            locale: a.locale.as_str().into(),
            roles: vec![a.role.as_str().into()],
            email_verified: a.email_verified,
            organization: organizations.first().map(|o| MyOrganization {
                id: o.id,
                name: o.name.clone(),
                can_see_all: o.can_see_all,
                manager: o.manager,
            }),
            organizations,
            phone: p.phone,
            address: p.address,
            time_zone: p.time_zone,
            notifications: p.notifications.into(),
        }
    }
}

/// Signed in: the user (and the session cookie).
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    pub user: UserSummary,
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
    RequestOrigin(origin): RequestOrigin,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Json<LoginOutcome>, ApiError> {
    match portico_app::identity::sign_in(&state.app, &req.email, &req.password, &origin).await? {
        SignIn::SignedIn(account) => {
            start_session(&session, account.id, &origin).await?;
            Ok(Json(LoginOutcome::SignedIn(LoginResponse {
                user: UserSummary::from(&account),
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
pub async fn me(
    State(state): State<WebState>,
    viewer: CurrentViewer,
) -> Result<Json<Me>, ApiError> {
    Ok(Json(account::profile(&state.app, &viewer).await?.into()))
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
    /// Limit the token to these scopes: `read` (read-only: unsafe requests are refused with 403), `write`,
    /// or areas (`portal`, `queue`, `operations`, `admin`); leave out for all of the caller's
    /// permissions. A token never has a permission its user lacks.
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
    RequestOrigin(origin): RequestOrigin,
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
        &origin,
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
    RequestOrigin(origin): RequestOrigin,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    portico_app::identity::tokens::revoke_token(&state.app, &viewer, id, &origin).await?;
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
    RequestOrigin(origin): RequestOrigin,
    ApiJson(req): ApiJson<TokenCredentials>,
) -> Result<(StatusCode, Json<SignInToken>), ApiError> {
    let made = portico_app::identity::tokens::sign_in_for_token(
        &state.app,
        &req.email,
        &req.password,
        req.name.as_deref(),
        &origin,
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

/// A new account.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SignUpRequest {
    /// At most 254 characters.
    pub email: String,
    /// At least 10 characters and hard to guess (checked with zxcvbn); long passphrases are best.
    pub password: String,
    /// 1 to 120 characters.
    pub name: String,
    /// `en` or `zh-CN`; default: the request's language.
    pub locale: Option<String>,
}

/// The account just made.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignUpResponse {
    pub user: UserSummary,
}

/// Sign up.
///
/// Makes a customer account and mails a verification link (valid 24 hours). The account can sign in
/// at once, but cannot submit requests until the address is verified. Sending the same sign-up again
/// within minutes (a double click) answers with the same account. Signs the browser in.
#[utoipa::path(post, path = "/api/v1/auth/signup", tag = "identity", operation_id = "auth_signup",
    request_body = SignUpRequest,
    responses(
        (status = 201, description = "Made; a verification mail is on its way", body = SignUpResponse),
        (status = 409, description = "Another account has this e-mail address", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid, e.g. a weak `password` (named in `errors`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many sign-ups from this address; see Retry-After", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn signup(
    State(state): State<WebState>,
    session: Session,
    Lang(lang): Lang,
    RequestOrigin(origin): RequestOrigin,
    ApiJson(req): ApiJson<SignUpRequest>,
) -> Result<(StatusCode, Json<SignUpResponse>), ApiError> {
    let done = account::sign_up(
        &state.app,
        SignUp {
            email: &req.email,
            name: &req.name,
            password: &req.password,
            locale: req.locale.as_deref(),
        },
        lang,
        &origin,
    )
    .await?;
    start_session(&session, done.account().id, &origin).await?;
    Ok((
        StatusCode::CREATED,
        Json(SignUpResponse {
            user: done.account().into(),
        }),
    ))
}

/// A token from a mailed link.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LinkToken {
    /// The `token` parameter of the link.
    pub token: String,
}

/// Verify an e-mail address with the token from the verification mail.
#[utoipa::path(post, path = "/api/v1/auth/verify", tag = "identity", operation_id = "auth_verify",
    request_body = LinkToken,
    responses(
        (status = 200, description = "Verified", body = UserSummary),
        (status = 422, description = "The `token` is unknown (`link_invalid`), used (`link_used`) or expired (`link_expired`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn verify_email(
    State(state): State<WebState>,
    RequestOrigin(origin): RequestOrigin,
    ApiJson(req): ApiJson<LinkToken>,
) -> Result<Json<UserSummary>, ApiError> {
    let a = account::verify_email(&state.app, &req.token, &origin).await?;
    Ok(Json((&a).into()))
}

/// Mail a new verification link to the signed-in user.
#[utoipa::path(post, path = "/api/v1/me/verification", tag = "identity", operation_id = "me_verification_resend",
    responses(
        (status = 202, description = "A new link is on its way; earlier ones stop working"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The address is already verified", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Five links were sent this hour already", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn me_verification(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    RequestOrigin(origin): RequestOrigin,
) -> Result<StatusCode, ApiError> {
    account::resend_verification(&state.app, &viewer, &origin).await?;
    Ok(StatusCode::ACCEPTED)
}

/// An e-mail address for a password reset.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ForgotRequest {
    pub email: String,
}

/// Ask for a password reset link.
///
/// Always 202 for a well-formed address, whether or not an account has it; only an existing, active
/// account is mailed (a link valid one hour).
#[utoipa::path(post, path = "/api/v1/auth/password/forgot", tag = "identity", operation_id = "auth_password_forgot",
    request_body = ForgotRequest,
    responses(
        (status = 202, description = "If an account has this address, a reset link is on its way"),
        (status = 422, description = "The `email` is not an e-mail address", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address; see Retry-After", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn password_forgot(
    State(state): State<WebState>,
    RequestOrigin(origin): RequestOrigin,
    ApiJson(req): ApiJson<ForgotRequest>,
) -> Result<StatusCode, ApiError> {
    account::request_password_reset(&state.app, &req.email, &origin).await?;
    Ok(StatusCode::ACCEPTED)
}

/// A new password set through a mailed link.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SetPasswordRequest {
    /// The `token` parameter of the link.
    pub token: String,
    pub password: String,
}

/// Set a new password with the token of a reset mail.
///
/// The link is used up, every session of the account ends, a sign-in lock on the address is lifted,
/// and the browser is signed in afresh.
#[utoipa::path(post, path = "/api/v1/auth/password/reset", tag = "identity", operation_id = "auth_password_reset",
    request_body = SetPasswordRequest,
    responses(
        (status = 200, description = "Password set; signed in", body = UserSummary),
        (status = 422, description = "A weak `password`, or a `token` that is unknown, used or expired", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn password_reset(
    State(state): State<WebState>,
    session: Session,
    Lang(lang): Lang,
    RequestOrigin(origin): RequestOrigin,
    ApiJson(req): ApiJson<SetPasswordRequest>,
) -> Result<Json<UserSummary>, ApiError> {
    set_password_by_link(&state, &session, lang, &origin, &req, false).await
}

/// Sets the password through a reset or invitation link and starts a fresh session.
async fn set_password_by_link(
    state: &WebState,
    session: &Session,
    lang: portico_core::Locale,
    origin: &portico_app::audit::Origin,
    req: &SetPasswordRequest,
    invitation: bool,
) -> Result<Json<UserSummary>, ApiError> {
    let a = account::set_password_by_link(
        &state.app,
        &req.token,
        &req.password,
        invitation,
        lang,
        origin,
    )
    .await?;
    start_session(session, a.id, origin).await?;
    Ok(Json((&a).into()))
}

/// Accept an invitation: set a password with the token of the invitation mail.
#[utoipa::path(post, path = "/api/v1/auth/invitation/accept", tag = "identity", operation_id = "auth_invitation_accept",
    request_body = SetPasswordRequest,
    responses(
        (status = 200, description = "Password set; signed in", body = UserSummary),
        (status = 422, description = "A weak `password`, or a `token` that is unknown, used or expired", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn invitation_accept(
    State(state): State<WebState>,
    session: Session,
    Lang(lang): Lang,
    RequestOrigin(origin): RequestOrigin,
    ApiJson(req): ApiJson<SetPasswordRequest>,
) -> Result<Json<UserSummary>, ApiError> {
    set_password_by_link(&state, &session, lang, &origin, &req, true).await
}

/// Profile changes; a field left out stays as it is, an empty string clears `phone`, `address` or
/// `time_zone`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MePatch {
    /// 1 to 120 characters.
    pub name: Option<String>,
    /// Up to 32 characters: digits, `+`, spaces, dashes, brackets.
    pub phone: Option<String>,
    /// Up to 500 characters; lines separated by `\n`.
    pub address: Option<String>,
    /// `en` or `zh-CN`.
    pub locale: Option<String>,
    /// An IANA time zone such as `Asia/Shanghai`.
    pub time_zone: Option<String>,
    pub notifications: Option<NotificationSettings>,
}

/// Change the signed-in user's profile.
#[utoipa::path(patch, path = "/api/v1/me", tag = "identity", operation_id = "me_update",
    request_body = MePatch,
    responses(
        (status = 200, description = "The profile as saved", body = Me),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid (named in `errors`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn me_update(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    RequestOrigin(origin): RequestOrigin,
    ApiJson(req): ApiJson<MePatch>,
) -> Result<Json<Me>, ApiError> {
    let p = account::update_profile(
        &state.app,
        &viewer,
        ProfilePatch {
            name: req.name,
            phone: req.phone,
            address: req.address,
            locale: req.locale,
            time_zone: req.time_zone,
            notifications: req.notifications.map(|n| Notifications {
                replies: n.replies,
                status_changes: n.status_changes,
                announcements: n.announcements,
            }),
        },
        &origin,
    )
    .await?;
    Ok(Json(p.into()))
}

/// A password change.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// Change the signed-in user's password.
///
/// Needs the current password. Every other session of the account ends; the account is told by mail.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "identity", operation_id = "me_password_change",
    request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Wrong `current_password`, or a weak `new_password`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn me_password(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    session: Session,
    Lang(lang): Lang,
    RequestOrigin(origin): RequestOrigin,
    ApiJson(req): ApiJson<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    let keep = current_session_key(&session);
    account::change_password(
        &state.app,
        &viewer,
        &req.current_password,
        &req.new_password,
        keep.as_deref(),
        lang,
        &origin,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An e-mail address change.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EmailChange {
    pub new_email: String,
    pub current_password: String,
}

/// Change the signed-in user's e-mail address.
///
/// Mails a link (valid 24 hours) to the new address; the address changes when it is opened, and the
/// old address is then told.
#[utoipa::path(post, path = "/api/v1/me/email", tag = "identity", operation_id = "me_email_change",
    request_body = EmailChange,
    responses(
        (status = 202, description = "A confirmation link went to the new address"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another account has the new address", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Wrong `current_password` or a malformed `new_email`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn me_email(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    RequestOrigin(origin): RequestOrigin,
    ApiJson(req): ApiJson<EmailChange>,
) -> Result<StatusCode, ApiError> {
    account::request_email_change(
        &state.app,
        &viewer,
        &req.new_email,
        &req.current_password,
        &origin,
    )
    .await?;
    Ok(StatusCode::ACCEPTED)
}

/// Confirm an e-mail change with the token mailed to the new address.
#[utoipa::path(post, path = "/api/v1/me/email/confirm", tag = "identity", operation_id = "me_email_confirm",
    request_body = LinkToken,
    responses(
        (status = 200, description = "The address changed", body = UserSummary),
        (status = 409, description = "Another account took the address meanwhile", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The `token` is unknown, used or expired", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn me_email_confirm(
    State(state): State<WebState>,
    RequestOrigin(origin): RequestOrigin,
    ApiJson(req): ApiJson<LinkToken>,
) -> Result<Json<UserSummary>, ApiError> {
    let a = account::confirm_email_change(&state.app, &req.token, &origin).await?;
    Ok(Json((&a).into()))
}

/// A signed-in browser session.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionItem {
    /// Names the session for `DELETE /api/v1/me/sessions/{id}`.
    pub id: String,
    pub browser: String,
    pub os: String,
    pub ip: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339, to five minutes.
    pub last_seen_at: String,
    /// The session this request came with.
    pub current: bool,
}

/// The user's sessions.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionList {
    pub items: Vec<SessionItem>,
    /// Always `null`: every session is listed.
    pub next_cursor: Option<String>,
}

/// The signed-in user's browser sessions, most recently used first.
#[utoipa::path(get, path = "/api/v1/me/sessions", tag = "identity", operation_id = "me_sessions_list",
    responses(
        (status = 200, description = "The sessions", body = SessionList),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn me_sessions(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    session: Session,
) -> Result<Json<SessionList>, ApiError> {
    let current = current_session_key(&session);
    let list = account::list_sessions(&state.app, &viewer, current.as_deref()).await?;
    Ok(Json(SessionList {
        items: list
            .into_iter()
            .map(|s| SessionItem {
                id: s.id,
                browser: s.browser,
                os: s.os,
                ip: s.ip,
                created_at: s.created_at.to_rfc3339(),
                last_seen_at: s.last_seen_at.to_rfc3339(),
                current: s.current,
            })
            .collect(),
        next_cursor: None,
    }))
}

/// How many sessions ended.
#[derive(Debug, Serialize, ToSchema)]
pub struct Ended {
    pub ended: u64,
}

/// Sign out everywhere else: every session of the user but this one ends.
#[utoipa::path(delete, path = "/api/v1/me/sessions", tag = "identity", operation_id = "me_sessions_end_others",
    responses(
        (status = 200, description = "The other sessions ended", body = Ended),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn me_sessions_end_others(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    session: Session,
    RequestOrigin(origin): RequestOrigin,
) -> Result<Json<Ended>, ApiError> {
    let keep = current_session_key(&session);
    let ended =
        account::sign_out_other_sessions(&state.app, &viewer, keep.as_deref(), &origin).await?;
    Ok(Json(Ended { ended }))
}

/// Sign out one session.
#[utoipa::path(delete, path = "/api/v1/me/sessions/{id}", tag = "identity", operation_id = "me_session_end",
    params(("id" = String, Path, description = "The session's id from the list")),
    responses(
        (status = 204, description = "Ended"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The user has no session with this id", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn me_session_end(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    RequestOrigin(origin): RequestOrigin,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    account::sign_out_session(&state.app, &viewer, &id, &origin).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A sign-in attempt on the account.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignInAttempt {
    /// RFC 3339.
    pub at: String,
    /// `succeeded`, `failed` or `locked`.
    pub outcome: String,
    pub ip: Option<String>,
    pub browser: String,
    pub os: String,
}

/// The attempts.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignInAttempts {
    pub items: Vec<SignInAttempt>,
}

/// Outcome of a sign-in audit entry.
pub fn sign_in_outcome(action: &str) -> &'static str {
    match action {
        "auth.signed_in" => "succeeded",
        "auth.locked" => "locked",
        _ => "failed",
    }
}

/// The signed-in user's last 20 sign-in attempts, newest first.
#[utoipa::path(get, path = "/api/v1/me/sign-ins", tag = "identity", operation_id = "me_sign_ins",
    responses(
        (status = 200, description = "The attempts", body = SignInAttempts),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn me_sign_ins(
    State(state): State<WebState>,
    viewer: CurrentViewer,
) -> Result<Json<SignInAttempts>, ApiError> {
    let items = portico_app::audit::recent_sign_ins(&state.app, &viewer).await?;
    Ok(Json(SignInAttempts {
        items: items
            .into_iter()
            .map(|e| {
                let ua = portico_app::identity::user_agent::describe(
                    e.user_agent.as_deref().unwrap_or(""),
                );
                SignInAttempt {
                    at: e.at.to_rfc3339(),
                    outcome: sign_in_outcome(&e.action).into(),
                    ip: e.ip,
                    browser: ua.browser,
                    os: ua.os,
                }
            })
            .collect(),
    }))
}
