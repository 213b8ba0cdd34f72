//! Server-rendered pages. Every page struct carries a [`PageContext`] with what the layout needs (language,
//! organisation name, signed-in user, request id); handlers extract it, call a use case and render.

pub mod account;
pub mod admin;
pub mod docs;
pub mod forms;
pub mod home;
pub mod identity;
pub mod kb;
pub mod requests;
pub mod search;

/// Every page route: each feature's `routes()`, merged here and nowhere else.
pub fn routes() -> axum::Router<WebState> {
    axum::Router::new()
        .merge(home::routes())
        .merge(search::routes())
        .merge(identity::routes())
        .merge(account::routes())
        .merge(kb::routes())
        .merge(requests::routes())
        .merge(admin::routes())
        .merge(docs::routes())
}

use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Response};
use portico_app::viewer::Viewer;
use portico_core::Locale;

use crate::WebState;
use crate::assets::asset_url;
use crate::error::HtmlError;
use crate::i18n;
use crate::request_id::RequestId;
use crate::viewer::CurrentViewer;

/// The signed-in user as the layout shows them.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: portico_core::Role,
    pub email_verified: bool,
    pub time_zone: Option<String>,
}

/// What every page's layout needs.
#[derive(Debug, Clone)]
pub struct PageContext {
    pub lang: Locale,
    pub org_name: String,
    /// Current path and query, for the language switcher's `next`.
    pub path: String,
    pub user: Option<SessionUser>,
    /// Who is asking, for handlers that authorise.
    pub viewer: Viewer,
    pub request_id: String,
    pub demo: bool,
}

impl PageContext {
    /// A context without database lookups (used where the database may be the problem).
    pub fn minimal(state: &WebState, lang: Locale, request_id: String, path: String) -> Self {
        Self {
            lang,
            org_name: portico_app::portal::default_name(lang).to_string(),
            path,
            user: None,
            viewer: Viewer::anonymous(),
            request_id,
            demo: state.app.settings().demo,
        }
    }

    /// Fills in the organisation's configured name; keeps the default if the database does not answer.
    pub async fn load_org_name(&mut self, state: &WebState) {
        if let Ok(name) = portico_app::portal::portal_name(&state.app, self.lang).await {
            self.org_name = name;
        }
    }

    pub fn t(&self, key: &str) -> String {
        i18n::t(self.lang, key)
    }

    pub fn t1(&self, key: &str, name: &str, value: &str) -> String {
        i18n::t1(self.lang, key, name, value)
    }

    /// A message with two arguments.
    pub fn t2(&self, key: &str, name1: &str, value1: &str, name2: &str, value2: &str) -> String {
        i18n::t_args(self.lang, key, &[(name1, value1), (name2, value2)])
    }

    pub fn t_count(&self, key: &str, count: usize) -> String {
        i18n::t_count(self.lang, key, count)
    }

    pub fn asset(&self, name: &str) -> String {
        asset_url(name)
    }

    /// A time in the signed-in person's time zone (UTC otherwise), to the minute.
    pub fn time(&self, ts: &portico_core::Timestamp) -> String {
        forms::local_time(*ts, self.user.as_ref().and_then(|u| u.time_zone.as_deref()))
    }

    /// A date in the signed-in person's time zone (UTC otherwise).
    pub fn date(&self, ts: &portico_core::Timestamp) -> String {
        let t = self.time(ts);
        t.split(' ').next().unwrap_or("").to_string()
    }

    /// True when the signed-in person works the request queue.
    pub fn works_queue(&self) -> bool {
        self.viewer.can(portico_core::Permission::WorkQueue)
    }

    /// The organisations the signed-in person manages (by id).
    pub fn managed_organizations(&self) -> Vec<i64> {
        self.viewer
            .actor()
            .map(|a| {
                a.memberships
                    .iter()
                    .filter(|m| m.manager)
                    .map(|m| m.organization_id)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// True when the signed-in person may administer.
    pub fn is_admin(&self) -> bool {
        self.viewer.can(portico_core::Permission::Administer)
    }
}

impl FromRequestParts<WebState> for PageContext {
    type Rejection = HtmlError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &WebState,
    ) -> Result<Self, Self::Rejection> {
        let lang = parts
            .extensions
            .get::<Locale>()
            .copied()
            .unwrap_or_default();
        let request_id = parts
            .extensions
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_default();
        let path = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        let mut ctx = PageContext::minimal(state, lang, request_id, path);
        ctx.org_name = portico_app::portal::portal_name(&state.app, lang).await?;
        let viewer = CurrentViewer::from_request_parts(parts, state)
            .await
            .map_err(|r| HtmlError(r.into_error()))?
            .0;
        ctx.user = viewer.account().map(|a| SessionUser {
            id: a.id,
            name: a.name.clone(),
            email: a.email.clone(),
            role: a.role,
            email_verified: a.email_verified,
            time_zone: a.time_zone.clone(),
        });
        ctx.viewer = viewer;
        Ok(ctx)
    }
}

/// Renders a template with a status; a template error is logged and answered with a bare 500.
pub fn render<T: Template>(status: StatusCode, tpl: &T) -> Response {
    match tpl.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")],
                "<!doctype html><title>Error</title><p>Internal error</p>",
            )
                .into_response()
        }
    }
}

#[cfg(test)]
mod csp_tests {
    /// The Content-Security-Policy allows no inline styles or scripts: a `style="…"` attribute, an
    /// inline `<script>` or an `on…=` handler in a template would be blocked by browsers.
    #[test]
    fn templates_need_nothing_the_csp_blocks() {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x == "html") {
                    out.push(p);
                }
            }
        }
        let mut files = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates"),
            &mut files,
        );
        assert!(files.len() > 10);
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap_or_default();
            for bad in [
                " style=\"",
                "<script>",
                " onclick=",
                " onload=",
                " onsubmit=",
                "javascript:",
            ] {
                assert!(!text.contains(bad), "{}: {bad}", f.display());
            }
        }
    }
}
