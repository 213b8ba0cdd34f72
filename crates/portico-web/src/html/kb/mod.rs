//! The help centre: categories as cards with recent articles, a category page, and the article page
//! (breadcrumbs, table of contents for long articles, the other language, related articles, print view).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use portico_app::kb::Article;
use portico_app::kb::{self, ArticlePage, CategoryView};

use super::{PageContext, render};
use crate::WebState;
use crate::error::HtmlError;

/// This feature's pages.
pub fn routes() -> axum::Router<WebState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/kb", get(index_show))
        .route("/kb/categories/{slug}", get(category_show))
        .route("/kb/articles/{slug}", get(article_show))
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
    Ok(render(
        StatusCode::OK,
        &IndexPage {
            categories,
            recent,
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
}

pub async fn article_show(
    State(state): State<WebState>,
    page: PageContext,
    Path(slug): Path<String>,
) -> Result<Response, HtmlError> {
    let a = kb::article(&state.app, &page.viewer, &slug, page.lang).await?;
    let updated = page.date(&a.article.updated_at);
    let status_note = match a.article.status.as_str() {
        "draft" => Some(page.t("kb-status-draft")),
        "archived" => Some(page.t("kb-status-archived")),
        _ => None,
    };
    Ok(render(
        StatusCode::OK,
        &ArticleView {
            a,
            updated,
            status_note,
            page,
        },
    ))
}
