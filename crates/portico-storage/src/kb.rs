//! Knowledge-base rows: categories, articles and their versions. What may be shown to whom is decided
//! by the use cases; queries here take the statuses and visibilities to include.

use portico_core::Timestamp;
use sea_orm::{ConnectionTrait, QueryResult, Value};

use crate::dialect::stmt;
use crate::error::{Result, StorageError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub id: i64,
    pub slug: String,
    pub name_en: String,
    pub name_zh: String,
    pub icon: String,
    pub position: i32,
}

fn decode_category(r: &QueryResult) -> Result<Category> {
    Ok(Category {
        id: r.try_get("", "id")?,
        slug: r.try_get("", "slug")?,
        name_en: r.try_get("", "name_en")?,
        name_zh: r.try_get("", "name_zh")?,
        icon: r.try_get("", "icon")?,
        position: r.try_get("", "position")?,
    })
}

/// Inserts a category, or updates the one with the same slug; returns it.
pub async fn upsert_category(
    conn: &impl ConnectionTrait,
    c: &Category,
    now: Timestamp,
) -> Result<Category> {
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            "INSERT INTO kb_categories (slug, name_en, name_zh, icon, position, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (slug) DO UPDATE SET name_en = excluded.name_en, name_zh = excluded.name_zh, \
             icon = excluded.icon, position = excluded.position \
             RETURNING id, slug, name_en, name_zh, icon, position",
            [
                c.slug.clone().into(),
                c.name_en.clone().into(),
                c.name_zh.clone().into(),
                c.icon.clone().into(),
                c.position.into(),
                now.0.into(),
            ],
        ))
        .await?
        .ok_or_else(|| StorageError::Corrupt("INSERT … RETURNING gave no row".into()))?;
    decode_category(&row)
}

/// Every category, in order, with how many articles within `reach` it holds.
pub async fn list_categories(
    conn: &impl ConnectionTrait,
    reach: &Reach<'_>,
) -> Result<Vec<(Category, i64)>> {
    let mut values: Vec<Value> = Vec::new();
    let within = reach.sql("a.", &mut values);
    let sql = format!(
        "SELECT c.id, c.slug, c.name_en, c.name_zh, c.icon, c.position, \
         (SELECT COUNT(DISTINCT a.translation_key) FROM kb_articles a WHERE a.category_id = c.id AND {within}) AS n \
         FROM kb_categories c ORDER BY c.position, c.id"
    );
    let rows = conn
        .query_all_raw(stmt(conn.get_database_backend(), &sql, values))
        .await?;
    rows.iter()
        .map(|r| Ok((decode_category(r)?, r.try_get::<i64>("", "n")?)))
        .collect()
}

pub async fn find_category_by_slug(
    conn: &impl ConnectionTrait,
    slug: &str,
) -> Result<Option<Category>> {
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            "SELECT id, slug, name_en, name_zh, icon, position FROM kb_categories WHERE slug = $1",
            [slug.into()],
        ))
        .await?;
    row.as_ref().map(decode_category).transpose()
}

pub async fn find_category(conn: &impl ConnectionTrait, id: i64) -> Result<Option<Category>> {
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            "SELECT id, slug, name_en, name_zh, icon, position FROM kb_categories WHERE id = $1",
            [id.into()],
        ))
        .await?;
    row.as_ref().map(decode_category).transpose()
}

/// Placeholders `$n, $n+1, …` for `items`, appended to `values`.
fn in_list<T: Clone + Into<Value>>(values: &mut Vec<Value>, items: &[T]) -> String {
    let mut marks = Vec::new();
    for i in items {
        values.push(i.clone().into());
        marks.push(format!("${}", values.len()));
    }
    if marks.is_empty() {
        "NULL".into()
    } else {
        marks.join(", ")
    }
}

/// The articles someone may see: these statuses, and these visibilities or (visibility
/// `organization`) one of these organisations.
#[derive(Debug, Clone, Copy, Default)]
pub struct Reach<'a> {
    pub statuses: &'a [&'a str],
    pub visibilities: &'a [&'a str],
    pub organizations: &'a [i64],
}

impl Reach<'_> {
    /// The condition on columns prefixed `prefix` (say `a.`), its values appended to `values`.
    fn sql(&self, prefix: &str, values: &mut Vec<Value>) -> String {
        let s = in_list(values, self.statuses);
        let v = in_list(values, self.visibilities);
        let mut sql = format!("{prefix}status IN ({s}) AND ({prefix}visibility IN ({v})");
        if !self.organizations.is_empty() {
            let o = in_list(values, self.organizations);
            sql.push_str(&format!(
                " OR ({prefix}visibility = 'organization' AND {prefix}organization_id IN ({o}))"
            ));
        }
        sql.push(')');
        sql
    }

    /// Whether `a` is within reach.
    pub fn admits(&self, a: &Article) -> bool {
        self.statuses.contains(&a.status.as_str())
            && (self.visibilities.contains(&a.visibility.as_str())
                || (a.visibility == "organization"
                    && a.organization_id
                        .is_some_and(|o| self.organizations.contains(&o))))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    pub id: i64,
    pub slug: String,
    pub locale: String,
    pub translation_key: String,
    pub title: String,
    pub body_markdown: String,
    pub body_html: String,
    pub body_text: String,
    pub category_id: Option<i64>,
    pub visibility: String,
    /// The organisation whose members may read it, for visibility `organization`.
    pub organization_id: Option<i64>,
    pub status: String,
    pub external_id: Option<String>,
    pub author_id: Option<i64>,
    pub version: i32,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub published_at: Option<Timestamp>,
    /// Review the article by this time (start of the day, UTC).
    pub review_by: Option<Timestamp>,
}

const ARTICLE_COLUMNS: &str = "id, slug, locale, translation_key, title, body_markdown, body_html, body_text, \
     category_id, visibility, organization_id, status, external_id, author_id, version, created_at, updated_at, \
     published_at, review_by";

fn decode_article(r: &QueryResult) -> Result<Article> {
    Ok(Article {
        id: r.try_get("", "id")?,
        slug: r.try_get("", "slug")?,
        locale: r.try_get("", "locale")?,
        translation_key: r.try_get("", "translation_key")?,
        title: r.try_get("", "title")?,
        body_markdown: r.try_get("", "body_markdown")?,
        body_html: r.try_get("", "body_html")?,
        body_text: r.try_get("", "body_text")?,
        category_id: r.try_get("", "category_id")?,
        visibility: r.try_get("", "visibility")?,
        organization_id: r.try_get("", "organization_id")?,
        status: r.try_get("", "status")?,
        external_id: r.try_get("", "external_id")?,
        author_id: r.try_get("", "author_id")?,
        version: r.try_get("", "version")?,
        created_at: Timestamp(r.try_get("", "created_at")?),
        updated_at: Timestamp(r.try_get("", "updated_at")?),
        published_at: r.try_get::<Option<i64>>("", "published_at")?.map(Timestamp),
        review_by: r.try_get::<Option<i64>>("", "review_by")?.map(Timestamp),
    })
}

/// What is written when an article is saved (already validated and rendered).
#[derive(Debug, Clone)]
pub struct ArticleWrite<'a> {
    pub slug: &'a str,
    pub locale: &'a str,
    pub translation_key: &'a str,
    pub title: &'a str,
    pub body_markdown: &'a str,
    pub body_html: &'a str,
    pub body_text: &'a str,
    pub category_id: Option<i64>,
    pub visibility: &'a str,
    pub organization_id: Option<i64>,
    pub status: &'a str,
    pub external_id: Option<&'a str>,
    pub author_id: Option<i64>,
    pub review_by: Option<Timestamp>,
}

/// Inserts an article at version 1 and records that version.
pub async fn insert_article(
    conn: &impl ConnectionTrait,
    a: &ArticleWrite<'_>,
    now: Timestamp,
) -> Result<Article> {
    let published: Option<i64> = (a.status == "published").then_some(now.0);
    let sql = format!(
        "INSERT INTO kb_articles (slug, locale, translation_key, title, body_markdown, body_html, body_text, \
         category_id, visibility, status, external_id, author_id, version, created_at, updated_at, published_at, review_by, \
         organization_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1, $13, $13, $14, $15, $16) RETURNING {ARTICLE_COLUMNS}"
    );
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            &sql,
            [
                a.slug.into(),
                a.locale.into(),
                a.translation_key.into(),
                a.title.into(),
                a.body_markdown.into(),
                a.body_html.into(),
                a.body_text.into(),
                a.category_id.into(),
                a.visibility.into(),
                a.status.into(),
                a.external_id.map(str::to_string).into(),
                a.author_id.into(),
                now.0.into(),
                published.into(),
                a.review_by.map(|t| t.0).into(),
                a.organization_id.into(),
            ],
        ))
        .await?
        .ok_or_else(|| StorageError::Corrupt("INSERT … RETURNING gave no row".into()))?;
    let article = decode_article(&row)?;
    insert_version(conn, &article, now).await?;
    Ok(article)
}

async fn insert_version(conn: &impl ConnectionTrait, a: &Article, now: Timestamp) -> Result<()> {
    conn.execute_raw(stmt(
        conn.get_database_backend(),
        "INSERT INTO kb_article_versions (article_id, version, title, body_markdown, author_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        [
            a.id.into(),
            a.version.into(),
            a.title.clone().into(),
            a.body_markdown.clone().into(),
            a.author_id.into(),
            now.0.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// Replaces an article's content and settings as a new version (the slug and id stay).
/// Saves a new version of article `id` if it is still at `expected_version`; `None` when there is no
/// such article or it has moved on (another save came first).
pub async fn update_article(
    conn: &impl ConnectionTrait,
    id: i64,
    expected_version: i32,
    a: &ArticleWrite<'_>,
    now: Timestamp,
) -> Result<Option<Article>> {
    let sql = format!(
        "UPDATE kb_articles SET locale = $2, translation_key = $3, title = $4, body_markdown = $5, body_html = $6, \
         body_text = $7, category_id = $8, visibility = $9, status = $10, author_id = $11, version = version + 1, \
         updated_at = $12, published_at = CASE WHEN $10 = 'published' THEN COALESCE(published_at, $12) ELSE published_at END, \
         review_by = $13, organization_id = $15 WHERE id = $1 AND version = $14 RETURNING {ARTICLE_COLUMNS}"
    );
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            &sql,
            [
                id.into(),
                a.locale.into(),
                a.translation_key.into(),
                a.title.into(),
                a.body_markdown.into(),
                a.body_html.into(),
                a.body_text.into(),
                a.category_id.into(),
                a.visibility.into(),
                a.status.into(),
                a.author_id.into(),
                now.0.into(),
                a.review_by.map(|t| t.0).into(),
                expected_version.into(),
                a.organization_id.into(),
            ],
        ))
        .await?;
    let Some(row) = row else { return Ok(None) };
    let article = decode_article(&row)?;
    insert_version(conn, &article, now).await?;
    Ok(Some(article))
}

pub async fn find_article(conn: &impl ConnectionTrait, id: i64) -> Result<Option<Article>> {
    let sql = format!("SELECT {ARTICLE_COLUMNS} FROM kb_articles WHERE id = $1");
    let row = conn
        .query_one_raw(stmt(conn.get_database_backend(), &sql, [id.into()]))
        .await?;
    row.as_ref().map(decode_article).transpose()
}

pub async fn find_article_by_slug(
    conn: &impl ConnectionTrait,
    slug: &str,
) -> Result<Option<Article>> {
    let sql = format!("SELECT {ARTICLE_COLUMNS} FROM kb_articles WHERE slug = $1");
    let row = conn
        .query_one_raw(stmt(conn.get_database_backend(), &sql, [slug.into()]))
        .await?;
    row.as_ref().map(decode_article).transpose()
}

pub async fn find_article_by_external_id(
    conn: &impl ConnectionTrait,
    external_id: &str,
) -> Result<Option<Article>> {
    let sql = format!("SELECT {ARTICLE_COLUMNS} FROM kb_articles WHERE external_id = $1");
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            &sql,
            [external_id.into()],
        ))
        .await?;
    row.as_ref().map(decode_article).transpose()
}

/// What an article listing is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct ArticleFilter<'a> {
    pub reach: Reach<'a>,
    pub category_id: Option<i64>,
    pub locale: Option<&'a str>,
    pub translation_key: Option<&'a str>,
    /// Leave the bodies out (empty strings): for lists of titles, which would otherwise read every
    /// article's text three times over.
    pub titles_only: bool,
}

/// The article columns with the bodies replaced by empty strings.
const ARTICLE_HEAD_COLUMNS: &str = "id, slug, locale, translation_key, title, '' AS body_markdown, '' AS body_html, \
     '' AS body_text, category_id, visibility, organization_id, status, external_id, author_id, version, created_at, \
     updated_at, published_at, review_by";

/// Articles matching `f`, most recently updated first (by id below `before_id` for paging when the
/// order is by id), at most `limit`.
pub async fn list_articles(
    conn: &impl ConnectionTrait,
    f: &ArticleFilter<'_>,
    before_id: Option<i64>,
    limit: u64,
) -> Result<Vec<Article>> {
    let mut values: Vec<Value> = vec![before_id.unwrap_or(i64::MAX).into()];
    let within = f.reach.sql("", &mut values);
    let columns = if f.titles_only {
        ARTICLE_HEAD_COLUMNS
    } else {
        ARTICLE_COLUMNS
    };
    let mut sql = format!("SELECT {columns} FROM kb_articles WHERE id < $1 AND {within}");
    if let Some(c) = f.category_id {
        values.push(c.into());
        sql.push_str(&format!(" AND category_id = ${}", values.len()));
    }
    if let Some(l) = f.locale {
        values.push(l.to_string().into());
        sql.push_str(&format!(" AND locale = ${}", values.len()));
    }
    if let Some(k) = f.translation_key {
        values.push(k.to_string().into());
        sql.push_str(&format!(" AND translation_key = ${}", values.len()));
    }
    values.push(i64::try_from(limit).unwrap_or(100).into());
    sql.push_str(&format!(" ORDER BY id DESC LIMIT ${}", values.len()));
    let rows = conn
        .query_all_raw(stmt(conn.get_database_backend(), &sql, values))
        .await?;
    rows.iter().map(decode_article).collect()
}

/// Every article (for rebuilding the search index), in id order, after `after_id`, at most `limit`.
pub async fn all_articles(
    conn: &impl ConnectionTrait,
    after_id: i64,
    limit: u64,
) -> Result<Vec<Article>> {
    let sql =
        format!("SELECT {ARTICLE_COLUMNS} FROM kb_articles WHERE id > $1 ORDER BY id LIMIT $2");
    let rows = conn
        .query_all_raw(stmt(
            conn.get_database_backend(),
            &sql,
            [after_id.into(), i64::try_from(limit).unwrap_or(1000).into()],
        ))
        .await?;
    rows.iter().map(decode_article).collect()
}

/// A saved version of an article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub version: i32,
    pub title: String,
    pub body_markdown: String,
    pub author_id: Option<i64>,
    pub created_at: Timestamp,
}

/// The versions of an article, newest first.
pub async fn list_versions(conn: &impl ConnectionTrait, article_id: i64) -> Result<Vec<Version>> {
    let rows = conn
        .query_all_raw(stmt(
            conn.get_database_backend(),
            "SELECT version, title, body_markdown, author_id, created_at FROM kb_article_versions \
             WHERE article_id = $1 ORDER BY version DESC",
            [article_id.into()],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Version {
                version: r.try_get("", "version")?,
                title: r.try_get("", "title")?,
                body_markdown: r.try_get("", "body_markdown")?,
                author_id: r.try_get("", "author_id")?,
                created_at: Timestamp(r.try_get("", "created_at")?),
            })
        })
        .collect()
}

/// Records a visitor's vote on an article (a second vote replaces the first).
#[allow(clippy::too_many_arguments)]
pub async fn upsert_feedback(
    conn: &impl ConnectionTrait,
    article_id: i64,
    visitor: &str,
    user_id: Option<i64>,
    helpful: bool,
    reason: Option<&str>,
    comment: Option<&str>,
    now: Timestamp,
) -> Result<()> {
    conn.execute_raw(stmt(
        conn.get_database_backend(),
        "INSERT INTO kb_feedback (article_id, visitor, user_id, helpful, reason, comment, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (article_id, visitor) DO UPDATE SET \
         user_id = excluded.user_id, helpful = excluded.helpful, reason = excluded.reason, \
         comment = excluded.comment, updated_at = excluded.updated_at",
        [
            article_id.into(),
            visitor.into(),
            user_id.into(),
            helpful.into(),
            reason.map(str::to_string).into(),
            comment.map(str::to_string).into(),
            now.0.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// Votes on an article: (helpful, not helpful).
pub async fn feedback_counts(conn: &impl ConnectionTrait, article_id: i64) -> Result<(i64, i64)> {
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            "SELECT COALESCE(SUM(CASE WHEN helpful THEN 1 ELSE 0 END), 0) AS yes, \
             COALESCE(SUM(CASE WHEN helpful THEN 0 ELSE 1 END), 0) AS no FROM kb_feedback WHERE article_id = $1",
            [article_id.into()],
        ))
        .await?;
    match row {
        Some(r) => Ok((r.try_get("", "yes")?, r.try_get("", "no")?)),
        None => Ok((0, 0)),
    }
}

/// Published articles with at least `min_no` "not helpful" votes and more of those than "helpful" ones:
/// (id, slug, title, helpful, not helpful), worst first.
pub async fn unhelpful_articles(
    conn: &impl ConnectionTrait,
    min_no: i64,
    limit: u64,
) -> Result<Vec<(i64, String, String, i64, i64)>> {
    let rows = conn
        .query_all_raw(stmt(
            conn.get_database_backend(),
            "SELECT a.id, a.slug, a.title, \
             SUM(CASE WHEN f.helpful THEN 1 ELSE 0 END) AS yes, SUM(CASE WHEN f.helpful THEN 0 ELSE 1 END) AS no \
             FROM kb_articles a JOIN kb_feedback f ON f.article_id = a.id WHERE a.status = 'published' \
             GROUP BY a.id, a.slug, a.title \
             HAVING SUM(CASE WHEN f.helpful THEN 0 ELSE 1 END) >= $1 \
             AND SUM(CASE WHEN f.helpful THEN 0 ELSE 1 END) > SUM(CASE WHEN f.helpful THEN 1 ELSE 0 END) \
             ORDER BY no DESC, a.id LIMIT $2",
            [min_no.into(), i64::try_from(limit).unwrap_or(50).into()],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("", "id")?,
                r.try_get("", "slug")?,
                r.try_get("", "title")?,
                r.try_get("", "yes")?,
                r.try_get("", "no")?,
            ))
        })
        .collect()
}

/// Published articles nobody has opened (no `article_view` event ever): (id, slug, title).
pub async fn never_viewed_articles(
    conn: &impl ConnectionTrait,
    limit: u64,
) -> Result<Vec<(i64, String, String)>> {
    let rows = conn
        .query_all_raw(stmt(
            conn.get_database_backend(),
            "SELECT a.id, a.slug, a.title FROM kb_articles a WHERE a.status = 'published' AND NOT EXISTS \
             (SELECT 1 FROM events e WHERE e.kind = 'article_view' AND e.subject = CAST(a.id AS TEXT)) \
             ORDER BY a.id LIMIT $1",
            [i64::try_from(limit).unwrap_or(50).into()],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("", "id")?,
                r.try_get("", "slug")?,
                r.try_get("", "title")?,
            ))
        })
        .collect()
}

/// Published articles whose review date has passed: (id, slug, title, review_by), oldest first.
pub async fn overdue_reviews(
    conn: &impl ConnectionTrait,
    now: Timestamp,
    limit: u64,
) -> Result<Vec<(i64, String, String, Timestamp)>> {
    let rows = conn
        .query_all_raw(stmt(
            conn.get_database_backend(),
            "SELECT id, slug, title, review_by FROM kb_articles WHERE status = 'published' \
             AND review_by IS NOT NULL AND review_by <= $1 ORDER BY review_by, id LIMIT $2",
            [now.0.into(), i64::try_from(limit).unwrap_or(50).into()],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("", "id")?,
                r.try_get("", "slug")?,
                r.try_get("", "title")?,
                Timestamp(r.try_get("", "review_by")?),
            ))
        })
        .collect()
}

/// An image stored for articles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub id: i64,
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    /// The secret part of its address (`None` for files stored before addresses had one).
    pub token: Option<String>,
}

/// A file to store.
#[derive(Debug, Clone, Copy)]
pub struct NewFile<'a> {
    pub name: &'a str,
    pub content_type: &'a str,
    pub bytes: &'a [u8],
    /// The secret part of its address.
    pub token: &'a str,
    pub uploaded_by: Option<i64>,
}

pub async fn insert_file(
    conn: &impl ConnectionTrait,
    f: &NewFile<'_>,
    now: Timestamp,
) -> Result<i64> {
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            "INSERT INTO kb_files (name, content_type, size, bytes, uploaded_by, created_at, token) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            [
                f.name.into(),
                f.content_type.into(),
                i64::try_from(f.bytes.len()).unwrap_or(i64::MAX).into(),
                f.bytes.to_vec().into(),
                f.uploaded_by.into(),
                now.0.into(),
                f.token.into(),
            ],
        ))
        .await?
        .ok_or_else(|| StorageError::Corrupt("INSERT … RETURNING gave no row".into()))?;
    Ok(row.try_get("", "id")?)
}

pub async fn find_file(conn: &impl ConnectionTrait, id: i64) -> Result<Option<StoredFile>> {
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            "SELECT id, name, content_type, bytes, token FROM kb_files WHERE id = $1",
            [id.into()],
        ))
        .await?;
    row.map(|r| {
        Ok(StoredFile {
            id: r.try_get("", "id")?,
            name: r.try_get("", "name")?,
            content_type: r.try_get("", "content_type")?,
            bytes: r.try_get("", "bytes")?,
            token: r.try_get("", "token")?,
        })
    })
    .transpose()
}

/// An article's sentence vectors as stored: `dim` floats each, little-endian, one after another.
#[derive(Debug, Clone, PartialEq)]
pub struct Embedding {
    pub article_id: i64,
    pub model: String,
    pub article_version: i32,
    pub vectors: Vec<Vec<f32>>,
}

fn decode_embedding(r: &QueryResult) -> Result<Embedding> {
    let dim: i32 = r.try_get("", "dim")?;
    let bytes: Vec<u8> = r.try_get("", "vectors")?;
    let dim = usize::try_from(dim).unwrap_or(0);
    if dim == 0 || !bytes.len().is_multiple_of(dim * 4) {
        return Err(StorageError::Corrupt(
            "kb_article_embeddings.vectors: not whole vectors".into(),
        ));
    }
    let floats: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    Ok(Embedding {
        article_id: r.try_get("", "article_id")?,
        model: r.try_get("", "model")?,
        article_version: r.try_get("", "article_version")?,
        vectors: floats.chunks_exact(dim).map(<[f32]>::to_vec).collect(),
    })
}

/// Stores (or replaces) an article's vectors. All vectors must have one length.
pub async fn save_embedding(
    conn: &impl ConnectionTrait,
    e: &Embedding,
    now: Timestamp,
) -> Result<()> {
    let dim = e.vectors.first().map_or(0, Vec::len);
    if dim == 0 || e.vectors.iter().any(|v| v.len() != dim) {
        return Err(StorageError::Corrupt(
            "an embedding needs vectors of one non-zero length".into(),
        ));
    }
    let bytes: Vec<u8> = e
        .vectors
        .iter()
        .flatten()
        .flat_map(|f| f.to_le_bytes())
        .collect();
    conn.execute_raw(stmt(
        conn.get_database_backend(),
        "INSERT INTO kb_article_embeddings (article_id, model, article_version, dim, vectors, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (article_id) DO UPDATE SET model = excluded.model, \
           article_version = excluded.article_version, dim = excluded.dim, \
           vectors = excluded.vectors, created_at = excluded.created_at",
        [
            e.article_id.into(),
            e.model.clone().into(),
            e.article_version.into(),
            i32::try_from(dim).unwrap_or(i32::MAX).into(),
            bytes.into(),
            now.0.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// The current vectors (made by `model` from the article's current version) of these articles.
pub async fn current_embeddings(
    conn: &impl ConnectionTrait,
    article_ids: &[i64],
    model: &str,
) -> Result<Vec<Embedding>> {
    if article_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::with_capacity(article_ids.len());
    for chunk in article_ids.chunks(500) {
        let params: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT e.article_id, e.model, e.article_version, e.dim, e.vectors \
             FROM kb_article_embeddings e JOIN kb_articles a ON a.id = e.article_id \
             WHERE e.model = $1 AND e.article_version = a.version AND e.article_id IN ({})",
            params.join(", ")
        );
        let mut values: Vec<Value> = vec![model.into()];
        values.extend(chunk.iter().map(|id| Value::from(*id)));
        let rows = conn
            .query_all_raw(stmt(conn.get_database_backend(), &sql, values))
            .await?;
        for r in &rows {
            out.push(decode_embedding(r)?);
        }
    }
    Ok(out)
}

/// Published articles without current vectors from `model`, oldest first: what the background job
/// embeds next.
pub async fn articles_to_embed(
    conn: &impl ConnectionTrait,
    model: &str,
    limit: u64,
) -> Result<Vec<Article>> {
    let columns: Vec<String> = ARTICLE_COLUMNS
        .split(',')
        .map(|c| format!("a.{}", c.trim()))
        .collect();
    let sql = format!(
        "SELECT {} FROM kb_articles a LEFT JOIN kb_article_embeddings e \
           ON e.article_id = a.id AND e.model = $1 AND e.article_version = a.version \
         WHERE a.status = 'published' AND e.article_id IS NULL ORDER BY a.id LIMIT $2",
        columns.join(", ")
    );
    let rows = conn
        .query_all_raw(stmt(
            conn.get_database_backend(),
            &sql,
            [model.into(), i64::try_from(limit).unwrap_or(100).into()],
        ))
        .await?;
    rows.iter().map(decode_article).collect()
}

/// How many published articles have current vectors from `model`, and how many are published.
pub async fn embedding_coverage(conn: &impl ConnectionTrait, model: &str) -> Result<(i64, i64)> {
    let row = conn
        .query_one_raw(stmt(
            conn.get_database_backend(),
            "SELECT COUNT(e.article_id) AS done, COUNT(*) AS total FROM kb_articles a \
             LEFT JOIN kb_article_embeddings e \
               ON e.article_id = a.id AND e.model = $1 AND e.article_version = a.version \
             WHERE a.status = 'published'",
            [model.into()],
        ))
        .await?
        .ok_or_else(|| StorageError::Corrupt("COUNT gave no row".into()))?;
    Ok((row.try_get("", "done")?, row.try_get("", "total")?))
}

/// The ids of the articles with these slugs (those that exist).
pub async fn ids_by_slugs(
    conn: &impl ConnectionTrait,
    slugs: &[String],
) -> Result<Vec<(String, i64)>> {
    if slugs.is_empty() {
        return Ok(Vec::new());
    }
    let params: Vec<String> = (0..slugs.len()).map(|i| format!("${}", i + 1)).collect();
    let sql = format!(
        "SELECT slug, id FROM kb_articles WHERE slug IN ({})",
        params.join(", ")
    );
    let values: Vec<Value> = slugs.iter().map(|s| Value::from(s.clone())).collect();
    let rows = conn
        .query_all_raw(stmt(conn.get_database_backend(), &sql, values))
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("", "slug")?, r.try_get("", "id")?)))
        .collect()
}

/// The articles with these ids, without their bodies (for lists of titles), in no particular order.
pub async fn article_heads(conn: &impl ConnectionTrait, ids: &[i64]) -> Result<Vec<Article>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut values: Vec<Value> = Vec::new();
    let list = in_list(&mut values, ids);
    let sql = format!("SELECT {ARTICLE_HEAD_COLUMNS} FROM kb_articles WHERE id IN ({list})");
    let rows = conn
        .query_all_raw(stmt(conn.get_database_backend(), &sql, values))
        .await?;
    rows.iter().map(decode_article).collect()
}

/// The published articles of these translation groups, without their bodies.
pub async fn group_heads(conn: &impl ConnectionTrait, keys: &[String]) -> Result<Vec<Article>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let mut values: Vec<Value> = Vec::new();
    let list = in_list(&mut values, keys);
    let sql = format!(
        "SELECT {ARTICLE_HEAD_COLUMNS} FROM kb_articles WHERE translation_key IN ({list}) AND status = 'published'"
    );
    let rows = conn
        .query_all_raw(stmt(conn.get_database_backend(), &sql, values))
        .await?;
    rows.iter().map(decode_article).collect()
}
