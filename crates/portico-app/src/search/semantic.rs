//! Ranking by meaning: a small multilingual sentence model (multilingual-e5-small, 4-bit) turns the
//! query into a vector that the index compares with the vectors of articles; the index fuses that
//! ranking with the word ranking.
//!
//! The model is optional. A node that has it embeds queries (cached, so a repeated query costs a
//! lookup) and runs the background job that embeds articles; a node without it ranks by words alone
//! and says so on `/readyz` and in the admin area. Articles are embedded in the job, never in a
//! request, and their vectors are stored in the database, so every node ranks by meaning once its
//! index follower has picked them up, whether or not it has the model itself.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use portico_embed::{Kind, Model};

use crate::AppError;

/// The model's name as stored with each vector: vectors of another model are made again.
pub const MODEL_ID: &str = "multilingual-e5-small-q4";

/// The file name the model is looked for under `<data_dir>/models/`.
pub const MODEL_FILE: &str = portico_embed::MODEL_FILE;

/// Content tokens of an article embedded (its title and first paragraphs): beyond this, a longer
/// body costs time and blurs the vector more than it helps.
pub const MAX_PASSAGE_TOKENS: usize = 256;

/// Share of similarity in the fused score (the rest is the word score; `[search] meaning`). Measured
/// on the public FAQ sets (BENCHMARKS.md): meaning alone beats words alone, and a mostly-meaning blend
/// beats both.
pub const MEANING: f32 = 0.8;

/// Cosine below which a thing is not added to the results by meaning alone (it still ranks when the
/// words found it). This model's cosines are compressed: unrelated texts, even strings of nonsense,
/// reach 0.75 to 0.84, while a question and its answer are usually 0.85 and above. Measured on the FAQ
/// sets and on nonsense queries (BENCHMARKS.md).
pub const MIN_SIMILARITY: f32 = 0.85;

/// Query vectors remembered per node (two generations of this many).
const CACHE_ENTRIES: usize = 4096;

/// How a search ranks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ranking {
    /// By words and, where the model is available, by meaning.
    #[default]
    Best,
    /// By words only: for results while typing, where each keystroke is a new query.
    Words,
}

impl Ranking {
    /// The ranking a request names: `words`, or `best` (also when absent or empty). `None` for
    /// anything else.
    pub fn parse(value: Option<&str>) -> Option<Self> {
        match value.map(str::trim).unwrap_or("") {
            "" | "best" => Some(Self::Best),
            "words" => Some(Self::Words),
            _ => None,
        }
    }
}

/// A node's model and its cache of query vectors.
pub struct Embedder {
    model: Model,
    path: PathBuf,
    cache: Mutex<QueryCache>,
    /// Share of similarity in fused scores.
    pub meaning: f32,
    /// Least similarity for a thing to be added by meaning alone.
    pub min_similarity: f32,
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedder")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// Two generations of query vectors: lookups promote from the older; when the newer fills up it
/// becomes the older. Approximately least-recently-used at the cost of two hash maps.
#[derive(Default)]
struct QueryCache {
    current: HashMap<String, Arc<Vec<f32>>>,
    previous: HashMap<String, Arc<Vec<f32>>>,
}

impl QueryCache {
    fn get(&mut self, key: &str) -> Option<Arc<Vec<f32>>> {
        if let Some(v) = self.current.get(key) {
            return Some(v.clone());
        }
        let v = self.previous.remove(key)?;
        self.put(key.to_string(), v.clone());
        Some(v)
    }

    fn put(&mut self, key: String, v: Arc<Vec<f32>>) {
        if self.current.len() >= CACHE_ENTRIES {
            self.previous = std::mem::take(&mut self.current);
        }
        self.current.insert(key, v);
    }
}

impl Embedder {
    /// Loads the model file (blocking: about 70 MB are read and checked); one embedding uses up to
    /// `threads` threads.
    pub fn load(path: &Path, threads: usize) -> Result<Self, AppError> {
        let mut model = Model::load(path).map_err(|e| {
            AppError::Internal(anyhow::anyhow!(
                "the language model {} could not be loaded: {e}",
                path.display()
            ))
        })?;
        model.set_threads(threads.max(1));
        Ok(Self {
            model,
            path: path.to_path_buf(),
            cache: Mutex::new(QueryCache::default()),
            meaning: MEANING,
            min_similarity: MIN_SIMILARITY,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The vector of a query (blocking; cached).
    pub fn query_vector(&self, text: &str) -> Arc<Vec<f32>> {
        if let Some(v) = self.cache_lock().get(text) {
            return v;
        }
        let v = Arc::new(self.model.embed(text, Kind::Query, Some(64)));
        self.cache_lock().put(text.to_string(), v.clone());
        v
    }

    /// The vectors of an article (blocking): its title read as a question, and its title with the
    /// start of its body read as a passage. Short FAQ-style titles match questions best as questions;
    /// the passage carries what the body explains.
    pub fn article_vectors(&self, title: &str, body: &str) -> Vec<Vec<f32>> {
        let passage = format!("{title}\n{body}");
        vec![
            self.model.embed(title, Kind::Query, Some(64)),
            self.model
                .embed(&passage, Kind::Passage, Some(MAX_PASSAGE_TOKENS)),
        ]
    }

    fn cache_lock(&self) -> std::sync::MutexGuard<'_, QueryCache> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// How this node ranks, for `/readyz` and the admin area.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Status {
    /// This node has the model (it embeds queries and may run the embedding job).
    pub model: bool,
    /// Things in this node's index that have vectors (found by meaning).
    pub things_with_vectors: usize,
    /// Why the model is not in use though it was meant to be (a damaged file, a failed download).
    pub problem: Option<String>,
}

impl Status {
    /// Whether searches on this node rank by meaning now.
    pub fn by_meaning(&self) -> bool {
        self.model && self.things_with_vectors > 0
    }
}

pub fn status(app: &crate::App) -> Status {
    Status {
        model: app.embedder().is_some(),
        things_with_vectors: app
            .search_state()
            .map_or(0, |s| s.index().things_with_vectors()),
        problem: app.model_problem().map(str::to_string),
    }
}

/// Where a data directory keeps the model.
pub fn model_path(data_dir: &Path) -> PathBuf {
    data_dir.join("models").join(MODEL_FILE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_keeps_recent_queries_across_a_generation() {
        let mut c = QueryCache::default();
        for i in 0..CACHE_ENTRIES {
            c.put(format!("q{i}"), Arc::new(vec![i as f32]));
        }
        // The next insert turns the full generation into the older one.
        c.put("new".into(), Arc::new(vec![0.5]));
        assert_eq!(c.current.len(), 1);
        assert_eq!(c.get("q7").map(|v| v[0]), Some(7.0));
        // Promoted: it survives the next turn-over, unlike queries nobody asked again.
        for i in 0..CACHE_ENTRIES {
            c.put(format!("r{i}"), Arc::new(vec![0.0]));
        }
        assert!(c.get("q7").is_some());
        assert!(c.get("q8").is_none());
    }
}
