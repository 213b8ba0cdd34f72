//! Search across everything the portal offers, and keeping this node's index in step with the database.
//!
//! Writers append a search-outbox row in the transaction that changes searchable content
//! ([`crate::Tx::outbox`]). Each node runs [`run_follower`], which reads the rows after the last one its
//! index applied, loads the current documents of the things they name, and commits them to the index
//! together with the new position. The index is rebuilt from the database when it is new, written by
//! another schema version, idle for a week, ahead of the database (a restored backup), or when
//! `portico reindex` asks every node to.
//!
//! On PostgreSQL, ids come from a sequence and a transaction that took a lower id may commit after one
//! that took a higher id. The follower therefore only records as settled the entries that have been in
//! the table for [`SETTLE`] by the database server's clock; newer ones are applied at once but read
//! again until they settle, so a late commit is not skipped unless its transaction stayed open for
//! longer than that after writing the entry. On SQLite ids become visible in order and settle at once.
//! Applying an entry twice is harmless: it reloads the current state.
//!
//! Each feature indexes its own kinds through a [`source::SearchSource`]; the follower finds the
//! source for an entry's entity among the sources the node was given (`crate::features::SEARCH_SOURCES`) and skips (with a warning) entries of a kind no
//! source claims.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use portico_core::Locale;
use portico_search::{Change, FollowState, SearchDoc, SearchIndex, SearchQuery};
pub use portico_search::{Hit, SearchResults};
use portico_storage::outbox::{self, OutboxEntry};
use portico_storage::settings;
use sea_orm::ConnectionTrait;
use tokio::sync::{Mutex, Notify};
use tokio_util::sync::CancellationToken;

use crate::{App, AppError};

pub mod semantic;
pub mod source;

use source::SearchSource;

/// Entries younger than this (by the database's clock, PostgreSQL) may still have neighbours with lower
/// ids in uncommitted transactions.
pub const SETTLE: Duration = Duration::from_secs(60);

/// How often a follower looks for entries written by other nodes (this node's own writes wake it).
pub const POLL: Duration = Duration::from_secs(1);

/// An index whose last commit is older than this is rebuilt at start: the outbox entries it would need
/// may have been removed by the cleanup job.
const MAX_RESUME_AGE_DAYS: i64 = 7;

/// Entries read per step.
const BATCH: u32 = 500;

/// The setting `portico reindex` bumps to make every node rebuild its index.
pub const GENERATION_KEY: &str = "search_generation";

/// This node's index and its follower's progress.
pub struct SearchState {
    index: Arc<SearchIndex>,
    caught_up: AtomicBool,
    wakeup: Notify,
    /// Entries above the settled position that this process has applied already. Its lock also makes
    /// follower steps and rebuilds of this node run one at a time.
    pending: Mutex<BTreeSet<i64>>,
    /// How long an entry must have been in the table before it counts as settled (PostgreSQL).
    settle_ms: AtomicU64,
    /// Every kind of searchable content (the product lists them in `crate::features`).
    sources: &'static [&'static dyn SearchSource],
}

impl std::fmt::Debug for SearchState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchState")
            .field("caught_up", &self.caught_up.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl SearchState {
    /// The state of `index`, filled from `sources` (the composition root passes
    /// `crate::features::SEARCH_SOURCES`).
    pub fn new(index: Arc<SearchIndex>, sources: &'static [&'static dyn SearchSource]) -> Self {
        Self {
            sources,
            index,
            caught_up: AtomicBool::new(false),
            wakeup: Notify::new(),
            pending: Mutex::new(BTreeSet::new()),
            settle_ms: AtomicU64::new(SETTLE.as_millis() as u64),
        }
    }

    /// Changes the settling time (default [`SETTLE`]): longer tolerates longer transactions that write
    /// outbox entries, at the cost of re-reading recent entries for longer.
    pub fn set_settle(&self, settle: Duration) {
        self.settle_ms
            .store(settle.as_millis() as u64, Ordering::Relaxed);
    }

    fn settle_ms(&self) -> i64 {
        i64::try_from(self.settle_ms.load(Ordering::Relaxed)).unwrap_or(i64::MAX)
    }

    /// True once the follower has applied everything that was in the outbox when it started.
    pub fn caught_up(&self) -> bool {
        self.caught_up.load(Ordering::Acquire)
    }

    /// Wakes the follower (after this node committed outbox entries).
    pub fn wake(&self) {
        self.wakeup.notify_one();
    }

    pub fn index(&self) -> &Arc<SearchIndex> {
        &self.index
    }
}

fn state_of(app: &App) -> Result<&SearchState, AppError> {
    app.search_state()
        .ok_or_else(|| AppError::Unavailable("search is not available on this node".into()))
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> portico_search::Result<T> + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("search task failed: {e}")))?
        .map_err(|e| AppError::Internal(e.into()))
}

/// What a search is limited to.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Only these kinds of thing (empty: every kind).
    pub entities: &'static [&'static str],
    /// Only things carrying every one of these tags (say, an article category's).
    pub tags: Vec<String>,
}

/// Searches every kind and language the viewer may see. The words may be in any
/// language the content is written in ("refund" and "退款" find the same task); each thing is listed
/// once, in `locale` when it has a version in it.
pub async fn search(
    app: &App,
    viewer: &crate::viewer::Viewer,
    locale: Locale,
    query: &str,
    limit: usize,
    ranking: semantic::Ranking,
) -> Result<SearchResults, AppError> {
    search_in(app, viewer, locale, query, limit, Scope::default(), ranking).await
}

/// [`search`] within a [`Scope`].
pub async fn search_in(
    app: &App,
    viewer: &crate::viewer::Viewer,
    locale: Locale,
    query: &str,
    limit: usize,
    scope: Scope,
    ranking: semantic::Ranking,
) -> Result<SearchResults, AppError> {
    let text = crate::portal::normalize_query(query);
    if text.is_empty() {
        return Ok(SearchResults {
            hits: Vec::new(),
            total: 0,
        });
    }
    let index = state_of(app)?.index.clone();
    let audiences = viewer.audiences();
    // Meaning needs the model on this node and vectors in the index; otherwise words alone.
    let embedder = app
        .embedder()
        .filter(|_| ranking == semantic::Ranking::Best && index.things_with_vectors() > 0)
        .cloned();
    blocking(move || {
        let tuning = embedder.as_ref().map(|e| (e.meaning, e.min_similarity));
        let vector = embedder.map(|e| e.query_vector(&text));
        let tags: Vec<&str> = scope.tags.iter().map(String::as_str).collect();
        let mut res = index.search(&SearchQuery {
            text: &text,
            audiences: &audiences,
            entities: scope.entities,
            locales: &[],
            tags: &tags,
            one_per_thing_in: Some(locale.as_str()),
            limit: limit.clamp(1, 100),
            offset: 0,
            semantic: vector
                .as_deref()
                .zip(tuning)
                .map(|(v, (meaning, min_similarity))| portico_search::Semantic {
                    vector: v,
                    meaning,
                    min_similarity,
                }),
        })?;
        for h in &mut res.hits {
            h.url = safe_url(std::mem::take(&mut h.url));
        }
        // Two kinds may lead to one page (a home task and the request type it opens): list it once.
        let mut seen = std::collections::HashSet::new();
        let before = res.hits.len();
        res.hits.retain(|h| seen.insert(h.url.clone()));
        res.total = res.total.saturating_sub(before - res.hits.len());
        Ok(res)
    })
    .await
}

/// A hit's link as stored, if it is a path within the portal or an http(s) address; anything else (a
/// `javascript:` URL, say) becomes the search page itself rather than reaching a page.
fn safe_url(url: String) -> String {
    let lower = url.to_ascii_lowercase();
    let local = url.starts_with('/') && !url.starts_with("//") && !url.starts_with("/\\");
    if local || lower.starts_with("https://") || lower.starts_with("http://") {
        url
    } else {
        "/search".into()
    }
}

/// The source that indexes `entity`, among this node's sources.
fn source_for(app: &App, entity: &str) -> Option<&'static dyn SearchSource> {
    state_of(app)
        .ok()?
        .sources
        .iter()
        .copied()
        .find(|s| s.entity() == entity)
}

/// The documents of one thing, as they are now in the database (none when it is gone).
async fn load_change(app: &App, entity: &str, entity_id: &str) -> Result<Option<Change>, AppError> {
    match source_for(app, entity) {
        Some(source) => source.load(app, entity_id).await,
        None => {
            // Written by a newer version, or a kind whose feature was removed: nothing to index, and
            // no reason to hold up the entries after it.
            tracing::warn!(
                entity,
                entity_id,
                "search outbox entry of unknown kind skipped"
            );
            Ok(None)
        }
    }
}

/// Every document of every source, for a rebuild.
/// Sends every source's documents to `out`, in batches; how many.
async fn all_docs(app: &App, out: &source::DocSink) -> Result<usize, AppError> {
    let mut sent = 0;
    for source in state_of(app)?.sources {
        sent += source.all(app, out).await?;
    }
    Ok(sent)
}

async fn generation(conn: &impl ConnectionTrait) -> Result<i64, AppError> {
    Ok(settings::get_setting(conn, GENERATION_KEY)
        .await?
        .and_then(|v| v.as_i64())
        .unwrap_or(0))
}

/// Asks every node to rebuild its index from the database (each follower notices within [`POLL`]).
pub async fn request_reindex(app: &App) -> Result<i64, AppError> {
    let tx = app.begin().await?;
    let next = generation(tx.conn()).await? + 1;
    settings::put_setting(
        tx.conn(),
        GENERATION_KEY,
        &serde_json::json!(next),
        tx.now(),
    )
    .await?;
    tx.commit().await?;
    if let Some(s) = app.search_state() {
        s.wake();
    }
    Ok(next)
}

/// What one follower step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Step {
    pub rebuilt: bool,
    /// The settled position now recorded in the index.
    pub settled: i64,
    /// More entries are waiting.
    pub more: bool,
}

/// Rebuilds this node's index from the database; the caller holds the follower lock (`pending`).
async fn rebuild_locked(
    app: &App,
    s: &SearchState,
    pending: &mut BTreeSet<i64>,
) -> Result<Step, AppError> {
    app.content_changed();
    let generation = generation(app.db().conn()).await?;
    let now = app.now();
    let conn = app.db().conn();
    // Taken before reading the documents: entries after it are re-applied by the follower, so a change
    // committed during the rebuild is not lost.
    let settled = match outbox::settle_cutoff(conn, s.settle_ms()).await? {
        None => outbox::max_outbox_id(conn).await?,
        Some(cutoff) => outbox::max_outbox_id_before(conn, cutoff).await?,
    };
    let index = s.index.clone();
    let state = FollowState::new(settled, generation, now.0);
    // The index takes documents while they are read, a few batches ahead at most; a failed read ends
    // the stream with an error, and the rebuild changes nothing.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<SearchDoc>>(2);
    let (fail_tx, fail_rx) = std::sync::mpsc::channel::<String>();
    let build = tokio::task::spawn_blocking(move || {
        let mut failed = Some(fail_rx);
        let docs = std::iter::from_fn(move || match rx.blocking_recv() {
            Some(batch) => Some(batch.into_iter().map(Ok).collect::<Vec<_>>()),
            None => failed
                .take()
                .and_then(|f| f.try_recv().ok())
                .map(|e| vec![Err(e)]),
        })
        .flatten();
        index.rebuild_from(docs, state)
    });
    let fed = all_docs(app, &tx).await;
    if let Err(e) = &fed {
        let _ = fail_tx.send(e.to_string());
    }
    drop(tx);
    build
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("search task failed: {e}")))?
        .map_err(|e| AppError::Internal(e.into()))?;
    let count = fed?;
    pending.clear();
    tracing::info!(documents = count, settled, "search index rebuilt");
    Ok(Step {
        rebuilt: true,
        settled,
        more: true,
    })
}

/// One follower step: rebuild when needed, else apply the next batch of outbox entries.
pub async fn follow_step(app: &App) -> Result<Step, AppError> {
    let s = state_of(app)?;
    let mut pending = s.pending.lock().await;
    let index = s.index.clone();
    let current = blocking(move || index.follow_state()).await?;
    let generation = generation(app.db().conn()).await?;
    let now = app.now();
    let conn = app.db().conn();
    let Some(st) = current.filter(|st| st.generation == generation) else {
        return rebuild_locked(app, s, &mut pending).await;
    };
    if !s.caught_up() {
        // At start only: an index that has been idle for long may need entries the clean-up removed,
        // and one that settled past the database's last id was built from another database.
        let too_old = now.0 - st.at > MAX_RESUME_AGE_DAYS * 86_400_000;
        if too_old || st.outbox_id > outbox::last_issued_id(conn).await? {
            return rebuild_locked(app, s, &mut pending).await;
        }
    }

    pending.retain(|id| *id > st.outbox_id);
    let mut entries = outbox::list_outbox_after(conn, st.outbox_id, BATCH).await?;
    let mut more = entries.len() == BATCH as usize;
    // A full window of entries this process applied already but that have not settled yet: read on
    // past them, or newer entries would wait for the window to settle.
    if more
        && let (Some(&last_pending), Some(last_read)) = (pending.last(), entries.last())
        && last_pending >= last_read.id
    {
        let newer = outbox::list_outbox_after(conn, last_pending, BATCH).await?;
        more = newer.len() == BATCH as usize;
        entries.extend(newer);
    }
    let cutoff = outbox::settle_cutoff(conn, s.settle_ms()).await?;
    let fresh: Vec<&OutboxEntry> = entries
        .iter()
        .filter(|e| !pending.contains(&e.id))
        .collect();
    // The settled position moves over the leading run of entries that can no longer have an
    // uncommitted neighbour with a lower id (all of them on SQLite).
    let mut settled = st.outbox_id;
    for e in &entries {
        if cutoff.is_none_or(|c| e.created_at < c) {
            settled = e.id;
        } else {
            break;
        }
    }
    // A quiet index still records that it is current once a day, so a restart does not rebuild it.
    let refresh = now.0 - st.at > 86_400_000;
    if fresh.is_empty() && settled == st.outbox_id && !refresh {
        // Nothing to do: report no more work, so callers wait instead of spinning.
        return Ok(Step {
            rebuilt: false,
            settled,
            more: false,
        });
    }
    let mut seen = BTreeSet::new();
    let mut changes = Vec::new();
    for e in &fresh {
        // Each thing is loaded once per batch, however many entries name it.
        if seen.insert((e.entity.as_str(), e.entity_id.as_str()))
            && let Some(c) = load_change(app, &e.entity, &e.entity_id).await?
        {
            changes.push(c);
        }
    }
    let state = FollowState::new(settled, generation, now.0);
    let index = s.index.clone();
    blocking(move || index.apply(changes, state)).await?;
    if !fresh.is_empty() {
        // Another node's change (or this node's, seen again): cached content is stale.
        app.content_changed();
    }
    pending.extend(fresh.iter().map(|e| e.id));
    pending.retain(|id| *id > settled);
    Ok(Step {
        rebuilt: false,
        settled,
        more,
    })
}

/// Keeps this node's index in step with the database until `stop`. Marks the node caught up once it
/// has read to the end of the outbox.
pub async fn run_follower(app: App, stop: CancellationToken) {
    let Some(s) = app.search_state() else {
        return;
    };
    let mut failures = 0u32;
    loop {
        let wait = match follow_step(&app).await {
            Ok(step) => {
                failures = 0;
                metrics::gauge!("portico_search_settled_outbox_id").set(step.settled as f64);
                metrics::gauge!("portico_search_documents").set(s.index.num_docs() as f64);
                if step.rebuilt {
                    metrics::counter!("portico_search_rebuilds_total").increment(1);
                }
                if step.more {
                    Duration::ZERO
                } else {
                    if !s.caught_up.swap(true, Ordering::AcqRel) {
                        tracing::info!(settled = step.settled, "search index caught up");
                    }
                    POLL
                }
            }
            Err(e) => {
                failures = failures.saturating_add(1);
                metrics::counter!("portico_search_follow_errors_total").increment(1);
                let backoff = Duration::from_millis(500u64.saturating_mul(1 << failures.min(6)));
                tracing::warn!(error = %e, retry_in_ms = backoff.as_millis() as u64, "search index update failed");
                backoff
            }
        };
        if wait.is_zero() {
            if stop.is_cancelled() {
                break;
            }
            continue;
        }
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = s.wakeup.notified() => {}
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

/// Applies everything committed so far, rebuilding first when asked to (start-up, `portico reindex` and
/// tests use it to wait for the index).
pub async fn catch_up(app: &App) -> Result<(), AppError> {
    loop {
        if !follow_step(app).await?.more {
            return Ok(());
        }
    }
}

/// Loads the Chinese dictionary (about 40 ms and 10 MiB) on a blocking thread at start, so no visitor's
/// query waits for it. (Readiness waits for it only when start-up has Chinese content to index.)
pub async fn warm() {
    let _ = tokio::task::spawn_blocking(portico_search::analyzer::warm).await;
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_local_and_web_links_are_kept() {
        for ok in [
            "/kb/1",
            "/search?q=a",
            "https://example.com/x",
            "HTTP://example.com",
        ] {
            assert_eq!(super::safe_url(ok.into()), ok);
        }
        for bad in [
            "javascript:alert(1)",
            "//evil.example",
            "/\\evil.example",
            "data:text/html,x",
            "",
        ] {
            assert_eq!(super::safe_url(bad.into()), "/search", "{bad}");
        }
    }
}
