//! Full-text search: a tantivy index per node with a Chinese + English analyser. The index is derived
//! data: the application follows the database's search outbox into it, and rebuilds it from the
//! database when it is missing, outdated or asked to (`portico reindex`).

pub mod analyzer;
mod audience;
mod dense;
mod error;
mod index;

pub use dense::{DENSE_CANDIDATES, Semantic};
pub use error::{Result, SearchError};
pub use index::{
    Audience, Change, FollowState, Hit, MAX_LIMIT, SCHEMA_VERSION, SearchDoc, SearchIndex,
    SearchQuery, SearchResults,
};
