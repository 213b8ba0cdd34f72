//! One node's search index: documents of every searchable kind, written in batches that commit together
//! with the follow state (the last applied outbox id), so a node that restarts resumes exactly there.
//!
//! Every call here blocks (tantivy does file I/O and merges on its own threads); async callers run them
//! in `spawn_blocking`.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Mutex, RwLock};

use serde::{Deserialize, Serialize};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term, doc};

use crate::analyzer::{self, ANALYZER};
pub use crate::audience::Audience;
use crate::audience::audience_from;
use crate::dense::{self, DENSE_CANDIDATES, DenseTable, Semantic};
use crate::error::{Result, SearchError};

/// Bumped whenever the schema or the analyser changes; an index of another version is rebuilt.
pub const SCHEMA_VERSION: u32 = 3;

/// Decompressed doc-store blocks each segment's reader keeps.
const DOC_STORE_CACHE_BLOCKS: usize = 8;

/// Memory the writer may buffer before it flushes a segment.
const WRITER_MEMORY: usize = 32 * 1024 * 1024;

/// Longest snippet shown under a hit, in bytes (tantivy measures fragments in bytes: about 180 Latin
/// letters or 60 Chinese characters).
const SNIPPET_BYTES: usize = 180;

/// How much of a body the excerpt under a hit is chosen from, in bytes: a window around the first
/// place a query word appears as written (analysing a whole long article for every hit would cost more
/// than the search itself).
const SNIPPET_WINDOW_BYTES: usize = 1_536;

/// Longest title highlighted, in bytes (titles are short; a longer one is shown without highlights).
const MAX_TITLE_BYTES: usize = 1_000;

/// Most hits one query returns, and the deepest it pages.
pub const MAX_LIMIT: usize = 200;
const MAX_OFFSET: usize = 10_000;

/// Documents read per thing wanted when grouping by thing (a thing has a few language versions).
const READ_PER_THING: usize = 3;

/// Most documents one grouped query reads.
const MAX_READ: usize = 2_000;

/// Things the words rank for fusion with the meaning ranking (beyond this, a rank adds little).
const FUSED_LEXICAL: usize = 50;

/// The common length of a document's vectors; `None` when it has none, or they differ in length or
/// are empty (then it is indexed without them).
fn vector_dim(d: &SearchDoc) -> Option<usize> {
    let dim = d.vectors.first()?.len();
    (dim > 0 && d.vectors.iter().all(|v| v.len() == dim)).then_some(dim)
}

/// The vector length stored with a document (0 when none).
fn text_dim(d: &TantivyDocument, f: Fields) -> usize {
    d.get_first(f.dim)
        .and_then(|v| v.as_u64())
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(0)
}

/// One searchable document: one language version of one thing (an article, a request type, a task).
#[derive(Debug, Clone, PartialEq)]
pub struct SearchDoc {
    /// The kind of thing, e.g. `task`, `kb_article`.
    pub entity: String,
    /// Its id within the kind.
    pub entity_id: String,
    /// Language tag of this version (`en`, `zh-CN`).
    pub locale: String,
    pub audience: Audience,
    pub title: String,
    pub body: String,
    /// Where a hit leads (a path within the portal).
    pub url: String,
    /// Unit-length sentence vectors of this version (say, of its title and of its body), all of one
    /// dimension; empty when the thing has none yet. A query with a vector ranks by the closest.
    pub vectors: Vec<Vec<f32>>,
    /// Labels a query can require, such as the article's category (`category:refunds`).
    pub tags: Vec<String>,
}

/// A change to apply.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Replaces every version of `entity`/`entity_id` with these documents (none: it is removed).
    Replace {
        entity: String,
        entity_id: String,
        docs: Vec<SearchDoc>,
    },
    /// Replaces every document of a kind (for small kinds kept as one setting, like home tasks).
    ReplaceKind {
        entity: String,
        docs: Vec<SearchDoc>,
    },
}

/// What the index has applied, stored with each commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowState {
    /// Schema version the index was built with.
    pub version: u32,
    /// Every outbox entry with an id up to this one is in the index.
    pub outbox_id: i64,
    /// The rebuild generation this index was built for (a `portico reindex` bumps it).
    pub generation: i64,
    /// When this state was committed (ms since the epoch).
    pub at: i64,
}

impl FollowState {
    /// The state of an index of this schema version.
    pub fn new(outbox_id: i64, generation: i64, at: i64) -> Self {
        Self {
            version: SCHEMA_VERSION,
            outbox_id,
            generation,
            at,
        }
    }
}

/// A search request.
#[derive(Debug, Clone)]
pub struct SearchQuery<'a> {
    pub text: &'a str,
    /// Audiences the viewer belongs to; documents of other audiences are never returned.
    pub audiences: &'a [Audience],
    /// Only these kinds (empty: every kind).
    pub entities: &'a [&'a str],
    /// Only these languages (empty: every language).
    pub locales: &'a [&'a str],
    /// Only documents carrying every one of these tags (empty: no condition).
    pub tags: &'a [&'a str],
    /// One hit per thing (entity and id), shown in this language when the thing has a version in it,
    /// whichever version the words matched. `None`: every matching document.
    pub one_per_thing_in: Option<&'a str>,
    pub limit: usize,
    pub offset: usize,
    /// Rank by meaning too (with `one_per_thing_in` only): things near the query's vector join those
    /// the words found, and the two rankings are fused.
    pub semantic: Option<Semantic<'a>>,
}

/// One hit, best first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub entity: String,
    pub entity_id: String,
    pub locale: String,
    pub title: String,
    /// Byte ranges of `title` that matched, for highlighting.
    pub title_highlights: Vec<(usize, usize)>,
    pub url: String,
    /// Plain-text excerpt of the body around the matched words.
    pub snippet: String,
    /// Byte ranges of `snippet` that matched, for highlighting.
    pub highlights: Vec<(usize, usize)>,
    pub score: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResults {
    pub hits: Vec<Hit>,
    /// Every match, not just this page: documents, or things with `one_per_thing_in` (exact while the
    /// matching documents fit in one read, estimated from their proportion beyond).
    pub total: usize,
}

#[derive(Debug, Clone, Copy)]
struct Fields {
    reference: Field,
    entity: Field,
    entity_id: Field,
    locale: Field,
    audience: Field,
    title: Field,
    body: Field,
    url: Field,
    vectors: Field,
    /// Length of each vector in `vectors`.
    dim: Field,
    tag: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_stored().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let fields = Fields {
        reference: b.add_text_field("ref", STRING),
        entity: b.add_text_field("entity", STRING | STORED),
        entity_id: b.add_text_field("entity_id", STRING | STORED),
        locale: b.add_text_field("locale", STRING | STORED),
        audience: b.add_text_field("audience", STRING | STORED),
        title: b.add_text_field("title", text.clone()),
        body: b.add_text_field("body", text),
        url: b.add_text_field("url", STORED),
        vectors: b.add_bytes_field("vectors", STORED),
        dim: b.add_u64_field("dim", STORED),
        tag: b.add_text_field("tag", STRING | STORED),
    };
    (b.build(), fields)
}

/// A filter: documents whose `field` is one of `values` (none: no document), adding nothing to the
/// score. A few terms as a boolean query; tantivy's `TermSetQuery` builds an FST per query, which cost
/// a quarter of a small portal's search time.
fn any_of<V: AsRef<str>>(field: Field, values: impl Iterator<Item = V>) -> Box<dyn Query> {
    let terms: Vec<(Occur, Box<dyn Query>)> = values
        .map(|v| {
            (
                Occur::Should,
                Box::new(TermQuery::new(
                    Term::from_field_text(field, v.as_ref()),
                    IndexRecordOption::Basic,
                )) as Box<dyn Query>,
            )
        })
        .collect();
    Box::new(ConstScoreQuery::new(
        Box::new(BooleanQuery::new(terms)),
        0.0,
    ))
}

/// Highlight ranges that fall inside `text` on character boundaries, in order, without overlaps.
fn clean_ranges(text: &str, ranges: &[std::ops::Range<usize>]) -> Vec<(usize, usize)> {
    let ok: Vec<std::ops::Range<usize>> = ranges
        .iter()
        .filter(|r| r.start < r.end && text.get(r.start..r.end).is_some())
        .cloned()
        .collect();
    tantivy::snippet::collapse_overlapped_ranges(&ok)
        .into_iter()
        .map(|r| (r.start, r.end))
        .collect()
}

/// The first `max` bytes of `text`, cut at a character boundary.
fn start_of(text: &str, max: usize) -> String {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

/// The part of `body` the excerpt is chosen from: `SNIPPET_WINDOW_BYTES` starting a little before the
/// first place one of `words` (analysed forms, so a stem like "configur" still matches "configure")
/// appears, ignoring case; the start of the body when none does. Returns the window's byte offset.
fn snippet_window<'b>(body: &'b str, words: &BTreeSet<&str>) -> (usize, &'b str) {
    if body.len() <= SNIPPET_WINDOW_BYTES {
        return (0, body);
    }
    let lower = body.to_lowercase();
    // Lower-casing can change byte lengths (rarely); positions are only trusted when it did not.
    let first = if lower.len() == body.len() {
        words
            .iter()
            .filter(|w| !w.is_empty())
            .filter_map(|w| lower.find(*w))
            .min()
    } else {
        None
    };
    let Some(at) = first else {
        return (0, &body[..floor_boundary(body, SNIPPET_WINDOW_BYTES)]);
    };
    let start = floor_boundary(body, at.saturating_sub(SNIPPET_BYTES / 2));
    let end = floor_boundary(body, (start + SNIPPET_WINDOW_BYTES).min(body.len()));
    (start, &body[start..end])
}

/// The largest character boundary of `s` at or below `i`.
fn floor_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn reference(entity: &str, entity_id: &str) -> String {
    format!("{entity}\u{1f}{entity_id}")
}

/// Maps an I/O error on `path` to [`SearchError::Io`].
fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> SearchError {
    let path = path.display().to_string();
    move |source| SearchError::Io { path, source }
}

/// Name of the lock file that keeps a second process out of an index directory.
const LOCK_FILE: &str = ".portico-index.lock";

/// A node's index.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    /// The documents' vectors, kept in step with each commit.
    dense: RwLock<DenseTable>,
    /// Held for the life of the index (None in memory); declared last so it is released only after the
    /// writer has shut down.
    _lock: Option<std::fs::File>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex").finish_non_exhaustive()
    }
}

/// The fragment `range` of `body`, carried on over the punctuation that closes it (tantivy's fragments
/// end with the last word, so "…for a cancelled order." would lose its full stop, and "…申请退款。" its
/// 。). At most three characters are added: full stops, question and exclamation marks, closing brackets
/// and quotes; never a comma, which would make a cut look like a whole sentence.
fn with_closing_punctuation(body: &str, range: std::ops::Range<usize>) -> String {
    let Some(fragment) = body.get(range.clone()) else {
        return String::new();
    };
    let closing: usize = body[range.end..]
        .chars()
        .take(3)
        .take_while(|c| {
            matches!(
                c,
                '.' | '!'
                    | '?'
                    | ')'
                    | ']'
                    | '"'
                    | '\''
                    | '…'
                    | '。'
                    | '！'
                    | '？'
                    | '）'
                    | '」'
                    | '』'
                    | '”'
                    | '’'
                    | '》'
            )
        })
        .map(char::len_utf8)
        .sum();
    let mut out = String::with_capacity(fragment.len() + closing);
    out.push_str(fragment);
    out.push_str(&body[range.end..range.end + closing]);
    out
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it when absent. An index written by another schema version,
    /// or one that cannot be read, is discarded and recreated empty: it is rebuilt from the database.
    /// Fails when another process holds the index (a second server on the same data directory).
    pub fn open(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(io_error(dir))?;
        // Taken before anything is read or wiped, so a second process never touches a live index.
        let lock_path = dir.join(LOCK_FILE);
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io_error(&lock_path))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Err(SearchError::Locked),
            Err(std::fs::TryLockError::Error(e)) => return Err(io_error(&lock_path)(e)),
        }
        let (schema, fields) = schema();
        let index = match Index::open_in_dir(dir) {
            Ok(index) if index.schema() == schema => index,
            found => {
                // None yet, another schema version, or unreadable: start empty; the follower rebuilds
                // it from the database.
                if let Err(e) = &found {
                    tracing::info!(dir = %dir.display(), error = %e, "creating the search index");
                } else {
                    tracing::info!(dir = %dir.display(), "search index schema changed; recreating it");
                }
                Self::wipe(dir)?;
                Index::create_in_dir(dir, schema)?
            }
        };
        Self::with_index(index, fields, Some(lock))
    }

    /// An index that lives in memory only (tests and benchmarks).
    pub fn in_memory() -> Result<Self> {
        let (schema, fields) = schema();
        Self::with_index(Index::create_in_ram(schema), fields, None)
    }

    fn wipe(dir: &Path) -> Result<()> {
        for entry in std::fs::read_dir(dir).map_err(io_error(dir))?.flatten() {
            if entry.file_name() == LOCK_FILE {
                continue;
            }
            let p = entry.path();
            if p.is_dir() {
                std::fs::remove_dir_all(&p)
            } else {
                std::fs::remove_file(&p)
            }
            .map_err(io_error(&p))?;
        }
        Ok(())
    }

    fn with_index(index: Index, fields: Fields, lock: Option<std::fs::File>) -> Result<Self> {
        index.tokenizers().register(ANALYZER, analyzer::analyzer());
        let writer = index
            .writer_with_num_threads(1, WRITER_MEMORY)
            .map_err(|e| match e {
                tantivy::TantivyError::LockFailure(..) => SearchError::Locked,
                e => e.into(),
            })?;
        // A few decompressed blocks per segment: tantivy's default of 100 held hundreds of MB of a
        // large help centre's text in memory once it had been searched for a while.
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .doc_store_cache_num_blocks(DOC_STORE_CACHE_BLOCKS)
            .try_into()?;
        let this = Self {
            index,
            reader,
            writer: Mutex::new(writer),
            fields,
            dense: RwLock::new(DenseTable::default()),
            _lock: lock,
        };
        this.load_vectors()?;
        Ok(this)
    }

    /// Fills the vector table from the documents stored in the index (a resumed index).
    fn load_vectors(&self) -> Result<()> {
        let f = self.fields;
        let searcher = self.reader.searcher();
        let mut table = DenseTable::default();
        for segment in searcher.segment_readers() {
            let store = segment
                .get_store_reader(1)
                .map_err(tantivy::TantivyError::from)?;
            for d in store.iter::<TantivyDocument>(segment.alive_bitset()) {
                let d = d?;
                let Some(floats) = d
                    .get_first(f.vectors)
                    .and_then(|v| v.as_bytes())
                    .filter(|b| !b.is_empty())
                    .and_then(dense::from_bytes)
                else {
                    continue;
                };
                let text = |field: Field| {
                    d.get_first(field)
                        .and_then(|v| v.as_str())
                        .unwrap_or_default()
                        .to_string()
                };
                let (entity, id) = (text(f.entity), text(f.entity_id));
                let dim = text_dim(&d, f);
                let tags = d
                    .get_all(f.tag)
                    .filter_map(|v| v.as_str())
                    .map(str::to_string)
                    .collect();
                table.add(
                    &reference(&entity, &id),
                    &entity,
                    dense::Version {
                        locale: text(f.locale),
                        audience: audience_from(&text(f.audience)),
                        tags,
                        vectors: floats,
                    },
                    dim,
                );
            }
        }
        *self.dense_write() = table;
        Ok(())
    }

    fn dense_write(&self) -> std::sync::RwLockWriteGuard<'_, DenseTable> {
        self.dense.write().unwrap_or_else(|p| p.into_inner())
    }

    fn dense_read(&self) -> std::sync::RwLockReadGuard<'_, DenseTable> {
        self.dense.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Number of things that have vectors (they can be found by meaning).
    pub fn things_with_vectors(&self) -> usize {
        self.dense_read().len()
    }

    /// What the last commit applied; `None` for an index that was never committed.
    pub fn follow_state(&self) -> Result<Option<FollowState>> {
        let metas = self.index.load_metas()?;
        Ok(metas
            .payload
            .as_deref()
            .and_then(|p| serde_json::from_str::<FollowState>(p).ok())
            .filter(|s| s.version == SCHEMA_VERSION))
    }

    /// Number of documents searchable now.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    fn to_doc(&self, d: &SearchDoc) -> TantivyDocument {
        let f = self.fields;
        let mut doc = doc!(
            f.reference => reference(&d.entity, &d.entity_id),
            f.entity => d.entity.as_str(),
            f.entity_id => d.entity_id.as_str(),
            f.locale => d.locale.as_str(),
            f.audience => d.audience.key().as_ref(),
            f.title => d.title.as_str(),
            f.body => d.body.as_str(),
            f.url => d.url.as_str(),
        );
        // Staff see every organisation's documents: they carry the staff audience as a second term
        // (the first is the one read back).
        if matches!(d.audience, Audience::Organization(_)) {
            doc.add_text(f.audience, Audience::Staff.key().as_ref());
        }
        for tag in &d.tags {
            doc.add_text(f.tag, tag);
        }
        if let Some(dim) = vector_dim(d) {
            doc.add_bytes(f.vectors, &dense::to_bytes(&d.vectors));
            doc.add_u64(f.dim, dim as u64);
        }
        doc
    }

    fn writer(&self) -> std::sync::MutexGuard<'_, IndexWriter> {
        // A panic while writing leaves uncommitted work behind; rolling it back makes the writer usable
        // again (the follower re-reads the same entries).
        self.writer.lock().unwrap_or_else(|poisoned| {
            let mut w = poisoned.into_inner();
            if let Err(e) = w.rollback() {
                tracing::error!(error = %e, "search index writer could not roll back after a panic");
            }
            w
        })
    }

    fn commit(&self, w: &mut IndexWriter, state: FollowState) -> Result<()> {
        let payload =
            serde_json::to_string(&state).map_err(|e| SearchError::Payload(e.to_string()))?;
        let mut prepared = w.prepare_commit()?;
        prepared.set_payload(&payload);
        prepared.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    /// Applies `changes` and records `state`, all in one commit. On error nothing is applied.
    pub fn apply(&self, changes: Vec<Change>, state: FollowState) -> Result<()> {
        let mut w = self.writer();
        let res = self.apply_locked(&mut w, changes, state);
        Self::rollback_on_error(&mut w, res)
    }

    fn apply_locked(
        &self,
        w: &mut IndexWriter,
        changes: Vec<Change>,
        state: FollowState,
    ) -> Result<()> {
        for c in &changes {
            let (term, docs) = match c {
                Change::Replace {
                    entity,
                    entity_id,
                    docs,
                } => (
                    Term::from_field_text(self.fields.reference, &reference(entity, entity_id)),
                    docs,
                ),
                Change::ReplaceKind { entity, docs } => {
                    (Term::from_field_text(self.fields.entity, entity), docs)
                }
            };
            w.delete_term(term);
            for d in docs {
                w.add_document(self.to_doc(d))?;
            }
        }
        self.commit(w, state)?;
        // Searches see the new documents from the commit on; their vectors follow at once.
        let mut table = self.dense_write();
        for c in changes {
            let docs = match c {
                Change::Replace {
                    entity,
                    entity_id,
                    docs,
                } => {
                    table.remove(&reference(&entity, &entity_id));
                    docs
                }
                Change::ReplaceKind { entity, docs } => {
                    table.remove_kind(&entity);
                    docs
                }
            };
            for d in docs {
                Self::add_vectors(&mut table, d);
            }
        }
        Ok(())
    }

    fn add_vectors(table: &mut DenseTable, d: SearchDoc) {
        if let Some(dim) = vector_dim(&d) {
            let flat: Vec<f32> = d.vectors.into_iter().flatten().collect();
            table.add(
                &reference(&d.entity, &d.entity_id),
                &d.entity,
                dense::Version {
                    locale: d.locale,
                    audience: d.audience,
                    tags: d.tags,
                    vectors: flat,
                },
                dim,
            );
        }
    }

    fn rollback_on_error(w: &mut IndexWriter, res: Result<()>) -> Result<()> {
        if res.is_err()
            && let Err(e) = w.rollback()
        {
            tracing::error!(error = %e, "search index writer could not roll back");
        }
        res
    }

    /// Replaces the whole content with `docs` and records `state`, in one commit: searches see the old
    /// content until the new one is complete. On error nothing changes.
    pub fn rebuild(
        &self,
        docs: impl IntoIterator<Item = SearchDoc>,
        state: FollowState,
    ) -> Result<()> {
        self.rebuild_from(docs.into_iter().map(Ok), state)
    }

    /// [`SearchIndex::rebuild`] from documents that arrive as they are read (so a large rebuild never
    /// holds them all at once); an `Err` item abandons the rebuild and changes nothing.
    pub fn rebuild_from(
        &self,
        docs: impl IntoIterator<Item = std::result::Result<SearchDoc, String>>,
        state: FollowState,
    ) -> Result<()> {
        let mut w = self.writer();
        let mut table = DenseTable::default();
        let res = (|| {
            w.delete_all_documents()?;
            for d in docs {
                let d = d.map_err(SearchError::Source)?;
                w.add_document(self.to_doc(&d))?;
                Self::add_vectors(&mut table, d);
            }
            self.commit(&mut w, state)
        })();
        if res.is_ok() {
            *self.dense_write() = table;
        }
        Self::rollback_on_error(&mut w, res)
    }

    /// Records `state` without changing documents (the follower moved past entries of no interest).
    pub fn record(&self, state: FollowState) -> Result<()> {
        self.apply(Vec::new(), state)
    }

    fn hit(
        &self,
        d: &TantivyDocument,
        score: f32,
        snippet: Option<(tantivy::snippet::Snippet, usize)>,
        title: Option<tantivy::snippet::Snippet>,
    ) -> Hit {
        let f = self.fields;
        let text = |field: Field| {
            d.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        // The snippet was chosen from a window of the body starting at byte `at`.
        let (snippet, highlights) = match snippet.filter(|(s, _)| !s.is_empty()) {
            Some((s, at)) => {
                let body = text(f.body);
                let range = s.fragment_range();
                let fragment = with_closing_punctuation(&body, range.start + at..range.end + at);
                let ranges = clean_ranges(&fragment, s.highlighted());
                (fragment, ranges)
            }
            // Matched on the title only (or no query): show the start of the body.
            None => (start_of(&text(f.body), SNIPPET_BYTES), Vec::new()),
        };
        let title_text = text(f.title);
        // Title highlights, moved from the snippet's fragment to the whole title.
        let title_highlights = title
            .filter(|t| !t.is_empty())
            .map(|t| {
                let at = t.fragment_range().start;
                let moved: Vec<std::ops::Range<usize>> = t
                    .highlighted()
                    .iter()
                    .map(|r| r.start + at..r.end + at)
                    .collect();
                clean_ranges(&title_text, &moved)
            })
            .unwrap_or_default();
        Hit {
            entity: text(f.entity),
            entity_id: text(f.entity_id),
            locale: text(f.locale),
            title: title_text,
            title_highlights,
            url: text(f.url),
            snippet,
            highlights,
            score,
        }
    }

    /// Runs a query. A document matches when any word does (people ask in whole questions whose words
    /// rarely all occur); BM25 ranks documents with more and rarer words first, title matches count
    /// three times body matches, and the words found together as a phrase rank above the same words
    /// scattered. On the public FAQ sets this beats plain BM25 (see BENCHMARKS.md).
    pub fn search(&self, q: &SearchQuery<'_>) -> Result<SearchResults> {
        let f = self.fields;
        let mut analyzer = self.index.tokenizer_for_field(f.title)?;
        let mut stream = analyzer.token_stream(q.text);
        let mut tokens: Vec<(usize, String)> = Vec::new();
        while let Some(t) = tantivy::tokenizer::TokenStream::next(&mut stream) {
            tokens.push((t.position, t.text.clone()));
        }
        let limit = q.limit.clamp(1, MAX_LIMIT);
        if tokens.is_empty() {
            return Ok(SearchResults {
                hits: Vec::new(),
                total: 0,
            });
        }
        let distinct: BTreeSet<&str> = tokens.iter().map(|(_, t)| t.as_str()).collect();
        // One searcher for the whole query: the words' frequencies below and the search itself see the
        // same commit.
        let searcher = self.reader.searcher();
        let mut per_word: Vec<Box<dyn Query>> = Vec::new();
        for word in &distinct {
            let title: Box<dyn Query> = Box::new(BoostQuery::new(
                Box::new(TermQuery::new(
                    Term::from_field_text(f.title, word),
                    IndexRecordOption::WithFreqs,
                )),
                3.0,
            ));
            let body: Box<dyn Query> = Box::new(TermQuery::new(
                Term::from_field_text(f.body, word),
                IndexRecordOption::WithFreqs,
            ));
            let mut clauses = vec![(Occur::Should, title), (Occur::Should, body)];
            // Typo tolerance for words in Latin letters ("pasword" finds "password"): one edit for
            // words of 4 to 7 letters, two from 8, scored well below an exact match.
            // Only a word the index does not hold is looked up with edits: walking the dictionary
            // for near words is the dearest part of a query, and a word that exists is spelt right.
            let letters = word.chars().count();
            let known = || -> Result<bool> {
                for field in [f.title, f.body] {
                    if searcher.doc_freq(&Term::from_field_text(field, word))? > 0 {
                        return Ok(true);
                    }
                }
                Ok(false)
            };
            if letters >= 4 && word.chars().all(|c| c.is_ascii_alphabetic()) && !known()? {
                let distance = if letters >= 8 { 2 } else { 1 };
                for (field, boost) in [(f.title, 0.6), (f.body, 0.2)] {
                    clauses.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(
                            Box::new(FuzzyTermQuery::new(
                                Term::from_field_text(field, word),
                                distance,
                                true,
                            )),
                            boost,
                        )),
                    ));
                }
            }
            per_word.push(Box::new(BooleanQuery::new(clauses)));
        }
        let words = BooleanQuery::new(per_word.into_iter().map(|q| (Occur::Should, q)).collect());
        let mut scoring: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, Box::new(words))];
        if tokens.len() > 1 {
            for (field, boost) in [(f.title, 4.0), (f.body, 2.0)] {
                let terms = tokens
                    .iter()
                    .map(|(p, t)| (*p, Term::from_field_text(field, t)))
                    .collect();
                scoring.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(
                        Box::new(PhraseQuery::new_with_offset(terms)),
                        boost,
                    )),
                ));
            }
        }
        scoring.push((
            Occur::Must,
            any_of(f.audience, q.audiences.iter().map(|a| a.key())),
        ));
        for tag in q.tags {
            scoring.push((Occur::Must, any_of(f.tag, std::iter::once(*tag))));
        }
        if !q.entities.is_empty() {
            scoring.push((Occur::Must, any_of(f.entity, q.entities.iter().copied())));
        }
        if !q.locales.is_empty() {
            scoring.push((Occur::Must, any_of(f.locale, q.locales.iter().copied())));
        }
        let query = BooleanQuery::new(scoring);

        let offset = q.offset.min(MAX_OFFSET);
        let semantic = q
            .semantic
            .filter(|_| q.one_per_thing_in.is_some() && self.things_with_vectors() > 0);
        let (read, skip) = match q.one_per_thing_in {
            None => (limit, offset),
            Some(_) => {
                let wanted = if semantic.is_some() {
                    (offset + limit).max(FUSED_LEXICAL)
                } else {
                    offset + limit
                };
                ((wanted * READ_PER_THING).min(MAX_READ), 0)
            }
        };
        let (top, matched) = searcher.search(
            &query,
            &(
                TopDocs::with_limit(read).and_offset(skip).order_by_score(),
                Count,
            ),
        )?;
        let (chosen, total) = match q.one_per_thing_in {
            None => (top, matched),
            Some(locale) => {
                let read_all = matched <= top.len();
                let filter = dense::Filter {
                    audiences: q.audiences,
                    entities: q.entities,
                    locales: q.locales,
                    tags: q.tags,
                };
                let things = self.one_per_thing(&searcher, top, locale, &filter)?;
                let estimate = |n: usize| {
                    if read_all || read == 0 {
                        n
                    } else {
                        // Things per document among those read, applied to every matching document.
                        n.max(n * matched / read)
                    }
                };
                match semantic {
                    None => {
                        let total = estimate(things.len());
                        let page = things
                            .into_iter()
                            .skip(offset)
                            .take(limit)
                            .map(|(score, addr, _)| (score, addr))
                            .collect();
                        (page, total)
                    }
                    Some(sem) => {
                        let near = self
                            .dense_read()
                            .nearest(sem.vector, &filter, DENSE_CANDIDATES);
                        let lexical: Vec<String> =
                            things.iter().map(|(_, _, r)| r.clone()).collect();
                        let found_by_words = estimate(things.len());
                        let mut candidates: Vec<dense::Candidate> = {
                            let table = self.dense_read();
                            things
                                .iter()
                                .map(|(score, _, r)| dense::Candidate {
                                    reference: r.clone(),
                                    similarity: table.similarity(r, sem.vector, &filter),
                                    words: *score,
                                })
                                .collect()
                        };
                        let by_words: std::collections::HashSet<&str> =
                            lexical.iter().map(String::as_str).collect();
                        candidates.extend(
                            near.iter()
                                .filter(|n| !by_words.contains(n.reference.as_str()))
                                .map(|n| dense::Candidate {
                                    reference: n.reference.clone(),
                                    similarity: Some(n.similarity),
                                    words: 0.0,
                                }),
                        );
                        let mut at: std::collections::HashMap<String, tantivy::DocAddress> =
                            things.into_iter().map(|(_, addr, r)| (r, addr)).collect();
                        let fused = dense::fuse(candidates, sem.meaning, sem.min_similarity);
                        let added = fused.len().saturating_sub(lexical.len());
                        let mut page = Vec::with_capacity(limit);
                        for (r, score) in fused.into_iter().skip(offset) {
                            if page.len() == limit {
                                break;
                            }
                            let addr = match at.remove(&r) {
                                Some(a) => Some(a),
                                None => {
                                    let closest = near
                                        .iter()
                                        .find(|n| n.reference == r)
                                        .map(|n| n.locale.as_str())
                                        .unwrap_or(locale);
                                    match self.version_address(&searcher, &r, locale, &filter)? {
                                        Some(a) => Some(a),
                                        None => {
                                            self.version_address(&searcher, &r, closest, &filter)?
                                        }
                                    }
                                }
                            };
                            if let Some(addr) = addr {
                                page.push((score, addr));
                            }
                        }
                        (page, found_by_words + added)
                    }
                }
            }
        };
        // Snippets only for what is returned: the body around the matches, and the title's matches.
        let mut snippets = SnippetGenerator::create(&searcher, &query, f.body)?;
        snippets.set_max_num_chars(SNIPPET_BYTES);
        let mut titles = SnippetGenerator::create(&searcher, &query, f.title)?;
        titles.set_max_num_chars(MAX_TITLE_BYTES);
        let mut hits = Vec::with_capacity(chosen.len());
        for (score, addr) in chosen {
            let d: TantivyDocument = searcher.doc(addr)?;
            // The excerpt comes from the start of long bodies only: analysing a whole long article
            // for each hit would cost more than the search itself.
            let body = d
                .get_first(f.body)
                .and_then(|v| v.as_str())
                .unwrap_or_default();
            let (at, window) = snippet_window(body, &distinct);
            let snip = snippets.snippet(window);
            let title = titles.snippet_from_doc(&d);
            hits.push(self.hit(&d, score, Some((snip, at)), Some(title)));
        }
        Ok(SearchResults { hits, total })
    }

    /// Keeps the best-ranked document of each thing, replaced by the thing's `locale` version when it
    /// has one the viewer may see (keeping the better score), in rank order.
    fn one_per_thing(
        &self,
        searcher: &tantivy::Searcher,
        top: Vec<(f32, tantivy::DocAddress)>,
        locale: &str,
        filter: &dense::Filter<'_>,
    ) -> Result<Vec<(f32, tantivy::DocAddress, String)>> {
        let f = self.fields;
        let mut order: Vec<String> = Vec::new();
        let mut best: std::collections::HashMap<String, (f32, tantivy::DocAddress, bool)> =
            std::collections::HashMap::new();
        for (score, addr) in top {
            let d: TantivyDocument = searcher.doc(addr)?;
            let get = |field: Field| {
                d.get_first(field)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string()
            };
            let key = reference(&get(f.entity), &get(f.entity_id));
            let own = get(f.locale) == locale;
            match best.get_mut(&key) {
                None => {
                    order.push(key.clone());
                    best.insert(key, (score, addr, own));
                }
                Some(slot) if !slot.2 && own => *slot = (slot.0.max(score), addr, true),
                Some(_) => {}
            }
        }
        let mut out = Vec::with_capacity(order.len());
        for key in order {
            let Some((score, addr, own)) = best.remove(&key) else {
                continue;
            };
            let addr = if own {
                addr
            } else {
                self.version_address(searcher, &key, locale, filter)?
                    .unwrap_or(addr)
            };
            out.push((score, addr, key));
        }
        Ok(out)
    }

    /// Where the `locale` version of the thing `reference` is, if it exists and may be seen.
    fn version_address(
        &self,
        searcher: &tantivy::Searcher,
        reference: &str,
        locale: &str,
        filter: &dense::Filter<'_>,
    ) -> Result<Option<tantivy::DocAddress>> {
        let f = self.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![
            (
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(f.reference, reference),
                    IndexRecordOption::Basic,
                )) as Box<dyn Query>,
            ),
            (
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(f.locale, locale),
                    IndexRecordOption::Basic,
                )),
            ),
            (
                Occur::Must,
                any_of(f.audience, filter.audiences.iter().map(|a| a.key())),
            ),
        ];
        for tag in filter.tags {
            clauses.push((Occur::Must, any_of(f.tag, std::iter::once(*tag))));
        }
        let query = BooleanQuery::new(clauses);
        let top = searcher.search(&query, &TopDocs::with_limit(1).order_by_score())?;
        Ok(top.into_iter().next().map(|(_, addr)| addr))
    }
}

#[cfg(test)]
mod tests {
    use super::with_closing_punctuation;

    #[test]
    fn fragments_keep_the_punctuation_that_closes_them() {
        let en = "Return an item or ask for a refund for a cancelled order. Then wait.";
        let end = en.find(" Then").unwrap_or(0) - 1;
        assert_eq!(
            with_closing_punctuation(en, 0..end),
            "Return an item or ask for a refund for a cancelled order."
        );
        let zh = "退货，或为已取消的订单申请退款。";
        let end = zh.len() - "。".len();
        assert_eq!(with_closing_punctuation(zh, 0..end), zh);
        // Words and commas are never added, and a fragment at the end stays as it is.
        assert_eq!(with_closing_punctuation("one two", 0..3), "one");
        assert_eq!(with_closing_punctuation("one, two", 0..3), "one");
        assert_eq!(with_closing_punctuation("(see one).", 1..8), "see one).");
        assert_eq!(with_closing_punctuation("one", 0..3), "one");
        // A range that is not on character boundaries gives nothing rather than a panic.
        assert_eq!(with_closing_punctuation(zh, 0..1), "");
    }
}
