//! Signing in and out with e-mail and password, and the language switcher.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use portico_app::AppError;
use portico_app::identity::{SignIn, sign_in};
use portico_core::Locale;
use serde::Deserialize;
use tower_sessions::Session;

use super::{PageContext, render};
use crate::WebState;
use crate::client::RequestOrigin;
use crate::error::HtmlError;
use crate::i18n::{LANG_COOKIE, t, t_count};
use crate::session::{end_session, start_session};

/// This feature's pages.
pub fn routes() -> axum::Router<WebState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/login", get(login_show).post(login_submit))
        .route("/logout", post(logout_submit))
        .route("/language", post(language_submit))
}

#[derive(Template)]
#[template(path = "identity/login.html")]
pub struct LoginPage {
    pub page: PageContext,
    pub email: String,
    pub next: String,
    pub error: Option<String>,
    pub demo: bool,
}

/// Only same-site relative paths are followed after sign-in or a language change.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && n.len() <= 2048
                // Browsers drop tabs and newlines and read `\` as `/`, so `/\t/evil.example` or
                // `/\\evil.example` would leave the site; any control character or space is refused.
                && !n.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\') =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn login_show(page: PageContext, Query(q): Query<NextQuery>) -> Response {
    let demo = page.demo;
    render(
        StatusCode::OK,
        &LoginPage {
            page,
            email: String::new(),
            next: safe_next(q.next.as_deref()),
            error: None,
            demo,
        },
    )
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

pub async fn login_submit(
    State(state): State<WebState>,
    page: PageContext,
    session: Session,
    RequestOrigin(origin): RequestOrigin,
    Form(form): Form<LoginForm>,
) -> Result<Response, HtmlError> {
    let next = safe_next(form.next.as_deref());
    let fail = |page: PageContext, status: StatusCode, msg: String| {
        let demo = page.demo;
        render(
            status,
            &LoginPage {
                page,
                email: form.email.clone(),
                next: next.clone(),
                error: Some(msg),
                demo,
            },
        )
    };
    let outcome = match sign_in(&state.app, &form.email, &form.password, &origin).await {
        Ok(o) => o,
        Err(AppError::Invalid(_)) => {
            let msg = t(page.lang, "login-error-missing");
            return Ok(fail(page, StatusCode::UNPROCESSABLE_ENTITY, msg));
        }
        Err(e) => return Err(e.into()),
    };
    match outcome {
        SignIn::SignedIn(account) => {
            start_session(&session, account.id, &origin).await?;
            let mut res = Redirect::to(&next).into_response();
            set_lang_cookie(&mut res, account.locale, state.config.secure_cookies);
            Ok(res)
        }
        SignIn::Refused => {
            let msg = t(page.lang, "login-error-invalid");
            Ok(fail(page, StatusCode::UNAUTHORIZED, msg))
        }
        SignIn::Throttled { retry_after_secs } => {
            let msg = if retry_after_secs < 60 {
                t_count(
                    page.lang,
                    "login-error-locked-seconds",
                    retry_after_secs as usize,
                )
            } else {
                let minutes = retry_after_secs.div_ceil(60);
                t_count(page.lang, "login-error-locked-minutes", minutes as usize)
            };
            let mut res = fail(page, StatusCode::TOO_MANY_REQUESTS, msg);
            if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
            Ok(res)
        }
        SignIn::NeedsSecondFactor { .. } => {
            // No second factor can be enrolled yet, so none can be asked for; refuse rather than sign
            // in on one factor.
            let msg = t(page.lang, "login-error-second-factor");
            Ok(fail(page, StatusCode::UNAUTHORIZED, msg))
        }
    }
}

pub async fn logout_submit(session: Session) -> Result<Response, HtmlError> {
    end_session(&session).await?;
    Ok(Redirect::to("/").into_response())
}

#[derive(Debug, Deserialize)]
pub struct LanguageForm {
    locale: String,
    next: Option<String>,
}

/// `POST /language`: remembers the choice for a year and returns to the page.
pub async fn language_submit(
    State(state): State<WebState>,
    Form(form): Form<LanguageForm>,
) -> Response {
    let Ok(locale) = form.locale.parse::<Locale>() else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let mut res = Redirect::to(&safe_next(form.next.as_deref())).into_response();
    set_lang_cookie(&mut res, locale, state.config.secure_cookies);
    res
}

pub fn set_lang_cookie(res: &mut Response, locale: Locale, secure: bool) {
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly{}",
        locale.as_str(),
        if secure { "; Secure" } else { "" }
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn next_stays_on_this_site() {
        use super::safe_next;
        assert_eq!(safe_next(Some("/kb?q=1")), "/kb?q=1");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "javascript:alert(1)",
            "",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\u{1}",
            "/a b",
            "/ok\\..\\evil",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
