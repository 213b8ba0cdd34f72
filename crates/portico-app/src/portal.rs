//! The portal's identity as visitors see it: the organisation's name and the home page's task cards,
//! both administrator settings stored in the database and read in the visitor's language.
//!
//! Every page needs them, so they are cached in memory for a few seconds: a change made on this node
//! is visible at once (writers call [`invalidate`]); other nodes see it within [`CACHE_TTL`].
//!
//! The task cards are searchable: [`TaskSource`] gives their documents to the search index, and a
//! change to them writes an outbox entry with [`tasks_changed`].

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use portico_core::{Locale, Localized};
use portico_search::{Audience, Change, SearchDoc};
use portico_storage::outbox::OutboxOp;
use portico_storage::settings;
use serde::{Deserialize, Serialize};

use crate::search::source::{SearchSource, SourceFuture};
use crate::{App, AppError};

pub const BRANDING_KEY: &str = "branding";
pub const HOME_TASKS_KEY: &str = "home_tasks";

/// How long another node's settings change may take to show on this node.
pub const CACHE_TTL: Duration = Duration::from_secs(5);

/// Branding settings (more fields arrive with the branding feature).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Branding {
    pub name: Localized,
}

/// One "top task" card on the home page.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct HomeTask {
    pub href: String,
    pub icon: String,
    pub title: Localized,
    pub description: Localized,
}

/// The stored settings, in every language.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PortalSettings {
    pub branding: Option<Branding>,
    pub tasks: Vec<HomeTask>,
}

/// What a page needs to know about the portal, in one locale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortalInfo {
    pub name: String,
    pub locale: Locale,
    pub tasks: Vec<TaskView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskView {
    pub href: String,
    pub icon: String,
    pub title: String,
    pub description: String,
}

/// The in-memory copy of [`PortalSettings`].
#[derive(Debug, Default)]
pub(crate) struct SettingsCache {
    slot: RwLock<Option<(Instant, Arc<PortalSettings>)>>,
}

/// The name used when no administrator has set one.
pub fn default_name(locale: Locale) -> &'static str {
    match locale {
        Locale::En => "Help Centre",
        Locale::ZhCn => "帮助中心",
    }
}

/// The current settings, from the cache when it is fresh.
pub async fn portal_settings(app: &App) -> Result<Arc<PortalSettings>, AppError> {
    portal_settings_via(app, app.db().conn()).await
}

/// [`portal_settings`], reading through `conn` when the cache is cold: inside a write transaction,
/// pass the transaction's connection, so it never waits for a second one from a pool that the other
/// writers may hold.
pub async fn portal_settings_via(
    app: &App,
    conn: &impl sea_orm::ConnectionTrait,
) -> Result<Arc<PortalSettings>, AppError> {
    let cache = app.portal_cache();
    if let Ok(slot) = cache.slot.read()
        && let Some((at, s)) = slot.as_ref()
        && at.elapsed() < CACHE_TTL
    {
        return Ok(s.clone());
    }
    // A value that no longer parses (written by a newer version, say) falls back to the default rather
    // than taking the portal down.
    let branding = settings::get_setting(conn, BRANDING_KEY)
        .await?
        .and_then(|v| serde_json::from_value(v).ok());
    let tasks = settings::get_setting(conn, HOME_TASKS_KEY)
        .await?
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    let fresh = Arc::new(PortalSettings { branding, tasks });
    if let Ok(mut slot) = cache.slot.write() {
        *slot = Some((Instant::now(), fresh.clone()));
    }
    Ok(fresh)
}

/// Drops the cached settings; call after changing them.
pub fn invalidate(app: &App) {
    if let Ok(mut slot) = app.portal_cache().slot.write() {
        *slot = None;
    }
}

fn name_in(s: &PortalSettings, locale: Locale) -> String {
    s.branding
        .as_ref()
        .map(|b| b.name.get(locale).to_string())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| default_name(locale).to_string())
}

/// The organisation's name in `locale`.
pub async fn portal_name(app: &App, locale: Locale) -> Result<String, AppError> {
    Ok(name_in(&*portal_settings(app).await?, locale))
}

/// [`portal_name`] inside a write transaction (see [`portal_settings_via`]).
pub async fn portal_name_in_tx(
    app: &App,
    tx: &crate::tx::Tx,
    locale: Locale,
) -> Result<String, AppError> {
    Ok(name_in(
        &*portal_settings_via(app, tx.conn()).await?,
        locale,
    ))
}

/// Name and home-page tasks in `locale`.
pub async fn portal_info(app: &App, locale: Locale) -> Result<PortalInfo, AppError> {
    let s = portal_settings(app).await?;
    Ok(PortalInfo {
        name: name_in(&s, locale),
        locale,
        tasks: s
            .tasks
            .iter()
            .map(|t| TaskView {
                title: t.title.get(locale).to_string(),
                description: t.description.get(locale).to_string(),
                href: t.href.clone(),
                icon: t.icon.clone(),
            })
            .collect(),
    })
}

/// The search kind of the home-page task documents. Tasks are one setting, so they change as a whole:
/// their outbox entries name `*` rather than one task.
pub const TASK: &str = "task";
const ALL_TASKS: &str = "*";

/// Records, in the transaction that changes the home-page tasks, that their documents must be replaced.
pub async fn tasks_changed(tx: &mut crate::Tx) -> Result<(), AppError> {
    tx.outbox(TASK, ALL_TASKS, OutboxOp::Upsert)
        .await
        .map(|_| ())
}

/// The home-page tasks as search documents: one per task and language, visible to everyone.
#[derive(Debug, Clone, Copy, Default)]
pub struct TaskSource;

impl SearchSource for TaskSource {
    fn entity(&self) -> &'static str {
        TASK
    }

    fn load<'a>(&'a self, app: &'a App, _entity_id: &'a str) -> SourceFuture<'a, Option<Change>> {
        // The entity id is always ALL_TASKS: the whole kind is replaced.
        Box::pin(async move {
            Ok(Some(Change::ReplaceKind {
                entity: TASK.into(),
                docs: task_docs(app).await?,
            }))
        })
    }

    fn all<'a>(
        &'a self,
        app: &'a App,
        out: &'a crate::search::source::DocSink,
    ) -> SourceFuture<'a, usize> {
        Box::pin(async move { crate::search::source::send(out, task_docs(app).await?).await })
    }
}

async fn task_docs(app: &App) -> Result<Vec<SearchDoc>, AppError> {
    // Straight from the database: the settings cache may hold another node's older copy.
    let tasks: Vec<HomeTask> = match settings::get_setting(app.db().conn(), HOME_TASKS_KEY).await? {
        None => Vec::new(),
        Some(v) => serde_json::from_value(v).unwrap_or_else(|e| {
            // Written by another version: index nothing rather than fail every step, but say so.
            tracing::warn!(error = %e, "home tasks setting unreadable; not indexing tasks");
            Vec::new()
        }),
    };
    let mut docs = Vec::new();
    for t in tasks {
        for (tag, title) in &t.title.0 {
            docs.push(SearchDoc {
                entity: TASK.into(),
                entity_id: t.href.clone(),
                locale: tag.clone(),
                audience: Audience::Public,
                title: title.clone(),
                body: t.description.0.get(tag).cloned().unwrap_or_default(),
                url: t.href.clone(),
                vectors: Vec::new(),
                tags: Vec::new(),
            });
        }
    }
    Ok(docs)
}

/// Longest search query considered; longer input is cut, never rejected.
pub const MAX_QUERY_CHARS: usize = 200;

/// Normalises a typed query: trimmed, cut to [`MAX_QUERY_CHARS`], inner whitespace collapsed.
pub fn normalize_query(raw: &str) -> String {
    raw.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(MAX_QUERY_CHARS)
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn queries_are_trimmed_collapsed_and_cut() {
        assert_eq!(
            super::normalize_query("  track \t my\norder "),
            "track my order"
        );
        assert_eq!(
            super::normalize_query(&"退".repeat(500)).chars().count(),
            super::MAX_QUERY_CHARS
        );
        assert_eq!(super::normalize_query("   "), "");
    }
}
