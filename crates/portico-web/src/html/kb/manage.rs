//! Writing the help centre (agents and administrators): the list of every article with its status, a
//! Markdown editor with a server-rendered preview (no script needed), and the versions of an article
//! with restore.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use portico_app::AppError;
use portico_app::kb::{self, Article, ArticleInput, ArticlePatch, CategoryView, Version};
use portico_core::Permission;
use serde::Deserialize;

use crate::WebState;
use crate::error::HtmlError;
use crate::html::forms::{FormErrors, notice, require_page};
use crate::html::{PageContext, render};
use crate::i18n;

pub fn routes() -> axum::Router<WebState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/kb/manage", get(list_show))
        .route("/kb/manage/new", get(new_show).post(new_submit))
        .route("/kb/manage/upkeep", get(upkeep_show))
        .route(
            "/kb/manage/categories",
            get(categories_show).post(category_submit),
        )
        .route("/kb/manage/{id}", get(edit_show).post(edit_submit))
        .route("/kb/manage/{id}/restore", post(restore_submit))
        .route("/kb/manage/{id}/compare", get(compare_show))
        .route(
            "/kb/manage/{id}/images",
            post(image_submit).layer(axum::extract::DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
}

/// Writing the help centre is for agents and administrators.
fn gate(page: &PageContext) -> Option<Response> {
    require_page(page, Permission::WorkQueue)
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "kb/manage_list.html")]
pub struct ListPage {
    pub page: PageContext,
    pub notice: Option<String>,
    pub status: String,
    pub articles: Vec<Article>,
}

pub async fn list_show(
    State(state): State<WebState>,
    page: PageContext,
    Query(q): Query<ListQuery>,
) -> Result<Response, HtmlError> {
    if let Some(r) = gate(&page) {
        return Ok(r);
    }
    let articles = kb::manage_list(&state.app, &page.viewer, q.status.as_deref()).await?;
    Ok(render(
        StatusCode::OK,
        &ListPage {
            notice: notice(page.lang, q.done.as_deref()),
            status: q.status.unwrap_or_default(),
            articles,
            page,
        },
    ))
}

/// The editor's fields.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EditorForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body_markdown: String,
    #[serde(default)]
    pub locale: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub visibility: String,
    /// The organisation's slug, for visibility `organization`.
    #[serde(default)]
    pub organization: String,
    #[serde(default)]
    pub status: String,
    /// `YYYY-MM-DD` or empty.
    #[serde(default)]
    pub review_by: String,
    /// The version the editor was opened on (hidden): a save after someone else's is a conflict.
    #[serde(default)]
    pub base_version: Option<i32>,
    /// `preview` shows the rendered article without saving.
    #[serde(default)]
    pub action: String,
}

#[derive(Template)]
#[template(path = "kb/manage_edit.html")]
pub struct EditPage {
    pub page: PageContext,
    pub notice: Option<String>,
    /// None for a new article.
    pub id: Option<i64>,
    pub slug: String,
    pub form: EditorForm,
    pub categories: Vec<CategoryView>,
    /// The organisations an article can be written for: (slug, name).
    pub organizations: Vec<(String, String)>,
    pub preview: Option<String>,
    pub versions: Vec<Version>,
    pub errors: FormErrors,
}

async fn categories(state: &WebState, page: &PageContext) -> Result<Vec<CategoryView>, AppError> {
    kb::categories(&state.app, &page.viewer, page.lang).await
}

async fn organizations(
    state: &WebState,
    page: &PageContext,
) -> Result<Vec<(String, String)>, AppError> {
    kb::organization_choices(&state.app, &page.viewer).await
}

#[derive(Debug, Deserialize)]
pub struct NewQuery {
    /// A title to start from (from a search that found nothing).
    title: Option<String>,
}

pub async fn new_show(
    State(state): State<WebState>,
    page: PageContext,
    Query(q): Query<NewQuery>,
) -> Result<Response, HtmlError> {
    if let Some(r) = gate(&page) {
        return Ok(r);
    }
    let form = EditorForm {
        title: q
            .title
            .unwrap_or_default()
            .chars()
            .take(kb::MAX_TITLE_CHARS)
            .collect(),
        locale: page.lang.as_str().into(),
        visibility: "public".into(),
        status: "draft".into(),
        ..Default::default()
    };
    let categories = categories(&state, &page).await?;
    let organizations = organizations(&state, &page).await?;
    Ok(render(
        StatusCode::OK,
        &EditPage {
            notice: None,
            id: None,
            slug: String::new(),
            form,
            categories,
            organizations,
            preview: None,
            versions: Vec::new(),
            errors: FormErrors::default(),
            page,
        },
    ))
}

fn opt(s: &str) -> Option<String> {
    Some(s.trim().to_string()).filter(|s| !s.is_empty())
}

/// The organisation chosen in the editor, which counts only with visibility `organization` (the
/// choice may stay selected after switching to another visibility on a page without script).
fn organization_of(form: &EditorForm) -> Option<String> {
    opt(&form.organization).filter(|_| form.visibility.trim() == "organization")
}

pub async fn new_submit(
    State(state): State<WebState>,
    page: PageContext,
    Form(form): Form<EditorForm>,
) -> Result<Response, HtmlError> {
    if let Some(r) = gate(&page) {
        return Ok(r);
    }
    let categories = categories(&state, &page).await?;
    let organizations = organizations(&state, &page).await?;
    if form.action == "preview" {
        let preview = Some(kb::render::render(&form.body_markdown).html);
        return Ok(render(
            StatusCode::OK,
            &EditPage {
                notice: None,
                id: None,
                slug: String::new(),
                form,
                categories,
                organizations,
                preview,
                versions: Vec::new(),
                errors: FormErrors::default(),
                page,
            },
        ));
    }
    let input = ArticleInput {
        title: form.title.clone(),
        body_markdown: form.body_markdown.clone(),
        locale: form.locale.clone(),
        category: opt(&form.category),
        status: opt(&form.status),
        visibility: opt(&form.visibility),
        organization: organization_of(&form),
        review_by: opt(&form.review_by),
        ..Default::default()
    };
    match kb::create_article(&state.app, &page.viewer, &input).await {
        Ok(a) => Ok(Redirect::to(&format!("/kb/manage/{}?done=created", a.id)).into_response()),
        Err(e) => {
            let errors = FormErrors::from_app(page.lang, e)?;
            Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &EditPage {
                    notice: None,
                    id: None,
                    slug: String::new(),
                    form,
                    categories,
                    organizations,
                    preview: None,
                    versions: Vec::new(),
                    errors,
                    page,
                },
            ))
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

async fn edit_page(
    state: &WebState,
    page: PageContext,
    id: i64,
    form: Option<EditorForm>,
) -> Result<EditPage, AppError> {
    let a = kb::article(&state.app, &page.viewer, &id.to_string(), page.lang).await?;
    let versions = kb::versions(&state.app, &page.viewer, id).await?;
    let categories = categories(state, &page).await?;
    let organizations = organizations(state, &page).await?;
    let form = form.unwrap_or_else(|| EditorForm {
        title: a.article.title.clone(),
        body_markdown: a.article.body_markdown.clone(),
        locale: a.article.locale.clone(),
        category: a
            .category
            .as_ref()
            .map(|c| c.slug.clone())
            .unwrap_or_default(),
        visibility: a.article.visibility.clone(),
        organization: a.organization.clone().unwrap_or_default(),
        status: a.article.status.clone(),
        review_by: a.article.review_by.map(kb::format_date).unwrap_or_default(),
        base_version: Some(a.article.version),
        action: String::new(),
    });
    Ok(EditPage {
        notice: None,
        id: Some(id),
        slug: a.article.slug.clone(),
        form,
        categories,
        organizations,
        preview: None,
        versions,
        errors: FormErrors::default(),
        page,
    })
}

pub async fn edit_show(
    State(state): State<WebState>,
    page: PageContext,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, HtmlError> {
    if let Some(r) = gate(&page) {
        return Ok(r);
    }
    let n = notice(page.lang, q.done.as_deref());
    let mut p = edit_page(&state, page, id, None).await?;
    p.notice = n;
    Ok(render(StatusCode::OK, &p))
}

pub async fn edit_submit(
    State(state): State<WebState>,
    page: PageContext,
    Path(id): Path<i64>,
    Form(form): Form<EditorForm>,
) -> Result<Response, HtmlError> {
    if let Some(r) = gate(&page) {
        return Ok(r);
    }
    if form.action == "preview" {
        let preview = Some(kb::render::render(&form.body_markdown).html);
        let mut p = edit_page(&state, page, id, Some(form)).await?;
        p.preview = preview;
        return Ok(render(StatusCode::OK, &p));
    }
    let patch = ArticlePatch {
        title: Some(form.title.clone()),
        body_markdown: Some(form.body_markdown.clone()),
        locale: Some(form.locale.clone()),
        category: Some(form.category.clone()),
        status: Some(form.status.clone()),
        visibility: Some(form.visibility.clone()),
        organization: organization_of(&form),
        review_by: Some(form.review_by.clone()),
        base_version: form.base_version,
    };
    match kb::update_article(&state.app, &page.viewer, id, &patch).await {
        Ok(_) => Ok(Redirect::to(&format!("/kb/manage/{id}?done=saved")).into_response()),
        Err(AppError::Conflict { field, .. }) if field == "base_version" => {
            // Someone saved first: keep this text on the page and say what to do.
            let errors = FormErrors::general(i18n::t(page.lang, "kb-edit-conflict"));
            let mut p = edit_page(&state, page, id, Some(form)).await?;
            p.errors = errors;
            Ok(render(StatusCode::CONFLICT, &p))
        }
        Err(e) => {
            let errors = FormErrors::from_app(page.lang, e)?;
            let mut p = edit_page(&state, page, id, Some(form)).await?;
            p.errors = errors;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &p))
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct RestoreForm {
    version: i32,
}

pub async fn restore_submit(
    State(state): State<WebState>,
    page: PageContext,
    Path(id): Path<i64>,
    Form(form): Form<RestoreForm>,
) -> Result<Response, HtmlError> {
    if let Some(r) = gate(&page) {
        return Ok(r);
    }
    kb::restore_version(&state.app, &page.viewer, id, form.version).await?;
    Ok(Redirect::to(&format!("/kb/manage/{id}?done=restored")).into_response())
}

#[derive(Template)]
#[template(path = "kb/manage_upkeep.html")]
pub struct UpkeepPage {
    pub page: PageContext,
    pub upkeep: kb::Upkeep,
}

/// What needs attention: searches that found nothing, articles that did not help, articles nobody read.
pub async fn upkeep_show(
    State(state): State<WebState>,
    page: PageContext,
) -> Result<Response, HtmlError> {
    if let Some(r) = gate(&page) {
        return Ok(r);
    }
    let upkeep = kb::upkeep(&state.app, &page.viewer).await?;
    Ok(render(StatusCode::OK, &UpkeepPage { upkeep, page }))
}

#[derive(Debug, Deserialize)]
pub struct CompareQuery {
    from: i32,
    to: i32,
}

#[derive(Template)]
#[template(path = "kb/manage_compare.html")]
pub struct ComparePage {
    pub page: PageContext,
    pub id: i64,
    pub from: Version,
    pub to: Version,
    pub lines: Vec<kb::diff::Line>,
}

/// Two versions side by side as a line diff.
pub async fn compare_show(
    State(state): State<WebState>,
    page: PageContext,
    Path(id): Path<i64>,
    Query(q): Query<CompareQuery>,
) -> Result<Response, HtmlError> {
    if let Some(r) = gate(&page) {
        return Ok(r);
    }
    let (from, to, lines) =
        kb::compare_versions(&state.app, &page.viewer, id, q.from, q.to).await?;
    Ok(render(
        StatusCode::OK,
        &ComparePage {
            id,
            from,
            to,
            lines,
            page,
        },
    ))
}

/// The largest upload body: the largest file and room for the form around it.
pub const UPLOAD_BODY_LIMIT: usize = kb::MAX_FILE_BYTES + 64 * 1024;

/// Reads the `file` field of a multipart form: (file name, bytes). A malformed form is 400.
pub async fn file_field(mut form: axum::extract::Multipart) -> Result<(String, Vec<u8>), AppError> {
    let bad =
        |m: &str| AppError::Invalid(portico_core::ValidationErrors::single("file", "invalid", m));
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|_| bad("the upload was not a complete form"))?
    {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("file").to_string();
            let bytes = field
                .bytes()
                .await
                .map_err(|_| bad("the upload did not arrive whole"))?;
            return Ok((name, bytes.to_vec()));
        }
    }
    Err(bad("choose a file"))
}

/// Adds an image (shown) or a file (linked) at the end of the article, as a new version (move the line
/// to place it).
pub async fn image_submit(
    State(state): State<WebState>,
    page: PageContext,
    Path(id): Path<i64>,
    form: axum::extract::Multipart,
) -> Result<Response, HtmlError> {
    if let Some(r) = gate(&page) {
        return Ok(r);
    }
    let result = async {
        let (name, bytes) = file_field(form).await?;
        let img = kb::upload_file(&state.app, &page.viewer, &name, &bytes).await?;
        let a = kb::article(&state.app, &page.viewer, &id.to_string(), page.lang).await?;
        let body = format!(
            "{}\n\n{}\n",
            a.article.body_markdown.trim_end(),
            img.markdown
        );
        kb::update_article(
            &state.app,
            &page.viewer,
            id,
            &ArticlePatch {
                body_markdown: Some(body),
                ..Default::default()
            },
        )
        .await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/kb/manage/{id}?done=image")).into_response()),
        Err(e) => {
            let errors = FormErrors::from_app(page.lang, e)?;
            let mut p = edit_page(&state, page, id, None).await?;
            p.errors = errors;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &p))
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct CategoriesQuery {
    edit: Option<String>,
    done: Option<String>,
}

/// The category form's fields.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CategoryForm {
    #[serde(default)]
    pub slug: String,
    #[serde(default)]
    pub name_en: String,
    #[serde(default)]
    pub name_zh: String,
    #[serde(default)]
    pub icon: String,
    #[serde(default)]
    pub position: String,
}

#[derive(Template)]
#[template(path = "kb/manage_categories.html")]
pub struct CategoriesPage {
    pub page: PageContext,
    pub notice: Option<String>,
    pub categories: Vec<kb::Category>,
    pub form: CategoryForm,
    pub editing: bool,
    pub icons: Vec<&'static str>,
    pub errors: FormErrors,
}

/// Topics are for administrators.
fn admin_gate(page: &PageContext) -> Option<Response> {
    require_page(page, Permission::Administer)
}

/// Categories (administrators): names in both languages, icon and order.
pub async fn categories_show(
    State(state): State<WebState>,
    page: PageContext,
    Query(q): Query<CategoriesQuery>,
) -> Result<Response, HtmlError> {
    if let Some(r) = admin_gate(&page) {
        return Ok(r);
    }
    let categories = kb::all_categories(&state.app, &page.viewer).await?;
    let editing = q
        .edit
        .as_deref()
        .and_then(|s| categories.iter().find(|c| c.slug == s));
    let form = match editing {
        Some(c) => CategoryForm {
            slug: c.slug.clone(),
            name_en: c.name_en.clone(),
            name_zh: c.name_zh.clone(),
            icon: c.icon.clone(),
            position: c.position.to_string(),
        },
        None => CategoryForm {
            icon: "document".into(),
            position: ((categories.len() + 1) * 10).to_string(),
            ..Default::default()
        },
    };
    let editing = editing.is_some();
    Ok(render(
        StatusCode::OK,
        &CategoriesPage {
            notice: notice(page.lang, q.done.as_deref()),
            categories,
            form,
            editing,
            icons: kb::CATEGORY_ICONS.to_vec(),
            errors: FormErrors::default(),
            page,
        },
    ))
}

pub async fn category_submit(
    State(state): State<WebState>,
    page: PageContext,
    Form(form): Form<CategoryForm>,
) -> Result<Response, HtmlError> {
    if let Some(r) = admin_gate(&page) {
        return Ok(r);
    }
    let input = kb::CategoryInput {
        slug: form.slug.clone(),
        name_en: form.name_en.clone(),
        name_zh: form.name_zh.clone(),
        icon: form.icon.clone(),
        position: form.position.clone(),
    };
    match kb::save_category(&state.app, &page.viewer, &input).await {
        Ok(_) => Ok(Redirect::to("/kb/manage/categories?done=saved").into_response()),
        Err(e) => {
            let errors = FormErrors::from_app(page.lang, e)?;
            let categories = kb::all_categories(&state.app, &page.viewer).await?;
            Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &CategoriesPage {
                    notice: None,
                    categories,
                    form,
                    editing: false,
                    icons: kb::CATEGORY_ICONS.to_vec(),
                    errors,
                    page,
                },
            ))
        }
    }
}
