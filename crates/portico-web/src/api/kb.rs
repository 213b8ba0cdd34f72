//! Knowledge-base API: categories, articles (read by anyone they are visible to; written by agents and
//! administrators, every save a version) and search over articles.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use portico_app::kb::{self, Article, ArticleInput, ArticlePatch};
use portico_core::{Locale, Permission};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::json::ApiJson;
use crate::WebState;
use crate::client::Visitor;
use crate::error::{ApiError, Problem};
use crate::i18n::Lang;
use crate::viewer::CurrentViewer;

/// This feature's API routes.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<WebState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(categories_list))
        .routes(routes!(articles_list, article_create))
        .routes(routes!(article_show, article_update, article_archive))
        .routes(routes!(kb_search))
        .routes(routes!(article_feedback))
        .merge(
            // Only the upload takes bodies as large as a file.
            utoipa_axum::router::OpenApiRouter::new()
                .routes(routes!(image_upload))
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::html::kb::manage::UPLOAD_BODY_LIMIT,
                )),
        )
}

/// A help-centre category.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryItem {
    pub id: i64,
    pub slug: String,
    /// In the request's language.
    pub name: String,
    pub icon: String,
    /// Published articles the caller may read.
    pub articles: i64,
}

/// The categories.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryList {
    pub items: Vec<CategoryItem>,
}

/// Help-centre categories, in order.
#[utoipa::path(get, path = "/api/v1/kb/categories", tag = "kb", operation_id = "kb_categories_list",
    responses((status = 200, description = "The categories", body = CategoryList)))]
pub async fn categories_list(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    Lang(lang): Lang,
) -> Result<Json<CategoryList>, ApiError> {
    let items = kb::categories(&state.app, &viewer, lang)
        .await?
        .into_iter()
        .map(|c| CategoryItem {
            id: c.id,
            slug: c.slug,
            name: c.name,
            icon: c.icon,
            articles: c.articles,
        })
        .collect();
    Ok(Json(CategoryList { items }))
}

/// An article in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleItem {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub locale: String,
    /// RFC 3339.
    pub updated_at: String,
}

/// A page of articles.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticlePage {
    pub items: Vec<ArticleItem>,
    pub next_cursor: Option<String>,
}

/// Filters of the article list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArticleListQuery {
    /// A category slug.
    pub category: Option<String>,
    /// `en` or `zh-CN`.
    pub locale: Option<String>,
    /// 1 to 100 (default 20).
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

/// Published articles the caller may read, newest first.
#[utoipa::path(get, path = "/api/v1/kb/articles", tag = "kb", operation_id = "kb_articles_list",
    params(ArticleListQuery),
    responses(
        (status = 200, description = "A page of articles", body = ArticlePage),
        (status = 422, description = "An unknown `category` or `locale`, or a bad `cursor`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn articles_list(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    Query(q): Query<ArticleListQuery>,
) -> Result<Json<ArticlePage>, ApiError> {
    let locale = match q.locale.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        None => None,
        Some(l) => Some(l.parse::<Locale>().map_err(|_| {
            portico_core::ValidationErrors::single(
                "locale",
                "invalid_choice",
                "the language must be en or zh-CN",
            )
        })?),
    };
    let before = portico_app::identity::admin::parse_cursor(q.cursor.as_deref())?;
    let size = portico_app::identity::admin::page_size(q.limit);
    let mut items = kb::articles(
        &state.app,
        &viewer,
        q.category.as_deref(),
        locale,
        before,
        size + 1,
    )
    .await?;
    let next = (items.len() as u64 > size).then(|| {
        items.truncate(size as usize);
        items.last().map(|a| a.id.to_string())
    });
    Ok(Json(ArticlePage {
        items: items
            .into_iter()
            .map(|a| ArticleItem {
                id: a.id,
                slug: a.slug,
                title: a.title,
                locale: a.locale,
                updated_at: a.updated_at.to_rfc3339(),
            })
            .collect(),
        next_cursor: next.flatten(),
    }))
}

/// Another language of an article.
#[derive(Debug, Serialize, ToSchema)]
pub struct Translation {
    pub locale: String,
    pub id: i64,
    pub slug: String,
}

/// An article.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleOut {
    pub id: i64,
    pub slug: String,
    pub title: String,
    /// Rendered and sanitised.
    pub body_html: String,
    /// The source, for agents and administrators only.
    pub body_markdown: Option<String>,
    pub locale: String,
    /// The category's slug.
    pub category: Option<String>,
    /// `draft`, `published` or `archived`.
    pub status: String,
    /// `public`, `customers`, `organization` or `internal`.
    pub visibility: String,
    /// For visibility `organization`: the slug of the organisation whose members may read it.
    pub organization: Option<String>,
    pub version: i32,
    /// RFC 3339.
    pub updated_at: String,
    /// `YYYY-MM-DD`, for agents and administrators only.
    pub review_by: Option<String>,
    pub translations: Vec<Translation>,
}

fn article_out(page: kb::ArticlePage, staff: bool) -> ArticleOut {
    let a = page.article;
    ArticleOut {
        id: a.id,
        slug: a.slug,
        title: a.title,
        body_html: a.body_html,
        body_markdown: staff.then_some(a.body_markdown),
        locale: a.locale,
        category: page.category.map(|c| c.slug),
        status: a.status,
        visibility: a.visibility,
        organization: page.organization,
        version: a.version,
        updated_at: a.updated_at.to_rfc3339(),
        review_by: if staff {
            a.review_by.map(kb::format_date)
        } else {
            None
        },
        translations: page
            .translations
            .into_iter()
            .map(|(locale, slug, id)| Translation { locale, id, slug })
            .collect(),
    }
}

/// One article by id or slug (404 when the caller may not read it).
#[utoipa::path(get, path = "/api/v1/kb/articles/{id}", tag = "kb", operation_id = "kb_article_show",
    params(("id" = String, Path, description = "The article's id, or its slug")),
    responses(
        (status = 200, description = "The article", body = ArticleOut),
        (status = 404, description = "No such article, or not one the caller may read", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn article_show(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    Lang(lang): Lang,
    Path(id_or_slug): Path<String>,
) -> Result<Json<ArticleOut>, ApiError> {
    let page = kb::article(&state.app, &viewer, &id_or_slug, lang).await?;
    Ok(Json(article_out(page, viewer.can(Permission::WorkQueue))))
}

/// An organisation, by id or by slug.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum OrganizationIdOrSlug {
    Id(i64),
    Slug(String),
}

impl OrganizationIdOrSlug {
    fn into_text(self) -> String {
        match self {
            OrganizationIdOrSlug::Id(id) => id.to_string(),
            OrganizationIdOrSlug::Slug(s) => s,
        }
    }
}

/// A new article.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ArticleCreate {
    /// 1 to 200 characters.
    pub title: String,
    /// Markdown, up to 200,000 characters; raw HTML in it is shown as text.
    pub body_markdown: String,
    /// `en` or `zh-CN`.
    pub locale: String,
    /// A category slug.
    pub category: Option<String>,
    /// `draft` (default), `published` or `archived`.
    pub status: Option<String>,
    /// `public` (default), `customers`, `organization` or `internal`.
    pub visibility: Option<String>,
    /// For visibility `organization`: the organisation, by id or slug, whose members may read it
    /// (given alone, the visibility is `organization`).
    pub organization: Option<OrganizationIdOrSlug>,
    /// Lower-case letters, digits and dashes; made from the title when left out.
    pub slug: Option<String>,
    /// The id of the article this one translates.
    pub translation_of: Option<i64>,
    /// Review by this date (`YYYY-MM-DD`); past it, the article is listed as needing attention.
    pub review_by: Option<String>,
}

async fn saved(
    state: &WebState,
    viewer: &CurrentViewer,
    lang: Locale,
    a: &Article,
) -> Result<ArticleOut, ApiError> {
    let page = kb::article(&state.app, viewer, &a.id.to_string(), lang).await?;
    Ok(article_out(page, true))
}

/// Write an article (agents and administrators).
#[utoipa::path(post, path = "/api/v1/kb/articles", tag = "kb", operation_id = "kb_article_create",
    request_body = ArticleCreate,
    responses(
        (status = 201, description = "Saved (version 1)", body = ArticleOut),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an agent or administrator", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another article has this `slug`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid (named in `errors`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn article_create(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    Lang(lang): Lang,
    ApiJson(req): ApiJson<ArticleCreate>,
) -> Result<(StatusCode, Json<ArticleOut>), ApiError> {
    let a = kb::create_article(
        &state.app,
        &viewer,
        &ArticleInput {
            title: req.title,
            body_markdown: req.body_markdown,
            locale: req.locale,
            category: req.category,
            status: req.status,
            visibility: req.visibility,
            organization: req.organization.map(OrganizationIdOrSlug::into_text),
            slug: req.slug,
            translation_of: req.translation_of,
            review_by: req.review_by,
            ..Default::default()
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(saved(&state, &viewer, lang, &a).await?),
    ))
}

/// Changes to an article; fields left out keep their value.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticleUpdate {
    pub title: Option<String>,
    pub body_markdown: Option<String>,
    pub locale: Option<String>,
    pub category: Option<String>,
    pub status: Option<String>,
    pub visibility: Option<String>,
    /// The organisation (id or slug) for visibility `organization`.
    pub organization: Option<OrganizationIdOrSlug>,
    /// `YYYY-MM-DD`; an empty string clears the date.
    pub review_by: Option<String>,
    /// The `version` this edit starts from. When someone saved since, the answer is 409 (with
    /// `base_version` named) instead of overwriting their change. Left out: no check.
    pub base_version: Option<i32>,
}

/// Save a new version of an article (agents and administrators).
#[utoipa::path(patch, path = "/api/v1/kb/articles/{id}", tag = "kb", operation_id = "kb_article_update",
    params(("id" = i64, Path, description = "The article's id")),
    request_body = ArticleUpdate,
    responses(
        (status = 200, description = "Saved as a new version", body = ArticleOut),
        (status = 403, description = "Not an agent or administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such article", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The article moved on since `base_version` (or the slug is taken)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is not valid (named in `errors`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn article_update(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    Lang(lang): Lang,
    Path(id): Path<i64>,
    ApiJson(req): ApiJson<ArticleUpdate>,
) -> Result<Json<ArticleOut>, ApiError> {
    let a = kb::update_article(
        &state.app,
        &viewer,
        id,
        &ArticlePatch {
            title: req.title,
            body_markdown: req.body_markdown,
            locale: req.locale,
            category: req.category,
            status: req.status,
            visibility: req.visibility,
            organization: req.organization.map(OrganizationIdOrSlug::into_text),
            review_by: req.review_by,
            base_version: req.base_version,
        },
    )
    .await?;
    Ok(Json(saved(&state, &viewer, lang, &a).await?))
}

/// Archive an article: it leaves the help centre and search; its versions stay.
#[utoipa::path(delete, path = "/api/v1/kb/articles/{id}", tag = "kb", operation_id = "kb_article_archive",
    params(("id" = i64, Path, description = "The article's id")),
    responses(
        (status = 204, description = "Archived"),
        (status = 403, description = "Not an agent or administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such article", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn article_archive(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    kb::archive_article(&state.app, &viewer, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Search parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KbSearchQuery {
    /// The words, in any language (up to 200 characters are used).
    #[serde(default)]
    pub q: String,
    /// Show each article in this language where it has a version (default: the request's).
    pub locale: Option<String>,
    /// 1 to 100 (default 10).
    pub limit: Option<usize>,
    /// `best` (default) or `words`, as for `GET /api/v1/search`.
    pub ranking: Option<String>,
    /// Only articles of this category (its slug).
    pub category: Option<String>,
}

/// A matching article.
#[derive(Debug, Serialize, ToSchema)]
pub struct KbHit {
    pub id: Option<i64>,
    pub slug: String,
    pub title: String,
    /// Plain text around the matched words.
    pub snippet: String,
    pub score: f32,
}

/// Matching articles.
#[derive(Debug, Serialize, ToSchema)]
pub struct KbHits {
    pub items: Vec<KbHit>,
    pub total: usize,
}

/// Search the articles the caller may read.
#[utoipa::path(get, path = "/api/v1/kb/search", tag = "kb", operation_id = "kb_search",
    params(KbSearchQuery),
    responses(
        (status = 200, description = "Best matches first", body = KbHits),
        (status = 422, description = "An unknown `locale`, `ranking` or `category`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn kb_search(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    Lang(lang): Lang,
    Visitor(visitor): Visitor,
    Query(q): Query<KbSearchQuery>,
) -> Result<Json<KbHits>, ApiError> {
    let locale = match q.locale.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        None => lang,
        Some(l) => l.parse::<Locale>().map_err(|_| {
            portico_core::ValidationErrors::single(
                "locale",
                "invalid_choice",
                "the language must be en or zh-CN",
            )
        })?,
    };
    let ranking = super::search::ranking_param(q.ranking.as_deref())?;
    let found = kb::search_category(
        &state.app,
        &viewer,
        locale,
        &q.q,
        q.limit.unwrap_or(10),
        q.category.as_deref(),
        ranking,
    )
    .await?;
    if !q.q.trim().is_empty() {
        let kind = if found.total == 0 {
            "search_zero"
        } else {
            "search"
        };
        kb::record_event(
            &state.app,
            &viewer,
            &visitor,
            kind,
            None,
            Some(&q.q),
            Some(found.total),
        )
        .await;
    }
    let slug_of = |url: &str| url.strip_prefix("/kb/articles/").unwrap_or(url).to_string();
    let slugs: Vec<String> = found.hits.iter().map(|h| slug_of(&h.url)).collect();
    let ids = kb::article_ids_by_slugs(&state.app, &slugs).await?;
    let items = found
        .hits
        .into_iter()
        .map(|h| {
            let slug = slug_of(&h.url);
            KbHit {
                id: ids.get(&slug).copied(),
                slug,
                title: h.title,
                snippet: h.snippet,
                score: h.score,
            }
        })
        .collect();
    Ok(Json(KbHits {
        items,
        total: found.total,
    }))
}

/// A "Was this helpful?" answer.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackRequest {
    pub helpful: bool,
    /// With `helpful: false`: `outdated`, `unclear` or `didnt_solve`.
    pub reason: Option<String>,
    /// With `helpful: false`: up to 1,000 characters.
    pub comment: Option<String>,
}

/// The article's votes after this one.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedbackCounts {
    pub helpful: i64,
    pub not_helpful: i64,
}

/// Say whether an article helped. One answer per visitor: a second replaces the first.
#[utoipa::path(post, path = "/api/v1/kb/articles/{id}/feedback", tag = "kb", operation_id = "kb_article_feedback",
    params(("id" = String, Path, description = "The article's id, or its slug")),
    request_body = FeedbackRequest,
    responses(
        (status = 200, description = "Recorded", body = FeedbackCounts),
        (status = 404, description = "No such article, or not one the caller may read", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown `reason`, a `comment` too long, or a reason with a helpful answer", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn article_feedback(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    Visitor(visitor): Visitor,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<FeedbackRequest>,
) -> Result<Json<FeedbackCounts>, ApiError> {
    let (helpful, not_helpful) = kb::feedback(
        &state.app,
        &viewer,
        &id,
        &visitor,
        req.helpful,
        req.reason.as_deref(),
        req.comment.as_deref(),
    )
    .await?;
    Ok(Json(FeedbackCounts {
        helpful,
        not_helpful,
    }))
}

/// A stored image or file.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImageOut {
    pub id: i64,
    /// Where it is served (the address carries a random token: it cannot be guessed from the id).
    pub url: String,
    /// Markdown that shows the image, or links to the file, in an article.
    pub markdown: String,
    /// The type found in its content, e.g. `image/png`, `application/pdf`.
    pub content_type: String,
    /// Bytes.
    pub size: usize,
}

/// Upload an image or file for articles (agents and administrators).
///
/// A `multipart/form-data` body with the file in the field `file`: a PNG, JPEG, GIF or WebP image up
/// to 2 MiB, or a PDF, Word, Excel, PowerPoint, ZIP, text or CSV file up to 10 MiB (checked by
/// content; office documents and CSV also by the name's extension).
#[utoipa::path(post, path = "/api/v1/kb/files", tag = "kb", operation_id = "kb_image_upload",
    request_body(content_type = "multipart/form-data", description = "The image or file in the field `file`"),
    responses(
        (status = 201, description = "Stored", body = ImageOut),
        (status = 403, description = "Not an agent or administrator", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than the request body limit", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a type accepted, or too large for its type (`file`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn image_upload(
    State(state): State<WebState>,
    viewer: CurrentViewer,
    form: axum::extract::Multipart,
) -> Result<(StatusCode, Json<ImageOut>), ApiError> {
    viewer.require(Permission::WorkQueue)?;
    let (name, bytes) = crate::html::kb::manage::file_field(form).await?;
    let img = kb::upload_file(&state.app, &viewer, &name, &bytes).await?;
    Ok((
        StatusCode::CREATED,
        Json(ImageOut {
            id: img.id,
            url: img.url,
            markdown: img.markdown,
            content_type: img.content_type,
            size: img.size,
        }),
    ))
}
