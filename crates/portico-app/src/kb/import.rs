//! Importing articles: a folder of Markdown files with front matter, or JSON Lines
//! (`{"title", "body", "locale"?, "category"?, "slug"?, "id"?, "translation"?, "status"?, "visibility"?}`).
//! Idempotent: an article is found again by its external id, else by its slug; an unchanged one is
//! left alone, a changed one gets a new version.

use portico_core::{Locale, Timestamp};
use portico_storage::kb::{self, ArticleWrite, Category};
use portico_storage::outbox::OutboxOp;

use super::{ARTICLE, render, slug_from};
use crate::{App, AppError};

/// One article to import.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportItem {
    pub title: String,
    pub body: String,
    pub locale: Option<String>,
    pub category: Option<String>,
    pub slug: Option<String>,
    pub external_id: Option<String>,
    pub translation: Option<String>,
    pub status: Option<String>,
    pub visibility: Option<String>,
    /// The organisation (by slug) whose members may read it, for visibility `organization`.
    pub organization: Option<String>,
    /// `YYYY-MM-DD`.
    pub review_by: Option<String>,
}

/// Reads a Markdown file with front matter (`---` lines around `key: value` lines). Without front
/// matter, the first `# ` heading is the title.
pub fn parse_markdown(text: &str, fallback_slug: &str) -> Result<ImportItem, String> {
    let text = text.trim_start_matches('\u{feff}');
    let mut item = ImportItem::default();
    let body = if let Some(rest) = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))
    {
        let end = rest
            .find("\n---")
            .ok_or_else(|| "the front matter has no closing ---".to_string())?;
        for line in rest[..end].lines() {
            let Some((k, v)) = line.split_once(':') else {
                continue;
            };
            let v = v.trim().trim_matches('"').to_string();
            match k.trim() {
                "title" => item.title = v,
                "locale" | "lang" | "language" => item.locale = Some(v),
                "category" => item.category = Some(v),
                "slug" => item.slug = Some(v),
                "id" | "external_id" => item.external_id = Some(v),
                "translation" => item.translation = Some(v),
                "status" => item.status = Some(v),
                "visibility" => item.visibility = Some(v),
                "organization" | "organisation" => item.organization = Some(v),
                "review_by" => item.review_by = Some(v),
                _ => {}
            }
        }
        let after = &rest[end + 4..];
        after
            .split_once('\n')
            .map(|(_, b)| b)
            .unwrap_or("")
            .to_string()
    } else {
        text.to_string()
    };
    let mut body = body.trim().to_string();
    if item.title.is_empty()
        && let Some(first) = body.lines().next()
        && let Some(t) = first.strip_prefix("# ")
    {
        item.title = t.trim().to_string();
        body = body
            .lines()
            .skip(1)
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_string();
    }
    if item.title.is_empty() {
        return Err("no title (front matter `title:` or a first `# ` heading)".into());
    }
    if item.slug.is_none() {
        item.slug = Some(fallback_slug.to_string());
    }
    item.body = body;
    Ok(item)
}

/// Reads one JSON Lines record.
pub fn parse_json_line(line: &str) -> Result<ImportItem, String> {
    let v: serde_json::Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
    let s = |k: &str| {
        v.get(k).and_then(|x| match x {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
    };
    let title = s("title")
        .filter(|t| !t.trim().is_empty())
        .ok_or("no `title`")?;
    let body = s("body")
        .or_else(|| s("body_markdown"))
        .ok_or("no `body`")?;
    Ok(ImportItem {
        title,
        body,
        locale: s("locale").or_else(|| s("lang")).or_else(|| s("language")),
        category: s("category"),
        slug: s("slug"),
        external_id: s("id").or_else(|| s("external_id")),
        translation: s("translation"),
        status: s("status"),
        visibility: s("visibility"),
        organization: s("organization").or_else(|| s("organisation")),
        review_by: s("review_by"),
    })
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

fn slug_ok(s: &str) -> String {
    let s = slug_from(s);
    s.chars().take(super::MAX_SLUG_CHARS).collect()
}

/// A short stable hash (for slugs of titles without Latin letters).
fn short_hash(s: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(s.as_bytes())
        .iter()
        .take(5)
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn category_id(
    app: &App,
    slug: Option<&str>,
    now: Timestamp,
) -> Result<Option<i64>, AppError> {
    let Some(slug) = slug.map(slug_ok).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let conn = app.db().conn();
    if let Some(c) = kb::find_category_by_slug(conn, &slug).await? {
        return Ok(Some(c.id));
    }
    let name: String = slug
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ");
    let c = kb::upsert_category(
        conn,
        &Category {
            id: 0,
            slug,
            name_en: name.clone(),
            name_zh: name,
            icon: "document".into(),
            position: 100,
        },
        now,
    )
    .await?;
    Ok(Some(c.id))
}

/// Imports one item: creates, updates (a new version) or leaves it. Errors name the item's problem.
pub async fn import_item(app: &App, item: &ImportItem) -> Result<Outcome, AppError> {
    let now = app.now();
    let conn = app.db().conn();
    let title: String = item
        .title
        .trim()
        .chars()
        .take(super::MAX_TITLE_CHARS)
        .collect();
    // Language tags as other systems write them ("zh", "zh-Hans", "en_US") are understood; a language
    // Portico does not serve is refused rather than stored as English.
    let locale = match item
        .locale
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        None => Locale::default(),
        Some(l) => Locale::from_tag(l).ok_or_else(|| {
            AppError::Invalid(portico_core::ValidationErrors(vec![
                portico_core::FieldError::new(
                    "locale",
                    "invalid_choice",
                    format!(
                        "the language \"{}\" is not one Portico serves (en, zh-CN)",
                        l.chars().take(35).collect::<String>()
                    ),
                ),
            ]))
        })?,
    };
    let existing = match &item.external_id {
        Some(e) => kb::find_article_by_external_id(conn, e).await?,
        None => None,
    };
    let slug = match item.slug.as_deref().map(slug_ok).filter(|s| !s.is_empty()) {
        Some(s) => s,
        None => match item
            .external_id
            .as_deref()
            .map(slug_ok)
            .filter(|s| !s.is_empty())
        {
            Some(s) => s,
            None => {
                let from_title = slug_ok(&title);
                if from_title.is_empty() {
                    format!("article-{}", short_hash(&title))
                } else {
                    from_title
                }
            }
        },
    };
    let existing = match existing {
        Some(a) => Some(a),
        None => kb::find_article_by_slug(conn, &slug).await?,
    };
    let category_id = category_id(app, item.category.as_deref(), now).await?;
    // A status or visibility that is not one of ours is refused: reading an unknown visibility as
    // "public" would publish what was meant to be kept in.
    let invalid = |field: &str, choices: &[&str]| {
        AppError::Invalid(portico_core::ValidationErrors(vec![
            portico_core::FieldError::new(
                field,
                "invalid_choice",
                format!("one of: {}", choices.join(", ")),
            ),
        ]))
    };
    const STATUSES: [&str; 3] = ["draft", "published", "archived"];
    let status = match item
        .status
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => "published",
        Some(s) => STATUSES
            .into_iter()
            .find(|c| *c == s)
            .ok_or_else(|| invalid("status", &STATUSES))?,
    };
    let organization = item
        .organization
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty());
    let visibility = match item
        .visibility
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        None if organization.is_some() => "organization",
        None => "public",
        Some(v) => super::VISIBILITIES
            .into_iter()
            .find(|c| *c == v)
            .ok_or_else(|| invalid("visibility", &super::VISIBILITIES))?,
    };
    let organization_id = match (visibility, organization) {
        ("organization", Some(o)) => Some(
            portico_storage::organizations::organization_id_by_slug(conn, o)
                .await?
                .ok_or_else(|| {
                    AppError::Invalid(portico_core::ValidationErrors::single(
                        "organization",
                        "not_found",
                        "no organisation has this slug",
                    ))
                })?,
        ),
        ("organization", None) => {
            return Err(AppError::Invalid(portico_core::ValidationErrors::single(
                "organization",
                "required",
                "visibility organization needs the organisation's slug",
            )));
        }
        _ => None,
    };
    let key = item.translation.clone().unwrap_or_else(|| slug.clone());
    let review_by = item.review_by.as_deref().and_then(super::parse_date);
    if let Some(a) = &existing
        && a.title == title
        && a.body_markdown == item.body
        && a.locale == locale.as_str()
        && a.category_id == category_id
        && a.status == status
        && a.visibility == visibility
        && a.organization_id == organization_id
        && a.translation_key == key
        && a.review_by == review_by
    {
        return Ok(Outcome::Unchanged);
    }
    let rendered = render::render(&item.body);
    let write = ArticleWrite {
        slug: &slug,
        locale: locale.as_str(),
        translation_key: &key,
        title: &title,
        body_markdown: &item.body,
        body_html: &rendered.html,
        body_text: &rendered.text,
        category_id,
        visibility,
        organization_id,
        status,
        external_id: item.external_id.as_deref(),
        author_id: None,
        review_by,
    };
    let mut tx = app.begin().await?;
    let (id, outcome) = match &existing {
        Some(a) => {
            let saved = kb::update_article(tx.conn(), a.id, a.version, &write, tx.now())
                .await?
                .ok_or(AppError::NotFound)?;
            (saved.id, Outcome::Updated)
        }
        None => match kb::insert_article(tx.conn(), &write, tx.now()).await {
            Ok(saved) => (saved.id, Outcome::Created),
            // Another node (or import) made it between the lookup and the insert: it is there.
            Err(portico_storage::StorageError::Conflict { .. }) => return Ok(Outcome::Unchanged),
            Err(e) => return Err(e.into()),
        },
    };
    tx.outbox(ARTICLE, &id.to_string(), OutboxOp::Upsert)
        .await?;
    tx.commit().await?;
    Ok(outcome)
}

/// What importing one item did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Updated,
    Unchanged,
}

impl ImportReport {
    pub fn add(&mut self, o: Outcome) {
        match o {
            Outcome::Created => self.created += 1,
            Outcome::Updated => self.updated += 1,
            Outcome::Unchanged => self.unchanged += 1,
        }
    }
}

/// Loads the demo help centre (categories and articles written for Portico); idempotent.
pub async fn load_demo(app: &App) -> Result<ImportReport, AppError> {
    #[derive(serde::Deserialize)]
    struct DemoCategory {
        slug: String,
        name_en: String,
        name_zh: String,
        icon: String,
        position: i32,
    }
    let cats: Vec<DemoCategory> = serde_json::from_str(super::demo_files::CATEGORIES)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("demo categories: {e}")))?;
    for c in cats {
        kb::upsert_category(
            app.db().conn(),
            &Category {
                id: 0,
                slug: c.slug,
                name_en: c.name_en,
                name_zh: c.name_zh,
                icon: c.icon,
                position: c.position,
            },
            app.now(),
        )
        .await?;
    }
    let mut report = ImportReport::default();
    for (name, text) in super::demo_files::ARTICLES {
        let fallback = name.split('.').next().unwrap_or(name);
        let item = parse_markdown(text, fallback)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("demo article {name}: {e}")))?;
        report.add(import_item(app, &item).await?);
    }
    Ok(report)
}

/// Every article as a Markdown file with front matter, in the format `portico import kb` reads back:
/// (file name, content).
pub async fn export_all(app: &App) -> Result<Vec<(String, String)>, AppError> {
    let conn = app.db().conn();
    let mut categories = std::collections::HashMap::new();
    for (c, _) in kb::list_categories(conn, &kb::Reach::default()).await? {
        categories.insert(c.id, c.slug);
    }
    let mut organizations = std::collections::HashMap::new();
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let batch = kb::all_articles(conn, after, 500).await?;
        let Some(last) = batch.last() else { break };
        after = last.id;
        for a in batch {
            // Values are one line each; a title never holds a line break (validated at save).
            let mut text = String::from("---\n");
            let mut field = |k: &str, v: &str| {
                if !v.is_empty() {
                    text.push_str(&format!("{k}: {}\n", v.replace('\n', " ")));
                }
            };
            field("title", &a.title);
            field("slug", &a.slug);
            field("locale", &a.locale);
            field("translation", &a.translation_key);
            if let Some(c) = a.category_id.and_then(|id| categories.get(&id)) {
                field("category", c);
            }
            field("status", &a.status);
            field("visibility", &a.visibility);
            if let Some(org) = a.organization_id {
                if let std::collections::hash_map::Entry::Vacant(e) = organizations.entry(org) {
                    let slug = portico_storage::organizations::find_organization(conn, org)
                        .await?
                        .map(|o| o.slug)
                        .unwrap_or_default();
                    e.insert(slug);
                }
                if let Some(slug) = organizations.get(&org) {
                    field("organization", slug);
                }
            }
            if let Some(e) = &a.external_id {
                field("id", e);
            }
            if let Some(r) = a.review_by {
                field("review_by", &super::format_date(r));
            }
            text.push_str("---\n\n");
            text.push_str(&a.body_markdown);
            if !text.ends_with('\n') {
                text.push('\n');
            }
            out.push((format!("{}.md", a.slug), text));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_front_matter_and_json_lines() {
        let md = "---\nslug: track-your-order\nlocale: en\ntitle: Track your order\ncategory: orders\ntranslation: track\n---\n\nBody **here**.\n";
        let item = parse_markdown(md, "x").map_err(|e| e.to_string());
        let item = item.unwrap_or_default();
        assert_eq!(item.title, "Track your order");
        assert_eq!(item.slug.as_deref(), Some("track-your-order"));
        assert_eq!(item.translation.as_deref(), Some("track"));
        assert_eq!(item.body, "Body **here**.");
        let plain = parse_markdown("# 申请退款\n\n正文", "refund").unwrap_or_default();
        assert_eq!(plain.title, "申请退款");
        assert_eq!(plain.slug.as_deref(), Some("refund"));
        assert_eq!(plain.body, "正文");
        assert!(parse_markdown("no title here", "x").is_err());
        let j = parse_json_line(r#"{"id": 17, "title": "Q", "body": "A", "locale": "zh-CN"}"#)
            .unwrap_or_default();
        assert_eq!(j.external_id.as_deref(), Some("17"));
        assert!(parse_json_line(r#"{"body": "A"}"#).is_err());
        assert!(parse_json_line("not json").is_err());
    }
}
