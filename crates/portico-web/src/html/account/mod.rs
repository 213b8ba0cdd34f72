//! The account pages: signing up, verifying the address, forgotten passwords and invitations, the
//! profile (details, password, e-mail address) and the security page (sessions, sign-in attempts, API
//! tokens).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use portico_app::AppError;
use portico_app::identity::account::{self, Notifications, ProfilePatch, SessionView, SignUp};
use portico_app::identity::tokens::{self, ApiToken, TokenRequest};
use portico_app::identity::user_agent;
use serde::Deserialize;
use tower_sessions::Session;

use super::forms::{FormErrors, notice, to_sign_in};
use super::{PageContext, render};
use crate::WebState;
use crate::client::RequestOrigin;
use crate::error::HtmlError;
use crate::session::{current_session_key, start_session};

/// This feature's pages.
pub fn routes() -> axum::Router<WebState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/signup", get(signup_show).post(signup_submit))
        .route("/verify-email", get(verify_email))
        .route("/account/verification", post(resend_verification))
        .route("/password/forgot", get(forgot_show).post(forgot_submit))
        .route("/password/reset", get(reset_show).post(reset_submit))
        .route("/invite", get(invite_show).post(invite_submit))
        .route("/account/profile", get(profile_show).post(profile_submit))
        .route("/account/password", post(password_submit))
        .route("/account/email", post(email_submit))
        .route("/account/email/confirm", get(email_confirm))
        .route("/account/security", get(security_show))
        .route("/account/sessions/end-others", post(sessions_end_others))
        .route("/account/sessions/{id}/end", post(session_end))
        .route("/account/tokens", post(token_create))
        .route("/account/tokens/{id}/revoke", post(token_revoke))
}

/// A page that says one thing: a link worked or did not, a mail is on its way.
#[derive(Template)]
#[template(path = "account/message.html")]
pub struct MessagePage {
    pub page: PageContext,
    pub title: String,
    pub body: String,
    pub ok: bool,
    /// A way on: (href, label).
    pub action: Option<(String, String)>,
}

fn message(
    page: PageContext,
    status: StatusCode,
    title_key: &str,
    body_key: &str,
    ok: bool,
    action: Option<(&str, &str)>,
) -> Response {
    let title = page.t(title_key);
    let body = page.t(body_key);
    let action = action.map(|(href, key)| (href.to_string(), page.t(key)));
    render(
        status,
        &MessagePage {
            page,
            title,
            body,
            ok,
            action,
        },
    )
}

/// The page for a link that cannot be used, by why (`link_used`, `link_expired`, else unknown).
fn link_problem(page: PageContext, e: &AppError, again: (&str, &str)) -> Response {
    let code = match e {
        AppError::Invalid(v) => v.0.first().map(|f| f.code).unwrap_or("link_invalid"),
        _ => "link_invalid",
    };
    let (title, body) = match code {
        "link_used" => ("link-used-title", "link-used-body"),
        "link_expired" => ("link-expired-title", "link-expired-body"),
        _ => ("link-invalid-title", "link-invalid-body"),
    };
    message(page, StatusCode::GONE, title, body, false, Some(again))
}

#[derive(Debug, Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

#[derive(Debug, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

// ---- sign-up ----

#[derive(Template)]
#[template(path = "account/signup.html")]
pub struct SignUpPage {
    pub page: PageContext,
    pub email: String,
    pub name: String,
    pub errors: FormErrors,
}

pub async fn signup_show(page: PageContext) -> Response {
    if page.user.is_some() {
        return Redirect::to("/account/profile").into_response();
    }
    render(
        StatusCode::OK,
        &SignUpPage {
            page,
            email: String::new(),
            name: String::new(),
            errors: FormErrors::default(),
        },
    )
}

#[derive(Debug, Deserialize)]
pub struct SignUpForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
}

pub async fn signup_submit(
    State(state): State<WebState>,
    page: PageContext,
    session: Session,
    RequestOrigin(origin): RequestOrigin,
    Form(form): Form<SignUpForm>,
) -> Result<Response, HtmlError> {
    let lang = page.lang;
    let done = account::sign_up(
        &state.app,
        SignUp {
            email: &form.email,
            name: &form.name,
            password: &form.password,
            locale: Some(lang.as_str()),
        },
        lang,
        &origin,
    )
    .await;
    match done {
        Ok(d) => {
            start_session(&session, d.account().id, &origin).await?;
            Ok(Redirect::to("/account/profile?done=welcome").into_response())
        }
        Err(e) => {
            let errors = FormErrors::from_app(lang, e)?;
            Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &SignUpPage {
                    page,
                    email: form.email,
                    name: form.name,
                    errors,
                },
            ))
        }
    }
}

pub async fn verify_email(
    State(state): State<WebState>,
    mut page: PageContext,
    RequestOrigin(origin): RequestOrigin,
    Query(q): Query<TokenQuery>,
) -> Response {
    match account::verify_email(&state.app, &q.token, &origin).await {
        Ok(verified) => {
            // The page was set up before the link was used: it shows the address as confirmed now.
            if let Some(u) = page.user.as_mut().filter(|u| u.id == verified.id) {
                u.email_verified = true;
            }
            message(
                page,
                StatusCode::OK,
                "verify-done-title",
                "verify-done-body",
                true,
                Some(("/", "verify-done-action")),
            )
        }
        Err(e @ AppError::Invalid(_)) => {
            let signed_in = page.user.as_ref().is_some_and(|u| !u.email_verified);
            let again = if signed_in {
                ("/account/profile", "link-verify-again")
            } else {
                ("/login", "nav-sign-in")
            };
            link_problem(page, &e, again)
        }
        Err(e) => HtmlError(e).into_response(),
    }
}

pub async fn resend_verification(
    State(state): State<WebState>,
    page: PageContext,
    RequestOrigin(origin): RequestOrigin,
) -> Result<Response, HtmlError> {
    if page.user.is_none() {
        return Ok(to_sign_in(&page));
    }
    match account::resend_verification(&state.app, &page.viewer, &origin).await {
        Ok(()) => Ok(Redirect::to("/account/profile?done=resent").into_response()),
        Err(AppError::Conflict { .. }) => {
            Ok(Redirect::to("/account/profile?done=verified").into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// ---- forgotten password, reset, invitation ----

#[derive(Template)]
#[template(path = "account/forgot.html")]
pub struct ForgotPage {
    pub page: PageContext,
    pub email: String,
    pub errors: FormErrors,
}

pub async fn forgot_show(page: PageContext) -> Response {
    render(
        StatusCode::OK,
        &ForgotPage {
            page,
            email: String::new(),
            errors: FormErrors::default(),
        },
    )
}

#[derive(Debug, Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
}

pub async fn forgot_submit(
    State(state): State<WebState>,
    page: PageContext,
    RequestOrigin(origin): RequestOrigin,
    Form(form): Form<ForgotForm>,
) -> Result<Response, HtmlError> {
    match account::request_password_reset(&state.app, &form.email, &origin).await {
        Ok(()) => Ok(message(
            page,
            StatusCode::OK,
            "forgot-sent-title",
            "forgot-sent-body",
            true,
            Some(("/login", "nav-sign-in")),
        )),
        Err(e) => {
            let errors = FormErrors::from_app(page.lang, e)?;
            Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ForgotPage {
                    page,
                    email: form.email,
                    errors,
                },
            ))
        }
    }
}

#[derive(Template)]
#[template(path = "account/set_password.html")]
pub struct SetPasswordPage {
    pub page: PageContext,
    pub invitation: bool,
    pub token: String,
    pub name: String,
    pub email: String,
    pub errors: FormErrors,
}

async fn set_password_show(
    state: &WebState,
    page: PageContext,
    token: String,
    invitation: bool,
) -> Response {
    let again = if invitation {
        ("/login", "nav-sign-in")
    } else {
        ("/password/forgot", "link-reset-again")
    };
    match account::check_link(&state.app, &token, invitation).await {
        Ok(a) => render(
            StatusCode::OK,
            &SetPasswordPage {
                page,
                invitation,
                token,
                name: a.name,
                email: a.email,
                errors: FormErrors::default(),
            },
        ),
        Err(e @ AppError::Invalid(_)) => link_problem(page, &e, again),
        Err(e) => HtmlError(e).into_response(),
    }
}

pub async fn reset_show(
    State(state): State<WebState>,
    page: PageContext,
    Query(q): Query<TokenQuery>,
) -> Response {
    set_password_show(&state, page, q.token, false).await
}

pub async fn invite_show(
    State(state): State<WebState>,
    page: PageContext,
    Query(q): Query<TokenQuery>,
) -> Response {
    set_password_show(&state, page, q.token, true).await
}

#[derive(Debug, Deserialize)]
pub struct SetPasswordForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
}

async fn set_password_submit(
    state: &WebState,
    page: PageContext,
    session: &Session,
    origin: &portico_app::audit::Origin,
    form: SetPasswordForm,
    invitation: bool,
) -> Result<Response, HtmlError> {
    let done = account::set_password_by_link(
        &state.app,
        &form.token,
        &form.password,
        invitation,
        page.lang,
        origin,
    )
    .await;
    match done {
        Ok(a) => {
            start_session(session, a.id, origin).await?;
            let to = if invitation {
                "/account/profile?done=welcome"
            } else {
                "/account/security?done=reset"
            };
            Ok(Redirect::to(to).into_response())
        }
        Err(AppError::Invalid(v)) if v.0.iter().any(|f| f.field == "token") => {
            let again = if invitation {
                ("/login", "nav-sign-in")
            } else {
                ("/password/forgot", "link-reset-again")
            };
            Ok(link_problem(page, &AppError::Invalid(v), again))
        }
        Err(e) => {
            let errors = FormErrors::from_app(page.lang, e)?;
            let a = account::check_link(&state.app, &form.token, invitation).await?;
            Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &SetPasswordPage {
                    page,
                    invitation,
                    token: form.token,
                    name: a.name,
                    email: a.email,
                    errors,
                },
            ))
        }
    }
}

pub async fn reset_submit(
    State(state): State<WebState>,
    page: PageContext,
    session: Session,
    RequestOrigin(origin): RequestOrigin,
    Form(form): Form<SetPasswordForm>,
) -> Result<Response, HtmlError> {
    set_password_submit(&state, page, &session, &origin, form, false).await
}

pub async fn invite_submit(
    State(state): State<WebState>,
    page: PageContext,
    session: Session,
    RequestOrigin(origin): RequestOrigin,
    Form(form): Form<SetPasswordForm>,
) -> Result<Response, HtmlError> {
    set_password_submit(&state, page, &session, &origin, form, true).await
}

// ---- profile ----

#[derive(Template)]
#[template(path = "account/profile.html")]
pub struct ProfilePage {
    pub page: PageContext,
    pub notice: Option<String>,
    pub name: String,
    pub email: String,
    pub email_verified: bool,
    pub phone: String,
    pub address: String,
    pub locale: String,
    pub time_zone: String,
    pub time_zones: Vec<String>,
    pub notifications: Notifications,
    pub organizations: Vec<(String, bool, i64)>,
    pub errors: FormErrors,
    /// Which form the errors belong to: `profile`, `password` or `email`.
    pub form: &'static str,
    pub new_email: String,
}

async fn profile_page(
    state: &WebState,
    page: PageContext,
    notice: Option<String>,
) -> Result<ProfilePage, AppError> {
    let p = account::profile(&state.app, &page.viewer).await?;
    Ok(ProfilePage {
        notice,
        name: p.account.name.clone(),
        email: p.account.email.clone(),
        email_verified: p.account.email_verified,
        phone: p.phone.clone().unwrap_or_default(),
        address: p.address.clone().unwrap_or_default(),
        locale: p.account.locale.as_str().to_string(),
        time_zone: p.time_zone.clone().unwrap_or_default(),
        time_zones: account::time_zone_names(),
        notifications: p.notifications,
        organizations: p
            .organizations
            .iter()
            .map(|(o, m)| (o.name.clone(), m.manager, o.id))
            .collect(),
        errors: FormErrors::default(),
        form: "profile",
        new_email: String::new(),
        page,
    })
}

pub async fn profile_show(
    State(state): State<WebState>,
    page: PageContext,
    Query(q): Query<DoneQuery>,
) -> Result<Response, HtmlError> {
    if page.user.is_none() {
        return Ok(to_sign_in(&page));
    }
    let n = notice(page.lang, q.done.as_deref());
    Ok(render(
        StatusCode::OK,
        &profile_page(&state, page, n).await?,
    ))
}

#[derive(Debug, Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    locale: String,
    #[serde(default)]
    time_zone: String,
    notify_replies: Option<String>,
    notify_status: Option<String>,
    notify_announcements: Option<String>,
}

pub async fn profile_submit(
    State(state): State<WebState>,
    page: PageContext,
    RequestOrigin(origin): RequestOrigin,
    Form(form): Form<ProfileForm>,
) -> Result<Response, HtmlError> {
    if page.user.is_none() {
        return Ok(to_sign_in(&page));
    }
    let patch = ProfilePatch {
        name: Some(form.name.clone()),
        phone: Some(form.phone.clone()),
        address: Some(form.address.clone()),
        locale: Some(form.locale.clone()),
        time_zone: Some(form.time_zone.clone()),
        notifications: Some(Notifications {
            replies: form.notify_replies.is_some(),
            status_changes: form.notify_status.is_some(),
            announcements: form.notify_announcements.is_some(),
        }),
    };
    match account::update_profile(&state.app, &page.viewer, patch, &origin).await {
        Ok(p) => {
            let mut res = Redirect::to("/account/profile?done=saved").into_response();
            // The page follows the language the person just chose.
            super::identity::set_lang_cookie(
                &mut res,
                p.account.locale,
                state.config.secure_cookies,
            );
            Ok(res)
        }
        Err(e) => {
            let errors = FormErrors::from_app(page.lang, e)?;
            let mut p = profile_page(&state, page, None).await?;
            p.errors = errors;
            p.name = form.name;
            p.phone = form.phone;
            p.address = form.address;
            p.time_zone = form.time_zone;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &p))
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

pub async fn password_submit(
    State(state): State<WebState>,
    page: PageContext,
    session: Session,
    RequestOrigin(origin): RequestOrigin,
    Form(form): Form<PasswordForm>,
) -> Result<Response, HtmlError> {
    if page.user.is_none() {
        return Ok(to_sign_in(&page));
    }
    let keep = current_session_key(&session);
    match account::change_password(
        &state.app,
        &page.viewer,
        &form.current_password,
        &form.new_password,
        keep.as_deref(),
        page.lang,
        &origin,
    )
    .await
    {
        Ok(()) => Ok(Redirect::to("/account/profile?done=password").into_response()),
        Err(e) => {
            let errors = FormErrors::from_app(page.lang, e)?;
            let mut p = profile_page(&state, page, None).await?;
            p.errors = errors;
            p.form = "password";
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &p))
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    new_email: String,
    #[serde(default)]
    current_password: String,
}

pub async fn email_submit(
    State(state): State<WebState>,
    page: PageContext,
    RequestOrigin(origin): RequestOrigin,
    Form(form): Form<EmailForm>,
) -> Result<Response, HtmlError> {
    if page.user.is_none() {
        return Ok(to_sign_in(&page));
    }
    match account::request_email_change(
        &state.app,
        &page.viewer,
        &form.new_email,
        &form.current_password,
        &origin,
    )
    .await
    {
        Ok(()) => Ok(Redirect::to("/account/profile?done=email").into_response()),
        Err(e) => {
            let errors = FormErrors::from_app(page.lang, e)?;
            let mut p = profile_page(&state, page, None).await?;
            p.errors = errors;
            p.form = "email";
            p.new_email = form.new_email;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &p))
        }
    }
}

pub async fn email_confirm(
    State(state): State<WebState>,
    mut page: PageContext,
    RequestOrigin(origin): RequestOrigin,
    Query(q): Query<TokenQuery>,
) -> Response {
    match account::confirm_email_change(&state.app, &q.token, &origin).await {
        Ok(changed) => {
            if let Some(u) = page.user.as_mut().filter(|u| u.id == changed.id) {
                u.email = changed.email.clone();
                u.email_verified = true;
            }
            message(
                page,
                StatusCode::OK,
                "email-changed-title",
                "email-changed-body",
                true,
                Some(("/account/profile", "nav-profile")),
            )
        }
        Err(AppError::Conflict { .. }) => message(
            page,
            StatusCode::CONFLICT,
            "email-taken-title",
            "email-taken-body",
            false,
            Some(("/account/profile", "nav-profile")),
        ),
        Err(e @ AppError::Invalid(_)) => {
            link_problem(page, &e, ("/account/profile", "nav-profile"))
        }
        Err(e) => HtmlError(e).into_response(),
    }
}

// ---- security ----

/// A sign-in attempt as the security page lists it.
pub struct AttemptRow {
    pub at: String,
    pub outcome: &'static str,
    pub ip: String,
    pub device: String,
}

#[derive(Template)]
#[template(path = "account/security.html")]
pub struct SecurityPage {
    pub page: PageContext,
    pub notice: Option<String>,
    pub sessions: Vec<SessionView>,
    pub attempts: Vec<AttemptRow>,
    pub tokens: Vec<ApiToken>,
    /// A token just made: its secret, shown this once.
    pub new_token: Option<String>,
    pub token_name: String,
    pub errors: FormErrors,
}

async fn security_page(
    state: &WebState,
    page: PageContext,
    session: &Session,
    notice: Option<String>,
) -> Result<SecurityPage, AppError> {
    let current = current_session_key(session);
    let sessions = account::list_sessions(&state.app, &page.viewer, current.as_deref()).await?;
    let attempts = portico_app::audit::recent_sign_ins(&state.app, &page.viewer)
        .await?
        .into_iter()
        .map(|e| {
            let ua = user_agent::describe(e.user_agent.as_deref().unwrap_or(""));
            AttemptRow {
                at: page.time(&e.at),
                outcome: crate::api::identity::sign_in_outcome(&e.action),
                ip: e.ip.unwrap_or_default(),
                device: if ua.browser == "Unknown" {
                    page.t("security-unknown-device")
                } else {
                    format!("{} · {}", ua.browser, ua.os)
                },
            }
        })
        .collect();
    let tokens = tokens::list_tokens(&state.app, &page.viewer).await?;
    Ok(SecurityPage {
        notice,
        sessions,
        attempts,
        tokens,
        new_token: None,
        token_name: String::new(),
        errors: FormErrors::default(),
        page,
    })
}

pub async fn security_show(
    State(state): State<WebState>,
    page: PageContext,
    session: Session,
    Query(q): Query<DoneQuery>,
) -> Result<Response, HtmlError> {
    if page.user.is_none() {
        return Ok(to_sign_in(&page));
    }
    let n = notice(page.lang, q.done.as_deref());
    Ok(render(
        StatusCode::OK,
        &security_page(&state, page, &session, n).await?,
    ))
}

pub async fn session_end(
    State(state): State<WebState>,
    page: PageContext,
    RequestOrigin(origin): RequestOrigin,
    Path(id): Path<String>,
) -> Result<Response, HtmlError> {
    if page.user.is_none() {
        return Ok(to_sign_in(&page));
    }
    account::sign_out_session(&state.app, &page.viewer, &id, &origin).await?;
    Ok(Redirect::to("/account/security?done=signed-out").into_response())
}

pub async fn sessions_end_others(
    State(state): State<WebState>,
    page: PageContext,
    session: Session,
    RequestOrigin(origin): RequestOrigin,
) -> Result<Response, HtmlError> {
    if page.user.is_none() {
        return Ok(to_sign_in(&page));
    }
    let keep = current_session_key(&session);
    account::sign_out_other_sessions(&state.app, &page.viewer, keep.as_deref(), &origin).await?;
    Ok(Redirect::to("/account/security?done=signed-out-others").into_response())
}

#[derive(Debug, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    expires_in_days: String,
}

pub async fn token_create(
    State(state): State<WebState>,
    page: PageContext,
    session: Session,
    RequestOrigin(origin): RequestOrigin,
    Form(form): Form<TokenForm>,
) -> Result<Response, HtmlError> {
    if page.user.is_none() {
        return Ok(to_sign_in(&page));
    }
    let scopes = match form.scope.as_str() {
        "" | "all" => None,
        s => Some(vec![s.to_string()]),
    };
    let days = form.expires_in_days.trim();
    let (expires_in_days, bad_days) = if days.is_empty() {
        (None, false)
    } else {
        match days.parse::<u32>() {
            Ok(d) => (Some(d), false),
            Err(_) => (None, true),
        }
    };
    let result = if bad_days {
        Err(AppError::Invalid(portico_core::ValidationErrors::single(
            "expires_in_days",
            "out_of_range",
            "a token lasts between 1 and 3650 days",
        )))
    } else {
        tokens::create_token(
            &state.app,
            &page.viewer,
            &TokenRequest {
                name: form.name.clone(),
                scopes,
                expires_in_days,
            },
            &origin,
        )
        .await
    };
    match result {
        Ok(made) => {
            let mut p = security_page(&state, page, &session, None).await?;
            p.new_token = Some(made.secret);
            Ok(render(StatusCode::CREATED, &p))
        }
        Err(e) => {
            let errors = FormErrors::from_app(page.lang, e)?;
            let mut p = security_page(&state, page, &session, None).await?;
            p.errors = errors;
            p.token_name = form.name;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &p))
        }
    }
}

pub async fn token_revoke(
    State(state): State<WebState>,
    page: PageContext,
    RequestOrigin(origin): RequestOrigin,
    Path(id): Path<i64>,
) -> Result<Response, HtmlError> {
    if page.user.is_none() {
        return Ok(to_sign_in(&page));
    }
    tokens::revoke_token(&state.app, &page.viewer, id, &origin).await?;
    Ok(Redirect::to("/account/security?done=revoked").into_response())
}
