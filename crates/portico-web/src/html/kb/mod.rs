//! The help centre: categories as cards with recent articles, a category page, and the article page
//! (breadcrumbs, table of contents for long articles, the other language, related articles, print view).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use portico_app::kb::Article;
use portico_app::kb::{self, ArticlePage, CategoryView};
use serde::Deserialize;

use super::{PageContext, render};
use crate::WebState;
use crate::client::Visitor;
use crate::error::HtmlError;
use crate::html::forms::{FormErrors, url_encode};

pub mod manage;

/// This feature's pages.
pub fn routes() -> axum::Router<WebState> {
    use axum::routing::get;
    axum::Router::new()
        .merge(manage::routes())
        .route("/kb", get(index_show))
        .route("/kb/categories/{slug}", get(category_show))
        .route("/kb/articles/{slug}", get(article_show))
        .route(
            "/kb/articles/{slug}/feedback",
            axum::routing::post(feedback_submit),
        )
        .route("/kb/files/{key}/{name}", get(file_show))
}

/// An article in a list.
pub struct ArticleLink {
    pub slug: String,
    pub title: String,
    pub updated: String,
}

fn link(page: &PageContext, a: &Article) -> ArticleLink {
    ArticleLink {
        slug: a.slug.clone(),
        title: a.title.clone(),
        updated: page.date(&a.updated_at),
    }
}

#[derive(Template)]
#[template(path = "kb/index.html")]
pub struct IndexPage {
    pub page: PageContext,
    pub categories: Vec<CategoryView>,
    pub recent: Vec<ArticleLink>,
    /// The most read articles of the last 30 days.
    pub popular: Vec<ArticleLink>,
}

pub async fn index_show(
    State(state): State<WebState>,
    page: PageContext,
) -> Result<Response, HtmlError> {
    let categories = kb::categories(&state.app, &page.viewer, page.lang).await?;
    let latest = kb::articles(&state.app, &page.viewer, None, None, None, 40).await?;
    let mut recent = kb::one_per_translation(latest, page.lang);
    recent.sort_by_key(|a| std::cmp::Reverse(a.updated_at));
    let recent = recent.iter().take(8).map(|a| link(&page, a)).collect();
    let popular = kb::popular(&state.app, &page.viewer, page.lang, 8)
        .await?
        .iter()
        .map(|a| link(&page, a))
        .collect();
    Ok(render(
        StatusCode::OK,
        &IndexPage {
            categories,
            recent,
            popular,
            page,
        },
    ))
}

#[derive(Template)]
#[template(path = "kb/category.html")]
pub struct CategoryPage {
    pub page: PageContext,
    pub category: CategoryView,
    pub articles: Vec<ArticleLink>,
}

pub async fn category_show(
    State(state): State<WebState>,
    page: PageContext,
    Path(slug): Path<String>,
) -> Result<Response, HtmlError> {
    let (category, list) = kb::category(&state.app, &page.viewer, &slug, page.lang).await?;
    let articles = list.iter().map(|a| link(&page, a)).collect();
    Ok(render(
        StatusCode::OK,
        &CategoryPage {
            category,
            articles,
            page,
        },
    ))
}

#[derive(Template)]
#[template(path = "kb/article.html")]
pub struct ArticleView {
    pub page: PageContext,
    pub a: ArticlePage,
    pub updated: String,
    /// Shown for drafts and archived articles (only staff reach them).
    pub status_note: Option<String>,
    /// `thanks` after an answer, `why` to ask the reason for a "no".
    pub feedback: String,
    pub errors: FormErrors,
}

#[derive(Debug, Deserialize)]
pub struct ArticleQuery {
    /// The search that led here (a click on a result).
    q: Option<String>,
    feedback: Option<String>,
}

pub async fn article_show(
    State(state): State<WebState>,
    page: PageContext,
    Visitor(visitor): Visitor,
    Path(slug): Path<String>,
    Query(q): Query<ArticleQuery>,
) -> Result<Response, HtmlError> {
    let a = kb::article(&state.app, &page.viewer, &slug, page.lang).await?;
    let id = a.article.id.to_string();
    kb::record_event(
        &state.app,
        &page.viewer,
        &visitor,
        "article_view",
        Some(&id),
        None,
        None,
    )
    .await;
    if let Some(query) = q.q.as_deref().filter(|x| !x.trim().is_empty()) {
        kb::record_event(
            &state.app,
            &page.viewer,
            &visitor,
            "result_click",
            Some(&id),
            Some(query),
            None,
        )
        .await;
    }
    let updated = page.date(&a.article.updated_at);
    let status_note = match a.article.status.as_str() {
        "draft" => Some(page.t("kb-status-draft")),
        "archived" => Some(page.t("kb-status-archived")),
        _ => None,
    };
    let feedback = match q.feedback.as_deref() {
        Some(f @ ("thanks" | "why")) => f.to_string(),
        _ => String::new(),
    };
    Ok(render(
        StatusCode::OK,
        &ArticleView {
            a,
            updated,
            status_note,
            feedback,
            errors: FormErrors::default(),
            page,
        },
    ))
}

#[derive(Debug, Deserialize)]
pub struct FeedbackForm {
    #[serde(default)]
    helpful: String,
    reason: Option<String>,
    comment: Option<String>,
}

/// "Was this helpful?": yes, or no (then the reason, on the same page, without JavaScript).
pub async fn feedback_submit(
    State(state): State<WebState>,
    page: PageContext,
    Visitor(visitor): Visitor,
    Path(slug): Path<String>,
    Form(form): Form<FeedbackForm>,
) -> Result<Response, HtmlError> {
    let helpful = form.helpful == "yes";
    let detail = form.reason.is_some() || form.comment.is_some();
    let result = kb::feedback(
        &state.app,
        &page.viewer,
        &slug,
        &visitor,
        helpful,
        form.reason.as_deref(),
        form.comment.as_deref(),
    )
    .await;
    let path = format!("/kb/articles/{}", url_encode(&slug));
    match result {
        Ok(_) if !helpful && !detail => {
            Ok(Redirect::to(&format!("{path}?feedback=why#feedback")).into_response())
        }
        Ok(_) => Ok(Redirect::to(&format!("{path}?feedback=thanks#feedback")).into_response()),
        Err(e) => {
            let errors = FormErrors::from_app(page.lang, e)?;
            let a = kb::article(&state.app, &page.viewer, &slug, page.lang).await?;
            let updated = page.date(&a.article.updated_at);
            Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ArticleView {
                    a,
                    updated,
                    status_note: None,
                    feedback: "why".into(),
                    errors,
                    page,
                },
            ))
        }
    }
}

/// An article's image or file. Served with its checked type, cached for a year (an address never
/// changes content), never sniffed, and sandboxed should anything try to run; files other than images
/// are downloads, never shown in the page's origin.
pub async fn file_show(
    State(state): State<WebState>,
    Path((key, _name)): Path<(String, String)>,
) -> Result<Response, HtmlError> {
    use axum::http::{HeaderValue, header};
    let f = kb::file(&state.app, &key).await?;
    let image = f.content_type.starts_with("image/");
    let mut res = (StatusCode::OK, f.bytes).into_response();
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&f.content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if !image {
        // Stored names are slugs with an extension: plain ASCII, safe in the header.
        let disposition = format!("attachment; filename=\"{}\"", f.name.replace('"', ""));
        if let Ok(v) = HeaderValue::from_str(&disposition) {
            h.insert(header::CONTENT_DISPOSITION, v);
        }
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    Ok(res)
}
