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
    search: Option<crate::search::SearchState>,
    /// Events waiting to be written to the event log.
    events: crate::analytics::EventQueue,
    /// The language model for ranking by meaning, once loaded (never on nodes without it).
    embedder: std::sync::OnceLock<Arc<crate::search::semantic::Embedder>>,
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
                search,
                embedder: std::sync::OnceLock::new(),
                events: Default::default(),
            }),
        }
    }

    /// This node's search index and follower state, if it has one.
    pub fn search_state(&self) -> Option<&crate::search::SearchState> {
        self.inner.search.as_ref()
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

    pub(crate) fn job_wakeup(&self) -> &Notify {
        &self.inner.job_wakeup
    }
}
