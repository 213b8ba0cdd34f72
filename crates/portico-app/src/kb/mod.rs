//! The knowledge base: categories and articles in both languages, who may read what, saving (every save
//! is a version), import, and articles as a search source of the one shared index.
//!
//! Visibility: `public` (anyone), `customers` (signed in), `internal` (agents and administrators).
//! Status: `draft` and `archived` articles are shown only to people who work the queue.

pub mod demo_files;
pub mod diff;
pub mod embed;
pub mod import;
pub mod render;

use portico_core::{FieldError, Locale, Permission, ValidationErrors};
use portico_search::{Audience, Change, SearchDoc, SearchResults};
use portico_storage::kb::{self, ArticleFilter, ArticleWrite};
pub use portico_storage::kb::{Article, Category};
use portico_storage::outbox::OutboxOp;

use crate::search::source::{SearchSource, SourceFuture};
use crate::viewer::Viewer;
use crate::{App, AppError};

/// The search entity of articles.
pub const ARTICLE: &str = "kb_article";

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_BODY_CHARS: usize = 200_000;
pub const MAX_SLUG_CHARS: usize = 128;

/// Who may read an article: anyone, signed-in customers, the members of one organisation, or staff.
pub const VISIBILITIES: [&str; 4] = ["public", "customers", "organization", "internal"];

/// What a viewer may read: the visibilities, the organisations whose articles they see, and whether
/// drafts and archived articles too.
struct ViewerReach {
    statuses: &'static [&'static str],
    visibilities: &'static [&'static str],
    organizations: Vec<i64>,
}

impl ViewerReach {
    fn of(viewer: &Viewer) -> Self {
        if viewer.can(Permission::WorkQueue) {
            Self {
                statuses: &["draft", "published", "archived"],
                visibilities: &["public", "customers", "organization", "internal"],
                organizations: Vec::new(),
            }
        } else if viewer.can(Permission::UsePortal) {
            Self {
                statuses: &["published"],
                visibilities: &["public", "customers"],
                organizations: viewer
                    .memberships()
                    .iter()
                    .map(|m| m.organization_id)
                    .collect(),
            }
        } else {
            Self {
                statuses: &["published"],
                visibilities: &["public"],
                organizations: Vec::new(),
            }
        }
    }

    /// Everything the viewer may open.
    fn all(&self) -> kb::Reach<'_> {
        kb::Reach {
            statuses: self.statuses,
            visibilities: self.visibilities,
            organizations: &self.organizations,
        }
    }

    /// What the help centre lists: published articles only, even for staff (drafts are for editing).
    fn listed(&self) -> kb::Reach<'_> {
        kb::Reach {
            statuses: &["published"],
            ..self.all()
        }
    }
}

/// A category as the help centre shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryView {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub icon: String,
    pub articles: i64,
}

impl CategoryView {
    /// How many articles, for plural forms.
    pub fn article_count(&self) -> usize {
        usize::try_from(self.articles).unwrap_or(0)
    }
}

fn category_view(c: &Category, n: i64, locale: Locale) -> CategoryView {
    CategoryView {
        id: c.id,
        slug: c.slug.clone(),
        name: match locale {
            Locale::ZhCn if !c.name_zh.is_empty() => c.name_zh.clone(),
            _ => c.name_en.clone(),
        },
        icon: c.icon.clone(),
        articles: n,
    }
}

/// The categories, in order, each with how many published articles the viewer may read in it.
pub async fn categories(
    app: &App,
    viewer: &Viewer,
    locale: Locale,
) -> Result<Vec<CategoryView>, AppError> {
    let reach = ViewerReach::of(viewer);
    let rows = kb::list_categories(app.db().conn(), &reach.listed()).await?;
    Ok(rows
        .iter()
        .map(|(c, n)| category_view(c, *n, locale))
        .collect())
}

/// One category by slug, with its published articles the viewer may read (in `locale` first).
pub async fn category(
    app: &App,
    viewer: &Viewer,
    slug: &str,
    locale: Locale,
) -> Result<(CategoryView, Vec<Article>), AppError> {
    let conn = app.db().conn();
    let c = kb::find_category_by_slug(conn, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let reach = ViewerReach::of(viewer);
    let articles = kb::list_articles(
        conn,
        &ArticleFilter {
            reach: reach.listed(),
            category_id: Some(c.id),
            ..Default::default()
        },
        None,
        500,
    )
    .await?;
    let listed = one_per_translation(articles, locale);
    let n = listed.len() as i64;
    Ok((category_view(&c, n, locale), listed))
}

/// Keeps one article per translation group: the one in `locale` when there is one.
pub fn one_per_translation(articles: Vec<Article>, locale: Locale) -> Vec<Article> {
    let mut out: Vec<Article> = Vec::new();
    for a in articles {
        match out
            .iter_mut()
            .find(|o| o.translation_key == a.translation_key)
        {
            Some(o) => {
                if a.locale == locale.as_str() && o.locale != locale.as_str() {
                    *o = a;
                }
            }
            None => out.push(a),
        }
    }
    out.sort_by(|a, b| a.title.cmp(&b.title));
    out
}

/// Published articles the viewer may read, newest first, optionally in one category and language.
pub async fn articles(
    app: &App,
    viewer: &Viewer,
    category: Option<&str>,
    locale: Option<Locale>,
    before: Option<i64>,
    limit: u64,
) -> Result<Vec<Article>, AppError> {
    let conn = app.db().conn();
    let category_id = match category.map(str::trim).filter(|c| !c.is_empty()) {
        None => None,
        Some(slug) => Some(category_id_of(app, slug).await?),
    };
    let reach = ViewerReach::of(viewer);
    Ok(kb::list_articles(
        conn,
        &ArticleFilter {
            reach: reach.listed(),
            category_id,
            locale: locale.map(|l| l.as_str()),
            translation_key: None,
            titles_only: false,
        },
        before,
        limit.clamp(1, 100),
    )
    .await?)
}

/// How long the count of the most read articles is kept before it is counted again.
const POPULAR_TTL: std::time::Duration = std::time::Duration::from_secs(300);
/// The window the most read articles are counted over.
const POPULAR_DAYS: i64 = 30;

/// Views per article over the last [`POPULAR_DAYS`] days, most first (counted at most every
/// [`POPULAR_TTL`] per node: the count reads the event log).
#[derive(Debug, Default)]
pub(crate) struct PopularCache {
    slot: std::sync::RwLock<Option<(std::time::Instant, ArticleViews)>>,
}

/// (article id, views), most first.
type ArticleViews = std::sync::Arc<Vec<(i64, i64)>>;

async fn article_views(app: &App) -> Result<ArticleViews, AppError> {
    let cache = app.popular_cache();
    if let Ok(slot) = cache.slot.read()
        && let Some((at, views)) = slot.as_ref()
        && at.elapsed() < POPULAR_TTL
    {
        return Ok(views.clone());
    }
    let since = portico_core::Timestamp(app.now().0 - POPULAR_DAYS * 86_400_000);
    let top =
        portico_storage::events::top_subjects(app.db().conn(), "article_view", since, 200).await?;
    let views = std::sync::Arc::new(
        top.into_iter()
            .filter_map(|(subject, n)| subject.parse::<i64>().ok().map(|id| (id, n)))
            .collect::<Vec<_>>(),
    );
    // Nothing read yet (a new help centre) is not kept: the first views show at once.
    if !views.is_empty()
        && let Ok(mut slot) = cache.slot.write()
    {
        *slot = Some((std::time::Instant::now(), views.clone()));
    }
    Ok(views)
}

/// The most read published articles the viewer may read (views of the last 30 days, each
/// translation group once and in `locale` where it has a version), at most `n`, most read first.
pub async fn popular(
    app: &App,
    viewer: &Viewer,
    locale: Locale,
    n: usize,
) -> Result<Vec<Article>, AppError> {
    let views = article_views(app).await?;
    if views.is_empty() || n == 0 {
        return Ok(Vec::new());
    }
    let conn = app.db().conn();
    let ids: Vec<i64> = views.iter().map(|(id, _)| *id).collect();
    let reach = ViewerReach::of(viewer);
    let listed = reach.listed();
    let by_id: std::collections::HashMap<i64, i64> = views.iter().copied().collect();
    let mut group_views: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
    for a in kb::article_heads(conn, &ids).await? {
        if listed.admits(&a) {
            *group_views.entry(a.translation_key.clone()).or_default() +=
                by_id.get(&a.id).copied().unwrap_or(0);
        }
    }
    let mut keys: Vec<(String, i64)> = group_views.into_iter().collect();
    keys.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    keys.truncate(n);
    let wanted: Vec<String> = keys.iter().map(|(k, _)| k.clone()).collect();
    let versions: Vec<Article> = kb::group_heads(conn, &wanted)
        .await?
        .into_iter()
        .filter(|a| listed.admits(a))
        .collect();
    let mut out = one_per_translation(versions, locale);
    let rank: std::collections::HashMap<&str, usize> = keys
        .iter()
        .enumerate()
        .map(|(i, (k, _))| (k.as_str(), i))
        .collect();
    out.sort_by_key(|a| {
        rank.get(a.translation_key.as_str())
            .copied()
            .unwrap_or(usize::MAX)
    });
    Ok(out)
}

/// An article with what its page shows around it.
#[derive(Debug, Clone)]
pub struct ArticlePage {
    pub article: Article,
    pub category: Option<CategoryView>,
    /// The other languages it is written in: (locale, slug, id).
    pub translations: Vec<(String, String, i64)>,
    /// Other published articles of its category in its language.
    pub related: Vec<(String, String)>,
    pub toc: Vec<(u8, String, String)>,
    /// For visibility `organization`: the organisation's slug.
    pub organization: Option<String>,
}

/// What an article's page needs, whoever reads it; narrowed to the reader on the way out.
#[derive(Debug)]
struct CachedArticle {
    /// The content generation it was read at.
    generation: u64,
    /// When it was read: entries are also dropped after [`ARTICLE_CACHE_TTL`], for changes no outbox
    /// entry announces to other nodes (a topic renamed there).
    read_at: std::time::Instant,
    article: Article,
    category: Option<Category>,
    /// Published versions of its translation group (without bodies).
    siblings: Vec<Article>,
    /// Published articles of its category in its language (without bodies), newest first.
    related: Vec<Article>,
    toc: Vec<(u8, String, String)>,
    organization: Option<String>,
}

/// Articles as their pages need them, by the id or slug they were asked for, per node, until content
/// changes ([`App::content_changed`]: a save here, or another node's seen through the outbox).
#[derive(Debug, Default)]
pub(crate) struct ArticleCache {
    entries: std::sync::RwLock<std::collections::HashMap<String, std::sync::Arc<CachedArticle>>>,
}

/// Entries kept at most; past it the cache starts over (a help centre's hot set is far smaller).
const ARTICLE_CACHE_ENTRIES: usize = 4_096;
/// Longest an article is served from memory.
const ARTICLE_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(60);
/// Related articles read to choose from (the reader may not see all of them).
const RELATED_CANDIDATES: u64 = 24;

impl ArticleCache {
    fn get(&self, key: &str, generation: u64) -> Option<std::sync::Arc<CachedArticle>> {
        let entries = self.entries.read().unwrap_or_else(|p| p.into_inner());
        entries
            .get(key)
            .filter(|c| c.generation == generation && c.read_at.elapsed() < ARTICLE_CACHE_TTL)
            .cloned()
    }

    fn put(&self, key: &str, entry: std::sync::Arc<CachedArticle>) {
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= ARTICLE_CACHE_ENTRIES {
            entries.clear();
        }
        entries.insert(key.to_string(), entry);
    }
}

async fn load_article(
    app: &App,
    id_or_slug: &str,
    generation: u64,
) -> Result<Option<CachedArticle>, AppError> {
    let conn = app.db().conn();
    // An id first; a slug made only of digits (a title such as "2025") is found by slug after.
    let by_id = match id_or_slug.parse::<i64>() {
        Ok(id) => kb::find_article(conn, id).await?,
        Err(_) => None,
    };
    let article = match by_id {
        Some(a) => a,
        None => match kb::find_article_by_slug(conn, id_or_slug).await? {
            Some(a) => a,
            None => return Ok(None),
        },
    };
    let category = match article.category_id {
        Some(id) => kb::find_category(conn, id).await?,
        None => None,
    };
    let published = kb::Reach {
        statuses: &["published"],
        visibilities: &VISIBILITIES,
        organizations: &[],
    };
    let siblings = kb::list_articles(
        conn,
        &ArticleFilter {
            reach: published,
            translation_key: Some(&article.translation_key),
            titles_only: true,
            ..Default::default()
        },
        None,
        20,
    )
    .await?;
    let related = match article.category_id {
        Some(cid) => {
            kb::list_articles(
                conn,
                &ArticleFilter {
                    reach: published,
                    category_id: Some(cid),
                    locale: Some(&article.locale),
                    translation_key: None,
                    titles_only: true,
                },
                None,
                RELATED_CANDIDATES,
            )
            .await?
        }
        None => Vec::new(),
    };
    let organization = match article.organization_id {
        Some(id) => portico_storage::organizations::find_organization(conn, id)
            .await?
            .map(|o| o.slug),
        None => None,
    };
    let toc = render::toc(&article.body_markdown);
    Ok(Some(CachedArticle {
        generation,
        read_at: std::time::Instant::now(),
        article,
        category,
        siblings,
        related,
        toc,
        organization,
    }))
}

/// An article by id or slug, if the viewer may read it (else 404, whether or not it exists).
pub async fn article(
    app: &App,
    viewer: &Viewer,
    id_or_slug: &str,
    locale: Locale,
) -> Result<ArticlePage, AppError> {
    // The generation is read before the database, so a change committed meanwhile is not hidden.
    let generation = app.content_generation();
    let cached = match app.article_cache().get(id_or_slug, generation) {
        Some(c) => c,
        None => {
            let loaded = load_article(app, id_or_slug, generation)
                .await?
                .ok_or(AppError::NotFound)?;
            let loaded = std::sync::Arc::new(loaded);
            app.article_cache().put(id_or_slug, loaded.clone());
            loaded
        }
    };
    let reach = ViewerReach::of(viewer);
    if !reach.all().admits(&cached.article) {
        return Err(AppError::NotFound);
    }
    let listed = reach.listed();
    let article = cached.article.clone();
    let translations = cached
        .siblings
        .iter()
        .filter(|a| a.id != article.id && listed.admits(a))
        .map(|a| (a.locale.clone(), a.slug.clone(), a.id))
        .collect();
    let related = cached
        .related
        .iter()
        .filter(|a| a.id != article.id && listed.admits(a))
        .take(5)
        .map(|a| (a.slug.clone(), a.title.clone()))
        .collect();
    Ok(ArticlePage {
        category: cached
            .category
            .as_ref()
            .map(|c| category_view(c, 0, locale)),
        translations,
        related,
        toc: cached.toc.clone(),
        organization: cached.organization.clone(),
        article,
    })
}

/// What an author sends to create or change an article.
#[derive(Debug, Clone, Default)]
pub struct ArticleInput {
    pub title: String,
    pub body_markdown: String,
    pub locale: String,
    /// A category slug.
    pub category: Option<String>,
    pub status: Option<String>,
    pub visibility: Option<String>,
    /// For visibility `organization`: the organisation (its slug or id) whose members may read it.
    /// Given without a visibility, the visibility is `organization`.
    pub organization: Option<String>,
    /// For new articles: the address (`a-z`, `0-9`, `-`); made from the title when left out.
    pub slug: Option<String>,
    /// Links this article as a translation of the article with this id.
    pub translation_of: Option<i64>,
    /// The id in the system it was imported from.
    pub external_id: Option<String>,
    /// For imports: the translation group to join, by name.
    pub translation_key: Option<String>,
    /// Review by this date (`2027-03-31`); empty or left out: no date.
    pub review_by: Option<String>,
}

fn check_choice(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: Option<&str>,
    choices: &[&'static str],
    default: &'static str,
) -> &'static str {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => default,
        Some(v) => choices
            .iter()
            .copied()
            .find(|c| *c == v)
            .unwrap_or_else(|| {
                errors.push(FieldError::new(
                    field,
                    "invalid_choice",
                    format!("one of: {}", choices.join(", ")),
                ));
                default
            }),
    }
}

/// A slug from a title: ASCII letters and digits, words joined by `-`; empty for titles with none.
pub fn slug_from(title: &str) -> String {
    let mut s = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            s.push(c);
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
        if s.len() >= 80 {
            break;
        }
    }
    s.trim_end_matches('-').to_string()
}

fn valid_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_SLUG_CHARS
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

struct Checked {
    title: String,
    locale: Locale,
    category_id: Option<i64>,
    status: &'static str,
    visibility: &'static str,
    organization_id: Option<i64>,
    review_by: Option<portico_core::Timestamp>,
}

/// A date typed as `YYYY-MM-DD`, as the start of that day (UTC).
pub fn parse_date(s: &str) -> Option<portico_core::Timestamp> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s.trim(), &fmt)
        .ok()
        .map(|d| portico_core::Timestamp::from_datetime(d.midnight().assume_utc()))
}

/// A time as the date people type (`YYYY-MM-DD`, UTC).
pub fn format_date(t: portico_core::Timestamp) -> String {
    let d = t.to_datetime().date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

async fn check_input(app: &App, input: &ArticleInput) -> Result<Checked, AppError> {
    let mut errors = Vec::new();
    let title = input.title.trim().to_string();
    if title.is_empty() {
        errors.push(FieldError::new("title", "required", "enter a title"));
    } else if title.chars().count() > MAX_TITLE_CHARS {
        errors.push(FieldError::new(
            "title",
            "too_long",
            format!("a title has at most {MAX_TITLE_CHARS} characters"),
        ));
    } else if title.chars().any(char::is_control) {
        errors.push(FieldError::new(
            "title",
            "invalid_format",
            "a title cannot contain control characters",
        ));
    }
    if input.body_markdown.trim().is_empty() {
        errors.push(FieldError::new(
            "body_markdown",
            "required",
            "write the article",
        ));
    } else if input.body_markdown.chars().count() > MAX_BODY_CHARS {
        errors.push(FieldError::new(
            "body_markdown",
            "too_long",
            format!("an article has at most {MAX_BODY_CHARS} characters"),
        ));
    }
    let locale = input.locale.parse::<Locale>().unwrap_or_else(|_| {
        errors.push(FieldError::new(
            "locale",
            "invalid_choice",
            "the language must be en or zh-CN",
        ));
        Locale::En
    });
    let status = check_choice(
        &mut errors,
        "status",
        input.status.as_deref(),
        &["draft", "published", "archived"],
        "draft",
    );
    let organization = input
        .organization
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty());
    let default_visibility = if organization.is_some() {
        "organization"
    } else {
        "public"
    };
    let visibility = check_choice(
        &mut errors,
        "visibility",
        input.visibility.as_deref(),
        &VISIBILITIES,
        default_visibility,
    );
    let organization_id = match (visibility, organization) {
        ("organization", None) => {
            errors.push(FieldError::new(
                "organization",
                "required",
                "choose the organisation whose members may read it",
            ));
            None
        }
        ("organization", Some(o)) => {
            let conn = app.db().conn();
            let found = match o.parse::<i64>() {
                Ok(id) => portico_storage::organizations::find_organization(conn, id)
                    .await?
                    .map(|org| org.id),
                Err(_) => portico_storage::organizations::organization_id_by_slug(conn, o).await?,
            };
            if found.is_none() {
                errors.push(FieldError::new(
                    "organization",
                    "not_found",
                    "no organisation has this slug or id",
                ));
            }
            found
        }
        (_, Some(_)) => {
            errors.push(FieldError::new(
                "organization",
                "not_allowed",
                "an organisation is chosen only with visibility organization",
            ));
            None
        }
        (_, None) => None,
    };
    let category_id = match input
        .category
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        None => None,
        Some(slug) => match kb::find_category_by_slug(app.db().conn(), slug).await? {
            Some(c) => Some(c.id),
            None => {
                errors.push(FieldError::new(
                    "category",
                    "not_found",
                    "no category has this slug",
                ));
                None
            }
        },
    };
    let review_by = match input
        .review_by
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        None => None,
        Some(r) => {
            let d = parse_date(r);
            if d.is_none() {
                errors.push(FieldError::new(
                    "review_by",
                    "invalid_format",
                    "a date such as 2027-03-31",
                ));
            }
            d
        }
    };
    if input.slug.as_deref().is_some_and(|s| !valid_slug(s)) {
        errors.push(FieldError::new(
            "slug",
            "invalid_format",
            "a slug has lower-case letters, digits and dashes (at most 128)",
        ));
    }
    if !errors.is_empty() {
        return Err(ValidationErrors(errors).into());
    }
    Ok(Checked {
        title,
        locale,
        category_id,
        status,
        visibility,
        organization_id,
        review_by,
    })
}

/// Creates an article (agents and administrators). A taken slug is 409 on `slug`.
pub async fn create_article(
    app: &App,
    viewer: &Viewer,
    input: &ArticleInput,
) -> Result<Article, AppError> {
    let author = viewer.require(Permission::WorkQueue)?.id;
    let c = check_input(app, input).await?;
    let translation_key = match input.translation_of {
        Some(id) => Some(
            kb::find_article(app.db().conn(), id)
                .await?
                .ok_or_else(|| {
                    AppError::from(ValidationErrors::single(
                        "translation_of",
                        "not_found",
                        "no article has this id",
                    ))
                })?
                .translation_key,
        ),
        None => input.translation_key.clone(),
    };
    let rendered = render::render(&input.body_markdown);
    let mut tx = app.begin().await?;
    let now = tx.now();
    let slug = match input.slug.clone() {
        Some(s) => s,
        None => {
            let base = slug_from(&c.title);
            let base = if base.is_empty() {
                "article".to_string()
            } else {
                base
            };
            let mut candidate = base.clone();
            let mut n = 1;
            while kb::find_article_by_slug(tx.conn(), &candidate)
                .await?
                .is_some()
            {
                n += 1;
                candidate = format!("{base}-{n}");
            }
            candidate
        }
    };
    let key = translation_key.unwrap_or_else(|| slug.clone());
    let article = kb::insert_article(
        tx.conn(),
        &ArticleWrite {
            slug: &slug,
            locale: c.locale.as_str(),
            translation_key: &key,
            title: &c.title,
            body_markdown: &input.body_markdown,
            body_html: &rendered.html,
            body_text: &rendered.text,
            category_id: c.category_id,
            visibility: c.visibility,
            organization_id: c.organization_id,
            status: c.status,
            external_id: input.external_id.as_deref(),
            author_id: Some(author),
            review_by: c.review_by,
        },
        now,
    )
    .await
    .map_err(|e| match e {
        portico_storage::StorageError::Conflict { constraint } if constraint.contains("slug") => {
            AppError::Conflict {
                field: "slug".into(),
                message: "another article has this slug".into(),
            }
        }
        other => other.into(),
    })?;
    tx.outbox(ARTICLE, &article.id.to_string(), OutboxOp::Upsert)
        .await?;
    embed::request_in(app, &mut tx, article.id, article.version).await?;
    tx.commit().await?;
    Ok(article)
}

/// Saves a new version of an article (agents and administrators); fields left out keep their value.
pub async fn update_article(
    app: &App,
    viewer: &Viewer,
    id: i64,
    patch: &ArticlePatch,
) -> Result<Article, AppError> {
    let author = viewer.require(Permission::WorkQueue)?.id;
    let current = kb::find_article(app.db().conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let current_category = match current.category_id {
        Some(cid) => kb::find_category(app.db().conn(), cid)
            .await?
            .map(|c| c.slug),
        None => None,
    };
    let visibility = patch
        .visibility
        .clone()
        .unwrap_or(current.visibility.clone());
    let input = ArticleInput {
        title: patch.title.clone().unwrap_or(current.title.clone()),
        body_markdown: patch
            .body_markdown
            .clone()
            .unwrap_or(current.body_markdown.clone()),
        locale: patch.locale.clone().unwrap_or(current.locale.clone()),
        category: patch.category.clone().or(current_category),
        status: Some(patch.status.clone().unwrap_or(current.status.clone())),
        visibility: Some(visibility.clone()),
        // The organisation stays while the article stays for one.
        organization: patch.organization.clone().or_else(|| {
            (visibility == "organization")
                .then(|| current.organization_id.map(|o| o.to_string()))
                .flatten()
        }),
        review_by: patch
            .review_by
            .clone()
            .or_else(|| current.review_by.map(format_date)),
        ..Default::default()
    };
    if let Some(base) = patch.base_version
        && base != current.version
    {
        return Err(edit_conflict(current.version));
    }
    let c = check_input(app, &input).await?;
    let rendered = render::render(&input.body_markdown);
    let mut tx = app.begin().await?;
    let now = tx.now();
    let saved = kb::update_article(
        tx.conn(),
        id,
        current.version,
        &ArticleWrite {
            slug: &current.slug,
            locale: c.locale.as_str(),
            translation_key: &current.translation_key,
            title: &c.title,
            body_markdown: &input.body_markdown,
            body_html: &rendered.html,
            body_text: &rendered.text,
            category_id: c.category_id,
            visibility: c.visibility,
            organization_id: c.organization_id,
            status: c.status,
            external_id: current.external_id.as_deref(),
            author_id: Some(author),
            review_by: c.review_by,
        },
        now,
    )
    .await?;
    let Some(article) = saved else {
        // Gone, or another save came between reading and writing.
        return match kb::find_article(tx.conn(), id).await? {
            Some(a) => Err(edit_conflict(a.version)),
            None => Err(AppError::NotFound),
        };
    };
    tx.outbox(ARTICLE, &article.id.to_string(), OutboxOp::Upsert)
        .await?;
    embed::request_in(app, &mut tx, article.id, article.version).await?;
    tx.commit().await?;
    Ok(article)
}

/// The ids of the articles with these slugs (one query for a page of search results).
pub async fn article_ids_by_slugs(
    app: &App,
    slugs: &[String],
) -> Result<std::collections::HashMap<String, i64>, AppError> {
    Ok(kb::ids_by_slugs(app.db().conn(), slugs)
        .await?
        .into_iter()
        .collect())
}

/// Changes to an article.
#[derive(Debug, Clone, Default)]
pub struct ArticlePatch {
    pub title: Option<String>,
    pub body_markdown: Option<String>,
    pub locale: Option<String>,
    pub category: Option<String>,
    pub status: Option<String>,
    pub visibility: Option<String>,
    /// The organisation (slug or id) for visibility `organization`.
    pub organization: Option<String>,
    /// `YYYY-MM-DD`; an empty string clears the date.
    pub review_by: Option<String>,
    /// The version this edit was made from: when the article has moved on since, the save is refused
    /// as a conflict instead of overwriting the other change. `None`: the version read just before
    /// saving (the fields left out are taken from it).
    pub base_version: Option<i32>,
}

fn edit_conflict(now_at: i32) -> AppError {
    AppError::Conflict {
        field: "base_version".into(),
        message: format!(
            "the article was saved by someone else since this edit began (it is now at version {now_at}); reload it, then apply your changes again"
        ),
    }
}

/// Archives an article (it leaves the help centre and search; its versions stay).
pub async fn archive_article(app: &App, viewer: &Viewer, id: i64) -> Result<Article, AppError> {
    update_article(
        app,
        viewer,
        id,
        &ArticlePatch {
            status: Some("archived".into()),
            ..Default::default()
        },
    )
    .await
}

/// Searches the articles the viewer may read, in any language, one hit per article group shown in
/// `locale` where it has a version (the site search, limited to articles).
pub async fn search(
    app: &App,
    viewer: &Viewer,
    locale: Locale,
    query: &str,
    limit: usize,
    ranking: crate::search::semantic::Ranking,
) -> Result<SearchResults, AppError> {
    search_category(app, viewer, locale, query, limit, None, ranking).await
}

/// [`search`] within one category (by slug; an unknown slug is a 422 on `category`).
pub async fn search_category(
    app: &App,
    viewer: &Viewer,
    locale: Locale,
    query: &str,
    limit: usize,
    category: Option<&str>,
    ranking: crate::search::semantic::Ranking,
) -> Result<SearchResults, AppError> {
    let tags = match category.map(str::trim).filter(|c| !c.is_empty()) {
        None => Vec::new(),
        Some(slug) => vec![category_tag(category_id_of(app, slug).await?)],
    };
    let scope = crate::search::Scope {
        entities: &[ARTICLE],
        tags,
    };
    crate::search::search_in(app, viewer, locale, query, limit, scope, ranking).await
}

/// The id of the category with this slug, or a 422 naming `category`.
async fn category_id_of(app: &App, slug: &str) -> Result<i64, AppError> {
    Ok(kb::find_category_by_slug(app.db().conn(), slug)
        .await?
        .ok_or_else(|| {
            AppError::from(ValidationErrors::single(
                "category",
                "not_found",
                "no category has this slug",
            ))
        })?
        .id)
}

fn audience_of(a: &Article) -> Audience {
    match (a.visibility.as_str(), a.organization_id) {
        ("public", _) => Audience::Public,
        ("customers", _) => Audience::Customers,
        ("organization", Some(org)) => Audience::Organization(org),
        _ => Audience::Staff,
    }
}

/// The search tag of articles in a category.
pub fn category_tag(category_id: i64) -> String {
    format!("category:{category_id}")
}

fn doc_of(a: &Article) -> SearchDoc {
    SearchDoc {
        entity: ARTICLE.into(),
        // One search "thing" per translation group, so a match in either language is listed once.
        entity_id: a.translation_key.clone(),
        locale: a.locale.clone(),
        audience: audience_of(a),
        title: a.title.clone(),
        body: a.body_text.clone(),
        url: format!("/kb/articles/{}", a.slug),
        vectors: Vec::new(),
        tags: a.category_id.map(category_tag).into_iter().collect(),
    }
}

/// Articles in the shared search index: the published versions of a translation group.
#[derive(Debug, Clone, Copy, Default)]
pub struct ArticleSource;

async fn group_docs(app: &App, key: &str) -> Result<Vec<SearchDoc>, AppError> {
    let rows = kb::list_articles(
        app.db().conn(),
        &ArticleFilter {
            reach: kb::Reach {
                statuses: &["published"],
                visibilities: &VISIBILITIES,
                organizations: &[],
            },
            translation_key: Some(key),
            ..Default::default()
        },
        None,
        50,
    )
    .await?;
    with_vectors(app, &rows).await
}

/// The documents of `articles` with their current vectors, where they have some.
async fn with_vectors(app: &App, articles: &[Article]) -> Result<Vec<SearchDoc>, AppError> {
    let ids: Vec<i64> = articles.iter().map(|a| a.id).collect();
    let mut vectors: std::collections::HashMap<i64, Vec<Vec<f32>>> =
        kb::current_embeddings(app.db().conn(), &ids, crate::search::semantic::MODEL_ID)
            .await?
            .into_iter()
            .map(|e| (e.article_id, e.vectors))
            .collect();
    Ok(articles
        .iter()
        .map(|a| {
            let mut d = doc_of(a);
            d.vectors = vectors.remove(&a.id).unwrap_or_default();
            d
        })
        .collect())
}

impl SearchSource for ArticleSource {
    fn entity(&self) -> &'static str {
        ARTICLE
    }

    fn load<'a>(&'a self, app: &'a App, entity_id: &'a str) -> SourceFuture<'a, Option<Change>> {
        Box::pin(async move {
            // The outbox names an article id; the index keeps its translation group.
            let Ok(id) = entity_id.parse::<i64>() else {
                return Ok(None);
            };
            let Some(a) = kb::find_article(app.db().conn(), id).await? else {
                return Ok(None);
            };
            Ok(Some(Change::Replace {
                entity: ARTICLE.into(),
                entity_id: a.translation_key.clone(),
                docs: group_docs(app, &a.translation_key).await?,
            }))
        })
    }

    fn all<'a>(
        &'a self,
        app: &'a App,
        out: &'a crate::search::source::DocSink,
    ) -> SourceFuture<'a, usize> {
        Box::pin(async move {
            let mut sent = 0;
            let mut after = 0;
            loop {
                let batch = kb::all_articles(app.db().conn(), after, 500).await?;
                let Some(last) = batch.last() else { break };
                after = last.id;
                let published: Vec<Article> = batch
                    .into_iter()
                    .filter(|a| a.status == "published")
                    .collect();
                sent +=
                    crate::search::source::send(out, with_vectors(app, &published).await?).await?;
            }
            Ok(sent)
        })
    }
}

/// Why an article did not help.
pub const FEEDBACK_REASONS: [&str; 3] = ["outdated", "unclear", "didnt_solve"];
pub const MAX_FEEDBACK_COMMENT_CHARS: usize = 1000;

/// A visitor's "Was this helpful?" answer on an article they may read; a second answer replaces the
/// first, so one visitor counts once. A reason (and comment) only goes with "no".
pub async fn feedback(
    app: &App,
    viewer: &Viewer,
    id_or_slug: &str,
    visitor: &str,
    helpful: bool,
    reason: Option<&str>,
    comment: Option<&str>,
) -> Result<(i64, i64), AppError> {
    let page = article(app, viewer, id_or_slug, Locale::En).await?;
    if page.article.status != "published" {
        return Err(AppError::NotFound);
    }
    let mut errors = Vec::new();
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if let Some(r) = reason
        && !FEEDBACK_REASONS.contains(&r)
    {
        errors.push(FieldError::new(
            "reason",
            "invalid_choice",
            "one of: outdated, unclear, didnt_solve",
        ));
    }
    let comment = comment.map(str::trim).filter(|c| !c.is_empty());
    if let Some(c) = comment {
        if c.chars().count() > MAX_FEEDBACK_COMMENT_CHARS {
            errors.push(FieldError::new(
                "comment",
                "too_long",
                format!("a comment has at most {MAX_FEEDBACK_COMMENT_CHARS} characters"),
            ));
        } else if c.chars().any(|ch| ch.is_control() && ch != '\n') {
            errors.push(FieldError::new(
                "comment",
                "invalid_format",
                "a comment cannot contain control characters",
            ));
        }
    }
    if helpful && (reason.is_some() || comment.is_some()) {
        errors.push(FieldError::new(
            "reason",
            "not_allowed",
            "a reason and comment go only with a \"not helpful\" answer",
        ));
    }
    if !errors.is_empty() {
        return Err(ValidationErrors(errors).into());
    }
    let conn = app.db().conn();
    kb::upsert_feedback(
        conn,
        page.article.id,
        visitor,
        viewer.user_id(),
        helpful,
        reason,
        comment,
        app.now(),
    )
    .await?;
    Ok(kb::feedback_counts(conn, page.article.id).await?)
}

/// Records what a visitor did (a view, a search, a click on a result) in the portal's own event log,
/// once per visitor, thing and day. Failing to record never fails the page: it is logged.
pub async fn record_event(
    app: &App,
    viewer: &Viewer,
    visitor: &str,
    kind: &str,
    subject: Option<&str>,
    query: Option<&str>,
    results: Option<usize>,
) {
    let query: Option<String> = query.map(|q| crate::portal::normalize_query(q).to_lowercase());
    app.events().record(
        portico_storage::events::NewEvent {
            kind,
            subject,
            query: query.as_deref().filter(|q| !q.is_empty()),
            results: results.map(|n| i32::try_from(n).unwrap_or(i32::MAX)),
            visitor,
            user_id: viewer.user_id(),
        },
        app.now(),
    );
}

/// The organisations an article can be written for: (slug, name), by name, at most 1,000 (agents and
/// administrators).
pub async fn organization_choices(
    app: &App,
    viewer: &Viewer,
) -> Result<Vec<(String, String)>, AppError> {
    viewer.require(Permission::WorkQueue)?;
    let mut rows =
        portico_storage::organizations::list_organizations(app.db().conn(), None, None, 1000)
            .await?;
    rows.sort_by(|a, b| a.organization.name.cmp(&b.organization.name));
    Ok(rows
        .into_iter()
        .map(|o| (o.organization.slug, o.organization.name))
        .collect())
}

/// Every article for the people who write them (agents and administrators), newest first, optionally
/// of one status.
pub async fn manage_list(
    app: &App,
    viewer: &Viewer,
    status: Option<&str>,
) -> Result<Vec<Article>, AppError> {
    viewer.require(Permission::WorkQueue)?;
    let statuses: &[&str] = match status {
        Some("draft") => &["draft"],
        Some("published") => &["published"],
        Some("archived") => &["archived"],
        _ => &["draft", "published", "archived"],
    };
    Ok(kb::list_articles(
        app.db().conn(),
        &ArticleFilter {
            reach: kb::Reach {
                statuses,
                visibilities: &VISIBILITIES,
                organizations: &[],
            },
            ..Default::default()
        },
        None,
        500,
    )
    .await?)
}

pub use portico_storage::kb::Version;

/// The saved versions of an article, newest first (agents and administrators).
pub async fn versions(app: &App, viewer: &Viewer, id: i64) -> Result<Vec<Version>, AppError> {
    viewer.require(Permission::WorkQueue)?;
    if kb::find_article(app.db().conn(), id).await?.is_none() {
        return Err(AppError::NotFound);
    }
    Ok(kb::list_versions(app.db().conn(), id).await?)
}

/// Restores an earlier version's title and text as a new version (nothing is lost: the current one
/// stays in the history).
pub async fn restore_version(
    app: &App,
    viewer: &Viewer,
    id: i64,
    version: i32,
) -> Result<Article, AppError> {
    let v = versions(app, viewer, id)
        .await?
        .into_iter()
        .find(|v| v.version == version)
        .ok_or(AppError::NotFound)?;
    update_article(
        app,
        viewer,
        id,
        &ArticlePatch {
            title: Some(v.title),
            body_markdown: Some(v.body_markdown),
            ..Default::default()
        },
    )
    .await
}

/// What needs an author's attention.
#[derive(Debug, Clone, Default)]
pub struct Upkeep {
    /// Searches of the last 30 days that found nothing: (query, visitors).
    pub zero_result_queries: Vec<(String, i64)>,
    /// Articles readers say did not help: (id, slug, title, helpful, not helpful).
    pub unhelpful: Vec<(i64, String, String, i64, i64)>,
    /// Published articles nobody has opened: (id, slug, title).
    pub never_viewed: Vec<(i64, String, String)>,
    /// Published articles past their review date: (id, slug, title, review by).
    pub overdue: Vec<(i64, String, String, String)>,
    /// How search ranks on this node.
    pub ranking: crate::search::semantic::Status,
    /// Published articles with current vectors, and published articles.
    pub embedded: (i64, i64),
}

/// The content upkeep lists (agents and administrators).
pub async fn upkeep(app: &App, viewer: &Viewer) -> Result<Upkeep, AppError> {
    viewer.require(Permission::WorkQueue)?;
    let conn = app.db().conn();
    let since = app.now().plus_secs(-30 * 86_400);
    Ok(Upkeep {
        zero_result_queries: portico_storage::events::top_queries(conn, "search_zero", since, 20)
            .await?,
        unhelpful: kb::unhelpful_articles(conn, 2, 20).await?,
        never_viewed: kb::never_viewed_articles(conn, 50).await?,
        overdue: kb::overdue_reviews(conn, app.now(), 50)
            .await?
            .into_iter()
            .map(|(id, slug, title, at)| (id, slug, title, format_date(at)))
            .collect(),
        ranking: crate::search::semantic::status(app),
        embedded: embed::coverage(app).await?,
    })
}

/// Two versions of an article compared line by line (agents and administrators).
pub async fn compare_versions(
    app: &App,
    viewer: &Viewer,
    id: i64,
    from: i32,
    to: i32,
) -> Result<(Version, Version, Vec<diff::Line>), AppError> {
    let all = versions(app, viewer, id).await?;
    let pick = |v: i32| all.iter().find(|x| x.version == v).cloned();
    let (Some(a), Some(b)) = (pick(from), pick(to)) else {
        return Err(AppError::NotFound);
    };
    let lines = diff::diff(&a.body_markdown, &b.body_markdown);
    Ok((a, b, lines))
}

/// Largest image accepted.
pub const MAX_IMAGE_BYTES: usize = 2 * 1024 * 1024;
/// Largest other file (a PDF, an office document) accepted.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;

/// The image type of some bytes, by their signature (never by name or declared type): PNG, JPEG, GIF or
/// WebP. SVG is refused: it can carry script.
pub fn image_type(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(("image/png", "png"))
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some(("image/jpeg", "jpg"))
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(("image/gif", "gif"))
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(("image/webp", "webp"))
    } else {
        None
    }
}

/// The type of a file that is not an image, by its content and, where the content alone cannot tell
/// (office documents are ZIP archives; CSV is text), its name's extension: PDF; Word, Excel and
/// PowerPoint documents and ZIP (a ZIP archive named `.docx`, `.xlsx`, `.pptx` or `.zip`); plain text
/// and CSV (UTF-8 without control characters or markup, named `.txt`, `.csv`, `.md`, `.log` or
/// without extension). Anything else, HTML and SVG included, is refused.
pub fn attachment_type(bytes: &[u8], extension: &str) -> Option<(&'static str, &'static str)> {
    let ext = extension.to_ascii_lowercase();
    if bytes.starts_with(b"%PDF-") {
        return Some(("application/pdf", "pdf"));
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return match ext.as_str() {
            "docx" => Some((
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "docx",
            )),
            "xlsx" => Some((
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "xlsx",
            )),
            "pptx" => Some((
                "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                "pptx",
            )),
            "zip" => Some(("application/zip", "zip")),
            _ => None,
        };
    }
    // Text only under a text file's name: a "photo.png" that is text is a mislabelled image.
    if !matches!(ext.as_str(), "txt" | "csv" | "md" | "log" | "") {
        return None;
    }
    let text = std::str::from_utf8(bytes).ok()?;
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return None;
    }
    // Text that a browser could take for markup is not accepted even as a download.
    let head = text
        .trim_start()
        .get(..20)
        .unwrap_or(text.trim_start())
        .to_ascii_lowercase();
    if head.starts_with('<') {
        return None;
    }
    match ext.as_str() {
        "csv" => Some(("text/csv; charset=utf-8", "csv")),
        _ => Some(("text/plain; charset=utf-8", "txt")),
    }
}

/// A stored file: its address and the Markdown that shows it (an image) or links to it.
#[derive(Debug, Clone)]
pub struct UploadedFile {
    pub id: i64,
    pub url: String,
    pub markdown: String,
    pub content_type: String,
    pub size: usize,
}

/// Stores an image or file for articles (agents and administrators): PNG, JPEG, GIF or WebP up to
/// [`MAX_IMAGE_BYTES`], shown in the article; PDF, office documents, ZIP, text and CSV up to
/// [`MAX_FILE_BYTES`], linked. Checked by content; anything else is 422 on `file`. The address carries
/// a random token, so files cannot be found by counting.
pub async fn upload_file(
    app: &App,
    viewer: &Viewer,
    file_name: &str,
    bytes: &[u8],
) -> Result<UploadedFile, AppError> {
    let who = viewer.require(Permission::WorkQueue)?.id;
    if bytes.is_empty() {
        return Err(ValidationErrors::single("file", "required", "choose a file").into());
    }
    let (stem, extension) = match file_name.rsplit_once('.') {
        Some((s, e)) => (s, e),
        None => (file_name, ""),
    };
    let image = image_type(bytes);
    let (content_type, ext) = match image.or_else(|| attachment_type(bytes, extension)) {
        Some(t) => t,
        None => {
            return Err(ValidationErrors::single(
                "file",
                "invalid_type",
                "only PNG, JPEG, GIF and WebP images, PDF, Word, Excel, PowerPoint, ZIP, text and CSV files",
            )
            .into());
        }
    };
    let limit = if image.is_some() {
        MAX_IMAGE_BYTES
    } else {
        MAX_FILE_BYTES
    };
    if bytes.len() > limit {
        return Err(ValidationErrors::single(
            "file",
            "too_large",
            format!("at most {} MiB", limit / 1024 / 1024),
        )
        .into());
    }
    let stem = slug_from(stem);
    let stem = if stem.is_empty() {
        "file".to_string()
    } else {
        stem
    };
    let name = format!("{}.{ext}", stem.chars().take(60).collect::<String>());
    let token = {
        use rand::RngCore;
        let mut raw = [0u8; 16];
        rand::rng().fill_bytes(&mut raw);
        crate::identity::tokens::base64url(&raw)
    };
    let id = kb::insert_file(
        app.db().conn(),
        &kb::NewFile {
            name: &name,
            content_type,
            bytes,
            token: &token,
            uploaded_by: Some(who),
        },
        app.now(),
    )
    .await?;
    let url = format!("/kb/files/{id}-{token}/{name}");
    let markdown = if image.is_some() {
        format!("![{stem}]({url})")
    } else {
        format!("[{name}]({url})")
    };
    Ok(UploadedFile {
        id,
        url,
        markdown,
        content_type: content_type.to_string(),
        size: bytes.len(),
    })
}

/// A stored file by the key of its address: `{id}-{token}`, or the bare id of a file stored before
/// addresses had tokens. A wrong or missing token is 404, like a file that does not exist.
pub async fn file(app: &App, key: &str) -> Result<kb::StoredFile, AppError> {
    let (id, token) = match key.split_once('-') {
        Some((id, token)) => (id, Some(token)),
        None => (key, None),
    };
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let f = kb::find_file(app.db().conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let matches = match (&f.token, token) {
        (None, None) => true,
        // Digests are compared, so the time taken tells nothing about the token.
        (Some(stored), Some(given)) => {
            crate::identity::tokens::digest(stored) == crate::identity::tokens::digest(given)
        }
        _ => false,
    };
    if matches {
        Ok(f)
    } else {
        Err(AppError::NotFound)
    }
}

/// The icons a category may use.
pub const CATEGORY_ICONS: [&str; 12] = [
    "package", "refund", "receipt", "card", "user", "lock", "key", "calendar", "document", "chat",
    "question", "search",
];

/// A category as an administrator edits it.
#[derive(Debug, Clone, Default)]
pub struct CategoryInput {
    pub slug: String,
    pub name_en: String,
    pub name_zh: String,
    pub icon: String,
    pub position: String,
}

/// Every category for administrators (with their names in both languages), in order.
pub async fn all_categories(app: &App, viewer: &Viewer) -> Result<Vec<Category>, AppError> {
    viewer.require(Permission::Administer)?;
    Ok(kb::list_categories(app.db().conn(), &kb::Reach::default())
        .await?
        .into_iter()
        .map(|(c, _)| c)
        .collect())
}

/// Adds a category, or changes the one with the same slug (administrators).
pub async fn save_category(
    app: &App,
    viewer: &Viewer,
    input: &CategoryInput,
) -> Result<Category, AppError> {
    viewer.require(Permission::Administer)?;
    let mut errors = Vec::new();
    let slug = input.slug.trim();
    if !valid_slug(slug) || slug.len() > 64 {
        errors.push(FieldError::new(
            "slug",
            "invalid_format",
            "lower-case letters, digits and dashes (at most 64)",
        ));
    }
    let mut name = |field: &str, v: &str| {
        let v = v.trim();
        if v.is_empty() {
            errors.push(FieldError::new(field, "required", "enter a name"));
        } else if v.chars().count() > 80 || v.chars().any(char::is_control) {
            errors.push(FieldError::new(
                field,
                "invalid_format",
                "a name has at most 80 characters and no control characters",
            ));
        }
        v.to_string()
    };
    let name_en = name("name_en", &input.name_en);
    let name_zh = name("name_zh", &input.name_zh);
    let icon = input.icon.trim();
    if !CATEGORY_ICONS.contains(&icon) {
        errors.push(FieldError::new(
            "icon",
            "invalid_choice",
            format!("one of: {}", CATEGORY_ICONS.join(", ")),
        ));
    }
    let position = match input.position.trim() {
        "" => 0,
        p => p
            .parse::<i32>()
            .ok()
            .filter(|n| (0..=1000).contains(n))
            .unwrap_or_else(|| {
                errors.push(FieldError::new(
                    "position",
                    "out_of_range",
                    "a number from 0 to 1000",
                ));
                0
            }),
    };
    if !errors.is_empty() {
        return Err(ValidationErrors(errors).into());
    }
    let saved = kb::upsert_category(
        app.db().conn(),
        &Category {
            id: 0,
            slug: slug.to_string(),
            name_en,
            name_zh,
            icon: icon.to_string(),
            position,
        },
        app.now(),
    )
    .await?;
    // Article pages show the topic's name (other nodes' cached pages catch up within a minute).
    app.content_changed();
    Ok(saved)
}
