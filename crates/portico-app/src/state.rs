//! The application state every use case receives: the database, the clock, settings, and the wake-up
//! signal for job workers in this process.

use std::sync::Arc;

use portico_core::Clock;
use portico_storage::Db;
use tokio::sync::Notify;

/// Settings the use cases need (the binary builds them from the validated configuration).
#[derive(Debug, Clone, Default)]
pub struct AppSettings {
    /// The server was started with demo content.
    pub demo: bool,
    /// The public base URL, e.g. `https://help.example.com` (used in mails and links).
    pub base_url: Option<String>,
    /// How failed sign-ins slow down and lock an address.
    pub sign_in: crate::identity::SignInPolicy,
    /// How requests behave (the reopening window).
    pub requests: crate::requests::RequestPolicy,
    /// Where uploaded files' bytes are kept.
    pub files: crate::files::FileStore,
}

#[derive(Clone, Debug)]
pub struct App {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    db: Db,
    clock: Arc<dyn Clock>,
    settings: AppSettings,
    job_wakeup: Notify,
    portal_cache: crate::portal::SettingsCache,
    /// The most read articles, recounted every few minutes.
    popular_cache: crate::kb::PopularCache,
    /// Articles as their pages need them, until content changes.
    article_cache: crate::kb::ArticleCache,
    /// Bumped whenever searchable content changes (here, or on another node as the outbox shows):
    /// caches of content keep what they read together with the generation it was read at.
    content_generation: std::sync::atomic::AtomicU64,
    search: Option<crate::search::SearchState>,
    /// Events waiting to be written to the event log.
    events: crate::analytics::EventQueue,
    /// The language model for ranking by meaning, once loaded (never on nodes without it).
    embedder: std::sync::OnceLock<Arc<crate::search::semantic::Embedder>>,
    /// Why the language model could not be loaded or fetched, when it could not.
    model_problem: std::sync::OnceLock<String>,
    /// Requests that changed (id, internal only), for pages that follow them live.
    request_changes: tokio::sync::broadcast::Sender<(i64, bool)>,
    /// The way to this node's submission writer.
    submit_queue: crate::requests::SubmitQueue,
    /// The catalogue as this node last read it.
    type_cache: crate::requests::catalog::TypeCache,
}

/// A handle that does not keep the application alive (for tasks the application starts itself).
#[derive(Clone, Debug)]
pub(crate) struct WeakApp(std::sync::Weak<Inner>);

impl WeakApp {
    /// The application, unless every other handle to it is gone.
    pub(crate) fn upgrade(&self) -> Option<App> {
        self.0.upgrade().map(|inner| App { inner })
    }
}

impl App {
    /// An application without a search index (command-line tools that do not search).
    pub fn new(db: Db, clock: Arc<dyn Clock>, settings: AppSettings) -> Self {
        Self::build(db, clock, settings, None)
    }

    /// An application whose searches use `index`, filled from `sources` (the product's are
    /// `crate::features::SEARCH_SOURCES`); run [`crate::search::run_follower`] to keep it current.
    pub fn with_search(
        db: Db,
        clock: Arc<dyn Clock>,
        settings: AppSettings,
        index: Arc<portico_search::SearchIndex>,
        sources: &'static [&'static dyn crate::search::source::SearchSource],
    ) -> Self {
        Self::build(
            db,
            clock,
            settings,
            Some(crate::search::SearchState::new(index, sources)),
        )
    }

    fn build(
        db: Db,
        clock: Arc<dyn Clock>,
        settings: AppSettings,
        search: Option<crate::search::SearchState>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                db,
                clock,
                settings,
                job_wakeup: Notify::new(),
                portal_cache: Default::default(),
                popular_cache: Default::default(),
                article_cache: Default::default(),
                content_generation: std::sync::atomic::AtomicU64::new(0),
                search,
                embedder: std::sync::OnceLock::new(),
                model_problem: std::sync::OnceLock::new(),
                request_changes: tokio::sync::broadcast::channel(1024).0,
                events: Default::default(),
                submit_queue: Default::default(),
                type_cache: Default::default(),
            }),
        }
    }

    /// This node's search index and follower state, if it has one.
    pub fn search_state(&self) -> Option<&crate::search::SearchState> {
        self.inner.search.as_ref()
    }

    pub(crate) fn downgrade(&self) -> WeakApp {
        WeakApp(Arc::downgrade(&self.inner))
    }

    pub(crate) fn type_cache(&self) -> &crate::requests::catalog::TypeCache {
        &self.inner.type_cache
    }

    pub(crate) fn submit_queue(&self) -> &crate::requests::SubmitQueue {
        &self.inner.submit_queue
    }

    /// This node's queue of visitor events.
    pub fn events(&self) -> &crate::analytics::EventQueue {
        &self.inner.events
    }

    /// The language model, when this node has loaded one.
    pub fn embedder(&self) -> Option<&Arc<crate::search::semantic::Embedder>> {
        self.inner.embedder.get()
    }

    /// Gives this node its language model (once; a second call is ignored). Searches rank by meaning
    /// from now on, and this node's workers may embed articles.
    pub fn install_embedder(&self, embedder: Arc<crate::search::semantic::Embedder>) {
        let _ = self.inner.embedder.set(embedder);
    }

    /// Records why the language model is not in use though it was meant to be (shown on `/readyz` and
    /// in the admin area). The first reason stays.
    pub fn note_model_problem(&self, why: String) {
        let _ = self.inner.model_problem.set(why);
    }

    /// Tells this node's open request pages that request `id` changed.
    pub fn announce_request(&self, id: i64, internal: bool) {
        // Nobody listening is fine.
        let _ = self.inner.request_changes.send((id, internal));
    }

    /// Request changes as this node learns of them (its own, and on PostgreSQL every node's).
    pub fn request_changes(&self) -> tokio::sync::broadcast::Receiver<(i64, bool)> {
        self.inner.request_changes.subscribe()
    }

    /// See [`App::note_model_problem`].
    pub fn model_problem(&self) -> Option<&str> {
        self.inner.model_problem.get().map(String::as_str)
    }

    /// The database; only use cases touch it (the edges call use cases).
    pub(crate) fn db(&self) -> &Db {
        &self.inner.db
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.inner.clock
    }

    pub fn now(&self) -> portico_core::Timestamp {
        self.inner.clock.now()
    }

    pub fn settings(&self) -> &AppSettings {
        &self.inner.settings
    }

    /// Wakes this process's job workers (after committing a transaction that enqueued jobs).
    pub fn wake_workers(&self) {
        self.inner.job_wakeup.notify_waiters();
    }

    pub(crate) fn portal_cache(&self) -> &crate::portal::SettingsCache {
        &self.inner.portal_cache
    }

    pub(crate) fn popular_cache(&self) -> &crate::kb::PopularCache {
        &self.inner.popular_cache
    }

    pub(crate) fn article_cache(&self) -> &crate::kb::ArticleCache {
        &self.inner.article_cache
    }

    /// Content changed: what caches hold from before is stale.
    pub fn content_changed(&self) {
        self.inner
            .content_generation
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }

    /// The current content generation (see [`App::content_changed`]).
    pub fn content_generation(&self) -> u64 {
        self.inner
            .content_generation
            .load(std::sync::atomic::Ordering::Acquire)
    }

    pub(crate) fn job_wakeup(&self) -> &Notify {
        &self.inner.job_wakeup
    }
}
